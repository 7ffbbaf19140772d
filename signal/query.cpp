#include "signal/query.hpp"

#include "common/hex.hpp"

namespace iceway::signaling {

std::string percent_decode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < text.size()) {
      const int high = hex_digit_value(text[i + 1]);
      const int low = hex_digit_value(text[i + 2]);
      if (high < 0 || low < 0) {
        out.push_back(c);
      } else {
        out.push_back(static_cast<char>(high * 16 + low));
        i += 2;
      }
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string_view target_path(std::string_view target) {
  const auto question = target.find('?');
  return question == std::string_view::npos ? target : target.substr(0, question);
}

Query Query::parse(std::string_view target) {
  Query query;
  query.path_ = std::string(target_path(target));
  const auto question = target.find('?');
  if (question == std::string_view::npos) return query;
  std::string_view rest = target.substr(question + 1);
  // A fragment never reaches a server, but a hand-written client might send one.
  if (auto hash = rest.find('#'); hash != std::string_view::npos) rest = rest.substr(0, hash);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
    if (pair.empty()) continue;
    const auto equals = pair.find('=');
    if (equals == std::string_view::npos) {
      query.items_.emplace_back(percent_decode(pair), std::string{});
    } else {
      query.items_.emplace_back(percent_decode(pair.substr(0, equals)), percent_decode(pair.substr(equals + 1)));
    }
  }
  return query;
}

std::optional<std::string_view> Query::get(std::string_view name) const {
  for (const auto& [key, value] : items_) {
    if (key == name) return std::string_view{value};
  }
  return std::nullopt;
}

}  // namespace iceway::signaling
