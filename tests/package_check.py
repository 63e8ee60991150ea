#!/usr/bin/env python3
"""The Debian package (issue 26 point 1), built and checked as an operator would meet it.

usage: package_check.py CPACK BUILD_DIR SOURCE_DIR WORK_DIR UNIT_DIR

Skipped (exit 77) with a message when dpkg-deb is missing. cpack needs dpkg-shlibdeps and file
(dpkg-dev, file) and lintian is required, all from scripts/install-deps --test; systemd-analyze,
systemd-sysusers, systemd-tmpfiles (systemd) and man are used where present, with a line saying
what was left out otherwise. The checks:

 build     `cpack -G DEB` of BUILD_DIR writes one chataudit_*.deb;
 control   its fields: Depends from the shared libraries (libc6, ...) and tzdata, Recommends,
           Section, Priority, Maintainer, Description; conffiles and maintainer scripts;
 postinst  run in a copy of the unpacked root (DPKG_ROOT), twice: the system user chataudit and
           /var/lib/chataudit (systemd-sysusers and -tmpfiles); without them, the useradd and
           install it would run (stand-ins); postrm purge removes the enabled timers' links;
 contents  `dpkg-deb -c` lists the tools, policies, man pages of both languages (gzip'd), the
           copyright file, the changelogs, the units in UNIT_DIR, /etc/default/chataudit, the
           scripts, sysusers.d and tmpfiles.d, the example crontab; nothing in /etc/cron.d;
           `man PAGE` finds each page in the unpacked tree;
 tools     unpacked (`dpkg-deb -x`) into a temporary root, each tool there reports on
           samples/jiusan what the build tree's does, with the policy found beside itself;
 run-job   the service's script, from the unpacked tree with a stub sendmail: mails a job's new
           findings to its recipients and records them; the next run mails nothing; a job of its
           own name runs its CHATAUDIT_<JOB>_TOOL with its own variables, and the environment (a
           drop-in) wins over the file; no inventory or recipient, or no tool: exit 2 and a line
           naming /etc/default/chataudit;
 failure   mail-failure mails the journal's tail (a stub journalctl) to the failure address;
 crontab   each line of the example crontab runs from the unpacked tree on the sample;
 units     the settings issue 26 asks for (User=, StateDirectory=, SuccessExitStatus=1, OnFailure=,
           nothing implying NoNewPrivileges=), none enabled; `systemd-analyze verify` on the units,
           in the unpacked root;
 lintian   `lintian` on the package reports no error (E:); its warnings are printed.

Exit status 0 when every check passes; otherwise 1, with every failure on standard error.
"""
import email
import email.policy
import gzip
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib

AS_OF = "2026-11-27"
SEPARATOR = "#--- stub sendmail: end of message ---#"
STUB_SENDMAIL = f"""#!/bin/sh
# A stand-in for sendmail: appends its message to $STUB_SPOOL and its arguments to $STUB_SPOOL.args.
printf '%s\\n' "$*" >> "$STUB_SPOOL.args"
cat >> "$STUB_SPOOL"
printf '\\n%s\\n' '{SEPARATOR}' >> "$STUB_SPOOL"
"""
STUB_JOURNALCTL = """#!/bin/sh
# A stand-in for journalctl: says what it was asked.
echo "2026-11-27T06:30:01+0800 host run-job[42]: stub journal line, journalctl $*"
"""

failures = []


def expect(condition, check, message):
    if not condition:
        failures.append(f"[{check}] {message}")
    return condition


def run(command, **kwargs):
    return subprocess.run(command, capture_output=True, text=True, **kwargs)


def build_package(cpack, build_dir, work_dir):
    out_dir = os.path.join(work_dir, "cpack")
    result = run([cpack, "-G", "DEB", "--config", os.path.join(build_dir, "CPackConfig.cmake"), "-B", out_dir])
    if not expect(result.returncode == 0, "build", f"cpack failed:\n{result.stdout}{result.stderr}"):
        return None
    debs = [name for name in os.listdir(out_dir) if name.endswith(".deb")]
    if not expect(len(debs) == 1 and re.fullmatch(r"chataudit_\d+\.\d+\.\d+-1_[a-z0-9]+\.deb", debs[0] if debs else ""),
                  "build", f"expected one chataudit_VERSION-1_ARCH.deb, got {debs}"):
        return None
    return os.path.join(out_dir, debs[0])


def check_control(deb, work_dir):
    fields = {}
    for field in ("Package", "Depends", "Recommends", "Section", "Priority", "Maintainer", "Description"):
        fields[field] = run(["dpkg-deb", "-f", deb, field]).stdout.strip()
    expect(fields["Package"] == "chataudit", "control", f"Package: {fields['Package']}")
    depends = [d.strip() for d in fields["Depends"].split(",")]
    expect(any(d.startswith("libc6") for d in depends), "control", f"Depends has no libc6 (shlibdeps): {depends}")
    expect(any(d.startswith("libsqlite3-0") for d in depends), "control", f"Depends has no libsqlite3-0: {depends}")
    expect("tzdata" in depends, "control", f"Depends has no tzdata: {depends}")
    expect(fields["Recommends"] == "moreutils, default-mta | mail-transport-agent", "control",
           f"Recommends: {fields['Recommends']}")
    expect(fields["Section"] == "admin" and fields["Priority"] == "optional", "control",
           f"Section {fields['Section']}, Priority {fields['Priority']}")
    expect(re.fullmatch(r".+ <[^@ ]+@[^@ ]+>", fields["Maintainer"]), "control", f"Maintainer: {fields['Maintainer']}")
    expect(len(fields["Description"].splitlines()) > 3, "control", "Description has no long description")
    control_dir = os.path.join(work_dir, "control")
    run(["dpkg-deb", "-e", deb, control_dir])
    with open(os.path.join(control_dir, "conffiles")) as conffiles:
        expect(conffiles.read().split() == ["/etc/default/chataudit"], "control", "conffiles: not /etc/default/chataudit")
    for script in ("postinst", "prerm", "postrm"):
        path = os.path.join(control_dir, script)
        expect(os.path.exists(path) and os.stat(path).st_mode & 0o777 == 0o755, "control", f"{script}: missing or not 0755")
    with open(os.path.join(control_dir, "postinst")) as postinst:
        text = postinst.read()
        expect("systemd-sysusers" in text and "daemon-reload" in text, "control", "postinst: no sysusers or daemon-reload")


def expected_paths(source_dir, unit_dir, tools):
    paths = [f"usr/bin/{tool}" for tool in tools] + [f"usr/share/man/man1/{tool}.1.gz" for tool in tools]
    paths += ["usr/share/chataudit/policies/jiusan-2020.toml", "usr/share/man/man5/chataudit-policy.5.gz",
              "usr/share/man/man5/chataudit-inventory.5.gz", "usr/share/man/man7/chataudit.7.gz"]
    zh_dir = os.path.join(source_dir, "man", "zh_CN")
    for page in sorted(os.listdir(zh_dir)) if os.path.isdir(zh_dir) else []:
        if re.fullmatch(r".+\.[157]", page):
            paths.append(f"usr/share/man/zh_CN/man{page[-1]}/{page}.gz")
    paths += [f"usr/share/doc/chataudit/{name}" for name in
              ("copyright", "changelog.gz", "changelog.Debian.gz", "README.Debian", "examples/crontab")]
    unit_dir = unit_dir.strip("/")
    paths += [f"{unit_dir}/{name}" for name in ("chataudit@.service", "chataudit@.timer", "chataudit-failure@.service")]
    paths += ["etc/default/chataudit", "usr/libexec/chataudit/run-job", "usr/libexec/chataudit/mail-failure",
              "usr/lib/sysusers.d/chataudit.conf", "usr/lib/tmpfiles.d/chataudit.conf"]
    return paths


def check_contents(deb, source_dir, unit_dir, tools, root):
    listing = run(["dpkg-deb", "-c", deb]).stdout.splitlines()
    entries = {}
    for line in listing:
        mode, owner, _size, _date, _time, path = line.split(None, 5)
        entries[path.removeprefix("./").rstrip("/")] = (mode, owner)
    for path in expected_paths(source_dir, unit_dir, tools):
        expect(path in entries, "contents", f"not in the package: {path}")
    for path, (mode, owner) in entries.items():
        expect(owner == "root/root", "contents", f"{path}: owned by {owner}")
        expect(not path.startswith("etc/cron"), "contents", f"{path}: the timers run the jobs, not cron")
        expect(not path.startswith("etc/systemd"), "contents", f"{path}: no timer is enabled by the package")
        if path.startswith("usr/share/man/") and mode.startswith("-"):
            expect(path.endswith(".gz"), "contents", f"{path}: a man page not compressed")
    for path in ("usr/bin/stale-group-finder", "usr/libexec/chataudit/run-job"):
        expect(entries.get(path, ("",))[0] == "-rwxr-xr-x", "contents", f"{path}: mode {entries.get(path)}")
    run(["dpkg-deb", "-x", deb, root], check=True)
    with gzip.open(os.path.join(root, "usr/share/man/man1/stale-group-finder.1.gz"), "rt") as page, \
            open(os.path.join(source_dir, "man/stale-group-finder.1")) as source:
        expect(page.read() == source.read(), "contents", "stale-group-finder.1.gz is not man/stale-group-finder.1")
    # `man stale-group-finder` finds the package's page (MANPATH standing for the installed /usr).
    if shutil.which("man"):
        man_dir = os.path.join(root, "usr/share/man")
        for section, page in [("1", tool) for tool in tools] + [("5", "chataudit-policy"), ("7", "chataudit")]:
            found = run(["man", "-w", section, page], env={"MANPATH": man_dir, "PATH": "/usr/bin:/bin"})
            expect(found.stdout.strip() == os.path.join(man_dir, f"man{section}", f"{page}.{section}.gz"), "contents",
                   f"man -w {section} {page}: {found.stdout.strip()} {found.stderr.strip()}")
    else:
        print("contents: man not found, `man PAGE` not tried")
    with open(os.path.join(root, "usr/share/doc/chataudit/copyright")) as copyright_file:
        text = copyright_file.read()
        expect(text.startswith("Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\n")
               and "\nFiles: *\n" in text and not re.search(r"@[A-Z_]+@", text),
               "contents", "copyright: not in the machine-readable format, or a placeholder left")


def check_maintainer_scripts(root, work_dir):
    """postinst in a copy of the unpacked root (DPKG_ROOT) with systemd-sysusers and
    systemd-tmpfiles, twice: the user and /var/lib/chataudit; without them (a container), the
    commands it would run, given to stand-ins; postrm purge: the enabled timers' links go, others stay."""
    control = os.path.join(work_dir, "control")
    if shutil.which("systemd-sysusers") and shutil.which("systemd-tmpfiles"):
        target = os.path.join(work_dir, "postinst-root")
        shutil.copytree(root, target, symlinks=True)
        environment = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "DPKG_ROOT": target}
        for attempt in (1, 2):
            result = run(["/bin/sh", os.path.join(control, "postinst"), "configure"], env=environment)
            expect(result.returncode == 0, "postinst", f"run {attempt}: exit {result.returncode}, {result.stderr}")
        with open(os.path.join(target, "etc/passwd")) as passwd:
            users = [line for line in passwd.read().splitlines() if line.startswith("chataudit:")]
        match = re.fullmatch(r"chataudit:x:(\d+):(\d+):chataudit audit jobs:/var/lib/chataudit:/usr/sbin/nologin",
                             users[0] if len(users) == 1 else "")
        if expect(match and int(match.group(1)) < 1000, "postinst", f"the user chataudit is {users}"):
            state = os.stat(os.path.join(target, "var/lib/chataudit"))
            expect(state.st_mode & 0o7777 == 0o750 and (os.geteuid() != 0 or state.st_uid == int(match.group(1))),
                   "postinst", f"/var/lib/chataudit mode {oct(state.st_mode)}, owner {state.st_uid}")
    else:
        print("postinst: systemd-sysusers or systemd-tmpfiles not found, not run with them")
    # Without systemd: PATH holds only stand-ins that write down their arguments (useradd answering
    # 9, the user exists, on the second run); nothing on this machine is changed.
    stubs = os.path.join(work_dir, "postinst-stubs")
    os.makedirs(stubs)
    calls = os.path.join(work_dir, "postinst-stubs.calls")
    for command, status in (("useradd", "${USERADD_EXIT:-0}"), ("install", "0")):
        with open(os.path.join(stubs, command), "w") as stub:
            stub.write(f'#!/bin/sh\necho "{command} $*" >> "{calls}"\nexit {status}\n')
        os.chmod(os.path.join(stubs, command), 0o755)
    for useradd_exit, wanted_rc in (("0", 0), ("9", 0), ("1", 1)):
        result = run(["/bin/sh", os.path.join(control, "postinst"), "configure"],
                     env={"PATH": stubs, "USERADD_EXIT": useradd_exit})
        expect(result.returncode == wanted_rc, "postinst", f"useradd exit {useradd_exit}: postinst exit "
               f"{result.returncode}, {result.stderr}")
    with open(calls) as f:
        useradd = "useradd --system --user-group --home-dir /var/lib/chataudit --no-create-home --shell " \
                  "/usr/sbin/nologin --comment chataudit audit jobs chataudit"
        install = "install -d -o chataudit -g chataudit -m 0750 /var/lib/chataudit"
        wanted = [useradd, install] * 2 + [useradd] if not os.path.exists("/var/lib/chataudit") else [useradd] * 3
        expect(f.read().splitlines() == wanted, "postinst", "without systemd: not the useradd and install wanted")
    target = os.path.join(work_dir, "postrm-root")
    wants = os.path.join(target, "etc/systemd/system/timers.target.wants")
    os.makedirs(wants)
    for name in ("chataudit@stale-group-finder.timer", "chataudit@jiangsu.timer", "apt-daily.timer"):
        os.symlink(f"/lib/systemd/system/{name}", os.path.join(wants, name))
    result = run(["/bin/sh", os.path.join(control, "postrm"), "purge"], env={"PATH": "/usr/bin:/bin", "DPKG_ROOT": target})
    expect(result.returncode == 0 and os.listdir(wants) == ["apt-daily.timer"], "postrm",
           f"purge: exit {result.returncode}, left {os.listdir(wants)}")


def check_tools(root, build_dir, source_dir, tools):
    for tool in tools:
        command = ["--inventory", os.path.join(source_dir, "samples/jiusan"), "--as-of", AS_OF, "--format", "jsonl"]
        unpacked = run([os.path.join(root, "usr/bin", tool)] + command, cwd="/")
        built = run([os.path.join(build_dir, "bin", tool)] + command, cwd="/")
        expect(unpacked.returncode == 1 and unpacked.stdout == built.stdout and unpacked.stdout.count("\n") > 1,
               "tools", f"{tool} unpacked: exit {unpacked.returncode}, {unpacked.stderr.strip()}; "
               f"not the build tree's report")
    # Without the unpacked tree's policy, the tool names the file it looked for: beside itself.
    policy = os.path.join(root, "usr/share/chataudit/policies/jiusan-2020.toml")
    os.rename(policy, policy + ".away")
    missing = run([os.path.join(root, "usr/bin", tools[0]), "--list-rules"], cwd="/")
    os.rename(policy + ".away", policy)
    expect(missing.returncode == 2 and missing.stderr.startswith(policy + ":"), "tools",
           f"without its policy: exit {missing.returncode}, {missing.stderr.strip()}; expected an error naming {policy}")


class Mail:
    """The stub sendmail's spool: the messages and the arguments of each call."""

    def __init__(self, work_dir, name):
        self.spool = os.path.join(work_dir, name)

    def messages(self):
        if not os.path.exists(self.spool):
            return []
        with open(self.spool) as spool:
            return [m.strip("\n") for m in spool.read().split(SEPARATOR)[:-1]]

    def header(self, message, name):
        value = email.message_from_string(message, policy=email.policy.default)[name]
        return str(value) if value is not None else None


def job_environment(stub_dir, spool, state_dir, defaults=None, extra=None):
    environment = {"PATH": f"{stub_dir}:/usr/bin:/bin", "STUB_SPOOL": spool, "STATE_DIRECTORY": state_dir,
                   "LANG": "C.UTF-8"}
    if defaults:
        environment["CHATAUDIT_DEFAULTS"] = defaults
    environment.update(extra or {})
    return environment


def check_run_job(root, source_dir, work_dir, stub_dir):
    run_job = os.path.join(root, "usr/libexec/chataudit/run-job")
    state = os.path.join(work_dir, "state")
    os.makedirs(state)
    defaults = os.path.join(work_dir, "chataudit.default")
    with open(defaults, "w") as f:
        f.write(f"""CHATAUDIT_INVENTORY={shlex.quote(os.path.join(source_dir, "samples/jiusan"))}
CHATAUDIT_MAIL_TO="audit@example.org, office@example.org"
CHATAUDIT_OPTIONS="--as-of {AS_OF} --mail-from 'chataudit <audit@example.org>'"
CHATAUDIT_LANG=zh
CHATAUDIT_JIANGSU_TOOL=membership-audit
CHATAUDIT_JIANGSU_MAIL_TO=jiangsu@example.org
CHATAUDIT_JIANGSU_OPTIONS="--org O02 --as-of {AS_OF}"
""")
    mail = Mail(work_dir, "run-job.spool")

    def job(name, extra=None, config=defaults, state=state):
        return run([run_job, name], env=job_environment(stub_dir, mail.spool, state, config, extra), cwd=state)

    first = job("stale-group-finder")
    messages = mail.messages()
    expect(first.returncode == 1 and first.stdout == "" and first.stderr == "", "run-job",
           f"first run: exit {first.returncode}, stdout {first.stdout!r}, stderr {first.stderr!r}")
    if expect(len(messages) == 1, "run-job", f"first run: {len(messages)} messages"):
        expect(mail.header(messages[0], "To") == "audit@example.org, office@example.org", "run-job",
               f"To: {mail.header(messages[0], 'To')}")
        expect(mail.header(messages[0], "From") == "chataudit <audit@example.org>", "run-job",
               f"From: {mail.header(messages[0], 'From')}")
        expect("stale-group-finder" in (mail.header(messages[0], "Subject") or ""), "run-job", "Subject")
    expect(os.path.exists(os.path.join(state, "history.db")), "run-job", "no history.db in STATE_DIRECTORY")
    second = job("stale-group-finder")
    expect(second.returncode == 0 and len(mail.messages()) == 1, "run-job",
           f"second run: exit {second.returncode}, {len(mail.messages()) - 1} more messages, {second.stderr}")

    jiangsu = job("jiangsu")
    messages = mail.messages()
    expect(jiangsu.returncode == 1 and len(messages) == 2 and mail.header(messages[-1], "To") == "jiangsu@example.org"
           and "membership-audit" in (mail.header(messages[-1], "Subject") or ""), "run-job",
           f"job jiangsu: exit {jiangsu.returncode} {jiangsu.stderr}, {len(messages)} messages")
    # A drop-in's Environment= over the file: another recipient and history, so the findings are new.
    other_state = os.path.join(work_dir, "state-dropin")
    os.makedirs(other_state)
    override = job("jiangsu", {"CHATAUDIT_JIANGSU_MAIL_TO": "dropin@example.org"}, state=other_state)
    messages = mail.messages()
    expect(override.returncode == 1 and len(messages) == 3 and mail.header(messages[-1], "To") == "dropin@example.org",
           "run-job", f"environment over the file: exit {override.returncode} {override.stderr}, "
           f"To: {mail.header(messages[-1], 'To') if messages else None}")

    shipped = os.path.join(root, "etc/default/chataudit")
    for name, config, extra, wanted in [
        ("stale-group-finder", None, None, "chataudit@stale-group-finder: no inventory: set CHATAUDIT_INVENTORY (or "
         "CHATAUDIT_STALE_GROUP_FINDER_INVENTORY) in /etc/default/chataudit\n"),
        ("registry-check", shipped, None, f"chataudit@registry-check: no inventory: set CHATAUDIT_INVENTORY (or "
         f"CHATAUDIT_REGISTRY_CHECK_INVENTORY) in {shipped}\n"),
        ("registry-check", shipped, {"CHATAUDIT_INVENTORY": "/srv/registry"}, "chataudit@registry-check: no "
         f"recipient: set CHATAUDIT_MAIL_TO (or CHATAUDIT_REGISTRY_CHECK_MAIL_TO) in {shipped}\n"),
        ("nightly", defaults, None, f"chataudit@nightly: job nightly runs no tool: set CHATAUDIT_NIGHTLY_TOOL in "
         f"{defaults} to one of: registry-check membership-audit handover-check stale-group-finder\n"),
        ("Bad/Name", defaults, None, "chataudit@Bad/Name: usage: run-job JOB (a job name of lower-case letters, "
         "digits, '-', '_' and '.')\n"),
    ]:
        result = job(name, extra, config)
        expect(result.returncode == 2 and result.stderr == wanted, "run-job",
               f"{name} with {config}: exit {result.returncode}, stderr {result.stderr!r}, expected {wanted!r}")
    expect(len(mail.messages()) == 3, "run-job", "a job that is not configured sent mail")


def check_failure_mail(root, work_dir, stub_dir):
    mail_failure = os.path.join(root, "usr/libexec/chataudit/mail-failure")
    defaults = os.path.join(work_dir, "failure.default")
    with open(defaults, "w") as f:
        f.write("CHATAUDIT_FAILURE_MAIL_TO=chataudit-admin@example.org\nCHATAUDIT_JIANGSU_FAILURE_MAIL_TO=js@example.org\n")
    mail = Mail(work_dir, "failure.spool")
    monitor = {"MONITOR_SERVICE_RESULT": "exit-code", "MONITOR_EXIT_CODE": "exited", "MONITOR_EXIT_STATUS": "2"}
    for job, config, to in [("stale-group-finder", defaults, "chataudit-admin@example.org"),
                            ("jiangsu", defaults, "js@example.org"), ("registry-check", None, "root")]:
        environment = job_environment(stub_dir, mail.spool, work_dir, config, monitor)
        environment.setdefault("CHATAUDIT_DEFAULTS", os.path.join(work_dir, "no-such-file"))
        result = run([mail_failure, job], env=environment)
        message = mail.messages()[-1] if mail.messages() else ""
        unit = f"chataudit@{job}.service"
        expect(result.returncode == 0 and mail.header(message, "To") == to
               and mail.header(message, "Subject") == f"{unit} failed on {os.uname().nodename}"
               and f"{unit} on {os.uname().nodename} failed (exit-code, exited 2)." in message
               and f"stub journal line, journalctl --no-pager --quiet -o short-iso -n 100 -u {unit}" in message,
               "failure", f"{job}: exit {result.returncode} {result.stderr}, message {message!r}")
    with open(mail.spool + ".args") as args:
        expect(set(args.read().splitlines()) == {"-t -oi"}, "failure", "sendmail not called as sendmail -t -oi")


def check_crontab(root, source_dir, work_dir, stub_dir):
    state = os.path.join(work_dir, "cron-state")
    os.makedirs(os.path.join(state, "backups"))
    mail = Mail(work_dir, "cron.spool")
    environment = job_environment(stub_dir, mail.spool, state)
    environment["PATH"] = f"{root}/usr/bin:{stub_dir}:/usr/bin:/bin"
    lines = 0
    with open(os.path.join(root, "usr/share/doc/chataudit/examples/crontab")) as crontab:
        for line in crontab:
            if not re.match(r"^[0-9*]", line):
                continue
            command = line.split(None, 5)[5].strip()
            command = command.replace("/srv/registry", os.path.join(source_dir, "samples/jiusan"))
            command = command.replace("/var/lib/chataudit", state).replace("/var/backups/chataudit", state + "/backups")
            if not command.startswith("sqlite3"):
                command += f" --as-of {AS_OF}"
            result = run(["/bin/sh", "-c", command], env=environment, cwd=state)
            lines += 1
            expect(result.returncode in (0, 1) and result.stderr == "" and result.stdout == "", "crontab",
                   f"{command}: exit {result.returncode}, {result.stderr.strip()}")
    expect(lines == 5 and len(mail.messages()) >= 4, "crontab", f"{lines} lines run, {len(mail.messages())} messages")
    expect(os.path.exists(os.path.join(state, "backups/history.db")), "crontab", "the history's backup was not made")


def unit_settings(path):
    """A unit file's settings as {(section, key): [values]}."""
    settings, section = {}, None
    with open(path) as unit:
        for line in unit:
            line = line.strip()
            if line.startswith("[") and line.endswith("]"):
                section = line[1:-1]
            elif line and not line.startswith(("#", ";")):
                key, _, value = line.partition("=")
                settings.setdefault((section, key.strip()), []).append(value.strip())
    return settings


def check_units(root, unit_dir):
    # What issue 26 asks of the units, whatever systemd-analyze says.
    units = os.path.join(root, unit_dir.strip("/"))
    service = unit_settings(os.path.join(units, "chataudit@.service"))
    for key, value in [("User", "chataudit"), ("StateDirectory", "chataudit"), ("SuccessExitStatus", "1"),
                       ("ExecStart", "/usr/libexec/chataudit/run-job %i"), ("Type", "oneshot")]:
        expect(service.get(("Service", key)) == [value], "units", f"chataudit@.service: {key}= is "
               f"{service.get(('Service', key))}, not {value}")
    expect(service.get(("Unit", "OnFailure")) == ["chataudit-failure@%i.service"], "units", "OnFailure=")
    for key in ("DynamicUser", "NoNewPrivileges", "SystemCallFilter", "RestrictSUIDSGID", "PrivateDevices",
                "MemoryDenyWriteExecute", "LockPersonality", "ProtectSystem"):
        expect(("Service", key) not in service or (key == "ProtectSystem" and service[("Service", key)] != ["strict"]),
               "units", f"chataudit@.service sets {key}= (a setuid sendmail could not queue mail)")
    timer = unit_settings(os.path.join(units, "chataudit@.timer"))
    expect(timer.get(("Timer", "OnCalendar")) and timer.get(("Install", "WantedBy")) == ["timers.target"], "units",
           "chataudit@.timer: no OnCalendar= or not WantedBy=timers.target")
    failure = unit_settings(os.path.join(units, "chataudit-failure@.service"))
    expect(failure.get(("Service", "ExecStart")) == ["/usr/libexec/chataudit/mail-failure %i"], "units",
           "chataudit-failure@.service: ExecStart=")
    if not shutil.which("systemd-analyze"):
        print("units: systemd-analyze not found, the units are not verified")
        return
    # In a copy of the unpacked root, with an instance of each template, beside this machine's own
    # units (sysinit.target, ...) in the root's /usr/lib/systemd/system; verify resolves ExecStart=
    # in the root.
    verify_root = os.path.join(os.path.dirname(root), "verify-root")
    host_units = "/usr/lib/systemd/system"
    shutil.copytree(host_units, os.path.join(verify_root, host_units.strip("/")), symlinks=True)
    shutil.copytree(root, verify_root, symlinks=True, dirs_exist_ok=True)
    units = []
    for name in ("chataudit@.service", "chataudit@.timer", "chataudit-failure@.service"):
        instance = os.path.join(verify_root, unit_dir.strip("/"), name.replace("@.", "@example."))
        shutil.copy(os.path.join(verify_root, unit_dir.strip("/"), name), instance)
        units.append(instance)
    result = run(["systemd-analyze", "verify", f"--root={verify_root}", "--man=no"] + units)
    expect(result.returncode == 0 and result.stderr.strip() == "", "units",
           f"systemd-analyze verify: exit {result.returncode}\n{result.stdout}{result.stderr}")


def check_lintian(deb):
    result = run(["lintian", "--fail-on", "error", "--tag-display-limit", "0", deb])
    print(f"lintian {os.path.basename(deb)}: exit {result.returncode}")
    print(result.stdout + result.stderr, end="")
    errors = [line for line in result.stdout.splitlines() if line.startswith("E:")]
    expect(result.returncode == 0 and not errors, "lintian", "errors:\n" + "\n".join(errors or [result.stderr]))


def main():
    if len(sys.argv) != 6:
        sys.exit(__doc__.split("\n\n")[1])
    cpack, build_dir, source_dir, work_dir, unit_dir = sys.argv[1:]
    if not shutil.which("dpkg-deb"):
        print("skipped: dpkg-deb not found (the Debian package is checked on Debian only)")
        return 77
    if os.path.exists(work_dir):
        shutil.rmtree(work_dir)
    os.makedirs(work_dir)
    with open(os.path.join(source_dir, "tools/tools.toml"), "rb") as f:
        tools = [tool["name"] for tool in tomllib.load(f)["tool"]]
    deb = build_package(cpack, build_dir, work_dir)
    if deb:
        root = os.path.join(work_dir, "root")
        stub_dir = os.path.join(work_dir, "stub")
        os.makedirs(stub_dir)
        for name, text in (("sendmail", STUB_SENDMAIL), ("journalctl", STUB_JOURNALCTL)):
            with open(os.path.join(stub_dir, name), "w") as stub:
                stub.write(text)
            os.chmod(os.path.join(stub_dir, name), 0o755)
        check_control(deb, work_dir)
        check_contents(deb, source_dir, unit_dir, tools, root)
        check_maintainer_scripts(root, work_dir)
        check_tools(root, build_dir, source_dir, tools)
        check_run_job(root, source_dir, work_dir, stub_dir)
        check_failure_mail(root, work_dir, stub_dir)
        check_crontab(root, source_dir, work_dir, stub_dir)
        check_units(root, unit_dir)
        check_lintian(deb)
    for failure in failures:
        print(failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
