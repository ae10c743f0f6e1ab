#include "web/password.h"

#include <gtest/gtest.h>

namespace coolflow::web {
namespace {

TEST(PasswordTest, HashVerifiesOnlyItsPassword) {
  Result<std::string> hash = HashPassword("s3cret", kTestPasswordCost);
  ASSERT_TRUE(hash.ok()) << hash.status().message();
  EXPECT_TRUE(hash->starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
  EXPECT_TRUE(CheckPasswordHash(*hash).ok());
  EXPECT_TRUE(VerifyPassword("s3cret", *hash));
  EXPECT_FALSE(VerifyPassword("s3cret ", *hash));
  EXPECT_FALSE(VerifyPassword("", *hash));
  // A fresh salt each time.
  EXPECT_NE(*hash, *HashPassword("s3cret", kTestPasswordCost));
}

TEST(PasswordTest, DefaultCostIsOwasps) {
  Result<std::string> hash = HashPassword("s3cret");
  ASSERT_TRUE(hash.ok());
  EXPECT_TRUE(hash->starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));
  EXPECT_TRUE(VerifyPassword("s3cret", *hash));
}

TEST(PasswordTest, Argon2KnownVectorFromDebiansArgon2Command) {
  // echo -n password | argon2 saltsalt -id -t 1 -m 6 -p 1 -e
  const std::string hash =
      "$argon2id$v=19$m=64,t=1,p=1$c2FsdHNhbHQ$7wQdmxXzGh131O2yofJOiueTHH1s6qUu422D/VL5aqc";
  EXPECT_TRUE(CheckPasswordHash(hash).ok());
  EXPECT_TRUE(VerifyPassword("password", hash));
  EXPECT_FALSE(VerifyPassword("Password", hash));
}

TEST(PasswordTest, Pbkdf2KnownVectorStillVerifies) {
  // python3: base64.b64encode(hashlib.pbkdf2_hmac('sha256', b'password', b'saltsalt', 1000))
  const std::string hash =
      "pbkdf2-sha256$1000$c2FsdHNhbHQ=$E196ZhRPzw+wA84EjzHwJO1cv/MFJdO6C/sxmUeTYqY=";
  EXPECT_TRUE(CheckPasswordHash(hash).ok());
  EXPECT_TRUE(VerifyPassword("password", hash));
  EXPECT_FALSE(VerifyPassword("Password", hash));
}

TEST(PasswordTest, HashLikeCopiesKindAndCost) {
  Result<std::string> argon = HashPasswordLike("x", *HashPassword("y", kTestPasswordCost));
  ASSERT_TRUE(argon.ok());
  EXPECT_TRUE(argon->starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
  EXPECT_TRUE(VerifyPassword("x", *argon));
  Result<std::string> pbkdf2 = HashPasswordLike(
      "x", "pbkdf2-sha256$1000$c2FsdHNhbHQ=$E196ZhRPzw+wA84EjzHwJO1cv/MFJdO6C/sxmUeTYqY=");
  ASSERT_TRUE(pbkdf2.ok());
  EXPECT_TRUE(pbkdf2->starts_with("pbkdf2-sha256$1000$"));
  EXPECT_TRUE(VerifyPassword("x", *pbkdf2));
  EXPECT_FALSE(HashPasswordLike("x", "junk").ok());
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

  const std::string a_salt = "c2FsdHNhbHQ";                                  // unpadded
  const std::string a_hash = "YWJjZGVmZ2hpamtsbW5vcHFyc3R1dnd4eXowMTIzNDU";  // 32 bytes
  EXPECT_TRUE(CheckPasswordHash("$argon2id$v=19$m=64,t=1,p=1$" + a_salt + "$" + a_hash).ok());
  for (const std::string& bad : {
           "$argon2i$v=19$m=64,t=1,p=1$" + a_salt + "$" + a_hash,         // not the id variant
           "$argon2id$v=16$m=64,t=1,p=1$" + a_salt + "$" + a_hash,        // old version
           "$argon2id$v=19$m=4,t=1,p=1$" + a_salt + "$" + a_hash,         // too little memory
           "$argon2id$v=19$m=99999999,t=1,p=1$" + a_salt + "$" + a_hash,  // too much
           "$argon2id$v=19$m=64,t=0,p=1$" + a_salt + "$" + a_hash,        // no pass
           "$argon2id$v=19$m=64,t=1,p=99$" + a_salt + "$" + a_hash,       // too many lanes
           "$argon2id$v=19$t=1,m=64,p=1$" + a_salt + "$" + a_hash,        // out of order
           "$argon2id$v=19$m=64,t=1$" + a_salt + "$" + a_hash,            // p missing
           "$argon2id$v=19$m=64,t=1,p=1$c2FsdA$" + a_hash,                // 4-byte salt
           "$argon2id$v=19$m=64,t=1,p=1$" + a_salt + "$YWJj",             // 3-byte hash
           "$argon2id$v=19$m=64,t=1,p=1$" + a_salt + "=$" + a_hash,       // padded
           "$argon2id$v=19$m=64,t=1,p=1$" + a_salt + "$" + a_hash + "$x",
           "$argon2id$v=19$m=64,t=1,p=1$" + a_salt,
       }) {
    EXPECT_FALSE(CheckPasswordHash(bad).ok()) << bad;
    EXPECT_FALSE(VerifyPassword("password", bad)) << bad;
  }
  EXPECT_EQ(HashPassword("x", {.memory_kib = 8, .passes = 1, .lanes = 1}).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(HashPassword("x", {.memory_kib = 64, .passes = 0, .lanes = 1}).status().code(),
            StatusCode::kInvalidArgument);
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
