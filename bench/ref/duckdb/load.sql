-- bench/ref/duckdb/load.sql — the inventory as the DuckDB reference of bench/run builds it.
--
-- bench/ref/duckdb.mjs cuts this file at its `-- table:` and `-- load:` lines. Every table is
-- created (`-- table:`); the tables the tool's rules need are then filled from their CSV file
-- (`-- load:`; @CSV@ is replaced by the file's path as a string literal). The same tables as
-- bench/ref/sqlite-load.sql and the engine: an empty cell is NULL (read_csv reads an empty field
-- as NULL; NULLIF also catches a quoted ""), booleans true for `true`, else false (empty → false),
-- empty status/term/scope → active/long/org, review_levels INTEGER, and only members.display_name
-- trimmed (the only padded column bench/gen writes). Dates are DATE here rather than TEXT: DuckDB's
-- date arithmetic then replaces SQLite's julianday()/date(); comparing DATEs orders them exactly as
-- comparing YYYY-MM-DD text does. No indexes: DuckDB joins by hashing.

-- table: orgs
CREATE TABLE orgs (org_id VARCHAR, name VARCHAR, parent_id VARCHAR, leader_id VARCHAR, level VARCHAR);
-- load: orgs
INSERT INTO orgs
SELECT NULLIF(org_id, ''), NULLIF(name, ''), NULLIF(parent_id, ''), NULLIF(leader_id, ''), NULLIF(level, '')
FROM read_csv(@CSV@, all_varchar = true, header = true, delim = ',', quote = '"', escape = '"');

-- table: depts
CREATE TABLE depts (dept_id VARCHAR, org_id VARCHAR, name VARCHAR, head_id VARCHAR, supervisor_id VARCHAR);
-- load: depts
INSERT INTO depts
SELECT NULLIF(dept_id, ''), NULLIF(org_id, ''), NULLIF(name, ''), NULLIF(head_id, ''), NULLIF(supervisor_id, '')
FROM read_csv(@CSV@, all_varchar = true, header = true, delim = ',', quote = '"', escape = '"');

-- table: people
CREATE TABLE people (person_id VARCHAR, real_name VARCHAR, org_id VARCHAR, dept_id VARCHAR, status VARCHAR,
                     status_since DATE, external BOOLEAN);
-- load: people
INSERT INTO people
SELECT NULLIF(person_id, ''), NULLIF(real_name, ''), NULLIF(org_id, ''), NULLIF(dept_id, ''),
       COALESCE(NULLIF(status, ''), 'active'), CAST(NULLIF(status_since, '') AS DATE),
       COALESCE(external = 'true', false)
FROM read_csv(@CSV@, all_varchar = true, header = true, delim = ',', quote = '"', escape = '"');

-- table: accounts
CREATE TABLE accounts (account_id VARCHAR, name VARCHAR, kind VARCHAR, org_id VARCHAR, dept_id VARCHAR,
                       created_on DATE, approved_by VARCHAR, approved_on DATE, collective_decision BOOLEAN,
                       recorded_on DATE, filed_on DATE, owner_id VARCHAR, review_levels INTEGER, status VARCHAR,
                       closed_on DATE, closure_filed_on DATE, content_cleared_on DATE);
-- load: accounts
INSERT INTO accounts
SELECT NULLIF(account_id, ''), NULLIF(name, ''), NULLIF(kind, ''), NULLIF(org_id, ''), NULLIF(dept_id, ''),
       CAST(NULLIF(created_on, '') AS DATE), NULLIF(approved_by, ''), CAST(NULLIF(approved_on, '') AS DATE),
       COALESCE(collective_decision = 'true', false), CAST(NULLIF(recorded_on, '') AS DATE),
       CAST(NULLIF(filed_on, '') AS DATE), NULLIF(owner_id, ''), CAST(NULLIF(review_levels, '') AS INTEGER),
       COALESCE(NULLIF(status, ''), 'active'), CAST(NULLIF(closed_on, '') AS DATE),
       CAST(NULLIF(closure_filed_on, '') AS DATE), CAST(NULLIF(content_cleared_on, '') AS DATE)
FROM read_csv(@CSV@, all_varchar = true, header = true, delim = ',', quote = '"', escape = '"');

-- table: groups
CREATE TABLE groups (group_id VARCHAR, name VARCHAR, scope VARCHAR, org_id VARCHAR, dept_id VARCHAR, term VARCHAR,
                     created_on DATE, approved_by VARCHAR, approved_on DATE, filed_on DATE, work_ended_on DATE,
                     owner_id VARCHAR, status VARCHAR, dissolved_on DATE, closure_filed_on DATE,
                     content_cleared_on DATE, last_activity_on DATE, allows_external BOOLEAN);
-- load: groups
INSERT INTO groups
SELECT NULLIF(group_id, ''), NULLIF(name, ''), COALESCE(NULLIF(scope, ''), 'org'), NULLIF(org_id, ''),
       NULLIF(dept_id, ''), COALESCE(NULLIF(term, ''), 'long'), CAST(NULLIF(created_on, '') AS DATE),
       NULLIF(approved_by, ''), CAST(NULLIF(approved_on, '') AS DATE), CAST(NULLIF(filed_on, '') AS DATE),
       CAST(NULLIF(work_ended_on, '') AS DATE), NULLIF(owner_id, ''), COALESCE(NULLIF(status, ''), 'active'),
       CAST(NULLIF(dissolved_on, '') AS DATE), CAST(NULLIF(closure_filed_on, '') AS DATE),
       CAST(NULLIF(content_cleared_on, '') AS DATE), CAST(NULLIF(last_activity_on, '') AS DATE),
       COALESCE(allows_external = 'true', false)
FROM read_csv(@CSV@, all_varchar = true, header = true, delim = ',', quote = '"', escape = '"');

-- table: members
CREATE TABLE members (group_id VARCHAR, handle VARCHAR, person_id VARCHAR, display_name VARCHAR, role VARCHAR,
                      joined_on DATE, left_on DATE);
-- load: members
INSERT INTO members
SELECT NULLIF(group_id, ''), NULLIF(handle, ''), NULLIF(person_id, ''),
       NULLIF(trim(display_name, ' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || chr(160) || chr(12288)), ''),
       NULLIF(role, ''), CAST(NULLIF(joined_on, '') AS DATE), CAST(NULLIF(left_on, '') AS DATE)
FROM read_csv(@CSV@, all_varchar = true, header = true, delim = ',', quote = '"', escape = '"');

-- table: permissions
CREATE TABLE permissions (account_id VARCHAR, person_id VARCHAR, role VARCHAR, granted_on DATE, revoked_on DATE);
-- load: permissions
INSERT INTO permissions
SELECT NULLIF(account_id, ''), NULLIF(person_id, ''), NULLIF(role, ''), CAST(NULLIF(granted_on, '') AS DATE),
       CAST(NULLIF(revoked_on, '') AS DATE)
FROM read_csv(@CSV@, all_varchar = true, header = true, delim = ',', quote = '"', escape = '"');

-- table: successions
CREATE TABLE successions (kind VARCHAR, object_id VARCHAR, from_person_id VARCHAR, to_person_id VARCHAR,
                          approved_by VARCHAR, approved_on DATE, effective_on DATE);
-- load: successions
INSERT INTO successions
SELECT NULLIF(kind, ''), NULLIF(object_id, ''), NULLIF(from_person_id, ''), NULLIF(to_person_id, ''),
       NULLIF(approved_by, ''), CAST(NULLIF(approved_on, '') AS DATE), CAST(NULLIF(effective_on, '') AS DATE)
FROM read_csv(@CSV@, all_varchar = true, header = true, delim = ',', quote = '"', escape = '"');
