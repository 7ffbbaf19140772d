#include "promql_names.hpp"

#include <set>

namespace iceway::ops {
namespace {

// PromQL's functions (Prometheus 2.42, the version Debian 12 ships) and Grafana's
// label_values() of variable queries.
const std::set<std::string_view> kFunctions{
    "abs", "absent", "absent_over_time", "acos", "acosh", "asin", "asinh", "atan", "atanh", "avg", "avg_over_time",
    "bottomk", "ceil", "changes", "clamp", "clamp_max", "clamp_min", "cos", "cosh", "count", "count_over_time",
    "count_values", "day_of_month", "day_of_week", "day_of_year", "days_in_month", "deg", "delta", "deriv", "exp",
    "floor", "group", "group_over_time", "histogram_quantile", "holt_winters", "hour", "idelta", "increase", "irate",
    "label_join", "label_replace", "last_over_time", "ln", "log10", "log2", "mad_over_time", "max", "max_over_time",
    "min", "min_over_time", "minute", "month", "pi", "predict_linear", "present_over_time", "quantile",
    "quantile_over_time", "rad", "rate", "resets", "round", "scalar", "sgn", "sin", "sinh", "sort", "sort_desc", "sqrt",
    "stddev", "stddev_over_time", "stdvar", "stdvar_over_time", "sum", "sum_over_time", "tan", "tanh", "time",
    "timestamp", "topk", "vector", "year", "label_values"};
// Keywords followed by a parenthesised list of label names.
const std::set<std::string_view> kLabelListKeywords{"by", "without", "on", "ignoring", "group_left", "group_right"};
const std::set<std::string_view> kKeywords{"and", "or", "unless", "bool", "offset", "atan2", "inf", "nan", "Inf", "NaN"};

bool is_identifier_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':'; }
bool is_identifier_char(char c) { return is_identifier_start(c) || (c >= '0' && c <= '9'); }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

class Scanner {
 public:
  explicit Scanner(std::string_view text) : text_(text) {}

  PromqlNames run() {
    while (position_ < text_.size()) step();
    return std::move(out_);
  }

 private:
  char peek(std::size_t ahead = 0) const {
    return position_ + ahead < text_.size() ? text_[position_ + ahead] : '\0';
  }
  void skip_spaces() {
    while (position_ < text_.size() && is_space(text_[position_])) ++position_;
  }

  void step() {
    const char c = peek();
    if (is_space(c)) return skip_spaces();
    if (c == '"' || c == '\'' || c == '`') return skip_string();
    if (c == '$') return skip_variable();
    if (c == '{') return skip_until('}');
    if (c == '[') return skip_until(']');
    if (c == '}' || c == ']') {
      out_.problems.push_back(std::string("unbalanced '") + c + "' at " + std::to_string(position_));
      ++position_;
      return;
    }
    if (c >= '0' && c <= '9') return skip_number();
    if (c == '.' && peek(1) >= '0' && peek(1) <= '9') return skip_number();
    if (is_identifier_start(c)) return identifier();
    ++position_;  // operators and parentheses
  }

  void skip_string() {
    const char quote = peek();
    ++position_;
    while (position_ < text_.size() && peek() != quote) {
      if (peek() == '\\' && quote != '`') ++position_;
      ++position_;
    }
    if (position_ >= text_.size()) {
      out_.problems.push_back("unterminated string");
      return;
    }
    ++position_;
  }

  void skip_variable() {
    ++position_;
    if (peek() == '{') {
      while (position_ < text_.size() && peek() != '}') ++position_;
      if (position_ < text_.size()) ++position_;
      return;
    }
    while (position_ < text_.size() && is_identifier_char(peek())) ++position_;
  }

  // Skips a bracketed region up to its closing character, stepping over strings inside.
  void skip_until(char close) {
    const std::size_t start = position_;
    ++position_;
    while (position_ < text_.size() && peek() != close) {
      if (peek() == '"' || peek() == '\'' || peek() == '`') {
        skip_string();
      } else {
        ++position_;
      }
    }
    if (position_ >= text_.size()) {
      out_.problems.push_back(std::string("no closing '") + close + "' for the one at " + std::to_string(start));
      return;
    }
    ++position_;
  }

  // Numbers, including durations (5m) and exponents (1e3).
  void skip_number() {
    while (position_ < text_.size() && (is_identifier_char(peek()) || peek() == '.')) ++position_;
  }

  bool next_word_is(std::string_view word) const {
    return text_.substr(position_).starts_with(word) && !is_identifier_char(peek(word.size()));
  }

  void identifier() {
    const std::size_t start = position_;
    while (position_ < text_.size() && is_identifier_char(peek())) ++position_;
    const std::string_view name = text_.substr(start, position_ - start);
    skip_spaces();
    if (kLabelListKeywords.contains(name)) {
      if (peek() == '(') skip_until(')');
      return;
    }
    if (kKeywords.contains(name)) return;
    // A call, or an aggregation with its grouping first: `sum by (instance) (...)`.
    if (peek() == '(' || next_word_is("by") || next_word_is("without")) {
      if (!kFunctions.contains(name)) out_.problems.push_back("unknown function " + std::string(name));
      return;
    }
    out_.metrics.emplace_back(name);
  }

  std::string_view text_;
  std::size_t position_ = 0;
  PromqlNames out_;
};

}  // namespace

PromqlNames promql_names(std::string_view expression) { return Scanner(expression).run(); }

std::string substitute_grafana_variables(std::string_view expression) {
  std::string out;
  std::size_t i = 0;
  while (i < expression.size()) {
    if (expression[i] != '$') {
      out += expression[i++];
      continue;
    }
    std::size_t end = i + 1;
    std::string_view name;
    if (end < expression.size() && expression[end] == '{') {
      const auto close = expression.find('}', end);
      if (close == std::string_view::npos) {
        out += expression.substr(i);
        break;
      }
      name = expression.substr(end + 1, close - end - 1);
      end = close + 1;
    } else {
      while (end < expression.size() && is_identifier_char(expression[end])) ++end;
      name = expression.substr(i + 1, end - i - 1);
    }
    if (name == "__rate_interval") {
      out += "5m";
    } else if (name == "__interval") {
      out += "1m";
    } else if (name == "__range") {
      out += "1h";
    } else {
      out += ".*";
    }
    i = end;
  }
  return out;
}

}  // namespace iceway::ops
