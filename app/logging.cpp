#include "app/logging.hpp"

#include "app/journal_priority.hpp"
#include "app/log_fields.hpp"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <nlohmann/json.hpp>

namespace iceway::app {

namespace {

// One JSON object per line: {"time","level","event",...the message's fields,"msg"} (log_fields.hpp);
// "msg" keeps the whole text line. Escaped by nlohmann, so a user name or a peer id with quotes
// cannot break a log shipper's parser.
std::string json_line(const spdlog::details::log_msg& message) {
  auto since_epoch = message.time.time_since_epoch();
  auto level = spdlog::level::to_string_view(message.level);
  const std::string_view text(message.payload.data(), message.payload.size());
  nlohmann::json line = log_fields(text);
  line["time"] = std::chrono::duration<double>(since_epoch).count();
  line["level"] = std::string(level.data(), level.size());
  line["msg"] = std::string(text);
  return line.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

// Every line to stderr, as text (the sink's pattern) or JSON. Under systemd each line starts
// with its "<N>" priority, which journald strips: the line itself (JSON included) is stored
// unchanged as MESSAGE. spdlog's systemd_sink was the alternative; it sends the bare message
// over the journal socket, so JSON lines would need their own path and a run outside
// systemd a third, while a prefix keeps one stream for every case.
class StderrSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  StderrSink(bool json, bool journal) : json_(json), journal_(journal) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& message) override {
    std::string text;
    if (json_) {
      text = json_line(message);
    } else {
      spdlog::memory_buf_t formatted;
      formatter_->format(message, formatted);
      text.assign(formatted.data(), formatted.size());
    }
    if (journal_) text = with_priority_prefix(journal_priority(message.level), text);
    std::fwrite(text.data(), 1, text.size(), stderr);
  }
  void flush_() override { std::fflush(stderr); }

 private:
  const bool json_;
  const bool journal_;
};

// True when systemd connected stderr to journald itself (not merely an inherited variable).
bool stderr_is_journal() {
  const char* journal_stream = std::getenv("JOURNAL_STREAM");
  struct stat status {};
  if (!journal_stream || ::fstat(STDERR_FILENO, &status) != 0) return false;
  return is_journal_stream(journal_stream, status.st_dev, status.st_ino);
}

}  // namespace

void setup_logging(const std::string& level, const std::string& format) {
  bool journal = stderr_is_journal();
  auto sink = std::make_shared<StderrSink>(format == "json", journal);
  // journald adds its own timestamp; on a terminal the time helps.
  sink->set_pattern(::isatty(STDERR_FILENO) && !journal ? "%Y-%m-%d %H:%M:%S.%e %^%l%$ %v" : "%l %v");
  auto logger = std::make_shared<spdlog::logger>("iceway", std::move(sink));
  logger->set_level(spdlog::level::from_str(level));
  logger->flush_on(spdlog::level::trace);
  spdlog::set_default_logger(logger);
}

}  // namespace iceway::app
