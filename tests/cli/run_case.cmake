# Runs one golden CLI case: cmake -DTOOL=... -DCASE_DIR=... -DSOURCE_DIR=... -DWORK_DIR=... -P run_case.cmake
#
# A case directory holds `args` (one argument per line; `$CASE` stands for the case directory
# relative to the source tree), optional `stdin` and `env`, and the expected `expected.out`, `expected.err`
# and `expected.rc`. The tool runs from the source tree with TZ=UTC and LANG=C. With
# UPDATE_GOLDEN=1 in the environment the expected files are rewritten from the actual run.
#
# Optional `before`: earlier runs of the tool, one a line (arguments separated by spaces), run in
# order before the case's own (with the same environment; each must exit 0 or 1, its output is
# dropped), e.g. to record a history the case then reads. `$WORK` (in `before` and `args`) stands
# for a scratch directory emptied before the first run, so that a case never writes a file of the
# source tree; it reads `<work>` in the expected output.
file(RELATIVE_PATH case_rel ${SOURCE_DIR} ${CASE_DIR})
set(scratch ${WORK_DIR}/scratch)
file(REMOVE_RECURSE ${scratch})
file(MAKE_DIRECTORY ${scratch})
file(STRINGS ${CASE_DIR}/args arg_lines ENCODING UTF-8)
set(args)
foreach(line IN LISTS arg_lines)
  string(REPLACE "$CASE" "${case_rel}" line "${line}")
  string(REPLACE "$WORK" "${scratch}" line "${line}")
  list(APPEND args "${line}")
endforeach()

set(input_option)
if(EXISTS ${CASE_DIR}/stdin)
  set(input_option INPUT_FILE ${CASE_DIR}/stdin)
endif()

set(ENV{TZ} UTC)
set(ENV{LANG} C)
set(ENV{LC_ALL} "")
set(ENV{LC_MESSAGES} "")
set(ENV{NO_COLOR} "")
set(ENV{SOURCE_DATE_EPOCH} 1795752000)  # 2026-11-27T04:00:00Z: a fixed e-mail Date: header
# Optional `env`: KEY=VALUE lines set for this case only.
if(EXISTS ${CASE_DIR}/env)
  file(STRINGS ${CASE_DIR}/env env_lines ENCODING UTF-8)
  foreach(line IN LISTS env_lines)
    string(FIND "${line}" "=" equals)
    string(SUBSTRING "${line}" 0 ${equals} key)
    math(EXPR value_start "${equals} + 1")
    string(SUBSTRING "${line}" ${value_start} -1 value)
    set(ENV{${key}} "${value}")
  endforeach()
endif()
# Outputs go to files, not variables, so that every byte (CR included) is compared.
file(MAKE_DIRECTORY ${WORK_DIR})
if(EXISTS ${CASE_DIR}/before)
  file(STRINGS ${CASE_DIR}/before before_lines ENCODING UTF-8)
  foreach(line IN LISTS before_lines)
    string(REPLACE "$CASE" "${case_rel}" line "${line}")
    string(REPLACE "$WORK" "${scratch}" line "${line}")
    separate_arguments(before_args UNIX_COMMAND "${line}")
    execute_process(COMMAND ${TOOL} ${before_args} WORKING_DIRECTORY ${SOURCE_DIR} OUTPUT_QUIET
                    ERROR_VARIABLE before_err RESULT_VARIABLE before_rc)
    if(NOT before_rc EQUAL 0 AND NOT before_rc EQUAL 1)
      message(FATAL_ERROR "${case_rel}/before: `${line}` exited ${before_rc}: ${before_err}")
    endif()
  endforeach()
endif()
execute_process(
  COMMAND ${TOOL} ${args}
  WORKING_DIRECTORY ${SOURCE_DIR}
  ${input_option}
  OUTPUT_FILE ${WORK_DIR}/actual.out
  ERROR_FILE ${WORK_DIR}/actual.err
  RESULT_VARIABLE actual_rc)
file(WRITE ${WORK_DIR}/actual.rc "${actual_rc}\n")
# Reports name their inventory by real path (the scope): the source tree's own path becomes
# `<source>`, so that the expected files hold in any checkout. The shipped policy's digest becomes
# `<shipped policy digest>`, so that editing the policy (a comment) does not touch every JSON golden;
# the digest of a policy file given with --policy (the format goldens' tests/fixtures/formats/policy.toml)
# becomes `<policy digest>`, for the same reason.
file(REAL_PATH ${SOURCE_DIR} source_real)
file(SHA256 ${SOURCE_DIR}/policies/jiusan-2020.toml shipped_digest)
set(given_digest)
list(FIND args --policy policy_at)
math(EXPR policy_at "${policy_at} + 1")
list(LENGTH args arg_count)
if(policy_at GREATER 0 AND policy_at LESS arg_count)
  list(GET args ${policy_at} policy_file)
  if(EXISTS ${SOURCE_DIR}/${policy_file})
    file(SHA256 ${SOURCE_DIR}/${policy_file} given_digest)
  endif()
endif()
foreach(stream out err)
  file(READ ${WORK_DIR}/actual.${stream} content)
  set(shown "${content}")
  string(REPLACE "${scratch}" "<work>" shown "${shown}")
  string(REPLACE "${source_real}" "<source>" shown "${shown}")
  string(REPLACE "${shipped_digest}" "<shipped policy digest>" shown "${shown}")
  if(given_digest)
    string(REPLACE "${given_digest}" "<policy digest>" shown "${shown}")
  endif()
  if(NOT shown STREQUAL content)
    file(WRITE ${WORK_DIR}/actual.${stream} "${shown}")
  endif()
endforeach()

if("$ENV{UPDATE_GOLDEN}" STREQUAL "1")
  foreach(stream out err rc)
    file(COPY_FILE ${WORK_DIR}/actual.${stream} ${CASE_DIR}/expected.${stream})
  endforeach()
  return()
endif()

set(failed FALSE)
foreach(stream out err rc)
  if(NOT EXISTS ${CASE_DIR}/expected.${stream})
    message(SEND_ERROR "missing ${CASE_DIR}/expected.${stream}")
    set(failed TRUE)
    continue()
  endif()
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${CASE_DIR}/expected.${stream} ${WORK_DIR}/actual.${stream}
                  RESULT_VARIABLE different)
  if(different)
    set(failed TRUE)
    execute_process(COMMAND diff -u ${CASE_DIR}/expected.${stream} ${WORK_DIR}/actual.${stream}
                    OUTPUT_VARIABLE diff_text)
    message("--- ${stream} differs (${case_rel}):\n${diff_text}")
  endif()
endforeach()
if(failed)
  message(FATAL_ERROR "golden case ${case_rel} failed; command: ${TOOL} ${args}")
endif()
