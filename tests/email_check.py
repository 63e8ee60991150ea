#!/usr/bin/env python3
"""Checks an e-mail report with Python's standard MIME parser.

usage: email_check.py [--xlsx] MAIL_FILE EXPECTED_SUBJECT [EXPECTED_TO...]

The message must use CRLF line endings only, parse without defects, carry the expected subject
(decoded from RFC 2047), exactly the expected recipients in To: (none: no To: header), a Date:,
MIME-Version: 1.0 and an X-Chataudit-Findings count, and be multipart/alternative with a
text/plain and a text/html part in UTF-8 that both decode; the HTML part must also pass
html_check.py and look right in a mail client that ignores <style>: no CSS variable anywhere, and
every badge (class "badge …"), table cell and the body carry an inline style; a badge's sets both
its text colour and a background colour, different from each other. With --xlsx (the report of
--attach xlsx) the message is multipart/mixed instead: that multipart/alternative part, then one
attachment, the workbook: its MIME type, a file name ending in .xlsx, and bytes that openpyxl
opens with the report's sheets. Exit status 0 when it passes; otherwise 1, with every problem on
standard error.
"""
import io
import email.policy
import email.utils
import os
import re
import sys
import xml.etree.ElementTree as ElementTree
from email.parser import BytesParser

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from html_check import check_html  # noqa: E402


def declarations(style):
    """The declarations of a style attribute as a dict (property: value)."""
    pairs = (item.split(":", 1) for item in style.split(";") if ":" in item)
    return {name.strip().lower(): value.strip().lower() for name, value in pairs}


def check_inline_styles(page):
    """Returns the problems of the e-mail's HTML in a client that ignores <style>."""
    problems = []
    if "var(--" in page:
        problems.append("a CSS variable (var(--…))")
    doctype = re.match(r"(?is)\s*<!DOCTYPE\s+html\s*>", page)
    try:
        root = ElementTree.fromstring(page[doctype.end():] if doctype else page)
    except ElementTree.ParseError as error:
        return problems + [f"not well-formed: {error}"]
    badges = 0
    for element in root.iter():
        style = declarations(element.get("style", ""))
        classes = (element.get("class") or "").split()
        if "badge" in classes:
            badges += 1
            color, background = style.get("color"), style.get("background-color", style.get("background"))
            if not color or not background:
                problems.append(f"badge {classes} without an inline text colour and background: {style}")
            elif color == background:
                problems.append(f"badge {classes}: text colour {color} on the same background")
        elif element.tag in ("td", "th", "body") and not style:
            problems.append(f"<{element.tag}> without an inline style")
    if badges == 0:
        problems.append("no severity badge")
    return problems


XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def check_workbook(message):
    """The problems of the workbook attached to `message` (--attach xlsx)."""
    attachments = list(message.iter_attachments())
    if len(attachments) != 1:
        return [f"{len(attachments)} attachments, expected the workbook alone"]
    part = attachments[0]
    problems = []
    if part.get_content_type() != XLSX_TYPE:
        problems.append(f"the attachment is {part.get_content_type()}, not {XLSX_TYPE}")
    if not (part.get_filename() or "").endswith(".xlsx"):
        problems.append(f"the attachment's file name is {part.get_filename()!r}")
    if part.get_content_disposition() != "attachment":
        problems.append(f"the attachment's disposition is {part.get_content_disposition()!r}")
    import openpyxl  # tests only (python3-openpyxl): not needed for the messages without a workbook
    try:
        book = openpyxl.load_workbook(io.BytesIO(part.get_payload(decode=True)))
    except Exception as error:  # noqa: BLE001 - any failure to open it is the problem reported
        return problems + [f"the workbook does not open: {error}"]
    if book.sheetnames[:2] not in (["summary", "findings"], ["摘要", "问题"]):
        problems.append(f"the workbook's sheets are {book.sheetnames}")
    return problems


def check_mail(raw, expected_subject, expected_to, workbook=False):
    """Returns the list of problems found in the message bytes `raw` (empty when it passes); with
    `workbook`, the message must carry the workbook report as an attachment."""
    problems = []
    for number, line in enumerate(raw.split(b"\r\n"), 1):
        if b"\n" in line or b"\r" in line:
            problems.append(f"line {number}: a line break other than CRLF")
            break
    head = raw.split(b"\r\n\r\n", 1)[0]
    for line in head.split(b"\r\n"):
        if len(line) > 998:
            problems.append(f"header line longer than 998 octets: {line[:40]!r}…")
        try:
            line.decode("ascii")
        except UnicodeDecodeError:
            problems.append(f"header line not ASCII: {line[:60]!r}")

    message = BytesParser(policy=email.policy.default).parsebytes(raw)
    for defect in message.defects:
        problems.append(f"message defect: {defect!r}")

    subject = message.get("Subject")
    if subject is None:
        problems.append("no Subject:")
    elif str(subject) != expected_subject:
        problems.append(f"Subject is {str(subject)!r}, expected {expected_subject!r}")

    to = message.get("To")
    wanted = sorted(address.lower() for _, address in email.utils.getaddresses(expected_to))
    got = sorted(address.addr_spec.lower() for address in to.addresses) if to is not None else []
    if got != wanted:
        problems.append(f"To: holds {got}, expected {wanted}")
    for name in ("Bcc", "Cc"):
        if message.get(name) is not None:
            problems.append(f"unexpected {name}: header")

    date = message.get("Date")
    if date is None or date.datetime is None:
        problems.append("no valid Date:")
    if str(message.get("MIME-Version", "")) != "1.0":
        problems.append("MIME-Version is not 1.0")
    findings = str(message.get("X-Chataudit-Findings", ""))
    if not findings.isdigit():
        problems.append(f"X-Chataudit-Findings is {findings!r}")

    wanted_type = "multipart/mixed" if workbook else "multipart/alternative"
    if message.get_content_type() != wanted_type:
        return problems + [f"Content-Type is {message.get_content_type()}, not {wanted_type}"]
    if workbook:
        problems += check_workbook(message)
        bodies = [part.get_content_type() for part in message.iter_parts()]
        if bodies[:1] != ["multipart/alternative"]:
            problems.append(f"the first part is {bodies[:1]}, not the multipart/alternative report")
    for wanted_type in ("plain", "html"):
        part = message.get_body(preferencelist=(wanted_type,))
        if part is None or part.get_content_type() != f"text/{wanted_type}":
            problems.append(f"no text/{wanted_type} part")
            continue
        for defect in part.defects:
            problems.append(f"text/{wanted_type} part defect: {defect!r}")
        if (part.get_content_charset() or "").lower() != "utf-8":
            problems.append(f"text/{wanted_type} part is not UTF-8")
        try:
            part.get_payload(decode=True).decode("utf-8")
            content = part.get_content()
        except (UnicodeDecodeError, LookupError, ValueError) as error:
            problems.append(f"text/{wanted_type} part does not decode: {error}")
            continue
        if not content.strip():
            problems.append(f"text/{wanted_type} part is empty")
        if wanted_type == "html":
            page = content.replace("\r\n", "\n")
            problems += [f"HTML part: {problem}" for problem in check_html(page) + check_inline_styles(page)]
    return problems


def main(argv):
    workbook = len(argv) > 1 and argv[1] == "--xlsx"
    if workbook:
        argv = argv[:1] + argv[2:]
    if len(argv) < 3:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    path, expected_subject, expected_to = argv[1], argv[2], argv[3:]
    try:
        with open(path, "rb") as file:
            raw = file.read()
    except OSError as error:
        print(f"{path}: {error}", file=sys.stderr)
        return 1
    problems = check_mail(raw, expected_subject, expected_to, workbook)
    for problem in problems:
        print(f"{path}: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
