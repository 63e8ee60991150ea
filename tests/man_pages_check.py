#!/usr/bin/env python3
"""The man pages in both languages (issue 26 point 3): every page renders without a warning, every
English page has its Chinese page (and no Chinese page lacks its English one), and each tool's
options, as its --help lists them, are described (each the tag of a .TP item) in its pages in both
languages, which name the same options. A Chinese page has as many sections (.SH) and subsections
(.SS) as its English page.

usage: man_pages_check.py BIN_DIR SOURCE_DIR

A page renders cleanly when `groff -man -k -Tutf8 -ww -z PAGE` exits 0 and prints nothing, on
standard output or standard error (-k: preconv, for the UTF-8 of the Chinese pages; -ww: every
warning, among them "can't break line", which Chinese text without break points would give).
"""
import os
import pathlib
import re
import signal
import subprocess
import sys

from tools_toml import TOOLS

# A long option as a man page spells it: \-\-name, in any font.
LONG_OPTION = re.compile(r"(?<![\w-])--[a-z][a-z0-9-]*[a-z0-9]")


def rendering_problems(page):
    command = ["groff", "-man", "-k", "-Tutf8", "-ww", "-z", str(page)]
    # A session of its own, so that a troff that never ends is killed with the groff that ran it.
    groff = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                             start_new_session=True)
    try:
        said, _ = groff.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(groff.pid, signal.SIGKILL)
        groff.communicate()
        # groff 1.22.4 can loop on a run of Latin text and Chinese punctuation longer than a line.
        return [f"{page}: groff did not finish in 120 s; put \\: between Chinese punctuation and Latin text"]
    if groff.returncode != 0 or said.strip():
        return [f"{page}: groff exit {groff.returncode}: {said.strip()}"]
    return []


def plain(text):
    """Roff text with \\- read as - and font changes dropped."""
    return re.sub(r"\\f(\[[^]]*\]|\(..|.)", "", text).replace("\\-", "-").replace("\\%", "")


def page_options(page):
    """The long options a page names anywhere, and those it describes: the tag of a .TP item."""
    lines = page.read_text(encoding="utf-8").split("\n")
    named = set(LONG_OPTION.findall(plain("\n".join(lines))))
    tagged = set()
    for tp, tag in zip(lines, lines[1:]):
        if tp.startswith(".TP"):
            tagged |= set(LONG_OPTION.findall(plain(tag)))
    return named, tagged


def help_options(bin_dir, tool):
    env = dict(os.environ, LANG="C.UTF-8", LC_ALL="", LC_MESSAGES="")
    result = subprocess.run([str(bin_dir / tool), "--help"], capture_output=True, text=True, env=env)
    if result.returncode != 0:
        return None
    # Option lines start with white space and the option (after a short one: "-h,--help").
    options = set()
    for line in result.stdout.splitlines():
        match = re.match(r"\s+(?:-\w,)?(--[a-z][a-z0-9-]*)", line)
        if match:
            options.add(match.group(1))
    return options


def main():
    bin_dir, source = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    man, man_zh = source / "man", source / "man" / "zh_CN"
    english = sorted(p for p in man.iterdir() if re.search(r"\.[157]$", p.name))
    chinese = sorted(p for p in man_zh.iterdir() if re.search(r"\.[157]$", p.name)) if man_zh.is_dir() else []
    problems = []
    for page in english + chinese:
        problems += rendering_problems(page)
    english_names, chinese_names = {p.name for p in english}, {p.name for p in chinese}
    problems += [f"man/zh_CN/{name}: missing (man/{name} has no Chinese page)" for name in
                 sorted(english_names - chinese_names)]
    problems += [f"man/zh_CN/{name}: no English page man/{name}" for name in sorted(chinese_names - english_names)]
    for name in sorted(english_names & chinese_names):
        en, zh = (page.read_text(encoding="utf-8").split("\n") for page in (man / name, man_zh / name))
        for macro in (".SH", ".SS"):
            count_en = sum(line.startswith(macro + " ") for line in en)
            count_zh = sum(line.startswith(macro + " ") for line in zh)
            if count_en != count_zh:
                problems.append(f"man/zh_CN/{name}: {count_zh} {macro} headings, man/{name} has {count_en}")
    for tool in TOOLS:
        options = help_options(bin_dir, tool)
        if not options:
            problems.append(f"{tool} --help: failed or listed no option")
            continue
        pages = [p for p in (man / f"{tool}.1", man_zh / f"{tool}.1") if p.exists()]
        if len(pages) < 2:
            continue  # reported above
        found = {page: page_options(page) for page in pages}
        for page, (_, tagged) in found.items():
            problems += [f"{page}: does not describe {tool}'s option {option} (no .TP item)"
                         for option in sorted(options - tagged)]
        en, zh = found[pages[0]][0], found[pages[1]][0]
        problems += [f"{pages[1]}: does not name {option}, which {pages[0].name} names" for option in sorted(en - zh)]
        problems += [f"{pages[1]}: names {option}, which {pages[0].name} does not" for option in sorted(zh - en)]
    for problem in problems:
        print(problem)
    print(f"{len(english)} English and {len(chinese)} Chinese pages, {len(problems)} problem(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
