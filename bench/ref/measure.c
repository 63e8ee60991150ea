/* measure — run a command, then write its wall time and peak resident set size to a file.
 *
 *   measure RESULT_FILE COMMAND [ARG]...
 *
 * Forks and execs COMMAND (standard input, output and error inherited), waits for it with wait4(2)
 * and writes "EXIT_STATUS WALL_SECONDS MAXRSS_KIB\n" to RESULT_FILE; exits with COMMAND's status.
 *
 * Why not os.wait4 in bench/run itself: Linux keeps a child's ru_maxrss across exec as the largest
 * of its own and that of the memory image it was forked (or vforked) from — the Python parent's
 * whole resident set, which grows while bench/run reads reports. Forked from this small program,
 * the floor is this program's own few hundred KiB, and the peak is the command's.
 * bench/run builds it with `cc -O2 bench/ref/measure.c -o bench/.cache/measure`.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: measure RESULT_FILE COMMAND [ARG]...\n");
    return 2;
  }
  struct timespec start, end;
  clock_gettime(CLOCK_MONOTONIC, &start);
  const pid_t pid = fork();
  if (pid < 0) {
    perror("measure: fork");
    return 2;
  }
  if (pid == 0) {
    execvp(argv[2], argv + 2);
    fprintf(stderr, "measure: %s: %s\n", argv[2], strerror(errno));
    _exit(127);
  }
  int status = 0;
  struct rusage usage;
  while (wait4(pid, &status, 0, &usage) < 0) {
    if (errno != EINTR) {
      perror("measure: wait4");
      return 2;
    }
  }
  clock_gettime(CLOCK_MONOTONIC, &end);
  const double seconds = (double)(end.tv_sec - start.tv_sec) + (double)(end.tv_nsec - start.tv_nsec) / 1e9;
  const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  FILE* out = fopen(argv[1], "w");
  if (!out) {
    perror("measure: result file");
    return 2;
  }
  fprintf(out, "%d %.6f %ld\n", code, seconds, usage.ru_maxrss);
  fclose(out);
  return code;
}
