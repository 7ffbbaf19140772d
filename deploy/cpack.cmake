# Packaging: `cmake --build build --target package` (or `cpack -G DEB` in a build directory
# where everything is built) makes iceway_<version>_<arch>.deb with the binary, its man
# pages, the systemd unit, the documented default config, the Grafana dashboard, the
# Prometheus files, install.sh, the operator docs, the copyright file and the changelog.
# Include it from the top-level CMakeLists.txt after the parts are added (so the `iceway`
# target exists):
#   include(deploy/cpack.cmake)
#
# Layout (prefix /usr):
#   /usr/bin/iceway
#   /usr/lib/systemd/system/iceway.service
#   /usr/share/iceway/{iceway.toml,install.sh,grafana/iceway.json,prometheus/*.yml}
#   /usr/share/doc/iceway/{copyright,changelog.gz,deploy.md,configuration.md,...}
#   /usr/share/man/man8/{iceway.8.gz,iceway-SUBCOMMAND.8.gz}
# Nothing is shipped under /etc: the postinst runs install.sh --package, which creates the
# iceway user and writes /etc/iceway/iceway.toml with generated secrets only if it does not
# exist. So the config is never a dpkg conffile with a secret-less default, upgrades never
# prompt, and the operator's edits and secrets are never touched.

set(ICEWAY_DEPLOY_DIR ${CMAKE_CURRENT_LIST_DIR})
get_filename_component(ICEWAY_REPO_DIR ${CMAKE_CURRENT_LIST_DIR}/.. ABSOLUTE)

if(TARGET iceway)
  install(TARGETS iceway RUNTIME DESTINATION bin)
  # Relocations resolved at start and then read-only, as Debian's hardening flags link
  # every daemon (lintian: hardening-no-bindnow).
  target_link_options(iceway PRIVATE LINKER:-z,relro LINKER:-z,now)
endif()
install(FILES ${ICEWAY_REPO_DIR}/systemd/iceway.service DESTINATION lib/systemd/system)
install(FILES ${ICEWAY_DEPLOY_DIR}/iceway.toml DESTINATION share/iceway)
install(PROGRAMS ${ICEWAY_DEPLOY_DIR}/install.sh DESTINATION share/iceway)
install(FILES ${ICEWAY_DEPLOY_DIR}/grafana/iceway.json DESTINATION share/iceway/grafana)
install(FILES ${ICEWAY_DEPLOY_DIR}/prometheus/prometheus.yml ${ICEWAY_DEPLOY_DIR}/prometheus/iceway-rules.yml
        DESTINATION share/iceway/prometheus)
# What Debian policy asks of every package (§12.5, §12.7): the machine-readable copyright
# file (Apache-2.0, the repository's LICENSE) and the changelog, gzip -9n so the bytes do
# not depend on when they were built. Versions without a Debian revision are native
# packages, whose changelog is changelog.gz. The package's version is the project's, and
# its changelog must say what that version is.
file(STRINGS ${ICEWAY_DEPLOY_DIR}/debian/changelog iceway_changelog_head LIMIT_COUNT 1)
if(NOT iceway_changelog_head MATCHES "^iceway \\(([^)]+)\\) ")
  message(FATAL_ERROR "deploy/debian/changelog does not start with an 'iceway (VERSION) ...' entry")
endif()
if(NOT CMAKE_MATCH_1 STREQUAL PROJECT_VERSION)
  message(FATAL_ERROR "deploy/debian/changelog's newest entry is ${CMAKE_MATCH_1}, the project is "
          "${PROJECT_VERSION}: add an entry for ${PROJECT_VERSION} (dch -v ${PROJECT_VERSION})")
endif()
find_program(ICEWAY_GZIP gzip REQUIRED)
set(iceway_changelog_gz ${CMAKE_CURRENT_BINARY_DIR}/deploy/changelog.gz)
add_custom_command(OUTPUT ${iceway_changelog_gz}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_CURRENT_BINARY_DIR}/deploy
  COMMAND sh -c "\"$0\" -9n -c \"$1\" > \"$2\"" ${ICEWAY_GZIP} ${ICEWAY_DEPLOY_DIR}/debian/changelog
          ${iceway_changelog_gz}
  DEPENDS ${ICEWAY_DEPLOY_DIR}/debian/changelog
  COMMENT "gzip -9n deploy/debian/changelog"
  VERBATIM)
add_custom_target(iceway_changelog ALL DEPENDS ${iceway_changelog_gz})
install(FILES ${ICEWAY_DEPLOY_DIR}/debian/copyright ${iceway_changelog_gz} DESTINATION share/doc/iceway)

# Man pages from the built binary's --help (deploy/manpages.cmake says why section 8). The
# page date is the newest changelog entry's, so a rebuild of a release makes the same page.
find_program(ICEWAY_HELP2MAN help2man)
if(TARGET iceway AND ICEWAY_HELP2MAN)
  file(STRINGS ${ICEWAY_DEPLOY_DIR}/debian/changelog iceway_changelog_trailer REGEX "^ -- .*>  ")
  list(GET iceway_changelog_trailer 0 iceway_changelog_trailer)
  string(REGEX REPLACE "^ -- .*>  " "" iceway_changelog_date "${iceway_changelog_trailer}")
  execute_process(COMMAND date -u -d "${iceway_changelog_date}" +%s
                  OUTPUT_VARIABLE iceway_source_date_epoch OUTPUT_STRIP_TRAILING_WHITESPACE
                  RESULT_VARIABLE iceway_date_rc)
  if(NOT iceway_date_rc EQUAL 0)
    message(FATAL_ERROR "deploy/debian/changelog: cannot read the date '${iceway_changelog_date}'")
  endif()
  set(iceway_man_dir ${CMAKE_CURRENT_BINARY_DIR}/deploy/man8)
  add_custom_command(OUTPUT ${iceway_man_dir}.stamp
    COMMAND ${CMAKE_COMMAND} -DHELP2MAN=${ICEWAY_HELP2MAN} -DPROGRAM=$<TARGET_FILE:iceway>
            -DINCLUDE=${ICEWAY_DEPLOY_DIR}/debian/iceway.h2m -DOUT_DIR=${iceway_man_dir}
            -DSOURCE_DATE_EPOCH=${iceway_source_date_epoch} -P ${ICEWAY_DEPLOY_DIR}/manpages.cmake
    COMMAND ${CMAKE_COMMAND} -E touch ${iceway_man_dir}.stamp
    DEPENDS iceway ${ICEWAY_DEPLOY_DIR}/manpages.cmake ${ICEWAY_DEPLOY_DIR}/debian/iceway.h2m
            ${ICEWAY_DEPLOY_DIR}/debian/changelog
    COMMENT "help2man: man pages from iceway --help")
  add_custom_target(iceway_manpages ALL DEPENDS ${iceway_man_dir}.stamp)
  install(DIRECTORY ${iceway_man_dir}/ DESTINATION share/man/man8)
elseif(TARGET iceway)
  message(WARNING "help2man not found: the .deb will have no man pages "
                  "(scripts/install-deps.sh build installs it)")
endif()

install(FILES ${ICEWAY_REPO_DIR}/docs/deploy.md ${ICEWAY_REPO_DIR}/docs/configuration.md
              ${ICEWAY_REPO_DIR}/docs/metrics.md ${ICEWAY_REPO_DIR}/docs/signaling.md DESTINATION share/doc/iceway)

set(ICEWAY_PACKAGE_MAINTAINER "iceway maintainers <maintainers@iceway.invalid>"
    CACHE STRING "Maintainer field of the .deb")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME iceway)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT ${ICEWAY_PACKAGE_MAINTAINER})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "STUN/TURN server with WebRTC signaling and Prometheus metrics")
# Lines under 80 columns with the leading space dpkg adds (Debian policy §3.4.1).
string(CONCAT CPACK_PACKAGE_DESCRIPTION
    "iceway runs STUN, TURN with time-limited credentials (the TURN REST API\n"
    "scheme of coturn's use-auth-secret), WebSocket signaling (native,\n"
    "PeerJS-compatible, named relay, y-webrtc) and Prometheus metrics in one\n"
    "process for WebRTC applications.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)

set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# Shared libraries (libssl3, libsystemd0, libprometheus-cpp-core1.0, ...) come from
# dpkg-shlibdeps; the rest is what the maintainer scripts run: useradd (passwd) and
# openssl rand for the generated secrets.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "passwd, openssl")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "prometheus, certbot")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${ICEWAY_DEPLOY_DIR}/debian/postinst ${ICEWAY_DEPLOY_DIR}/debian/prerm ${ICEWAY_DEPLOY_DIR}/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)

include(CPack)
