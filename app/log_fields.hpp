#pragma once
// A log message in iceway's text form as the fields of a JSON log line. Every log call writes
// "EVENT: key=value key=value ..." (or "EVENT key=value ..."), with client-supplied values quoted
// by log_escape(); the JSON format (log.format = "json") carries the same line as fields a log
// shipper can filter on without a regular expression:
//
//   allocation ended: user=alice client=udp 203.0.113.7:40000 relayed=198.51.100.1:49152
//                     reason=expired duration=12s bytes_to_peer=1200
//   -> {"event":"allocation ended","user":"alice","client":"udp 203.0.113.7:40000",
//       "relayed":"198.51.100.1:49152","reason":"expired","duration_s":12,"bytes_to_peer":1200}
//
// Rules: the event is the text before the first ": " that precedes every field, else the words
// before the first field, else (or when that is not a few plain words) the whole message; a value in quotes is unescaped (log_escape's
// \" \\ \n \r \t \xNN); a word after a field without '=' of its own continues that field's
// value ("client=udp 203.0.113.7:40000"); integers become numbers, and "12s" becomes the number
// 12 under the key with "_s" appended. Pure.
#include <string_view>

#include <nlohmann/json.hpp>

namespace iceway::app {

nlohmann::json log_fields(std::string_view message);

}  // namespace iceway::app
