#pragma once
// Where a configuration value was written, for problems: "file:line", or "--set" for a
// command-line override (toml11 keeps the location of every value it parsed).
#include <string>

#include <toml.hpp>

namespace iceway::app {

inline std::string where_of(const toml::value& value) {
  auto location = value.location();
  if (location.file_name() == "--set") return "--set";
  if (location.line() == 0) return location.file_name();
  return location.file_name() + ":" + std::to_string(location.line());
}

}  // namespace iceway::app
