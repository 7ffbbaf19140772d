#include "bench/stun_load_report.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace iceway::bench {
namespace {

StunLoadReport sample() {
  StunLoadReport report;
  report.options.server = *Endpoint::parse("127.0.0.1:3478");
  report.counts.sent = 1000;
  report.counts.answered = 990;
  report.counts.timed_out = 6;
  report.counts.error_responses = 3;
  report.counts.wrong_address = 1;
  report.counts.late = 2;
  report.send_seconds = 2;
  report.drain_seconds = 0.5;
  report.cpu_user_seconds = 0.25;
  report.cpu_system_seconds = 0.75;
  for (int i = 0; i < 990; ++i) report.latency.record(std::chrono::microseconds(100));
  return report;
}

TEST(StunLoadReport, LossIsSentMinusAnsweredAndRatesUseTheSendingTime) {
  const auto report = sample();
  EXPECT_EQ(report.lost(), 10u);
  EXPECT_DOUBLE_EQ(report.loss_ratio(), 0.01);
  EXPECT_DOUBLE_EQ(report.answered_per_second(), 495);
  EXPECT_DOUBLE_EQ(report.sent_per_second(), 500);
  EXPECT_DOUBLE_EQ(report.cpu_seconds(), 1.0);
}

TEST(StunLoadReport, NothingSentIsNoLossAndNoRate) {
  StunLoadReport report;
  EXPECT_EQ(report.lost(), 0u);
  EXPECT_EQ(report.loss_ratio(), 0);
  EXPECT_EQ(report.answered_per_second(), 0);
}

TEST(StunLoadReport, JsonIsOneLineWithEveryCountScriptsRead) {
  const std::string line = sample().to_json();
  EXPECT_EQ(line.find('\n'), std::string::npos);
  const auto json = nlohmann::json::parse(line);
  EXPECT_EQ(json["server"], "127.0.0.1:3478");
  EXPECT_EQ(json["sent"], 1000);
  EXPECT_EQ(json["answered"], 990);
  EXPECT_EQ(json["lost"], 10);
  EXPECT_EQ(json["late"], 2);
  EXPECT_DOUBLE_EQ(json["answered_per_second"].get<double>(), 495);
  EXPECT_DOUBLE_EQ(json["cpu_seconds"]["total"].get<double>(), 1.0);
  const double p50 = json["latency_us"]["p50"].get<double>();
  EXPECT_GE(p50, 100);
  EXPECT_LE(p50, 100 * 65.0 / 64);
  EXPECT_EQ(json["latency_us"]["max"].get<double>(), 100);
}

TEST(StunLoadReport, TextStatesRateLossAndLatency) {
  const std::string text = sample().to_text();
  EXPECT_NE(text.find("answered  990 (495/s)"), std::string::npos) << text;
  EXPECT_NE(text.find("lost      10 (1.0000%): 6 timed out, 3 error answers, 1 wrong address"), std::string::npos)
      << text;
  EXPECT_NE(text.find("2 late"), std::string::npos) << text;
}

}  // namespace
}  // namespace iceway::bench
