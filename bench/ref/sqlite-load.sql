-- bench/ref/sqlite-load.sql — how the sqlite3 CLI reference of bench/run builds the inventory.
--
-- bench/run cuts this file at its `-- table:`, `-- load:` and `-- index:` lines. For each of the
-- eight SPEC §3 tables it always runs the `-- table:` part (an empty table, as the engine creates
-- for a table the selected rules do not need); for a table the tool's rules need it first runs
--     .import --csv DIR/NAME.csv raw_NAME          (every column TEXT, named after the header row)
-- then the `-- load:` part (typed rows from raw_NAME), then DROP TABLE raw_NAME. The `-- index:`
-- part runs last, for every table.
--
-- The typed tables are the engine's (common/src/schema.cpp, common/src/inventory.cpp create_table):
-- every column TEXT except booleans and review_levels (INTEGER), values as SPEC §3 says a rule
-- sees them: an empty cell is NULL; a boolean is 1 for `true`, else 0 (empty → 0); an empty
-- status reads `active`, term `long`, scope `org`; review_levels an INTEGER; dates stay TEXT.
-- Only the canonical spellings bench/gen writes are handled (YYYY-MM-DD, true/false, English
-- enumeration words): the synonyms, other date spellings and header mapping the engine also
-- accepts are not, so this is a reference for generated inventories, not a second loader.
-- The engine trims every cell (ASCII white space, U+3000, U+00A0); the generator pads only
-- display names (a trailing U+3000), so only members.display_name is trimmed here.
--
-- Indexes (`-- index: engine`): the ones the engine's loader creates (common/src/inventory.cpp
-- load_inventory, as of commit 6f5d099) — the key of each keyed table, permissions(account_id),
-- permissions(person_id) — so that the policy's SQL runs against the same database shape; bench/run
-- adds the policy's view indexes after each view, as the engine does. `bench/run --sqlite-indexes
-- none` leaves all of them out (SQLite then builds automatic indexes for joins where it sees fit).
-- Pragmas (`-- pragma: engine`, only with `bench/run --sqlite-pragmas engine`): the engine's
-- connection settings (inventory.cpp load_inventory, as of commit dcda952: the TEMP tables stay in
-- SQLite's temporary file, behind a 128 MiB page cache instead of the default 2 MB); by default
-- the sqlite3 shell keeps its own.

-- table: orgs
CREATE TABLE orgs (org_id TEXT, name TEXT, parent_id TEXT, leader_id TEXT, level TEXT);
-- load: orgs
INSERT INTO orgs
SELECT NULLIF(org_id, ''), NULLIF(name, ''), NULLIF(parent_id, ''), NULLIF(leader_id, ''), NULLIF(level, '')
FROM raw_orgs;

-- table: depts
CREATE TABLE depts (dept_id TEXT, org_id TEXT, name TEXT, head_id TEXT, supervisor_id TEXT);
-- load: depts
INSERT INTO depts
SELECT NULLIF(dept_id, ''), NULLIF(org_id, ''), NULLIF(name, ''), NULLIF(head_id, ''), NULLIF(supervisor_id, '')
FROM raw_depts;

-- table: people
CREATE TABLE people (person_id TEXT, real_name TEXT, org_id TEXT, dept_id TEXT, status TEXT,
                     status_since TEXT, external INTEGER);
-- load: people
INSERT INTO people
SELECT NULLIF(person_id, ''), NULLIF(real_name, ''), NULLIF(org_id, ''), NULLIF(dept_id, ''),
       COALESCE(NULLIF(status, ''), 'active'), NULLIF(status_since, ''), external = 'true'
FROM raw_people;

-- table: accounts
CREATE TABLE accounts (account_id TEXT, name TEXT, kind TEXT, org_id TEXT, dept_id TEXT, created_on TEXT,
                       approved_by TEXT, approved_on TEXT, collective_decision INTEGER, recorded_on TEXT,
                       filed_on TEXT, owner_id TEXT, review_levels INTEGER, status TEXT, closed_on TEXT,
                       closure_filed_on TEXT, content_cleared_on TEXT);
-- load: accounts
INSERT INTO accounts
SELECT NULLIF(account_id, ''), NULLIF(name, ''), NULLIF(kind, ''), NULLIF(org_id, ''), NULLIF(dept_id, ''),
       NULLIF(created_on, ''), NULLIF(approved_by, ''), NULLIF(approved_on, ''), collective_decision = 'true',
       NULLIF(recorded_on, ''), NULLIF(filed_on, ''), NULLIF(owner_id, ''),
       CAST(NULLIF(review_levels, '') AS INTEGER), COALESCE(NULLIF(status, ''), 'active'),
       NULLIF(closed_on, ''), NULLIF(closure_filed_on, ''), NULLIF(content_cleared_on, '')
FROM raw_accounts;

-- table: groups
CREATE TABLE groups (group_id TEXT, name TEXT, scope TEXT, org_id TEXT, dept_id TEXT, term TEXT, created_on TEXT,
                     approved_by TEXT, approved_on TEXT, filed_on TEXT, work_ended_on TEXT, owner_id TEXT,
                     status TEXT, dissolved_on TEXT, closure_filed_on TEXT, content_cleared_on TEXT,
                     last_activity_on TEXT, allows_external INTEGER);
-- load: groups
INSERT INTO groups
SELECT NULLIF(group_id, ''), NULLIF(name, ''), COALESCE(NULLIF(scope, ''), 'org'), NULLIF(org_id, ''),
       NULLIF(dept_id, ''), COALESCE(NULLIF(term, ''), 'long'), NULLIF(created_on, ''), NULLIF(approved_by, ''),
       NULLIF(approved_on, ''), NULLIF(filed_on, ''), NULLIF(work_ended_on, ''), NULLIF(owner_id, ''),
       COALESCE(NULLIF(status, ''), 'active'), NULLIF(dissolved_on, ''), NULLIF(closure_filed_on, ''),
       NULLIF(content_cleared_on, ''), NULLIF(last_activity_on, ''), allows_external = 'true'
FROM raw_groups;

-- table: members
CREATE TABLE members (group_id TEXT, handle TEXT, person_id TEXT, display_name TEXT, role TEXT, joined_on TEXT,
                      left_on TEXT);
-- load: members
INSERT INTO members
SELECT NULLIF(group_id, ''), NULLIF(handle, ''), NULLIF(person_id, ''),
       NULLIF(trim(display_name, ' ' || char(9, 10, 11, 12, 13, 160, 12288)), ''),
       NULLIF(role, ''), NULLIF(joined_on, ''), NULLIF(left_on, '')
FROM raw_members;

-- table: permissions
CREATE TABLE permissions (account_id TEXT, person_id TEXT, role TEXT, granted_on TEXT, revoked_on TEXT);
-- load: permissions
INSERT INTO permissions
SELECT NULLIF(account_id, ''), NULLIF(person_id, ''), NULLIF(role, ''), NULLIF(granted_on, ''), NULLIF(revoked_on, '')
FROM raw_permissions;

-- table: successions
CREATE TABLE successions (kind TEXT, object_id TEXT, from_person_id TEXT, to_person_id TEXT, approved_by TEXT,
                          approved_on TEXT, effective_on TEXT);
-- load: successions
INSERT INTO successions
SELECT NULLIF(kind, ''), NULLIF(object_id, ''), NULLIF(from_person_id, ''), NULLIF(to_person_id, ''),
       NULLIF(approved_by, ''), NULLIF(approved_on, ''), NULLIF(effective_on, '')
FROM raw_successions;

-- index: engine
CREATE INDEX orgs_key ON orgs (org_id);
CREATE INDEX depts_key ON depts (dept_id);
CREATE INDEX people_key ON people (person_id);
CREATE INDEX accounts_key ON accounts (account_id);
CREATE INDEX groups_key ON groups (group_id);
CREATE INDEX permissions_account ON permissions (account_id);
CREATE INDEX permissions_person ON permissions (person_id);

-- pragma: engine
PRAGMA journal_mode = OFF;
PRAGMA synchronous = OFF;
PRAGMA temp.cache_size = -131072;
