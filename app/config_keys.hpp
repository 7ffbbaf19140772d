#pragma once
// The one table of configuration keys: name, kind of value, default, whether a reload applies
// it, and its documentation. Everything else follows from it and is checked against it:
// - the loader accepts exactly these keys (a typo is a problem with its line), and a test
//   shows that it reads each with the kind written here (config_loader.cpp);
// - the reload plan compares each key's value in the running and the new Config
//   (reload_plan.hpp), so a key cannot be forgotten there;
// - docs/configuration.md's key tables and deploy/iceway.toml are rendered from it
//   (config_reference.hpp), and a test fails when the files in the tree differ.
// [[profile]] tables are not keys: app/profile_config.cpp has their schema.
#include <span>
#include <string>
#include <string_view>

namespace iceway::app {

struct Config;

enum class KeyKind {
  string,
  boolean,
  integer,
  number,      // integer or fraction
  duration,    // "30s", "500ms", "1h"; a bare integer is seconds
  bytes,       // 65536 or "64KiB"
  address,     // "IP:port"
  addresses,   // ["IP:port", ...]
  ip_address,  // "IP" (no port)
  strings,     // ["...", ...]
  tables,      // [{ ... }, ...]
};
std::string_view kind_name(KeyKind kind);

enum class OnReload {
  applies,  // a reload (SIGHUP, `iceway ctl reload`) puts the new value in force
  restart,  // read at start only: a reload reports it as needing a restart
};

struct ConfigKey {
  std::string_view name;           // "turn.max_allocations"
  KeyKind kind;
  // The default as TOML text ("10000", "\"1h\""), or a description in parentheses when there
  // is none to write: "(required)", "(host name and signaling port)".
  std::string_view default_value;
  OnReload reload;
  std::string_view summary;        // one line: deploy/iceway.toml's comment
  std::string_view meaning;        // docs/configuration.md's "Meaning" (Markdown)
  // The key's value in a loaded Config as comparable text (it may hold secrets: compare it,
  // never print it). nullptr: the key is read into another one (a *_file key fills the key
  // it names), which is where a change shows.
  std::string (*current)(const Config&);

  std::string_view section() const { return name.substr(0, name.rfind('.')); }
  std::string_view leaf() const { return name.substr(name.rfind('.') + 1); }
  bool has_default() const { return !default_value.starts_with('('); }
};

std::span<const ConfigKey> config_keys();
const ConfigKey* find_config_key(std::string_view name);

}  // namespace iceway::app
