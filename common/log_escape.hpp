#pragma once
// Client-supplied text (peer ids, room names, TURN user names) in a text log line. Logs are
// `key=value` fields separated by spaces, one event per line; a value that came from a client
// must not be able to end its field or its line, or a client could write "peer=x
// remote=10.0.0.1" or a whole fake line into the log an operator (or fail2ban) reads.
//
// Pure; every log call that prints a value from outside the process passes it through here.
#include <string>
#include <string_view>

namespace iceway {

// `text` unchanged when it is non-empty and only printable ASCII other than space, '"', '\\'
// and '=' (so every well-formed id prints as before). Anything else in double quotes, with '"'
// and '\\' escaped by a backslash, \n \r \t as such, and every other control byte, DEL and every
// byte above 0x7f as \xNN: the result is one printable-ASCII token whatever the input was
// (invalid UTF-8, U+2028, bidi overrides included), and the original bytes can be read back.
std::string log_escape(std::string_view text);

}  // namespace iceway
