#!/usr/bin/env python3
"""Validates the JUnit report of every tool against tests/junit.xsd, and checks its counts.

usage: junit_schema_check.py BIN_DIR SOURCE_DIR WORK_DIR

Runs the four tools on samples/jiusan with --format junit, in English and Chinese, with findings
and clean (a filter under which it finds nothing), stale-group-finder also with the waivers of
tests/cli/stale-group-finder/waivers-text and with --fail-on notice; each report must pass
`xmllint --noout --schema tests/junit.xsd` (Debian's libxml2-utils), and its `tests`, `failures`
and `skipped` on <testsuites> and <testsuite> must equal the test cases, failures and skipped
test cases it holds; a failure's severity is at or above --fail-on, a test case with a failure is
named after its rule and subject. Exit status 0 when it passes; otherwise 1, every problem on
standard error.
"""
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

SEVERITIES = ["error", "warning", "notice"]
WAIVERS = "tests/cli/stale-group-finder/waivers-text/waivers.toml"
# A filter under which each tool finds nothing in samples/jiusan as of 2026-11-27: a clean run.
CLEAN = {
    "stale-group-finder": ["--org", "O06"],
    "membership-audit": ["--org", "O05"],
    "handover-check": ["--org", "O05"],
    "registry-check": ["--org", "O06", "--rule", "account-name-marker"],
}


def runs():
    """(tool, args, fail_on, whether it must have findings) of every report checked."""
    for tool in CLEAN:
        for lang in ("en", "zh"):
            yield tool, ["--lang", lang], "error", True
            yield tool, ["--lang", lang, *CLEAN[tool]], "error", False
    yield "stale-group-finder", ["--waivers", WAIVERS], "error", True
    yield "stale-group-finder", ["--waivers", WAIVERS, "--lang", "zh", "--fail-on", "notice"], "notice", True


def check_counts(name, root, fail_on, problems):
    suite = root.find("testsuite")
    cases = suite.findall("testcase")
    failures = [f for case in cases for f in case.findall("failure")]
    actual = {"tests": len(cases), "failures": len(failures),
              "skipped": sum(1 for case in cases if case.find("skipped") is not None), "errors": 0}
    for element in (root, suite):
        for key, value in actual.items():
            if element.get(key) != str(value):
                problems.append(f"{name}: <{element.tag}> {key}=\"{element.get(key)}\", holds {value}")
    for failure in failures:
        if SEVERITIES.index(failure.get("type")) > SEVERITIES.index(fail_on):
            problems.append(f"{name}: a {failure.get('type')} failure below --fail-on {fail_on}")
    for case in cases:
        if case.find("failure") is not None and " " not in case.get("name"):
            problems.append(f"{name}: failed test case {case.get('name')!r} names no subject")
    return actual


def main(argv):
    if len(argv) != 4:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    bin_dir, source_dir, work_dir = argv[1:]
    os.makedirs(work_dir, exist_ok=True)
    schema = os.path.join(source_dir, "tests", "junit.xsd")
    problems = []
    env = dict(os.environ, TZ="UTC", LANG="C", SOURCE_DATE_EPOCH="1795752000")
    for index, (tool, args, fail_on, with_findings) in enumerate(runs()):
        name = f"{tool} {' '.join(args)}"
        out = os.path.join(work_dir, f"{index:02d}-{tool}.xml")
        command = [os.path.join(bin_dir, tool), "--inventory", "samples/jiusan", "--as-of", "2026-11-27",
                   "--format", "junit", *args]
        result = subprocess.run(command, cwd=source_dir, capture_output=True, env=env)
        if result.returncode not in (0, 1):
            problems.append(f"{name}: exit {result.returncode}: {result.stderr.decode(errors='replace')}")
            continue
        with open(out, "wb") as file:
            file.write(result.stdout)
        lint = subprocess.run(["xmllint", "--noout", "--schema", schema, out], capture_output=True)
        if lint.returncode != 0:
            problems.append(f"{name}: {lint.stderr.decode(errors='replace').strip()}")
            continue
        actual = check_counts(name, ET.parse(out).getroot(), fail_on, problems)
        cases = ET.parse(out).getroot().find("testsuite").findall("testcase")
        found = any(case.get("name").count(" ") for case in cases)
        if found != with_findings:
            problems.append(f"{name}: {'no' if with_findings else 'a'} finding's test case ({actual})")
    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
