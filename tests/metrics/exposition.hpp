#pragma once
// A strict reader of the Prometheus text exposition format 0.0.4, written from the format's
// description rather than from prometheus-cpp, so the tests check the serializer's output
// instead of trusting it. It also checks the conventions promtool lints (counters end in
// _total, HELP and TYPE before the samples, one block per family, no duplicate series).
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace iceway::metrics::testing {

using Labels = std::map<std::string, std::string>;

struct Sample {
  Labels labels;
  double value = 0;
};

struct Family {
  std::string name;
  std::string help;
  std::string type;
  std::vector<Sample> samples;
};

struct Exposition {
  std::vector<Family> families;  // in order of appearance
  std::vector<std::string> errors;  // "line 12: ..." for every violation found

  const Family* find(std::string_view name) const;
  // The value of the series with exactly these labels, if present.
  std::optional<double> value(std::string_view name, const Labels& labels = {}) const;
};

Exposition parse_exposition(std::string_view text);

}  // namespace iceway::metrics::testing
