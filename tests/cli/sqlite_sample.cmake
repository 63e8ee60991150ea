# Checks on the SQLite sample: cmake -DBIN_DIR=... -DSOURCE_DIR=... -DWORK_DIR=... -P sqlite_sample.cmake
#  1. a run leaves the SQLite inventory byte-identical and creates no journal files beside it;
#  2. every tool finds the same findings in samples/jiusan.sqlite as in samples/jiusan (CSV);
#  3. samples/make-sqlite rebuilds the committed database from the CSV files (same dump).
set(ENV{TZ} UTC)
set(ENV{LANG} C)
set(sample ${SOURCE_DIR}/samples/jiusan.sqlite)
file(SHA256 ${sample} before)
file(MAKE_DIRECTORY ${WORK_DIR})

# The scope names each table's file: the same findings from other files differ only there.
function(strip_scope file)
  file(READ ${file} content)
  string(REGEX REPLACE "\"scope\":{\"inventory\":\\[[^]]*\\]}," "" content "${content}")
  file(WRITE ${file} "${content}")
endfunction()

include(${SOURCE_DIR}/tools/tools.cmake)
chataudit_read_tools(${SOURCE_DIR}/tools/tools.toml)
foreach(tool IN LISTS CHATAUDIT_TOOLS)
  foreach(source jiusan jiusan.sqlite)
    execute_process(COMMAND ${BIN_DIR}/${tool} --inventory ${SOURCE_DIR}/samples/${source} --as-of 2026-11-27
                            --format jsonl
                    OUTPUT_FILE ${WORK_DIR}/${tool}-${source}.jsonl RESULT_VARIABLE rc)
    if(NOT rc EQUAL 1)
      message(FATAL_ERROR "${tool} on samples/${source}: exit ${rc}, expected 1 (findings)")
    endif()
    strip_scope(${WORK_DIR}/${tool}-${source}.jsonl)
  endforeach()
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${WORK_DIR}/${tool}-jiusan.jsonl
                          ${WORK_DIR}/${tool}-jiusan.sqlite.jsonl RESULT_VARIABLE different)
  if(different)
    message(FATAL_ERROR "${tool}: the CSV and SQLite samples give different findings; see ${WORK_DIR}")
  endif()
  file(SIZE ${WORK_DIR}/${tool}-jiusan.jsonl size)
  if(size EQUAL 0)
    message(FATAL_ERROR "${tool}: no findings on the sample")
  endif()
endforeach()

file(SHA256 ${sample} after)
if(NOT before STREQUAL after)
  message(FATAL_ERROR "samples/jiusan.sqlite changed during the runs")
endif()
foreach(suffix -journal -wal -shm)
  if(EXISTS ${sample}${suffix})
    message(FATAL_ERROR "a run left ${sample}${suffix} behind")
  endif()
endforeach()

execute_process(COMMAND ${SOURCE_DIR}/samples/make-sqlite ${SOURCE_DIR}/samples/jiusan ${WORK_DIR}/rebuilt.sqlite
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "samples/make-sqlite failed")
endif()
execute_process(COMMAND sqlite3 ${sample} .dump OUTPUT_FILE ${WORK_DIR}/committed.sql)
execute_process(COMMAND sqlite3 ${WORK_DIR}/rebuilt.sqlite .dump OUTPUT_FILE ${WORK_DIR}/rebuilt.sql)
execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${WORK_DIR}/committed.sql ${WORK_DIR}/rebuilt.sql
                RESULT_VARIABLE different)
if(different)
  message(FATAL_ERROR "samples/jiusan.sqlite is out of date with samples/jiusan/*.csv: run samples/make-sqlite")
endif()
