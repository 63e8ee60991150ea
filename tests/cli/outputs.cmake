# --output: cmake -DTOOL=... -DSOURCE_DIR=... -DWORK_DIR=... -P outputs.cmake
# Several formats in one run, files written even when clean, stdout empty with --output only,
# symbolic links refused, a failed run writes no file.
set(ENV{TZ} UTC)
set(ENV{LANG} C)
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
set(sample samples/jiusan)  # relative: the report names its source as given
set(golden ${SOURCE_DIR}/tests/cli/stale-group-finder)

function(expect what actual wanted)
  if(NOT "${actual}" STREQUAL "${wanted}")
    message(FATAL_ERROR "${what}: got [${actual}], expected [${wanted}]")
  endif()
endfunction()

# 1. json + csv + text in one run; nothing on stdout; each file equals the single-format golden output.
execute_process(COMMAND ${TOOL} --inventory ${sample} --as-of 2026-11-27 --output json:${WORK_DIR}/r.json
                        --output csv:${WORK_DIR}/r.csv --output ${WORK_DIR}/r.txt
                WORKING_DIRECTORY ${SOURCE_DIR} OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
expect("exit status with findings" "${rc}" "1")
expect("stdout with --output only" "${out}" "")
expect("stderr" "${err}" "")
file(REAL_PATH ${SOURCE_DIR} source_real)
file(SHA256 ${SOURCE_DIR}/policies/jiusan-2020.toml shipped_digest)
foreach(pair "r.json;sample-json" "r.csv;sample-csv" "r.txt;sample-text")
  list(GET pair 0 file)
  list(GET pair 1 case)
  if(file STREQUAL "r.json")  # the goldens name the source tree and the policy's digest (run_case.cmake)
    file(READ ${WORK_DIR}/${file} content)
    string(REPLACE "${source_real}" "<source>" content "${content}")
    string(REPLACE "${shipped_digest}" "<shipped policy digest>" content "${content}")
    file(WRITE ${WORK_DIR}/${file}.shown "${content}")
    set(file ${file}.shown)
  endif()
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${WORK_DIR}/${file} ${golden}/${case}/expected.out
                  RESULT_VARIABLE different)
  expect("${file} equals ${case}/expected.out" "${different}" "0")
endforeach()
file(GLOB leftovers ${WORK_DIR}/*.tmp.*)
expect("temporary files left behind" "${leftovers}" "")

# 2. a clean run still writes the files named by --output; its report counts the rules run: every
#    stale-group-finder rule of the policy (each needs only the groups table).
file(STRINGS ${SOURCE_DIR}/policies/jiusan-2020.toml rules_run REGEX "^tool = \"stale-group-finder\"$")
list(LENGTH rules_run rules_run)
file(WRITE ${WORK_DIR}/clean.csv "group_id,org_id,term\nG1,O1,long\n")
execute_process(COMMAND ${TOOL} --table groups=${WORK_DIR}/clean.csv --as-of 2026-11-27
                        --output json:${WORK_DIR}/clean.json --output text:${WORK_DIR}/clean.txt
                OUTPUT_VARIABLE out RESULT_VARIABLE rc)
expect("exit status when clean" "${rc}" "0")
expect("stdout when clean" "${out}" "")
file(READ ${WORK_DIR}/clean.txt text)
expect("clean text report" "${text}" "Scope: groups=${WORK_DIR}/clean.csv\nChecked: ${rules_run} rules (${rules_run} passed) on 1 group\nstale-group-finder, as of 2026-11-27: 0 findings — 0 errors, 0 warnings, 0 notices; ${rules_run} rules run\n")
file(READ ${WORK_DIR}/clean.json json)
string(JSON findings GET "${json}" summary findings)
expect("clean JSON summary.findings" "${findings}" "0")

# 3. an existing symbolic link is refused, and its target is left alone.
file(WRITE ${WORK_DIR}/target.json "keep")
file(CREATE_LINK ${WORK_DIR}/target.json ${WORK_DIR}/link.json SYMBOLIC)
execute_process(COMMAND ${TOOL} --table groups=${WORK_DIR}/clean.csv --as-of 2026-11-27 --output json:${WORK_DIR}/link.json
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
expect("exit status for a symlink output" "${rc}" "2")
expect("message for a symlink output" "${err}" "${WORK_DIR}/link.json: is a symbolic link; refusing to write through it\n")
file(READ ${WORK_DIR}/target.json kept)
expect("symlink target" "${kept}" "keep")

# 4. a failed run (bad inventory) writes no report at all.
file(WRITE ${WORK_DIR}/bad.csv "group_id,org_id,term\nG1,O1,forever\n")
execute_process(COMMAND ${TOOL} --table groups=${WORK_DIR}/bad.csv --as-of 2026-11-27 --output json:${WORK_DIR}/bad.json
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
expect("exit status for a bad inventory" "${rc}" "2")
expect("stdout for a bad inventory" "${out}" "")
if(EXISTS ${WORK_DIR}/bad.json)
  message(FATAL_ERROR "a failed run wrote ${WORK_DIR}/bad.json")
endif()

# 5. a directory that does not exist: exit 2, said on stderr.
execute_process(COMMAND ${TOOL} --table groups=${WORK_DIR}/clean.csv --as-of 2026-11-27 --output ${WORK_DIR}/none/r.txt
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
expect("exit status for an unwritable path" "${rc}" "2")
expect("message for an unwritable path" "${err}"
       "${WORK_DIR}/none/r.txt: no such directory: ${WORK_DIR}/none\n")

# 6. an e-mail address carrying CR/LF could write its own headers: refused, nothing written.
execute_process(COMMAND ${TOOL} --inventory ${sample} --as-of 2026-11-27 --format email
                        "--mail-to=a@example.org\r\nBcc: x@example.org"
                WORKING_DIRECTORY ${SOURCE_DIR} OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
expect("exit status for CR/LF in --mail-to" "${rc}" "2")
expect("stdout for CR/LF in --mail-to" "${out}" "")
expect("message for CR/LF in --mail-to" "${err}"
       "stale-group-finder: --mail-to: an address holds a control character (CR, LF, …); refused\n")
