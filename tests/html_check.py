#!/usr/bin/env python3
"""Checks an HTML report: one self-contained, well-formed page.

usage: html_check.py HTML_FILE [--lang zh-CN|en]

The page must be UTF-8, start with <!DOCTYPE html>, parse as XML once the doctype is removed,
declare its language, charset and a phone viewport, and contain nothing that runs or is fetched:
no scripts, event handlers, frames, objects, links to stylesheets, remote URLs or @import.
Printed, it must be A4 (`@page { size: A4 }`) and its severity badges outlines: under
`@media print`, a rule naming `.badge` and each `.badge.SEVERITY` sets `background: none`, a black
text colour and a border, each `!important` (so it wins over the per-severity colours and over
the e-mail's inline styles).
Exit status 0 when it passes; otherwise 1, with every problem on standard error.
"""
import re
import sys
import xml.etree.ElementTree as ElementTree

FORBIDDEN_ELEMENTS = {"script", "iframe", "frame", "object", "embed", "link", "base", "applet", "form"}
RESOURCE_ATTRIBUTES = {"src", "srcset", "href", "action", "data", "poster", "background", "xlink:href"}
REMOTE = re.compile(r"(?i)^\s*(?:[a-z][a-z0-9+.-]*:)?//")


def media_block(css, query):
    """The text inside `@media QUERY { … }` in `css`, or None."""
    start = css.find(f"@media {query}")
    if start < 0:
        return None
    open_at = css.find("{", start)
    depth = 0
    for at in range(open_at, len(css)):
        depth += {"{": 1, "}": -1}.get(css[at], 0)
        if depth == 0:
            return css[open_at + 1:at]
    return None


def check_print_css(css):
    """Returns the problems of the stylesheet `css` on paper: A4 pages, badges as outlines."""
    problems = []
    page = re.search(r"@page\s*{([^}]*)}", css)
    if not page or not re.search(r"size:\s*A4\b", page.group(1)):
        problems.append("no @page { size: A4 }")
    if re.search(r"var\(--", css):
        problems.append("the stylesheet uses CSS variables")
    printed = media_block(css, "print")
    if printed is None:
        return problems + ["no @media print block"]
    badge_rules = [(selectors, body) for selectors, body in re.findall(r"([^{}]+){([^}]*)}", printed)
                   if ".badge" in selectors]
    selectors = {s.strip() for selectors, _ in badge_rules for s in selectors.split(",")}
    for wanted in (".badge", ".badge.error", ".badge.warning", ".badge.notice"):
        if wanted not in selectors:
            problems.append(f"@media print has no rule for {wanted}")
    body = " ".join(body for _, body in badge_rules)
    for declaration in (r"background:\s*none\s*!important", r"color:\s*#000\s*!important",
                        r"border:\s*1px solid #000\s*!important"):
        if not re.search(declaration, body):
            problems.append(f"@media print: badges lack {declaration!r}")
    return problems


def check_html(text):
    """Returns the list of problems found in the page `text` (empty when it passes)."""
    problems = []
    doctype = re.match(r"(?is)\s*<!DOCTYPE\s+html\s*>", text)
    if not doctype:
        return ["does not start with <!DOCTYPE html>"]
    try:
        root = ElementTree.fromstring(text[doctype.end():])
    except ElementTree.ParseError as error:
        return [f"not well-formed: {error}"]
    if root.tag != "html":
        problems.append(f"root element is <{root.tag}>, not <html>")
    if not root.get("lang"):
        problems.append("<html> has no lang attribute")
    head = root.find("head")
    if head is None or root.find("body") is None:
        return problems + ["no <head> or no <body>"]
    metas = head.findall("meta")
    if not any((m.get("charset") or "").lower() == "utf-8" for m in metas):
        problems.append('no <meta charset="utf-8">')
    viewport = [m.get("content", "") for m in metas if m.get("name") == "viewport"]
    if not viewport or "width=device-width" not in viewport[0]:
        problems.append('no <meta name="viewport" content="width=device-width, ...">')
    if head.find("title") is None or not (head.find("title").text or "").strip():
        problems.append("no <title>")
    for element in root.iter():
        tag = element.tag.lower()
        if tag in FORBIDDEN_ELEMENTS:
            problems.append(f"<{tag}> element")
        for name, value in element.attrib.items():
            if name.lower().startswith("on"):
                problems.append(f"<{tag} {name}=…> event handler")
            if name.lower() in RESOURCE_ATTRIBUTES and (REMOTE.search(value) or name.lower() != "href"):
                problems.append(f"<{tag} {name}={value!r}> refers to a resource")
        if tag == "style":
            css = element.text or ""
            if "@import" in css or re.search(r"url\s*\(", css) or re.search(r"(?i)https?:", css):
                problems.append("the stylesheet imports or fetches something")
    styles = head.findall("style")
    if not styles:
        problems.append("no inline <style>")
    elif not any("@media print" in (s.text or "") for s in styles):
        problems.append("no @media print rules")
    else:
        problems += check_print_css("\n".join(s.text or "" for s in styles))
    if re.search(r"(?i)javascript:", text):
        problems.append("javascript: URL")
    return problems


def main(argv):
    if len(argv) not in (2, 4) or (len(argv) == 4 and argv[2] != "--lang"):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    path = argv[1]
    try:
        with open(path, "rb") as file:
            text = file.read().decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        print(f"{path}: {error}", file=sys.stderr)
        return 1
    problems = check_html(text)
    if len(argv) == 4 and not problems:
        match = re.search(r'<html lang="([^"]*)"', text)
        if not match or match.group(1) != argv[3]:
            problems.append(f"lang is {match.group(1) if match else None!r}, expected {argv[3]!r}")
    for problem in problems:
        print(f"{path}: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
