#pragma once
// Bounds-checked big-endian reading and writing over byte spans. Codecs use these and never
// index raw pointers. The writer writes into a buffer the caller owns, so the packet path
// does not allocate; running out of room is recorded (ok() turns false), never overflowed.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

namespace iceway {

using ByteSpan = std::span<const std::byte>;
using MutableByteSpan = std::span<std::byte>;

inline ByteSpan as_byte_span(std::string_view text) {
  return {reinterpret_cast<const std::byte*>(text.data()), text.size()};
}
inline std::string_view as_string_view(ByteSpan bytes) {
  return {reinterpret_cast<const char*>(bytes.data()), bytes.size()};
}

inline std::uint16_t load_u16(const std::byte* p) {
  return static_cast<std::uint16_t>((std::to_integer<unsigned>(p[0]) << 8) | std::to_integer<unsigned>(p[1]));
}
inline std::uint32_t load_u32(const std::byte* p) {
  return (std::uint32_t{load_u16(p)} << 16) | load_u16(p + 2);
}
inline void store_u16(std::byte* p, std::uint16_t v) {
  p[0] = std::byte(v >> 8);
  p[1] = std::byte(v & 0xff);
}
inline void store_u32(std::byte* p, std::uint32_t v) {
  store_u16(p, static_cast<std::uint16_t>(v >> 16));
  store_u16(p + 2, static_cast<std::uint16_t>(v & 0xffff));
}

// Reads big-endian fields from a span. Every read checks the remaining length first;
// a failed read leaves the reader where it was and returns false.
class ByteReader {
 public:
  explicit ByteReader(ByteSpan data) : data_(data) {}

  std::size_t position() const { return position_; }
  std::size_t remaining() const { return data_.size() - position_; }
  bool empty() const { return remaining() == 0; }

  bool read_u8(std::uint8_t& out) {
    if (remaining() < 1) return false;
    out = std::to_integer<std::uint8_t>(data_[position_++]);
    return true;
  }
  bool read_u16(std::uint16_t& out) {
    if (remaining() < 2) return false;
    out = load_u16(data_.data() + position_);
    position_ += 2;
    return true;
  }
  bool read_u32(std::uint32_t& out) {
    if (remaining() < 4) return false;
    out = load_u32(data_.data() + position_);
    position_ += 4;
    return true;
  }
  bool read_bytes(std::size_t count, ByteSpan& out) {
    if (remaining() < count) return false;
    out = data_.subspan(position_, count);
    position_ += count;
    return true;
  }
  bool skip(std::size_t count) {
    if (remaining() < count) return false;
    position_ += count;
    return true;
  }

 private:
  ByteSpan data_;
  std::size_t position_ = 0;
};

// Writes big-endian fields into a caller-owned buffer. A write that does not fit marks the
// writer failed and writes nothing; callers check ok() once at the end.
class ByteWriter {
 public:
  explicit ByteWriter(MutableByteSpan buffer) : buffer_(buffer) {}

  bool ok() const { return ok_; }
  std::size_t size() const { return position_; }
  std::size_t remaining() const { return buffer_.size() - position_; }
  MutableByteSpan buffer() const { return buffer_; }
  ByteSpan written() const { return ByteSpan(buffer_.data(), position_); }

  void write_u8(std::uint8_t v) {
    if (reserve(1)) buffer_[position_++] = std::byte(v);
  }
  void write_u16(std::uint16_t v) {
    if (reserve(2)) {
      store_u16(buffer_.data() + position_, v);
      position_ += 2;
    }
  }
  void write_u32(std::uint32_t v) {
    if (reserve(4)) {
      store_u32(buffer_.data() + position_, v);
      position_ += 4;
    }
  }
  void write_bytes(ByteSpan bytes) {
    if (reserve(bytes.size()) && !bytes.empty()) {
      std::memcpy(buffer_.data() + position_, bytes.data(), bytes.size());
      position_ += bytes.size();
    }
  }
  void write_zeros(std::size_t count) {
    if (reserve(count)) {
      std::memset(buffer_.data() + position_, 0, count);
      position_ += count;
    }
  }
  // Patches a u16 written earlier (e.g. a length field known only at the end).
  void patch_u16(std::size_t offset, std::uint16_t v) {
    if (ok_ && offset + 2 <= position_) store_u16(buffer_.data() + offset, v);
  }

 private:
  bool reserve(std::size_t count) {
    if (!ok_ || remaining() < count) {
      ok_ = false;
      return false;
    }
    return true;
  }

  MutableByteSpan buffer_;
  std::size_t position_ = 0;
  bool ok_ = true;
};

}  // namespace iceway
