#include "parley/auth/jwt.hpp"
#include "parley/auth/random.hpp"

#include <gtest/gtest.h>

using namespace parley;
using std::chrono::seconds;

namespace {

const std::string kSecret = "s3cret-s3cret-s3cret-s3cret-s3cret";

std::chrono::system_clock::time_point at(std::int64_t unix_s) {
  return std::chrono::system_clock::time_point(seconds(unix_s));
}

std::string code_of(const std::variant<auth::TokenClaims, protocol::ApiError>& r) {
  if (auto* e = std::get_if<protocol::ApiError>(&r)) return e->code;
  return "ok";
}

}  // namespace

TEST(Jwt, SignedTokenVerifies) {
  const auto t = auth::sign_token({{"user_id", "alice"}, {"iat", 1000}, {"exp", 2000}}, kSecret);
  auto r = auth::verify_token(t, kSecret, at(1500));
  ASSERT_EQ(code_of(r), "ok");
  EXPECT_EQ(std::get<auth::TokenClaims>(r).user_id, "alice");
  EXPECT_FALSE(std::get<auth::TokenClaims>(r).server);
  auto s = auth::verify_token(auth::sign_token({{"server", true}}, kSecret), kSecret, at(1500));
  ASSERT_EQ(code_of(s), "ok");
  EXPECT_TRUE(std::get<auth::TokenClaims>(s).server);
}

TEST(Jwt, WrongSecretOrTamperedPayloadIsInvalidSignature) {
  const auto t = auth::sign_token({{"user_id", "alice"}}, kSecret);
  EXPECT_EQ(code_of(auth::verify_token(t, "other-secret", at(0))), "invalid_signature");
  const auto dot1 = t.find('.');
  const auto dot2 = t.find('.', dot1 + 1);
  const std::string forged = t.substr(0, dot1 + 1) + auth::base64url_encode(R"({"user_id":"mallory"})") + t.substr(dot2);
  EXPECT_EQ(code_of(auth::verify_token(forged, kSecret, at(0))), "invalid_signature");
}

TEST(Jwt, AlgNoneAndOtherAlgsAreRefused) {
  const std::string payload = auth::base64url_encode(R"({"user_id":"alice"})");
  for (const char* header : {R"({"alg":"none"})", R"({"alg":"HS512"})", R"({"alg":"RS256"})", R"({"typ":"JWT"})"}) {
    const std::string t = auth::base64url_encode(header) + "." + payload + ".";
    EXPECT_EQ(code_of(auth::verify_token(t, kSecret, at(0))), "invalid_signature") << header;
  }
}

TEST(Jwt, ExpiryAndNotBeforeHonourThirtySecondsOfSkew) {
  const auto t = auth::sign_token({{"user_id", "u"}, {"exp", 1000}, {"nbf", 500}}, kSecret);
  EXPECT_EQ(code_of(auth::verify_token(t, kSecret, at(1029))), "ok");
  EXPECT_EQ(code_of(auth::verify_token(t, kSecret, at(1031))), "token_expired");
  EXPECT_EQ(code_of(auth::verify_token(t, kSecret, at(471))), "ok");
  EXPECT_EQ(code_of(auth::verify_token(t, kSecret, at(469))), "unauthenticated");
  const auto future_iat = auth::sign_token({{"user_id", "u"}, {"iat", 2000}}, kSecret);
  EXPECT_EQ(code_of(auth::verify_token(future_iat, kSecret, at(1000))), "unauthenticated");
}

TEST(Jwt, MalformedTokensAreCleanUnauthenticated) {
  EXPECT_EQ(code_of(auth::verify_token("", kSecret, at(0))), "unauthenticated");
  EXPECT_EQ(code_of(auth::verify_token("abc", kSecret, at(0))), "unauthenticated");
  EXPECT_EQ(code_of(auth::verify_token("a.b.c.d", kSecret, at(0))), "unauthenticated");
  EXPECT_EQ(code_of(auth::verify_token("!!.??.##", kSecret, at(0))), "unauthenticated");
  EXPECT_EQ(code_of(auth::verify_token(std::string(9000, 'a'), kSecret, at(0))), "unauthenticated");
  const auto no_subject = auth::sign_token({{"foo", 1}}, kSecret);
  EXPECT_EQ(code_of(auth::verify_token(no_subject, kSecret, at(0))), "unauthenticated");
  const auto bad_exp = auth::sign_token({{"user_id", "u"}, {"exp", "soon"}}, kSecret);
  EXPECT_EQ(code_of(auth::verify_token(bad_exp, kSecret, at(0))), "unauthenticated");
}

TEST(Base64Url, RoundTripsEveryLength) {
  for (std::size_t n = 0; n < 40; ++n) {
    const std::string raw = auth::random_bytes(n);
    std::string back;
    ASSERT_TRUE(auth::base64url_decode(auth::base64url_encode(raw), back));
    EXPECT_EQ(back, raw);
  }
  std::string out;
  EXPECT_FALSE(auth::base64url_decode("a+b/", out));
}
