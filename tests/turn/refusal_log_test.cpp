#include "turn/refusal_log.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace iceway::turn {
namespace {

const FiveTuple kTuple{*Endpoint::parse("198.51.100.9:40000"), *Endpoint::parse("192.0.2.1:3478"), Transport::udp};
const std::byte kAnswer[20]{};  // stands for the bytes of the error response

HandleResult refused(stun::ErrorCode code, std::optional<Refusal> why = std::nullopt) {
  HandleResult result;
  result.method = stun::Method::allocate;
  result.error = code;
  result.refusal = why;
  result.username = "1700000000:alice";
  result.response = ByteSpan(kAnswer);
  return result;
}

TEST(RefusalLog, ARefusalIsOneLineWithClientUserAndTheCauseInWords) {
  RefusalLog log;
  const auto lines = log.on_result(refused(stun::ErrorCode::allocation_quota_reached, Refusal::quota_per_user), kTuple, TimePoint{});
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0],
            "refused: allocate 486 (Allocation Quota Reached) client=udp 198.51.100.9:40000 user=1700000000:alice "
            "reason=the user has turn.max_allocations_per_user allocations already");
}

TEST(RefusalLog, EachLoggedCodeSaysWhy) {
  struct Case {
    const char* name;
    HandleResult result;
    const char* reason;
  };
  HandleResult denied = refused(stun::ErrorCode::forbidden);
  denied.method = stun::Method::create_permission;
  denied.peer_denied = PeerReason::config_deny;
  const Case cases[] = {
      {"508 port range", refused(stun::ErrorCode::insufficient_capacity, Refusal::no_relay_port), "turn.relay_ports"},
      {"508 EVEN-PORT R=1", refused(stun::ErrorCode::insufficient_capacity, Refusal::even_port_reservation), "no such pair"},
      {"403 peer policy", denied, "peer policy refuses the peer address (rule config_deny)"},
      {"437 existing", refused(stun::ErrorCode::allocation_mismatch, Refusal::allocation_exists), "already has an allocation"},
      {"441", refused(stun::ErrorCode::wrong_credentials, Refusal::another_users_allocation), "belongs to another user"},
      {"508 without a cause", refused(stun::ErrorCode::insufficient_capacity), "reason=Insufficient Capacity"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    RefusalLog log;
    const auto lines = log.on_result(c.result, kTuple, TimePoint{});
    ASSERT_EQ(lines.size(), 1u);
    EXPECT_NE(lines[0].find(c.reason), std::string::npos) << lines[0];
  }
}

TEST(RefusalLog, OtherAnswersAndCachedRetransmissionsAreNotLogged) {
  RefusalLog log;
  HandleResult success;
  success.response = ByteSpan(kAnswer);
  EXPECT_TRUE(log.on_result(success, kTuple, TimePoint{}).empty());
  EXPECT_TRUE(log.on_result(refused(stun::ErrorCode::bad_request), kTuple, TimePoint{}).empty());
  EXPECT_TRUE(log.on_result(refused(stun::ErrorCode::unauthenticated), kTuple, TimePoint{}).empty());
  HandleResult cached = refused(stun::ErrorCode::allocation_quota_reached, Refusal::quota_per_ip);
  cached.from_cache = true;
  EXPECT_TRUE(log.on_result(cached, kTuple, TimePoint{}).empty());
  HandleResult unsent = refused(stun::ErrorCode::allocation_quota_reached, Refusal::quota_per_ip);
  unsent.response = {};  // dropped by the unauthenticated-answer budget: nothing was refused on the wire
  EXPECT_TRUE(log.on_result(unsent, kTuple, TimePoint{}).empty());
}

TEST(RefusalLog, AFloodIsCutAtTheLimitPerCodeAndSummedWhenTheWindowCloses) {
  RefusalLog log;
  TimePoint now{};
  std::size_t written = 0;
  for (int i = 0; i < 100; ++i) written += log.on_result(refused(stun::ErrorCode::allocation_quota_reached, Refusal::quota_per_ip), kTuple, now).size();
  EXPECT_EQ(written, RefusalLog::kLinesPerWindow);
  // Another code has its own budget.
  EXPECT_EQ(log.on_result(refused(stun::ErrorCode::wrong_credentials, Refusal::another_users_allocation), kTuple, now).size(), 1u);
  EXPECT_TRUE(log.flush(now + RefusalLog::kWindow - std::chrono::seconds(1)).empty());

  const auto summary = log.flush(now + RefusalLog::kWindow);
  ASSERT_EQ(summary.size(), 1u);
  EXPECT_EQ(summary[0], "refused: 90 more 486 (Allocation Quota Reached) refusals not logged in the last 60s");
  EXPECT_TRUE(log.flush(now + 2 * RefusalLog::kWindow).empty());  // said once

  // A flood that goes on gets its summary from the next refusal after the window, then the line.
  for (int i = 0; i < 15; ++i) log.on_result(refused(stun::ErrorCode::allocation_quota_reached, Refusal::quota_per_ip), kTuple, now + 3 * RefusalLog::kWindow);
  const auto next = log.on_result(refused(stun::ErrorCode::allocation_quota_reached, Refusal::quota_per_ip), kTuple, now + 4 * RefusalLog::kWindow);
  ASSERT_EQ(next.size(), 2u);
  EXPECT_EQ(next[0], "refused: 5 more 486 (Allocation Quota Reached) refusals not logged in the last 60s");
  EXPECT_NE(next[1].find("turn.max_allocations_per_ip"), std::string::npos);
}

TEST(RefusalLog, AUserNameIsEscapedSoItCannotForgeALine) {
  RefusalLog log;
  HandleResult result = refused(stun::ErrorCode::allocation_quota_reached, Refusal::quota_per_user);
  result.username = "mallory\ninfo allocation created: user=admin";
  const auto lines = log.on_result(result, kTuple, TimePoint{});
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].find('\n'), std::string::npos) << lines[0];
}

}  // namespace
}  // namespace iceway::turn
