#include "signal/socketio/base64.hpp"

#include <array>
#include <cstdint>

namespace iceway::signaling::socketio {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
constexpr std::uint8_t kInvalid = 0xff;

constexpr std::array<std::uint8_t, 256> make_decode_table() {
  std::array<std::uint8_t, 256> table{};
  for (auto& entry : table) entry = kInvalid;
  for (std::uint8_t i = 0; i < 64; ++i) table[static_cast<unsigned char>(kAlphabet[i])] = i;
  return table;
}
constexpr auto kDecodeTable = make_decode_table();

}  // namespace

void write_base64(std::span<const std::byte> bytes, char* out) {
  std::size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const auto group = (std::to_integer<std::uint32_t>(bytes[i]) << 16) |
                       (std::to_integer<std::uint32_t>(bytes[i + 1]) << 8) | std::to_integer<std::uint32_t>(bytes[i + 2]);
    *out++ = kAlphabet[(group >> 18) & 0x3f];
    *out++ = kAlphabet[(group >> 12) & 0x3f];
    *out++ = kAlphabet[(group >> 6) & 0x3f];
    *out++ = kAlphabet[group & 0x3f];
  }
  const std::size_t rest = bytes.size() - i;
  if (rest == 0) return;
  std::uint32_t group = std::to_integer<std::uint32_t>(bytes[i]) << 16;
  if (rest == 2) group |= std::to_integer<std::uint32_t>(bytes[i + 1]) << 8;
  *out++ = kAlphabet[(group >> 18) & 0x3f];
  *out++ = kAlphabet[(group >> 12) & 0x3f];
  *out++ = rest == 2 ? kAlphabet[(group >> 6) & 0x3f] : '=';
  *out = '=';
}

void append_base64(std::span<const std::byte> bytes, std::string& out) {
  const std::size_t before = out.size();
  out.resize(before + base64_encoded_size(bytes.size()));
  write_base64(bytes, out.data() + before);
}

bool append_base64_decoded(std::string_view text, std::string& out) {
  // Padding is only ever the last one or two characters of a whole group.
  if (text.size() % 4 == 0 && !text.empty()) {
    if (text.back() == '=') text.remove_suffix(1);
    if (text.back() == '=') text.remove_suffix(1);
  }
  if (text.size() % 4 == 1) return false;  // 6 bits cannot end a byte
  const std::size_t original = out.size();
  out.reserve(original + text.size() / 4 * 3 + 2);
  std::uint32_t group = 0;
  std::size_t filled = 0;
  for (const char c : text) {
    const std::uint8_t value = kDecodeTable[static_cast<unsigned char>(c)];
    if (value == kInvalid) {
      out.resize(original);
      return false;
    }
    group = (group << 6) | value;
    if (++filled == 4) {
      out.push_back(static_cast<char>((group >> 16) & 0xff));
      out.push_back(static_cast<char>((group >> 8) & 0xff));
      out.push_back(static_cast<char>(group & 0xff));
      group = 0;
      filled = 0;
    }
  }
  // A short last group: its unused low bits must be zero, or two texts would decode the same.
  if (filled == 2) {
    if ((group & 0x0f) != 0) {
      out.resize(original);
      return false;
    }
    out.push_back(static_cast<char>((group >> 4) & 0xff));
  } else if (filled == 3) {
    if ((group & 0x03) != 0) {
      out.resize(original);
      return false;
    }
    out.push_back(static_cast<char>((group >> 10) & 0xff));
    out.push_back(static_cast<char>((group >> 2) & 0xff));
  }
  return true;
}

}  // namespace iceway::signaling::socketio
