// What the agent reads from: a sensor bus, SNMP agents, the simulated room, the host itself.
// Each input kind lives in its own folder under src/agent/inputs/ and is registered by name
// (see registry.h); the agent polls each input on its own thread at its own interval, so an
// input that fails or stalls never stops the others.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "common/clock.h"
#include "reading/reading.h"

namespace coolflow::agent {

// One problem an input met during a poll: a sensor that did not answer, a box that timed
// out, a value out of range. Counted per source and logged by the agent; never fatal.
struct InputError {
  std::string source;  // what failed: a box id, a sysfs path, "/proc/stat"
  std::string why;     // one line: "read in_temp_input: EIO (3 tries)", "timeout after 800 ms"

  friend bool operator==(const InputError&, const InputError&) = default;
};

// What one poll produced.
struct PollResult {
  // Readings with box, measurement, metric, tags, time, value and unit set; seq is left 0
  // (the agent numbers every reading it delivers).
  std::vector<reading::Reading> readings;
  std::vector<InputError> errors;
};

class Input {
 public:
  virtual ~Input() = default;

  // Reads everything this input covers once and appends the outcome to `result`. `now` is
  // the wall-clock time the poll is for (readings are stamped with it, or with the time a
  // value was taken when the source tells). Must return by `deadline` (steady clock): an
  // input retries only while time remains and reports what it could not read as errors.
  // Called from one thread at a time.
  virtual void Poll(TimeNs now, std::chrono::steady_clock::time_point deadline,
                    PollResult& result) = 0;
};

}  // namespace coolflow::agent
