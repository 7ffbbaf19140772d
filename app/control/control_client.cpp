#include "app/control/control_client.hpp"

#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace iceway::app::control {
namespace {

CtlOutput unreachable(std::string text) { return {kExitUnreachable, "", "iceway ctl: " + std::move(text) + "\n"}; }

}  // namespace

CtlOutput run_ctl(const std::string& socket_path, const CtlRequest& request) {
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof(address.sun_path)) return unreachable("socket path too long: " + socket_path);
  std::memcpy(address.sun_path, socket_path.data(), socket_path.size());
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return unreachable(std::string("cannot make a socket: ") + std::strerror(errno));
  const timeval timeout{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  if (::connect(fd, reinterpret_cast<const sockaddr*>(&address), sizeof address) != 0) {
    const int error = errno;
    ::close(fd);
    if (error == EACCES || error == EPERM)
      return unreachable("permission denied on " + socket_path + ": run it as root or as the user iceway runs as");
    return unreachable("no iceway answers on " + socket_path + " (" + std::strerror(error) +
                       "): is it running? The socket is admin.control_socket; another one: iceway ctl --socket PATH");
  }
  const std::string line = to_json(request).dump() + "\n";
  std::size_t sent = 0;
  while (sent < line.size()) {
    const ssize_t n = ::send(fd, line.data() + sent, line.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      ::close(fd);
      return unreachable(std::string("the server closed the socket: ") + std::strerror(errno));
    }
    sent += static_cast<std::size_t>(n);
  }
  std::string reply;
  char buffer[4096];
  for (;;) {
    const ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);
    if (n == 0) break;
    if (n < 0) {
      ::close(fd);
      return unreachable(std::string("no answer: ") + std::strerror(errno));
    }
    reply.append(buffer, static_cast<std::size_t>(n));
    if (reply.size() > (1u << 20)) break;  // an answer is a few KiB; stop a runaway
  }
  ::close(fd);
  const auto answer = nlohmann::json::parse(reply, nullptr, false);
  if (answer.is_discarded()) return unreachable("the answer is not JSON: " + reply.substr(0, 200));
  return render_answer(request, answer);
}

}  // namespace iceway::app::control
