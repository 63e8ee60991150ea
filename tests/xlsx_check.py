#!/usr/bin/env python3
"""Checks the workbook report (--format xlsx, SPEC §5) with openpyxl (Debian's python3-openpyxl).

usage: xlsx_check.py BIN_DIR SOURCE_DIR WORK_DIR

On samples/jiusan as of 2026-11-27, stale-group-finder:
 1. every sheet's cells (tests/xlsx/*.txt, golden: UPDATE_GOLDEN=1 rewrites them), in English and
    Chinese, with the waivers of tests/cli/stale-group-finder/waivers-text and a baseline made here
    (the report as of 2026-11-20 and one finding that is gone since), so that every sheet has rows;
 2. the workbook's shape: sheet names, header frozen, filter over the header and every row, the due
    date a date cell shown as a date, days overdue a number, every id a text cell, severities
    coloured, each column at least as wide as its widest cell (a CJK character counts 2, up to the
    cap), the workbook's creation time the as-of date or SOURCE_DATE_EPOCH;
 3. the same inputs give the same bytes (two runs, seconds apart, compared);
 4. past the row limit (CHATAUDIT_XLSX_SHEET_ROWS, Excel's 1,048,575 in real runs) "findings 2" and
    "findings 3" continue, each with header, frozen row and filter, the rows in order;
 5. never to a terminal or standard output (exit 2, suggesting --output xlsx:FILE); --split-by
    responsible writes one workbook per person, together every finding once; --redact masks names;
    no control character from the inventory reaches a cell raw;
 6. --attach xlsx: the e-mail report carries the workbook (tests/email_check.py --xlsx);
 7. with --record, the summary sheet's trend: a row per run of the scope (as-of date, counts).
Exit status 0 when it passes; otherwise 1, with every problem on standard error.
"""
import datetime
import hashlib
import json
import os
import subprocess
import sys
import time
import unicodedata

import openpyxl

TOOL = "stale-group-finder"
SAMPLE = ["--inventory", "samples/jiusan", "--as-of", "2026-11-27"]
WAIVERS = "tests/cli/stale-group-finder/waivers-text/waivers.toml"
SHEETS = {"en": ["summary", "findings", "waived", "resolved"], "zh": ["摘要", "问题", "已豁免", "已解决"]}
HEADER = ["Severity", "Rule", "Title", "Subject", "Subject name", "Message", "Who must act", "Who must act (id)",
          "Due", "Days overdue", "Change", "Fingerprint"]
FILLS = {"error": "FFFFC7CE", "warning": "FFFFEB9C", "notice": "FFDDEBF7"}
MAX_WIDTH = 60  # the widest a column is made (xlsx_book.cpp)


class Run:
    def __init__(self, bin_dir, source_dir, work_dir):
        self.bin_dir, self.source_dir, self.work_dir = bin_dir, source_dir, work_dir
        self.problems = []

    def tool(self, args, env=None, tool=TOOL):
        # Without SOURCE_DATE_EPOCH unless a check gives it: the as-of date is the creation time.
        full_env = {k: v for k, v in os.environ.items() if k not in ("SOURCE_DATE_EPOCH", "CHATAUDIT_XLSX_SHEET_ROWS")}
        full_env.update(TZ="UTC", LANG="C", LC_ALL="", **(env or {}))
        return subprocess.run([os.path.join(self.bin_dir, tool), *args], cwd=self.source_dir, env=full_env,
                              capture_output=True, text=True)

    def expect(self, what, condition):
        if not condition:
            self.problems.append(what)
        return condition

    def workbook(self, path, args, env=None, rc=1):
        result = self.tool([*SAMPLE, *args, "--output", f"xlsx:{path}"], env)
        if not self.expect(f"{path}: exit {result.returncode}, expected {rc}: {result.stderr}", result.returncode == rc):
            return None
        self.expect(f"{path}: standard output not empty", result.stdout == "")
        return openpyxl.load_workbook(path)


def kind(cell):
    if cell.is_date:
        return f"date {cell.value.date().isoformat()} [{cell.number_format}]"
    if isinstance(cell.value, (int, float)):
        return f"number {cell.value}"
    return f"text {cell.value!r}"


def dump(book, replacements):
    """Every sheet's non-empty cells as text, one a line, with what differs from machine to machine
    (the work directory, the policy's digest, the version) replaced."""
    lines = []
    for sheet in book.worksheets:
        lines.append(f"== {sheet.title} (frozen {sheet.freeze_panes}, filter {sheet.auto_filter.ref})")
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value is None:
                    continue
                text = f"{cell.coordinate} {kind(cell)}"
                for old, new in replacements:
                    text = text.replace(old, new)
                lines.append(text)
    return "\n".join(lines) + "\n"


def display_width(text):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in str(text))


def check_shape(run, book, lang, name):
    expect = run.expect
    expect(f"{name}: sheets {book.sheetnames}, expected {SHEETS[lang]}", book.sheetnames == SHEETS[lang])
    findings = book.worksheets[1]
    rows = list(findings.iter_rows(values_only=True))
    if lang == "en":
        expect(f"{name}: findings header {rows[0]}", list(rows[0]) == HEADER)
    expect(f"{name}: findings header not frozen ({findings.freeze_panes})", findings.freeze_panes == "A2")
    expect(f"{name}: filter {findings.auto_filter.ref}, expected A1:L{len(rows)}",
           findings.auto_filter.ref == f"A1:L{len(rows)}")
    dated = numbers = 0
    for row in findings.iter_rows(min_row=2):
        severity, due, overdue = row[0], row[8], row[9]
        for cell in (row[1], row[3], row[7], row[11]):
            expect(f"{name}: {cell.coordinate} ({cell.value!r}) is not a text cell",
                   cell.value is None or cell.data_type in ("s", "inlineStr"))
        if due.value is not None:
            dated += 1
            expect(f"{name}: {due.coordinate} is not a date cell", due.is_date and due.number_format == "yyyy-mm-dd")
        if overdue.value is not None:
            numbers += 1
            expect(f"{name}: {overdue.coordinate} ({overdue.value!r}) is not a number", isinstance(overdue.value, int))
        fill = severity.fill.fgColor.rgb
        expected_fill = [FILLS[s] for s, zh in (("error", "错误"), ("warning", "警告"), ("notice", "提示"))
                         if severity.value in (s, zh)]
        expect(f"{name}: {severity.coordinate} {severity.value!r} filled {fill}", [fill] == expected_fill)
    expect(f"{name}: no due date cell among the findings", dated > 0)
    expect(f"{name}: no days overdue among the findings", numbers > 0)
    for sheet in book.worksheets:
        for column in sheet.iter_cols():
            widest = max(display_width(c.value) if isinstance(c.value, str) else 0 for c in column)
            letter = column[0].column_letter
            width = sheet.column_dimensions[letter].width
            expect(f"{name}: {sheet.title}!{letter} is {width} wide, its widest cell {widest}",
                   width >= min(widest, MAX_WIDTH))


def make_baseline(run):
    """The JSON report as of 2026-11-20, and a finding the earlier run had that is gone now."""
    old = run.tool(["--inventory", "samples/jiusan", "--as-of", "2026-11-20", "--format", "json"])
    report = json.loads(old.stdout)
    gone = dict(report["findings"][0])
    gone.update({"subject": {"kind": "group", "id": "G099", "name": "已撤销的临时群"}, "group_id": "G099",
                 "message": "temporary group G099 ran past its deadline", "fingerprint": "00000000000000aa"})
    report["findings"].append(gone)
    path = os.path.join(run.work_dir, "baseline.json")
    with open(path, "w", encoding="utf-8") as file:
        json.dump(report, file, ensure_ascii=False, indent=2)
    return path


def check_golden(run, baseline):
    policy = os.path.join(run.source_dir, "policies", "jiusan-2020.toml")
    with open(policy, "rb") as file:
        digest = hashlib.sha256(file.read()).hexdigest()
    for lang in ("en", "zh"):
        path = os.path.join(run.work_dir, f"golden-{lang}.xlsx")
        book = run.workbook(path, ["--lang", lang, "--waivers", WAIVERS, "--baseline", baseline])
        if not book:
            continue
        check_shape(run, book, lang, path)
        version = book.worksheets[0]["B2"].value
        text = dump(book, [(run.work_dir, "<work>"), (digest, "<shipped policy digest>"),
                           (f"text {version!r}", "text <version>")])
        golden = os.path.join(run.source_dir, "tests", "xlsx", f"{TOOL}.{lang}.txt")
        if os.environ.get("UPDATE_GOLDEN") == "1":
            with open(golden, "w", encoding="utf-8") as file:
                file.write(text)
            continue
        with open(golden, encoding="utf-8") as file:
            expected = file.read()
        if text != expected:
            actual = golden.replace(os.path.join(run.source_dir, "tests", "xlsx"), run.work_dir)
            with open(actual, "w", encoding="utf-8") as file:
                file.write(text)
            run.expect(f"{path}: cells differ from {golden}: diff -u {golden} {actual}", False)


def check_bytes(run):
    first, second = (os.path.join(run.work_dir, f"same-{n}.xlsx") for n in (1, 2))
    book = run.workbook(first, [])
    time.sleep(2.1)  # a zip's times have a resolution of two seconds
    run.workbook(second, [])
    with open(first, "rb") as a, open(second, "rb") as b:
        run.expect("two runs on the same inputs gave different workbooks", a.read() == b.read())
    if book:
        created = book.properties.created
        run.expect(f"created {created}, expected the as-of date", created == datetime.datetime(2026, 11, 27))
    epoch = run.workbook(os.path.join(run.work_dir, "epoch.xlsx"), [], {"SOURCE_DATE_EPOCH": "1795752000"})
    if epoch:
        created = epoch.properties.created
        run.expect(f"created {created}, expected SOURCE_DATE_EPOCH",
                   created == datetime.datetime(2026, 11, 27, 4, 0, 0))
    zero = run.workbook(os.path.join(run.work_dir, "epoch-0.xlsx"), [], {"SOURCE_DATE_EPOCH": "0"})
    if zero:  # libxlsxwriter would put the clock's time for 0
        created = zero.properties.created
        run.expect(f"SOURCE_DATE_EPOCH=0: created {created}", created == datetime.datetime(1970, 1, 1, 0, 0, 1))


def check_row_limit(run):
    whole = run.workbook(os.path.join(run.work_dir, "whole.xlsx"), [])
    split = run.workbook(os.path.join(run.work_dir, "limit.xlsx"), [], {"CHATAUDIT_XLSX_SHEET_ROWS": "3"})
    if not whole or not split:
        return
    expected_rows = list(whole["findings"].iter_rows(values_only=True))
    names = ["summary", "findings", "findings 2", "findings 3", "waived", "resolved"]
    run.expect(f"row limit 3: sheets {split.sheetnames}, expected {names}", split.sheetnames == names)
    rows = []
    for name in names[1:4]:
        if name not in split.sheetnames:
            continue
        sheet = split[name]
        values = list(sheet.iter_rows(values_only=True))
        run.expect(f"{name}: header {values[0]}", values[0] == expected_rows[0])
        run.expect(f"{name}: {len(values) - 1} rows, expected 3 at most", 1 <= len(values) - 1 <= 3)
        run.expect(f"{name}: frozen {sheet.freeze_panes}", sheet.freeze_panes == "A2")
        run.expect(f"{name}: filter {sheet.auto_filter.ref}", sheet.auto_filter.ref == f"A1:L{len(values)}")
        rows += values[1:]
    run.expect("the findings across findings, findings 2 and 3 differ from one sheet's", rows == expected_rows[1:])
    bad = run.tool([*SAMPLE, "--output", f"xlsx:{run.work_dir}/bad.xlsx"], {"CHATAUDIT_XLSX_SHEET_ROWS": "0"})
    run.expect(f"CHATAUDIT_XLSX_SHEET_ROWS=0: exit {bad.returncode}", bad.returncode == 2)


def check_outputs(run):
    for args in (["--format", "xlsx"], ["--output", "xlsx:-"], ["--output", "xlsx:/dev/stdout"]):
        result = run.tool([*SAMPLE, *args])
        run.expect(f"{args}: exit {result.returncode}, expected 2", result.returncode == 2)
        run.expect(f"{args}: stderr {result.stderr!r} suggests no --output xlsx:FILE",
                   "--output xlsx:FILE" in result.stderr)
        run.expect(f"{args}: wrote to standard output", result.stdout == "")
    attach = run.tool([*SAMPLE, "--attach", "xlsx"])
    run.expect(f"--attach xlsx without e-mail: exit {attach.returncode}", attach.returncode == 2)
    # --format xlsx --output FILE: the file is a workbook.
    plain = os.path.join(run.work_dir, "plain.xlsx")
    result = run.tool([*SAMPLE, "--format", "xlsx", "--output", plain])
    run.expect(f"--format xlsx --output FILE: exit {result.returncode}", result.returncode == 1)
    run.expect("--format xlsx --output FILE: not a workbook", openpyxl.load_workbook(plain).sheetnames[0] == "summary")
    split_dir = os.path.join(run.work_dir, "split")
    result = run.tool([*SAMPLE, "--format", "xlsx", "--split-by", "responsible", "--output-dir", split_dir])
    run.expect(f"--split-by --format xlsx: exit {result.returncode}: {result.stderr}", result.returncode == 1)
    total = 0
    for name in sorted(os.listdir(split_dir)):
        if not name.endswith(".xlsx"):
            continue
        rows = list(openpyxl.load_workbook(os.path.join(split_dir, name))["findings"].iter_rows(values_only=True))[1:]
        owner = name[:-len(".xlsx")]
        for row in rows:
            run.expect(f"split {name}: a finding for {row[7]}", (row[7] or "unassigned") == owner)
        total += len(rows)
    run.expect(f"--split-by: {total} findings in the workbooks, expected 8", total == 8)


def check_redact(run):
    report = json.loads(run.tool([*SAMPLE, "--format", "json"]).stdout)
    names = {f["responsible_name"] for f in report["findings"] if f.get("responsible_name")}
    book = run.workbook(os.path.join(run.work_dir, "redacted.xlsx"), ["--redact"])
    if not book:
        return
    cells = [str(c) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for c in row if c]
    for name in names:
        run.expect(f"--redact: {name} in the workbook", not any(name in cell for cell in cells))


def check_controls(run):
    """No control character from the inventory reaches a cell raw (SPEC §2): shown as <U+XXXX>."""
    path = os.path.join(run.work_dir, "controls.xlsx")
    result = run.tool(["--table", "groups=tests/cli/stale-group-finder/control-chars/groups.csv", "--policy",
                       "tests/fixtures/formats/policy.toml", "--as-of", "2026-11-27", "--output", f"xlsx:{path}"])
    if not run.expect(f"control characters: exit {result.returncode}: {result.stderr}", result.returncode == 1):
        return
    hidden = {chr(c) for c in range(0x20)} | {"\x7f", "\u202e", "\u2066", "\ufeff"}
    cells = [str(c) for row in openpyxl.load_workbook(path)["findings"].iter_rows(values_only=True) for c in row if c]
    run.expect("control characters: no <U+001B> shown", any("<U+001B>" in cell for cell in cells))
    for cell in cells:
        run.expect(f"control characters: {cell!r} holds one raw", not hidden & set(cell))


def summary_section(book, label):
    """The summary sheet's rows from the one whose first cell is `label` to the next blank row."""
    rows, started = [], False
    for row in book.worksheets[0].iter_rows():
        values = [cell for cell in row if cell.value is not None]
        if not started and not (values and values[0].value == label):
            continue
        if not values:
            break
        started = True
        rows.append([kind(cell) for cell in values])
    return rows


def check_trend(run):
    """With --record, the summary sheet shows the trend: the earlier runs of the scope and this one,
    each its as-of date (a date cell) and its errors, warnings, notices and total (numbers)."""
    history = os.path.join(run.work_dir, "trend.db")
    if os.path.exists(history):
        os.remove(history)
    first = run.workbook(os.path.join(run.work_dir, "trend-1.xlsx"), ["--record", history])
    if first:
        run.expect(f"trend with one run: {summary_section(first, 'Trend')}", summary_section(first, "Trend") == [])
    for as_of in ("2026-11-13", "2026-11-20"):
        result = run.tool(["--inventory", "samples/jiusan", "--as-of", as_of, "--record", history, "--format", "json"])
        run.expect(f"--record as of {as_of}: exit {result.returncode}: {result.stderr}", result.returncode == 1)
    expected = {"en": [["text 'Trend'"],
                       ["text 'As of'", "text 'error'", "text 'warning'", "text 'notice'", "text 'Total'"]],
                "zh": [["text '趋势'"], ["text '检查日期'", "text '错误'", "text '警告'", "text '提示'", "text '合计'"]]}
    # Oldest first: the run as of 2026-11-27 made first, then 2026-11-13 and 2026-11-20, then this
    # one (the trend is the runs of the scope whose as-of is on or before this one's, by as-of).
    runs = [("2026-11-13", 1, 0, 2), ("2026-11-20", 1, 0, 2), ("2026-11-27", 2, 1, 5), ("2026-11-27", 2, 1, 5)]
    for lang in ("en", "zh"):
        path = os.path.join(run.work_dir, f"trend-{lang}.xlsx")
        book = run.workbook(path, ["--lang", lang, "--record", history])
        if not book:
            continue
        rows = summary_section(book, expected[lang][0][0][6:-1])
        want = expected[lang] + [[f"date {day} [yyyy-mm-dd]", f"number {e}", f"number {w}", f"number {n}",
                                  f"number {e + w + n}"] for day, e, w, n in runs]
        run.expect(f"{path}: trend {rows}, expected {want}", rows == want)
        runs.append(runs[-1])


def check_attachment(run):
    mail = os.path.join(run.work_dir, "attached.eml")
    result = run.tool([*SAMPLE, "--format", "email", "--mail-to", "audit@example.org", "--attach", "xlsx",
                       "--output", f"email:{mail}"], {"SOURCE_DATE_EPOCH": "1795752000"})
    run.expect(f"--attach xlsx: exit {result.returncode}: {result.stderr}", result.returncode == 1)
    check = subprocess.run([sys.executable, os.path.join(run.source_dir, "tests", "email_check.py"), "--xlsx",
                            mail, f"{TOOL}: 8 findings — as of 2026-11-27", "audit@example.org"],
                           capture_output=True, text=True)
    run.expect(f"email_check --xlsx: {check.stderr}", check.returncode == 0)


def main(argv):
    if len(argv) != 4:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    run = Run(os.path.abspath(argv[1]), os.path.abspath(argv[2]), os.path.abspath(argv[3]))
    os.makedirs(run.work_dir, exist_ok=True)
    check_golden(run, make_baseline(run))
    check_bytes(run)
    check_row_limit(run)
    check_outputs(run)
    check_redact(run)
    check_controls(run)
    check_attachment(run)
    check_trend(run)
    for problem in run.problems:
        print(problem, file=sys.stderr)
    return 1 if run.problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
