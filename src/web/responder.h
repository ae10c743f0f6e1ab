// The way a handler answers: call Send exactly once, from any thread, now or later. The
// connection reads its next request only after the answer is written, so a slow answer
// (the hub's /write waits for its store to have the batch durably) holds back that
// connection only.
//
// A Responder is copyable; its copies share one answer. Only the first Send counts (a second
// is a handler bug: logged and ignored). When every copy is gone without a Send, the client
// gets 500 "the handler did not answer", so a lost callback never hangs a connection.
//
// Thread safety: Send may be called from any thread, concurrently with the server's threads.
#pragma once

#include <memory>

#include "web/response.h"

namespace coolflow::web {

// Where an answer goes: the connection that asked. Implemented by the server.
class ResponseSink {
 public:
  virtual ~ResponseSink() = default;
  // Writes `response` to the client; called at most once.
  virtual void Deliver(Response response) = 0;
};

class Responder {
 public:
  explicit Responder(std::shared_ptr<ResponseSink> sink);

  // Answers the request. The Request lent to the handler may be gone once this returns.
  void Send(Response response) const;
  // True once some copy has sent.
  bool sent() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace coolflow::web
