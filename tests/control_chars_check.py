#!/usr/bin/env python3
"""Checks that no control character from the inventory reaches a person raw (SPEC §2).

usage: control_chars_check.py BIN_DIR SOURCE_DIR

Runs stale-group-finder on tests/cli/stale-group-finder/control-chars/groups.csv, whose group
names carry ESC, BEL, CR, LF (inside a quoted field), U+202E and Markdown link syntax, and checks
the text report (English and Chinese), both parts and the subject of the e-mail report, Markdown
and HTML: none holds a C0 or C1 control, DEL, U+061C, U+200E-200F, U+202A-202E, U+2066-2069,
U+2028-2029 or U+FEFF other than the format's own line breaks; no line begins with the text that
followed the name's line break; the Markdown has no link; the HTML passes html_check.py. The
golden cases control-chars* hold the whole outputs; this says plainly what they must not hold.
Exit status 0 when it passes; otherwise 1, with every problem on standard error.
"""
import email.policy
import os
import subprocess
import sys
from email.parser import BytesParser

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from html_check import check_html  # noqa: E402

HIDDEN = ([chr(c) for c in range(0x00, 0x20)] + [chr(c) for c in range(0x7F, 0xA0)] +
          ["\u061c", "\u200e", "\u200f"] + [chr(c) for c in range(0x2028, 0x202F)] +
          [chr(c) for c in range(0x2066, 0x206A)] + ["\ufeff"])


def raw_controls(text, line_break):
    """The hidden characters `text` holds, its own line breaks aside."""
    text = text.replace(line_break, " ")
    return sorted({f"U+{ord(c):04X}" for c in text if c in HIDDEN})


def run(bin_dir, source_dir, *args):
    groups = "tests/cli/stale-group-finder/control-chars/groups.csv"
    result = subprocess.run([os.path.join(bin_dir, "stale-group-finder"), "--table", f"groups={groups}",
                             "--as-of", "2026-11-27", *args], cwd=source_dir, capture_output=True,
                            env=dict(os.environ, TZ="UTC", LANG="C", SOURCE_DATE_EPOCH="1795752000"))
    if result.returncode != 1:
        raise SystemExit(f"stale-group-finder {' '.join(args)}: exit {result.returncode}: {result.stderr!r}")
    return result.stdout


def check_lines(name, text, problems):
    found = raw_controls(text, "\n")
    if found:
        problems.append(f"{name}: raw {', '.join(found)}")
    for line in text.split("\n"):
        if line.lstrip().startswith("FORGED") or line.lstrip().startswith("hidden"):
            problems.append(f"{name}: a name's line break began a line: {line!r}")


def main(argv):
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    bin_dir, source_dir = argv[1], argv[2]
    problems = []
    for lang in ("en", "zh"):
        text = run(bin_dir, source_dir, "--lang", lang).decode("utf-8")
        check_lines(f"text ({lang})", text, problems)
        if "<U+001B>" not in text or "<U+202E>" not in text or "<U+000A>FORGED" not in text:
            problems.append(f"text ({lang}): the controls are not shown as <U+XXXX>")

    raw = run(bin_dir, source_dir, "--format", "email", "--mail-to", "a@corp.example")
    found = raw_controls(raw.decode("ascii"), "\r\n")
    if found:
        problems.append(f"e-mail message: raw {', '.join(found)}")
    message = BytesParser(policy=email.policy.default).parsebytes(raw)
    found = raw_controls(str(message["Subject"]), "\r\n")
    if found:
        problems.append(f"e-mail subject: raw {', '.join(found)}")
    for kind in ("plain", "html"):
        part = message.get_body(preferencelist=(kind,))
        content = part.get_content().replace("\r\n", "\n")
        check_lines(f"e-mail text/{kind}", content, problems)
        if kind == "html":
            problems += [f"e-mail text/html: {problem}" for problem in check_html(content)]

    markdown = run(bin_dir, source_dir, "--format", "markdown").decode("utf-8")
    check_lines("markdown", markdown, problems)
    for forbidden in ("](", "http://", "<b>", "www.evil"):
        if forbidden in markdown:
            problems.append(f"markdown: holds {forbidden!r}: a value became markup")
    for line in markdown.split("\n"):
        if line.startswith("|") and not line.endswith("|"):
            problems.append(f"markdown: a table row broken: {line!r}")

    page = run(bin_dir, source_dir, "--format", "html").decode("utf-8")
    check_lines("html", page, problems)
    problems += [f"html: {problem}" for problem in check_html(page)]
    if "<b>" in page:
        problems.append("html: a value became markup")

    for problem in problems:
        print(problem, file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
