#include "turn/rest_credentials.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdlib>
#include <charconv>

namespace iceway::turn {

std::string rest_password(std::string_view secret, std::string_view username) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned mac_size = 0;
  if (!HMAC(EVP_sha1(), secret.data(), static_cast<int>(secret.size()),
            reinterpret_cast<const unsigned char*>(username.data()), username.size(), mac, &mac_size)) {
    std::abort();  // as above: SHA-1 HMAC is always available
  }
  unsigned char text[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
  const int length = EVP_EncodeBlock(text, mac, static_cast<int>(mac_size));
  return std::string(reinterpret_cast<const char*>(text), static_cast<std::size_t>(length));
}

std::string_view label(CredentialError error) {
  switch (error) {
    case CredentialError::no_secret: return "no_secret";
    case CredentialError::bad_user_id: return "bad_user_id";
    case CredentialError::bad_ttl: return "bad_ttl";
    case CredentialError::unknown_user: return "unknown_user";
    case CredentialError::expired_username: return "expired_username";
  }
  return "unknown";
}

Credentials::Credentials(std::vector<std::string> secrets, const std::vector<StaticUser>& users, std::string realm)
    : secrets_(std::move(secrets)), realm_(std::move(realm)) {
  for (const auto& user : users) {
    static_users_.push_back({user.name, stun::long_term_key(user.name, realm_, user.password),
                             stun::long_term_key_sha256(user.name, realm_, user.password),
                             stun::user_hash(user.name, realm_)});
  }
}

Result<Credential, CredentialError> Credentials::make_credential(std::string_view user_id, Seconds ttl,
                                                                 UnixSeconds now) const {
  if (secrets_.empty()) return failure(CredentialError::no_secret);
  if (user_id.empty()) return failure(CredentialError::bad_user_id);
  if (ttl.count() <= 0) return failure(CredentialError::bad_ttl);
  Credential credential;
  credential.expires = now + ttl.count();
  credential.username = std::to_string(credential.expires) + ":" + std::string(user_id);
  credential.password = rest_password(secrets_.front(), credential.username);
  return credential;
}

UserKeys Credentials::static_keys(const StaticEntry& user, bool sha256) const {
  if (sha256) return UserKeys{user.name, {}, {user.sha256_key}};
  return UserKeys{user.name, {user.key}, {}};
}

Result<UserKeys, CredentialError> Credentials::keys_for_userhash(const UserHash& hash, bool sha256) const {
  for (const auto& user : static_users_) {
    if (user.user_hash == hash) return static_keys(user, sha256);
  }
  return failure(CredentialError::unknown_user);
}

std::string_view Credentials::static_name_for(const UserHash& hash) const {
  for (const auto& user : static_users_) {
    if (user.user_hash == hash) return user.name;
  }
  return {};
}

Result<UserKeys, CredentialError> Credentials::keys_for(std::string_view username, UnixSeconds now, bool sha256) const {
  for (const auto& user : static_users_) {
    if (user.name == username) return static_keys(user, sha256);
  }
  // "<unix-expiry>:<user-id>": the expiry is all digits; the user id is everything after the
  // first colon (it may itself contain colons, as coturn allows).
  const auto colon = username.find(':');
  if (colon == std::string_view::npos || colon == 0 || secrets_.empty()) return failure(CredentialError::unknown_user);
  UnixSeconds expiry = 0;
  const auto [end, error] = std::from_chars(username.data(), username.data() + colon, expiry);
  if (error != std::errc() || end != username.data() + colon || expiry < 0) {
    return failure(CredentialError::unknown_user);
  }
  if (now > expiry) return failure(CredentialError::expired_username);
  UserKeys result{std::string(username.substr(colon + 1)), {}, {}};
  for (const auto& secret : secrets_) {
    const std::string password = rest_password(secret, username);
    if (sha256) {
      result.sha256_keys.push_back(stun::long_term_key_sha256(username, realm_, password));
    } else {
      result.keys.push_back(stun::long_term_key(username, realm_, password));
    }
  }
  return result;
}

}  // namespace iceway::turn
