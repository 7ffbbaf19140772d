#pragma once
// Who may allocate (SPEC §5): TURN REST API time-limited users and static users.
//
// A REST-API username is "<unix-expiry>:<user-id>" and its password is
// base64(HMAC-SHA1(secret, username)), as coturn's use-auth-secret and the TURN REST API
// draft define, so existing app backends work unchanged. Several secrets may be active: the
// first signs, every one verifies, so a secret rotates without an outage. Static users come
// from [auth] users for tools that need a fixed name and password.
//
// The server never compares passwords: it derives the long-term key
// MD5(username ":" realm ":" password) (RFC 8489 §9.2.2) for each password the user may hold
// and the caller checks MESSAGE-INTEGRITY with each key (in constant time, in the STUN
// codec). Usernames and passwords are used as bytes without SASLprep/OpaqueString: REST
// usernames and base64 passwords are ASCII, and static users are the operator's choice.
//
// Immutable after construction; any thread may call it. A reload builds a new one.
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "stun/integrity.hpp"
#include "turn/settings.hpp"

namespace iceway::turn {

// RFC 8489 §9.2.2: the long-term credential key, MD5(username:realm:password)
// (stun::long_term_key derives it).
using LongTermKey = stun::LongTermKey;

// base64(HMAC-SHA1(secret, username)): the REST API password for `username`.
std::string rest_password(std::string_view secret, std::string_view username);

enum class CredentialError : std::uint8_t {
  no_secret,         // make_credential without any [auth] secret configured
  bad_user_id,       // empty user id
  bad_ttl,           // ttl not positive
  unknown_user,      // neither a static user nor a well-formed REST username (or no secret)
  expired_username,  // a REST username whose expiry is in the past
};
// Metric label (iceway_auth_failures_total{reason}) and log word.
std::string_view label(CredentialError error);

struct Credential {
  std::string username;  // "<unix-expiry>:<user-id>"
  std::string password;  // base64(HMAC-SHA1(first secret, username))
  UnixSeconds expires = 0;
};

// What a username may authenticate with: one key per password it could hold (one per
// secret for REST users, one for a static user).
struct UserKeys {
  std::string user_id;  // the quota and log identity: the static name or the REST user id
  std::vector<LongTermKey> keys;
  // With PASSWORD-ALGORITHM SHA-256 (RFC 8489 §18.5.1.2), the SHA-256 keys of the same
  // passwords instead; `keys` is then empty. Only derived when asked: most clients use MD5.
  std::vector<stun::LongTermKeySha256> sha256_keys;
};
using UserHash = std::array<std::byte, 32>;

class Credentials {
 public:
  Credentials(std::vector<std::string> secrets, const std::vector<StaticUser>& users, std::string realm);
  static Credentials from(const Settings& settings) {
    return Credentials(settings.secrets, settings.users, settings.realm);
  }

  const std::string& realm() const { return realm_; }
  bool can_sign() const { return !secrets_.empty(); }

  // A credential valid until now + ttl, signed with the first secret.
  Result<Credential, CredentialError> make_credential(std::string_view user_id, Seconds ttl, UnixSeconds now) const;

  // The keys `username` may use at wall-clock time `now`. A static user wins over the REST
  // form when the names collide (the operator configured both). A REST username expires
  // when now > expiry.
  Result<UserKeys, CredentialError> keys_for(std::string_view username, UnixSeconds now, bool sha256 = false) const;

  // RFC 8489 §14.4 USERHASH: the static user whose SHA-256(name ":" realm) is `hash`, with
  // its keys as keys_for gives them. Only static users: a REST username's expiry and user id
  // cannot be recovered from its hash, so a USERHASH names no REST user (unknown_user, which
  // auth answers as RFC 8489 answers any unknown user: 401).
  Result<UserKeys, CredentialError> keys_for_userhash(const UserHash& hash, bool sha256 = false) const;
  // The name of the static user with that hash, a view valid while this object lives.
  std::string_view static_name_for(const UserHash& hash) const;

 private:
  struct StaticEntry {
    std::string name;
    LongTermKey key;
    stun::LongTermKeySha256 sha256_key;
    UserHash user_hash;  // precomputed at load, so a USERHASH lookup hashes nothing
  };
  UserKeys static_keys(const StaticEntry& user, bool sha256) const;
  std::vector<std::string> secrets_;
  std::vector<StaticEntry> static_users_;
  std::string realm_;
};

}  // namespace iceway::turn
