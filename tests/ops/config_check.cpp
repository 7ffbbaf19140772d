// config_check generated FILE [section.key=TOML ...]
//     FILE (as deploy/install.sh writes it from deploy/iceway.toml) has every key the sample
//     config sets (app/config_reference.hpp), each with its default's type, the generated
//     secrets, the given values, and no key outside the table.
// Parses TOML with toml11, the parser app/ uses, so "it parses here" means it parses there.
// That deploy/iceway.toml itself is the table rendered is a unit test (config_keys_test.cpp).
#include <iostream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <toml.hpp>

#include "app/config_keys.hpp"
#include "app/config_reference.hpp"

namespace {

using iceway::app::ConfigKey;

toml::value parse_value(std::string_view text, const std::string& what) {
  std::istringstream in("v = " + std::string(text));
  const auto table = toml::parse(in, what);
  return toml::find(table, "v");
}

bool is_hex_secret(const toml::value& value) {
  static const std::regex kHex("[0-9a-f]{64}");
  return value.is_string() && std::regex_match(value.as_string().str, kHex);
}

struct Report {
  std::vector<std::string> problems;
  int finish(const std::string& path, const std::string& what) const {
    for (const auto& problem : problems) std::cout << "FAIL: " << path << ": " << problem << "\n";
    if (!problems.empty()) return 1;
    std::cout << "ok: " << path << ": " << what << "\n";
    return 0;
  }
};

// The value at "a.b.c", or nullptr.
const toml::value* find_key(const toml::value& file, std::string_view dotted) {
  const toml::value* node = &file;
  while (!dotted.empty()) {
    const auto dot = dotted.find('.');
    const std::string part(dotted.substr(0, dot));
    if (!node->is_table() || !node->contains(part)) return nullptr;
    node = &node->at(part);
    dotted = dot == std::string_view::npos ? std::string_view() : dotted.substr(dot + 1);
  }
  return node;
}

// Keys in the file that the table does not list: a typo, or a key the docs do not cover.
void unknown_keys(const toml::value& table, const std::string& prefix, Report& report) {
  for (const auto& [name, value] : table.as_table()) {
    const std::string dotted = prefix.empty() ? name : prefix + "." + name;
    if (value.is_table()) unknown_keys(value, dotted, report);
    else if (iceway::app::find_config_key(dotted) == nullptr) report.problems.push_back(dotted + " is not a configuration key");
  }
}

int check_generated(const std::string& path, const std::vector<std::string>& expectations) {
  const auto file = toml::parse(path);
  Report report;
  std::map<std::string, std::string> expected;
  for (const auto& expectation : expectations) {
    const auto equals = expectation.find('=');
    if (equals == std::string::npos) throw std::runtime_error("expected section.key=TOML, got " + expectation);
    expected[expectation.substr(0, equals)] = expectation.substr(equals + 1);
  }
  for (const ConfigKey& key : iceway::app::config_keys()) {
    if (!iceway::app::in_sample_config(key)) continue;
    const std::string name(key.name);
    const toml::value* value = find_key(file, name);
    if (value == nullptr) {
      report.problems.push_back(name + " is missing");
      continue;
    }
    const toml::value default_value = parse_value(key.default_value, name);
    if (value->type() != default_value.type()) report.problems.push_back(name + " has the wrong type");
    if (const auto it = expected.find(name); it != expected.end()) {
      if (*value != parse_value(it->second, name)) {
        report.problems.push_back(name + " = " + toml::format(*value) + ", expected " + it->second);
      }
      expected.erase(it);
    }
  }
  for (const auto& [name, value] : expected) report.problems.push_back(name + " is not a key of the sample config");

  // install.sh generates one TURN secret, one API key and a token secret: 32 random bytes in hex.
  for (const char* name : {"secrets", "api_keys"}) {
    const auto& list = toml::find(file, "auth", name);
    if (!list.is_array() || list.as_array().size() != 1 || !is_hex_secret(list.as_array().front())) {
      report.problems.push_back(std::string("auth.") + name + " is not one generated 64-hex-digit value");
    }
  }
  if (!is_hex_secret(toml::find(file, "signal", "token_secret"))) {
    report.problems.push_back("signal.token_secret is not a generated 64-hex-digit value");
  }
  if (toml::find(file, "auth", "secrets") == toml::find(file, "auth", "api_keys")) {
    report.problems.push_back("the TURN secret and the API key are the same value");
  }
  unknown_keys(file, "", report);
  return report.finish(path, "every key, generated secrets");
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string mode = argc >= 3 ? argv[1] : "";
    if (mode == "generated") return check_generated(argv[2], std::vector<std::string>(argv + 3, argv + argc));
    std::cerr << "usage: config_check generated FILE [section.key=TOML ...]\n";
    return 2;
  } catch (const std::exception& error) {
    // toml11's syntax errors carry the file, line and a caret under the problem.
    std::cout << "FAIL: " << error.what() << "\n";
    return 1;
  }
}
