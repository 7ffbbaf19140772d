#pragma once
// Is a listening port already someone else's? iceway's workers share each listener port with
// SO_REUSEPORT, and the kernel lets any other socket of the same user that also sets
// SO_REUSEPORT join that group and take a share of the clients: a second iceway (or a test
// coturn started with reuse) on the same port would start without an error and silently get
// part of the traffic. So before the workers bind a configured port, iceway binds it once
// without SO_REUSEPORT, which fails with EADDRINUSE if any socket holds it already, and
// closes that probe again.
#include <system_error>

#include "common/endpoint.hpp"

namespace iceway::net {

enum class ProbeProtocol { udp, tcp };

// Binds `local` exclusively and releases it at once: no error when nothing else holds it.
// IPv6 probes are v6-only, like the listeners, so 0.0.0.0 and [::] on one port do not
// collide; TCP probes set SO_REUSEADDR, like the listeners, so a previous run's TIME_WAIT
// connections are not mistaken for a holder, while a listening socket is.
std::error_code probe_exclusive(const Endpoint& local, ProbeProtocol protocol);

}  // namespace iceway::net
