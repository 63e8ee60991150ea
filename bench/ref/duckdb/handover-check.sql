-- bench/ref/duckdb/handover-check.sql — the policy's handover-check rules (policies/jiusan-2020.toml), translated
-- by hand into DuckDB's dialect for the DuckDB reference of bench/run (bench/ref/duckdb.mjs).
--
-- `-- view: NAME` sections are the policy's [[view]]s the rules read (materialized as TEMP TABLEs in
-- policy order), `-- rule: ID` sections the rules' SELECTs, with the policy's logic and result
-- columns. The dialect changes are those listed in membership-audit.sql:
--   julianday(a) - julianday(b) → a - b; date(julianday(d) + n) → d + n (dates are DATE);
--   0/1 integers → BOOLEAN; COALESCE(date, '—') → COALESCE(CAST(date AS VARCHAR), '—');
--   group_concat over an ordered subquery → string_agg(… ORDER BY …); json_each(:list) → unnest(:list).
-- Parameters are :name as in the policy; bench/ref/duckdb.mjs replaces them by typed literals.

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

-- view: held_permissions  [policy sql f03c956ae9ac]
SELECT pm.account_id, pm.person_id, pm.role, pm.granted_on, pm.revoked_on,
       pm.account_id || '/' || pm.person_id || '/' || COALESCE(pm.role, '') AS permission_id,
       COALESCE(pm.role, '—') AS role_label,
       CASE pm.role WHEN 'admin' THEN '管理员' WHEN 'publisher' THEN '发布' WHEN 'editor' THEN '编辑'
                    WHEN 'reviewer' THEN '审核' ELSE '—' END AS role_zh,
       a.name AS account_name, COALESCE(a.label, '—') AS account_label, a.org_id, a.dept_id, a.owner_id,
       COALESCE(a.serving, false) AS account_serving
FROM permissions pm
LEFT JOIN account_state a ON a.account_id = pm.account_id
WHERE (pm.granted_on IS NULL OR pm.granted_on <= :as_of)
  AND (pm.revoked_on IS NULL OR pm.revoked_on > :as_of)

-- rule: publisher-not-handed-over  [policy sql 9fb11cc021df]
SELECT DISTINCT 'permission' AS subject_kind, hp.permission_id AS subject_id, hp.account_name AS subject_name,
       hp.org_id, hp.dept_id, hp.account_id, hp.person_id, hp.owner_id AS responsible_id,
       hp.account_label AS account_name, hp.role, hp.role_label, hp.role_zh,
       p.status AS person_status, p.status_zh, COALESCE(CAST(p.status_since AS VARCHAR), '—') AS status_since,
       p.handover_due_on AS due_on,
       :as_of - p.handover_due_on AS days_overdue
FROM held_permissions hp
JOIN person_state p ON p.person_id = hp.person_id
WHERE hp.account_serving AND p.gone

-- rule: publisher-handed-over-late  [policy sql 8d5d5de62d41]
SELECT DISTINCT 'permission' AS subject_kind,
       pm.account_id || '/' || pm.person_id || '/' || COALESCE(pm.role, '') AS subject_id,
       a.name AS subject_name,
       a.org_id, a.dept_id, pm.account_id, pm.person_id, a.owner_id AS responsible_id,
       COALESCE(a.label, '—') AS account_name, pm.role, COALESCE(pm.role, '—') AS role_label,
       CASE pm.role WHEN 'admin' THEN '管理员' WHEN 'publisher' THEN '发布' WHEN 'editor' THEN '编辑'
                    WHEN 'reviewer' THEN '审核' ELSE '—' END AS role_zh,
       p.status AS person_status, p.status_zh, p.status_since, pm.revoked_on,
       p.handover_due_on AS due_on,
       pm.revoked_on - p.handover_due_on AS days_overdue
FROM permissions pm
JOIN person_state p ON p.person_id = pm.person_id
LEFT JOIN account_state a ON a.account_id = pm.account_id
WHERE pm.revoked_on IS NOT NULL AND pm.revoked_on <= :as_of
  AND p.status <> 'active' AND p.status_since IS NOT NULL
  AND pm.revoked_on - p.status_since > :handover_days

-- rule: account-orphaned  [policy sql e30a36bace1c]
SELECT 'account' AS subject_kind, a.account_id AS subject_id, a.name AS subject_name,
       a.org_id, a.dept_id, a.account_id,
       CASE WHEN o.serving THEN a.owner_id ELSE a.approved_by END AS responsible_id,
       a.label AS account_name
FROM account_state a
LEFT JOIN person_state o ON o.person_id = a.owner_id
LEFT JOIN (SELECT DISTINCT hp.account_id
           FROM held_permissions hp JOIN person_state p ON p.person_id = hp.person_id
           WHERE hp.role = 'admin' AND p.serving AND NOT p.gone) admin ON admin.account_id = a.account_id
WHERE a.serving AND admin.account_id IS NULL

-- rule: account-owner-gone  [policy sql 07d59b44e392]
SELECT 'account' AS subject_kind, a.account_id AS subject_id, a.name AS subject_name,
       a.org_id, a.dept_id, a.account_id, a.owner_id AS person_id,
       CASE WHEN a.approved_by <> a.owner_id THEN a.approved_by END AS responsible_id,
       a.label AS account_name, a.owner_id, p.status AS person_status, p.status_zh,
       COALESCE(CAST(p.status_since AS VARCHAR), '—') AS status_since,
       p.handover_due_on AS due_on,
       :as_of - p.handover_due_on AS days_overdue
FROM account_state a
JOIN person_state p ON p.person_id = a.owner_id
WHERE a.serving AND p.gone

-- rule: group-owner-gone  [policy sql d5b3a0dd36c3]
SELECT 'group' AS subject_kind, g.group_id AS subject_id, g.name AS subject_name,
       g.org_id, g.dept_id, g.group_id, g.owner_id AS person_id,
       CASE WHEN g.approved_by <> g.owner_id THEN g.approved_by END AS responsible_id,
       g.label AS group_name, g.owner_id, p.status AS person_status, p.status_zh,
       COALESCE(CAST(p.status_since AS VARCHAR), '—') AS status_since,
       p.handover_due_on AS due_on,
       :as_of - p.handover_due_on AS days_overdue
FROM group_state g
JOIN person_state p ON p.person_id = g.owner_id
WHERE g.serving AND p.gone

-- rule: successor-unapproved  [policy sql 2e6ba55f4a61]
WITH s AS (
  SELECT DISTINCT x.kind, x.object_id, x.from_person_id, x.to_person_id, x.effective_on,
         CASE WHEN x.approved_on IS NULL OR x.approved_on <= :as_of THEN x.approved_by END AS approved_by,
         CASE WHEN x.approved_on <= :as_of THEN x.approved_on END AS approved_on
  FROM successions x
  WHERE x.effective_on IS NULL OR x.effective_on <= :as_of),
objects(kind, object_id, name, org_id, dept_id, org_level, type_zh) AS (
  SELECT 'group', g.group_id, g.name, g.org_id, g.dept_id, g.scope = 'org', '工作群' FROM groups g
  UNION ALL
  SELECT 'account', a.account_id, a.name, a.org_id, a.dept_id, a.dept_id IS NULL, '公众号' FROM accounts a),
judged AS (
  SELECT s.*, o.name, o.org_id, o.dept_id, o.type_zh,
         CASE WHEN o.org_level THEN og.leader_id ELSE COALESCE(d.supervisor_id, og.leader_id) END AS leader_id
  FROM s
  LEFT JOIN objects o ON o.kind = s.kind AND o.object_id = s.object_id
  LEFT JOIN orgs og ON og.org_id = o.org_id
  LEFT JOIN depts d ON d.dept_id = o.dept_id)
SELECT 'succession' AS subject_kind, j.kind || '/' || j.object_id || '/' || j.to_person_id AS subject_id,
       j.name AS subject_name, j.org_id, j.dept_id,
       CASE j.kind WHEN 'account' THEN j.object_id END AS account_id,
       CASE j.kind WHEN 'group' THEN j.object_id END AS group_id,
       j.leader_id AS responsible_id,
       j.from_person_id, j.to_person_id, j.approved_by, j.approved_on,
       j.leader_id AS required_approver_id,
       j.kind AS object_kind, j.object_id, COALESCE(j.name, '—') AS object_name,
       COALESCE(j.type_zh, '对象') AS object_type_zh,
       COALESCE(j.from_person_id, '—') AS from_person, COALESCE(CAST(j.effective_on AS VARCHAR), '—') AS effective_on,
       CASE WHEN j.approved_by IS NULL AND j.leader_id IS NULL THEN '无批准记录'
            WHEN j.approved_by IS NULL THEN '无批准记录，应由主管领导 ' || j.leader_id || ' 批准'
            ELSE '由 ' || j.approved_by || ' 批准，应由主管领导 ' || j.leader_id || ' 批准' END AS problem_zh,
       CASE WHEN j.approved_by IS NULL AND j.leader_id IS NULL THEN 'no approval on record'
            WHEN j.approved_by IS NULL THEN 'no approval on record; the supervising leader ' || j.leader_id || ' must approve it'
            ELSE 'approved by ' || j.approved_by || ', not by the supervising leader ' || j.leader_id END AS problem_en
FROM judged j
WHERE j.approved_by IS NULL
   OR (j.leader_id IS NOT NULL AND j.approved_by <> j.leader_id)
