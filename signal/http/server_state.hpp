#pragma once
// What every listener and session of one HttpServer shares: the route table (fixed at the first
// listen()), the settings and TLS context a reload replaces, and the counters. All on the
// server's one thread (http_server.hpp), so read and replaced without a lock.
#include <algorithm>
#include <cstddef>
#include <memory>
#include <stdexcept>

#include <boost/asio/ssl/context.hpp>

#include "signal/counters.hpp"
#include "signal/http/router.hpp"
#include "signal/settings.hpp"

namespace iceway::signaling {

struct ServerState {
  ServerState(const Settings& initial, Counters* counters_in)
      : own_counters(counters_in == nullptr ? std::make_unique<Counters>() : nullptr),
        counters(counters_in == nullptr ? *own_counters : *counters_in),
        settings(std::make_shared<const Settings>(initial)) {}

  void check_not_started() const {
    if (started) throw std::logic_error("HttpServer: routes must be added before listen()");
  }

  std::unique_ptr<Counters> own_counters;  // when the owner passed none
  Counters& counters;
  bool started = false;
  RouteTable table;
  std::size_t max_socketio_body = 0;  // the largest maxPayload of the Socket.IO routes
  std::shared_ptr<const Settings> settings;
  std::shared_ptr<boost::asio::ssl::context> tls;
};

}  // namespace iceway::signaling
