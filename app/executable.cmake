# The iceway executable: app/ wires every part together.
configure_file(${CMAKE_CURRENT_SOURCE_DIR}/build_info.hpp.in ${CMAKE_CURRENT_BINARY_DIR}/generated/app/build_info.hpp @ONLY)

add_executable(iceway
  cli.cpp
  control/control_client.cpp
  control/control_server.cpp
  logging.cpp
  main.cpp
  server.cpp
  server_control.cpp
  server_listeners.cpp
  systemd_notify.cpp
  turn_state.cpp
)
target_include_directories(iceway PRIVATE ${CMAKE_CURRENT_BINARY_DIR}/generated)
target_link_libraries(iceway PRIVATE iceway_config iceway_ctl_command iceway_journal_priority iceway_log_fields iceway_turn_io iceway_signal_io iceway_metrics iceway_net CLI11::CLI11 spdlog::spdlog
                      nlohmann_json::nlohmann_json PkgConfig::SYSTEMD)
