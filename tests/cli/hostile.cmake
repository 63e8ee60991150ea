# Hostile inputs: cmake -DBIN_DIR=... -DSOURCE_DIR=... -DWORK_DIR=... [-DCASES=a,b] -P hostile.cmake
#
# Each case generates its input here, at test time (nothing large is committed), runs a tool on
# it from WORK_DIR (so messages name files as given, relative) and asserts the exact exit status,
# standard output and standard error. CASES limits the run to the named cases.
cmake_policy(VERSION 3.25)
set(ENV{TZ} UTC)
set(ENV{LANG} C)
set(ENV{LC_ALL} "")
set(ENV{NO_COLOR} "")
set(ENV{SOURCE_DATE_EPOCH} 1795752000)  # a fixed e-mail Date: header
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
set(tool ${BIN_DIR}/stale-group-finder)
set(policy ${SOURCE_DIR}/policies/jiusan-2020.toml)
set(sql_text "'); DROP TABLE groups; --")
set(clean_csv "group_id,org_id,term\nG1,O1,long\n")
# A clean report counts the rules run: every stale-group-finder rule of the policy (each needs only groups).
file(STRINGS ${policy} rules_run REGEX "^tool = \"stale-group-finder\"$")
list(LENGTH rules_run rules_run)
string(REPLACE "," ";" selected "${CASES}")

function(wanted case result)
  if(selected AND NOT case IN_LIST selected)
    set(${result} FALSE PARENT_SCOPE)
  else()
    message(STATUS "hostile: ${case}")
    set(${result} TRUE PARENT_SCOPE)
  endif()
endfunction()

function(expect what actual wanted)
  if(NOT "${actual}" STREQUAL "${wanted}")
    message(FATAL_ERROR "${what}: got [${actual}], expected [${wanted}]")
  endif()
endfunction()

# Runs the tool in WORK_DIR with the given arguments; sets rc, out and err in the caller.
macro(run)
  execute_process(COMMAND ${tool} ${ARGV} WORKING_DIRECTORY ${WORK_DIR}
                  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
endmacro()

# Like run(), on clean.csv, with one more argument that may hold ';' (which ARGV would split).
macro(run_clean_with argument)
  execute_process(COMMAND ${tool} --table groups=clean.csv "${argument}" WORKING_DIRECTORY ${WORK_DIR}
                  OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
endmacro()

# Asserts the last run's exit status, standard output and standard error.
function(check case wanted_rc wanted_out wanted_err)
  expect("${case}: exit status" "${rc}" "${wanted_rc}")
  expect("${case}: stdout" "${out}" "${wanted_out}")
  expect("${case}: stderr" "${err}" "${wanted_err}")
endfunction()

# A policy extending the shipped one whose temporary-group-overdue rule (and, when VIEW_SQL is
# not empty, a view the rule reads) is the given SQL.
function(write_rule_policy file rule_sql view_sql)
  set(text "[policy]\nid = \"hostile\"\nextends = \"${policy}\"\n\n")
  if(NOT view_sql STREQUAL "")
    string(APPEND text "[[view]]\nname = \"hostile_view\"\nrequires = [\"groups\"]\nsql = \"${view_sql}\"\n\n")
  endif()
  # The rule's own message reads a column (days_en) these queries need not return: say it plainly.
  string(APPEND text "[[rule]]\nid = \"temporary-group-overdue\"\nsql = \"${rule_sql}\"\n"
         "message = { zh = \"{group_id}：{due_on}\", en = \"{group_id}: due {due_on}\" }\n")
  file(WRITE ${WORK_DIR}/${file} "${text}")
endfunction()

file(WRITE ${WORK_DIR}/clean.csv "${clean_csv}")

# --- Inventory bytes ------------------------------------------------------------------------
wanted(field-4mib yes)
if(yes)
  string(REPEAT "a" 4194304 field)
  file(WRITE ${WORK_DIR}/field.csv "group_id,org_id,term,name\nG1,O1,long,${field}\n")
  unset(field)
  run(--table groups=field.csv --as-of 2026-11-27 --format json)
  expect("field-4mib: exit status" "${rc}" "0")
  expect("field-4mib: stderr" "${err}" "")
  string(JSON rows GET "${out}" inventory tables groups)
  expect("field-4mib: rows loaded" "${rows}" "1")
endif()

wanted(nul-byte yes)
if(yes)
  # CMake strings cannot hold a NUL: printf writes it.
  execute_process(COMMAND printf "group_id,org_id,term\\nG1,O\\0001,long\\n" OUTPUT_FILE ${WORK_DIR}/nul.csv)
  run(--table groups=nul.csv --as-of 2026-11-27)
  check(nul-byte 2 "" "nul.csv:2:5: NUL byte (0x00) in the file; the file must be UTF-8 text\n")
endif()

wanted(invalid-utf8 yes)
if(yes)
  execute_process(COMMAND printf "group_id,org_id,term,name\\nG1,O1,long,ab\\377\\376\\n" OUTPUT_FILE ${WORK_DIR}/utf8.csv)
  run(--table groups=utf8.csv --as-of 2026-11-27)
  check(invalid-utf8 2 ""
        "utf8.csv:2:14: cannot tell the file's encoding: byte 0xFF here is not UTF-8, and the file is not GB18030 (GBK) either; if it is GBK or GB18030, set encoding = \"gb18030\" under [tables.groups] in a mapping file given with --mapping FILE or pass --encoding gb18030; for another encoding, give its name there (iconv -l lists them)\n")
  # Forced UTF-8: the same byte is an error at its position, never replaced.
  run(--table groups=utf8.csv --as-of 2026-11-27 --encoding utf-8)
  expect("invalid-utf8 forced: exit status" "${rc}" "2")
  expect("invalid-utf8 forced: stdout" "${out}" "")
  if(NOT err MATCHES "^utf8.csv:2:14: ")
    message(FATAL_ERROR "invalid-utf8 forced: stderr [${err}] does not name utf8.csv:2:14")
  endif()
endif()

wanted(line-100mb yes)
if(yes)
  # 100 MiB in one field of a last line that has no line break: read whole, not cut or dropped.
  string(REPEAT "b" 1048576 mebibyte)
  file(WRITE ${WORK_DIR}/line.csv "group_id,org_id,term,name\nG1,O1,long,")
  foreach(i RANGE 1 100)
    file(APPEND ${WORK_DIR}/line.csv "${mebibyte}")
  endforeach()
  unset(mebibyte)
  run(--table groups=line.csv --as-of 2026-11-27 --format json)
  expect("line-100mb: exit status" "${rc}" "0")
  expect("line-100mb: stderr" "${err}" "")
  string(JSON rows GET "${out}" inventory tables groups)
  expect("line-100mb: rows loaded" "${rows}" "1")
  file(REMOVE ${WORK_DIR}/line.csv)
endif()

wanted(field-over-limit yes)
if(yes)
  # One byte more than 256 MiB in one field: refused where the field starts, not read until
  # memory runs out.
  string(REPEAT "b" 1048576 mebibyte)
  file(WRITE ${WORK_DIR}/huge.csv "group_id,org_id,term,name\nG1,O1,long,b")
  foreach(i RANGE 1 256)
    file(APPEND ${WORK_DIR}/huge.csv "${mebibyte}")
  endforeach()
  unset(mebibyte)
  run(--table groups=huge.csv --as-of 2026-11-27)
  check(field-over-limit 2 ""
        "huge.csv:2:12: field longer than 256 MiB, the most chataudit reads in one cell; is this a CSV file?\n")
  file(REMOVE ${WORK_DIR}/huge.csv)
endif()

wanted(columns-1m yes)
if(yes)
  # A header of 1,000,000 columns: refused at once, at the 1,001st.
  execute_process(COMMAND seq -s , -f c%.0f 4 1000000 OUTPUT_VARIABLE extra OUTPUT_STRIP_TRAILING_WHITESPACE)
  file(WRITE ${WORK_DIR}/columns.csv "group_id,org_id,term,${extra}\nG1,O1,long\n")
  unset(extra)
  run(--table groups=columns.csv --as-of 2026-11-27)
  check(columns-1m 2 ""
        "columns.csv:1:4906: more than 1000 fields in one row, the most chataudit reads; is the delimiter right?\n")
  file(REMOVE ${WORK_DIR}/columns.csv)
endif()

wanted(dev-zero yes)
if(yes)
  # An endless device is not read forever: its first NUL byte stops the load.
  run(--table groups=/dev/zero --as-of 2026-11-27)
  check(dev-zero 2 "" "/dev/zero:1:1: NUL byte (0x00) in the file; the file must be UTF-8 text\n")
endif()

# --- SQL text as data -------------------------------------------------------------------------
wanted(sql-in-values yes)
if(yes)
  # In ids, names and references: the report carries it unchanged, as data.
  file(WRITE ${WORK_DIR}/sql.csv
       "group_id,name,org_id,dept_id,term,work_ended_on,owner_id\n\"G1${sql_text}\",\"${sql_text}\",\"O1${sql_text}\",\"D1${sql_text}\",temporary,2026-10-01,\"P1${sql_text}\"\n")
  run(--table groups=sql.csv --as-of 2026-11-27 --format json)
  expect("sql-in-values: exit status" "${rc}" "1")
  expect("sql-in-values: stderr" "${err}" "")
  string(JSON findings GET "${out}" summary findings)
  expect("sql-in-values: findings" "${findings}" "1")
  # (details.group_name is the subject's name: a copy, left out of details.)
  foreach(pair "subject;id;G1" "subject;name;" "org_id;;O1" "dept_id;;D1" "responsible_id;;P1")
    list(GET pair 0 key)
    list(GET pair 1 subkey)
    list(GET pair 2 prefix)
    string(JSON value GET "${out}" findings 0 ${key} ${subkey})
    expect("sql-in-values: ${key} ${subkey}" "${value}" "${prefix}${sql_text}")
  endforeach()
  string(JSON message GET "${out}" findings 0 message)
  expect("sql-in-values: message" "${message}"
         "${sql_text} (G1${sql_text}): work ended 2026-10-01, due 2026-10-08, 50 days overdue")

  # A waiver whose subject and reason are SQL text waives that finding, and nothing else happens.
  file(WRITE ${WORK_DIR}/sql-waivers.toml
       "[[waiver]]\nrule = \"temporary-group-overdue\"\nsubject = \"G1${sql_text}\"\nreason = \"${sql_text}\"\napproved_by = \"${sql_text}\"\nexpires = 2027-01-01\n")
  run(--table groups=sql.csv --as-of 2026-11-27 --waivers sql-waivers.toml --format json)
  expect("sql-in-values waived: exit status" "${rc}" "0")
  string(JSON waived GET "${out}" summary waived)
  expect("sql-in-values waived: waived" "${waived}" "1")
  string(JSON reason GET "${out}" waived 0 waiver reason)
  expect("sql-in-values waived: reason" "${reason}" "${sql_text}")

  # In a date, an enumeration, an option: an input or usage error that quotes it.
  file(WRITE ${WORK_DIR}/sql-date.csv "group_id,org_id,term,work_ended_on\nG1,O1,temporary,\"x${sql_text}\"\n")
  run(--table groups=sql-date.csv --as-of 2026-11-27)
  check(sql-in-date 2 ""
        "sql-date.csv:2:17: work_ended_on: invalid date \"x${sql_text}\"; expected YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD, YYYYMMDD, YYYY年MM月DD日, or a date-time such as 2026-11-27 14:30 or 2026-11-27T14:30+08:00\n")
  file(WRITE ${WORK_DIR}/sql-term.csv "group_id,org_id,term\nG1,O1,\"${sql_text}\"\n")
  run(--table groups=sql-term.csv --as-of 2026-11-27)
  check(sql-in-enum 2 ""
        "sql-term.csv:2:7: term: unknown term \"${sql_text}\"; expected one of long, temporary (or 长期/長期/临时/臨時/短期)\n")
  run_clean_with("--set=due_soon_days=1${sql_text}")
  check(sql-in-set 2 "" "stale-group-finder: --set due_soon_days=1${sql_text}: expected an integer\n")
  run_clean_with("--as-of=2026-11-27${sql_text}")
  check(sql-in-as-of 2 ""
        "stale-group-finder: --as-of 2026-11-27${sql_text}: not a date; expected YYYY-MM-DD, YYYY/MM/DD, YYYY.MM.DD, YYYYMMDD, YYYY年MM月DD日, or a date-time such as 2026-11-27 14:30 or 2026-11-27T14:30+08:00\n")
  run_clean_with("--rule=x${sql_text}")
  check(sql-in-rule 2 "" "stale-group-finder: --rule x${sql_text}: no such rule in policy jiusan-2020 (see --list-rules)\n")
endif()

# --- Data that would become code in a report --------------------------------------------------
wanted(csv-formula yes)
if(yes)
  file(WRITE ${WORK_DIR}/formula.csv "group_id,name,org_id,term,work_ended_on
=G1,\"=HYPERLINK(\"\"http://evil.example\"\")\",O1,temporary,2026-10-01
+G2,+1+1,O1,temporary,2026-10-01
-G3,-2+3,O1,temporary,2026-10-01
@G4,@SUM(A1),O1,temporary,2026-10-01
")
  run(--table groups=formula.csv --as-of 2026-11-27 --format csv)
  set(tail "Art. 3 ¶4,Temporary group not dissolved within 7 days after its work ended")
  set(remedy "\"Dissolve the group, or record it as long-term and file it.\"")
  check(csv-formula 1 "rule,severity,severity_label,subject_kind,subject_id,subject_name,org_id,dept_id,account_id,group_id,person_id,handle,responsible_id,responsible_name,due_on,days_overdue,article,title,message,remedy,change,fingerprint
temporary-group-overdue,error,error,group,'+G2,'+1+1,O1,,,'+G2,,,,,2026-10-08,50,${tail},\"'+1+1 (+G2): work ended 2026-10-01, due 2026-10-08, 50 days overdue\",${remedy},,89c49375f29ee1a7
temporary-group-overdue,error,error,group,'-G3,'-2+3,O1,,,'-G3,,,,,2026-10-08,50,${tail},\"'-2+3 (-G3): work ended 2026-10-01, due 2026-10-08, 50 days overdue\",${remedy},,d000e4b04f908524
temporary-group-overdue,error,error,group,'=G1,\"'=HYPERLINK(\"\"http://evil.example\"\")\",O1,,,'=G1,,,,,2026-10-08,50,${tail},\"'=HYPERLINK(\"\"http://evil.example\"\") (=G1): work ended 2026-10-01, due 2026-10-08, 50 days overdue\",${remedy},,609ea69651e22101
temporary-group-overdue,error,error,group,'@G4,'@SUM(A1),O1,,,'@G4,,,,,2026-10-08,50,${tail},\"'@SUM(A1) (@G4): work ended 2026-10-01, due 2026-10-08, 50 days overdue\",${remedy},,3f020c82e9ff3cdb
" "")
endif()

wanted(crlf-in-mail-headers yes)
if(yes)
  # CR/LF in a group name and in the owner id that --split-by would put into To: and Subject:. A key
  # that is not a plain id is never put into an address or a file name: its findings go to the
  # unassigned report, to the address the operator named.
  file(WRITE ${WORK_DIR}/crlf.csv
       "group_id,name,org_id,term,work_ended_on,owner_id\nG1,\"Evil\r\nBcc: x@evil.example\",O1,temporary,2026-10-01,\"P1\r\nBcc: y@evil.example\"\n")
  file(MAKE_DIRECTORY ${WORK_DIR}/mail)
  run(--table groups=crlf.csv --as-of 2026-11-27 --format email "--mail-to={id}@example.org"
      --mail-unassigned=audit@example.org --split-by responsible --output-dir mail)
  check(crlf-in-mail-headers 1 "" "")
  file(GLOB messages RELATIVE ${WORK_DIR}/mail ${WORK_DIR}/mail/*.eml)
  expect("crlf-in-mail-headers: files" "${messages}" "unassigned.eml")
  # The header block, as hex (file(READ) as text would drop the CRs): every line ends in CRLF, and
  # no CR or LF stands alone (headers are ASCII, so hex digit pairs cannot straddle bytes here).
  file(READ ${WORK_DIR}/mail/unassigned.eml hex HEX)
  string(FIND "${hex}" "0d0a0d0a" header_end)
  string(SUBSTRING "${hex}" 0 ${header_end} header_hex)
  string(REPLACE "0d0a" "" stray "${header_hex}")
  if(stray MATCHES "^(..)*(0d|0a)")
    message(FATAL_ERROR "crlf-in-mail-headers: a bare CR or LF in the headers")
  endif()
  file(READ ${WORK_DIR}/mail/unassigned.eml message)
  string(FIND "${message}" "\n\n" header_end)
  string(SUBSTRING "${message}" 0 ${header_end} headers)
  string(REGEX REPLACE "boundary=\"[^\"]*\"" "boundary=\"B\"" headers "${headers}")
  string(REGEX REPLACE "Message-ID: <[0-9a-f]+@" "Message-ID: <ID@" headers "${headers}")
  expect("crlf-in-mail-headers: headers" "${headers}" "To: audit@example.org
Subject: =?UTF-8?B?c3RhbGUtZ3JvdXAtZmluZGVyIOKAlCB1bmFzc2lnbmVkOiAxIGZp?=
 =?UTF-8?B?bmRpbmcg4oCUIGFzIG9mIDIwMjYtMTEtMjc=?=
Date: Fri, 27 Nov 2026 04:00:00 +0000
Message-ID: <ID@chataudit.invalid>
MIME-Version: 1.0
Content-Type: multipart/alternative;
 boundary=\"B\"
Auto-Submitted: auto-generated
X-Chataudit-Findings: 1")
endif()

# --- Policies -----------------------------------------------------------------------------------
wanted(policy-nested-5000 yes)
if(yes)
  string(REPEAT "[" 5000 open)
  string(REPEAT "]" 5000 close)
  file(WRITE ${WORK_DIR}/deep-array.toml "[policy]\nid = \"deep\"\nx = ${open}${close}\n")
  run(--policy deep-array.toml --table groups=clean.csv --as-of 2026-11-27)
  check(policy-nested-arrays 2 ""
        "deep-array.toml:3:261: Error while parsing value: exceeded maximum nested value depth of 256 (TOML_MAX_NESTED_VALUES)\n")
  string(REPEAT "{a=" 5000 open)
  string(REPEAT "}" 5000 close)
  file(WRITE ${WORK_DIR}/deep-inline.toml "[policy]\nid = \"deep\"\nx = ${open}1${close}\n")
  run(--policy deep-inline.toml --table groups=clean.csv --as-of 2026-11-27)
  check(policy-nested-inline-tables 2 ""
        "deep-inline.toml:3:773: Error while parsing value: exceeded maximum nested value depth of 256 (TOML_MAX_NESTED_VALUES)\n")
  string(REPEAT ".a" 5000 dotted)
  file(WRITE ${WORK_DIR}/deep-dotted.toml "[a${dotted}]\nb = 1\n")
  run(--policy deep-dotted.toml --table groups=clean.csv --as-of 2026-11-27)
  check(policy-nested-table-headers 2 ""
        "deep-dotted.toml:1:2: unknown key \"a\" in the policy; expected one of: policy, params, view, rule\n")
  file(WRITE ${WORK_DIR}/deep-waivers.toml "[[waiver]]\nrule = ${open}1${close}\n")
  run(--table groups=clean.csv --as-of 2026-11-27 --waivers deep-waivers.toml)
  check(waivers-nested 2 ""
        "deep-waivers.toml:2:776: Error while parsing value: exceeded maximum nested value depth of 256 (TOML_MAX_NESTED_VALUES)\n")
endif()

wanted(endless-files yes)
if(yes)
  # A policy, a base it extends or a waiver file that never ends: refused past 16 MiB.
  file(WRITE ${WORK_DIR}/extends-zero.toml "[policy]\nid = \"zero\"\nextends = \"/dev/zero\"\n")
  run(--policy extends-zero.toml --table groups=clean.csv --as-of 2026-11-27)
  check(policy-extends-dev-zero 2 "" "/dev/zero: larger than 16 MiB, the most a policy file may hold\n")
  run(--policy /dev/zero --table groups=clean.csv --as-of 2026-11-27)
  check(policy-dev-zero 2 "" "/dev/zero: larger than 16 MiB, the most a policy file may hold\n")
  run(--waivers /dev/zero --table groups=clean.csv --as-of 2026-11-27)
  check(waivers-dev-zero 2 "" "/dev/zero: larger than 16 MiB, the most a waiver file may hold\n")
endif()

wanted(policy-sql-writes yes)
if(yes)
  # Rules and views run read-only under an authorizer: anything but reading is refused when the
  # policy is compiled, before any rule runs, at the SQL's position in the policy.
  set(rule_sql "SELECT 'group' AS subject_kind, group_id AS subject_id, name AS group_name, work_ended_on, NULL AS due_on, 0 AS days_overdue FROM hostile_view")
  set(index 0)
  foreach(sql_and_error
          "ATTACH DATABASE 'attached.db' AS x|only SELECT is allowed; not authorized"
          "INSERT INTO groups(group_id) VALUES ('x')|only SELECT is allowed; not authorized"
          "UPDATE groups SET name = 'x'|only SELECT is allowed; not authorized"
          "DELETE FROM groups|only SELECT is allowed; not authorized"
          "WITH t AS (SELECT 1) DELETE FROM groups|only SELECT is allowed; not authorized"
          "PRAGMA writable_schema = ON|only SELECT is allowed; not authorized"
          "PRAGMA journal_mode = OFF|only SELECT is allowed; not authorized"
          "CREATE TABLE t(x)|only SELECT is allowed; not authorized"
          "DROP TABLE groups|only SELECT is allowed; not authorized"
          "VACUUM INTO 'copy.db'|only SELECT is allowed")
    string(FIND "${sql_and_error}" "|" bar)
    string(SUBSTRING "${sql_and_error}" 0 ${bar} sql)
    math(EXPR after "${bar} + 1")
    string(SUBSTRING "${sql_and_error}" ${after} -1 error)
    math(EXPR index "${index} + 1")
    write_rule_policy(rule-${index}.toml "${sql}" "")
    run(--policy rule-${index}.toml --table groups=clean.csv --as-of 2026-11-27)
    check("rule: ${sql}" 2 "" "rule-${index}.toml:7:8: rule temporary-group-overdue: ${error}\n")
    write_rule_policy(view-${index}.toml "${rule_sql}" "${sql}")
    run(--policy view-${index}.toml --table groups=clean.csv --as-of 2026-11-27)
    check("view: ${sql}" 2 "" "view-${index}.toml:8:8: view hostile_view: ${error}\n")
  endforeach()
  if(EXISTS ${WORK_DIR}/attached.db OR EXISTS ${WORK_DIR}/copy.db)
    message(FATAL_ERROR "policy-sql-writes: a refused statement created a file")
  endif()
  # A second statement after the SELECT is never run.
  write_rule_policy(two.toml "SELECT 1; DELETE FROM groups" "")
  run(--policy two.toml --table groups=clean.csv --as-of 2026-11-27)
  check("rule: two statements" 2 "" "two.toml:7:18: rule temporary-group-overdue: more than one SQL statement; expected one SELECT\n")
  # Loadable extensions: the function is refused by the authorizer when the SQL is compiled.
  write_rule_policy(extension.toml "SELECT load_extension('evil.so') AS subject_kind" "")
  run(--policy extension.toml --table groups=clean.csv --as-of 2026-11-27)
  check("rule: load_extension" 2 ""
        "extension.toml:7:15: rule temporary-group-overdue: function load_extension() is not allowed: it would load code into the tool\n")
  write_rule_policy(view-extension.toml "${rule_sql}" "SELECT *, load_extension('evil.so') FROM groups")
  run(--policy view-extension.toml --table groups=clean.csv --as-of 2026-11-27)
  check("view: load_extension" 2 ""
        "view-extension.toml:8:18: view hostile_view: function load_extension() is not allowed: it would load code into the tool\n")
endif()

wanted(sql-functions-refused yes)
if(yes)
  # SPEC §4: an allow-list of functions; pointers, randomness and the clock are refused when the
  # policy is compiled, at the call's position.
  set(why_random "a report must be the same for the same inputs")
  set(why_clock "reads the clock ('now', CURRENT_DATE, CURRENT_TIME or CURRENT_TIMESTAMP), which is refused: an audit re-run for a date must give the same answer; use :as_of, the audit date")
  set(index 0)
  foreach(call_and_error
          "fts3_tokenizer('simple')|15|function fts3_tokenizer() is not allowed: it hands out and takes native pointers"
          "random()|15|function random() is not allowed: ${why_random}"
          "randomblob(8)|15|function randomblob() is not allowed: ${why_random}"
          "rtreecheck('groups')|15|function rtreecheck() is not allowed: it is not one of the functions a rule or view may call (chataudit-policy(5), FUNCTIONS)"
          "CURRENT_TIMESTAMP|15|${why_clock}"
          "date('now', 'localtime')|20|${why_clock}"
          "julianday('NOW')|25|${why_clock}")
    string(FIND "${call_and_error}" "|" bar)
    string(SUBSTRING "${call_and_error}" 0 ${bar} call)
    math(EXPR after "${bar} + 1")
    string(SUBSTRING "${call_and_error}" ${after} -1 rest)
    string(FIND "${rest}" "|" bar)
    string(SUBSTRING "${rest}" 0 ${bar} column)
    math(EXPR after "${bar} + 1")
    string(SUBSTRING "${rest}" ${after} -1 error)
    math(EXPR index "${index} + 1")
    write_rule_policy(function-${index}.toml "SELECT ${call} AS subject_kind, 'x' AS subject_id" "")
    run(--policy function-${index}.toml --table groups=clean.csv --as-of 2026-11-27)
    check("function: ${call}" 2 "" "function-${index}.toml:7:${column}: rule temporary-group-overdue: ${error}\n")
  endforeach()
  # A 'now' the text does not show (built, or a cell's value) reaches a VFS without a clock.
  write_rule_policy(built-now.toml "SELECT 'group' AS subject_kind, group_id AS subject_id, group_id, name AS group_name, work_ended_on, date('n' || 'ow') AS due_on, 0 AS days_overdue FROM groups" "")
  run(--policy built-now.toml --table groups=clean.csv --as-of 2026-11-27)
  check("function: date('n' || 'ow')" 2 "" "built-now.toml:7:8: rule temporary-group-overdue: ${why_clock}\n")
  file(WRITE ${WORK_DIR}/now-cell.csv "group_id,org_id,term,seen\nG1,O1,long,now\n")
  write_rule_policy(now-cell.toml "SELECT 'group' AS subject_kind, group_id AS subject_id, group_id, name AS group_name, work_ended_on, NULL AS due_on, 0 AS days_overdue FROM groups WHERE julianday(seen) > 0" "")
  run(--policy now-cell.toml --table groups=now-cell.csv --as-of 2026-11-27)
  check("function: julianday of a cell holding now" 2 "" "now-cell.toml:7:8: rule temporary-group-overdue: ${why_clock}\n")
  # 'now' as data, in a comment or inside a longer literal is no clock.
  write_rule_policy(not-clock.toml "SELECT 'group' AS subject_kind, group_id AS subject_id, group_id, name AS group_name, work_ended_on, NULL AS due_on, 0 AS days_overdue FROM groups WHERE name = 'now and then' /* 'now' */" "")
  run(--policy not-clock.toml --table groups=clean.csv --as-of 2026-11-27)
  check("not the clock" 0 "" "")
  # A view inside a SQLite inventory is held to the same list when it is read.
  execute_process(COMMAND ${PYTHON} -c "
import sqlite3
db = sqlite3.connect('views.db')
db.executescript('''
CREATE TABLE stored(group_id, org_id, term);
INSERT INTO stored VALUES ('G1', 'O1', 'long');
CREATE VIEW clock AS SELECT stored.*, date('now') AS seen FROM stored;
CREATE VIEW chance AS SELECT * FROM stored WHERE random() <> 0;
CREATE VIEW endless AS WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n)
  SELECT * FROM stored WHERE (SELECT max(i) FROM n) > 0;
CREATE VIEW groups AS SELECT * FROM endless;
CREATE VIEW built AS SELECT stored.*, date('n' || 'ow') AS seen FROM stored;
''')
db.commit()" WORKING_DIRECTORY ${WORK_DIR} RESULT_VARIABLE made)
  expect("views.db" "${made}" "0")
  file(WRITE ${WORK_DIR}/clock.toml "[tables.groups]\ntable = \"clock\"\n")
  run(--inventory views.db --mapping clock.toml --as-of 2026-11-27)
  check("inventory view: clock" 2 "" "views.db: clock: view clock: ${why_clock}\n")
  file(WRITE ${WORK_DIR}/chance.toml "[tables.groups]\ntable = \"chance\"\n")
  run(--inventory views.db --mapping chance.toml --as-of 2026-11-27)
  check("inventory view: random" 2 "" "views.db: chance: view chance: function random() is not allowed: ${why_random}\n")
  file(WRITE ${WORK_DIR}/built.toml "[tables.groups]\ntable = \"built\"\n")
  run(--inventory views.db --mapping built.toml --as-of 2026-11-27)
  check("inventory view: built now" 2 "" "views.db: built: table groups: ${why_clock}\n")
endif()

wanted(rule-timeout yes)
if(yes)
  # SPEC §2 --rule-timeout: an endless rule, an endless view and an endless view inside a SQLite
  # inventory are each stopped (the test's own timeout would catch one that is not).
  set(stopped "stopped after 2 seconds (--rule-timeout 2); a view, a rule or a read of a table may run that long at most: look for a recursive query that never ends, or give more time with --rule-timeout SECONDS")
  set(endless "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n)")
  set(columns "'group' AS subject_kind, group_id AS subject_id, group_id, name AS group_name, work_ended_on, NULL AS due_on, 0 AS days_overdue")
  write_rule_policy(endless-rule.toml "${endless} SELECT ${columns} FROM groups WHERE (SELECT max(i) FROM n) > 0" "")
  run(--policy endless-rule.toml --table groups=clean.csv --as-of 2026-11-27 --rule-timeout 2)
  check("endless rule" 2 "" "endless-rule.toml:7:8: rule temporary-group-overdue: ${stopped}\n")
  write_rule_policy(endless-view.toml "SELECT ${columns} FROM hostile_view"
                    "${endless} SELECT * FROM groups WHERE (SELECT max(i) FROM n) > 0")
  run(--policy endless-view.toml --table groups=clean.csv --as-of 2026-11-27 --rule-timeout 2)
  check("endless view" 2 "" "endless-view.toml:8:8: view hostile_view: ${stopped}\n")
  # views.db (made by sql-functions-refused): its `groups` is a view over an endless CTE.
  run(--inventory views.db --as-of 2026-11-27 --rule-timeout 2)
  check("endless inventory view" 2 "" "views.db: table groups: ${stopped}\n")
  # SPEC §5, issue 22: reports are written only once every rule has run. temporary-group-overdue
  # (an error: first in report order) finds G1 and is rendered into the spool; the endless
  # long-term-group-inactive (a notice: last) then times out. Nothing reaches standard output.
  set(text "[policy]\nid = \"hostile\"\nextends = \"${policy}\"\n\n")
  string(APPEND text "[[rule]]\nid = \"temporary-group-overdue\"\nsql = \"SELECT ${columns} FROM groups\"\n"
         "message = { zh = \"{group_id}：{due_on}\", en = \"{group_id}: due {due_on}\" }\n\n")
  string(APPEND text "[[rule]]\nid = \"long-term-group-inactive\"\nsql = \"${endless} SELECT ${columns}, "
                     "'x' AS last_activity_on, 1 AS days_inactive FROM groups WHERE (SELECT max(i) FROM n) > 0\"\n"
                     "message = { zh = \"{group_id}\", en = \"{group_id}\" }\n")
  file(WRITE ${WORK_DIR}/late-timeout.toml "${text}")
  foreach(format text json)
    run(--policy late-timeout.toml --table groups=clean.csv --as-of 2026-11-27 --rule-timeout 2 --format ${format})
    check("late timeout (${format})" 2 "" "late-timeout.toml:12:8: rule long-term-group-inactive: ${stopped}\n")
  endforeach()
  run(--policy late-timeout.toml --table groups=clean.csv --as-of 2026-11-27 --skip-rule long-term-group-inactive
      --format json)
  expect("late timeout: the first rule alone finds G1" "${rc}" "1")
  foreach(bad 0 -3 nan)
    run(--table groups=clean.csv --rule-timeout ${bad})
    check("--rule-timeout ${bad}" 2 "" "stale-group-finder: --rule-timeout ${bad}: expected a number of seconds above 0\n")
  endforeach()
endif()

wanted(param-values yes)
if(yes)
  # SPEC §4: the shipped policy declares what each parameter accepts; --set is held to it.
  foreach(set_and_error
          "real_name_match=bogus|expected one of exact, contains, off"
          "grace_days=-5|expected at least 0"
          "name_markers=|expected not empty (an empty item would match everything)"
          "min_review_levels=0|expected at least 1")
    string(FIND "${set_and_error}" "|" bar)
    string(SUBSTRING "${set_and_error}" 0 ${bar} set)
    math(EXPR after "${bar} + 1")
    string(SUBSTRING "${set_and_error}" ${after} -1 error)
    string(FIND "${set}" "=" equals)
    string(SUBSTRING "${set}" 0 ${equals} name)
    run(--table groups=clean.csv --as-of 2026-11-27 --set ${set})
    check("--set ${set}" 2 "" "stale-group-finder: --set ${set}: ${error}, as policy jiusan-2020 declares for ${name}\n")
  endforeach()
  run(--table groups=clean.csv --as-of 2026-11-27 --due-within 0 --set real_name_match=off)
  check("--set within bounds" 0 "" "")
  # In a policy that extends the shipped one, at the value's position.
  file(WRITE ${WORK_DIR}/negative.toml "[policy]\nid = \"negative\"\nextends = \"${policy}\"\n\n[params]\ngrace_days = -1\n")
  run(--policy negative.toml --table groups=clean.csv --as-of 2026-11-27)
  check("policy grace_days = -1" 2 "" "negative.toml:6:14: parameter grace_days: expected at least 0\n")
endif()

wanted(table-streams yes)
if(yes)
  # --table reads pipes, FIFOs, /dev/stdin and process substitution whole: only a regular file is
  # sniffed for a SQLite header. Each gives the findings the file gives.
  set(groups ${SOURCE_DIR}/samples/jiusan/groups.csv)
  set(common --as-of 2026-11-27 --format csv)
  run(--table groups=${groups} ${common})
  expect("streams: the file's exit status" "${rc}" "1")
  set(from_file "${out}")
  execute_process(COMMAND bash -c "\"$0\" --table groups=<(cat \"$1\") \"\${@:2}\"" ${tool} ${groups} ${common}
                  WORKING_DIRECTORY ${WORK_DIR} OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
  check("streams: <(cat groups.csv)" 1 "${from_file}" "")
  execute_process(COMMAND ${tool} --table groups=/dev/stdin ${common} INPUT_FILE ${groups}
                  WORKING_DIRECTORY ${WORK_DIR} OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
  check("streams: /dev/stdin, a file" 1 "${from_file}" "")
  execute_process(COMMAND bash -c "cat \"$1\" | \"$0\" --table groups=/dev/stdin \"\${@:2}\"" ${tool} ${groups} ${common}
                  WORKING_DIRECTORY ${WORK_DIR} OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
  check("streams: /dev/stdin, a pipe" 1 "${from_file}" "")
  execute_process(COMMAND mkfifo ${WORK_DIR}/groups.fifo RESULT_VARIABLE made)
  expect("mkfifo" "${made}" "0")
  execute_process(COMMAND bash -c "cat \"$1\" > groups.fifo & \"$0\" --table groups=groups.fifo \"\${@:2}\"; status=$?; wait; exit $status"
                          ${tool} ${groups} ${common}
                  WORKING_DIRECTORY ${WORK_DIR} OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
  check("streams: a FIFO" 1 "${from_file}" "")
  # Two tables from one standard input: refused before anything is read, always the same way.
  foreach(second - /dev/stdin)
    execute_process(COMMAND bash -c "cat \"$1\" | \"$0\" --table groups=- --table people=$2 --as-of 2026-11-27"
                            ${tool} ${groups} ${second}
                    WORKING_DIRECTORY ${WORK_DIR} OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
    check("streams: two tables from standard input (${second})" 2 ""
          "stale-group-finder: --table groups=- and --table people=${second} both read standard input, which holds one table; save one of them to a file and give the file\n")
  endforeach()
endif()

wanted(sqlite-locked yes)
if(yes)
  # A SQLite inventory locked by a writer is waited for (5 s at most), then read.
  file(COPY_FILE ${SOURCE_DIR}/samples/jiusan.sqlite ${WORK_DIR}/locked.sqlite)
  run(--inventory locked.sqlite --as-of 2026-11-27 --format csv)
  expect("sqlite-locked: unlocked exit status" "${rc}" "1")
  set(unlocked "${out}")
  execute_process(COMMAND bash -c "
\"$1\" -c '
import sqlite3, sys, time
db = sqlite3.connect(\"locked.sqlite\", isolation_level=None)
db.execute(\"BEGIN EXCLUSIVE\")
print(\"locked\", flush=True)
time.sleep(2)
db.execute(\"COMMIT\")
' > lock.out &
writer=$!
while [ ! -s lock.out ]; do sleep 0.05; done
\"$0\" --inventory locked.sqlite --as-of 2026-11-27 --format csv; status=$?
wait $writer
exit $status" ${tool} ${PYTHON}
                  WORKING_DIRECTORY ${WORK_DIR} OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
  check("sqlite-locked: read after the wait" 1 "${unlocked}" "")
  # Every SQLite error names the file and says what to do.
  file(READ ${SOURCE_DIR}/samples/jiusan.sqlite head LIMIT 100 HEX)
  string(REGEX REPLACE "([0-9a-f][0-9a-f])" "\\\\x\\1" head "${head}")
  execute_process(COMMAND printf "${head}" OUTPUT_FILE ${WORK_DIR}/truncated.sqlite)
  run(--inventory truncated.sqlite --as-of 2026-11-27)
  check("sqlite: a truncated database" 2 ""
        "truncated.sqlite: SQLite: database disk image is malformed; the file is damaged or not a whole SQLite database; export the tables again, or copy the database again from where it is kept\n")
endif()

wanted(byte-order-marks yes)
if(yes)
  # SPEC §3: a BOM is skipped at the start of the file; in the header or at the start of a key or
  # id cell it is an input error at its position; inside other text it is data.
  string(ASCII 239 187 191 bom)
  file(WRITE ${WORK_DIR}/bom-header.csv "${bom}group_id,org_id,${bom}term\nG1,O1,long\n")
  run(--table groups=bom-header.csv --as-of 2026-11-27)
  check("BOM in the header" 2 ""
        "bom-header.csv:1:17: a byte-order mark (U+FEFF) in the header cell \"<U+FEFF>term\"; remove it (only the file may start with one)\n")
  file(WRITE ${WORK_DIR}/bom-key.csv "group_id,org_id,term\nG1,O1,long\nG2,O1,long\n${bom}G3,O1,long\nG4,${bom}O1,long\n")
  run(--table groups=bom-key.csv --as-of 2026-11-27)
  check("BOM at the start of keys and ids" 2 ""
        "bom-key.csv:4:1: group_id: a byte-order mark (U+FEFF) starts the id \"<U+FEFF>G3\"; remove it\nbom-key.csv:5:4: org_id: a byte-order mark (U+FEFF) starts the id \"<U+FEFF>O1\"; remove it\n")
  file(WRITE ${WORK_DIR}/bom-data.csv "${bom}group_id,org_id,term,name\nG1,O1,long,${bom}nick${bom}name\n")
  run(--table groups=bom-data.csv --as-of 2026-11-27)
  check("BOM inside a name" 0 "" "")
endif()

wanted(invalid-utf8-listed yes)
if(yes)
  # Where the encoding is known to be UTF-8 (--encoding utf-8, or a UTF-8 BOM), every cell that
  # is not UTF-8 is listed, as other bad cells are.
  execute_process(COMMAND printf "\\357\\273\\277group_id,org_id,term,name\\nG1,O1,long,ab\\377\\nG2,O1,long,ok\\nG3,O1,lo\\376ng,c\\n"
                  OUTPUT_FILE ${WORK_DIR}/utf8-bad.csv)
  run(--table groups=utf8-bad.csv --as-of 2026-11-27)
  check("invalid UTF-8 listed" 2 ""
        "utf8-bad.csv:2:14: name: invalid UTF-8 byte 0xFF; the file is read as UTF-8 (chosen by its byte order mark)\nutf8-bad.csv:4:9: term: invalid UTF-8 byte 0xFE; the file is read as UTF-8 (chosen by its byte order mark)\n")
  # A SQLite inventory's cells are UTF-8 text by definition.
  execute_process(COMMAND ${PYTHON} -c "
import sqlite3
db = sqlite3.connect('utf8-bad.sqlite')
db.execute('CREATE TABLE groups(group_id, org_id, term, name)')
db.execute(\"INSERT INTO groups VALUES ('G1', 'O1', 'long', CAST(x'61ff' AS TEXT))\")
db.execute(\"INSERT INTO groups VALUES ('G2', 'O1', 'long', 'ok')\")
db.execute(\"INSERT INTO groups VALUES ('G3', 'O1', 'long', CAST(x'62fe' AS TEXT))\")
db.commit()" WORKING_DIRECTORY ${WORK_DIR} RESULT_VARIABLE made)
  expect("utf8-bad.sqlite" "${made}" "0")
  run(--inventory utf8-bad.sqlite --as-of 2026-11-27)
  check("invalid UTF-8 listed, SQLite" 2 ""
        "utf8-bad.sqlite: groups.name row 1: invalid UTF-8 byte 0xFF; cells must be UTF-8 text\nutf8-bad.sqlite: groups.name row 3: invalid UTF-8 byte 0xFE; cells must be UTF-8 text\n")
endif()

wanted(calendar-ends yes)
if(yes)
  # SPEC §3: every date from 1400-01-01 to 9999-12-31 is accepted; an earlier one is an input
  # error that says so; a due date past 9999-12-31 is never due (no finding vanishes or appears).
  file(WRITE ${WORK_DIR}/calendar.csv "group_id,org_id,term,work_ended_on,status,dissolved_on\nG1,O1,temporary,9999-12-31,,\nG2,O1,temporary,9999-12-20,dissolved,9999-12-31\nG3,O1,temporary,9999-12-24,,\nG4,O1,temporary,9999-12-30,,\nG5,O1,temporary,1400-01-01,,\n")
  run(--table groups=calendar.csv --as-of 9999-12-29 --format jsonl)
  expect("calendar-ends: exit status" "${rc}" "1")
  string(REGEX MATCHALL "\"rule\":\"[a-z-]+\"[^\n]*\"subject\":{\"kind\":\"group\",\"id\":\"G[0-9]\"" found "${out}")
  string(REGEX REPLACE "\"rule\":\"([a-z-]+)\"[^;]*\"id\":\"(G[0-9])\"" "\\1 \\2" found "${found}")
  # G2 is still open as of 9999-12-29 (dissolved after it) and was due on 9999-12-27; G3 is due on
  # 9999-12-31, within due_soon_days; G5 ended in 1400. G1 and G4 are due after 9999-12-31: never.
  expect("calendar-ends: findings" "${found}"
         "temporary-group-overdue G2;temporary-group-overdue G5;temporary-group-due-soon G3")
  file(WRITE ${WORK_DIR}/before.csv "group_id,org_id,term,work_ended_on\nG1,O1,temporary,1399-12-31\n")
  run(--table groups=before.csv --as-of 2026-11-27)
  check("calendar-ends: 1399" 2 ""
        "before.csv:2:17: work_ended_on: date \"1399-12-31\" is before 1400-01-01, the first day chataudit's calendar holds; dates from 1400-01-01 to 9999-12-31 are accepted\n")
endif()

# --- Output paths (SPEC §2) -----------------------------------------------------------------------
wanted(output-symlink yes)
if(yes)
  file(CREATE_LINK ${WORK_DIR}/nowhere.json ${WORK_DIR}/dangling.json SYMBOLIC)
  run(--table groups=clean.csv --as-of 2026-11-27 --output json:dangling.json)
  check(output-symlink 2 "" "dangling.json: is a symbolic link; refusing to write through it\n")
  if(EXISTS ${WORK_DIR}/nowhere.json)
    message(FATAL_ERROR "output-symlink: the link was followed")
  endif()
endif()

wanted(output-fifo yes)
if(yes)
  execute_process(COMMAND mkfifo ${WORK_DIR}/report.fifo RESULT_VARIABLE made)
  expect("mkfifo" "${made}" "0")
  # A background reader drains the FIFO while the tool writes into it directly.
  execute_process(COMMAND sh -c "cat report.fifo > fifo.out & reader=$!; \"$0\" \"$@\"; status=$?; wait $reader; exit $status"
                          ${tool} --table groups=clean.csv --as-of 2026-11-27 --output text:report.fifo
                  WORKING_DIRECTORY ${WORK_DIR} OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
  check(output-fifo 0 "" "")
  file(READ ${WORK_DIR}/fifo.out text)
  expect("output-fifo: text" "${text}"
         "Scope: groups=clean.csv\nChecked: ${rules_run} rules (${rules_run} passed) on 1 group\nstale-group-finder, as of 2026-11-27: 0 findings — 0 errors, 0 warnings, 0 notices; ${rules_run} rules run\n")
  file(GLOB leftovers ${WORK_DIR}/report.fifo.tmp.*)
  expect("output-fifo: temporary files" "${leftovers}" "")
endif()

wanted(output-dev-stdout yes)
if(yes)
  # /dev/stdout is standard output, like `-`: a clean text report stays quiet, --verbose writes it.
  run(--table groups=clean.csv --as-of 2026-11-27 --output text:/dev/stdout)
  check(output-dev-stdout 0 "" "")
  run(--table groups=clean.csv --as-of 2026-11-27 --output text:/dev/stdout --verbose)
  check(output-dev-stdout-verbose 0
        "Scope: groups=clean.csv\nChecked: ${rules_run} rules (${rules_run} passed) on 1 group\nstale-group-finder, as of 2026-11-27: 0 findings — 0 errors, 0 warnings, 0 notices; ${rules_run} rules run\n" "")
  # Standard output a regular file: written through, not replaced.
  execute_process(COMMAND ${tool} --table groups=clean.csv --as-of 2026-11-27 --output json:/dev/stdout
                  WORKING_DIRECTORY ${WORK_DIR} OUTPUT_FILE ${WORK_DIR}/stdout.json RESULT_VARIABLE rc)
  expect("output-dev-stdout to a file: exit status" "${rc}" "0")
  file(READ ${WORK_DIR}/stdout.json json)
  string(JSON findings GET "${json}" summary findings)
  expect("output-dev-stdout to a file: findings" "${findings}" "0")
endif()

# Outputs that are the run's own inputs (SPEC §2 "Output paths"): refused before any work, every
# input byte for byte unchanged.
wanted(output-is-input yes)
if(yes)
  file(MAKE_DIRECTORY ${WORK_DIR}/inv)
  file(WRITE ${WORK_DIR}/inv/groups.csv "group_id,name,org_id,term,work_ended_on\nG1,临时群,O1,temporary,2026-10-01\n")
  file(WRITE ${WORK_DIR}/own-policy.toml "[policy]\nid = \"own\"\nextends = \"${policy}\"\n")
  run(--inventory inv --as-of 2026-11-27 --record hist.db --format json --output hist-first.json)
  check(output-is-input-first-record 1 "" "")
  foreach(name inv/groups.csv own-policy.toml hist.db)
    file(SHA256 ${WORK_DIR}/${name} before_${name})
  endforeach()
  file(SHA256 ${policy} policy_before)
  foreach(pair "inv/groups.csv|an inventory file|a file of the inventory"
               "hist.db|the history database|the --record history database"
               "own-policy.toml|the policy|the policy")
    string(REPLACE "|" ";" parts "${pair}")
    list(GET parts 0 target)
    list(GET parts 2 role)
    run(--inventory inv --policy own-policy.toml --as-of 2026-11-27 --record hist.db --output json:${target})
    check("output-is-input ${target}" 2 ""
          "${target}: is ${role} of this run (${target}); refusing to overwrite it: write the report to another file\n")
  endforeach()
  # The base policy the used one extends, and a --table file reached through another name.
  run(--inventory inv --policy own-policy.toml --as-of 2026-11-27 --output json:${policy})
  expect("output-is-input base policy: exit status" "${rc}" "2")
  run(--table groups=inv/groups.csv --as-of 2026-11-27 --output json:inv/../inv/groups.csv)
  expect("output-is-input table: exit status" "${rc}" "2")
  foreach(name inv/groups.csv own-policy.toml hist.db)
    file(SHA256 ${WORK_DIR}/${name} after)
    expect("output-is-input: ${name} unchanged" "${after}" "${before_${name}}")
  endforeach()
  file(SHA256 ${policy} policy_after)
  expect("output-is-input: the shipped policy unchanged" "${policy_after}" "${policy_before}")
  # --output-dir holding an input.
  run(--inventory inv --as-of 2026-11-27 --split-by org --output-dir inv)
  check(output-dir-holds-input 2 ""
        "inv: holds a file of the inventory of this run (inv/groups.csv); --split-by removes reports there: give the reports a directory of their own\n")
endif()

# Two outputs naming one file; all outputs or none; a replaced report keeps its mode.
wanted(outputs-all-or-none yes)
if(yes)
  run(--table groups=clean.csv --as-of 2026-11-27 --output json:same.json --output csv:./same.json)
  check(outputs-same-file 2 ""
        "stale-group-finder: --output same.json and --output ./same.json name the same file; each output needs its own\n")
  file(REMOVE ${WORK_DIR}/first.json)
  run(--table groups=clean.csv --as-of 2026-11-27 --output json:first.json --output csv:nodir/x.csv)
  check(outputs-missing-dir 2 "" "nodir/x.csv: no such directory: nodir\n")
  expect("outputs-missing-dir: first.json not written" "${out}" "")
  if(EXISTS ${WORK_DIR}/first.json)
    message(FATAL_ERROR "outputs-missing-dir: first.json was written although the run failed")
  endif()
  file(WRITE ${WORK_DIR}/private.json "old")
  file(CHMOD ${WORK_DIR}/private.json PERMISSIONS OWNER_READ OWNER_WRITE)
  run(--table groups=clean.csv --as-of 2026-11-27 --output json:private.json)
  expect("outputs-mode: exit status" "${rc}" "0")
  execute_process(COMMAND stat -c %a ${WORK_DIR}/private.json OUTPUT_VARIABLE mode OUTPUT_STRIP_TRAILING_WHITESPACE)
  expect("outputs-mode: a replaced report keeps its mode" "${mode}" "600")
  file(READ ${WORK_DIR}/private.json replaced)
  if(replaced STREQUAL "old")
    message(FATAL_ERROR "outputs-mode: private.json was not replaced")
  endif()
endif()

# A write that fails is exit 2 naming the output, standard output included; nothing recorded.
wanted(stdout-full yes)
if(yes)
  file(REMOVE ${WORK_DIR}/full.db)
  foreach(args "--version" "--help" "--list-rules" "--explain;temporary-group-overdue"
               "--table;groups=clean.csv;--as-of;2026-11-27;--format;json;--record;full.db")
    execute_process(COMMAND ${tool} ${args} WORKING_DIRECTORY ${WORK_DIR} OUTPUT_FILE /dev/full
                    ERROR_VARIABLE err RESULT_VARIABLE rc)
    expect("stdout-full ${args}: exit status" "${rc}" "2")
    expect("stdout-full ${args}: stderr" "${err}" "standard output: write failed: No space left on device\n")
  endforeach()
  if(EXISTS ${WORK_DIR}/full.db)
    execute_process(COMMAND sqlite3 ${WORK_DIR}/full.db "SELECT count(*) FROM runs" OUTPUT_VARIABLE runs
                    OUTPUT_STRIP_TRAILING_WHITESPACE)
    expect("stdout-full: runs recorded" "${runs}" "0")
  endif()
endif()

# Found before any work, not after the report was printed.
wanted(record-not-a-database yes)
if(yes)
  file(WRITE ${WORK_DIR}/notes.db "not a database\n")
  run(--inventory inv --as-of 2026-11-27 --record notes.db)
  check(record-not-a-database 2 "" "notes.db: not a SQLite database (expected a chataudit history database)\n")
  run(--table groups=clean.csv --as-of 2026-11-27 --output json:)
  check(output-empty-path 2 "" "stale-group-finder: --output: an empty path; expected FILE or FMT:FILE\n")
endif()

wanted(policy-is-directory yes)
if(yes)
  file(MAKE_DIRECTORY ${WORK_DIR}/policy-dir)
  run(--table groups=clean.csv --policy policy-dir)
  check(policy-is-directory 2 "" "policy-dir: is a directory; --policy takes a policy file (TOML)\n")
endif()
