// The scanner behind the dashboard and alert checks: if it missed names, those checks
// would pass for nothing.
#include "promql_names.hpp"

#include <gtest/gtest.h>

namespace iceway::ops {
namespace {

using Names = std::vector<std::string>;

TEST(PromqlNames, FindsMetricNamesAndSkipsEverythingElse) {
  struct Case {
    const char* name;
    std::string_view expression;
    Names metrics;
  };
  const Case cases[] = {
      {"bare name", "up", {"up"}},
      {"selector with strings that look like names",
       R"x(iceway_stun_requests_total{job=~"$job",result!="rate(x)",method='a{b}'})x", {"iceway_stun_requests_total"}},
      {"rate over a Grafana interval", "sum(rate(a_total{x=\"1\"}[$__rate_interval])) * 8", {"a_total"}},
      {"grouping labels are not metrics", "sum by (direction, reason) (rate(b_total[5m]))", {"b_total"}},
      {"grouping after the call", "sum(rate(b_total[5m])) without (instance)", {"b_total"}},
      {"grouping before the operand", "sum by (instance) (a) > 0.9 * max without(job) (b)", {"a", "b"}},
      {"a metric named like a keyword prefix", "byte_total + without_x", {"byte_total", "without_x"}},
      {"binary operators with matching", "a / on (instance) group_left (version) b", {"a", "b"}},
      {"set operators and bool", "a > bool 0.9 * b and c unless d or e", {"a", "b", "c", "d", "e"}},
      {"offset and subquery", "max_over_time(rate(c_total[1m])[1h:5m] offset 1d)", {"c_total"}},
      {"numbers and exponents", "f > 1e3 and g < .5 and h == 0x10", {"f", "g", "h"}},
      {"time() has no metric", "time() - process_start_time_seconds", {"process_start_time_seconds"}},
      {"colon names of recording rules", "job:rate5m:sum", {"job:rate5m:sum"}},
      {"variable outside braces is skipped", "x{a=\"1\"} * $scale", {"x"}},
      {"braced variable", "y{a=~\"${instance}\"}", {"y"}},
      {"multi-line", "sum by (instance) (a)\n  > 0.9 * max by (instance) (b)\n", {"a", "b"}},
      {"absent of up", "absent(up{job=\"iceway\"})", {"up"}},
      {"inf and nan literals", "a > Inf or a < -inf or a != NaN", {"a", "a", "a"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const PromqlNames names = promql_names(c.expression);
    EXPECT_EQ(names.metrics, c.metrics);
    EXPECT_TRUE(names.problems.empty()) << ::testing::PrintToString(names.problems);
  }
}

TEST(PromqlNames, ReportsWhatItCannotReadAsPlainPromql) {
  struct Case {
    const char* name;
    std::string_view expression;
  };
  const Case cases[] = {
      {"unknown function", "rates(a_total[5m])"},
      {"unknown aggregation", "total by (x) (a)"},
      {"unterminated string", "a{x=\"1}"},
      {"unclosed braces", "a{x=\"1\""},
      {"unclosed range", "rate(a[5m)"},
      {"stray closing brace", "a}"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    EXPECT_FALSE(promql_names(c.expression).problems.empty());
  }
}

TEST(PromqlNames, SubstitutesGrafanaVariables) {
  struct Case {
    std::string_view in;
    std::string_view out;
  };
  const Case cases[] = {
      {"rate(a[$__rate_interval])", "rate(a[5m])"},
      {"rate(a[$__interval]) + rate(a[${__range}])", "rate(a[1m]) + rate(a[1h])"},
      {"a{job=~\"$job\",instance=~\"${instance}\"}", "a{job=~\".*\",instance=~\".*\"}"},
      {"no variables", "no variables"},
      {"unclosed ${x", "unclosed ${x"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(std::string(c.in));
    EXPECT_EQ(substitute_grafana_variables(c.in), c.out);
  }
}

}  // namespace
}  // namespace iceway::ops
