# The sample inventory as offices export it (tests/fixtures, made by tests/fixtures/make-variants):
#   cmake -DBIN_DIR=... -DSOURCE_DIR=... -DWORK_DIR=... -DPYTHON=... -P variants.cmake
#  1. every tool reports byte for byte the same findings (jsonl) on each variant as on
#     samples/jiusan, and stale-group-finder exactly tests/cli/stale-group-finder/sample-jsonl;
#  2. tests/fixtures/make-variants rebuilds the committed fixtures (the SQLite one compared by dump).
set(ENV{TZ} UTC)
set(ENV{LANG} C)
set(ENV{LC_ALL} "")
file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
set(fixtures ${SOURCE_DIR}/tests/fixtures)

# NAME|ARGUMENT|ARGUMENT... for each variant.
set(variants
    "gbk-export|--inventory|${fixtures}/gbk-export"
    "utf16-export|--inventory|${fixtures}/utf16-export"
    "tsv-export|--inventory|${fixtures}/tsv-export"
    "renamed-sqlite|--inventory|${fixtures}/renamed.sqlite|--mapping|${fixtures}/renamed.toml")

# The scope names each table's file: the same findings from other files differ only there.
function(strip_scope file)
  file(READ ${file} content)
  string(REGEX REPLACE "\"scope\":{\"inventory\":\\[[^]]*\\]}," "" content "${content}")
  file(WRITE ${file} "${content}")
endfunction()

function(run_tool tool output)
  execute_process(COMMAND ${BIN_DIR}/${tool} ${ARGN} --as-of 2026-11-27 --format jsonl
                  OUTPUT_FILE ${output} ERROR_VARIABLE errors RESULT_VARIABLE rc)
  if(NOT rc EQUAL 1)
    message(FATAL_ERROR "${tool} ${ARGN}: exit ${rc}, expected 1 (findings)\n${errors}")
  endif()
  strip_scope(${output})
endfunction()

function(require_same expected actual what)
  execute_process(COMMAND ${CMAKE_COMMAND} -E compare_files ${expected} ${actual} RESULT_VARIABLE different)
  if(different)
    execute_process(COMMAND diff -u ${expected} ${actual} OUTPUT_VARIABLE diff_text)
    message(FATAL_ERROR "${what}\n${diff_text}")
  endif()
endfunction()

include(${SOURCE_DIR}/tools/tools.cmake)
chataudit_read_tools(${SOURCE_DIR}/tools/tools.toml)
foreach(tool IN LISTS CHATAUDIT_TOOLS)
  run_tool(${tool} ${WORK_DIR}/${tool}-sample.jsonl --inventory ${SOURCE_DIR}/samples/jiusan)
  foreach(variant IN LISTS variants)
    string(REPLACE "|" ";" parts "${variant}")
    list(POP_FRONT parts name)
    run_tool(${tool} ${WORK_DIR}/${tool}-${name}.jsonl ${parts})
    require_same(${WORK_DIR}/${tool}-sample.jsonl ${WORK_DIR}/${tool}-${name}.jsonl
                 "${tool}: tests/fixtures/${name} gives other findings than samples/jiusan")
  endforeach()
endforeach()
configure_file(${SOURCE_DIR}/tests/cli/stale-group-finder/sample-jsonl/expected.out ${WORK_DIR}/golden.jsonl COPYONLY)
strip_scope(${WORK_DIR}/golden.jsonl)
require_same(${WORK_DIR}/golden.jsonl
             ${WORK_DIR}/stale-group-finder-gbk-export.jsonl
             "stale-group-finder on tests/fixtures/gbk-export differs from the sample-jsonl golden case")

# The fixtures are generated: rebuilding them must give the committed files.
execute_process(COMMAND ${PYTHON} ${fixtures}/make-variants ${SOURCE_DIR}/samples/jiusan ${WORK_DIR}/rebuilt
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "tests/fixtures/make-variants failed")
endif()
file(GLOB_RECURSE rebuilt RELATIVE ${WORK_DIR}/rebuilt ${WORK_DIR}/rebuilt/*)
list(LENGTH rebuilt count)
if(count LESS 20)
  message(FATAL_ERROR "make-variants wrote only ${count} files")
endif()
foreach(file IN LISTS rebuilt)
  if(file MATCHES "\\.sqlite$")
    foreach(copy committed rebuilt)
      set(db ${fixtures}/${file})
      if(copy STREQUAL "rebuilt")
        set(db ${WORK_DIR}/rebuilt/${file})
      endif()
      execute_process(COMMAND ${PYTHON} -c "import sqlite3, sys; print('\\n'.join(sqlite3.connect(sys.argv[1]).iterdump()))"
                              ${db} OUTPUT_FILE ${WORK_DIR}/${copy}.sql RESULT_VARIABLE rc)
      if(NOT rc EQUAL 0)
        message(FATAL_ERROR "cannot dump ${db}")
      endif()
    endforeach()
    require_same(${WORK_DIR}/committed.sql ${WORK_DIR}/rebuilt.sql
                 "tests/fixtures/${file} is out of date: run tests/fixtures/make-variants")
  else()
    require_same(${fixtures}/${file} ${WORK_DIR}/rebuilt/${file}
                 "tests/fixtures/${file} is out of date: run tests/fixtures/make-variants")
  endif()
endforeach()
