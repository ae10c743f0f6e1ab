#include "web/responder.h"

#include <atomic>
#include <utility>

#include "spdlog/spdlog.h"

namespace coolflow::web {

struct Responder::State {
  explicit State(std::shared_ptr<ResponseSink> s) : sink(std::move(s)) {}
  ~State() {
    if (!sent.exchange(true)) {
      spdlog::error("web: a handler dropped its responder without answering; sending 500");
      sink->Deliver(Response::Error(500, "the handler did not answer"));
    }
  }
  State(const State&) = delete;
  State& operator=(const State&) = delete;

  std::shared_ptr<ResponseSink> sink;
  std::atomic<bool> sent{false};
};

Responder::Responder(std::shared_ptr<ResponseSink> sink)
    : state_(std::make_shared<State>(std::move(sink))) {}

void Responder::Send(Response response) const {
  if (state_->sent.exchange(true)) {
    spdlog::error("web: a handler answered one request twice; the second answer is dropped");
    return;
  }
  state_->sink->Deliver(std::move(response));
}

bool Responder::sent() const {
  return state_->sent.load();
}

}  // namespace coolflow::web
