#!/usr/bin/env python3
"""Checks every tool's findings on samples/jiusan against samples/EXPECTED.md.

EXPECTED.md is the sample's executable specification: for each tool, "fires" rows are the complete
list of (rule, subject) findings and "no" rows are near misses that must not appear; the
"--person", "--org" and "--group" sections list the exact findings under those filters, and "Who
must act" the responsible_id of selected findings ("—": none).

usage: expected_findings.py BIN_DIR SOURCE_DIR
"""
import json
import re
import subprocess
import sys

from tools_toml import TOOLS

AS_OF = "2026-11-27"


def cells(line):
    return [c.strip().strip("`").replace("**", "") for c in line.strip().strip("|").split("|")]


def sections(text):
    current, found = None, {}
    for line in text.splitlines():
        if line.startswith("## "):
            current = line[3:].strip()
            found[current] = []
        elif current and line.startswith("|") and not re.match(r"^\|[-| ]+\|$", line):
            found[current].append(cells(line))
    return {name: rows[1:] for name, rows in found.items()}  # drop each table's header row


def run(bin_dir, source_dir, tool, *extra):
    result = subprocess.run([f"{bin_dir}/{tool}", "--inventory", "samples/jiusan", "--as-of", AS_OF,
                             "--format", "jsonl", *extra], cwd=source_dir, capture_output=True, text=True)
    if result.returncode not in (0, 1):
        sys.exit(f"{tool} {' '.join(extra)}: exit {result.returncode}\n{result.stderr}")
    return [json.loads(line) for line in result.stdout.splitlines()]


def main():
    bin_dir, source_dir = sys.argv[1], sys.argv[2]
    with open(f"{source_dir}/samples/EXPECTED.md", encoding="utf-8") as f:
        expected = sections(f.read())
    problems = []

    found = {}
    for tool in TOOLS:
        findings = run(bin_dir, source_dir, tool)
        found[tool] = findings
        got = {(f["rule"], f["subject"]["id"]) for f in findings}
        by_key = {(f["rule"], f["subject"]["id"]): f for f in findings}
        fires, near_misses = set(), set()
        for row in expected[tool]:
            if row[0] == "person-still-holds":
                continue  # runs only with --person: checked below
            key = (row[0], row[2])
            (fires if row[1] == "fires" else near_misses).add(key)
            if tool == "stale-group-finder" and row[1] == "fires":
                finding = by_key.get(key, {})
                if row[3] and finding.get("due_on") != row[3]:
                    problems.append(f"{tool} {key}: due_on {finding.get('due_on')}, expected {row[3]}")
                if row[4] and str(finding.get("days_overdue")) != row[4]:
                    problems.append(f"{tool} {key}: days_overdue {finding.get('days_overdue')}, expected {row[4]}")
        for key in sorted(fires - got):
            problems.append(f"{tool}: missing finding {key}")
        for key in sorted(got - fires):
            problems.append(f"{tool}: unexpected finding {key}")
        for key in sorted(near_misses & got):
            problems.append(f"{tool}: near miss fired {key}")
        rules = {rule for rule, _ in fires}
        if tool != "handover-check" and len(rules) < len({r for r, _ in fires | near_misses}):
            problems.append(f"{tool}: a rule has near misses but never fires")

    person = next(name for name in expected if name.startswith("handover-check --person"))
    person_id = person.split()[-1]
    got = {(f["rule"], f["subject"]["id"]) for f in run(bin_dir, source_dir, "handover-check", "--person", person_id)}
    want = {(row[0], row[1]) for row in expected[person]}
    if got != want:
        problems.append(f"--person {person_id}: missing {sorted(want - got)}, unexpected {sorted(got - want)}")

    org_section = next(name for name in expected if name.startswith("--org"))
    org_id = org_section.split()[-1]
    for tool in TOOLS:
        got = {(f["rule"], f["subject"]["id"]) for f in run(bin_dir, source_dir, tool, "--org", org_id)}
        want = {(row[1], row[2]) for row in expected[org_section] if row[0] == tool}
        if got != want:
            problems.append(f"{tool} --org {org_id}: missing {sorted(want - got)}, unexpected {sorted(got - want)}")

    group_section = next(name for name in expected if name.startswith("--group"))
    group_id = group_section.split()[-1]
    for tool in ("membership-audit", "stale-group-finder"):
        got = {(f["rule"], f["subject"]["id"]) for f in run(bin_dir, source_dir, tool, "--group", group_id)}
        want = {(row[1], row[2]) for row in expected[group_section] if row[0] == tool}
        if got != want:
            problems.append(f"{tool} --group {group_id}: missing {sorted(want - got)}, unexpected {sorted(got - want)}")

    for tool, rule, subject, responsible, _why in expected["Who must act"]:
        finding = next((f for f in found[tool] if (f["rule"], f["subject"]["id"]) == (rule, subject)), None)
        if finding is None:
            problems.append(f"who must act: no finding {tool} {rule} {subject}")
            continue
        got = finding.get("responsible_id", "—")
        if got != responsible:
            problems.append(f"who must act: {tool} {rule} {subject}: responsible_id {got}, expected {responsible}")

    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
