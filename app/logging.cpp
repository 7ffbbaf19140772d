#include "app/logging.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <mutex>
#include <nlohmann/json.hpp>

namespace iceway::app {

namespace {

// One JSON object per line: {"time","level","msg"}. The message is escaped by nlohmann, so
// a user name or a peer id with quotes cannot break a log shipper's parser.
class JsonStderrSink final : public spdlog::sinks::base_sink<std::mutex> {
 protected:
  void sink_it_(const spdlog::details::log_msg& message) override {
    auto since_epoch = message.time.time_since_epoch();
    nlohmann::json line = {
        {"time", std::chrono::duration<double>(since_epoch).count()},
        {"level", std::string(spdlog::level::to_string_view(message.level).data(),
                              spdlog::level::to_string_view(message.level).size())},
        {"msg", std::string(message.payload.data(), message.payload.size())},
    };
    std::string text = line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    std::fwrite(text.data(), 1, text.size(), stderr);
  }
  void flush_() override { std::fflush(stderr); }
};

}  // namespace

void setup_logging(const std::string& level, const std::string& format) {
  std::shared_ptr<spdlog::logger> logger;
  if (format == "json") {
    logger = std::make_shared<spdlog::logger>("iceway", std::make_shared<JsonStderrSink>());
  } else {
    logger = std::make_shared<spdlog::logger>("iceway", std::make_shared<spdlog::sinks::stderr_sink_mt>());
    // journald adds its own timestamp; on a terminal the time helps.
    logger->set_pattern(::isatty(STDERR_FILENO) ? "%Y-%m-%d %H:%M:%S.%e %^%l%$ %v" : "%l %v");
  }
  logger->set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
}

}  // namespace iceway::app
