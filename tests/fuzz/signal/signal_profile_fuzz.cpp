// JSON app profile frames and URLs through the Dispatcher: tutorial 001's and 003's profiles
// (deploy/profiles/), names from the URL and from the first message, receivers, the stamped
// sender field and the offline answers.
#include "fuzz_driver.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using iceway::signaling::JsonProfile;
  static const char* const kUrls[3] = {"/device/chat?name=alice", "/video", "/video?name=carol"};
  JsonProfile chat;
  chat.path = "/device/chat";
  chat.name_query = {"name"};
  chat.receiver_fields = {"toUser"};
  chat.sender_field = "fromUser";
  chat.offline = R"({"type":"call_back","fromUser":"系统消息","msg":"offline"})";
  JsonProfile video;
  video.path = "/video";
  video.name_query = {"name"};
  video.name_fields = {"from"};
  video.receiver_fields = {"name", "to"};
  video.sender_field = "from";
  video.offline = R"({"type":"leave"})";
  video.offline_name_field = "from";
  iceway::signaling::fuzz::drive(iceway::signaling::Protocol::profile, kUrls, data, size, {chat, video});
  return 0;
}
