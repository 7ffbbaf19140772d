#pragma once
// The checked-in corpora hold hand-made seeds (named for what they are) and what
// `make fuzz-long` merged in (named by libFuzzer with their SHA-1: 40 hex digits), which are
// any bytes at all. Tests that check the seeds themselves skip the second kind.
#include <algorithm>
#include <cctype>
#include <string>

namespace iceway::testing {

inline bool found_by_fuzzing(const std::string& file_name) {
  return file_name.size() == 40 && std::all_of(file_name.begin(), file_name.end(), [](char c) {
           return std::isxdigit(static_cast<unsigned char>(c)) != 0;
         });
}

}  // namespace iceway::testing
