#include "agent/inputs/host/host_input.h"

#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <limits>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "agent/inputs/host/proc_parse.h"
#include "agent/inputs/kernel/kernel_file.h"
#include "fmt/format.h"
#include "reading/validate.h"

namespace coolflow::agent {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kMeasurement = "resource";
// /proc/net/dev grows with the interfaces; a megabyte is thousands of them.
constexpr size_t kMaxProcFileBytes = 1 << 20;
// SNMP's ssCpuRaw* count 1/100 s on Linux, as /proc/stat does with USER_HZ = 100.
constexpr uint64_t kTicksPerSecond = 100;
constexpr size_t kMaxInterfaceNameBytes = 15;  // IFNAMSIZ - 1
constexpr std::string_view kLoopback = "lo";
constexpr double kPercent = 100;

// Ticks of 1/USER_HZ s as ticks of 1/100 s, without overflow.
uint64_t ToHundredths(uint64_t ticks, uint64_t user_hz) {
  if (user_hz == kTicksPerSecond) return ticks;
  return ticks / user_hz * kTicksPerSecond + ticks % user_hz * kTicksPerSecond / user_hz;
}

uint64_t Busy(const CpuTimes& t) {
  return t.user + t.nice + t.system + t.irq + t.softirq + t.steal;
}
uint64_t Waiting(const CpuTimes& t) {
  return t.idle + t.iowait;
}

bool ValidInterfaceName(std::string_view name) {
  if (name.empty() || name.size() > kMaxInterfaceNameBytes || name == "." || name == "..") {
    return false;
  }
  return std::none_of(name.begin(), name.end(), [](char c) {
    return c == '/' || c == ':' || c == ' ' || c == '\t' || c == '\n' || c == '\0';
  });
}

// Builds the readings of one poll and the errors met.
class Emitter {
 public:
  Emitter(const std::string& box, const reading::TagSet& tags, TimeNs now, PollResult& result)
      : box_(box), tags_(tags), now_(now), result_(result) {}

  void Add(const fs::path& source, std::string_view metric, reading::Value value) {
    reading::Reading r;
    r.box = box_;
    r.measurement = kMeasurement;
    r.metric = metric;
    r.tags = tags_;
    r.time = now_;
    r.value = std::move(value);
    reading::FillCatalogUnit(r);
    // The poll's time is the reading's time: whether the box's clock is set is the agent's
    // concern, not each input's.
    const reading::ValidationOptions options{
        .max_future = 0, .min_time = std::numeric_limits<TimeNs>::min(), .check_ranges = true};
    if (auto violation = reading::Validate(r, now_, options)) {
      Error(source, fmt::format("{}: {}", metric, violation->message));
      return;
    }
    result_.readings.push_back(std::move(r));
  }

  void Error(const fs::path& source, std::string why) {
    result_.errors.push_back({source.string(), std::move(why)});
  }

  // What `parse` makes of the file's text, or nullopt after reporting why the file could not
  // be read or parsed.
  template <typename T>
  std::optional<T> ReadParsed(const fs::path& path, Result<T> (*parse)(std::string_view)) {
    kernel::FileText text = kernel::ReadFile(path, kMaxProcFileBytes);
    if (text.error != 0) {
      Error(path, kernel::DescribeErrno("read", text.error));
      return std::nullopt;
    }
    auto parsed = parse(text.text);
    if (!parsed.ok()) {
      Error(path, parsed.status().message());
      return std::nullopt;
    }
    return std::move(*parsed);
  }

  TimeNs now() const { return now_; }

 private:
  const std::string& box_;
  const reading::TagSet& tags_;
  const TimeNs now_;
  PollResult& result_;
};

class HostInput final : public Input {
 public:
  explicit HostInput(const HostInputConfig& config) : config_(config), tags_(config.tags) {
    reading::SortTags(tags_);  // no duplicate keys: the config was validated
    const long hz = ::sysconf(_SC_CLK_TCK);
    user_hz_ = hz > 0 ? static_cast<uint64_t>(hz) : kTicksPerSecond;
  }

  // Reads of /proc and statvfs return at once: the deadline is not needed.
  void Poll(TimeNs now, std::chrono::steady_clock::time_point /*deadline*/,
            PollResult& result) override {
    Emitter emit(config_.box, tags_, now, result);
    PollCpu(emit);
    PollLoad(emit);
    PollMemory(emit);
    PollDisk(emit);
    // Net counters, then uptime at once: the rates' clock.
    auto net = ReadNet(emit);
    const std::optional<double> uptime = PollUptime(emit);
    if (net) EmitNet(emit, std::move(*net), uptime);
  }

 private:
  using Counters = std::map<std::string, std::pair<uint64_t, uint64_t>, std::less<>>;
  struct NetSample {
    Counters counters;  // interface -> (receive bytes, transmit bytes)
    std::optional<double> uptime;
    TimeNs now = 0;
  };

  fs::path Proc(std::string_view name) const { return config_.proc_root / name; }

  void PollCpu(Emitter& emit) {
    const fs::path path = Proc("stat");
    const std::optional<CpuTimes> times = emit.ReadParsed(path, ParseProcStat);
    if (!times) return;
    emit.Add(path, "cpu_user", ToHundredths(times->user, user_hz_));
    emit.Add(path, "cpu_system", ToHundredths(times->system, user_hz_));
    emit.Add(path, "cpu_idle", ToHundredths(times->idle, user_hz_));
    if (last_cpu_) {
      const CpuTimes& was = *last_cpu_;
      const uint64_t busy = Busy(*times);
      const uint64_t all = busy + Waiting(*times);
      const uint64_t busy_was = Busy(was);
      const uint64_t all_was = busy_was + Waiting(was);
      // Equal totals: no tick between the polls. Smaller: the box rebooted.
      if (all > all_was && busy >= busy_was) {
        const double share =
            static_cast<double>(busy - busy_was) / static_cast<double>(all - all_was);
        emit.Add(path, "cpu_percent", std::clamp(share * kPercent, 0.0, kPercent));
      }
    }
    last_cpu_ = *times;
  }

  void PollLoad(Emitter& emit) {
    const fs::path path = Proc("loadavg");
    const std::optional<LoadAverage> load = emit.ReadParsed(path, ParseLoadavg);
    if (!load) return;
    emit.Add(path, "load1", load->load1);
    emit.Add(path, "load5", load->load5);
    emit.Add(path, "load15", load->load15);
  }

  void PollMemory(Emitter& emit) {
    const fs::path path = Proc("meminfo");
    const std::optional<Meminfo> info = emit.ReadParsed(path, ParseMeminfo);
    if (!info) return;
    const std::pair<std::string_view, std::optional<uint64_t>> items[] = {
        {"memory_total", info->mem_total},   {"memory_available", info->mem_available},
        {"memory_buffers", info->buffers},   {"memory_cached", info->cached},
        {"swap_available", info->swap_free},
    };
    static constexpr std::string_view kKeys[] = {"MemTotal", "MemAvailable", "Buffers", "Cached",
                                                 "SwapFree"};
    std::string missing;
    for (size_t i = 0; i < std::size(items); ++i) {
      if (items[i].second) {
        emit.Add(path, items[i].first, static_cast<double>(*items[i].second));
      } else {
        missing += missing.empty() ? "" : ", ";
        missing += kKeys[i];
      }
    }
    if (!missing.empty()) {
      emit.Error(path, fmt::format("no {} line (MemAvailable needs Linux 3.14 or later)", missing));
    }
  }

  void PollDisk(Emitter& emit) {
    struct statvfs fs_stat {};
    if (::statvfs(config_.disk_path.c_str(), &fs_stat) != 0) {
      emit.Error(config_.disk_path, kernel::DescribeErrno("statvfs", errno));
      return;
    }
    // As df(1): used = total - free; the share of what non-root users could have, used +
    // available, excludes the blocks reserved for root.
    if (fs_stat.f_bfree > fs_stat.f_blocks) {
      emit.Error(config_.disk_path, fmt::format("statvfs says {} blocks are free of {}",
                                                fs_stat.f_bfree, fs_stat.f_blocks));
      return;
    }
    const auto used = static_cast<double>(fs_stat.f_blocks - fs_stat.f_bfree);
    const auto usable = used + static_cast<double>(fs_stat.f_bavail);
    if (usable <= 0) {
      emit.Error(config_.disk_path, "the file system has no blocks (a pseudo file system?)");
      return;
    }
    emit.Add(config_.disk_path, "disk_used_percent", used * kPercent / usable);
  }

  std::optional<Counters> ReadNet(Emitter& emit) {
    const fs::path path = Proc("net/dev");
    const std::optional<std::vector<NetDevCounters>> interfaces =
        emit.ReadParsed(path, ParseNetDev);
    if (!interfaces) return std::nullopt;
    Counters counters;
    std::string names;
    for (const NetDevCounters& c : *interfaces) {
      names += names.empty() ? "" : ", ";
      names += c.interface;
      const bool wanted =
          config_.interface.empty() ? c.interface != kLoopback : c.interface == config_.interface;
      if (wanted) counters[c.interface] = {c.rx_bytes, c.tx_bytes};
    }
    if (!config_.interface.empty() && counters.empty()) {
      emit.Error(path, fmt::format("no interface '{}' (the box has: {})", config_.interface,
                                   names.empty() ? "none" : names));
      return std::nullopt;
    }
    return counters;
  }

  void EmitNet(Emitter& emit, Counters counters, std::optional<double> uptime) {
    const fs::path path = Proc("net/dev");
    uint64_t in = 0;
    uint64_t out = 0;
    for (const auto& [name, c] : counters) {
      in += c.first;
      out += c.second;
    }
    emit.Add(path, "net_in_octets", in);
    emit.Add(path, "net_out_octets", out);
    NetSample sample{std::move(counters), uptime, emit.now()};
    if (last_net_) EmitRates(emit, path, *last_net_, sample);
    last_net_ = std::move(sample);
  }

  // Rates over the interfaces present in both samples; none when a counter went backwards.
  static void EmitRates(Emitter& emit, const fs::path& path, const NetSample& was,
                        const NetSample& is) {
    const double seconds = was.uptime && is.uptime ? *is.uptime - *was.uptime
                                                   : static_cast<double>(is.now - was.now) /
                                                         static_cast<double>(kNanosPerSecond);
    if (!(seconds > 0)) return;
    uint64_t in = 0;
    uint64_t out = 0;
    for (const auto& [name, c] : is.counters) {
      auto it = was.counters.find(name);
      if (it == was.counters.end()) continue;  // new since the last poll
      if (c.first < it->second.first || c.second < it->second.second) return;  // reset
      in += c.first - it->second.first;
      out += c.second - it->second.second;
    }
    emit.Add(path, "net_in_rate", static_cast<double>(in) / seconds);
    emit.Add(path, "net_out_rate", static_cast<double>(out) / seconds);
  }

  std::optional<double> PollUptime(Emitter& emit) {
    const fs::path path = Proc("uptime");
    const std::optional<double> uptime = emit.ReadParsed(path, ParseUptime);
    if (!uptime) return std::nullopt;
    emit.Add(path, "uptime", *uptime);
    return *uptime;
  }

  const HostInputConfig config_;
  reading::TagSet tags_;
  uint64_t user_hz_ = kTicksPerSecond;
  std::optional<CpuTimes> last_cpu_;
  std::optional<NetSample> last_net_;
};

}  // namespace

Status ValidateHostInputConfig(const HostInputConfig& config) {
  if (Status s = reading::ValidateBoxId(config.box); !s.ok()) {
    return InvalidArgument(fmt::format("box: {}", s.message()));
  }
  if (config.proc_root.empty()) return InvalidArgument("proc_root is empty");
  if (!config.interface.empty() && !ValidInterfaceName(config.interface)) {
    return InvalidArgument(
        fmt::format("interface '{}' is not an interface name (1-{} bytes, no '/', ':' or blanks)",
                    config.interface, kMaxInterfaceNameBytes));
  }
  if (config.disk_path.empty() || !config.disk_path.is_absolute()) {
    return InvalidArgument(
        fmt::format("disk_path '{}' must be an absolute path", config.disk_path.string()));
  }
  for (size_t j = 0; j < config.tags.size(); ++j) {
    const reading::Tag& tag = config.tags[j];
    if (Status s = reading::ValidateName(tag.key); !s.ok()) {
      return InvalidArgument(fmt::format("tags[{}]: key '{}': {}", j, tag.key, s.message()));
    }
    if (Status s = reading::ValidateName(tag.value); !s.ok()) {
      return InvalidArgument(fmt::format("tags[{}] ({}): value: {}", j, tag.key, s.message()));
    }
    if (tag.key == reading::kBoxTag || tag.key == "time") {
      return InvalidArgument(
          fmt::format("tags[{}]: the key '{}' is reserved (the box, the timestamp)", j, tag.key));
    }
    for (size_t k = 0; k < j; ++k) {
      if (config.tags[k].key == tag.key) {
        return InvalidArgument(fmt::format("tags[{}]: the key '{}' is given twice", j, tag.key));
      }
    }
  }
  return Status::Ok();
}

Result<std::unique_ptr<Input>> MakeHostInput(const HostInputConfig& config) {
  if (Status s = ValidateHostInputConfig(config); !s.ok()) return s;
  return std::unique_ptr<Input>(std::make_unique<HostInput>(config));
}

}  // namespace coolflow::agent
