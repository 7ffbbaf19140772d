#include "turn/retransmit_cache.hpp"

#include <gtest/gtest.h>

#include <string>

namespace iceway::turn {
namespace {

const TimePoint kStart = TimePoint{} + std::chrono::hours(1);
const FiveTuple kTuple{*Endpoint::parse("198.51.100.1:40000"), *Endpoint::parse("203.0.113.1:3478"), Transport::udp};

TransactionId id(std::uint8_t n) {
  TransactionId out{};
  out.bytes[11] = std::byte{n};
  return out;
}

std::string text(std::optional<ByteSpan> bytes) { return bytes ? std::string(as_string_view(*bytes)) : "<none>"; }

TEST(RetransmitCache, SameTupleAndTransactionGetTheSameBytesFor40Seconds) {
  RetransmitCache cache(8);
  cache.store(kTuple, id(1), stun::Method::allocate, as_byte_span("answer"), kStart);
  EXPECT_EQ(text(cache.find(kTuple, id(1), stun::Method::allocate, kStart + Seconds(40))), "answer");
  EXPECT_EQ(text(cache.find(kTuple, id(1), stun::Method::allocate, kStart + Seconds(41))), "<none>");
}

TEST(RetransmitCache, AnythingElseDifferingIsAMiss) {
  RetransmitCache cache(8);
  cache.store(kTuple, id(1), stun::Method::allocate, as_byte_span("answer"), kStart);
  FiveTuple other_port = kTuple;
  other_port.client.port = 40001;
  FiveTuple other_transport = kTuple;
  other_transport.transport = Transport::tcp;
  EXPECT_EQ(text(cache.find(other_port, id(1), stun::Method::allocate, kStart)), "<none>");
  EXPECT_EQ(text(cache.find(other_transport, id(1), stun::Method::allocate, kStart)), "<none>");
  EXPECT_EQ(text(cache.find(kTuple, id(2), stun::Method::allocate, kStart)), "<none>");
  EXPECT_EQ(text(cache.find(kTuple, id(1), stun::Method::refresh, kStart)), "<none>");  // another method
}

TEST(RetransmitCache, IsBoundedAndDropsTheOldestFirst) {
  RetransmitCache cache(3);
  for (std::uint8_t n = 1; n <= 5; ++n) cache.store(kTuple, id(n), stun::Method::allocate, as_byte_span(std::to_string(n)), kStart);
  EXPECT_EQ(cache.size(), 3u);
  EXPECT_EQ(text(cache.find(kTuple, id(1), stun::Method::allocate, kStart)), "<none>");
  EXPECT_EQ(text(cache.find(kTuple, id(2), stun::Method::allocate, kStart)), "<none>");
  EXPECT_EQ(text(cache.find(kTuple, id(3), stun::Method::allocate, kStart)), "3");
  EXPECT_EQ(text(cache.find(kTuple, id(5), stun::Method::allocate, kStart)), "5");
}

TEST(RetransmitCache, StoringTheSameKeyAgainReplacesItInPlace) {
  RetransmitCache cache(2);
  cache.store(kTuple, id(1), stun::Method::allocate, as_byte_span("first"), kStart);
  cache.store(kTuple, id(1), stun::Method::allocate, as_byte_span("second"), kStart);
  cache.store(kTuple, id(2), stun::Method::allocate, as_byte_span("other"), kStart);
  EXPECT_EQ(text(cache.find(kTuple, id(1), stun::Method::allocate, kStart)), "second");
  EXPECT_EQ(cache.size(), 2u);
}

TEST(RetransmitCache, OversizedResponsesAreNotStored) {
  RetransmitCache cache(2);
  const std::string big(RetransmitCache::kMaxResponseSize + 1, 'x');
  cache.store(kTuple, id(1), stun::Method::allocate, as_byte_span(big), kStart);
  EXPECT_EQ(cache.size(), 0u);
}

}  // namespace
}  // namespace iceway::turn
