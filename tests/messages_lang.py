#!/usr/bin/env python3
"""The language of chataudit's own messages (issue 26, point 2; docs/architecture.md "Messages"):
each tool's --help, and a set of errors, under LANG=zh_CN.UTF-8 and LANG=en_US.UTF-8; --lang beats
the environment, LC_ALL beats LANG. No Chinese locale need be installed: the tools never call
setlocale. Usage: messages_lang.py BIN_DIR REPO WORK_DIR"""
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tomllib

bin_dir, repo, work = (pathlib.Path(a) for a in sys.argv[1:4])
CJK = re.compile(r"[\u3400-\u9fff]")
# Chinese prose: its full-width punctuation. (An English message may quote Chinese words it accepts,
# YYYY年MM月DD日 or 是/否, but never writes a Chinese sentence.)
CHINESE_PROSE = re.compile(r"[，；：（）。、]")
tools = tomllib.loads((repo / "tools/tools.toml").read_text(encoding="utf-8"))["tool"]
failures = []
# A screen: the lines the longest --help (stale-group-finder's, in English) took before it was translated.
SCREEN = 52


def run(tool, args, lang=None, lc_all=None):
    env = {k: v for k, v in os.environ.items() if k not in ("LANG", "LC_ALL", "LC_MESSAGES", "LANGUAGE")}
    env["TZ"] = "UTC"
    if lang:
        env["LANG"] = lang
    if lc_all:
        env["LC_ALL"] = lc_all
    result = subprocess.run([str(bin_dir / tool)] + args, cwd=repo, env=env, capture_output=True, text=True)
    return result.returncode, result.stdout, result.stderr


def check(condition, what, output):
    if not condition:
        failures.append(f"{what}\n--- output:\n{output}")


def is_chinese(text):
    return bool(CJK.search(text))


# --help in both languages, and who wins.
for tool in tools:
    name = tool["name"]
    rc, zh, _ = run(name, ["--help"], lang="zh_CN.UTF-8")
    check(rc == 0 and "用法" in zh and "选项" in zh and "显示本帮助后退出" in zh, f"{name} --help, LANG=zh_CN.UTF-8: Chinese", zh)
    check(len(zh.splitlines()) <= SCREEN, f"{name} --help in Chinese: {len(zh.splitlines())} lines, more than a screen", zh)
    rc, en, _ = run(name, ["--help"], lang="en_US.UTF-8")
    check(rc == 0 and en.startswith(tool["summary"] + "\n") and "Usage:" in en and not is_chinese(en),
          f"{name} --help, LANG=en_US.UTF-8: English, first line the summary of tools/tools.toml", en)
    check(len(en.splitlines()) <= SCREEN, f"{name} --help in English: {len(en.splitlines())} lines, more than a screen", en)
    check([len(zh.splitlines()), zh.count("--")] == [len(en.splitlines()), en.count("--")],
          f"{name} --help: the same lines and options in both languages", zh + en)
    _, out, _ = run(name, ["--lang", "en", "--help"], lang="zh_CN.UTF-8")
    check(out == en, f"{name} --lang en --help under LANG=zh_CN.UTF-8: English", out)
    _, out, _ = run(name, ["--lang=zh", "--help"], lang="en_US.UTF-8")
    check(out == zh, f"{name} --lang=zh --help under LANG=en_US.UTF-8: Chinese", out)
    _, out, _ = run(name, ["--help"], lang="zh_CN.UTF-8", lc_all="C")
    check(out == en, f"{name} --help, LC_ALL=C and LANG=zh_CN.UTF-8: English (LC_ALL first)", out)
    _, out, _ = run(name, ["--help"], lang="en_US.UTF-8", lc_all="zh_CN.UTF-8")
    check(out == zh, f"{name} --help, LC_ALL=zh_CN.UTF-8 and LANG=en_US.UTF-8: Chinese", out)

# An inventory with one bad date cell and one unknown enumeration word (groups.csv, row G001).
shutil.rmtree(work, ignore_errors=True)
sample = repo / "samples/jiusan"
bad_date, bad_word = work / "bad-date", work / "bad-word"
for folder, old, new in ((bad_date, ",long,2021-01-05,", ",long,2021-13-45,"),
                         (bad_word, ",P002,active,,,,2026-11-25", ",P002,bogus,,,,2026-11-25")):
    shutil.copytree(sample, folder)
    groups = (folder / "groups.csv").read_text(encoding="utf-8")
    assert groups.count(old) == 1, old
    (folder / "groups.csv").write_text(groups.replace(old, new), encoding="utf-8")
broken = work / "broken.toml"
broken.write_text('[policy]\nid = "x"\ntitle = { zh = "x", en = "x" \n', encoding="utf-8")

# (what, args, the start both languages share, a word of the English, of the Chinese, library text kept)
tool = "stale-group-finder"
cases = [
    ("unknown option", ["--frobnicate"], f"{tool}: ", "The following argument was not expected", "命令行有误",
     "--frobnicate"),
    ("bad --as-of", ["--inventory", str(sample), "--as-of", "2026-13-45"], f"{tool}: --as-of 2026-13-45",
     "not a date", "不是日期", None),
    ("missing inventory", ["--inventory", str(work / "no-such-dir")], f"{work / 'no-such-dir'}: ",
     "no such file or directory", "不存在", None),
    ("bad date cell", ["--inventory", str(bad_date), "--as-of", "2026-11-27"], f"{bad_date / 'groups.csv'}:",
     "invalid date \"2021-13-45\"", "无效日期 \"2021-13-45\"", None),
    ("unknown enumeration word", ["--inventory", str(bad_word), "--as-of", "2026-11-27"],
     f"{bad_word / 'groups.csv'}:", "unknown status \"bogus\"", "未知的 status \"bogus\"", None),
    ("broken policy", ["--inventory", str(sample), "--policy", str(broken)], f"{broken}:", None, "不是有效的 TOML",
     None),
]
for what, args, start, english, chinese, kept in cases:
    rc_en, _, en = run(tool, args, lang="en_US.UTF-8")
    rc_zh, _, zh = run(tool, args, lang="zh_CN.UTF-8")
    check(rc_en == 2 and rc_zh == 2, f"{what}: exit 2 in both languages (got {rc_en}, {rc_zh})", en + zh)
    check(en.startswith(start) and zh.startswith(start), f"{what}: both start with {start!r}", en + zh)
    check(not CHINESE_PROSE.search(en) and (english is None or english in en),
          f"{what}: English under LANG=en_US.UTF-8", en)
    check(chinese in zh, f"{what}: Chinese under LANG=zh_CN.UTF-8", zh)
    if english is None:  # the library's own text: the English line, after our lead, in the Chinese one
        library = en.splitlines()[0][len(start):].split(": ", 1)[-1]
        check(library in zh, f"{what}: the library's text {library!r} kept in Chinese", zh)
    if kept:
        check(kept in zh, f"{what}: {kept!r} kept", zh)
    # The position prefix (FILE:LINE:COLUMN: or FILE: table.column row N:) is the same in both.
    prefix = re.match(r"^(\S+?:(\d+:)*(\d+:)? ?(\S+ row \d+: )?)", en)
    check(prefix is not None and zh.startswith(prefix.group(1)), f"{what}: the same position prefix", en + zh)

# --verbose notes: the rules skipped for a missing table, in the run's language.
args = ["--table", "groups=samples/jiusan/groups.csv", "--as-of", "2026-11-27", "--verbose", "--quiet"]
_, _, en = run("registry-check", args, lang="en_US.UTF-8")
_, _, zh = run("registry-check", args, lang="zh_CN.UTF-8")
note_en = "registry-check: rule account-not-recorded skipped: missing table: accounts\n"
note_zh = "registry-check: 规则 account-not-recorded 已跳过：缺少表：accounts\n"
check(note_en in en and not CHINESE_PROSE.search(en), "--verbose notes in English under LANG=en_US.UTF-8", en)
check(note_zh in zh, "--verbose notes in Chinese under LANG=zh_CN.UTF-8", zh)

for failure in failures:
    print(failure, end="\n\n")
sys.exit(1 if failures else 0)
