#include "net/worker.hpp"

#include <pthread.h>

#include <string>

namespace iceway::net {

Worker::Worker(unsigned index)
    : index_(index), receive_batch_(std::make_unique<ReceiveBatch>()), guard_(boost::asio::make_work_guard(context_)) {
  ready_poll_ = std::make_unique<ReadyPoll>(context_);
}

Worker::~Worker() {
  stop();
  join();
  ready_poll_->stop();
}

void Worker::start() {
  thread_ = std::thread([this] {
    std::string name = "iceway-w" + std::to_string(index_);
    ::pthread_setname_np(::pthread_self(), name.c_str());
    context_.run();
  });
}

void Worker::stop() {
  guard_.reset();
  context_.stop();
}

void Worker::join() {
  if (thread_.joinable()) thread_.join();
}

}  // namespace iceway::net
