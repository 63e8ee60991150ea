# The man pages, compressed as Debian wants them (gzip -9n: the most compression, no name or time
# stamp, so the same page makes the same file) into build/man/[LANG/]manN/PAGE.N.gz, and installed
# to share/man/[LANG/]manN/: man/*.N in English, man/zh_CN/*.N in Chinese (whatever pages that
# folder holds).
find_program(CHATAUDIT_GZIP gzip REQUIRED)
set(man_pages_gz)
foreach(language IN ITEMS "" zh_CN)
  if(language STREQUAL "")
    set(folder man)
    set(install_dir ${CMAKE_INSTALL_MANDIR})
  else()
    set(folder man/${language})
    set(install_dir ${CMAKE_INSTALL_MANDIR}/${language})
  endif()
  set(source_dir ${PROJECT_SOURCE_DIR}/${folder})
  file(GLOB pages CONFIGURE_DEPENDS ${source_dir}/*.1 ${source_dir}/*.5 ${source_dir}/*.7)
  foreach(page IN LISTS pages)
    get_filename_component(name ${page} NAME)
    string(REGEX REPLACE ".*\\." "" section ${name})
    set(copy ${PROJECT_BINARY_DIR}/${folder}/man${section}/${name})
    add_custom_command(OUTPUT ${copy}.gz
                       COMMAND ${CMAKE_COMMAND} -E copy ${page} ${copy}
                       COMMAND ${CHATAUDIT_GZIP} -9nf ${copy}
                       DEPENDS ${page} COMMENT "Compressing ${folder}/${name}" VERBATIM)
    list(APPEND man_pages_gz ${copy}.gz)
    install(FILES ${copy}.gz DESTINATION ${install_dir}/man${section})
  endforeach()
endforeach()
add_custom_target(man_pages ALL DEPENDS ${man_pages_gz})
