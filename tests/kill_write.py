#!/usr/bin/env python3
"""An --output file is never half written, whenever the tool is killed (SPEC §2, Output paths).

    kill_write.py BIN_DIR WORK_DIR

A generated inventory of many overdue temporary groups makes stale-group-finder write a large
JSON and CSV report. OUT and OUT2 first hold complete reports of an earlier date (the "old"
bytes); a clean run gives the "new" bytes. Then the tool is started again and again with
--output json:OUT --output csv:OUT2 and stopped (SIGSTOP): half the time after delays spread over
its measured run time, half the time 0 to 80 ms after it was seen with a report file open (the
write phase). While it is stopped, and again once it is killed (SIGKILL), each file must be the
old report or the new one byte for byte, never a part. Nothing else may be in the directory but,
while the stopped tool holds it open as its unnamed O_TMPFILE between link and rename, a
FILE.tmp.XXXXXX holding the whole new report; after the kill only such a file may remain. (Where
O_TMPFILE is unsupported, the tool writes to a named FILE.tmp.XXXXXX, which may be left.)

Only invariants that hold at every kill point are asserted, never where a stop landed, so the
test passes under any timing (the sanitizer build included); the last line counts the stops that
landed in each phase.
"""
import json
import os
import re
import shutil
import signal
import sys
import time

BIN_DIR, WORK_DIR = sys.argv[1], sys.argv[2]
TOOL = os.path.join(BIN_DIR, "stale-group-finder")
GROUPS = 2000
BUDGET = 8.0  # seconds of probing, whatever one run takes

failures = []


def fail(message):
    failures.append(message)
    print("FAIL:", message, file=sys.stderr)


shutil.rmtree(WORK_DIR, ignore_errors=True)
inventory_dir = os.path.join(WORK_DIR, "inventory")
out_dir = os.path.join(WORK_DIR, "out")
os.makedirs(inventory_dir)
os.makedirs(out_dir)
OUT = os.path.join(out_dir, "report.json")
OUT2 = os.path.join(out_dir, "report.csv")
NAMES = {"report.json": OUT, "report.csv": OUT2}
TEMP = re.compile(r"^(report\.json|report\.csv)\.tmp\.[A-Za-z0-9]{6}$")

# Temporary groups whose work ended long ago: one overdue finding each.
with open(os.path.join(inventory_dir, "groups.csv"), "w", encoding="utf-8") as f:
    f.write("group_id,name,org_id,term,created_on,work_ended_on,status\n")
    for i in range(GROUPS):
        f.write(f"G{i:06d},临时工作群 {i},O01,temporary,2025-01-{1 + i % 28:02d},2025-03-{1 + i % 28:02d},active\n")

ENV = dict(os.environ, TZ="UTC", LANG="C")
ENV.pop("LC_ALL", None)
NULL = os.open(os.devnull, os.O_RDWR)


def spawn(*args):
    actions = [(os.POSIX_SPAWN_DUP2, NULL, 0), (os.POSIX_SPAWN_DUP2, NULL, 1), (os.POSIX_SPAWN_DUP2, NULL, 2)]
    return os.posix_spawn(TOOL, [TOOL, "--inventory", inventory_dir, *args], ENV, file_actions=actions)


def run(*args):
    status = os.waitstatus_to_exitcode(os.waitpid(spawn(*args), 0)[1])
    if status != 1:  # every group is overdue: findings, exit 1
        sys.exit(f"stale-group-finder {' '.join(args)}: exit {status}, expected 1")


def read(path):
    with open(path, "rb") as f:
        return f.read()


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


# The old reports (an earlier as-of date) and the new ones (a clean, unkilled run).
run("--as-of", "2026-11-20", "--output", "json:" + OUT, "--output", "csv:" + OUT2)
old = {OUT: read(OUT), OUT2: read(OUT2)}
started = time.monotonic()
run("--as-of", "2026-11-27", "--output", "json:" + OUT, "--output", "csv:" + OUT2)
run_time = time.monotonic() - started
new = {OUT: read(OUT), OUT2: read(OUT2)}
report = json.loads(new[OUT])
if report["summary"]["findings"] != GROUPS or report["inventory"]["tables"] != {"groups": GROUPS}:
    sys.exit(f"unexpected clean report: summary {report['summary']['findings']}, tables {report['inventory']['tables']}")
if report["summary"]["tables"] != {"groups": {"read": GROUPS, "loaded": GROUPS, "in_scope": GROUPS}}:
    sys.exit(f"unexpected summary.tables: {report['summary']['tables']}")
if old[OUT] == new[OUT] or old[OUT2] == new[OUT2]:
    sys.exit("the old and new reports must differ, to tell them apart")
if sorted(os.listdir(out_dir)) != sorted(NAMES):
    sys.exit(f"a clean run left {sorted(os.listdir(out_dir))}")

try:
    probe = os.open(out_dir, os.O_TMPFILE | os.O_WRONLY, 0o600)
    os.close(probe)
    unnamed_temp = True
except (AttributeError, OSError):
    unnamed_temp = False  # the tool falls back to a named FILE.tmp.XXXXXX, which a kill may leave partial


def open_report_files(pid):
    """{(device, inode): target} of the files in the output directory the process has open; an
    unnamed O_TMPFILE reads as DIR/#INODE (deleted), and still does once linked under a name."""
    files = {}
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except OSError:
        return files
    for fd in fds:
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
            info = os.stat(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue
        if target.startswith(out_dir + "/"):
            files[(info.st_dev, info.st_ino)] = target
    return files


UNNAMED = re.compile(re.escape(out_dir) + r"/#\d+ \(deleted\)$")


def check(where, pid=None, seen_temps=None):
    """The invariants at any point of a run: OUT and OUT2 each hold the old report or the whole new
    one; nothing else is in the directory but a FILE.tmp.XXXXXX, and that only while the stopped
    process (`pid`) holds it open as its unnamed O_TMPFILE, linked and about to be renamed, with the
    whole new report in it (`seen_temps` collects those). Once the process is gone (pid None), only
    a temporary file seen so while it was stopped may remain; it is removed."""
    for path in NAMES.values():
        if not os.path.exists(path):
            fail(f"{where}: {os.path.basename(path)} is gone")
    held = open_report_files(pid) if pid else {}
    for name in sorted(os.listdir(out_dir)):
        path = os.path.join(out_dir, name)
        if name in NAMES:
            data = read(path)
            if data != new[path] and data != old[path]:
                fail(f"{where}: {name} is neither the old report nor the new one ({len(data)} bytes; "
                     f"old {len(old[path])}, new {len(new[path])})")
            continue
        match = TEMP.match(name)
        if not match:
            fail(f"{where}: unexpected file {name} in the output directory")
            os.unlink(path)
            continue
        info = os.stat(path)
        key = (name, info.st_dev, info.st_ino)
        if not unnamed_temp:
            pass  # without O_TMPFILE the tool writes under this name: a kill may leave it, partial
        elif pid:
            data = read(path)
            holder = held.get((info.st_dev, info.st_ino))
            if holder is None or not UNNAMED.match(holder):
                fail(f"{where}: {name} ({len(data)} bytes) is not the tool's linked O_TMPFILE "
                     f"(open as {holder}); a kill now would leave it behind")
            elif data != new[NAMES[match.group(1)]]:
                fail(f"{where}: {name} holds {len(data)} bytes, not the whole new report")
            else:
                seen_temps.add(key)
            continue
        elif key not in seen_temps:
            fail(f"{where}: {name} left behind")
        temp_left.append(name)
        os.unlink(path)


phases = {"before": 0, "writing": 0, "between": 0, "after": 0, "exited": 0}
temp_left = []
write_delays = []


def probe_at(delay, from_write=False):
    """Stops the tool `delay` seconds after its start (or, `from_write`, after it was first seen with
    a report file open), checks, kills it, checks again; returns the phase it was stopped in."""
    for path, data in old.items():
        write(path, data)
    pid = spawn("--as-of", "2026-11-27", "--output", "json:" + OUT, "--output", "csv:" + OUT2)
    if from_write:
        deadline = time.monotonic() + 10 * run_time + 5
        while not open_report_files(pid) and time.monotonic() < deadline:
            if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None:
                break  # ended (or died) without being seen writing; checked below all the same
            time.sleep(0.0002)
    time.sleep(delay)
    os.kill(pid, signal.SIGSTOP)
    _, status = os.waitpid(pid, os.WUNTRACED)
    where = f"stopped {delay:.3f}s after {'it began writing' if from_write else 'its start'}"
    seen_temps = set()
    if os.WIFSTOPPED(status):
        replaced = [read(path) == new[path] for path in NAMES.values()]
        if open_report_files(pid):
            phase = "writing"
            write_delays.append(delay)
        elif all(replaced):
            phase = "after"
        elif any(replaced):
            phase = "between"
        else:
            phase = "before"
        check(where, pid, seen_temps)
        os.kill(pid, signal.SIGKILL)  # a stopped process dies of SIGKILL too
        _, status = os.waitpid(pid, 0)
        if not (os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL):
            fail(f"{where}: the tool was not killed (status {status})")
        check(where.replace("stopped", "killed"), None, seen_temps)
    else:
        phase = "exited"
        code = os.waitstatus_to_exitcode(status)
        if code != 1:
            fail(f"{where}: the run ended by itself with exit {code}, expected 1")
        check(f"ended before {delay:.3f}s", None, seen_temps)
        for path in NAMES.values():
            if read(path) != new[path]:
                fail(f"{where}: a finished run left {os.path.basename(path)} without the new report")
    phases[phase] += 1
    return phase


# Half the stops at delays spread over the whole run and a little beyond; the other half while it
# writes: a poll of /proc/PID/fd sees the first report file open, then the stop comes 0, 2, 5, 10 …
# 80 milliseconds later, through the write, flush, link and rename of both files. The count follows
# the run time, so the sanitizer build takes about as long as the normal one. Where the stops land
# varies from run to run; what is checked does not.
probes = max(10, min(40, int(BUDGET / max(run_time, 0.05))))
spread = probes // 2
for i in range(spread):
    probe_at(run_time * 1.2 * i / (spread - 1))
for i in range(probes - spread):
    probe_at((0.0, 0.002, 0.005, 0.010, 0.020, 0.040, 0.080)[i % 7], from_write=True)

os.close(NULL)
print(f"one run {run_time:.3f}s; {probes} stops: {phases['before']} before the files were replaced, "
      f"{phases['writing']} while a report file was open {['%.3f' % d for d in write_delays]}, "
      f"{phases['between']} between the two files, {phases['after']} after, {phases['exited']} after the run ended; "
      f"O_TMPFILE {'used' if unnamed_temp else 'unsupported here'}; temporary files left: {temp_left or 'none'}")
if failures:
    sys.exit(f"{len(failures)} failure(s)")
