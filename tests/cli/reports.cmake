# Reports beyond one file on stdout: cmake -DBIN_DIR=... -DSOURCE_DIR=... -DWORK_DIR=... -DPYTHON=... -P reports.cmake
#  1. e-mail (en and zh subjects) parses with Python's MIME parser; the HTML report is well-formed;
#  2. --record appends runs to a history database, and --baseline last compares with the previous;
#  3. --split-by writes one report per responsible person, together holding every finding once.
set(ENV{TZ} UTC)
set(ENV{LANG} C)
set(ENV{SOURCE_DATE_EPOCH} 1795752000)
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
set(tool ${BIN_DIR}/stale-group-finder)
set(sample samples/jiusan)

function(run)
  execute_process(COMMAND ${ARGN} WORKING_DIRECTORY ${SOURCE_DIR} RESULT_VARIABLE rc OUTPUT_VARIABLE out
                  ERROR_VARIABLE err)
  set(rc "${rc}" PARENT_SCOPE)
  set(out "${out}" PARENT_SCOPE)
  set(err "${err}" PARENT_SCOPE)
endfunction()
function(expect what actual wanted)
  if(NOT "${actual}" STREQUAL "${wanted}")
    message(FATAL_ERROR "${what}: got [${actual}], expected [${wanted}]")
  endif()
endfunction()

# 1. e-mail and HTML through standard parsers.
run(${tool} --inventory ${sample} --as-of 2026-11-27 --format email --mail-to audit@example.org
    --mail-to office@example.org --output email:${WORK_DIR}/en.eml --output html:${WORK_DIR}/en.html)
expect("e-mail run" "${rc}" "1")
run(${PYTHON} ${SOURCE_DIR}/tests/email_check.py ${WORK_DIR}/en.eml
    "stale-group-finder: 8 findings — as of 2026-11-27" audit@example.org office@example.org)
expect("email_check en: ${err}" "${rc}" "0")
run(${PYTHON} ${SOURCE_DIR}/tests/html_check.py ${WORK_DIR}/en.html --lang en)
expect("html_check en: ${err}" "${rc}" "0")
run(${tool} --inventory ${sample} --as-of 2026-11-27 --lang zh --format email --mail-to "审计组 <audit@example.org>"
    --output email:${WORK_DIR}/zh.eml --output html:${WORK_DIR}/zh.html)
run(${PYTHON} ${SOURCE_DIR}/tests/email_check.py ${WORK_DIR}/zh.eml
    "stale-group-finder：8 项问题 — 截至 2026-11-27" audit@example.org)
expect("email_check zh: ${err}" "${rc}" "0")
run(${PYTHON} ${SOURCE_DIR}/tests/html_check.py ${WORK_DIR}/zh.html --lang zh-CN)
expect("html_check zh: ${err}" "${rc}" "0")

# 2. history: two runs recorded; the second compared with the first.
run(${tool} --inventory ${sample} --as-of 2026-11-20 --record ${WORK_DIR}/history.db --quiet)
expect("first recorded run" "${rc}" "1")
run(${tool} --inventory ${sample} --as-of 2026-11-27 --record ${WORK_DIR}/history.db --baseline last --format json)
expect("second recorded run" "${rc}" "1")
string(JSON new_count GET "${out}" summary new)
expect("new findings since the last run" "${new_count}" "5")
string(JSON first_change GET "${out}" findings 0 change)
expect("G005 is new" "${first_change}" "new")
run(sqlite3 ${WORK_DIR}/history.db "SELECT group_concat(as_of || ':' || findings || ':' || new, ' ') FROM runs")
expect("history runs" "${out}" "2026-11-20:3:0 2026-11-27:8:5\n")

# 3. --split-by responsible: one JSON report per responsible person; every finding exactly once.
run(${tool} --inventory ${sample} --as-of 2026-11-27 --split-by responsible --output-dir ${WORK_DIR}/split
    --format json)
expect("split run" "${rc}" "1")
expect("split stdout" "${out}" "")
file(GLOB reports RELATIVE ${WORK_DIR}/split ${WORK_DIR}/split/*.json)
list(SORT reports)
set(total 0)
foreach(report IN LISTS reports)
  file(READ ${WORK_DIR}/split/${report} json)
  string(JSON count GET "${json}" summary findings)
  math(EXPR total "${total} + ${count}")
  get_filename_component(owner ${report} NAME_WE)
  math(EXPR last "${count} - 1")
  foreach(i RANGE ${last})
    string(JSON responsible ERROR_VARIABLE missing GET "${json}" findings ${i} responsible_id)
    if(missing)
      set(responsible unassigned)  # a finding naming nobody goes to unassigned.json
    endif()
    expect("${report} finding ${i} responsible_id" "${responsible}" "${owner}")
  endforeach()
endforeach()
expect("findings across the split reports" "${total}" "8")
list(LENGTH reports files)
if(files LESS 2)
  message(FATAL_ERROR "--split-by responsible wrote ${files} report(s): ${reports}")
endif()

# In Chinese the report of the findings no one can act on is titled 未指定; its file keeps the key.
run(${BIN_DIR}/membership-audit --inventory ${sample} --as-of 2026-11-27 --split-by responsible
    --output-dir ${WORK_DIR}/split-zh --format markdown --lang zh)
file(STRINGS ${WORK_DIR}/split-zh/unassigned.md heading LIMIT_COUNT 1 ENCODING UTF-8)
expect("unassigned.md heading" "${heading}" "# membership-audit — 未指定 — 截至 2026-11-27 — 政策 jiusan-2020")

# --split-by with e-mail: {id} in --mail-to becomes each report's key.
run(${tool} --inventory ${sample} --as-of 2026-11-27 --split-by responsible --output-dir ${WORK_DIR}/mail
    --format email --mail-to "{id}@example.org")
file(GLOB mails ${WORK_DIR}/mail/*.eml)
foreach(mail IN LISTS mails)
  get_filename_component(owner ${mail} NAME_WE)
  file(STRINGS ${mail} to REGEX "^To: ")
  string(STRIP "${to}" to)
  expect("${mail} To:" "${to}" "To: ${owner}@example.org")
endforeach()
