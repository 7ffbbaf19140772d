# Packaging: `cpack -G DEB` in a build directory makes iceway_<version>_<arch>.deb with the
# binary, the systemd unit, the documented default config, the Grafana dashboard, the
# Prometheus files, install.sh and the operator docs. Include it from the top-level
# CMakeLists.txt after the parts are added (so the `iceway` target exists):
#   include(deploy/cpack.cmake)
#
# Layout (prefix /usr):
#   /usr/bin/iceway
#   /usr/lib/systemd/system/iceway.service
#   /usr/share/iceway/{iceway.toml,install.sh,grafana/iceway.json,prometheus/*.yml}
#   /usr/share/doc/iceway/{deploy.md,configuration.md}
# Nothing is shipped under /etc: the postinst runs install.sh --package, which creates the
# iceway user and writes /etc/iceway/iceway.toml with generated secrets only if it does not
# exist. So the config is never a dpkg conffile with a secret-less default, upgrades never
# prompt, and the operator's edits and secrets are never touched.

set(ICEWAY_DEPLOY_DIR ${CMAKE_CURRENT_LIST_DIR})
get_filename_component(ICEWAY_REPO_DIR ${CMAKE_CURRENT_LIST_DIR}/.. ABSOLUTE)

if(TARGET iceway)
  install(TARGETS iceway RUNTIME DESTINATION bin)
endif()
install(FILES ${ICEWAY_REPO_DIR}/systemd/iceway.service DESTINATION lib/systemd/system)
install(FILES ${ICEWAY_DEPLOY_DIR}/iceway.toml DESTINATION share/iceway)
install(PROGRAMS ${ICEWAY_DEPLOY_DIR}/install.sh DESTINATION share/iceway)
install(FILES ${ICEWAY_DEPLOY_DIR}/grafana/iceway.json DESTINATION share/iceway/grafana)
install(FILES ${ICEWAY_DEPLOY_DIR}/prometheus/prometheus.yml ${ICEWAY_DEPLOY_DIR}/prometheus/iceway-rules.yml
        DESTINATION share/iceway/prometheus)
install(FILES ${ICEWAY_REPO_DIR}/docs/deploy.md ${ICEWAY_REPO_DIR}/docs/configuration.md
              ${ICEWAY_REPO_DIR}/docs/metrics.md ${ICEWAY_REPO_DIR}/docs/signaling.md DESTINATION share/doc/iceway)

set(ICEWAY_PACKAGE_MAINTAINER "iceway maintainers <maintainers@iceway.invalid>"
    CACHE STRING "Maintainer field of the .deb")

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME iceway)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT ${ICEWAY_PACKAGE_MAINTAINER})
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "STUN/TURN server with WebRTC signaling and Prometheus metrics")
string(CONCAT CPACK_PACKAGE_DESCRIPTION
    "iceway runs STUN, TURN with time-limited credentials (the TURN REST API scheme of\n"
    "coturn's use-auth-secret), WebSocket signaling (native, PeerJS-compatible, named relay,\n"
    "y-webrtc) and Prometheus metrics in one process for WebRTC applications.")
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
