#include "app/config_reference.hpp"

#include <algorithm>
#include <set>
#include <vector>

namespace iceway::app {
namespace {

constexpr std::string_view kBegin = "<!-- keys: ";
constexpr std::string_view kEnd = "<!-- end keys -->";

// Sections in the table's order (it lists them in the order the docs describe them).
std::vector<std::string_view> sections() {
  std::vector<std::string_view> out;
  for (const ConfigKey& key : config_keys())
    if (out.empty() || out.back() != key.section()) out.push_back(key.section());
  return out;
}

std::string toml_line(const ConfigKey& key) {
  std::string line(key.leaf());
  line += " = ";
  line += key.has_default() ? key.default_value : std::string_view("\"\"");
  return line;
}

}  // namespace

bool in_sample_config(const ConfigKey& key) { return key.section() != "cluster"; }

std::string sample_config() {
  std::string out =
      "# iceway configuration: every key at its default, with what it does; docs/configuration.md\n"
      "# says more. Durations take ms, s, m, h (\"30s\", \"24h\"); byte counts KiB, MiB (\"64KiB\");\n"
      "# addresses are \"IP:port\", IPv6 in brackets (\"[::]:3478\").\n"
      "#\n"
      "# deploy/install.sh writes /etc/iceway/iceway.toml from this file with a generated secret,\n"
      "# API key and token secret. After an edit: `iceway --check-config --config\n"
      "# /etc/iceway/iceway.toml`, then `systemctl reload iceway`; keys marked \"restart to change\"\n"
      "# take effect at the next `systemctl restart iceway`.\n"
      "#\n"
      "# Generated from the key table in app/config_keys.cpp (`make config-docs`): change it there.\n";
  for (std::string_view section : sections()) {
    const bool commented = section == "cluster";
    out += "\n";
    if (commented) {
      out += "# Several nodes sharing one Redis (docs/deploy.md \"Several nodes\"): uncomment [cluster]\n"
             "# and redis to turn it on; without the table iceway is a single node.\n";
    }
    out += std::string(commented ? "# [" : "[") + std::string(section) + "]\n";
    for (const ConfigKey& key : config_keys()) {
      if (key.section() != section) continue;
      out += "# " + std::string(key.summary);
      if (key.reload == OnReload::restart && !commented) out += " (restart to change)";
      out += "\n" + std::string(commented ? "# " : "") + toml_line(key) + "\n";
    }
  }
  out += "\n# [[profile]] tables make iceway speak a tutorial app's own signaling (docs/signaling.md,\n"
         "# \"App profiles\"); deploy/profiles/ has one ready config per tutorial.\n";
  return out;
}

std::string markdown_key_table(std::string_view section) {
  std::string out = "| Key | Default | Reload | Meaning |\n|---|---|---|---|\n";
  for (const ConfigKey& key : config_keys()) {
    if (key.section() != section) continue;
    std::string shown_default = key.has_default()
                                    ? "`" + std::string(key.default_value) + "`"
                                    : std::string(key.default_value.substr(1, key.default_value.size() - 2));
    out += "| `" + std::string(key.leaf()) + "` | " + shown_default + " | " +
           (key.reload == OnReload::applies ? "yes" : "restart") + " | " + std::string(key.meaning) + " |\n";
  }
  return out;
}

std::optional<std::string> render_configuration_doc(std::string_view doc, std::string& problem) {
  std::string out;
  std::set<std::string_view> seen;
  const auto all = sections();
  while (!doc.empty()) {
    const auto begin = doc.find(kBegin);
    if (begin == std::string_view::npos) {
      out += doc;
      break;
    }
    const auto name_end = doc.find(" -->\n", begin);
    const auto end = doc.find(kEnd, begin);
    if (name_end == std::string_view::npos || end == std::string_view::npos || end < name_end) {
      problem = "a \"" + std::string(kBegin) + "SECTION -->\" line without its \"" + std::string(kEnd) + "\"";
      return std::nullopt;
    }
    const std::string_view name = doc.substr(begin + kBegin.size(), name_end - begin - kBegin.size());
    if (std::find(all.begin(), all.end(), name) == all.end()) {
      problem = "\"" + std::string(name) + "\" is not a section of the key table";
      return std::nullopt;
    }
    seen.insert(name);
    out += doc.substr(0, name_end + 5);
    out += markdown_key_table(name);
    out += kEnd;
    doc.remove_prefix(end + kEnd.size());
  }
  for (std::string_view section : all) {
    if (!seen.contains(section)) {
      problem = "no \"" + std::string(kBegin) + std::string(section) + " -->\" block for [" + std::string(section) + "]";
      return std::nullopt;
    }
  }
  return out;
}

}  // namespace iceway::app
