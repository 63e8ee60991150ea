#!/usr/bin/env python3
"""chataudit's own messages and their catalog (common/src/base/catalog_table.h, docs/architecture.md).

  messages_check.py catalog REPO   every entry has an English and a Chinese text, the Chinese differs
                                   from the English and holds CJK, both have the same {} placeholders
  messages_check.py used REPO      no message literal in common/src or tools escapes tr(...): a string
                                   with words passed to throw Error(, Diagnostic{, .message =, fail(,
                                   an option's description, std::cerr, … is listed FILE:LINE; and every
                                   catalog entry is used by some tr(...); first on a made-up tree,
                                   where it must find exactly what was planted

Exit 1 and a list when anything is wrong; silent and 0 otherwise."""
import pathlib
import re
import sys
import tempfile

TABLE = "common/src/base/catalog_table.h"
# Files whose messages are not in the catalog yet (issue 26, point 2, translated a stage at a time):
# none now. A file put here is not checked; a new file is checked from the start.
NOT_YET = set()
# Files whose texts are not chataudit's messages: the report's own words (in the report's language,
# report_util.h's tr(lang, zh, en)), the column store's developer diagnostics (what CHATAUDIT_EXPLAIN
# prints of plans, gates and layouts), and the virtual table's errors, which SQLite reports as its own.
NOT_MESSAGES = {
    "common/src/report/report.cpp",
    "common/src/store/column_table.cpp",
    "common/src/store/store_gates.cpp",
    "common/src/store/vtab.cpp",
}
# Where a literal is a message for the user: the statement that starts here, up to its ';'.
CONTEXTS = re.compile(r"throw Error\(|problems_?\.add\(|at_header_cell\(|\brows_?\.at\(|Diagnostic\{|\.message = |\bfail\(|damaged\(|policy_error\(|\bnote\(|"
                      r"at_header\(|add_option\(|add_flag\(|footer\(|std::cerr|return fmt::format\(|"
                      r"return std::string\(|set_help_flag\(|\brefuse\(|\*why = |\*error = |\.advice = |\bproblem = |"
                      r"only_keys\(")
LITERAL = re.compile(r'"(?:[^"\\\n]|\\.)*"')
GROUP = re.compile(r'(?:"(?:[^"\\\n]|\\.)*"\s*)+')
CJK = re.compile(r"[\u3400-\u9fff]")
SQL = re.compile(r"\s*(SELECT|CREATE|INSERT|WITH|PRAGMA|ATTACH|DETACH|DROP|DELETE|UPDATE)\b")


def unescape(literal_group):
    return "".join(bytes(m.group(0)[1:-1], "utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")
                   for m in LITERAL.finditer(literal_group))


def is_message(text):
    """Words for a reader: letters left with a space, once placeholders and --flags are taken out."""
    if SQL.match(text):
        return False
    rest = re.sub(r"\{[^{}]*\}|--[a-z][a-z-]*", "", text)
    return bool(re.search(r"[A-Za-z]{2}", rest)) and " " in rest.strip()


def statement_end(text, start):
    """The index of the ';' that ends the statement starting at `start` (strings skipped)."""
    i, n = start, len(text)
    while i < n:
        c = text[i]
        if c == '"':
            m = LITERAL.match(text, i)
            i = m.end() if m else i + 1
            continue
        if c == "'":
            i = text.index("'", i + 2 if text[i + 1] == "\\" else i + 1) + 1
            continue
        if c == "/" and text.startswith("//", i):
            i = text.index("\n", i)
            continue
        if c in ";":
            return i
        i += 1
    return n


def strip_comments(text):
    return re.sub(r"//[^\n]*", lambda m: " " * len(m.group(0)) if '"' not in m.group(0) else m.group(0), text)


def message_groups(text):
    """(start, end, english, wrapped) of each literal group that is a message, in order."""
    seen = set()
    for context in CONTEXTS.finditer(text):
        end = statement_end(text, context.start())
        for group in GROUP.finditer(text, context.start(), end):
            if group.start() in seen:
                continue
            seen.add(group.start())
            english = unescape(group.group(0))
            if not is_message(english):
                continue
            before = text[:group.start()].rstrip()
            yield group.start(), group.end(), english, before.endswith("tr(")


def tr_uses(text):
    for m in re.finditer(r"\btr\(\s*((?:\"(?:[^\"\\\n]|\\.)*\"\s*)+)", text):
        yield unescape(m.group(1))


def catalog(repo):
    text = (repo / TABLE).read_text(encoding="utf-8")
    entries = []
    for m in re.finditer(r"\{\s*((?:\"(?:[^\"\\\n]|\\.)*\"\s*)+),\s*((?:\"(?:[^\"\\\n]|\\.)*\"\s*)+)\}", text):
        line = text.count("\n", 0, m.start()) + 1
        entries.append((line, unescape(m.group(1)), unescape(m.group(2))))
    return entries


def placeholders(text):
    """The {} of fmt, their argument numbers dropped (a translation may take them in another order)."""
    return sorted(re.sub(r"^\{\d+", "{", p) for p in re.findall(r"\{[^{}]*\}", text.replace("{{", "").replace("}}", "")))


def check_catalog(repo):
    problems, seen = [], {}
    entries = catalog(repo)
    if len(entries) < 50:
        problems.append(f"{TABLE}: only {len(entries)} entries read; is the table's shape changed?")
    for line, en, zh in entries:
        where = f"{TABLE}:{line}"
        if not en.strip() or not zh.strip():
            problems.append(f"{where}: an empty text")
        if en == zh or not CJK.search(zh):
            problems.append(f"{where}: the Chinese is not Chinese: {zh!r}")
        if placeholders(en) != placeholders(zh):
            problems.append(f"{where}: placeholders differ: {placeholders(en)} and {placeholders(zh)}")
        if en in seen:
            problems.append(f"{where}: {en!r} is also at line {seen[en]}")
        seen[en] = line
    return problems


def check_used(repo):
    problems, used = [], set()
    files = sorted(p for d in ("common/src", "tools") for p in (repo / d).rglob("*") if p.suffix in (".cpp", ".h"))
    for path in files:
        rel = path.relative_to(repo).as_posix()
        if rel == TABLE:
            continue
        original = path.read_text(encoding="utf-8")
        text = strip_comments(original)
        lines = original.split("\n")
        used.update(tr_uses(text))
        if rel in NOT_YET or rel in NOT_MESSAGES:
            continue
        for start, _, english, wrapped in message_groups(text):
            line = text.count("\n", 0, start) + 1
            if not wrapped and "// not a message" not in lines[line - 1]:
                problems.append(f"{rel}:{text.count(chr(10), 0, start) + 1}: not in tr(): {english!r}")
    for line, en, _ in catalog(repo):
        if en not in used:
            problems.append(f"{TABLE}:{line}: no code uses {en!r}")
    return problems


def self_test():
    """check_used on a made-up tree: a message outside tr() (a format and a split literal) is listed
    with its line, a wrapped one and a format without words are not, and an unused entry is listed."""
    with tempfile.TemporaryDirectory() as made_up:
        root = pathlib.Path(made_up)
        (root / TABLE).parent.mkdir(parents=True)
        (root / "tools").mkdir()
        (root / TABLE).write_text('inline constexpr Message kMessages[] = {\n    {"used {}", "用了 {}"},\n'
                                  '    {"unused", "没有用到"},\n};\n', encoding="utf-8")
        (root / "common/src/made_up.cpp").write_text(
            'void f() {\n  throw Error(tr("used {}", 1));\n  throw Error(fmt::format("{}: {}", a, b));\n'
            '  throw Error(fmt::format("no such thing: {}", x));\n  fail(node, "must be "\n            "a table");\n'
            '  fail(node, "not a message at all");  // not a message\n}\n', encoding="utf-8")
        expected = ["common/src/made_up.cpp:4: not in tr(): 'no such thing: {}'",
                    "common/src/made_up.cpp:5: not in tr(): 'must be a table'",
                    f"{TABLE}:3: no code uses 'unused'"]
        got = check_used(root)
        if got != expected:
            return ["check_used on a made-up tree:"] + got + ["expected:"] + expected
    return []


def main():
    if len(sys.argv) != 3 or sys.argv[1] not in ("catalog", "used"):
        sys.exit(__doc__)
    repo = pathlib.Path(sys.argv[2])
    problems = check_catalog(repo) if sys.argv[1] == "catalog" else self_test() + check_used(repo)
    for problem in problems:
        print(problem)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
