-- bench/ref/duckdb/registry-check.sql — the policy's registry-check rules (policies/jiusan-2020.toml), translated
-- by hand into DuckDB's dialect for the DuckDB reference of bench/run (bench/ref/duckdb.mjs).
--
-- `-- view: NAME` sections are the policy's [[view]]s the rules read (materialized as TEMP TABLEs in
-- policy order), `-- rule: ID` sections the rules' SELECTs, with the policy's logic and result
-- columns. The dialect changes are those listed in membership-audit.sql:
--   julianday(a) - julianday(b) → a - b; date(julianday(d) + n) → d + n (dates are DATE);
--   0/1 integers → BOOLEAN; COALESCE(date, '—') → COALESCE(CAST(date AS VARCHAR), '—');
--   group_concat over an ordered subquery → string_agg(… ORDER BY …); json_each(:list) → unnest(:list).
-- Parameters are :name as in the policy; bench/ref/duckdb.mjs replaces them by typed literals.

-- view: account_state  [policy sql 95e44ea983bd]
SELECT account_id, name, COALESCE(name, '—') AS label, kind, org_id, dept_id, created_on, owner_id,
       review_levels, recorded_status, existing, ended, existing AND NOT ended AS serving,
       CASE WHEN ended THEN 'closed' ELSE 'active' END AS status,
       approved_by, approved_on, collective_decision, recorded_on, filed_on,
       closed_on, closure_filed_on, content_cleared_on,
       filing_clock_on, filing_clock_on + :filing_days AS filing_due_on,
       closed_on + :filing_days AS closure_due_on
FROM (
  SELECT a.account_id, a.name, a.kind, a.org_id, a.dept_id, a.created_on, a.owner_id, a.review_levels,
         a.status AS recorded_status,
         (a.created_on IS NULL OR a.created_on <= :as_of) AS existing,
         CASE WHEN a.closed_on IS NOT NULL THEN a.closed_on <= :as_of ELSE a.status = 'closed' END AS ended,
         CASE WHEN a.approved_on IS NULL OR a.approved_on <= :as_of THEN a.approved_by END AS approved_by,
         CASE WHEN a.approved_on <= :as_of THEN a.approved_on END AS approved_on,
         a.collective_decision AND (a.approved_on IS NULL OR a.approved_on <= :as_of) AS collective_decision,
         CASE WHEN a.recorded_on <= :as_of THEN a.recorded_on END AS recorded_on,
         CASE WHEN a.filed_on <= :as_of THEN a.filed_on END AS filed_on,
         CASE WHEN a.closed_on <= :as_of THEN a.closed_on END AS closed_on,
         CASE WHEN a.closure_filed_on <= :as_of THEN a.closure_filed_on END AS closure_filed_on,
         CASE WHEN a.content_cleared_on <= :as_of THEN a.content_cleared_on END AS content_cleared_on,
         CASE WHEN a.created_on IS NULL OR a.created_on < :effective THEN :effective
              ELSE a.created_on END AS filing_clock_on
  FROM accounts a)

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

-- rule: account-name-marker  [policy sql d2dbc3a176fd]
SELECT 'account' AS subject_kind, a.account_id AS subject_id, a.name AS subject_name,
       a.org_id, a.dept_id, a.account_id, a.owner_id AS responsible_id,
       a.label AS account_name, a.kind
FROM account_state a
WHERE a.serving
  AND NOT EXISTS (SELECT 1 FROM unnest(:name_markers) AS m(value)
                  WHERE instr(COALESCE(a.name, ''), m.value) > 0)

-- rule: account-approval-missing  [policy sql 3aecc54e45c1]
SELECT 'account' AS subject_kind, a.account_id AS subject_id, a.name AS subject_name,
       a.org_id, a.dept_id, a.account_id, a.owner_id AS responsible_id,
       a.label AS account_name
FROM account_state a
WHERE a.serving AND a.approved_by IS NULL AND NOT a.collective_decision

-- rule: account-approver-wrong  [policy sql 915e97b45c3b]
SELECT 'account' AS subject_kind, a.account_id AS subject_id, a.name AS subject_name,
       a.org_id, a.dept_id, a.account_id, a.owner_id AS responsible_id,
       a.label AS account_name, a.approved_by, a.approved_on, r.required_approver_id,
       CASE WHEN a.dept_id IS NULL THEN 'org' ELSE 'dept' END AS account_level
FROM account_state a
JOIN (SELECT x.account_id,
             CASE WHEN x.dept_id IS NULL THEN o.leader_id ELSE d.supervisor_id END AS required_approver_id
      FROM account_state x
      LEFT JOIN orgs o ON o.org_id = x.org_id
      LEFT JOIN depts d ON d.dept_id = x.dept_id) r ON r.account_id = a.account_id
WHERE a.serving AND NOT a.collective_decision
  AND a.approved_by IS NOT NULL
  AND r.required_approver_id IS NOT NULL
  AND a.approved_by <> r.required_approver_id

-- rule: account-not-recorded  [policy sql cf2c598d05de]
SELECT 'account' AS subject_kind, a.account_id AS subject_id, a.name AS subject_name,
       a.org_id, a.dept_id, a.account_id, a.owner_id AS responsible_id,
       a.label AS account_name, a.created_on, a.filing_clock_on,
       a.filing_due_on AS due_on,
       :as_of - a.filing_due_on AS days_overdue
FROM account_state a
WHERE a.serving AND a.recorded_on IS NULL AND a.filing_due_on < :as_of

-- rule: account-not-filed  [policy sql ad23b2fb2770]
SELECT 'account' AS subject_kind, a.account_id AS subject_id, a.name AS subject_name,
       a.org_id, a.dept_id, a.account_id, a.owner_id AS responsible_id,
       a.label AS account_name, a.created_on, a.filing_clock_on, o.parent_id AS parent_org_id,
       a.filing_due_on AS due_on,
       :as_of - a.filing_due_on AS days_overdue
FROM account_state a
JOIN orgs o ON o.org_id = a.org_id AND o.parent_id IS NOT NULL
WHERE a.serving AND a.filed_on IS NULL AND a.filing_due_on < :as_of

-- rule: account-no-owner  [policy sql 328292f29475]
SELECT 'account' AS subject_kind, a.account_id AS subject_id, a.name AS subject_name,
       a.org_id, a.dept_id, a.account_id, a.approved_by AS responsible_id,
       a.label AS account_name
FROM account_state a
WHERE a.serving AND a.owner_id IS NULL

-- rule: account-review-tiers  [policy sql 8474d763d1b3]
SELECT 'account' AS subject_kind, a.account_id AS subject_id, a.name AS subject_name,
       a.org_id, a.dept_id, a.account_id, a.owner_id AS responsible_id,
       a.label AS account_name, COALESCE(CAST(a.review_levels AS VARCHAR), '—') AS review_levels
FROM account_state a
WHERE a.serving AND (a.review_levels IS NULL OR a.review_levels < :min_review_levels)

-- rule: group-approval-missing  [policy sql 8c64007790ff]
SELECT 'group' AS subject_kind, g.group_id AS subject_id, g.name AS subject_name,
       g.org_id, g.dept_id, g.group_id, g.owner_id AS responsible_id,
       g.label AS group_name, g.scope
FROM group_state g
WHERE g.serving AND g.approved_by IS NULL

-- rule: group-approver-wrong  [policy sql c065c011d8df]
SELECT 'group' AS subject_kind, g.group_id AS subject_id, g.name AS subject_name,
       g.org_id, g.dept_id, g.group_id, g.owner_id AS responsible_id,
       g.label AS group_name, g.scope, g.approved_by, g.approved_on, v.allowed_approvers
FROM group_state g
JOIN (SELECT x.group_id,
             (SELECT string_agg(id, ', ' ORDER BY id) FROM (
                SELECT DISTINCT id FROM (
                  SELECT o.leader_id AS id FROM orgs o WHERE x.scope = 'org' AND o.org_id = x.org_id
                  UNION ALL
                  SELECT d.supervisor_id FROM depts d WHERE x.scope = 'org' AND d.org_id = x.org_id
                  UNION ALL
                  SELECT d.head_id FROM depts d WHERE x.scope <> 'org' AND d.dept_id = x.dept_id)
                WHERE id IS NOT NULL)) AS allowed_approvers
      FROM group_state x) v ON v.group_id = g.group_id
WHERE g.serving
  AND g.approved_by IS NOT NULL
  AND v.allowed_approvers IS NOT NULL
  AND NOT EXISTS (SELECT 1 FROM orgs o WHERE g.scope = 'org' AND o.org_id = g.org_id AND o.leader_id = g.approved_by)
  AND NOT EXISTS (SELECT 1 FROM depts d WHERE g.scope = 'org' AND d.org_id = g.org_id AND d.supervisor_id = g.approved_by)
  AND NOT EXISTS (SELECT 1 FROM depts d WHERE g.scope <> 'org' AND d.dept_id = g.dept_id AND d.head_id = g.approved_by)

-- rule: group-long-term-not-filed  [policy sql 028dbf052f41]
SELECT 'group' AS subject_kind, g.group_id AS subject_id, g.name AS subject_name,
       g.org_id, g.dept_id, g.group_id, g.owner_id AS responsible_id,
       g.label AS group_name, g.created_on, g.filing_clock_on,
       g.filing_due_on AS due_on,
       :as_of - g.filing_due_on AS days_overdue
FROM group_state g
WHERE g.serving AND g.term = 'long' AND g.filed_on IS NULL AND g.filing_due_on < :as_of

-- rule: group-no-owner  [policy sql 82bcb467f22a]
SELECT 'group' AS subject_kind, g.group_id AS subject_id, g.name AS subject_name,
       g.org_id, g.dept_id, g.group_id, g.approved_by AS responsible_id,
       g.label AS group_name, g.scope, g.term
FROM group_state g
WHERE g.serving AND g.owner_id IS NULL

-- rule: closure-not-filed  [policy sql b6bb6ba2dedf]
SELECT 'account' AS subject_kind, a.account_id AS subject_id, a.name AS subject_name,
       a.org_id, a.dept_id, a.account_id, NULL AS group_id, a.owner_id AS responsible_id,
       a.label AS object_name, '公众号' AS object_type_zh,
       COALESCE(CAST(a.closed_on AS VARCHAR), '—') AS closed_on, COALESCE(a.filed_on, a.recorded_on) AS filed_on,
       a.closure_due_on AS due_on,
       :as_of - a.closure_due_on AS days_overdue
FROM account_state a
WHERE a.existing AND a.ended
  AND (a.filed_on IS NOT NULL OR a.recorded_on IS NOT NULL)
  AND a.closure_filed_on IS NULL
  AND (a.closed_on IS NULL OR :as_of - a.closed_on > :filing_days)
UNION ALL
SELECT 'group', g.group_id, g.name,
       g.org_id, g.dept_id, NULL, g.group_id, g.owner_id,
       g.label, '工作群',
       COALESCE(CAST(g.dissolved_on AS VARCHAR), '—'), g.filed_on,
       g.closure_due_on,
       :as_of - g.closure_due_on
FROM group_state g
WHERE g.existing AND g.ended
  AND g.filed_on IS NOT NULL
  AND g.closure_filed_on IS NULL
  AND (g.dissolved_on IS NULL OR :as_of - g.dissolved_on > :filing_days)

-- rule: closure-content-not-cleared  [policy sql 7ad7778f32c4]
SELECT 'account' AS subject_kind, a.account_id AS subject_id, a.name AS subject_name,
       a.org_id, a.dept_id, a.account_id, NULL AS group_id, a.owner_id AS responsible_id,
       a.label AS object_name, '公众号' AS object_type_zh,
       COALESCE(CAST(a.closed_on AS VARCHAR), '—') AS closed_on, COALESCE(a.filed_on, a.recorded_on) AS filed_on,
       a.closure_due_on AS due_on,
       :as_of - a.closure_due_on AS days_overdue
FROM account_state a
WHERE a.existing AND a.ended
  AND (a.filed_on IS NOT NULL OR a.recorded_on IS NOT NULL)
  AND a.content_cleared_on IS NULL
  AND (a.closed_on IS NULL OR :as_of - a.closed_on > :filing_days)
UNION ALL
SELECT 'group', g.group_id, g.name,
       g.org_id, g.dept_id, NULL, g.group_id, g.owner_id,
       g.label, '工作群',
       COALESCE(CAST(g.dissolved_on AS VARCHAR), '—'), g.filed_on,
       g.closure_due_on,
       :as_of - g.closure_due_on
FROM group_state g
WHERE g.existing AND g.ended
  AND g.filed_on IS NOT NULL
  AND g.content_cleared_on IS NULL
  AND (g.dissolved_on IS NULL OR :as_of - g.dissolved_on > :filing_days)

-- rule: unknown-reference  [policy sql 369032784549]
WITH refs(subject_kind, holder_id, holder_name, org_id, dept_id, account_id, group_id, person_id,
          column_name, unknown_id, target_table, candidate_responsible) AS (
  SELECT 'org', o.org_id, o.name, o.org_id, NULL, NULL, NULL, NULL, 'parent_id', o.parent_id, 'orgs', o.leader_id FROM orgs o
  UNION ALL
  SELECT 'org', o.org_id, o.name, o.org_id, NULL, NULL, NULL, NULL, 'leader_id', o.leader_id, 'people', NULL FROM orgs o
  UNION ALL
  SELECT 'dept', d.dept_id, d.name, d.org_id, d.dept_id, NULL, NULL, NULL, 'org_id', d.org_id, 'orgs', d.head_id FROM depts d
  UNION ALL
  SELECT 'dept', d.dept_id, d.name, d.org_id, d.dept_id, NULL, NULL, NULL, 'head_id', d.head_id, 'people', d.supervisor_id FROM depts d
  UNION ALL
  SELECT 'dept', d.dept_id, d.name, d.org_id, d.dept_id, NULL, NULL, NULL, 'supervisor_id', d.supervisor_id, 'people', d.head_id FROM depts d
  UNION ALL
  SELECT 'person', p.person_id, p.real_name, p.org_id, p.dept_id, NULL, NULL, p.person_id, 'org_id', p.org_id, 'orgs', NULL FROM people p
  UNION ALL
  SELECT 'person', p.person_id, p.real_name, p.org_id, p.dept_id, NULL, NULL, p.person_id, 'dept_id', p.dept_id, 'depts', NULL FROM people p
  UNION ALL
  SELECT 'account', a.account_id, a.name, a.org_id, a.dept_id, a.account_id, NULL, NULL, 'org_id', a.org_id, 'orgs', a.owner_id FROM account_state a WHERE a.existing
  UNION ALL
  SELECT 'account', a.account_id, a.name, a.org_id, a.dept_id, a.account_id, NULL, NULL, 'dept_id', a.dept_id, 'depts', a.owner_id FROM account_state a WHERE a.existing
  UNION ALL
  SELECT 'account', a.account_id, a.name, a.org_id, a.dept_id, a.account_id, NULL, NULL, 'approved_by', a.approved_by, 'people', a.owner_id FROM account_state a WHERE a.existing
  UNION ALL
  SELECT 'account', a.account_id, a.name, a.org_id, a.dept_id, a.account_id, NULL, NULL, 'owner_id', a.owner_id, 'people', a.approved_by FROM account_state a WHERE a.existing
  UNION ALL
  SELECT 'group', g.group_id, g.name, g.org_id, g.dept_id, NULL, g.group_id, NULL, 'org_id', g.org_id, 'orgs', g.owner_id FROM group_state g WHERE g.existing
  UNION ALL
  SELECT 'group', g.group_id, g.name, g.org_id, g.dept_id, NULL, g.group_id, NULL, 'dept_id', g.dept_id, 'depts', g.owner_id FROM group_state g WHERE g.existing
  UNION ALL
  SELECT 'group', g.group_id, g.name, g.org_id, g.dept_id, NULL, g.group_id, NULL, 'approved_by', g.approved_by, 'people', g.owner_id FROM group_state g WHERE g.existing
  UNION ALL
  SELECT 'group', g.group_id, g.name, g.org_id, g.dept_id, NULL, g.group_id, NULL, 'owner_id', g.owner_id, 'people', g.approved_by FROM group_state g WHERE g.existing)
SELECT r.subject_kind, r.holder_id || '#' || r.column_name AS subject_id, r.holder_name AS subject_name,
       r.org_id, r.dept_id, r.account_id, r.group_id, r.person_id,
       (SELECT p.person_id FROM people p WHERE p.person_id = r.candidate_responsible) AS responsible_id,
       r.holder_id, COALESCE(r.holder_name, '—') AS holder_name,
       CASE r.subject_kind WHEN 'org' THEN 'organization' WHEN 'dept' THEN 'department' ELSE r.subject_kind END AS holder_en,
       CASE r.subject_kind WHEN 'org' THEN '组织' WHEN 'dept' THEN '部门' WHEN 'person' THEN '人员'
                           WHEN 'account' THEN '公众号' ELSE '工作群' END AS holder_zh,
       r.column_name, r.unknown_id, r.target_table,
       CASE r.target_table WHEN 'orgs' THEN '组织' WHEN 'depts' THEN '部门' ELSE '人员' END AS target_zh
FROM refs r
WHERE r.unknown_id IS NOT NULL
  AND NOT CASE r.target_table
        WHEN 'orgs' THEN EXISTS (SELECT 1 FROM orgs o WHERE o.org_id = r.unknown_id)
        WHEN 'depts' THEN EXISTS (SELECT 1 FROM depts d WHERE d.dept_id = r.unknown_id)
        ELSE EXISTS (SELECT 1 FROM people p WHERE p.person_id = r.unknown_id) END
