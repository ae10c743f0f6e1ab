#include "web/password.h"

#include <gtest/gtest.h>

namespace coolflow::web {
namespace {

TEST(PasswordTest, HashVerifiesOnlyItsPassword) {
  Result<std::string> hash = HashPassword("s3cret", kMinPbkdf2Iterations);
  ASSERT_TRUE(hash.ok());
  EXPECT_TRUE(hash->starts_with("pbkdf2-sha256$1000$"));
  EXPECT_TRUE(CheckPasswordHash(*hash).ok());
  EXPECT_TRUE(VerifyPassword("s3cret", *hash));
  EXPECT_FALSE(VerifyPassword("s3cret ", *hash));
  EXPECT_FALSE(VerifyPassword("", *hash));
  // A fresh salt each time.
  EXPECT_NE(*hash, *HashPassword("s3cret", kMinPbkdf2Iterations));
}

TEST(PasswordTest, KnownVector) {
  // python3: base64.b64encode(hashlib.pbkdf2_hmac('sha256', b'password', b'saltsalt', 1000))
  const std::string hash =
      "pbkdf2-sha256$1000$c2FsdHNhbHQ=$E196ZhRPzw+wA84EjzHwJO1cv/MFJdO6C/sxmUeTYqY=";
  EXPECT_TRUE(CheckPasswordHash(hash).ok());
  EXPECT_TRUE(VerifyPassword("password", hash));
  EXPECT_FALSE(VerifyPassword("Password", hash));
}

TEST(PasswordTest, MalformedHashesAreRefusedWithReasons) {
  const std::string salt = Base64Encode("saltsalt");
  const std::string digest = Base64Encode(std::string(32, 'h'));
  EXPECT_FALSE(CheckPasswordHash("").ok());
  EXPECT_FALSE(CheckPasswordHash("plaintext").ok());
  EXPECT_FALSE(CheckPasswordHash("md5$1000$" + salt + "$" + digest).ok());
  EXPECT_FALSE(CheckPasswordHash("pbkdf2-sha256$10$" + salt + "$" + digest).ok());
  EXPECT_FALSE(CheckPasswordHash("pbkdf2-sha256$x$" + salt + "$" + digest).ok());
  EXPECT_FALSE(CheckPasswordHash("pbkdf2-sha256$1000$!!$" + digest).ok());
  EXPECT_FALSE(CheckPasswordHash("pbkdf2-sha256$1000$" + salt + "$" + Base64Encode("short")).ok());
  EXPECT_FALSE(CheckPasswordHash("pbkdf2-sha256$1000$" + salt + "$" + digest + "$x").ok());
  EXPECT_FALSE(VerifyPassword("x", "pbkdf2-sha256$1000$"));
  EXPECT_EQ(HashPassword("x", 10).status().code(), StatusCode::kInvalidArgument);
}

TEST(PasswordTest, TokensAreRandomAndStoredAsSha256) {
  Result<ApiToken> a = NewApiToken();
  Result<ApiToken> b = NewApiToken();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->token, b->token);
  EXPECT_TRUE(a->token.starts_with("cf_"));
  EXPECT_EQ(a->token.size(), 3u + 43u);
  EXPECT_EQ(a->sha256_hex, Sha256Hex(a->token));
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(PasswordTest, Base64RoundTripsAndRefusesJunk) {
  for (const char* s : {"", "f", "fo", "foo", "foob", "fooba", "foobar"}) {
    Result<std::string> back = Base64Decode(Base64Encode(s));
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, std::string(s));
  }
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_FALSE(Base64Decode("Zm8=x").ok());
  EXPECT_FALSE(Base64Decode("Z===").ok());
  EXPECT_FALSE(Base64Decode("Zm 8").ok());
}

TEST(PasswordTest, ConstantTimeEquals) {
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "ab"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
}

}  // namespace
}  // namespace coolflow::web
