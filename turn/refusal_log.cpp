#include "turn/refusal_log.hpp"

#include <array>
#include <optional>

#include "common/log_escape.hpp"
#include "turn/peer_policy.hpp"

namespace iceway::turn {
namespace {

// The codes that get a line, in limiter key order.
constexpr std::array<stun::ErrorCode, 5> kLoggedCodes{
    stun::ErrorCode::allocation_quota_reached, stun::ErrorCode::insufficient_capacity, stun::ErrorCode::forbidden,
    stun::ErrorCode::allocation_mismatch, stun::ErrorCode::wrong_credentials};

std::optional<std::size_t> key_of(stun::ErrorCode code) {
  for (std::size_t key = 0; key < kLoggedCodes.size(); ++key) {
    if (kLoggedCodes[key] == code) return key;
  }
  return std::nullopt;
}

std::string why(const HandleResult& result) {
  if (result.refusal) return std::string(refusal_text(*result.refusal));
  if (result.peer_denied) return "the peer policy refuses the peer address (rule " + std::string(label(*result.peer_denied)) + ")";
  // A refusal whose handler named no cause: the code's own words.
  return std::string(stun::reason_phrase(*result.error));
}

std::string summary(std::size_t key, std::uint64_t lines) {
  const stun::ErrorCode code = kLoggedCodes[key];
  return "refused: " + std::to_string(lines) + " more " + std::to_string(stun::to_wire(code)) + " (" +
         std::string(stun::reason_phrase(code)) + ") refusals not logged in the last " +
         std::to_string(std::chrono::duration_cast<std::chrono::seconds>(RefusalLog::kWindow).count()) + "s";
}

}  // namespace

RefusalLog::RefusalLog() : limiter_(kLoggedCodes.size(), kLinesPerWindow, kWindow) {}

std::vector<std::string> RefusalLog::on_result(const HandleResult& result, const FiveTuple& five_tuple, TimePoint now) {
  std::vector<std::string> lines;
  // A retransmission answered from the cache was logged when first refused.
  if (!result.error || result.from_cache || result.response.empty()) return lines;
  const auto key = key_of(*result.error);
  if (!key) return lines;
  const auto admission = limiter_.admit(*key, now);
  if (admission.held_back > 0) lines.push_back(summary(*key, admission.held_back));
  if (!admission.write) return lines;
  lines.push_back("refused: " + std::string(stun::to_string(result.method)) + " " +
                  std::to_string(stun::to_wire(*result.error)) + " (" + std::string(stun::reason_phrase(*result.error)) +
                  ") client=" + std::string(to_string(five_tuple.transport)) + " " + five_tuple.client.to_string() +
                  " user=" + log_escape(result.username) + " reason=" + why(result));
  return lines;
}

std::vector<std::string> RefusalLog::flush(TimePoint now) {
  std::vector<std::string> lines;
  for (const auto& held : limiter_.flush(now)) lines.push_back(summary(held.key, held.lines));
  return lines;
}

}  // namespace iceway::turn
