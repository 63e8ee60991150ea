#!/usr/bin/env python3
"""Differential test: the column store against its plain-SQLite twin, one thread against two.

usage: differential.py BIN_DIR SOURCE_DIR WORK_DIR [--only NAME]

Every run below is made four times, under CHATAUDIT_STORE=columnar|sqlite and
CHATAUDIT_THREADS=1|2, and the four must agree byte for byte (standard output, standard error,
exit status). The twin fills each view with plain SQL and none of the store's shortcuts
(witnesses, narrowed statements, split scans, unique lookups), so a shortcut that changes a
finding shows up here as a difference. The runs:

  - each tool of tools/tools.toml on samples/jiusan as of 2026-11-27;
  - each golden case under tests/cli/*/*/ with its arguments, standard input and environment, its
    --format replaced by --format json (the options of other formats dropped), duplicates run once;
  - each tool on two small inventories written by bench/gen --scale S into WORK_DIR: the default
    profile (few findings) and --profile first-audit (15-20 % of memberships with a finding of
    membership-audit: nicknames, leavers never removed, stale transfers, external guests);
  - each tool on a copy of each of those two with every file's rows shuffled (a fixed seed): bench/gen
    writes rows in key order, in which a shortcut that skips a sort (an ORDER BY or GROUP BY the
    store claims to give in order, a sort on one of two columns) still finds rows in order by luck.

Exit status 0 when all agree, 1 otherwise (each difference printed with a unified diff).
"""

import concurrent.futures
import csv
import difflib
import os
import pathlib
import random
import shutil
import subprocess
import sys
import time

from tools_toml import TOOLS

AS_OF = "2026-11-27"
CONFIGS = [("columnar", "1"), ("columnar", "2"), ("sqlite", "1"), ("sqlite", "2")]
# Options that only the format they belong to takes (each followed by a value, or not).
FORMAT_OPTIONS_WITH_VALUE = {"--format", "--mail-to", "--mail-from"}
FORMAT_OPTIONS_ALONE = {"--bom"}
# Runs that make no report: nothing for the stores to disagree on.
NO_REPORT = {"--version", "--list-rules", "--explain", "--help"}


def json_args(args):
    out, skip = [], False
    for arg in args:
        if skip:
            skip = False
            continue
        if arg in FORMAT_OPTIONS_WITH_VALUE:
            skip = True
            continue
        if arg in FORMAT_OPTIONS_ALONE or arg.split("=", 1)[0] in FORMAT_OPTIONS_WITH_VALUE:
            continue
        out.append(arg)
    return out + ["--format", "json"]


def golden_runs(source):
    runs = []
    for args_file in sorted((source / "tests" / "cli").glob("*/*/args")):
        case = args_file.parent
        tool = case.parent.name
        rel = case.relative_to(source).as_posix()
        args = [line.replace("$CASE", rel) for line in args_file.read_text(encoding="utf-8").splitlines()]
        if any(arg in NO_REPORT for arg in args):
            continue
        env = {}
        if (case / "env").exists():
            for line in (case / "env").read_text(encoding="utf-8").splitlines():
                key, _, value = line.partition("=")
                env[key] = value
        if any(key.startswith("CHATAUDIT_") for key in env):
            continue  # a case about those settings themselves (bad-store): the four runs set them
        stdin = (case / "stdin").read_bytes() if (case / "stdin").exists() else None
        runs.append((f"cli/{tool}/{case.name}", tool, json_args(args), env, stdin))
    return runs


def run(bin_dir, source, tool, args, env, stdin, store, threads):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CHATAUDIT_")}
    environment.update({"TZ": "UTC", "LANG": "C", "LC_ALL": "", "NO_COLOR": "", "SOURCE_DATE_EPOCH": "1795752000"})
    environment.update(env)
    environment.update({"CHATAUDIT_STORE": store, "CHATAUDIT_THREADS": threads})
    result = subprocess.run([str(bin_dir / tool)] + args, cwd=source, env=environment, input=stdin,
                            stdin=None if stdin is not None else subprocess.DEVNULL, capture_output=True, timeout=300)
    return result.returncode, result.stdout, result.stderr


def compare(name, outcomes):
    """The four outcomes of one run; a list of lines describing how they differ (empty: they agree)."""
    problems = []
    (base_store, base_threads), base = outcomes[0]
    for (store, threads), outcome in outcomes[1:]:
        if outcome == base:
            continue
        problems.append(f"DIFFERENT: {name}: CHATAUDIT_STORE={store} CHATAUDIT_THREADS={threads} "
                        f"differs from CHATAUDIT_STORE={base_store} CHATAUDIT_THREADS={base_threads}")
        if outcome[0] != base[0]:
            problems.append(f"  exit status {outcome[0]}, not {base[0]}")
        for stream, index in (("stdout", 1), ("stderr", 2)):
            if outcome[index] == base[index]:
                continue
            a = base[index].decode("utf-8", "replace").splitlines(keepends=True)
            b = outcome[index].decode("utf-8", "replace").splitlines(keepends=True)
            diff = list(difflib.unified_diff(a, b, f"{stream} ({base_store}, {base_threads} thread)",
                                             f"{stream} ({store}, {threads} threads)", n=1))
            problems.append("".join(diff[:60]) + (f"  … {len(diff) - 60} more diff lines\n" if len(diff) > 60 else ""))
    return problems


def shuffle_rows(source, target):
    """A copy of the CSV inventory `source` in `target`, each file's rows (not its header) shuffled."""
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    for path in sorted(source.glob("*.csv")):
        header, *rows = path.read_bytes().splitlines(keepends=True)
        with open(path, newline="", encoding="utf-8") as f:  # one record per line, or shuffling breaks records
            assert sum(1 for _ in csv.reader(f)) == len(rows) + 1, f"{path}: a record spans lines"
        random.Random(f"{path.name} 1").shuffle(rows)
        (target / path.name).write_bytes(header + b"".join(rows))


def main():
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    bin_dir, source, work = (pathlib.Path(a).resolve() for a in sys.argv[1:4])
    only = sys.argv[5] if len(sys.argv) > 5 and sys.argv[4] == "--only" else None
    started = time.monotonic()
    runs = [(f"sample/{tool}", tool, ["--inventory", "samples/jiusan", "--as-of", AS_OF, "--format", "json"], {}, None)
            for tool in TOOLS]
    seen = set()
    for name, tool, args, env, stdin in golden_runs(source):
        key = (tool, tuple(args), tuple(sorted(env.items())), stdin)
        if key in seen:
            continue
        seen.add(key)
        runs.append((name, tool, args, env, stdin))
    # Generated inventories: every rule fires at scale S (bench/gen's docstring), in a few seconds; the
    # first-audit profile has ten times the findings (many per group, most rules at once on a member).
    for label, profile in (("bench-S", "default"), ("bench-S-first-audit", "first-audit")):
        generated = work / label
        # Written again when bench/gen changed since (its files are a function of its source).
        stamp = generated / ".gen-stamp"
        gen = source / "bench" / "gen"
        expected = f"{gen.stat().st_mtime_ns} {gen.stat().st_size} {profile}"
        if not (generated / "members.csv").exists() or not stamp.exists() or stamp.read_text() != expected:
            shutil.rmtree(generated, ignore_errors=True)
            generated.parent.mkdir(parents=True, exist_ok=True)
            subprocess.run([sys.executable, str(gen), "--scale", "S", "--profile", profile, "--as-of", AS_OF,
                            str(generated)], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            stamp.write_text(expected)
        shuffled = work / f"{label}-shuffled"
        if not (shuffled / ".gen-stamp").exists() or (shuffled / ".gen-stamp").read_text() != expected:
            shuffle_rows(generated, shuffled)
            (shuffled / ".gen-stamp").write_text(expected)
        for inventory, name in ((generated, label), (shuffled, f"{label}-shuffled")):
            for tool in TOOLS:
                runs.append((f"{name}/{tool}", tool, ["--inventory", str(inventory), "--as-of", AS_OF, "--format", "json"],
                             {}, None))
    if only:
        runs = [r for r in runs if only in r[0]]

    def one(item):
        name, tool, args, env, stdin = item
        outcomes = [((store, threads), run(bin_dir, source, tool, args, env, stdin, store, threads))
                    for store, threads in CONFIGS]
        return name, outcomes

    failures = 0
    reports = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        for name, outcomes in pool.map(one, runs):
            problems = compare(name, outcomes)
            if outcomes[0][1][0] in (0, 1):
                reports += 1
            if problems:
                failures += 1
                print("\n".join(problems))
    print(f"differential: {len(runs)} runs × {len(CONFIGS)} configurations ({reports} with a report), "
          f"{failures} differing, {time.monotonic() - started:.1f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
