#include "signal/http/detect_session.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/beast/core/detect_ssl.hpp>

#include "signal/http/plain_http_session.hpp"
#include "signal/http/tls_http_session.hpp"

namespace iceway::signaling {

void DetectSession::run() {
  boost::asio::dispatch(stream_.get_executor(),
                        boost::beast::bind_front_handler(&DetectSession::on_run, shared_from_this()));
}

void DetectSession::on_run() {
  stream_.expires_after(state_->settings->handshake_timeout);
  boost::beast::async_detect_ssl(stream_, buffer_,
                                 boost::beast::bind_front_handler(&DetectSession::on_detect, shared_from_this()));
}

void DetectSession::on_detect(boost::beast::error_code ec, bool is_tls) {
  if (ec) return;
  if (!is_tls) {
    return std::make_shared<PlainHttpSession>(std::move(stream_), std::move(buffer_), state_, remote_)->run();
  }
  auto tls = state_->tls;
  if (!tls) return;  // TLS without a certificate configured: nothing sensible to answer
  std::make_shared<TlsHttpSession>(std::move(stream_), std::move(buffer_), std::move(tls), state_, remote_)->run();
}

}  // namespace iceway::signaling
