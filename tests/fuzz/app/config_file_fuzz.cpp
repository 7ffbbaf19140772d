// load_config on arbitrary file contents and --set values. A file an operator got wrong must
// give problems with a key and a place, never a crash, a hang or a half-filled Config.
//
// Input: the first line is one --set override (as `iceway --set LINE`), the rest the file.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "app/config.hpp"

namespace {

const std::string& config_path() {
  static const std::string path = "/tmp/iceway-config-fuzz-" + std::to_string(::getpid()) + ".toml";
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto newline = input.find('\n');
  const std::string_view override_text = input.substr(0, newline == std::string_view::npos ? input.size() : newline);
  const std::string_view file_text = newline == std::string_view::npos ? std::string_view{} : input.substr(newline + 1);

  if (std::FILE* file = std::fopen(config_path().c_str(), "wb")) {
    std::fwrite(file_text.data(), 1, file_text.size(), file);
    std::fclose(file);
  } else {
    return 0;
  }

  iceway::app::LoadOptions options;
  options.path = config_path();
  if (!override_text.empty()) options.overrides.emplace_back(override_text);
  options.environment = [](const std::string&) -> std::optional<std::string> { return std::nullopt; };
  options.local_address = [](iceway::AddressFamily family) -> std::optional<iceway::IpAddress> {
    return iceway::IpAddress::parse(family == iceway::AddressFamily::ipv4 ? "192.0.2.10" : "2001:db8::10");
  };
  options.random_secret = [] { return std::string("fuzz-development-secret"); };

  const auto result = iceway::app::load_config(options);
  // Exactly one of: a Config, or problems that each say what is wrong.
  if (result.config.has_value() == !result.problems.empty()) __builtin_trap();
  for (const auto& problem : result.problems) {
    if (problem.message.empty() || problem.where.empty()) __builtin_trap();
  }
  if (result.config) {
    // A loaded config is resolved: workers and a listener always exist.
    if (result.config->server.threads == 0) __builtin_trap();
  }
  return 0;
}
