-- bench/ref/duckdb/stale-group-finder.sql — the policy's stale-group-finder rules (policies/jiusan-2020.toml), translated
-- by hand into DuckDB's dialect for the DuckDB reference of bench/run (bench/ref/duckdb.mjs).
--
-- `-- view: NAME` sections are the policy's [[view]]s the rules read (materialized as TEMP TABLEs in
-- policy order), `-- rule: ID` sections the rules' SELECTs, with the policy's logic and result
-- columns. The dialect changes are those listed in membership-audit.sql:
--   julianday(a) - julianday(b) → a - b; date(julianday(d) + n) → d + n (dates are DATE);
--   0/1 integers → BOOLEAN; COALESCE(date, '—') → COALESCE(CAST(date AS VARCHAR), '—');
--   group_concat over an ordered subquery → string_agg(… ORDER BY …); json_each(:list) → unnest(:list).
-- Parameters are :name as in the policy; bench/ref/duckdb.mjs replaces them by typed literals.

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

-- rule: temporary-group-overdue  [policy sql 7bf0d2ec37ab]
SELECT 'group' AS subject_kind, g.group_id AS subject_id, g.name AS subject_name,
       g.org_id, g.dept_id, g.group_id, g.owner_id AS responsible_id,
       g.label AS group_name, g.work_ended_on, g.due_on,
       :as_of - g.due_on AS days_overdue
FROM group_state g
WHERE g.serving AND g.term = 'temporary' AND g.due_on IS NOT NULL AND g.due_on < :as_of

-- rule: temporary-group-due-soon  [policy sql a36ea515f4a0]
SELECT 'group' AS subject_kind, g.group_id AS subject_id, g.name AS subject_name,
       g.org_id, g.dept_id, g.group_id, g.owner_id AS responsible_id,
       g.label AS group_name, g.work_ended_on, g.due_on,
       g.due_on - :as_of AS days_left
FROM group_state g
WHERE g.serving AND g.term = 'temporary' AND g.due_on IS NOT NULL
  AND g.due_on >= :as_of
  AND g.due_on - :as_of <= :due_soon_days

-- rule: temporary-group-closed-late  [policy sql a319383daaf3]
SELECT 'group' AS subject_kind, g.group_id AS subject_id, g.name AS subject_name,
       g.org_id, g.dept_id, g.group_id, g.owner_id AS responsible_id,
       g.label AS group_name, g.work_ended_on, g.dissolved_on, g.due_on,
       g.dissolved_on - g.due_on AS days_overdue
FROM group_state g
WHERE g.existing AND g.term = 'temporary'
  AND g.dissolved_on IS NOT NULL AND g.due_on IS NOT NULL
  AND g.dissolved_on > g.due_on

-- rule: temporary-group-no-end-date  [policy sql 76658c7b02f6]
SELECT 'group' AS subject_kind, g.group_id AS subject_id, g.name AS subject_name,
       g.org_id, g.dept_id, g.group_id, g.owner_id AS responsible_id,
       g.label AS group_name, COALESCE(CAST(g.created_on AS VARCHAR), '—') AS created_on,
       g.created_on + :temporary_max_days AS due_on,
       :as_of - g.created_on - :temporary_max_days AS days_overdue
FROM group_state g
WHERE g.serving AND g.term = 'temporary' AND g.work_ended_on IS NULL
  AND (g.created_on IS NULL OR :as_of - g.created_on > :temporary_max_days)

-- rule: long-term-group-inactive  [policy sql 8cc8b9d54c5f]
SELECT 'group' AS subject_kind, g.group_id AS subject_id, g.name AS subject_name,
       g.org_id, g.dept_id, g.group_id, g.owner_id AS responsible_id,
       g.label AS group_name, g.last_activity_on,
       :as_of - g.last_activity_on AS days_inactive
FROM group_state g
WHERE g.serving AND g.term = 'long' AND g.last_activity_on IS NOT NULL
  AND :as_of - g.last_activity_on > :inactive_days
