#pragma once
// One worker thread with its own io_context (STYLE.md "One owner per piece of state"). Every
// socket, allocation and counter a worker owns is touched only from its thread; another
// thread that needs something from it posts to context().
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <thread>
#include <vector>

#include "net/ready_poll.hpp"
#include "net/udp_socket.hpp"

namespace iceway::net {

class Worker {
 public:
  explicit Worker(unsigned index);
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;
  ~Worker();

  unsigned index() const { return index_; }
  boost::asio::io_context& context() { return context_; }
  // Receive buffers shared by every UDP socket of this worker; safe because one thread
  // drains one socket at a time.
  ReceiveBatch& receive_batch() { return *receive_batch_; }
  // What tells this worker's UDP sockets that they have data.
  ReadyPoll& ready_poll() { return *ready_poll_; }

  void start();  // runs the io_context on a new thread until stop()
  void stop();   // lets run() return once the current handlers finish
  void join();

 private:
  unsigned index_;
  // Before the context, so it outlives it: a socket a pending handler still holds flushes
  // its queued sends into this batch when the context's shutdown destroys it.
  std::unique_ptr<ReceiveBatch> receive_batch_;
  // Before the context too, for the sockets it destroys; it stops waiting in ~Worker, while
  // the context still exists.
  std::unique_ptr<ReadyPoll> ready_poll_;
  boost::asio::io_context context_{1};  // concurrency hint 1: one thread, Asio can skip locking
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::thread thread_;
};

}  // namespace iceway::net
