// The sysfs input: config checks, and the threads that read each sensor.
//
// Thread safety: Poll runs on the agent's thread for this input (one call at a time); each
// sensor has a worker thread that waits for a job, reads the sensor with SensorReader and
// posts the outcome. The slots through which they trade jobs and outcomes are guarded by
// mu_; Poll wakes a worker through its work_ condition when it queues a job (and all of
// them on shutdown), the last worker of a poll wakes Poll through done_. A worker stuck in a
// kernel read holds no lock, so Poll still returns by its deadline, reporting that sensor as
// unanswered; the stuck outcome is dropped when it finally comes.
#include "agent/inputs/sysfs/sysfs_input.h"

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <deque>
#include <thread>
#include <utility>

#include "agent/inputs/sysfs/sysfs_sensor.h"
#include "common/thread_annotations.h"
#include "fmt/format.h"
#include "reading/validate.h"

namespace coolflow::agent {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kSensorTag = "sensor";
constexpr size_t kW1FamilyDigits = 2;
constexpr size_t kW1SerialDigits = 12;

bool IsLowerHex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

// "28-0000071c6b2f": the family code and the 48-bit serial number, as the w1 core names the
// slave's directory.
bool IsW1SlaveId(std::string_view id) {
  if (id.size() != kW1FamilyDigits + 1 + kW1SerialDigits || id[kW1FamilyDigits] != '-') {
    return false;
  }
  for (size_t i = 0; i < id.size(); ++i) {
    if (i != kW1FamilyDigits && !IsLowerHex(id[i])) return false;
  }
  return true;
}

std::string MetricsOf(SysfsKind kind) {
  std::string out;
  for (const std::string_view metric :
       {"temperature", "humidity", "pressure", "power", "current", "voltage", "fan_speed"}) {
    if (FindChannelSpec(kind, metric) == nullptr) continue;
    if (!out.empty()) out += ", ";
    out += metric;
  }
  return out;
}

Status CheckChannel(SysfsKind kind, const SysfsChannel& channel) {
  const ChannelSpec* spec = FindChannelSpec(kind, channel.metric);
  if (spec == nullptr) {
    return InvalidArgument(fmt::format("{} devices give no '{}' (they give {})",
                                       SysfsKindName(kind), channel.metric, MetricsOf(kind)));
  }
  if (!channel.attribute.empty()) {
    if (auto why = CheckChannelAttribute(*spec, channel.attribute)) {
      return InvalidArgument(std::move(*why));
    }
  }
  if (!std::isfinite(channel.scale) || channel.scale == 0) {
    return InvalidArgument(
        fmt::format("scale {} must be a finite number other than 0", channel.scale));
  }
  if (!std::isfinite(channel.offset)) {
    return InvalidArgument(fmt::format("offset {} must be a finite number", channel.offset));
  }
  return Status::Ok();
}

Status CheckSensor(const SysfsSensor& sensor) {
  if (Status s = reading::ValidateName(sensor.name); !s.ok()) {
    return InvalidArgument(fmt::format("name: {}", s.message()));
  }
  const std::string& device = sensor.device;
  if (device.empty()) return InvalidArgument("device is empty");
  if (device.find('/') != std::string::npos || device.find('\0') != std::string::npos ||
      device == "." || device == "..") {
    return InvalidArgument(fmt::format(
        "device '{}' must name a device directory or a device name, not a path", device));
  }
  if (sensor.kind == SysfsKind::kW1 && !IsW1SlaveId(device)) {
    return InvalidArgument(fmt::format(
        "device '{}' is not a 1-Wire slave id (family and serial in lower-case hex, as in "
        "28-0000071c6b2f)",
        device));
  }
  for (size_t j = 0; j < sensor.channels.size(); ++j) {
    const SysfsChannel& channel = sensor.channels[j];
    if (Status s = CheckChannel(sensor.kind, channel); !s.ok()) {
      return InvalidArgument(fmt::format("channels[{}]: {}", j, s.message()));
    }
    for (size_t k = 0; k < j; ++k) {
      if (sensor.channels[k].metric == channel.metric) {
        return InvalidArgument(fmt::format(
            "channels[{}]: '{}' is read already by channels[{}]; readings of both would share "
            "one series: make a second sensor on the same device, with its own tags",
            j, channel.metric, k));
      }
    }
  }
  for (size_t j = 0; j < sensor.tags.size(); ++j) {
    const reading::Tag& tag = sensor.tags[j];
    if (Status s = reading::ValidateName(tag.key); !s.ok()) {
      return InvalidArgument(fmt::format("tags[{}]: key '{}': {}", j, tag.key, s.message()));
    }
    if (Status s = reading::ValidateName(tag.value); !s.ok()) {
      return InvalidArgument(fmt::format("tags[{}] ({}): value: {}", j, tag.key, s.message()));
    }
    if (tag.key == kSensorTag || tag.key == reading::kBoxTag || tag.key == "time") {
      return InvalidArgument(fmt::format(
          "tags[{}]: the key '{}' is reserved (the sensor's name, the box, the timestamp)", j,
          tag.key));
    }
    for (size_t k = 0; k < j; ++k) {
      if (sensor.tags[k].key == tag.key) {
        return InvalidArgument(fmt::format("tags[{}]: the key '{}' is given twice", j, tag.key));
      }
    }
  }
  return Status::Ok();
}

class SysfsInput final : public Input {
 public:
  SysfsInput(const SysfsInputConfig& config, std::unique_ptr<FileReader> reader)
      : config_(config),
        policy_{config.max_attempts, config.retry_delay},
        reader_(std::move(reader)),
        work_(config.sensors.size()) {
    sensors_.reserve(config_.sensors.size());
    for (const SysfsSensor& sensor : config_.sensors) {
      sensors_.emplace_back(config_.box, config_.sysfs_root, sensor, policy_, *reader_);
    }
    {
      MutexLock lock(mu_);
      slots_.resize(sensors_.size());
    }
    threads_.reserve(sensors_.size());
    for (size_t i = 0; i < sensors_.size(); ++i) {
      threads_.emplace_back([this, i] { WorkerLoop(i); });
    }
  }

  // Waits for every worker to finish its current read: a read the kernel never ends keeps
  // the destructor waiting with it.
  ~SysfsInput() override {
    {
      MutexLock lock(mu_);
      stopping_ = true;
    }
    for (std::condition_variable& work : work_)
      work.notify_one();
    for (std::thread& thread : threads_)
      thread.join();
  }

  SysfsInput(const SysfsInput&) = delete;
  SysfsInput& operator=(const SysfsInput&) = delete;

  void Poll(TimeNs now, SteadyTime deadline, PollResult& result) override COOLFLOW_EXCLUDES(mu_) {
    const uint64_t poll = ++polls_;
    MutexLock lock(mu_);
    for (size_t i = 0; i < slots_.size(); ++i) {
      Slot& slot = slots_[i];
      if (slot.state == State::kDone) {
        // Finished after an earlier poll had given up on it: stale by now.
        slot.result = {};
        slot.state = State::kIdle;
      }
      if (slot.state == State::kIdle) {
        slot.state = State::kQueued;
        slot.poll = poll;
        slot.now = now;
        slot.deadline = deadline;
        work_[i].notify_one();
      } else {
        result.errors.push_back(
            {Source(i), fmt::format("sensor {}: skipped, still reading since an earlier poll "
                                    "(the kernel has not returned)",
                                    config_.sensors[i].name)});
      }
    }
    while (Pending(poll)) {
      if (!lock.WaitUntil(done_, deadline) && std::chrono::steady_clock::now() >= deadline) {
        break;
      }
    }
    for (size_t i = 0; i < slots_.size(); ++i) {
      Slot& slot = slots_[i];
      if (slot.poll != poll) continue;
      if (slot.state == State::kDone) {
        for (auto& r : slot.result.readings)
          result.readings.push_back(std::move(r));
        for (auto& e : slot.result.errors)
          result.errors.push_back(std::move(e));
        slot.result = {};
        slot.state = State::kIdle;
      } else {
        result.errors.push_back(
            {Source(i), fmt::format("sensor {}: no answer by the poll deadline (the read is "
                                    "still in the kernel)",
                                    config_.sensors[i].name)});
      }
    }
  }

 private:
  enum class State {
    kIdle,     // no job
    kQueued,   // a job waits for the worker
    kReading,  // the worker is reading
    kDone,     // the outcome waits for Poll
  };
  struct Slot {
    State state = State::kIdle;
    uint64_t poll = 0;  // the poll the job belongs to
    TimeNs now = 0;
    SteadyTime deadline;
    fs::path current_file;  // the file being read, for reports on a read that hangs
    PollResult result;
  };

  // The ReadContext of worker `index`.
  class WorkerContext final : public ReadContext {
   public:
    WorkerContext(SysfsInput& input, size_t index) : input_(input), index_(index) {}

    void Starting(const fs::path& file) override COOLFLOW_EXCLUDES(input_.mu_) {
      MutexLock lock(input_.mu_);
      input_.slots_[index_].current_file = file;
    }

    bool SleepUntil(SteadyTime until) override COOLFLOW_EXCLUDES(input_.mu_) {
      MutexLock lock(input_.mu_);
      while (!input_.stopping_ && std::chrono::steady_clock::now() < until) {
        lock.WaitUntil(input_.work_[index_], until);
      }
      return !input_.stopping_;
    }

   private:
    SysfsInput& input_;
    const size_t index_;
  };

  bool Pending(uint64_t poll) const COOLFLOW_REQUIRES(mu_) {
    return std::any_of(slots_.begin(), slots_.end(), [poll](const Slot& slot) {
      return slot.poll == poll && slot.state != State::kDone;
    });
  }

  // What an error about sensor `index` names: the file it is stuck on, else the sensor.
  std::string Source(size_t index) const COOLFLOW_REQUIRES(mu_) {
    const fs::path& file = slots_[index].current_file;
    return file.empty() ? fmt::format("sensor {}", config_.sensors[index].name) : file.string();
  }

  void WorkerLoop(size_t index) COOLFLOW_EXCLUDES(mu_) {
    WorkerContext context(*this, index);
    for (;;) {
      TimeNs now = 0;
      SteadyTime deadline;
      {
        MutexLock lock(mu_);
        while (!stopping_ && slots_[index].state != State::kQueued)
          lock.Wait(work_[index]);
        if (stopping_) return;
        Slot& slot = slots_[index];
        slot.state = State::kReading;
        slot.current_file.clear();
        now = slot.now;
        deadline = slot.deadline;
      }
      PollResult result;
      sensors_[index].Read(now, deadline, context, result);
      MutexLock lock(mu_);
      Slot& slot = slots_[index];
      slot.result = std::move(result);
      slot.state = State::kDone;
      // Poll waits for the last of its sensors: wake it once, not once per sensor.
      if (!Pending(slot.poll)) done_.notify_one();
    }
  }

  const SysfsInputConfig config_;
  const RetryPolicy policy_;
  const std::unique_ptr<FileReader> reader_;
  std::vector<SensorReader> sensors_;  // one per config_.sensors entry; refer into config_
  uint64_t polls_ = 0;                 // touched by Poll only

  Mutex mu_;
  // Each waiter has its own condition, so a worker's news wakes only whom it concerns: Poll
  // waits on done_, worker i (for a job, or between retries) on work_[i].
  std::condition_variable done_;
  std::deque<std::condition_variable> work_;  // sized once, before the workers start
  std::vector<Slot> slots_ COOLFLOW_GUARDED_BY(mu_);
  bool stopping_ COOLFLOW_GUARDED_BY(mu_) = false;

  std::vector<std::thread> threads_;  // last: the workers start once the rest exists
};

}  // namespace

std::string_view SysfsKindName(SysfsKind kind) {
  switch (kind) {
    case SysfsKind::kIio:
      return "iio";
    case SysfsKind::kW1:
      return "w1";
    case SysfsKind::kHwmon:
      return "hwmon";
  }
  return "?";
}

Status ValidateSysfsInputConfig(const SysfsInputConfig& config) {
  if (Status s = reading::ValidateBoxId(config.box); !s.ok()) {
    return InvalidArgument(fmt::format("box: {}", s.message()));
  }
  if (config.sysfs_root.empty()) return InvalidArgument("sysfs_root is empty");
  if (config.max_attempts < 1 || config.max_attempts > kMaxSysfsAttempts) {
    return InvalidArgument(
        fmt::format("max_attempts {} is outside 1..{}", config.max_attempts, kMaxSysfsAttempts));
  }
  if (config.retry_delay.count() < 0 || config.retry_delay > kMaxSysfsRetryDelay) {
    return InvalidArgument(fmt::format("retry_delay {} ms is outside 0..{} ms",
                                       config.retry_delay.count(), kMaxSysfsRetryDelay.count()));
  }
  if (config.sensors.empty()) return InvalidArgument("sensors: none listed; list at least one");
  for (size_t i = 0; i < config.sensors.size(); ++i) {
    const SysfsSensor& sensor = config.sensors[i];
    if (Status s = CheckSensor(sensor); !s.ok()) {
      return InvalidArgument(fmt::format("sensors[{}] ({}): {}", i, sensor.name, s.message()));
    }
    for (size_t k = 0; k < i; ++k) {
      if (config.sensors[k].name == sensor.name) {
        return InvalidArgument(
            fmt::format("sensors[{}] ({}): the name is taken by sensors[{}]", i, sensor.name, k));
      }
    }
  }
  return Status::Ok();
}

Result<std::unique_ptr<Input>> MakeSysfsInput(const SysfsInputConfig& config,
                                              std::unique_ptr<FileReader> reader) {
  if (Status s = ValidateSysfsInputConfig(config); !s.ok()) return s;
  if (reader == nullptr) reader = std::make_unique<KernelFileReader>();
  return std::unique_ptr<Input>(std::make_unique<SysfsInput>(config, std::move(reader)));
}

}  // namespace coolflow::agent
