# The Debian package: `cpack -G DEB` in the build tree writes chataudit_VERSION-1_ARCH.deb holding
# what `cmake --install` installs (tools, policies, man pages) under /usr, and the component
# `debian` (EXCLUDE_FROM_ALL: never written by a plain `cmake --install`, which would reach outside
# its prefix into /etc): the nightly jobs as systemd units, /etc/default/chataudit, their scripts in
# /usr/libexec/chataudit, the system user (sysusers.d) and the files of /usr/share/doc/chataudit.
# packaging/debian/README.Debian says how the jobs work; tests/package_check.py checks the package.

set(CHATAUDIT_PACKAGE_MAINTAINER "chataudit maintainers <maintainers@users.noreply.r-seed-2f5fe72c.example>"
    CACHE STRING "The Maintainer: of the Debian package (Name <address>)")
set(CHATAUDIT_PACKAGE_HOMEPAGE "" CACHE STRING "The Homepage: of the Debian package (none when empty)")

set(CPACK_PACKAGE_NAME chataudit)
set(CPACK_PACKAGE_VENDOR "The chataudit authors")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "audit a registry of official chat accounts and work groups")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_GENERATOR DEB)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_MAINTAINER "${CHATAUDIT_PACKAGE_MAINTAINER}")
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
if(CHATAUDIT_PACKAGE_HOMEPAGE)
  set(CPACK_DEBIAN_PACKAGE_HOMEPAGE "${CHATAUDIT_PACKAGE_HOMEPAGE}")
endif()
# The shared libraries' packages (dpkg-shlibdeps), and the time zones the policy names.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS tzdata)
# ifne of the README's piped cron line; a mail transport agent for --send and the failure mails.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "moreutils, default-mta | mail-transport-agent")
# The history's backup in the example crontab.
set(CPACK_DEBIAN_PACKAGE_SUGGESTS sqlite3)
# The long description, after the summary line CPack puts first; lines of Debian's 80 columns.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
    "Four command-line tools check an organization's registry of official public
accounts and work groups (WeChat accounts and groups, or any chat system of
that shape) against rules written as SQL in a TOML policy, and write reports
in Chinese or English: text, JSON, CSV, Markdown, HTML, JUnit or e-mail.
registry-check checks approvals, records and filings; membership-audit finds
members who no longer belong in a group; handover-check follows permissions
after job changes; stale-group-finder finds temporary groups past their
dissolution deadline.

The shipped policy encodes the 2020 regulation of the Jiusan Society on its
WeChat public accounts and work groups. Nightly jobs run as systemd timers
(chataudit@JOB.timer, none enabled), configured in /etc/default/chataudit,
and mail the findings that are new.")

# The component `debian`.
set(CHATAUDIT_LIBEXEC_DIR ${CPACK_PACKAGING_INSTALL_PREFIX}/${CMAKE_INSTALL_LIBEXECDIR}/chataudit)
set(CHATAUDIT_DOC_DIR ${CPACK_PACKAGING_INSTALL_PREFIX}/${CMAKE_INSTALL_DATADIR}/doc/chataudit)
find_package(PkgConfig REQUIRED)
pkg_get_variable(CHATAUDIT_SYSTEMD_UNIT_DIR systemd systemdsystemunitdir)
if(NOT CHATAUDIT_SYSTEMD_UNIT_DIR)
  set(CHATAUDIT_SYSTEMD_UNIT_DIR /lib/systemd/system)  # Debian 12's, when systemd.pc is missing
endif()
set(CHATAUDIT_SYSTEMD_UNIT_DIR ${CHATAUDIT_SYSTEMD_UNIT_DIR} CACHE PATH "Where the package puts its systemd units")
string(REPLACE ";" " " CHATAUDIT_TOOL_WORDS "${CHATAUDIT_TOOLS}")
set(CHATAUDIT_PACKAGE_VERSION ${PROJECT_VERSION}-${CPACK_DEBIAN_PACKAGE_RELEASE})
# The day of the build (or of SOURCE_DATE_EPOCH), as Debian changelogs spell a date.
string(TIMESTAMP CHATAUDIT_PACKAGE_DATE "%a, %d %b %Y 00:00:00 +0000" UTC)

set(staged ${PROJECT_BINARY_DIR}/packaging)
set(packaging ${PROJECT_SOURCE_DIR}/packaging)
configure_file(${packaging}/libexec/run-job.in ${staged}/run-job @ONLY)
configure_file(${packaging}/systemd/chataudit@.service.in ${staged}/chataudit@.service @ONLY)
configure_file(${packaging}/systemd/chataudit-failure@.service.in ${staged}/chataudit-failure@.service @ONLY)
configure_file(${packaging}/debian/copyright.in ${staged}/copyright @ONLY)
configure_file(${packaging}/debian/changelog.Debian.in ${staged}/changelog.Debian @ONLY)
# Debian's changelogs are compressed (gzip -9n); CHANGELOG.md is the upstream changelog.
add_custom_command(OUTPUT ${staged}/changelog.Debian.gz ${staged}/changelog.gz
                   COMMAND ${CMAKE_COMMAND} -E copy ${PROJECT_SOURCE_DIR}/CHANGELOG.md ${staged}/changelog
                   COMMAND ${CMAKE_COMMAND} -E copy ${staged}/changelog.Debian ${staged}/changelog.Debian.copy
                   COMMAND ${CHATAUDIT_GZIP} -9nf ${staged}/changelog
                   COMMAND ${CHATAUDIT_GZIP} -9nf ${staged}/changelog.Debian.copy
                   COMMAND ${CMAKE_COMMAND} -E rename ${staged}/changelog.Debian.copy.gz ${staged}/changelog.Debian.gz
                   DEPENDS ${PROJECT_SOURCE_DIR}/CHANGELOG.md ${staged}/changelog.Debian
                   COMMENT "Compressing the changelogs for the Debian package" VERBATIM)
add_custom_target(debian_changelogs ALL DEPENDS ${staged}/changelog.Debian.gz ${staged}/changelog.gz)

set(component COMPONENT debian EXCLUDE_FROM_ALL)
install(PROGRAMS ${staged}/run-job ${packaging}/libexec/mail-failure
        DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/chataudit ${component})
install(FILES ${staged}/chataudit@.service ${packaging}/systemd/chataudit@.timer ${staged}/chataudit-failure@.service
        DESTINATION ${CHATAUDIT_SYSTEMD_UNIT_DIR} ${component})
install(FILES ${packaging}/debian/default DESTINATION /etc/default RENAME chataudit ${component})
install(FILES ${packaging}/debian/sysusers.conf DESTINATION lib/sysusers.d RENAME chataudit.conf ${component})
install(FILES ${packaging}/debian/tmpfiles.conf DESTINATION lib/tmpfiles.d RENAME chataudit.conf ${component})
install(FILES ${staged}/copyright ${staged}/changelog.Debian.gz ${staged}/changelog.gz
              ${packaging}/debian/README.Debian
        DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/chataudit ${component})
install(FILES ${packaging}/examples/crontab DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/chataudit/examples ${component})

# The maintainer scripts (postinst: the user, /var/lib/chataudit, daemon-reload) and conffiles.
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${packaging}/debian/postinst ${packaging}/debian/prerm
                                       ${packaging}/debian/postrm ${packaging}/debian/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# One package of both components.
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_GROUPING ALL_COMPONENTS_IN_ONE)
set(CPACK_COMPONENTS_ALL Unspecified debian)
include(CPack)
