#pragma once
// Finds the metric names a PromQL expression reads, for the checks that the Grafana
// dashboard and the alert rules name only metrics iceway exports (a misspelt name is not
// an error to Prometheus: the panel stays empty and the alert never fires).
//
// A deliberately small scanner, not a parser: it skips string literals, label matchers
// {...}, range and subquery brackets [...], and the label lists of by/without/on/ignoring/
// group_left/group_right; an identifier followed by '(' is a function and must be one
// PromQL knows; keywords are skipped; every other identifier is a metric name. Grafana
// variables ($job, ${DS}, $__rate_interval) are skipped wherever they appear.
#include <string>
#include <string_view>
#include <vector>

namespace iceway::ops {

struct PromqlNames {
  std::vector<std::string> metrics;    // in order of appearance, repeats kept
  std::vector<std::string> problems;   // unknown functions, unbalanced brackets, ...
};

PromqlNames promql_names(std::string_view expression);

// Replaces Grafana's variables with values that make the expression plain PromQL, so
// promtool can parse it: $__rate_interval/$__interval/$__range become 5m, 1m, 1h; any
// other $var or ${var} becomes .* (ours only appear in regex label matchers).
std::string substitute_grafana_variables(std::string_view expression);

}  // namespace iceway::ops
