#!/usr/bin/env python3
"""Checks on the shipped policy through the tools themselves.

1. Every rule's --explain shows its article (zh and en), its parameters and its SQL.
2. --list-rules of each tool of tools/tools.toml lists exactly that tool's rules (as many as the
   policy has: the counts are the policy's, not written here), and every rule is of one of them.
3. A new rule is one [[rule]] appended to a copy of the policy: no C++ change, and it runs.
4. Each tool's --help starts with its summary in tools/tools.toml and offers exactly its filters.
5. SPEC §5 `details` on samples/jiusan, every tool: no value is the placeholder "—" (an unknown value
   is left out; a message that prints "—" reads a message-only column), and no detail is named after
   a parameter (its value is the policy's, the same in every finding).
6. Wording (issue 24) of every tool's JSON report on samples/jiusan, zh and en, with --set grace_days=3:
   the message, title and remedy say no "day(s)", no "—" inside a sentence, not even as a quoted name (“—”: a nameless object is named by its id),
   no "0 天"/"0 days left" for something due today; Chinese text has no ASCII ", ", "[", "(" and no raw
   column name (dept_id); no "one week"/"一周" where grace_days says 3. --list-rules --lang zh says
   severity in Chinese.

usage: policy_checks.py BIN_DIR SOURCE_DIR WORK_DIR
"""
import json
import os
import re
import shutil
import subprocess
import sys
import tomllib

from tools_toml import TOOLS, tools

# The filters tools/tools.toml may list, and the option each one adds (tools/tools.cmake).
FILTER_OPTIONS = {"org": "--org", "person": "--person", "group": "--group", "due-within": "--due-within"}


def tool_output(bin_dir, tool, *args, cwd=None):
    result = subprocess.run([f"{bin_dir}/{tool}", *args], capture_output=True, text=True, cwd=cwd)
    return result.returncode, result.stdout, result.stderr


def fill_params(text, params, lang):
    """A title or remedy as the tools fill it: {name} of a parameter replaced by its value in words,
    {name|ONE|OTHER} by its value and ONE (for 1) or OTHER."""
    def words(match):
        if match.group(1) not in params:
            return match.group(0)
        value = params[match.group(1)]["value"]
        if match.group(2) is not None:
            return f"{value} {match.group(2) if value == 1 else match.group(3)}"
        if isinstance(value, list):
            quoted = [f"「{v}」" if lang == "zh" else f"“{v}”" for v in value]
            return (("、" if lang == "zh" else ", ").join(quoted[:-1]) + ("或" if lang == "zh" else " or ")
                    + quoted[-1]) if len(quoted) > 1 else quoted[0]
        return str(value)
    return re.sub(r"\{(\w+)(?:\|([^|{}]*)\|([^|{}]*))?\}", words, text)


def wording_problems(bin_dir, source_dir):
    """6. What people read says things once, in the report's language, with the run's numbers."""
    problems = []
    every_text = {"zh": "", "en": ""}
    for tool in TOOLS:
        for lang in ("zh", "en"):
            rc, out, err = tool_output(bin_dir, tool, "--inventory", "samples/jiusan", "--as-of", "2026-11-27",
                                       "--format", "json", "--fail-on", "never", "--lang", lang,
                                       "--set", "grace_days=3", cwd=source_dir)
            if rc != 0:
                problems.append(f"{tool} --lang {lang}: exit {rc} {err}")
                continue
            report = json.loads(out)
            texts = [(f["rule"], "message", f["message"]) for f in report["findings"]]
            for rule_id, rule in report["rules"].items():
                for key in ("title", "remedy"):
                    value = rule[key]
                    texts.append((rule_id, key, value[lang] if isinstance(value, dict) else value))
            for rule_id, key, text in texts:
                every_text[lang] += text + "\n"
                wrong = [w for w in ("day(s)", "level(s)", "一周", "one week", "a week", "还剩 0 天", "0 days left")
                         if w in text]
                if "—" in text:
                    wrong.append("— inside a sentence")
                if lang == "zh":
                    own = re.sub(r"“[^”]*”", "“”", text)  # a quoted name is the inventory's, as written
                    wrong += [w for w in (", ", "[", "(", "unassigned") if w in own]
                    wrong += re.findall(r"(?<![A-Za-z0-9_])[a-z]+_(?:id|by|on)(?![A-Za-z0-9_])", own)
                if wrong:
                    problems.append(f"{tool} --lang {lang} {rule_id} {key}: {wrong} in {text!r}")
    for lang, wanted in (("zh", "工作结束 3 天内"), ("en", "within 3 days after")):
        if wanted not in every_text[lang]:
            problems.append(f"--set grace_days=3 --lang {lang}: no {wanted!r} in any title or remedy")
    for tool in TOOLS:
        rc, listed, err = tool_output(bin_dir, tool, "--list-rules", "--lang", "zh")
        words = {line.split()[1] for line in listed.splitlines() if line.strip()}
        if rc != 0 or not words or not words <= {"错误", "警告", "提示"}:
            problems.append(f"{tool} --list-rules --lang zh: severities {sorted(words)} {err}")
    return problems


def main():
    bin_dir, source_dir, work_dir = sys.argv[1:4]
    policy_path = f"{source_dir}/policies/jiusan-2020.toml"
    with open(policy_path, "rb") as f:
        policy = tomllib.load(f)
    problems = []

    for rule in policy["rule"]:
        if rule["tool"] not in TOOLS:
            problems.append(f"rule {rule['id']}: tool {rule['tool']} is not in tools/tools.toml")
    for tool in TOOLS:
        rules = [r for r in policy["rule"] if r["tool"] == tool]
        if not rules:
            problems.append(f"{tool}: no rule in the policy")
        rc, listed, _ = tool_output(bin_dir, tool, "--policy", policy_path, "--list-rules")
        listed_ids = [line.split()[0] for line in listed.splitlines()]
        if rc != 0 or listed_ids != [r["id"] for r in rules]:
            problems.append(f"{tool} --list-rules: {listed_ids}")
        for rule in rules:
            rc, text, err = tool_output(bin_dir, tool, "--policy", policy_path, "--as-of", "2026-11-27",
                                        "--explain", rule["id"])
            params = set(re.findall(r"(?<![:\w]):([A-Za-z_]\w*)", rule["sql"]))
            titles = [fill_params(rule["title"][lang], policy["params"], lang) for lang in ("zh", "en")]
            wanted = [rule["article"]["zh"], rule["article"]["en"], *titles,
                      "Parameters:", "SQL ("] + [f":{p} = " for p in params]
            wanted += [line.strip() for line in rule["sql"].strip().splitlines()[:3]]
            missing = [w for w in wanted if w not in text]
            if rc != 0 or missing:
                problems.append(f"--explain {rule['id']}: exit {rc}, missing {missing} {err}")

    # 3. One more rule in a copy of the policy.
    os.makedirs(work_dir, exist_ok=True)
    copy = f"{work_dir}/custom-policy.toml"
    shutil.copyfile(policy_path, copy)
    with open(copy, "a", encoding="utf-8") as f:
        f.write('''
[[rule]]
id = "temporary-group-without-owner"
tool = "stale-group-finder"
severity = "warning"
article = { zh = "第四条第二款", en = "Art. 4 ¶2" }
title = { zh = "临时工作群未指定负责人", en = "Temporary group without a responsible person" }
message = { zh = "临时工作群“{subject_name}”未指定负责人", en = "temporary group {subject_name} has no owner" }
remedy = { zh = "指定群负责人。", en = "Name the group's responsible person." }
requires = ["groups"]
sql = """
SELECT 'group' AS subject_kind, group_id AS subject_id, name AS subject_name, group_id, org_id
FROM groups
WHERE term = 'temporary' AND owner_id IS NULL AND (created_on IS NULL OR created_on <= :as_of)
"""
''')
    groups = f"{work_dir}/groups.csv"
    with open(groups, "w", encoding="utf-8") as f:
        f.write("group_id,name,org_id,term,owner_id\nG1,一群,O1,temporary,\nG2,二群,O1,temporary,P1\nG3,三群,O1,long,\n")
    rc, out, err = tool_output(bin_dir, "stale-group-finder", "--policy", copy, "--table", f"groups={groups}",
                               "--as-of", "2026-11-27", "--rule", "temporary-group-without-owner", "--format", "jsonl")
    findings = [json.loads(line) for line in out.splitlines()]
    if rc != 0 or [(f["rule"], f["subject"]["id"], f["message"]) for f in findings] != [
            ("temporary-group-without-owner", "G1", "temporary group 一群 has no owner")]:
        problems.append(f"custom rule: exit {rc}, findings {findings}, stderr {err}")

    # 4. The table of tools reaches the command line.
    for tool in tools():
        rc, text, err = tool_output(bin_dir, tool["name"], "--help")
        offered = set(re.findall(r"^  (--[a-z-]+)", text, re.MULTILINE))
        missing = {option for name, option in FILTER_OPTIONS.items() if name in tool["filters"]} - offered
        extra = {option for name, option in FILTER_OPTIONS.items() if name not in tool["filters"]} & offered
        if rc != 0 or text.splitlines()[:1] != [tool["summary"]] or missing or extra:
            problems.append(f"{tool['name']} --help: exit {rc}, first line {text.splitlines()[:1]}, filters "
                            f"missing {sorted(missing)}, not in tools/tools.toml {sorted(extra)} {err}")

    # 5. Details carry data only.
    for tool in TOOLS:
        rc, out, err = tool_output(bin_dir, tool, "--inventory", "samples/jiusan", "--as-of", "2026-11-27",
                                   "--format", "json", "--fail-on", "never", cwd=source_dir)
        findings = json.loads(out)["findings"] if rc == 0 else []
        if rc != 0 or not findings:
            problems.append(f"{tool} on samples/jiusan: exit {rc}, {len(findings)} findings {err}")
        for finding in findings:
            details = finding.get("details", {})
            wrong = {k: v for k, v in details.items() if v == "—" or k in policy["params"]}
            if wrong:
                problems.append(f"{tool} {finding['rule']} {finding['subject']['id']}: details {wrong}")

    problems += wording_problems(bin_dir, source_dir)
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
