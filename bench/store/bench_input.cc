#include "bench_input.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "room/room_model.h"
#include "room/scenario.h"
#include "room/sensors.h"

namespace coolflow::bench {
namespace {

namespace fs = std::filesystem;

constexpr int kFormatVersion = 1;  // bump when the lines change, so old files are not reused
constexpr size_t kFlushBytes = 8 << 20;
constexpr double kCpuPercentStep = 0.1;
constexpr double kLoadStep = 0.01;

double Quantise(double value, double step) {
  return std::round(value / step) * step;
}

nlohmann::json OptionsJson(const InputOptions& options) {
  return {{"version", kFormatVersion},
          {"scenario", fs::absolute(options.scenario).string()},
          {"days", options.days},
          {"racks", options.racks},
          {"batch_lines", options.batch_lines}};
}

std::string ErrnoText(std::string_view what, const fs::path& path) {
  return fmt::format("{} {}: {}", what, path.string(), std::strerror(errno));
}

// Writes the file through a large buffer, counting lines and noting where batches start.
class InputWriter {
 public:
  InputWriter(int fd, size_t batch_lines) : fd_(fd), batch_lines_(batch_lines) {
    offsets_.push_back(0);
  }

  template <typename... Args>
  void Line(fmt::format_string<Args...> format, Args&&... args) {
    fmt::format_to(std::back_inserter(buffer_), format, std::forward<Args>(args)...);
    buffer_ += '\n';
    ++lines_;
    if (lines_ % batch_lines_ == 0) offsets_.push_back(written_ + buffer_.size());
  }

  Status MaybeFlush(const fs::path& path) {
    return buffer_.size() >= kFlushBytes ? Flush(path) : Status::Ok();
  }

  Status Flush(const fs::path& path) {
    size_t done = 0;
    while (done < buffer_.size()) {
      const ssize_t n = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
      if (n < 0) {
        if (errno == EINTR) continue;
        return IOError(ErrnoText("write", path));
      }
      done += static_cast<size_t>(n);
    }
    written_ += buffer_.size();
    buffer_.clear();
    return Status::Ok();
  }

  // The offsets, the file's end last (unless it is already there).
  std::vector<uint64_t> Offsets() const {
    std::vector<uint64_t> out = offsets_;
    if (out.back() != written_) out.push_back(written_);
    return out;
  }
  uint64_t lines() const { return lines_; }
  uint64_t bytes() const { return written_; }

 private:
  int fd_;
  size_t batch_lines_;
  std::string buffer_;
  uint64_t lines_ = 0;
  uint64_t written_ = 0;
  std::vector<uint64_t> offsets_;
};

Status Generate(const InputOptions& options, const fs::path& file, InputSummary& summary) {
  auto scenario = room::LoadScenario(options.scenario);
  if (!scenario.ok()) return scenario.status();
  scenario->duration = static_cast<TimeNs>(options.days * static_cast<double>(kNanosPerDay));
  if (options.racks > 0 && options.racks < scenario->racks.size()) {
    scenario->racks.resize(options.racks);
  }
  auto model = room::RoomModel::Create(*scenario);
  if (!model.ok()) return model.status();
  room::SensorBank sensors(*scenario);

  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return IOError(ErrnoText("create", file));
  InputWriter out(fd, options.batch_lines);
  const size_t racks = scenario->racks.size();
  Status status;
  while (status.ok() && (*model)->now() < (*model)->end()) {
    (*model)->Step();
    const room::RoomModel& m = **model;
    const TimeNs t = m.now();
    if (summary.first_time == 0) summary.first_time = t;
    summary.last_time = t;
    for (size_t r = 0; r < racks; ++r) {
      const std::string& rack = scenario->racks[r].id;
      const room::InletSample inlet = sensors.ReadInlet(r, m);
      if (inlet.temperature_c) {
        out.Line("temp,box=pi-{0},rack={0} temperature={1:.1f} {2}", rack, *inlet.temperature_c, t);
      }
      if (inlet.humidity_rh) {
        out.Line("temp,box=pi-{0},rack={0} humidity={1:.1f} {2}", rack, *inlet.humidity_rh, t);
      }
      out.Line("rack,box=pdu-{0},rack={0} power={1:.0f} {2}", rack, sensors.ReadRackPower(r, m), t);
      out.Line("rack,box=pdu-{0},rack={0} fan={1:.0f} {2}", rack, sensors.ReadFanRpm(r, m), t);
      // The first server of the rack, polled over SNMP.
      const room::SnmpSample snmp = sensors.ReadSnmp(r, 0, m);
      const std::string key =
          fmt::format("resource,box=srv-{0},ip=10.0.{1}.{2},rack={0}", rack, r / 250, r % 250 + 1);
      out.Line("{} cpu={:.1f} {}", key,
               Quantise(100 * m.state().racks[r].utilisation, kCpuPercentStep), t);
      out.Line("{} load1={:.2f} {}", key, Quantise(snmp.load1, kLoadStep), t);
      out.Line("{} memory={}i {}", key, snmp.memory_available_kb, t);
      out.Line("{} rx={}i {}", key, snmp.net_in_octets, t);
      out.Line("{} tx={}i {}", key, snmp.net_out_octets, t);
      out.Line("{} disk={:.0f} {}", key, snmp.disk_used_percent, t);
      out.Line("{} uptime={}i {}", key, snmp.uptime_ticks, t);
    }
    status = out.MaybeFlush(file);
  }
  if (status.ok()) status = out.Flush(file);
  if (::close(fd) != 0 && status.ok()) status = IOError(ErrnoText("close", file));
  if (!status.ok()) return status;
  summary.file = file;
  summary.points = out.lines();
  summary.series = racks * kSeriesPerRack;
  summary.racks = racks;
  summary.bytes = out.bytes();
  summary.batch_offsets = out.Offsets();
  return Status::Ok();
}

Status WriteSummary(const InputOptions& options, const InputSummary& summary) {
  std::ofstream offsets(summary.file.string() + ".batches", std::ios::trunc);
  for (const uint64_t o : summary.batch_offsets)
    offsets << o << '\n';
  nlohmann::json json = {{"options", OptionsJson(options)}, {"points", summary.points},
                         {"series", summary.series},        {"racks", summary.racks},
                         {"bytes", summary.bytes},          {"first_time", summary.first_time},
                         {"last_time", summary.last_time}};
  std::ofstream meta(summary.file.string() + ".json", std::ios::trunc);
  meta << json.dump(2) << '\n';
  if (!offsets.good() || !meta.good()) {
    return IOError(fmt::format("writing {}.batches / .json failed", summary.file.string()));
  }
  return Status::Ok();
}

}  // namespace

std::string RackId(size_t rack) {
  return fmt::format("r{:03}", rack);
}

std::string SensorBox(size_t rack) {
  return "pi-" + RackId(rack);
}

Result<InputSummary> ReadInputSummary(const fs::path& file) {
  std::ifstream meta(file.string() + ".json");
  if (!meta) return NotFound(fmt::format("{}.json: cannot open", file.string()));
  const nlohmann::json json = nlohmann::json::parse(meta, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    return Corruption(fmt::format("{}.json: not a JSON object", file.string()));
  }
  InputSummary summary;
  summary.file = file;
  try {
    summary.points = json.at("points").get<uint64_t>();
    summary.series = json.at("series").get<uint64_t>();
    summary.racks = json.at("racks").get<uint64_t>();
    summary.bytes = json.at("bytes").get<uint64_t>();
    summary.first_time = json.at("first_time").get<TimeNs>();
    summary.last_time = json.at("last_time").get<TimeNs>();
  } catch (const nlohmann::json::exception& e) {
    return Corruption(fmt::format("{}.json: {}", file.string(), e.what()));
  }
  std::ifstream offsets(file.string() + ".batches");
  uint64_t o = 0;
  while (offsets >> o)
    summary.batch_offsets.push_back(o);
  if (summary.batch_offsets.size() < 2 || summary.batch_offsets.back() != summary.bytes) {
    return Corruption(fmt::format("{}.batches: {} offsets, the last not the file size {}",
                                  file.string(), summary.batch_offsets.size(), summary.bytes));
  }
  std::error_code ec;
  if (fs::file_size(file, ec) != summary.bytes || ec) {
    return Corruption(fmt::format("{}: size differs from the {} bytes its .json records",
                                  file.string(), summary.bytes));
  }
  return summary;
}

Result<InputSummary> PrepareInput(const InputOptions& options, const fs::path& dir) {
  const fs::path file = dir / "input.lp";
  {
    std::ifstream meta(file.string() + ".json");
    if (meta) {
      const nlohmann::json json = nlohmann::json::parse(meta, nullptr, false);
      if (!json.is_discarded() && json.is_object() &&
          json.value("options", nlohmann::json()) == OptionsJson(options)) {
        auto summary = ReadInputSummary(file);
        if (summary.ok()) return summary;
      }
    }
  }
  InputSummary summary;
  if (Status s = Generate(options, file, summary); !s.ok()) return s;
  if (Status s = WriteSummary(options, summary); !s.ok()) return s;
  return summary;
}

Status ReadBatch(int fd, const InputSummary& input, size_t index, std::string& out) {
  const uint64_t from = input.batch_offsets[index];
  const uint64_t to = input.batch_offsets[index + 1];
  out.resize(to - from);
  size_t done = 0;
  while (done < out.size()) {
    const ssize_t n =
        ::pread(fd, out.data() + done, out.size() - done, static_cast<off_t>(from + done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return IOError(fmt::format("{}: reading batch {} at offset {}: {}", input.file.string(),
                                 index, from + done,
                                 n == 0 ? "unexpected end" : std::strerror(errno)));
    }
    done += static_cast<size_t>(n);
  }
  return Status::Ok();
}

BatchFeeder::BatchFeeder(const InputSummary& input) : input_(input) {
  fd_ = ::open(input.file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) status_ = IOError(ErrnoText("open", input.file));
}

BatchFeeder::~BatchFeeder() {
  if (fd_ >= 0) ::close(fd_);
}

Result<bool> BatchFeeder::Next(std::string& out) {
  if (!status_.ok()) return status_;
  const size_t index = next_.fetch_add(1);
  if (index >= input_.batches()) return false;
  if (Status s = ReadBatch(fd_, input_, index, out); !s.ok()) return s;
  return true;
}

}  // namespace coolflow::bench
