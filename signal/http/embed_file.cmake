# Writes a C++ source defining `std::string_view NAME()` that returns the bytes of INPUT.
#   cmake -DINPUT=file -DOUTPUT=out.cpp -DNAME=iceway::signaling::embedded_sdk -P embed_file.cmake
# Bytes, not a raw string literal, so no content can end the literal early; unsigned, so UTF-8
# text (bytes over 0x7f) is not a narrowing conversion.
file(READ "${INPUT}" content HEX)
string(LENGTH "${content}" hex_length)
math(EXPR size "${hex_length} / 2")
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," bytes "${content}")
string(REGEX REPLACE "(0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,0x..,)" "\\1\n" bytes "${bytes}")
string(REGEX MATCH "^(.*)::([^:]+)$" unused "${NAME}")
set(namespace "${CMAKE_MATCH_1}")
set(function "${CMAKE_MATCH_2}")
file(WRITE "${OUTPUT}" "// Generated from ${INPUT} by embed_file.cmake; do not edit.
#include <string_view>

namespace ${namespace} {
namespace {
constexpr unsigned char kBytes[] = {
${bytes}0};
}  // namespace
std::string_view ${function}() { return {reinterpret_cast<const char*>(kBytes), ${size}}; }
}  // namespace ${namespace}
")
