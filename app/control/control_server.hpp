#pragma once
// The server's end of `iceway ctl`: a Unix stream socket on the control thread's io_context.
// Each connection sends one request line (ctl_command.hpp) and gets one JSON line back, then
// the server closes it; a client that sends nothing or too much within 5 s is dropped.
//
// The socket is created mode 0660, owned by the user the server runs as (the unit's User=), so
// only root and that user (and its group) can connect: the commands reload the config and hand
// out TURN credentials. A stale socket left by a crash is replaced; any other file at the path
// is refused, never removed.
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <nlohmann/json.hpp>

#include "app/control/ctl_command.hpp"
#include "common/result.hpp"

namespace iceway::app::control {

class ControlServer {
 public:
  // Answers one request ({"ok":true,...} or {"ok":false,"error":...}) by calling `respond` once,
  // on the io_context's thread, at once or later (after asking the worker threads).
  using Respond = std::function<void(nlohmann::json)>;
  using Handler = std::function<void(const CtlRequest&, Respond)>;

  static Result<std::unique_ptr<ControlServer>, std::string> open(boost::asio::io_context& context,
                                                                   const std::string& path, Handler handler);
  ~ControlServer();  // stops accepting and removes the socket file
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;

  const std::string& path() const { return path_; }

 private:
  ControlServer(boost::asio::io_context& context, std::string path, Handler handler);
  void accept();

  boost::asio::local::stream_protocol::acceptor acceptor_;
  std::string path_;
  std::shared_ptr<Handler> handler_;
};

}  // namespace iceway::app::control
