#include "app/control/control_server.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

namespace iceway::app::control {
namespace {

using Socket = boost::asio::local::stream_protocol::socket;

// One client: read a line, answer it, close. Owns itself through the handlers it has pending.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(Socket socket, std::shared_ptr<ControlServer::Handler> handler)
      : socket_(std::move(socket)), timer_(socket_.get_executor()), buffer_(kMaxRequestBytes + 1),
        handler_(std::move(handler)) {}

  void start() {
    timer_.expires_after(std::chrono::seconds(5));
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& error) {
      if (!error) self->socket_.close();
    });
    boost::asio::async_read_until(socket_, buffer_, '\n',
                                  [self = shared_from_this()](const boost::system::error_code& error, std::size_t size) {
                                    self->on_line(error, size);
                                  });
  }

 private:
  void on_line(const boost::system::error_code& error, std::size_t size) {
    if (error) {
      // Too long (the buffer's limit), or the client went away: nothing sensible to answer.
      if (error == boost::asio::error::not_found) reply({{"ok", false}, {"error", "request too long"}});
      return;
    }
    std::string line(boost::asio::buffers_begin(buffer_.data()), boost::asio::buffers_begin(buffer_.data()) + size - 1);
    auto request = parse_request_line(line);
    if (!request) return reply({{"ok", false}, {"error", request.error()}});
    // The answer may come later (sessions asks every worker): the timer no longer applies.
    timer_.cancel();
    (*handler_)(request.value(), [self = shared_from_this()](nlohmann::json answer) { self->reply(answer); });
  }

  void reply(const nlohmann::json& answer) {
    reply_ = answer.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
    boost::asio::async_write(socket_, boost::asio::buffer(reply_),
                             [self = shared_from_this()](const boost::system::error_code&, std::size_t) {
                               boost::system::error_code ignored;
                               self->socket_.shutdown(Socket::shutdown_both, ignored);
                               self->socket_.close(ignored);
                               self->timer_.cancel();
                             });
  }

  Socket socket_;
  boost::asio::steady_timer timer_;
  boost::asio::streambuf buffer_;
  std::shared_ptr<ControlServer::Handler> handler_;
  std::string reply_;
};

}  // namespace

Result<std::unique_ptr<ControlServer>, std::string> ControlServer::open(boost::asio::io_context& context,
                                                                        const std::string& path, Handler handler) {
  struct stat status {};
  if (::lstat(path.c_str(), &status) == 0) {
    if (!S_ISSOCK(status.st_mode)) return failure(path + " exists and is not a socket; remove it or set admin.control_socket");
    ::unlink(path.c_str());  // left by a crash: no server answers on it
  }
  std::unique_ptr<ControlServer> server(new ControlServer(context, path, std::move(handler)));
  boost::system::error_code error;
  const mode_t old_mask = ::umask(0117);  // the socket is born 0660, never briefly wider
  server->acceptor_.open(boost::asio::local::stream_protocol(), error);
  if (!error) server->acceptor_.bind(boost::asio::local::stream_protocol::endpoint(path), error);
  ::umask(old_mask);
  if (!error) server->acceptor_.listen(16, error);
  if (error) return failure("cannot open the control socket " + path + ": " + error.message());
  ::chmod(path.c_str(), 0660);
  server->accept();
  return server;
}

ControlServer::ControlServer(boost::asio::io_context& context, std::string path, Handler handler)
    : acceptor_(context), path_(std::move(path)), handler_(std::make_shared<Handler>(std::move(handler))) {}

ControlServer::~ControlServer() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
  ::unlink(path_.c_str());
}

void ControlServer::accept() {
  acceptor_.async_accept([this](const boost::system::error_code& error, Socket socket) {
    if (error == boost::asio::error::operation_aborted) return;
    if (!error) std::make_shared<Session>(std::move(socket), handler_)->start();
    accept();
  });
}

}  // namespace iceway::app::control
