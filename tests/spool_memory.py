#!/usr/bin/env python3
"""A report larger than the memory the tool may use is still written whole (issue 22, SPEC §5).

Usage: spool_memory.py BIN_DIR SOURCE_DIR WORK_DIR

stale-group-finder on 120,000 generated groups, each breaking one of its five rules (24,000
findings a rule), with a policy that extends the shipped one and gives each of those rules's
findings a 2 KB detail made by its SQL (nothing of it in the tables): a JSON report of about
300 MB from a 14 MB inventory. It runs on one thread (one rule's findings in memory at a time)
under `prlimit --data` of LIMIT, well below the report's size: the report goes to a spool on disk
rule by rule, so it must come out whole — every finding on its own line, the summary's counts
right, the document closed. A tool that held the report in memory could not. Run in build/ only
(label `scale`): sanitizers change how much memory a run takes.
"""
import os
import re
import subprocess
import sys
import tomllib

GROUPS = 120_000
LIMIT = 200 * 1024 * 1024  # bytes of data (heap, private mappings) the run may have
RULES = ["temporary-group-overdue", "temporary-group-no-end-date", "long-term-group-inactive",
         "temporary-group-closed-late", "temporary-group-due-soon"]


def write_groups(path):
    header = ("group_id,name,scope,org_id,dept_id,term,created_on,approved_by,approved_on,filed_on,work_ended_on,"
              "owner_id,status,dissolved_on,closure_filed_on,content_cleared_on,last_activity_on,allows_external")
    kinds = [
        "temporary,2026-01-05,P001,2026-01-04,2026-01-20,2026-10-01,P002,active,,,,2026-11-25,no",  # overdue
        "temporary,2026-01-05,P001,2026-01-04,2026-01-20,,P002,active,,,,2026-11-25,no",  # no end date
        "long,2021-01-05,P001,2021-01-04,2021-01-20,,P002,active,,,,2025-01-25,no",  # inactive
        "temporary,2026-01-05,P001,2026-01-04,2026-01-20,2026-09-01,P002,dissolved,2026-10-20,2026-10-21,"
        "2026-10-21,2026-09-25,no",  # dissolved late
        "temporary,2026-01-05,P001,2026-01-04,2026-01-20,2026-11-22,P002,active,,,,2026-11-25,no",  # due soon
    ]
    with open(path, "w", encoding="utf-8") as out:
        out.write(header + "\n")
        for i in range(GROUPS):
            out.write(f"G{i:07d},第{i}号群,org,O01,,{kinds[i % len(kinds)]}\n")


def write_policy(path, source):
    """The shipped policy with each of RULES returning its rows and a 2 KB `padding` column."""
    with open(os.path.join(source, "policies", "jiusan-2020.toml"), "rb") as shipped:
        rules = {rule["id"]: rule for rule in tomllib.load(shipped)["rule"]}
    text = f'[policy]\nid = "padded"\nextends = "{os.path.join(source, "policies", "jiusan-2020.toml")}"\n\n'
    for rule in RULES:
        sql = f"SELECT *, hex(zeroblob(1024)) AS padding FROM (\n{rules[rule]['sql'].strip()}\n)"
        text += f'[[rule]]\nid = "{rule}"\nsql = """\n{sql}\n"""\n\n'
    with open(path, "w", encoding="utf-8") as out:
        out.write(text)


def main():
    bin_dir, source, work = sys.argv[1], sys.argv[2], sys.argv[3]
    os.makedirs(work, exist_ok=True)
    groups = os.path.join(work, "groups.csv")
    policy = os.path.join(work, "padded.toml")
    write_policy(policy, source)
    report = os.path.join(work, "report.json")
    write_groups(groups)
    if os.path.exists(report):
        os.remove(report)
    env = dict(os.environ, CHATAUDIT_THREADS="1")
    run = subprocess.run(["prlimit", f"--data={LIMIT}", os.path.join(bin_dir, "stale-group-finder"),
                          "--policy", policy, "--table", f"groups={groups}", "--as-of", "2026-11-27", "--format", "json",
                          "--output", f"json:{report}"], env=env, capture_output=True, text=True)
    problems = []
    if run.returncode != 1 or run.stderr:
        problems.append(f"exit status {run.returncode} (expected 1: findings), stderr: {run.stderr[:500]!r}")
    size = os.path.getsize(report) if os.path.exists(report) else 0
    if size <= LIMIT:
        problems.append(f"the report is {size} bytes, not larger than the limit {LIMIT}: the test proves nothing")
    lines = 0
    head, last = "", ""
    if os.path.exists(report):
        with open(report, encoding="utf-8") as text:
            in_findings = False
            for line in text:
                if not in_findings:
                    head += line
                    in_findings = line.startswith('  "findings": [')
                elif line.startswith('    {"rule":'):
                    lines += 1
                else:
                    in_findings = False
                last = line
    count = re.search(r'"summary": \{\n    "findings": (\d+),', head)
    if not count or int(count.group(1)) != GROUPS:
        problems.append(f"summary.findings is {count.group(1) if count else 'missing'}, expected {GROUPS}")
    if lines != GROUPS:
        problems.append(f"{lines} finding lines, expected {GROUPS}")
    if last != "}\n":
        problems.append(f"the document does not end with its closing brace: {last[:80]!r}")
    # Far too little memory: exit 2, a message that says so (never a bare "std::bad_alloc"), no report.
    os.remove(report) if os.path.exists(report) else None
    starved = subprocess.run(["prlimit", f"--data={40 * 1024 * 1024}", os.path.join(bin_dir, "stale-group-finder"),
                              "--policy", policy, "--table", f"groups={groups}", "--as-of", "2026-11-27",
                              "--format", "json", "--output", f"json:{report}"], env=env, capture_output=True, text=True)
    if starved.returncode != 2 or "out of memory" not in starved.stderr or "bad_alloc" in starved.stderr:
        problems.append(f"under 40 MiB: exit status {starved.returncode}, stderr {starved.stderr[:300]!r}")
    if os.path.exists(report):
        problems.append("under 40 MiB: a report was written")
    for problem in problems:
        print(f"spool_memory: {problem}", file=sys.stderr)
    if not problems:
        print(f"spool_memory: {GROUPS} findings, a report of {size} bytes, written under a {LIMIT}-byte data limit")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
