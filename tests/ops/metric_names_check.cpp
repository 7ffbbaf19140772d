// metric_names_check dashboard FILE [RULES_OUT]
// metric_names_check rules FILE
//
// SPEC §7: the Grafana dashboard is built on exactly the names iceway exports, and the
// alerts read only those (plus Prometheus' own `up`). Prometheus accepts any name, so a
// misspelt one would only show as an empty panel or an alert that never fires; this check
// turns it into a test failure. Names come from metrics/catalogue.cpp.
//
// For the dashboard it also checks that every panel queries the ${DS_PROMETHEUS} data
// source variable, that every catalogue metric has a panel, and (with RULES_OUT) writes
// each query, Grafana variables replaced, as a recording rule so `promtool check rules`
// parses every expression with Prometheus' own parser.
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "metrics/catalogue.hpp"
#include "promql_names.hpp"

namespace {

using nlohmann::json;
using iceway::metrics::catalogue;
using iceway::metrics::find_metric;
using iceway::ops::promql_names;

struct Check {
  std::vector<std::string> problems;
  std::set<std::string> used;
  std::size_t expressions = 0;

  // Checks one expression; `extra` holds names allowed beyond the catalogue.
  void expression(const std::string& where, const std::string& expr, const std::set<std::string>& extra = {}) {
    ++expressions;
    const auto names = promql_names(expr);
    for (const auto& problem : names.problems) problems.push_back(where + ": " + problem + " in: " + expr);
    if (names.metrics.empty()) problems.push_back(where + ": names no metric: " + expr);
    for (const auto& metric : names.metrics) {
      if (find_metric(metric) == nullptr && !extra.contains(metric)) {
        problems.push_back(where + ": '" + metric + "' is not an iceway metric: " + expr);
      }
      used.insert(metric);
    }
  }
};

std::string read_all(const char* path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(std::string("cannot read ") + path);
  std::ostringstream text;
  text << in.rdbuf();
  return std::move(text).str();
}

constexpr std::string_view kDatasource = "${DS_PROMETHEUS}";

bool uses_variable_datasource(const json& node) {
  return node.contains("datasource") && node["datasource"].is_object() &&
         node["datasource"].value("uid", "") == kDatasource && node["datasource"].value("type", "") == "prometheus";
}

void check_panels(const json& panels, Check& check, std::set<int>& ids, json& rules) {
  for (const json& panel : panels) {
    const std::string title = panel.value("title", "(untitled)");
    const int id = panel.value("id", -1);
    const std::string where = "panel " + std::to_string(id) + " '" + title + "'";
    if (!ids.insert(id).second) check.problems.push_back(where + ": duplicate or missing id");
    const json& grid = panel.value("gridPos", json::object());
    if (grid.value("x", 0) + grid.value("w", 0) > 24 || grid.value("w", 0) <= 0 || grid.value("h", 0) <= 0) {
      check.problems.push_back(where + ": gridPos outside the 24-column grid");
    }
    if (panel.value("type", "") == "row") {
      check_panels(panel.value("panels", json::array()), check, ids, rules);
      continue;
    }
    if (!uses_variable_datasource(panel)) check.problems.push_back(where + ": datasource is not ${DS_PROMETHEUS}");
    const json& targets = panel.value("targets", json::array());
    if (targets.empty()) check.problems.push_back(where + ": no queries");
    for (const json& target : targets) {
      const std::string ref = target.value("refId", "?");
      if (!uses_variable_datasource(target)) check.problems.push_back(where + " " + ref + ": datasource is not ${DS_PROMETHEUS}");
      const std::string expr = target.value("expr", "");
      check.expression(where + " " + ref, expr);
      rules.push_back({{"record", "dashboard_panel_" + std::to_string(id) + "_" + ref},
                       {"expr", iceway::ops::substitute_grafana_variables(expr)}});
    }
  }
}

int check_dashboard(const char* path, const char* rules_out) {
  const json dashboard = json::parse(read_all(path));
  Check check;

  bool has_datasource_variable = false;
  for (const json& variable : dashboard.at("templating").at("list")) {
    const std::string name = variable.value("name", "");
    if (variable.value("type", "") == "datasource") {
      has_datasource_variable |= name == "DS_PROMETHEUS" && variable.value("query", "") == "prometheus";
      continue;
    }
    if (variable.value("type", "") != "query") continue;
    if (!uses_variable_datasource(variable)) check.problems.push_back("variable " + name + ": datasource is not ${DS_PROMETHEUS}");
    const json& query = variable.at("query");
    const std::string text = query.is_string() ? query.get<std::string>() : query.value("query", "");
    // label_values(SELECTOR, LABEL): only SELECTOR names a metric.
    constexpr std::string_view kLabelValues = "label_values(";
    const auto comma = text.rfind(',');
    if (!text.starts_with(kLabelValues) || comma == std::string::npos || !text.ends_with(")")) {
      check.problems.push_back("variable " + name + ": expected label_values(selector, label), got " + text);
      continue;
    }
    check.expression("variable " + name, text.substr(kLabelValues.size(), comma - kLabelValues.size()));
  }
  if (!has_datasource_variable) check.problems.push_back("no datasource variable DS_PROMETHEUS of type prometheus");

  std::set<int> ids;
  json rules = json::array();
  check_panels(dashboard.at("panels"), check, ids, rules);

  // "Built on exactly these names": every metric iceway exports has a panel.
  for (const auto& info : catalogue()) {
    if (!check.used.contains(std::string(info.name))) {
      check.problems.push_back("no panel shows " + std::string(info.name));
    }
  }

  if (rules_out != nullptr) {
    // JSON is YAML: promtool reads this file as a rules file.
    std::ofstream out(rules_out);
    out << json{{"groups", json::array({json{{"name", "dashboard"}, {"rules", rules}}})}}.dump(2) << "\n";
    if (!out) check.problems.push_back(std::string("cannot write ") + rules_out);
  }

  for (const auto& problem : check.problems) std::cout << "FAIL: " << path << ": " << problem << "\n";
  if (!check.problems.empty()) return 1;
  std::cout << "ok: " << check.expressions << " dashboard queries name only iceway metrics, and every metric has a panel\n";
  return 0;
}

// Alert rules are YAML; the expressions are `expr:` plain scalars or `|` blocks, which is
// all this reads (promtool check rules validates the file as a whole).
int check_rules(const char* path) {
  std::istringstream lines(read_all(path));
  std::vector<std::string> all;
  for (std::string line; std::getline(lines, line);) all.push_back(line);
  Check check;
  std::size_t alerts = 0;
  for (std::size_t i = 0; i < all.size(); ++i) {
    const std::string& line = all[i];
    if (line.find("- alert:") != std::string::npos) ++alerts;
    const auto key = line.find("expr:");
    if (key == std::string::npos || line.find_first_not_of(' ') != key) continue;
    std::string expr = line.substr(key + 5);
    expr.erase(0, expr.find_first_not_of(' '));
    if (expr == "|" || expr == ">") {
      expr.clear();
      while (i + 1 < all.size() && (all[i + 1].empty() || all[i + 1].find_first_not_of(' ') > key)) {
        expr += all[++i] + "\n";
      }
    }
    // Prometheus generates `up` for every target; it is the only name not ours.
    check.expression("line " + std::to_string(i + 1), expr, {"up"});
  }
  if (check.expressions == 0 || check.expressions != alerts) {
    check.problems.push_back(std::to_string(alerts) + " alerts but " + std::to_string(check.expressions) + " expressions read");
  }
  for (const auto& problem : check.problems) std::cout << "FAIL: " << path << ": " << problem << "\n";
  if (!check.problems.empty()) return 1;
  std::cout << "ok: " << check.expressions << " alert expressions name only iceway metrics and up\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    const std::string mode = argc >= 3 ? argv[1] : "";
    if (mode == "dashboard" && argc <= 4) return check_dashboard(argv[2], argc == 4 ? argv[3] : nullptr);
    if (mode == "rules" && argc == 3) return check_rules(argv[2]);
    std::cerr << "usage: metric_names_check dashboard FILE [RULES_OUT] | rules FILE\n";
    return 2;
  } catch (const std::exception& error) {
    std::cout << "FAIL: " << error.what() << "\n";
    return 1;
  }
}
