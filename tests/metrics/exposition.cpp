#include "exposition.hpp"

#include <cmath>
#include <cstdlib>
#include <set>

namespace iceway::metrics::testing {
namespace {

bool is_name_start(char c, bool colon_allowed) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon_allowed && c == ':');
}
bool is_name_char(char c, bool colon_allowed) { return is_name_start(c, colon_allowed) || (c >= '0' && c <= '9'); }

// Reads a metric name (colons allowed) or label name (no colons) from the front of `text`.
std::string read_name(std::string_view& text, bool colon_allowed) {
  std::size_t length = 0;
  if (text.empty() || !is_name_start(text[0], colon_allowed)) return {};
  while (length < text.size() && is_name_char(text[length], colon_allowed)) ++length;
  std::string name(text.substr(0, length));
  text.remove_prefix(length);
  return name;
}

std::optional<double> read_value(std::string_view text) {
  if (text == "+Inf") return HUGE_VAL;
  if (text == "-Inf") return -HUGE_VAL;
  if (text == "NaN") return std::nan("");
  if (text.empty()) return std::nullopt;
  const std::string copy(text);
  char* end = nullptr;
  const double value = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size()) return std::nullopt;
  return value;
}

class Reader {
 public:
  explicit Reader(Exposition& out) : out_(out) {}

  void line(std::size_t number, std::string_view text) {
    number_ = number;
    if (text.empty()) return error("empty line");
    if (text.starts_with("# HELP ")) return help(text.substr(7));
    if (text.starts_with("# TYPE ")) return type(text.substr(7));
    if (text.starts_with("#")) return;  // a comment
    sample(text);
  }

  void finish() {
    for (const Family& family : out_.families) {
      if (family.type.empty()) out_.errors.push_back(family.name + ": no TYPE line");
      if (family.help.empty()) out_.errors.push_back(family.name + ": no HELP line");
    }
  }

 private:
  void error(const std::string& message) {
    out_.errors.push_back("line " + std::to_string(number_) + ": " + message);
  }

  // Returns the family `name`, opening a new block when it is not the current one; a name
  // seen before in another block is an error (each family is one contiguous block).
  Family& block(const std::string& name) {
    if (!out_.families.empty() && out_.families.back().name == name) return out_.families.back();
    if (!seen_.insert(name).second) error(name + ": family split into several blocks");
    out_.families.push_back({name, {}, {}, {}});
    return out_.families.back();
  }

  void help(std::string_view text) {
    const std::string name = read_name(text, true);
    if (name.empty() || !text.starts_with(' ')) return error("HELP without a metric name and text");
    Family& family = block(name);
    if (!family.help.empty()) error(name + ": second HELP");
    if (!family.samples.empty()) error(name + ": HELP after samples");
    family.help = std::string(text.substr(1));
  }

  void type(std::string_view text) {
    const std::string name = read_name(text, true);
    if (name.empty() || !text.starts_with(' ')) return error("TYPE without a metric name and type");
    Family& family = block(name);
    const std::string_view kind = text.substr(1);
    static const std::set<std::string_view> kinds{"counter", "gauge", "histogram", "summary", "untyped"};
    if (!kinds.contains(kind)) error(name + ": unknown type '" + std::string(kind) + "'");
    if (!family.type.empty()) error(name + ": second TYPE");
    if (!family.samples.empty()) error(name + ": TYPE after samples");
    family.type = std::string(kind);
    if (family.type == "counter" && !name.ends_with("_total")) error(name + ": counter name does not end in _total");
    if (family.type != "counter" && name.ends_with("_total")) error(name + ": only counters end in _total");
  }

  void sample(std::string_view text) {
    const std::string name = read_name(text, true);
    if (name.empty()) return error("sample line does not start with a metric name");
    Sample sample;
    if (text.starts_with('{')) {
      text.remove_prefix(1);
      if (!labels(text, sample.labels)) return;
    }
    if (!text.starts_with(' ')) return error(name + ": no space before the value");
    text.remove_prefix(1);
    // An optional timestamp follows the value; we never write one, so treat it as an error.
    const auto value = read_value(text);
    if (!value) return error(name + ": bad value '" + std::string(text) + "'");
    sample.value = *value;
    Family& family = block(name);
    for (const Sample& other : family.samples) {
      if (other.labels == sample.labels) return error(name + ": duplicate series");
    }
    family.samples.push_back(std::move(sample));
  }

  bool labels(std::string_view& text, Labels& out) {
    while (true) {
      if (text.starts_with('}')) {
        text.remove_prefix(1);
        return true;
      }
      const std::string label = read_name(text, false);
      if (label.empty()) return error("bad label name"), false;
      if (label.starts_with("__")) return error(label + ": label names starting with __ are reserved"), false;
      if (!text.starts_with("=\"")) return error(label + ": expected =\""), false;
      text.remove_prefix(2);
      std::string value;
      while (true) {
        if (text.empty()) return error(label + ": unterminated value"), false;
        const char c = text[0];
        text.remove_prefix(1);
        if (c == '"') break;
        if (c == '\n') return error(label + ": raw newline in value"), false;
        if (c == '\\') {
          if (text.empty()) return error(label + ": dangling backslash"), false;
          const char escaped = text[0];
          text.remove_prefix(1);
          if (escaped == 'n') {
            value += '\n';
          } else if (escaped == '\\' || escaped == '"') {
            value += escaped;
          } else {
            return error(label + ": unknown escape"), false;
          }
          continue;
        }
        value += c;
      }
      if (!out.emplace(label, value).second) return error(label + ": label repeated"), false;
      if (text.starts_with(',')) text.remove_prefix(1);
    }
  }

  Exposition& out_;
  std::size_t number_ = 0;
  std::set<std::string> seen_;
};

}  // namespace

const Family* Exposition::find(std::string_view name) const {
  for (const Family& family : families) {
    if (family.name == name) return &family;
  }
  return nullptr;
}

std::optional<double> Exposition::value(std::string_view name, const Labels& labels) const {
  const Family* family = find(name);
  if (family == nullptr) return std::nullopt;
  for (const Sample& sample : family->samples) {
    if (sample.labels == labels) return sample.value;
  }
  return std::nullopt;
}

Exposition parse_exposition(std::string_view text) {
  Exposition out;
  Reader reader(out);
  if (!text.empty() && !text.ends_with('\n')) out.errors.push_back("the last line has no newline");
  std::size_t number = 0;
  while (!text.empty()) {
    const auto end = text.find('\n');
    reader.line(++number, text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  reader.finish();
  return out;
}

}  // namespace iceway::metrics::testing
