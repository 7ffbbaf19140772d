#pragma once
// The key table (config_keys.hpp) rendered for people: the key tables of
// docs/configuration.md and the complete, commented deploy/iceway.toml. Pure text in, text
// out; a unit test renders both and compares them with the files in the tree, and
// `make config-docs` writes them after a change to the table.
#include <optional>
#include <string>
#include <string_view>

#include "app/config_keys.hpp"

namespace iceway::app {

// Whether deploy/iceway.toml sets the key. [cluster]'s are there commented out: the table's
// presence turns clustering on.
bool in_sample_config(const ConfigKey& key);

// deploy/iceway.toml: every key at its default, with its summary above it.
std::string sample_config();

// One section's Markdown table: | Key | Default | Reload | Meaning |.
std::string markdown_key_table(std::string_view section);

// `doc` with the text between each "<!-- keys: SECTION -->" line and the next
// "<!-- end keys -->" line replaced by that section's table. nullopt, with `problem` set,
// when a section of the table has no such block or a block names no section.
std::optional<std::string> render_configuration_doc(std::string_view doc, std::string& problem);

}  // namespace iceway::app
