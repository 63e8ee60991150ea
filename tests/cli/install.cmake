# cmake --install puts tools, man pages (compressed) and policies in place, and nothing of the Debian
# package's own component (systemd units, /etc/default, ...) nor anything outside the prefix; an
# installed tool finds its default policy: cmake -DBUILD_DIR=... -DWORK_DIR=... -DSOURCE_DIR=... -P install.cmake
file(REMOVE_RECURSE ${WORK_DIR})
execute_process(COMMAND ${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${WORK_DIR} OUTPUT_QUIET RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "cmake --install failed")
endif()
include(${SOURCE_DIR}/tools/tools.cmake)
chataudit_read_tools(${SOURCE_DIR}/tools/tools.toml)
set(tool_files ${CHATAUDIT_TOOLS})
list(TRANSFORM tool_files REPLACE "(.+)" "bin/\\1;share/man/man1/\\1.1.gz;share/man/zh_CN/man1/\\1.1.gz")
foreach(file ${tool_files}
             share/chataudit/policies/jiusan-2020.toml
             share/man/man5/chataudit-policy.5.gz share/man/man5/chataudit-inventory.5.gz
             share/man/man7/chataudit.7.gz
             share/man/zh_CN/man5/chataudit-policy.5.gz share/man/zh_CN/man5/chataudit-inventory.5.gz
             share/man/zh_CN/man7/chataudit.7.gz)
  if(NOT EXISTS ${WORK_DIR}/${file})
    message(FATAL_ERROR "not installed: ${file}")
  endif()
endforeach()
file(STRINGS ${BUILD_DIR}/install_manifest.txt installed_files)
foreach(file IN LISTS installed_files)
  string(FIND "${file}" "${WORK_DIR}/" at)
  file(RELATIVE_PATH relative ${WORK_DIR} ${file})
  if(NOT at EQUAL 0 OR NOT relative MATCHES "^(bin|share/man|share/chataudit)/")
    message(FATAL_ERROR "cmake --install wrote what only the Debian package has: ${file}")
  endif()
endforeach()
execute_process(COMMAND ${WORK_DIR}/bin/stale-group-finder --inventory ${SOURCE_DIR}/samples/jiusan --as-of 2026-11-27
                        --format jsonl
                OUTPUT_VARIABLE installed RESULT_VARIABLE rc)
execute_process(COMMAND ${BUILD_DIR}/bin/stale-group-finder --inventory ${SOURCE_DIR}/samples/jiusan --as-of 2026-11-27
                        --format jsonl
                OUTPUT_VARIABLE built)
if(NOT rc EQUAL 1 OR NOT installed STREQUAL built OR installed STREQUAL "")
  message(FATAL_ERROR "the installed tool (exit ${rc}) does not report what the built one does")
endif()
