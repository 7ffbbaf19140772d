#pragma once
// `iceway-bench stun`: Binding requests from many UDP sockets against one server, built and
// parsed with iceway's own STUN codec.
//
// Each load thread owns a share of the sockets and serves them with one epoll set: it drains
// answers with recvmmsg and sends each socket's next requests with one sendmmsg, so a
// request costs the tool a fraction of a system call and the server, not the tool, is what
// the numbers measure. Sockets are connect()ed to the server: the kernel drops datagrams
// from anyone else, and an ICMP port unreachable comes back as ECONNREFUSED (counted).
#include <string>

#include "bench/stun_load_options.hpp"
#include "bench/stun_load_report.hpp"
#include "common/result.hpp"

namespace iceway::bench {

// Opens the sockets (a failure is returned before any request is sent), runs the load until
// the duration or the request budget is spent, waits at most one timeout for the answers
// still in flight, and reports. Precondition: options.problems() is empty.
Result<StunLoadReport, std::string> run_stun_load(const StunLoadOptions& options);

}  // namespace iceway::bench
