-- bench/ref/duckdb/membership-audit.sql — the policy's membership-audit rules (policies/jiusan-2020.toml),
-- translated by hand into DuckDB's dialect for the DuckDB reference of bench/run (bench/ref/duckdb.mjs).
--
-- Each `-- view: NAME` section is one of the policy's [[view]]s the rules read (materialized as a
-- TEMP TABLE, in policy order), each `-- rule: ID` section one [[rule]]'s SELECT; `-- macro: NAME`
-- sections (run first, as they are) define helpers. The logic and the result columns are the
-- policy's; only the dialect differs:
--   julianday(a) - julianday(b)      →  a - b            (dates are DATE: the difference is whole days)
--   date(julianday(d) + n)           →  d + n            (DATE + INTEGER is a DATE)
--   0/1 integers, `a AND b` as 0/1   →  BOOLEAN          (booleans are BOOLEAN columns)
--   COALESCE(date, '—')              →  COALESCE(CAST(date AS VARCHAR), '—')
--   CROSS JOIN … ON (join-order hint) →  JOIN … ON  (DuckDB's optimizer orders joins itself)
--   group_concat(x, ', ') over an ordered subquery  →  string_agg(x, ', ' ORDER BY x)
--   ORDER BY in a window             →  … NULLS FIRST   (SQLite sorts NULL first, DuckDB last)
--   remove_white_space(nfkc(x))      →  fold(x), the macro below: regexp_replace(nfc_normalize(
--                                       translate(x, U+FF01…U+FF5E, '!'…'~')), '[\t-\r\x{85}\p{Z}]', '', 'g')
-- The last one is not NFKC in general: it folds full-width ASCII (U+FF01–U+FF5E) to ASCII, composes
-- (NFC), and removes every White_Space character the engine removes (Zs, Zl, Zp, U+0009–U+000D,
-- U+0085; U+3000 and U+00A0 are Zs). NFKC does exactly that to the names bench/gen writes (CJK
-- ideographs, ASCII, full-width digits and parentheses, U+3000, ASCII spaces); other compatibility
-- characters (half-width katakana, ligatures, circled digits …) would need real NFKC.
-- Parameters are :name as in the policy; bench/ref/duckdb.mjs replaces them by typed literals.

-- macro: fold
-- remove_white_space(nfkc(x)) for the names bench/gen writes (see the header).
-- translate() with 94 pairs costs microseconds per string in DuckDB, so it runs only on the names
-- that hold a full-width character (the same result: without one, translate() changes nothing).
CREATE TEMP MACRO fold(x) AS
  regexp_replace(nfc_normalize(
      CASE WHEN regexp_matches(x, '[\x{FF01}-\x{FF5E}]')
           THEN translate(x, '！＂＃＄％＆＇（）＊＋，－．／０１２３４５６７８９：；＜＝＞？＠ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ［＼］＾＿｀ａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ｛｜｝～',
                             '!"#$%&''()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\]^_`abcdefghijklmnopqrstuvwxyz{|}~')
           ELSE x END),
    '[\t-\r\x{85}\p{Z}]', '', 'g')

-- view: person_state  [policy sql 67d3af1a1565]
SELECT person_id, real_name, org_id, dept_id, external, recorded_status, status_since, status,
       status = 'active' AS serving,
       CASE status WHEN 'transferred' THEN '调离' WHEN 'departed' THEN '离职' ELSE '在职' END AS status_zh,
       gone,
       gone AND status = 'departed' AS departed_gone,
       gone AND status = 'transferred' AS transferred_gone,
       CASE WHEN status <> 'active' THEN status_since + :handover_days END AS handover_due_on
FROM (
  SELECT person_id, real_name, org_id, dept_id, external, recorded_status, status_since, status,
         status <> 'active'
           AND (status_since IS NULL OR :as_of - status_since > :handover_days) AS gone
  FROM (
    SELECT p.person_id, p.real_name, p.org_id, p.dept_id, p.external,
           p.status AS recorded_status, p.status_since,
           CASE WHEN p.status IN ('transferred', 'departed')
                     AND (p.status_since IS NULL OR p.status_since <= :as_of)
                THEN p.status ELSE 'active' END AS status
    FROM people p))

-- view: org_tree  [policy sql a6eda5209429]
WITH RECURSIVE tree(ancestor_id, org_id) AS (
  SELECT org_id, org_id FROM orgs
  UNION
  SELECT t.ancestor_id, o.org_id FROM tree t JOIN orgs o ON o.parent_id = t.org_id)
SELECT ancestor_id, org_id FROM tree

-- view: group_state  [policy sql 06488ca35218]
SELECT group_id, name, COALESCE(name, '—') AS label, scope, term, org_id, dept_id, created_on, owner_id,
       allows_external, recorded_status, existing, ended, existing AND NOT ended AS serving,
       CASE WHEN ended THEN 'dissolved' ELSE 'active' END AS status,
       approved_by, approved_on, filed_on, work_ended_on,
       work_ended_on + :grace_days AS due_on,
       dissolved_on, closure_filed_on, content_cleared_on, last_activity_on,
       filing_clock_on, filing_clock_on + :filing_days AS filing_due_on,
       dissolved_on + :filing_days AS closure_due_on
FROM (
  SELECT g.group_id, g.name, g.scope, g.term, g.org_id, g.dept_id, g.created_on, g.owner_id,
         g.allows_external, g.work_ended_on, g.status AS recorded_status,
         (g.created_on IS NULL OR g.created_on <= :as_of) AS existing,
         CASE WHEN g.dissolved_on IS NOT NULL THEN g.dissolved_on <= :as_of
              ELSE g.status = 'dissolved' END AS ended,
         CASE WHEN g.approved_on IS NULL OR g.approved_on <= :as_of THEN g.approved_by END AS approved_by,
         CASE WHEN g.approved_on <= :as_of THEN g.approved_on END AS approved_on,
         CASE WHEN g.filed_on <= :as_of THEN g.filed_on END AS filed_on,
         CASE WHEN g.dissolved_on <= :as_of THEN g.dissolved_on END AS dissolved_on,
         CASE WHEN g.closure_filed_on <= :as_of THEN g.closure_filed_on END AS closure_filed_on,
         CASE WHEN g.content_cleared_on <= :as_of THEN g.content_cleared_on END AS content_cleared_on,
         CASE WHEN g.last_activity_on <= :as_of THEN g.last_activity_on END AS last_activity_on,
         CASE WHEN g.created_on IS NULL OR g.created_on < :effective THEN :effective
              ELSE g.created_on END AS filing_clock_on
  FROM groups g)

-- view: current_member_rows  [policy sql 4501f676e654]
SELECT m.group_id, m.handle, m.person_id, m.display_name, m.role, m.joined_on, m.left_on,
       g.name AS group_name, g.label AS group_label, g.scope, g.term, g.org_id, g.dept_id,
       g.owner_id, g.allows_external,
       p.person_id IS NOT NULL AS person_known, p.real_name AS person_real_name,
       p.org_id AS person_org_id, p.dept_id AS person_dept_id
FROM members m
JOIN group_state g ON g.group_id = m.group_id
LEFT JOIN person_state p ON p.person_id = m.person_id
WHERE g.serving
  AND (m.joined_on IS NULL OR m.joined_on <= :as_of)
  AND (m.left_on IS NULL OR m.left_on > :as_of)

-- view: current_members  [policy sql cb81129cfdc9]
SELECT c.*,
       c.group_id || '/' || COALESCE(c.handle, '#' || COALESCE(c.person_id, '')) AS membership_id,
       COALESCE(c.display_name, c.handle, c.person_id, '—') AS member_label
FROM current_member_rows c

-- rule: member-departed  [policy sql 29cd8275a156]
SELECT DISTINCT 'membership' AS subject_kind, cm.membership_id AS subject_id, cm.display_name AS subject_name,
       cm.org_id, cm.dept_id, cm.group_id, cm.person_id, cm.handle, cm.owner_id AS responsible_id,
       cm.group_label AS group_name, cm.member_label, COALESCE(CAST(p.status_since AS VARCHAR), '—') AS departed_on,
       p.handover_due_on AS due_on,
       :as_of - p.handover_due_on AS days_overdue
FROM person_state p
JOIN current_members cm ON cm.person_id = p.person_id
WHERE p.departed_gone

-- rule: member-out-of-scope  [policy sql 52bbc1e7ab8c]
SELECT DISTINCT 'membership' AS subject_kind, cm.membership_id AS subject_id, cm.display_name AS subject_name,
       cm.org_id, cm.dept_id, cm.group_id, cm.person_id, cm.handle, cm.owner_id AS responsible_id,
       cm.group_label AS group_name, cm.member_label, cm.scope,
       CASE cm.scope WHEN 'dept' THEN p.dept_id ELSE p.org_id END AS person_posting,
       CASE cm.scope WHEN 'dept' THEN cm.dept_id ELSE cm.org_id END AS group_scope_id,
       p.status AS person_status,
       CASE WHEN p.recorded_status = 'transferred' THEN p.handover_due_on END AS due_on,
       CASE WHEN p.recorded_status = 'transferred'
            THEN :as_of - p.handover_due_on END AS days_overdue
FROM current_members cm
JOIN person_state p ON p.person_id = cm.person_id
LEFT JOIN org_tree t ON cm.scope = 'org' AND t.ancestor_id = cm.org_id AND t.org_id = cm.person_org_id
WHERE CASE cm.scope WHEN 'dept' THEN cm.person_dept_id <> cm.dept_id
                    WHEN 'org' THEN cm.person_org_id <> cm.org_id END
  AND p.status <> 'departed'
  AND NOT p.external
  AND (p.recorded_status <> 'transferred' OR p.transferred_gone)
  AND (cm.scope = 'dept' OR t.org_id IS NULL)

-- rule: member-external  [policy sql 17f777098183]
SELECT DISTINCT 'membership' AS subject_kind, cm.membership_id AS subject_id, cm.display_name AS subject_name,
       cm.org_id, cm.dept_id, cm.group_id, cm.person_id, cm.handle, cm.owner_id AS responsible_id,
       cm.group_label AS group_name, cm.member_label
FROM person_state p
JOIN current_members cm ON cm.person_id = p.person_id
WHERE p.external AND NOT cm.allows_external

-- rule: member-unidentified  [policy sql 48ee9768b2d3]
SELECT DISTINCT 'membership' AS subject_kind, cm.membership_id AS subject_id, cm.display_name AS subject_name,
       cm.org_id, cm.dept_id, cm.group_id, cm.person_id, cm.handle, cm.owner_id AS responsible_id,
       cm.group_label AS group_name, cm.member_label, COALESCE(cm.person_id, '—') AS person_shown
FROM current_members cm
WHERE NOT cm.person_known

-- rule: member-name-mismatch  [policy sql 4621c179106d]
SELECT DISTINCT 'membership' AS subject_kind, cm.membership_id AS subject_id, cm.display_name AS subject_name,
       cm.org_id, cm.dept_id, cm.group_id, cm.person_id, cm.handle, cm.owner_id AS responsible_id,
       cm.group_label AS group_name, cm.member_label, cm.display_name, cm.real_name,
       lower(:real_name_match) AS real_name_match
FROM (SELECT c.*, c.person_real_name AS real_name,
             fold(c.display_name) AS shown,
             fold(c.person_real_name) AS actual
      FROM current_members c
      WHERE c.display_name <> c.person_real_name) cm
WHERE cm.shown <> '' AND cm.actual <> ''
  AND (   (lower(:real_name_match) = 'exact' AND cm.shown <> cm.actual)
       OR (lower(:real_name_match) = 'contains' AND instr(cm.shown, cm.actual) = 0))

-- rule: member-shared-handle  [policy sql 84efa4159aba]
WITH RECURSIVE
  tree(ancestor_id, org_id) AS (
    SELECT org_id, org_id FROM orgs
    UNION
    SELECT t.ancestor_id, o.org_id FROM tree t JOIN orgs o ON o.parent_id = t.org_id),
  depth(org_id, n) AS (SELECT org_id, count(*) FROM tree GROUP BY org_id),
  shared(handle, person_count) AS (
    SELECT handle, count(DISTINCT person_id) FROM current_members
    WHERE handle IS NOT NULL AND person_id IS NOT NULL
    GROUP BY handle HAVING count(DISTINCT person_id) >= 2),
  involved(handle, group_id, org_id, owner_id, person_id) AS (
    SELECT DISTINCT cm.handle, cm.group_id, cm.org_id, cm.owner_id, cm.person_id
    FROM current_members cm JOIN shared s ON s.handle = cm.handle),
  per_handle(handle, n_groups, one_group, n_orgs, one_org, n_owners, one_owner) AS (
    SELECT handle, count(DISTINCT group_id), min(group_id), count(DISTINCT org_id), min(org_id),
           count(DISTINCT owner_id), min(owner_id)
    FROM involved GROUP BY handle),
  persons(handle, person_ids) AS (
    SELECT handle, string_agg(person_id, ', ' ORDER BY person_id) FROM (
      SELECT DISTINCT handle, person_id FROM involved WHERE person_id IS NOT NULL)
    GROUP BY handle),
  group_list(handle, group_ids) AS (
    SELECT handle, string_agg(group_id, ', ' ORDER BY group_id) FROM (
      SELECT DISTINCT handle, group_id FROM involved)
    GROUP BY handle),
  common(handle, org_id) AS (
    SELECT i.handle, t.ancestor_id
    FROM (SELECT DISTINCT handle, org_id FROM involved) i
    JOIN tree t ON t.org_id = i.org_id
    JOIN per_handle h ON h.handle = i.handle
    GROUP BY i.handle, t.ancestor_id
    HAVING count(*) = max(h.n_orgs)),
  lowest(handle, org_id) AS (
    SELECT handle, org_id FROM (
      SELECT c.handle, c.org_id,
             row_number() OVER (PARTITION BY c.handle ORDER BY d.n DESC, c.org_id) AS rnk
      FROM common c JOIN depth d ON d.org_id = c.org_id)
    WHERE rnk = 1)
SELECT 'handle' AS subject_kind, s.handle AS subject_id,
       COALESCE(l.org_id, CASE WHEN h.n_orgs = 1 THEN h.one_org END) AS org_id,
       CASE WHEN h.n_groups = 1 THEN h.one_group END AS group_id,
       s.handle,
       CASE WHEN h.n_owners = 1 THEN h.one_owner END AS responsible_id,
       s.person_count, p.person_ids, gl.group_ids
FROM shared s
JOIN per_handle h ON h.handle = s.handle
JOIN persons p ON p.handle = s.handle
JOIN group_list gl ON gl.handle = s.handle
LEFT JOIN lowest l ON l.handle = s.handle

-- rule: group-owner-absent  [policy sql 8b4f3aa51903]
SELECT 'group' AS subject_kind, g.group_id AS subject_id, g.name AS subject_name,
       g.org_id, g.dept_id, g.group_id, g.owner_id AS person_id, g.owner_id AS responsible_id,
       g.label AS group_name, g.owner_id
FROM group_state g
WHERE g.serving AND g.owner_id IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM current_members cm
                  WHERE cm.group_id = g.group_id AND cm.person_id = g.owner_id)

-- rule: member-duplicate  [policy sql 32a7602b407e]
WITH twice(group_id, person_id) AS (
  SELECT group_id, person_id FROM current_members WHERE person_id IS NOT NULL
  GROUP BY group_id, person_id HAVING count(*) > 1)
SELECT DISTINCT 'membership' AS subject_kind, d.membership_id AS subject_id, d.display_name AS subject_name,
       d.org_id, d.dept_id, d.group_id, d.person_id, d.handle, d.owner_id AS responsible_id,
       d.group_label AS group_name, d.member_label, d.first_membership
FROM (SELECT cm.*,
             row_number() OVER w AS nth,
             first_value(cm.membership_id) OVER w AS first_membership
      FROM current_members cm
      JOIN twice ON twice.group_id = cm.group_id AND twice.person_id = cm.person_id
      WINDOW w AS (PARTITION BY cm.group_id, cm.person_id
                   ORDER BY cm.joined_on NULLS FIRST, cm.handle NULLS FIRST, cm.display_name NULLS FIRST,
                            cm.role NULLS FIRST, cm.left_on NULLS FIRST
                   ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)) d
WHERE d.nth > 1
