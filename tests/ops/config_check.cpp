#include "app/config.hpp"
// config_check defaults FILE          FILE has every SPEC §3 key, at its default, and no other
// config_check generated FILE [section.key=TOML ...]
//                                      FILE (as install.sh writes it) has every key with the
//                                      default's type, generated secrets, and the given values
// config_check docs FILE.md            every key is documented under its [section] heading
//                                      with the SPEC's default
// Parses TOML with toml11, the parser app/ uses, so "it parses here" means it parses there.
#include <algorithm>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <toml.hpp>

#include "config_keys.hpp"

namespace {

using iceway::ops::ConfigKey;
using iceway::ops::kConfigKeys;

toml::value parse_value(std::string_view text, const std::string& what) {
  std::istringstream in("v = " + std::string(text));
  const auto table = toml::parse(in, what);
  return toml::find(table, "v");
}

std::string name_of(const ConfigKey& key) { return std::string(key.section) + "." + std::string(key.key); }

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

const toml::value* find_key(const toml::value& file, const ConfigKey& key) {
  if (!file.contains(std::string(key.section))) return nullptr;
  const toml::value& section = file.at(std::string(key.section));
  if (!section.is_table() || !section.contains(std::string(key.key))) return nullptr;
  return &section.at(std::string(key.key));
}

// Keys in the file that the SPEC does not list: a typo, or a key the docs do not cover.
void unknown_keys(const toml::value& file, Report& report) {
  for (const auto& [section_name, table] : file.as_table()) {
    const std::string& section = section_name;  // a plain name: lambdas cannot capture bindings in C++20
    if (!table.is_table()) {
      report.problems.push_back("top-level key '" + section + "' outside any section");
      continue;
    }
    for (const auto& entry : table.as_table()) {
      const std::string& key = entry.first;
      const bool known = std::any_of(kConfigKeys.begin(), kConfigKeys.end(), [&](const ConfigKey& listed) {
        return listed.section == section && listed.key == key;
      });
      if (!known) report.problems.push_back(section + "." + key + " is not a SPEC §3 key");
    }
  }
}

int check_defaults(const std::string& path) {
  const auto file = toml::parse(path);
  Report report;
  for (const ConfigKey& key : kConfigKeys) {
    const toml::value* value = find_key(file, key);
    if (value == nullptr) {
      report.problems.push_back(name_of(key) + " is missing");
    } else if (*value != parse_value(key.default_toml, name_of(key))) {
      report.problems.push_back(name_of(key) + " = " + toml::format(*value) + ", the default is " +
                                std::string(key.default_toml));
    }
  }
  unknown_keys(file, report);
  return report.finish(path, "every SPEC §3 key at its default");
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
  for (const ConfigKey& key : kConfigKeys) {
    const std::string name = name_of(key);
    const toml::value* value = find_key(file, key);
    if (value == nullptr) {
      report.problems.push_back(name + " is missing");
      continue;
    }
    const toml::value default_value = parse_value(key.default_toml, name);
    if (value->type() != default_value.type()) report.problems.push_back(name + " has the wrong type");
    if (const auto it = expected.find(name); it != expected.end()) {
      if (*value != parse_value(it->second, name)) {
        report.problems.push_back(name + " = " + toml::format(*value) + ", expected " + it->second);
      }
      expected.erase(it);
    }
  }
  for (const auto& [name, value] : expected) report.problems.push_back(name + " is not a SPEC §3 key");

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
  unknown_keys(file, report);
  return report.finish(path, "every SPEC §3 key, generated secrets");
}

// Documentation: a heading "## `[section]`" (backticks optional), then table rows
// "| `key` | `default` | meaning |".
int check_docs(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  static const std::regex kHeading(R"(^##\s+`?\[([a-z_]+)\]`?\s*$)");
  static const std::regex kRow(R"(^\|\s*`([a-z0-9_]+)`\s*\|\s*`([^`]*)`\s*\|.*\S.*\|\s*$)");
  std::map<std::string, std::string> documented;  // section.key -> default text
  std::string section;
  std::string line;
  while (std::getline(in, line)) {
    std::smatch match;
    if (std::regex_match(line, match, kHeading)) {
      section = match[1];
    } else if (line.starts_with("## ")) {
      section.clear();
    } else if (!section.empty() && std::regex_match(line, match, kRow)) {
      documented[section + "." + std::string(match[1])] = match[2];
    }
  }
  Report report;
  for (const ConfigKey& key : kConfigKeys) {
    const auto it = documented.find(name_of(key));
    if (it == documented.end()) {
      report.problems.push_back(name_of(key) + " is not documented in a \"## [" + std::string(key.section) + "]\" table");
    } else if (it->second != key.default_toml) {
      report.problems.push_back(name_of(key) + " documented default `" + it->second + "`, SPEC §3 says `" +
                                std::string(key.default_toml) + "`");
    }
  }
  for (const auto& entry : documented) {
    const std::string& name = entry.first;
    const bool spec_key = std::any_of(kConfigKeys.begin(), kConfigKeys.end(),
                                      [&](const ConfigKey& key) { return name_of(key) == name; });
    // Keys beyond SPEC §3 must be ones iceway really reads (app/'s schema); the doc lists
    // [signal.peerjs] under the [signal] heading, so "signal.key" stands for "signal.peerjs.key".
    const auto& accepted = iceway::app::known_config_keys();
    const auto dot = name.find('.');
    const std::string nested = name.substr(0, dot) + ".peerjs" + name.substr(dot);
    const bool accepted_key = std::find(accepted.begin(), accepted.end(), name) != accepted.end() ||
                              std::find(accepted.begin(), accepted.end(), nested) != accepted.end();
    if (!spec_key && !accepted_key) report.problems.push_back(name + " is documented but iceway does not read it");
  }
  return report.finish(path, "every SPEC §3 key documented with its default");
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string mode = argc >= 3 ? argv[1] : "";
    if (mode == "defaults" && argc == 3) return check_defaults(argv[2]);
    if (mode == "generated") return check_generated(argv[2], std::vector<std::string>(argv + 3, argv + argc));
    if (mode == "docs" && argc == 3) return check_docs(argv[2]);
    std::cerr << "usage: config_check defaults FILE | generated FILE [section.key=TOML ...] | docs FILE.md\n";
    return 2;
  } catch (const std::exception& error) {
    // toml11's syntax errors carry the file, line and a caret under the problem.
    std::cout << "FAIL: " << error.what() << "\n";
    return 1;
  }
}
