#pragma once
// Table helpers for the attribute tests: a typed value must encode to known wire bytes
// (through MessageBuilder, inside a real message) and decode back equal; malformed values
// must be rejected with a reason naming the attribute.
#include <gtest/gtest.h>

#include <array>
#include <functional>
#include <string>
#include <vector>

#include "stun/message.hpp"
#include "stun/message_builder.hpp"
#include "../test_support.hpp"

namespace iceway::stun::test {

inline const TransactionId kRoundTripId = TransactionId::from(bytes_of("b7e7a701bc34d686fa87dfae"));

struct NamedCase {
  const char* name;
  std::function<void()> check;
};

inline void run_cases(const std::vector<NamedCase>& cases) {
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    c.check();
  }
}

template <class T>
void expect_round_trip(const T& value, std::string_view value_hex, const TransactionId& id = kRoundTripId) {
  std::vector<std::byte> buffer(2048);
  MessageBuilder builder(buffer);
  builder.start({Method::allocate, Class::request}, id).add(value);
  auto bytes = builder.finish();
  ASSERT_TRUE(bytes) << bytes.error().to_string();
  auto parsed = MessageView::parse(bytes.value());
  ASSERT_TRUE(parsed) << parsed.error().to_string();
  auto attribute = parsed.value().find(T::kType);
  ASSERT_TRUE(attribute);
  EXPECT_EQ(hex_of(attribute->value), hex_of(bytes_of(value_hex)));
  auto decoded = parsed.value().template get<T>();
  ASSERT_TRUE(decoded) << decoded.error().to_string();
  ASSERT_TRUE(decoded.value().has_value());
  EXPECT_TRUE(*decoded.value() == value);
}

template <class T>
void expect_rejected(std::string_view value_hex, DecodeReason reason, std::uint32_t detail) {
  const auto value = bytes_of(value_hex);
  const Attribute attribute{T::kType, value, 40};
  auto decoded = T::decode(attribute, kRoundTripId);
  ASSERT_FALSE(decoded);
  EXPECT_EQ(to_string(decoded.error().reason), to_string(reason)) << decoded.error().to_string();
  EXPECT_EQ(decoded.error().detail, detail) << decoded.error().to_string();
  EXPECT_TRUE(decoded.error().has_attribute);
  EXPECT_EQ(decoded.error().attribute, to_wire(T::kType));
  EXPECT_EQ(decoded.error().offset, 40u);
}

template <class T>
void expect_not_encodable(const T& value) {
  std::vector<std::byte> buffer(2048);
  MessageBuilder builder(buffer);
  builder.start({Method::allocate, Class::request}, kRoundTripId).add(value);
  auto bytes = builder.finish();
  ASSERT_FALSE(bytes);
  EXPECT_EQ(bytes.error().reason, BuildErrorReason::invalid_value);
  EXPECT_EQ(bytes.error().attribute, T::kType);
}

}  // namespace iceway::stun::test
