// iceway's entry point: parse the command line, load and validate the configuration, then
// run the server or a one-shot command (--check-config, --version).
#include <spdlog/spdlog.h>

#include <iostream>

#include "app/cli.hpp"
#include "app/config.hpp"
#include "app/logging.hpp"
#include "app/server.hpp"
#include "net/address.hpp"

namespace {

iceway::app::LoadOptions load_options_of(const iceway::app::CommandLine& line) {
  iceway::app::LoadOptions options;
  options.path = line.config_path;
  options.overrides = line.overrides;
  options.environment = iceway::app::process_environment();
  options.local_address = [](iceway::AddressFamily family) { return iceway::net::first_local_address(family); };
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  using iceway::app::CommandLine;
  int exit_code = 0;
  auto line = iceway::app::parse_command_line(argc, argv, exit_code);
  if (!line) return exit_code;
  if (line->command == CommandLine::Command::version) {
    std::cout << iceway::app::version_text() << "\n";
    return 0;
  }

  auto options = load_options_of(*line);
  auto loaded = iceway::app::load_config(options);
  if (line->command == CommandLine::Command::check_config) {
    for (auto& problem : loaded.problems) std::cerr << problem.to_string() << "\n";
    if (!loaded.config) {
      std::cerr << loaded.problems.size() << " problem(s) in " << (line->config_path ? *line->config_path : "the defaults")
                << "\n";
      return 1;
    }
    for (auto& warning : loaded.warnings) std::cerr << "warning: " << warning << "\n";
    std::cout << "configuration OK: " << loaded.config->source << "\n";
    return 0;
  }
  if (!loaded.config) {
    for (auto& problem : loaded.problems) std::cerr << "iceway: " << problem.to_string() << "\n";
    std::cerr << "iceway: not started: fix the configuration (iceway --check-config lists the problems)\n";
    return 1;
  }
  iceway::app::setup_logging(loaded.config->log.level, loaded.config->log.format);
  for (auto& warning : loaded.warnings) spdlog::warn("{}", warning);

  iceway::app::Server server(std::move(*loaded.config), options);
  auto started = server.start();
  if (!started) {
    spdlog::error("not started: {}", started.error());
    return 1;
  }
  return server.run();
}
