#include "signal/token.hpp"

#include <string>

#include <gtest/gtest.h>

namespace iceway::signaling {
namespace {

constexpr UnixSeconds kNow = 1'700'000'000;

// Made with Python's hmac/hashlib (not with this code): header {"alg":"HS256","typ":"JWT"},
// payload {"sub":"alice","rooms":["lobby","r2"],"exp":1700003600}, secret "s3cret".
constexpr const char* kRoomsToken =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSIsInJvb21zIjpbImxvYmJ5IiwicjIiXSwiZXhwIjoxNzAwMDAzNj"
    "AwfQ.kQ3E4rg4bVVgRAHJtipeHmvEVvDOYF0RyjzZfgjyhc8";

// jwt.io's example token: {"sub":"1234567890","name":"John Doe","iat":1516239022},
// secret "your-256-bit-secret".
constexpr const char* kJwtIoToken =
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIy"
    "fQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";

TEST(Token, VerifiesAnIndependentlyMadeToken) {
  auto claims = verify_token(kRoomsToken, "s3cret", kNow);
  ASSERT_TRUE(claims);
  EXPECT_EQ(claims.value().subject, "alice");
  ASSERT_TRUE(claims.value().rooms);
  EXPECT_EQ(*claims.value().rooms, (std::vector<std::string>{"lobby", "r2"}));
  EXPECT_EQ(claims.value().expires_at, UnixSeconds{1'700'003'600});
}

TEST(Token, VerifiesJwtIoExample) {
  auto claims = verify_token(kJwtIoToken, "your-256-bit-secret", kNow);
  ASSERT_TRUE(claims);
  EXPECT_EQ(claims.value().subject, "1234567890");
  EXPECT_FALSE(claims.value().rooms);
  EXPECT_FALSE(claims.value().expires_at);
}

TEST(Token, ExpiryUsesTheTimePassedIn) {
  EXPECT_TRUE(verify_token(kRoomsToken, "s3cret", 1'700'003'599));
  auto at_expiry = verify_token(kRoomsToken, "s3cret", 1'700'003'600);
  ASSERT_FALSE(at_expiry);
  EXPECT_EQ(at_expiry.error(), TokenError::expired);
}

TEST(Token, NotBeforeUsesTheTimePassedIn) {
  TokenClaims claims{"bob", std::nullopt, std::nullopt, kNow + 10};
  const std::string token = sign_token("k", claims);
  auto early = verify_token(token, "k", kNow);
  ASSERT_FALSE(early);
  EXPECT_EQ(early.error(), TokenError::not_yet_valid);
  EXPECT_TRUE(verify_token(token, "k", kNow + 10));
}

TEST(Token, SignRoundTrips) {
  TokenClaims claims{"carol", std::vector<std::string>{"a"}, kNow + 60, std::nullopt};
  auto verified = verify_token(sign_token("key", claims), "key", kNow);
  ASSERT_TRUE(verified);
  EXPECT_EQ(verified.value().subject, "carol");
  EXPECT_EQ(verified.value().rooms, claims.rooms);
  EXPECT_EQ(verified.value().expires_at, claims.expires_at);
}

TEST(Token, Rejections) {
  struct Case {
    const char* name;
    std::string token;
    std::string secret;
    TokenError error;
  };
  std::string tampered = kRoomsToken;
  tampered[tampered.size() - 2] = tampered[tampered.size() - 2] == 'A' ? 'B' : 'A';
  const Case cases[] = {
      {"wrong secret", kRoomsToken, "other", TokenError::bad_signature},
      {"tampered signature", tampered, "s3cret", TokenError::bad_signature},
      {"short signature", std::string(kRoomsToken).substr(0, std::string(kRoomsToken).size() - 4), "s3cret",
       TokenError::bad_signature},
      {"no secret configured", kRoomsToken, "", TokenError::no_secret},
      {"alg none", "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJhbGljZSJ9.AAAA", "s3cret",
       TokenError::wrong_algorithm},
      {"alg HS512",
       "eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSJ9.D9icenNs7fPQEENF9teBP3l3Lg_IvvU-szV_2QAJIBx6FM9sQ2"
       "GeL2cliGGBTqPr73EennAD2xVUAzgMqrDLdA",
       "s3cret", TokenError::wrong_algorithm},
      {"alg not a string", "eyJhbGciOjUsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhbGljZSJ9.xVEpjYdsAjuzmgRIKkrsvfjFRQuZQVLF0TP40LPlRo0",
       "s3cret", TokenError::malformed},
      {"typ not JWT", "eyJhbGciOiJIUzI1NiIsInR5cCI6IlhZWiJ9.eyJzdWIiOiJhIn0.8q-anQxUIERH-e95ZkdMogoD8bxXvQvgWzfOoP5i25A",
       "s3cret", TokenError::malformed},
      {"header not JSON", "eyJhbGciOiJIUzI1NiI.eyJzdWIiOiJhIn0.eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHh4eHg", "s3cret",
       TokenError::malformed},
      {"payload is an array",
       "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.WyJ4Il0.iRgVXmlHaCJrLEpZlhIagO46nl_5PY-SPlR7ViZdWpo", "s3cret",
       TokenError::malformed},
      {"sub not a string",
       "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOjQyfQ.pYAen8GvRdkIKa3ofjFrhqY1vjLr1iN2FumQ9RnqIXw", "s3cret",
       TokenError::bad_claims},
      {"rooms not strings",
       "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhIiwicm9vbXMiOlsxXX0.g-K15uya6NdYNxNcPeNWnI8JPCj09Rnl2Tb9XSpCWrM",
       "s3cret", TokenError::bad_claims},
      {"exp not a number",
       "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhIiwiZXhwIjoic29vbiJ9.0-2jobeY8YvAk7lpbCQyvO1ftQ73p_iAXsnJ4rM5v1Q",
       "s3cret", TokenError::bad_claims},
      {"empty", "", "s3cret", TokenError::malformed},
      {"two parts", "abc.def", "s3cret", TokenError::malformed},
      {"four parts", "a.b.c.d", "s3cret", TokenError::malformed},
      {"empty signature", "abc.def.", "s3cret", TokenError::malformed},
      {"empty header", ".def.ghi", "s3cret", TokenError::malformed},
      {"non-base64url character", "ab+c.def.ghi", "s3cret", TokenError::malformed},
      {"high bytes", "ab\xff.def.ghi", "s3cret", TokenError::malformed},
      {"too long", std::string(kMaxTokenLength + 1, 'a'), "s3cret", TokenError::malformed},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    auto result = verify_token(c.token, c.secret, kNow);
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error(), c.error);
    EXPECT_FALSE(describe(c.error).empty());
  }
}

}  // namespace
}  // namespace iceway::signaling
