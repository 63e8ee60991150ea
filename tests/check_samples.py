#!/usr/bin/env python3
"""Independent checker of samples/EXPECTED.md against the sample CSV files.

Recomputes every rule of the SPEC's rule catalog (SPEC §4 "Rule catalog", §3 "Dated facts,
precisely", the §3 inventory tables and values, §5 subject ids, regulation/ARTICLES.md) from
samples/jiusan/*.csv as of 2026-11-27, with the default parameters EXPECTED.md's header lists, and
compares the result with EXPECTED.md's tables:

- per tool section: the recomputed (rule, subject) set equals the **fires** rows exactly, `due_on`
  and `days_overdue` equal where the table lists them (and are listed where the rule reports them),
  and no **no** row is produced;
- the Totals table: findings per tool and severity, and the exit status (default --fail-on error);
- the `--person`, `--org` and `--group` sections: the exact findings under those filters;
- every catalog rule fires at least once, as the header claims;
- the row count of each table in "Inventory at a glance".
Not checked here: the "Who must act" section (responsible_id; tests/expected_findings.py checks it
against the tools), the "Demo filters" prose, and other parameters or as-of dates.

It is deliberately written from the specification text, not from the shipped policy's SQL
(policies/jiusan-2020.toml), and it runs no tool. Standard library only; the tools' names come from
tools/tools.toml (tests/tools_toml.py), and each needs its rules recomputed here.

usage: check_samples.py SOURCE_DIR [EXPECTED_MD [INVENTORY_DIR]]
       (defaults: SOURCE_DIR/samples/EXPECTED.md, SOURCE_DIR/samples/jiusan)
Exit status 0 when EXPECTED.md and the recomputation agree; 1 with every difference listed.
"""
import csv
import datetime as dt
import re
import sys
import unicodedata

from tools_toml import TOOLS

try:
    from zoneinfo import ZoneInfo
    TZ = ZoneInfo("Asia/Shanghai")
except Exception:  # no tzdata: Asia/Shanghai has been a fixed +08:00 since 1991
    TZ = dt.timezone(dt.timedelta(hours=8))

# --- parameters: the defaults EXPECTED.md's header and SPEC §4 list -----------------------------
AS_OF = dt.date(2026, 11, 27)
GRACE_DAYS = 7
FILING_DAYS = 30
HANDOVER_DAYS = 7
DUE_SOON_DAYS = 2
TEMPORARY_MAX_DAYS = 90
INACTIVE_DAYS = 180
MIN_REVIEW_LEVELS = 2
NAME_MARKERS = ["九三学社", "九三學社"]
REAL_NAME_MATCH = "contains"
EFFECTIVE = dt.date(2020, 11, 23)

# --- the rule catalog (SPEC §4): rule -> (tool, severity) ----------------------------------------
CATALOG = {}
for _tool, _rules in {
    "registry-check": [
        ("account-name-marker", "error"), ("account-approval-missing", "error"),
        ("account-approver-wrong", "error"), ("account-not-recorded", "error"),
        ("account-not-filed", "error"), ("account-no-owner", "error"),
        ("account-review-tiers", "warning"), ("group-approval-missing", "warning"),
        ("group-approver-wrong", "warning"), ("group-long-term-not-filed", "error"),
        ("group-no-owner", "error"), ("closure-not-filed", "error"),
        ("closure-content-not-cleared", "warning"), ("unknown-reference", "warning")],
    "stale-group-finder": [
        ("temporary-group-overdue", "error"), ("temporary-group-due-soon", "notice"),
        ("temporary-group-closed-late", "notice"), ("temporary-group-no-end-date", "warning"),
        ("long-term-group-inactive", "notice")],
    "membership-audit": [
        ("member-departed", "error"), ("member-out-of-scope", "warning"),
        ("member-external", "warning"), ("member-unidentified", "error"),
        ("member-name-mismatch", "warning"), ("member-shared-handle", "error"),
        ("group-owner-absent", "warning"), ("member-duplicate", "notice")],
    "handover-check": [
        ("publisher-not-handed-over", "error"), ("publisher-handed-over-late", "notice"),
        ("account-orphaned", "error"), ("account-owner-gone", "error"),
        ("group-owner-gone", "error"), ("successor-unapproved", "warning"),
        ("person-still-holds", "notice")],
}.items():
    for _rule, _severity in _rules:
        CATALOG[_rule] = (_tool, _severity)
# Which stale-group-finder rules report due_on / days_overdue (SPEC §4, stale-group-finder heading)
REPORTS_DUE_ON = {"temporary-group-overdue", "temporary-group-due-soon", "temporary-group-closed-late"}
REPORTS_DAYS_OVERDUE = {"temporary-group-overdue", "temporary-group-closed-late"}


PARAMS = {"grace_days": str(GRACE_DAYS), "filing_days": str(FILING_DAYS),
          "handover_days": str(HANDOVER_DAYS), "due_soon_days": str(DUE_SOON_DAYS),
          "temporary_max_days": str(TEMPORARY_MAX_DAYS), "inactive_days": str(INACTIVE_DAYS),
          "min_review_levels": str(MIN_REVIEW_LEVELS), "real_name_match": REAL_NAME_MATCH,
          "effective": EFFECTIVE.isoformat(), "name_markers": "/".join(NAME_MARKERS)}


def preamble(path):
    """EXPECTED.md's text before its first '## ' section (where the parameters are listed)."""
    with open(path, encoding="utf-8") as f:
        return f.read().split("\n## ", 1)[0]


class InputError(Exception):
    pass


# --- values (SPEC §3 "Values") -------------------------------------------------------------------
TRIM = " \t\r\n\f\v\u3000"  # EXPECTED.md reading 13: ASCII white space and U+3000 at both ends

DATE_RES = [
    re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"),
    re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})"),
    re.compile(r"(\d{4})\.(\d{1,2})\.(\d{1,2})"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日"),
]
TIME_RE = re.compile(r"[ T](\d{2}):(\d{2})(?::(\d{2}))?(Z|[+-]\d{2}:\d{2})?")


def parse_date(text, where):
    """A date, or a date-time taken as its date in the policy's time zone; None when empty."""
    if text == "":
        return None
    for date_re in DATE_RES:
        m = date_re.match(text)
        if not m:
            continue
        try:
            day = dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            raise InputError(f"{where}: invalid date {text!r}")
        rest = text[m.end():]
        if rest == "":
            return day
        t = TIME_RE.fullmatch(rest)
        if not t:
            break
        offset = t.group(4)
        if offset is None:  # "without an offset it is local time in the policy's time zone"
            return day
        moment = dt.datetime(day.year, day.month, day.day, int(t.group(1)), int(t.group(2)),
                             int(t.group(3) or 0))
        if offset == "Z":
            tz = dt.timezone.utc
        else:
            sign = 1 if offset[0] == "+" else -1
            tz = dt.timezone(sign * dt.timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])))
        return moment.replace(tzinfo=tz).astimezone(TZ).date()
    raise InputError(f"{where}: not a date {text!r}")


BOOLS = {"true": True, "false": False, "yes": True, "no": False, "y": True, "n": False,
         "1": True, "0": False, "是": True, "否": False, "": False}


def parse_bool(text, where):
    if text.lower() in BOOLS:
        return BOOLS[text.lower()]
    raise InputError(f"{where}: not a boolean {text!r}")


ENUMS = {  # SPEC §3: English words and Chinese synonyms; an empty status/term/scope has a default
    "status": {"": "active", "active": "active", "在职": "active", "transferred": "transferred",
               "调动": "transferred", "调离": "transferred", "departed": "departed",
               "离职": "departed", "dissolved": "dissolved", "已解散": "dissolved",
               "解散": "dissolved", "closed": "closed", "注销": "closed", "已注销": "closed"},
    "term": {"": "long", "long": "long", "长期": "long", "temporary": "temporary",
             "临时": "temporary", "臨時": "temporary"},
    "scope": {"": "org", "org": "org", "组织": "org", "dept": "dept", "部门": "dept",
              "task": "task", "专项": "task"},
    "role": {"": "", "owner": "owner", "群主": "owner", "admin": "admin", "管理员": "admin",
             "member": "member", "publisher": "publisher", "发布员": "publisher",
             "editor": "editor", "reviewer": "reviewer"},
    "kind": {"group": "group", "群": "group", "account": "account", "公众号": "account",
             "subscription": "subscription", "订阅号": "subscription", "service": "service",
             "服务号": "service", "app": "app", "应用": "app", "other": "other", "": ""},
}
BOOL_COLUMNS = {"external", "collective_decision", "allows_external"}


def load_table(directory, table):
    path = f"{directory}/{table}.csv"
    rows = []
    with open(path, encoding="utf-8-sig", newline="") as f:
        reader = csv.DictReader(f)
        for line_no, raw in enumerate(reader, start=2):
            row = {k.strip(TRIM): (v or "").strip(TRIM) for k, v in raw.items()}
            if not any(row.values()):
                continue  # an all-empty row is not a data row
            where = f"{path} row {line_no}"
            for col, value in list(row.items()):
                if col.endswith("_on") or col == "status_since":
                    row[col] = parse_date(value, f"{where} {col}")
                elif col == "review_levels":
                    if value and not value.isdigit():
                        raise InputError(f"{where} {col}: not an integer {value!r}")
                    row[col] = int(value) if value else None
                elif col in BOOL_COLUMNS:
                    row[col] = parse_bool(value, f"{where} {col}")
                elif col in ENUMS:
                    if value not in ENUMS[col]:
                        raise InputError(f"{where} {col}: unknown value {value!r}")
                    row[col] = ENUMS[col][value]
            rows.append(row)
    return rows


# --- the inventory as of AS_OF (SPEC §3 "Dated facts, precisely") --------------------------------
class Inventory:
    def __init__(self, directory):
        t = {name: load_table(directory, name) for name in
             ["orgs", "depts", "people", "accounts", "groups", "members", "permissions",
              "successions"]}
        self.orgs = {r["org_id"]: r for r in t["orgs"]}
        self.depts = {r["dept_id"]: r for r in t["depts"]}
        self.people = {r["person_id"]: r for r in t["people"]}
        self.accounts = {r["account_id"]: r for r in t["accounts"]}
        self.groups = {r["group_id"]: r for r in t["groups"]}
        self.members = t["members"]
        self.permissions = t["permissions"]
        self.successions = t["successions"]
        self.tables = t

    # "an empty start date means before any as-of date"; a later one has not happened yet
    @staticmethod
    def started(day):
        return day is None or day <= AS_OF

    # "an empty end date means not ended — unless the row's status says it ended, and then it
    # ended before any as-of date. An end date on or before as-of ends it whatever status says;
    # one after it means the object is still serving."
    @staticmethod
    def ended(end_day, status_says_ended):
        if end_day is None:
            return status_says_ended
        return end_day <= AS_OF

    def account_exists(self, a):
        return self.started(a["created_on"])

    def account_serving(self, a):
        return self.account_exists(a) and not self.ended(a["closed_on"], a["status"] == "closed")

    def account_closed(self, a):
        return self.account_exists(a) and self.ended(a["closed_on"], a["status"] == "closed")

    def group_exists(self, g):
        return self.started(g["created_on"])

    def group_serving(self, g):
        return self.group_exists(g) and not self.ended(g["dissolved_on"], g["status"] == "dissolved")

    def group_dissolved(self, g):
        return self.group_exists(g) and self.ended(g["dissolved_on"], g["status"] == "dissolved")

    def person_status(self, pid):
        """Status as of AS_OF: 'departed'/'transferred' when status says so and status_since is
        empty or on/before as-of; otherwise 'active' (serving). None: names no person."""
        p = self.people.get(pid)
        if p is None:
            return None
        if p["status"] in ("departed", "transferred") and self.started(p["status_since"]):
            return p["status"]
        return "active"

    def serving(self, pid):
        return self.person_status(pid) == "active"  # an unknown person holds no serving role

    def gone(self, pid):
        """SPEC: status transferred or departed with status_since (empty: long ago) more than
        handover_days before the as-of date."""
        if self.person_status(pid) not in ("departed", "transferred"):
            return False
        since = self.people[pid]["status_since"]
        return since is None or (AS_OF - since).days > HANDOVER_DAYS

    @staticmethod
    def approved(row):
        """SPEC: an approval counts only when approved_on is empty or on/before as-of."""
        return bool(row["approved_by"]) and Inventory.started(row["approved_on"])

    @staticmethod
    def happened(day):
        """recorded_on, filed_on, closure_filed_on, content_cleared_on, last_activity_on dated
        after as-of have not happened yet."""
        return day is not None and day <= AS_OF

    @staticmethod
    def clock(row):
        """Filing clock: max(created_on, effective); an empty created_on starts it at effective."""
        return max(row["created_on"] or EFFECTIVE, EFFECTIVE)

    def subtree(self, org_id):
        found, todo = set(), [org_id]
        while todo:
            o = todo.pop()
            if o in found:
                continue
            found.add(o)
            todo.extend(c for c, r in self.orgs.items() if r["parent_id"] == o)
        return found

    def ancestors(self, org_id):
        chain = []
        while org_id and org_id not in chain:
            chain.append(org_id)
            org_id = self.orgs.get(org_id, {}).get("parent_id", "")
        return chain

    def current_memberships(self):
        """'current': joined on or before as-of, not left as of it, in a serving group."""
        return [m for m in self.members
                if self.started(m["joined_on"]) and not self.ended(m["left_on"], False)
                and self.group_serving(self.groups[m["group_id"]])]


def membership_subject(m):
    return f"{m['group_id']}/{m['handle']}" if m["handle"] else f"{m['group_id']}/#{m['person_id']}"


class Finding:
    def __init__(self, rule, subject, org=None, persons=(), groups=(), due_on=None, days_overdue=None):
        self.rule, self.subject = rule, subject
        self.tool, self.severity = CATALOG[rule]
        self.org, self.persons, self.groups = org, set(p for p in persons if p), set(groups)
        self.due_on, self.days_overdue = due_on, days_overdue


# --- the rules -----------------------------------------------------------------------------------
def registry_check(inv):
    out = []
    for aid, a in inv.accounts.items():
        if not inv.account_serving(a):  # "active account" = serving as of as-of (SPEC §4)
            continue

        def f(rule):
            out.append(Finding(rule, aid, org=a["org_id"], persons=[a["owner_id"]]))

        if not any(marker in a["name"] for marker in NAME_MARKERS):
            f("account-name-marker")
        valid_approval = inv.approved(a)
        if not valid_approval and not a["collective_decision"]:
            f("account-approval-missing")
        if valid_approval and not a["collective_decision"]:
            if a["dept_id"]:
                dept = inv.depts.get(a["dept_id"])
                required = dept["supervisor_id"] if dept else ""
            else:
                required = inv.orgs.get(a["org_id"], {}).get("leader_id", "")
            # "where the required approver is not recorded, no finding"
            if required and a["approved_by"] != required:
                f("account-approver-wrong")
        due_passed = (inv.clock(a) + dt.timedelta(days=FILING_DAYS)) < AS_OF
        if due_passed and not inv.happened(a["recorded_on"]):
            f("account-not-recorded")
        if due_passed and not inv.happened(a["filed_on"]) \
                and inv.orgs.get(a["org_id"], {}).get("parent_id"):
            f("account-not-filed")
        if not a["owner_id"]:
            f("account-no-owner")
        if a["review_levels"] is None or a["review_levels"] < MIN_REVIEW_LEVELS:
            f("account-review-tiers")

    for gid, g in inv.groups.items():
        if not inv.group_serving(g):
            continue

        def f(rule):
            out.append(Finding(rule, gid, org=g["org_id"], persons=[g["owner_id"]], groups=[gid]))

        if not inv.approved(g):
            f("group-approval-missing")
        else:
            if g["scope"] == "org":
                # "本级组织领导": the org's leader_id or the supervisor_id of any of its depts
                allowed = {inv.orgs.get(g["org_id"], {}).get("leader_id", "")}
                allowed |= {d["supervisor_id"] for d in inv.depts.values() if d["org_id"] == g["org_id"]}
                allowed.discard("")
            else:
                dept = inv.depts.get(g["dept_id"])
                allowed = {dept["head_id"]} - {""} if dept else set()
            if allowed and g["approved_by"] not in allowed:
                f("group-approver-wrong")
        if g["term"] == "long" and not inv.happened(g["filed_on"]) \
                and inv.clock(g) + dt.timedelta(days=FILING_DAYS) < AS_OF:
            f("group-long-term-not-filed")  # the top organization is not exempt for groups
        if not g["owner_id"]:
            f("group-no-owner")

    # closures: closed account or dissolved group that had been filed, closed > filing_days ago
    closed = [(aid, a, a["closed_on"], inv.happened(a["filed_on"]) or inv.happened(a["recorded_on"]))
              for aid, a in inv.accounts.items() if inv.account_closed(a)]
    closed += [(gid, g, g["dissolved_on"], inv.happened(g["filed_on"]))
               for gid, g in inv.groups.items() if inv.group_dissolved(g)]
    for oid, o, end, was_filed in closed:
        # A closure without a date "ended before any as-of date", so it counts as long ago here.
        # The sample's only dateless closure (G014) was never filed (EXPECTED.md reading 9).
        if not was_filed or (end is not None and (AS_OF - end).days <= FILING_DAYS):
            continue
        kw = dict(org=o["org_id"], persons=[o["owner_id"]],
                  groups=[oid] if oid in inv.groups else [])
        if not inv.happened(o["closure_filed_on"]):
            out.append(Finding("closure-not-filed", oid, **kw))
        if not inv.happened(o["content_cleared_on"]):
            out.append(Finding("closure-content-not-cleared", oid, **kw))

    # unknown-reference: in orgs, depts, people, accounts and groups only. Every row is judged;
    # the sample puts no unknown reference on a closed or future row (EXPECTED.md reading 11).
    references = {  # table -> (key column, {column: referenced table})
        "orgs": ("org_id", {"parent_id": "orgs", "leader_id": "people"}),
        "depts": ("dept_id", {"org_id": "orgs", "head_id": "people", "supervisor_id": "people"}),
        "people": ("person_id", {"org_id": "orgs", "dept_id": "depts"}),
        "accounts": ("account_id", {"org_id": "orgs", "dept_id": "depts", "approved_by": "people",
                                    "owner_id": "people"}),
        "groups": ("group_id", {"org_id": "orgs", "dept_id": "depts", "approved_by": "people",
                                "owner_id": "people"}),
    }
    known = {"orgs": inv.orgs, "depts": inv.depts, "people": inv.people}
    for table, (key, columns) in references.items():
        for row in inv.tables[table]:
            for col, target in columns.items():
                if row.get(col) and row[col] not in known[target]:
                    # --org: the holding row's org (for an orgs row, the org itself)
                    out.append(Finding("unknown-reference", f"{row[key]}#{col}", org=row["org_id"],
                                       groups=[row[key]] if table == "groups" else []))
    return out


def stale_group_finder(inv):
    out = []
    for gid, g in inv.groups.items():
        if not inv.group_exists(g):
            continue

        def f(rule, **kw):
            out.append(Finding(rule, gid, org=g["org_id"], persons=[g["owner_id"]], groups=[gid], **kw))

        serving = inv.group_serving(g)
        if g["term"] == "temporary":
            ended = g["work_ended_on"]
            due = ended + dt.timedelta(days=GRACE_DAYS) if ended else None
            if serving and due is not None:
                if AS_OF > due:  # overdue: as-of after due_on
                    f("temporary-group-overdue", due_on=due, days_overdue=(AS_OF - due).days)
                # "due within due_soon_days, not yet overdue": due today up to due_soon_days ahead
                # (EXPECTED.md reading 7)
                elif 0 <= (due - AS_OF).days <= DUE_SOON_DAYS:
                    f("temporary-group-due-soon", due_on=due)
            if inv.group_dissolved(g) and due is not None and g["dissolved_on"] is not None \
                    and g["dissolved_on"] > due:  # no dissolved_on: no day to compare (SPEC §4)
                f("temporary-group-closed-late", due_on=due, days_overdue=(g["dissolved_on"] - due).days)
            # created_on empty would be "before any as-of date", i.e. older than any limit
            if serving and ended is None and (
                    g["created_on"] is None or (AS_OF - g["created_on"]).days > TEMPORARY_MAX_DAYS):
                f("temporary-group-no-end-date")
        elif serving:
            last = g["last_activity_on"]
            if inv.happened(last) and (AS_OF - last).days > INACTIVE_DAYS:
                f("long-term-group-inactive")
    return out


def normalized_name(text):
    text = unicodedata.normalize("NFKC", text)
    return "".join(ch for ch in text if not ch.isspace())


def name_mismatch(display, real):
    display, real = normalized_name(display), normalized_name(real)
    if not display or not real or REAL_NAME_MATCH == "off":
        return False
    return real not in display if REAL_NAME_MATCH == "contains" else display != real


def membership_audit(inv, problems):
    out = []
    current = inv.current_memberships()

    def f(rule, m):
        g = inv.groups[m["group_id"]]
        out.append(Finding(rule, membership_subject(m), org=g["org_id"], persons=[m["person_id"]],
                           groups=[m["group_id"]]))

    for m in current:
        g, pid = inv.groups[m["group_id"]], m["person_id"]
        p = inv.people.get(pid)
        if p is None:
            f("member-unidentified", m)  # no person_id, or one that names no person
            continue
        status = inv.person_status(pid)
        if status == "departed" and inv.gone(pid):
            f("member-departed", m)
        if p["external"] and not g["allows_external"]:
            f("member-external", m)
        # member-out-of-scope: "neither departed (as of as-of) nor external". "A transferred person
        # is reported only once more than handover_days have passed since status_since": that
        # sentence is about the person's status, so it also holds back P014, whose transfer is
        # dated after as-of (EXPECTED.md reading 3); an empty status_since is past the window.
        if status != "departed" and not p["external"]:
            since = p["status_since"]
            if p["status"] == "transferred" and not (
                    since is None or (AS_OF - since).days > HANDOVER_DAYS):
                pass
            elif g["scope"] == "dept" and p["dept_id"] and p["dept_id"] != g["dept_id"]:
                f("member-out-of-scope", m)
            elif g["scope"] == "org" and p["org_id"] and p["org_id"] not in inv.subtree(g["org_id"]):
                f("member-out-of-scope", m)

    # member-name-mismatch: the catalog row does not say "current"; compute it over current
    # memberships and over every row, and insist both agree (EXPECTED.md reading 6).
    def mismatches(rows):
        return {membership_subject(m) for m in rows if m["person_id"] in inv.people
                and name_mismatch(m["display_name"], inv.people[m["person_id"]]["real_name"])}
    on_current, on_all = mismatches(current), mismatches(inv.members)
    if on_current != on_all:
        problems.append("member-name-mismatch: current-only and all-rows readings differ on "
                        f"{sorted(on_all ^ on_current)} (EXPECTED.md reading 6 says they agree)")
    for m in current:
        if membership_subject(m) in on_current:
            f("member-name-mismatch", m)

    handles = {}
    for m in current:
        if m["handle"] and m["person_id"]:
            handles.setdefault(m["handle"], []).append(m)
    for handle, rows in handles.items():
        if len({m["person_id"] for m in rows}) >= 2:
            orgs = [inv.groups[m["group_id"]]["org_id"] for m in rows]
            # SPEC §4 edge cases: the deepest org whose subtree holds all its groups
            common = [o for o in inv.ancestors(orgs[0]) if all(o in inv.ancestors(x) for x in orgs)]
            out.append(Finding("member-shared-handle", handle, org=common[0] if common else None,
                               persons=[m["person_id"] for m in rows],
                               groups=[m["group_id"] for m in rows]))

    for gid, g in inv.groups.items():
        if inv.group_serving(g) and g["owner_id"] and not any(
                m["group_id"] == gid and m["person_id"] == g["owner_id"] for m in current):
            out.append(Finding("group-owner-absent", gid, org=g["org_id"], persons=[g["owner_id"]],
                               groups=[gid]))

    by_group_person = {}
    for m in current:
        if m["person_id"]:
            by_group_person.setdefault((m["group_id"], m["person_id"]), []).append(m)
    for rows in by_group_person.values():
        rows.sort(key=lambda m: (m["joined_on"] or dt.date.min, m["handle"]))
        for m in rows[1:]:
            f("member-duplicate", m)
    return out


def handover_check(inv, person=None):
    out = []
    for perm in inv.permissions:
        a = inv.accounts[perm["account_id"]]
        pid = perm["person_id"]
        subject = f"{perm['account_id']}/{pid}/{perm['role']}"
        kw = dict(org=a["org_id"], persons=[pid])
        held = inv.started(perm["granted_on"]) and not inv.ended(perm["revoked_on"], False)
        if held and inv.account_serving(a) and inv.gone(pid):
            out.append(Finding("publisher-not-handed-over", subject, **kw))
        # revoked more than handover_days after the holder's status_since (the holder transferred
        # or departed as of as-of); an empty status_since never makes a revocation late
        revoked = perm["revoked_on"]
        if inv.happened(revoked) and inv.person_status(pid) in ("departed", "transferred"):
            since = inv.people[pid]["status_since"]
            if since is not None and (revoked - since).days > HANDOVER_DAYS:
                out.append(Finding("publisher-handed-over-late", subject, **kw))

    for aid, a in inv.accounts.items():
        if not inv.account_serving(a):
            continue
        admins = [p for p in inv.permissions if p["account_id"] == aid and p["role"] == "admin"
                  and inv.started(p["granted_on"]) and not inv.ended(p["revoked_on"], False)]
        # "serving, not-gone": serving (active as of as-of) implies not gone; the sample has no
        # admin inside the handover window, where the two words would differ (EXPECTED.md reading 5)
        if not any(inv.serving(p["person_id"]) for p in admins):
            out.append(Finding("account-orphaned", aid, org=a["org_id"]))  # names no person
        if a["owner_id"] and inv.gone(a["owner_id"]):
            out.append(Finding("account-owner-gone", aid, org=a["org_id"], persons=[a["owner_id"]]))
    for gid, g in inv.groups.items():
        if inv.group_serving(g) and g["owner_id"] and inv.gone(g["owner_id"]):
            out.append(Finding("group-owner-gone", gid, org=g["org_id"], persons=[g["owner_id"]],
                               groups=[gid]))

    for s in inv.successions:
        if not inv.started(s["effective_on"]):
            continue  # only successions effective on or before as-of
        obj = inv.groups[s["object_id"]] if s["kind"] == "group" else inv.accounts[s["object_id"]]
        org_level = obj["scope"] == "org" if s["kind"] == "group" else not obj["dept_id"]
        leader = inv.orgs.get(obj["org_id"], {}).get("leader_id", "")
        if org_level:
            required = leader
        else:
            dept = inv.depts.get(obj["dept_id"])
            required = (dept["supervisor_id"] if dept else "") or leader
        # With no supervising leader known at all, any approver is "someone other than" it: the
        # sample never reaches that case.
        if not inv.approved(s) or s["approved_by"] != required:
            out.append(Finding("successor-unapproved", f"{s['kind']}/{s['object_id']}/{s['to_person_id']}",
                               org=obj["org_id"], persons=[s["from_person_id"], s["to_person_id"]],
                               groups=[s["object_id"]] if s["kind"] == "group" else []))

    if person is None:
        return out
    # --person: the other rules keep only findings naming that person; person-still-holds lists
    # every permission still held, account or group owned and current membership of the person.
    out = [f for f in out if person in f.persons]
    for perm in inv.permissions:
        if perm["person_id"] == person and inv.started(perm["granted_on"]) \
                and not inv.ended(perm["revoked_on"], False):
            out.append(Finding("person-still-holds", f"{perm['account_id']}/{person}/{perm['role']}",
                               org=inv.accounts[perm["account_id"]]["org_id"], persons=[person]))
    for aid, a in inv.accounts.items():
        if a["owner_id"] == person and inv.account_serving(a):
            out.append(Finding("person-still-holds", aid, org=a["org_id"], persons=[person]))
    for gid, g in inv.groups.items():
        if g["owner_id"] == person and inv.group_serving(g):
            out.append(Finding("person-still-holds", gid, org=g["org_id"], persons=[person], groups=[gid]))
    for m in inv.current_memberships():
        if m["person_id"] == person:
            out.append(Finding("person-still-holds", membership_subject(m),
                               org=inv.groups[m["group_id"]]["org_id"], persons=[person],
                               groups=[m["group_id"]]))
    return out


# --- EXPECTED.md ---------------------------------------------------------------------------------
def cells(line):
    return [c.strip().replace("**", "").strip("`").strip() for c in line.strip().strip("|").split("|")]


def expected_sections(text):
    """{section title: (intro text, [row dicts keyed by the table's header])} for '## ' sections."""
    sections, title = {}, None
    for line in text.splitlines():
        if line.startswith("## "):
            title = line[3:].strip()
            sections[title] = {"intro": [], "header": None, "rows": []}
        elif title is None:
            continue
        elif line.startswith("|"):
            sec = sections[title]
            if re.fullmatch(r"\|[-:| ]+\|", line.strip()):
                continue
            if sec["header"] is None:
                sec["header"] = cells(line)
            else:
                sec["rows"].append(dict(zip(sec["header"], cells(line))))
        else:
            sections[title]["intro"].append(line)
    return sections


def fmt(value):
    return "" if value is None else str(value)


def main():
    source = sys.argv[1] if len(sys.argv) > 1 else "."
    expected_path = sys.argv[2] if len(sys.argv) > 2 else f"{source}/samples/EXPECTED.md"
    inventory_dir = sys.argv[3] if len(sys.argv) > 3 else f"{source}/samples/jiusan"
    with open(expected_path, encoding="utf-8") as f:
        sections = expected_sections(f.read())
    try:
        inv = Inventory(inventory_dir)
    except InputError as e:
        print(f"check_samples: {e}")
        return 1
    problems = []
    # the parameters EXPECTED.md's header names must be the ones this checker uses
    header = preamble(expected_path)
    listed = {}
    for name, value in re.findall(r"`([a-z_]+)` ([^\s,()]+)[,)]", header):
        listed.setdefault(name, value)  # the parameter list comes first; later mentions explain
    for name, mine in PARAMS.items():
        if listed.get(name) != mine:
            problems.append(f"EXPECTED.md header: {name} {listed.get(name, '(not listed)')}, "
                            f"the checker uses {mine}")
    if f"as of {AS_OF.isoformat()}" not in header:
        problems.append(f"EXPECTED.md header: not 'as of {AS_OF.isoformat()}', the checker's date")
    computed = {"registry-check": registry_check(inv), "stale-group-finder": stale_group_finder(inv),
                "membership-audit": membership_audit(inv, problems),
                "handover-check": handover_check(inv)}
    counts = {"rules": set(), "fires": 0, "no": 0, "filtered": 0, "filter_rows": 0}

    def compare(label, expected_keys, got_keys):
        for rule, subject in sorted(expected_keys - got_keys):
            problems.append(f"{label}: {rule} {subject}: EXPECTED.md lists it, recomputed: no finding")
        for rule, subject in sorted(got_keys - expected_keys):
            problems.append(f"{label}: {rule} {subject}: recomputed a finding, EXPECTED.md does not list it")

    # per tool: fires rows are the complete list, no rows must not be produced
    person_rows = []
    for tool in TOOLS:
        if tool not in sections:
            problems.append(f"EXPECTED.md has no '## {tool}' section")
            continue
        if tool not in computed:
            problems.append(f"{tool}: the checker recomputes none of its rules (add them to CATALOG and main())")
            continue
        got = {(f.rule, f.subject): f for f in computed[tool]}
        fires = {}
        for row in sections[tool]["rows"]:
            rule, expect, subject = row.get("rule"), row.get("expect"), row.get("subject")
            if CATALOG.get(rule, (None,))[0] != tool:
                problems.append(f"{tool}: row names {rule!r}, not a {tool} rule of the catalog")
                continue
            if rule == "person-still-holds":
                person_rows.append(row)  # only with --person: checked with that section below
                continue
            counts["rules"].add(rule)
            if expect == "fires":
                counts["fires"] += 1
                if (rule, subject) in fires:
                    problems.append(f"{tool}: {rule} {subject} listed twice as fires")
                fires[(rule, subject)] = row
            elif expect == "no":
                counts["no"] += 1
                if (rule, subject) in got:
                    problems.append(f"{tool}: {rule} {subject}: a 'no' row, but recomputed as a finding")
            else:
                problems.append(f"{tool}: {rule} {subject}: expect is {expect!r}, not fires/no")
        compare(tool, set(fires), set(got))
        for key, row in fires.items():
            if key not in got:
                continue
            finding = got[key]
            for column, reported, value in (
                    ("due_on", key[0] in REPORTS_DUE_ON, finding.due_on),
                    ("days_overdue", key[0] in REPORTS_DAYS_OVERDUE, finding.days_overdue)):
                listed = row.get(column, "")
                if not reported:
                    if listed:
                        problems.append(f"{tool}: {key[0]} {key[1]}: {column} {listed} listed, "
                                        f"but the rule reports no {column}")
                    continue
                if column not in row:
                    continue  # this table has no such column (not a stale-group-finder table)
                if listed != fmt(value):
                    problems.append(f"{tool}: {key[0]} {key[1]}: {column} expected {listed or '(empty)'}, "
                                    f"recomputed {fmt(value) or '(empty)'}")

    # every catalog rule fires at least once (EXPECTED.md header)
    all_rules = {f.rule for fs in computed.values() for f in fs}
    person_section = next((t for t in sections if re.fullmatch(r"handover-check --person \S+", t)), None)
    person = person_section.split()[-1] if person_section else None
    person_findings = handover_check(inv, person) if person else []
    all_rules |= {f.rule for f in person_findings}
    for rule in CATALOG:
        if rule not in all_rules:
            problems.append(f"{rule}: never fires on the sample (the header says all {len(CATALOG)} do)")

    # the --person section (and the person-still-holds rows of the handover-check section)
    if person:
        counts["filtered"] += 1
        got = {(f.rule, f.subject) for f in person_findings}
        want = {(r["rule"], r["subject"]) for r in sections[person_section]["rows"]}
        counts["filter_rows"] += len(want)
        compare(f"handover-check --person {person}", want, got)
        holds_got = {s for r, s in got if r == "person-still-holds"}
        for row in person_rows:
            counts["rules"].add("person-still-holds")
            counts["fires" if row["expect"] == "fires" else "no"] += 1
            if row["expect"] == "fires" and row["subject"] not in holds_got:
                problems.append(f"handover-check: person-still-holds {row['subject']}: EXPECTED.md "
                                f"lists it, recomputed under --person {person}: no finding")
            if row["expect"] == "no" and row["subject"] in holds_got:
                problems.append(f"handover-check: person-still-holds {row['subject']}: a 'no' row, "
                                f"but recomputed under --person {person}")
        listed = {r["subject"] for r in person_rows if r["expect"] == "fires"}
        for subject in sorted(holds_got - listed):
            problems.append(f"handover-check: person-still-holds {subject}: recomputed under --person "
                            f"{person}, not listed as fires")

    # the --org section: a finding belongs to the org of its subject (SPEC §4 edge cases)
    for title in sections:
        m = re.fullmatch(r"--org (\S+)", title)
        if not m:
            continue
        counts["filtered"] += 1
        org = m.group(1)
        keep = inv.subtree(org)
        got = {(f.tool, f.rule, f.subject) for fs in computed.values() for f in fs if f.org in keep}
        want = {(r["tool"], r["rule"], r["subject"]) for r in sections[title]["rows"]}
        counts["filter_rows"] += len(want)
        for t, r, s in sorted(want - got):
            problems.append(f"--org {org}: {t} {r} {s}: EXPECTED.md lists it, recomputed: not kept")
        for t, r, s in sorted(got - want):
            problems.append(f"--org {org}: {t} {r} {s}: recomputed and kept, EXPECTED.md does not list it")
        intro = " ".join(sections[title]["intro"])
        n = re.search(r"(\d+) findings \(([^)]*)\)", intro)
        if n:
            if int(n.group(1)) != len(got):
                problems.append(f"--org {org}: text says {n.group(1)} findings, recomputed {len(got)}")
            for tool, count in re.findall(r"([a-z-]+) (\d+)", n.group(2)):
                mine = sum(1 for t, _, _ in got if t == tool)
                if int(count) != mine:
                    problems.append(f"--org {org}: text says {tool} {count}, recomputed {mine}")

    # the --group section: every finding of membership-audit and stale-group-finder about the group
    for title in sections:
        m = re.fullmatch(r"--group (\S+)", title)
        if not m:
            continue
        counts["filtered"] += 1
        group = m.group(1)
        got = {(f.tool, f.rule, f.subject) for tool in ("membership-audit", "stale-group-finder")
               for f in computed[tool] if group in f.groups}
        want = {(r["tool"], r["rule"], r["subject"]) for r in sections[title]["rows"]}
        counts["filter_rows"] += len(want)
        for t, r, s in sorted(want - got):
            problems.append(f"--group {group}: {t} {r} {s}: EXPECTED.md lists it, recomputed: not kept")
        for t, r, s in sorted(got - want):
            problems.append(f"--group {group}: {t} {r} {s}: recomputed and kept, EXPECTED.md does not list it")

    # Totals: findings per severity and the exit status under the default --fail-on error
    runs = dict(computed)
    if person:
        runs[f"handover-check --person {person}"] = person_findings
    if not sections.get("Totals", {"rows": []})["rows"]:
        problems.append("EXPECTED.md has no '## Totals' table")
    for row in sections.get("Totals", {"rows": []})["rows"]:
        tool = row["tool"]
        if tool not in runs:
            problems.append(f"Totals: no recomputation for {tool!r}")
            continue
        fs = runs[tool]
        mine = {"findings": len(fs), "exit status": 1 if any(f.severity == "error" for f in fs) else 0}
        for severity in ("error", "warning", "notice"):
            mine[severity] = sum(1 for f in fs if f.severity == severity)
        for column, value in mine.items():
            if row.get(column) != str(value):
                problems.append(f"Totals: {tool} {column}: expected {row.get(column)}, recomputed {value}")

    # Inventory at a glance: the row count of each table
    for row in sections.get("Inventory at a glance", {"rows": []})["rows"]:
        table = row.get("table")
        if table not in inv.tables:
            problems.append(f"Inventory at a glance: unknown table {table!r}")
        elif row.get("rows") != str(len(inv.tables[table])):
            problems.append(f"Inventory at a glance: {table} rows expected {row.get('rows')}, "
                            f"read {len(inv.tables[table])}")

    for p in problems:
        print(p)
    checked = (f"{len(counts['rules'])} rules, {counts['fires']} fires rows, {counts['no']} no rows, "
               f"{counts['filtered']} filter sections with {counts['filter_rows']} rows, Totals, table sizes")
    if problems:
        print(f"check_samples: {len(problems)} difference(s) between {expected_path} and the "
              f"recomputation from {inventory_dir} ({checked})")
        return 1
    print(f"check_samples: {expected_path} agrees with the recomputation ({checked})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
