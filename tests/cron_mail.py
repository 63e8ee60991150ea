#!/usr/bin/env python3
"""Runs the documented cron lines end to end against a stub sendmail (SPEC §2, §5: History, Who
must act, E-mail recipients, Sending).

usage: cron_mail.py BIN_DIR SOURCE_DIR WORK_DIR

A shell script named `sendmail` in WORK_DIR/stub is first on PATH (PATH=stub:/usr/bin:/bin, the
rest of the environment as small as cron's). Each call appends its standard input to the spool
file named by STUB_SPOOL, followed by a separator line, writes its arguments as one line of
SPOOL.args, and exits with STUB_SENDMAIL_EXIT (default 0). The checks:

 a  a day with findings, --send: exit 1, nothing on stdout or stderr, one message to
    `sendmail -t -oi`, To/Subject/Message-ID right, text and HTML parts, one run recorded;
 b  the next night, nothing new: exit 0, no message, no output, a second run recorded;
 c  sendmail fails (exit 75) on a day with new findings: exit 2, stderr names the recipient, no
    run recorded; the next run with a working sendmail delivers them;
 d  --split-by responsible --mail-to '{email}' on membership-audit and handover-check: one
    address per message, each in the allowed domain and the key's people.email;
 e  hostile ids and e-mail addresses in the inventory: no message goes to attacker.example or to
    more than one address; those findings go to unassigned.eml, to --mail-unassigned;
 f  stale files: a clean run removes --output email:FILE; --split-by removes the report of a key
    that vanished and keeps files it did not write;
 g  /dev/full as standard output: exit 2 naming standard output, nothing recorded; the same for
    --version, --help and --list-rules;
 h  --org O02, --org O03, --org O02 with one history: the third run has nothing new;
 i  a finding whose responsible person departed comes back as `reassigned` to the leader;
 j  a history written by the previous release (tests/fixtures/cron/history-v1.db, made by
    e1c6969's stale-group-finder --inventory samples/jiusan --as-of 2026-11-27 --record) is
    migrated: nothing is re-sent, user_version 2, two runs; the first run of another scope
    (--job, --org) has nothing new either.

Exit status 0 when every check passes; otherwise 1, with every failure on standard error.
"""
import csv
import email.policy
import email.utils
import json
import os
import re
import shutil
import sqlite3
import stat
import subprocess
import sys
from contextlib import closing
from email.parser import BytesParser

AS_OF = "2026-11-27"
SEPARATOR = b"#--- stub sendmail: end of message ---#"
STUB = f"""#!/bin/sh
# A stand-in for sendmail: keeps what it is given, exits with $STUB_SENDMAIL_EXIT (default 0).
spool="${{STUB_SPOOL:?}}"
for arg in "$@"; do printf '%s\\037' "$arg"; done >> "$spool.args"
printf '\\n' >> "$spool.args"
cat >> "$spool"
printf '\\n%s\\n' '{SEPARATOR.decode()}' >> "$spool"
exit "${{STUB_SENDMAIL_EXIT:-0}}"
"""

failures = []


class Check:
    """One lettered check: collects its failures, never stops the others."""

    def __init__(self, name):
        self.name = name
        self.failed = False

    def __enter__(self):
        return self

    def expect(self, condition, message):
        if not condition:
            self.failed = True
            failures.append(f"[{self.name}] {message}")
        return condition

    def __exit__(self, kind, value, tb):
        if kind is not None:
            self.failed = True
            failures.append(f"[{self.name}] stopped: {kind.__name__}: {value}")
        print(f"{'FAIL' if self.failed else 'ok'}   {self.name}", flush=True)
        return True  # an exception fails this check only


class Env:
    def __init__(self, bin_dir, source_dir, work_dir):
        self.bin_dir = os.path.abspath(bin_dir)
        self.source_dir = os.path.abspath(source_dir)
        self.work = os.path.abspath(work_dir)
        self.sample = os.path.join(self.source_dir, "samples", "jiusan")
        shutil.rmtree(self.work, ignore_errors=True)
        os.makedirs(self.work)
        self.stub_dir = os.path.join(self.work, "stub")
        os.makedirs(self.stub_dir)
        stub = os.path.join(self.stub_dir, "sendmail")
        with open(stub, "w") as f:
            f.write(STUB)
        os.chmod(stub, os.stat(stub).st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
        self.spools = 0

    def dir(self, name):
        path = os.path.join(self.work, name)
        os.makedirs(path, exist_ok=True)
        return path

    def new_spool(self):
        self.spools += 1
        return os.path.join(self.work, f"spool-{self.spools}")

    def run(self, tool, *args, spool=None, sendmail_exit=None, stdout=None, cwd=None):
        """Runs TOOL as cron would; returns (exit status, stdout bytes, stderr text)."""
        env = {"PATH": f"{self.stub_dir}:/usr/bin:/bin", "HOME": self.work, "LOGNAME": "cron",
               "SHELL": "/bin/sh", "TZ": "UTC", "STUB_SPOOL": spool or self.new_spool()}
        if sendmail_exit is not None:
            env["STUB_SENDMAIL_EXIT"] = str(sendmail_exit)
        result = subprocess.run([os.path.join(self.bin_dir, tool), *args], env=env, cwd=cwd or self.work,
                                stdout=stdout if stdout is not None else subprocess.PIPE,
                                stderr=subprocess.PIPE, timeout=300)
        return result.returncode, result.stdout or b"", result.stderr.decode("utf-8", "replace")


def sent(spool):
    """The messages and argument lists the stub got, in order."""
    messages, calls = [], []
    if os.path.exists(spool):
        with open(spool, "rb") as f:
            parts = f.read().split(b"\n" + SEPARATOR + b"\n")
        messages = parts[:-1]
        if parts[-1]:
            messages.append(parts[-1])  # a call that did not finish
    if os.path.exists(spool + ".args"):
        with open(spool + ".args", "rb") as f:
            calls = [line.decode().split("\x1f")[:-1] for line in f.read().split(b"\n") if line]
    return messages, calls


def parse(data):
    return BytesParser(policy=email.policy.default).parsebytes(data)


def recipients(message):
    """Every address in To/Cc/Bcc, as getaddresses reads them."""
    values = [str(v) for h in ("To", "Cc", "Bcc") for v in (message.get_all(h) or [])]
    return email.utils.getaddresses(values)


def plain_text(message):
    body = message.get_body(("plain",))
    return body.get_content() if body is not None else ""


def runs(db):
    if not os.path.exists(db):
        return 0
    with closing(sqlite3.connect(db)) as c:
        try:
            return c.execute("SELECT count(*) FROM runs").fetchone()[0]
        except sqlite3.OperationalError:
            return 0


def query(db, sql, *params):
    with closing(sqlite3.connect(db)) as c:
        return c.execute(sql, params).fetchall()


def show(stderr):
    return repr(stderr.strip()[:400])


def cron_line(env, history, as_of, *extra):
    return ["--inventory", env.sample, "--as-of", as_of, "--record", history, "--baseline", "last",
            "--only-new", "--job", "nightly", "--format", "email", "--mail-to", "audit@jiusan.example",
            "--mail-from", "chataudit@jiusan.example", "--send", *extra]


def check_sent_day(env, history):
    """a, b, c: the plain cron line with --send."""
    with Check("a: a day with findings is mailed and recorded") as c:
        rc, out, err = env.run("stale-group-finder", "--inventory", env.sample, "--as-of", AS_OF,
                               "--format", "json")
        count = json.loads(out)["summary"]["findings"]
        c.expect(count > 0, f"the sample has no findings as of {AS_OF}")
        spool = env.new_spool()
        rc, out, err = env.run("stale-group-finder", *cron_line(env, history, AS_OF), spool=spool)
        c.expect(rc == 1, f"exit {rc}, expected 1; stderr {show(err)}")
        c.expect(out == b"", f"standard output not empty with --send: {out[:200]!r}")
        c.expect(err == "", f"standard error not empty on a successful send: {show(err)}")
        messages, calls = sent(spool)
        c.expect(len(messages) == 1, f"sendmail got {len(messages)} messages, expected 1")
        c.expect(calls == [["-t", "-oi"]], f"sendmail called with {calls}, expected [['-t', '-oi']]")
        if messages:
            m = parse(messages[0])
            c.expect(recipients(m) == [("", "audit@jiusan.example")],
                     f"recipients {recipients(m)}, expected only audit@jiusan.example")
            c.expect(email.utils.parseaddr(str(m["From"]))[1] == "chataudit@jiusan.example", f"From: {m['From']}")
            subject = str(m["Subject"] or "")
            c.expect(re.search(rf"\b{count} findings?\b", subject) is not None,
                     f"Subject {subject!r} does not say {count} findings")
            c.expect(re.fullmatch(r"<[^<>@\s]+@[^<>@\s]+>", str(m["Message-ID"] or "").strip()) is not None,
                     f"Message-ID {m['Message-ID']!r}")
            c.expect(m["Date"] is not None, "no Date header")
            types = [part.get_content_type() for part in m.walk()]
            c.expect("text/plain" in types and "text/html" in types, f"parts {types}")
            c.expect("G005" in plain_text(m), "the text part does not list G005")
        c.expect(runs(history) == 1, f"{runs(history)} runs recorded, expected 1")
        if os.path.exists(history):
            rows = query(history, "SELECT count(*), sum(delivered) FROM findings WHERE run_id = "
                                  "(SELECT max(run_id) FROM runs)")
            c.expect(rows == [(count, count)], f"recorded (findings, delivered) {rows}, expected ({count}, {count})")

    with Check("b: the next night, nothing new: quiet, nothing sent, run recorded") as c:
        spool = env.new_spool()
        rc, out, err = env.run("stale-group-finder", *cron_line(env, history, AS_OF), spool=spool)
        c.expect(rc == 0, f"exit {rc}, expected 0; stderr {show(err)}")
        c.expect(out == b"", f"standard output not empty when clean: {out[:200]!r}")
        c.expect(err == "", f"standard error not empty when clean: {show(err)}")
        messages, calls = sent(spool)
        c.expect(not messages and not calls, f"sendmail called {len(calls)} times on a clean night")
        c.expect(runs(history) == 2, f"{runs(history)} runs recorded, expected 2")

    with Check("c: sendmail fails: exit 2 naming the recipient, nothing recorded") as c:
        later = "2026-11-28"  # new findings appear (a due date passes)
        failing = os.path.join(env.dir("c"), "history.db")
        shutil.copy(history, failing)
        spool = env.new_spool()
        rc, out, err = env.run("stale-group-finder", *cron_line(env, failing, later), spool=spool,
                               sendmail_exit=75)
        messages, calls = sent(spool)
        c.expect(len(calls) == 1, f"sendmail called {len(calls)} times, expected 1 (new findings on {later})")
        c.expect(rc == 2, f"exit {rc}, expected 2; stderr {show(err)}")
        c.expect("audit@jiusan.example" in err, f"stderr does not name audit@jiusan.example: {show(err)}")
        c.expect(out == b"", f"standard output not empty with --send: {out[:200]!r}")
        c.expect(runs(failing) == 2, f"{runs(failing)} runs after a failed send, expected 2 (unchanged)")
        # sendmail works again: the same findings are delivered by the next run
        spool = env.new_spool()
        rc, out, err = env.run("stale-group-finder", *cron_line(env, failing, later), spool=spool)
        messages, calls = sent(spool)
        c.expect(rc == 1 and len(messages) == 1,
                 f"the run after the failure: exit {rc}, {len(messages)} messages; expected 1, 1")
        c.expect(runs(failing) == 3, f"{runs(failing)} runs after the retry, expected 3")
        # a fresh history: a failed first send leaves no run either
        fresh = os.path.join(env.dir("c"), "fresh.db")
        rc, out, err = env.run("stale-group-finder", *cron_line(env, fresh, AS_OF), sendmail_exit=75)
        c.expect(rc == 2, f"fresh history: exit {rc}, expected 2")
        c.expect(runs(fresh) == 0, f"fresh history: {runs(fresh)} runs after a failed send, expected 0")


def people_emails(path):
    with open(path, newline="", encoding="utf-8") as f:
        return {row["person_id"]: row.get("email") or "" for row in csv.DictReader(f)}


def check_messages_to(c, label, files, messages, domain, unassigned_to):
    """Every message: one address, in DOMAIN, nothing of attacker.example; unassigned.eml to
    UNASSIGNED_TO. Returns {file name: parsed message}."""
    parsed = {}
    for name, data in list(files.items()) + [(f"sent message {i + 1}", d) for i, d in enumerate(messages)]:
        m = parse(data)
        parsed[name] = m
        to = [str(v) for v in (m.get_all("To") or [])]
        addresses = recipients(m)
        ok = c.expect("attacker.example" not in " ".join(to).lower(),
                      f"{label} {name}: To {to} names attacker.example")
        ok &= c.expect(len(to) == 1 and len(addresses) == 1, f"{label} {name}: To {to} is not one address {addresses}")
        ok &= c.expect(all(a.rpartition("@")[2].lower() == domain for _, a in addresses),
                       f"{label} {name}: {addresses} outside {domain}")
        ok &= c.expect(m.get_all("Cc") is None and m.get_all("Bcc") is None, f"{label} {name}: has Cc or Bcc")
        if ok:  # a forged header line (a name or address with a line break) would show here
            c.expect(b"attacker.example" not in data.split(b"\r\n\r\n", 1)[0].split(b"\n\n", 1)[0].lower(),
                     f"{label} {name}: attacker.example in a header")
    if "unassigned.eml" in parsed:
        got = recipients(parsed["unassigned.eml"])
        c.expect(got == [("", unassigned_to)], f"{label} unassigned.eml goes to {got}, expected {unassigned_to}")
    c.expect(sorted(str(parse(d)["To"]) for d in messages) == sorted(str(parsed[n]["To"]) for n in files),
             f"{label}: the messages sent are not the reports written")
    return parsed


def eml_files(directory):
    found = {}
    for name in sorted(os.listdir(directory)):
        if name.endswith(".eml"):
            with open(os.path.join(directory, name), "rb") as f:
                found[name] = f.read()
    return found


def check_split(env):
    """d: --split-by responsible --mail-to '{email}' on the sample."""
    emails = people_emails(os.path.join(env.sample, "people.csv"))
    for tool in ("membership-audit", "handover-check"):
        with Check(f"d: {tool} split by responsible, mailed to each person's e-mail") as c:
            out_dir = os.path.join(env.dir("d"), tool)
            spool = env.new_spool()
            rc, out, err = env.run(tool, "--inventory", env.sample, "--as-of", AS_OF, "--format", "email",
                                   "--split-by", "responsible", "--output-dir", out_dir, "--mail-to", "{email}",
                                   "--mail-domain", "jiusan.example", "--mail-unassigned", "office@jiusan.example",
                                   "--mail-from", "chataudit@jiusan.example", "--send", spool=spool)
            c.expect(rc == 1, f"exit {rc}, expected 1; stderr {show(err)}")
            c.expect(out == b"" and err == "", f"output on a successful send: {out[:100]!r} {show(err)}")
            files = eml_files(out_dir)
            messages, calls = sent(spool)
            c.expect(len(files) >= 2, f"{len(files)} reports written, expected one per person")
            c.expect(len(messages) == len(files), f"{len(messages)} messages sent, {len(files)} reports written")
            c.expect(all(call == ["-t", "-oi"] for call in calls), f"sendmail arguments {calls}")
            parsed = check_messages_to(c, tool, files, messages, "jiusan.example", "office@jiusan.example")
            for name in files:
                key = name[:-len(".eml")]
                if key == "unassigned":
                    continue
                expected = emails.get(key, "")
                got = recipients(parsed[name])
                c.expect(got == [("", expected)], f"{name} goes to {got}, expected people.email {expected!r}")


HOSTILE_PEOPLE = [
    # person_id, real_name, email; the groups G1.. are owned in this order
    ("<evil@attacker.example>", "Evil", "<evil@attacker.example>"),
    ("a,b", "AB", "a@corp.example,b@corp.example"),
    ("P3", "Outside", "x@attacker.example"),
    ("P4", "Two", "p@corp.example, q@attacker.example"),
    ("P5", "Line one\nBcc: z@attacker.example", "p5@corp.example"),
    ("P6", "Good", "good@corp.example"),
    ("P7", "Header", "p7@corp.example\nBcc: z@attacker.example"),
    ("P8", "Suffix", "x@corp.example.attacker.example"),
    ("unassigned", "Reserved", "un@corp.example"),
    ("P10", "Display", "Boss <boss@attacker.example>"),
    ("P11", "Wide", "ｘ@corp.example"),
    ("../P12", "Path", "p12@corp.example"),
    ("P13", "Quoted", '"p13@attacker.example"@corp.example'),
    ("P14", "Route", "@attacker.example:p14@corp.example"),
    # routing syntax in a local part: Postfix by default (allow_percent_hack, swap_bangpath)
    # delivers these to attacker.example when corp.example is one of its own domains
    ("P15", "Percent", "p15%attacker.example@corp.example"),
    ("P16", "Bang", "attacker.example!p16@corp.example"),
]


def hostile_inventory(env):
    inv = env.dir("e/inventory")
    with open(os.path.join(inv, "groups.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["group_id", "name", "org_id", "term", "work_ended_on", "owner_id"])
        for i, (pid, _, _) in enumerate(HOSTILE_PEOPLE, 1):
            w.writerow([f"G{i}", f"Temporary group {i}", "O1", "temporary", "2026-11-01", pid])
    with open(os.path.join(inv, "people.csv"), "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["person_id", "real_name", "org_id", "status", "email"])
        for pid, name, mail in HOSTILE_PEOPLE:
            w.writerow([pid, name, "O1", "active", mail])
    return inv


def groups_in(text):
    return set(re.findall(r"\((G\d+)\)", text))


def check_hostile(env):
    """e: ids and e-mail addresses that try to reach attacker.example or several people."""
    inv = hostile_inventory(env)
    plain_id = re.compile(r"[A-Za-z0-9._-]+")
    cases = {
        # pattern: the keys whose own report is allowed, and where it must go
        "{email}": {"P5": "p5@corp.example", "P6": "good@corp.example"},
        "{id}@corp.example": {pid: f"{pid}@corp.example" for pid, _, _ in HOSTILE_PEOPLE
                              if plain_id.fullmatch(pid) and pid.lower() != "unassigned"},
    }
    for n, (pattern, allowed) in enumerate(cases.items()):
        with Check(f"e: hostile recipients, --mail-to '{pattern}'") as c:
            out_dir = os.path.join(env.dir("e"), f"out-{n}")
            spool = env.new_spool()
            rc, out, err = env.run("stale-group-finder", "--inventory", inv, "--as-of", "2026-11-27",
                                   "--format", "email", "--split-by", "responsible", "--output-dir", out_dir,
                                   "--mail-to", pattern, "--mail-domain", "corp.example",
                                   "--mail-unassigned", "office@corp.example",
                                   "--mail-from", "chataudit@corp.example", "--send", spool=spool)
            c.expect(rc == 1, f"exit {rc}, expected 1; stderr {show(err)}")
            files = eml_files(out_dir)
            messages, calls = sent(spool)
            c.expect(len(messages) == len(files), f"{len(messages)} messages sent, {len(files)} reports written")
            parsed = check_messages_to(c, pattern, files, messages, "corp.example", "office@corp.example")
            c.expect("unassigned.eml" in files, "no unassigned.eml")
            owner_of = {f"G{i}": pid for i, (pid, _, _) in enumerate(HOSTILE_PEOPLE, 1)}
            expected_unassigned = {g for g, pid in owner_of.items() if pid not in allowed}
            if "unassigned.eml" in parsed:
                got = groups_in(plain_text(parsed["unassigned.eml"]))
                c.expect(got == expected_unassigned,
                         f"unassigned.eml lists {sorted(got)}, expected {sorted(expected_unassigned)}")
            for name, m in parsed.items():
                if name in files and name != "unassigned.eml":
                    key = name[:-len(".eml")]
                    c.expect(key in allowed, f"a report {name} for a key that must not have its own")
                    if key in allowed:
                        c.expect(recipients(m) == [("", allowed[key])],
                                 f"{name} goes to {recipients(m)}, expected {allowed[key]}")
                        groups = groups_in(plain_text(m))
                        expected = {g for g, pid in owner_of.items() if pid == key}
                        c.expect(groups == expected, f"{name} lists {sorted(groups)}, expected {sorted(expected)}")
            c.expect(not os.path.exists(os.path.join(env.work, "e", "P12.eml")), "../P12 wrote outside --output-dir")

    with Check("e: recipient patterns the operator did not allow are usage errors") as c:
        base = ["--inventory", inv, "--as-of", "2026-11-27", "--format", "email", "--output-dir",
                os.path.join(env.dir("e"), "refused"), "--mail-unassigned", "office@corp.example"]
        for extra, why in [
            (["--split-by", "responsible", "--mail-to", "{email}"], "{email} without --mail-domain"),
            (["--split-by", "org", "--mail-to", "{email}", "--mail-domain", "corp.example"], "{email} with --split-by org"),
            (["--split-by", "responsible", "--mail-to", "a@corp.example, b@attacker.example"], "two addresses in --mail-to"),
        ]:
            spool = env.new_spool()
            rc, out, err = env.run("stale-group-finder", *base, *extra, "--send", spool=spool)
            c.expect(rc == 2, f"{why}: exit {rc}, expected 2; stderr {show(err)}")
            c.expect(not sent(spool)[1], f"{why}: sendmail was called")
        rc, out, err = env.run("stale-group-finder", "--inventory", inv, "--as-of", "2026-11-27", "--format",
                               "email", "--mail-to", "{id}@corp.example")
        c.expect(rc == 2, f"{{id}} without --split-by: exit {rc}, expected 2")


def check_stale_files(env):
    """f: reports never outlive their findings."""
    with Check("f: a clean run removes --output email:today.eml") as c:
        work = env.dir("f/output")
        history = os.path.join(work, "history.db")
        line = ["--inventory", env.sample, "--record", history, "--baseline", "last", "--only-new",
                "--output", "email:today.eml", "--mail-to", "audit@jiusan.example"]
        rc, out, err = env.run("stale-group-finder", *line, "--as-of", AS_OF, cwd=work)
        c.expect(rc == 1, f"day with findings: exit {rc}, expected 1; stderr {show(err)}")
        c.expect(os.path.exists(os.path.join(work, "today.eml")), "today.eml not written on a day with findings")
        c.expect(out == b"", f"standard output not empty with --output only: {out[:100]!r}")
        rc, out, err = env.run("stale-group-finder", *line, "--as-of", AS_OF, cwd=work)
        c.expect(rc == 0, f"nothing new: exit {rc}, expected 0; stderr {show(err)}")
        c.expect(not os.path.exists(os.path.join(work, "today.eml")), "today.eml left behind by a clean run")
        c.expect(out == b"" and err == "", f"a clean run wrote {out[:100]!r} {show(err)}")
        # and an inventory with no findings at all, no history
        clean = env.dir("f/clean-inventory")
        with open(os.path.join(clean, "groups.csv"), "w") as f:
            f.write("group_id,name,org_id,term,work_ended_on,owner_id\nG1,Long,O1,long,,P1\n")
        plain = ["--as-of", AS_OF, "--output", "email:today.eml", "--mail-to", "audit@jiusan.example"]
        rc, _, err = env.run("stale-group-finder", "--inventory", env.sample, *plain, cwd=work)
        c.expect(rc == 1 and os.path.exists(os.path.join(work, "today.eml")), f"rewrite: exit {rc}, {show(err)}")
        rc, _, err = env.run("stale-group-finder", "--inventory", clean, *plain, cwd=work)
        c.expect(rc == 0, f"clean inventory: exit {rc}, expected 0; stderr {show(err)}")
        c.expect(not os.path.exists(os.path.join(work, "today.eml")), "today.eml left behind by a clean inventory")

    with Check("f: --split-by removes a vanished key's report and keeps foreign files") as c:
        work = env.dir("f/split")
        inv, out_dir = env.dir("f/split/inventory"), env.dir("f/split/reports")
        groups = os.path.join(inv, "groups.csv")
        with open(os.path.join(inv, "people.csv"), "w") as f:
            f.write("person_id,real_name,org_id,status,email\n"
                    "P1,Ann,O1,active,p1@corp.example\nP2,Bob,O1,active,p2@corp.example\n")
        rows = ["G1,One,O1,temporary,2026-11-01,P1", "G2,Two,O1,temporary,2026-11-01,P2"]
        for name, text in (("notes.txt", "the auditor's notes\n"), ("P9.eml", "not the tool's\n")):
            with open(os.path.join(out_dir, name), "w") as f:
                f.write(text)
        line = ["--inventory", inv, "--as-of", AS_OF, "--format", "email", "--split-by", "responsible",
                "--output-dir", out_dir, "--mail-to", "{id}@corp.example",
                "--mail-unassigned", "office@corp.example"]
        for step, (kept, expected) in enumerate([(rows, {"P1.eml", "P2.eml"}), (rows[:1], {"P1.eml"}),
                                                 ([], set())], 1):
            with open(groups, "w") as f:
                f.write("group_id,name,org_id,term,work_ended_on,owner_id\n" + "".join(r + "\n" for r in kept))
            rc, out, err = env.run("stale-group-finder", *line, cwd=work)
            c.expect(rc == (1 if kept else 0), f"run {step}: exit {rc}; stderr {show(err)}")
            c.expect(out == b"", f"run {step}: standard output not empty: {out[:100]!r}")
            reports = {n for n in os.listdir(out_dir) if n.endswith(".eml")} - {"P9.eml"}
            c.expect(reports == expected, f"run {step}: reports {sorted(reports)}, expected {sorted(expected)}")
            c.expect(os.path.exists(os.path.join(out_dir, "notes.txt")), f"run {step}: notes.txt removed")
            c.expect(os.path.exists(os.path.join(out_dir, "P9.eml")), f"run {step}: a foreign P9.eml removed")


def check_dev_full(env, history):
    """g: a failed write to standard output is exit 2 and records nothing."""
    if not os.path.exists("/dev/full"):
        print("skip g: no /dev/full")
        return
    with Check("g: /dev/full as standard output") as c:
        db = os.path.join(env.dir("g"), "history.db")
        shutil.copy(history, db)
        before = runs(db)
        with open("/dev/full", "wb") as full:
            rc, _, err = env.run("stale-group-finder", "--inventory", env.sample, "--as-of", "2026-11-28",
                                 "--record", db, "--baseline", "last", "--only-new", stdout=full)
        c.expect(rc == 2, f"exit {rc}, expected 2; stderr {show(err)}")
        c.expect("standard output" in err, f"stderr does not name standard output: {show(err)}")
        c.expect(runs(db) == before, f"{runs(db)} runs after a failed write, expected {before}")
        for option in ("--version", "--help", "--list-rules"):
            with open("/dev/full", "wb") as full:
                rc, _, err = env.run("stale-group-finder", option, stdout=full)
            c.expect(rc == 2, f"{option} > /dev/full: exit {rc}, expected 2")
            c.expect("standard output" in err, f"{option} > /dev/full: stderr {show(err)}")


def json_run(env, *args):
    rc, out, err = env.run("stale-group-finder", *args, "--format", "json")
    try:
        report = json.loads(out)
    except ValueError:
        report = {"findings": None}
    return rc, report, err


def check_scopes(env):
    """h: runs of another scope are never the baseline."""
    with Check("h: --org O02, O03, O02 again: nothing new the third time") as c:
        db = os.path.join(env.dir("h"), "history.db")
        line = ["--inventory", env.sample, "--as-of", AS_OF, "--record", db, "--baseline", "last", "--only-new"]
        rc, first, err = json_run(env, *line, "--org", "O02")
        c.expect(rc in (0, 1) and first["findings"], f"O02: exit {rc}, findings {first['findings']}; {show(err)}")
        rc, _, err = json_run(env, *line, "--org", "O03")
        c.expect(rc in (0, 1), f"O03: exit {rc}; {show(err)}")
        rc, third, err = json_run(env, *line, "--org", "O02")
        c.expect(rc == 0, f"O02 again: exit {rc}, expected 0; {show(err)}")
        c.expect(third["findings"] == [], f"O02 again: findings {third['findings']}, expected []")
        c.expect(runs(db) == 3, f"{runs(db)} runs, expected 3")


def check_reassigned(env):
    """i: the responsible person departs; the leader hears of the finding."""
    with Check("i: a departed owner's finding is reassigned to the leader") as c:
        inv = env.dir("i/inventory")
        db = os.path.join(env.dir("i"), "history.db")
        with open(os.path.join(inv, "groups.csv"), "w") as f:
            f.write("group_id,name,org_id,term,work_ended_on,owner_id\nG1,One,O1,temporary,2026-11-01,P1\n")
        with open(os.path.join(inv, "orgs.csv"), "w") as f:
            f.write("org_id,name,parent_id,leader_id,level\nO1,Org,,P9,national\n")
        people = "person_id,real_name,org_id,status,status_since,email\n{}\nP9,Lead,O1,active,,p9@corp.example\n"
        with open(os.path.join(inv, "people.csv"), "w") as f:
            f.write(people.format("P1,Ann,O1,active,,p1@corp.example"))
        line = ["--inventory", inv, "--as-of", AS_OF, "--record", db, "--baseline", "last", "--only-new"]
        rc, report, err = json_run(env, *line)
        got = [(f["subject"]["id"], f.get("change"), f.get("responsible_id")) for f in report["findings"] or []]
        c.expect(rc == 1 and got == [("G1", "new", "P1")], f"run 1: exit {rc}, {got}; expected [G1 new P1]")
        with open(os.path.join(inv, "people.csv"), "w") as f:
            f.write(people.format("P1,Ann,O1,departed,2026-11-20,p1@corp.example"))
        rc, report, err = json_run(env, *line)
        got = [(f["subject"]["id"], f.get("change"), f.get("responsible_id")) for f in report["findings"] or []]
        c.expect(rc == 1 and got == [("G1", "reassigned", "P9")],
                 f"run 2: exit {rc}, {got}; expected [G1 reassigned P9]")
        rc, report, err = json_run(env, *line)
        c.expect(rc == 0 and report["findings"] == [], f"run 3: exit {rc}, {report['findings']}; expected []")
        rows = query(db, "SELECT run_id, change, responsible_id, delivered FROM findings ORDER BY run_id")
        c.expect(rows[:2] == [(1, "new", "P1", 1), (2, "reassigned", "P9", 1)], f"history {rows}")


def check_migration(env):
    """j: a history of the previous release's layout."""
    fixture = os.path.join(env.source_dir, "tests", "fixtures", "cron", "history-v1.db")
    with Check("j: a history written by the previous release is migrated, nothing re-sent") as c:
        if not c.expect(os.path.exists(fixture), f"{fixture} missing"):
            return
        db = os.path.join(env.dir("j"), "history.db")
        shutil.copy(fixture, db)
        old_runs = runs(db)
        c.expect(old_runs == 1, f"the fixture holds {old_runs} runs, expected 1")
        c.expect(query(db, "PRAGMA user_version")[0][0] < 2, "the fixture is not of an older layout")
        rc, report, err = json_run(env, "--inventory", env.sample, "--as-of", AS_OF, "--record", db,
                                   "--baseline", "last", "--only-new")
        c.expect(rc == 0, f"exit {rc}, expected 0; stderr {show(err)}")
        c.expect(report["findings"] == [], f"findings {report['findings']}, expected [] (nothing new)")
        c.expect(query(db, "PRAGMA user_version")[0][0] == 2,
                 f"user_version {query(db, 'PRAGMA user_version')[0][0]}, expected 2")
        c.expect(runs(db) == 2, f"{runs(db)} runs, expected 2")
        # the migrated run is the baseline of the first run of any scope of this tool and policy
        for scope in (["--job", "nightly"], ["--org", "O02"]):
            rc, report, err = json_run(env, "--inventory", env.sample, "--as-of", AS_OF, "--record", db,
                                       "--baseline", "last", "--only-new", *scope)
            c.expect(rc == 0 and report["findings"] == [],
                     f"first run of scope {scope}: exit {rc}, findings {report['findings']}; expected 0, []")
        undelivered = query(db, "SELECT count(*) FROM findings WHERE run_id = (SELECT min(run_id) FROM runs) "
                                "AND delivered = 0")
        c.expect(undelivered == [(0,)], f"migrated findings not counted as delivered: {undelivered}")


def main(argv):
    if len(argv) != 4:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    env = Env(*argv[1:])
    history = os.path.join(env.dir("ab"), "history.db")
    check_sent_day(env, history)
    check_split(env)
    check_hostile(env)
    check_stale_files(env)
    check_dev_full(env, history)
    check_scopes(env)
    check_reassigned(env)
    check_migration(env)
    for failure in failures:
        print(f"FAIL {failure}", file=sys.stderr)
    print(f"{len(failures)} failure(s)" if failures else "all checks passed", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
