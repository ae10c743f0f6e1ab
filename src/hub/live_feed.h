// The Control Room's WebSocket, `/ws/live` (docs/control-room.md): a `hello` with the whole
// live state, the active alerts and the controller on every (re)connect, then
//   delta    the series whose value changed, boxes whose status changed, the room means;
//            one frame per `frame_interval` at most, built once and queued for every client
//            (so a client gets at most 1 / frame_interval frames a second, each holding the
//            newest value of every series that changed since the previous frame)
//   alert    each firing or resolved event (numbered: `seq`), with the active alerts; also
//            after an acknowledgement or a silence (no event, the same seq)
//   control  the controller's state when it made a new decision
// A client that reconnects with `?after=<seq>` gets the events it missed in its hello (the
// last `event_ring` are kept), so no firing or resolved event is lost to a reconnect.
//
//   LiveFeed feed(server, runtime, clock);
//   feed.Register();        // before server.Start(): the endpoint and the alert listener
//   feed.Start();           // after it
//   feed.Stop();            // before server.Stop()
//
// Thread safety: Register before the server and the runtime start; the rest from any thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "common/thread_annotations.h"
#include "hub/hub_runtime.h"
#include "hub/live/live_state.h"
#include "web/http_server.h"

namespace coolflow::hub {

class LiveFeed {
 public:
  struct Options {
    TimeNs frame_interval = 50 * kNanosPerMilli;
    size_t event_ring = 1000;
    size_t hello_decisions = 5;
  };

  LiveFeed(web::HttpServer& server, HubRuntime& runtime, const Clock& clock)
      : LiveFeed(server, runtime, clock, Options{}) {}
  LiveFeed(web::HttpServer& server, HubRuntime& runtime, const Clock& clock, Options options);
  ~LiveFeed();  // Stop()
  LiveFeed(const LiveFeed&) = delete;
  LiveFeed& operator=(const LiveFeed&) = delete;

  Status Register();
  void Start();
  void Stop();

  // Pushes the active alerts and silences to every client (after an acknowledgement or a
  // silence changed them).
  void AlertsChanged() COOLFLOW_EXCLUDES(events_mu_);
  // {"active": [...], "silences": [...], "seq": N}: what the hello and the alert messages
  // carry, and GET /api/alerts's base.
  nlohmann::json AlertsJson() const COOLFLOW_EXCLUDES(events_mu_);

  // Prometheus text: frames, bytes, hellos, clients.
  std::string RenderMetrics() const;

 private:
  std::string Hello(uint64_t after) COOLFLOW_EXCLUDES(events_mu_);
  void OnAlertEvents(const std::vector<alerts::Alert>& events) COOLFLOW_EXCLUDES(events_mu_);
  void Run();
  void Frame(TimeNs now);
  std::string ControlMessage() const;

  web::HttpServer& server_;
  HubRuntime& runtime_;
  const Clock& clock_;
  const Options options_;

  // Held while a frame is built and queued, and while a hello is: they never interleave.
  std::mutex frame_mu_;
  std::shared_ptr<const live::Snapshot> previous_;  // the snapshot the last frame ended at
  uint64_t decisions_seen_ = 0;

  mutable Mutex events_mu_;
  uint64_t seq_ COOLFLOW_GUARDED_BY(events_mu_) = 0;
  std::deque<std::pair<uint64_t, std::string>> events_ COOLFLOW_GUARDED_BY(events_mu_);

  std::mutex run_mu_;
  std::condition_variable run_cv_;
  bool stopping_ = false;
  std::thread thread_;

  std::atomic<uint64_t> frames_{0};
  std::atomic<uint64_t> frame_bytes_{0};
  std::atomic<uint64_t> hellos_{0};
  std::atomic<uint64_t> alert_messages_{0};
};

}  // namespace coolflow::hub
