#include "agent/inputs/host/proc_parse.h"

#include <array>
#include <charconv>
#include <cmath>
#include <system_error>

#include "agent/inputs/kernel/kernel_text.h"
#include "fmt/format.h"

namespace coolflow::agent {
namespace {

using kernel::IsBlank;
using kernel::Quote;
using kernel::TrimBlanks;

constexpr size_t kStatCpuMinFields = 4;  // user nice system idle: Linux 2.4
constexpr size_t kLoadavgFields = 3;
constexpr size_t kNetDevHeaderLines = 2;
constexpr size_t kNetDevFields = 16;
constexpr size_t kMaxFields = 32;
constexpr std::string_view kStatCpuKey = "cpu";
constexpr std::string_view kKilobytes = "kB";

// Fields of a line split at spaces and tabs; up to kMaxFields are kept, `count` tells all.
struct Fields {
  std::array<std::string_view, kMaxFields> field{};
  size_t count = 0;
};

Fields Split(std::string_view line) {
  Fields out;
  size_t pos = 0;
  while (pos < line.size()) {
    while (pos < line.size() && IsBlank(line[pos]))
      ++pos;
    if (pos == line.size()) break;
    const size_t start = pos;
    while (pos < line.size() && !IsBlank(line[pos]))
      ++pos;
    if (out.count < kMaxFields) out.field[out.count] = line.substr(start, pos - start);
    ++out.count;
  }
  return out;
}

// A "Key: values" line split at its first colon: the key without blanks around it (empty
// when the line has no colon or nothing before it) and what follows the colon.
struct KeyedLine {
  std::string_view key;
  std::string_view values;
};

KeyedLine SplitKey(std::string_view line) {
  const size_t colon = line.find(':');
  if (colon == std::string_view::npos) return {};
  return {TrimBlanks(line.substr(0, colon)), line.substr(colon + 1)};
}

// Calls fn(line, line_number) for each line; stops at the first error fn returns.
template <typename Fn>
Status ForEachLine(std::string_view text, Fn&& fn) {
  size_t line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    ++line_no;
    if (Status s = fn(text.substr(pos, end - pos), line_no); !s.ok()) return s;
    pos = end + 1;
  }
  return Status::Ok();
}

Status ParseU64(std::string_view text, size_t line_no, std::string_view what, uint64_t& out) {
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, out);
  if (ec == std::errc::result_out_of_range) {
    return InvalidArgument(
        fmt::format("line {}: {} {} does not fit 64 bits", line_no, what, Quote(text)));
  }
  if (text.empty() || ec != std::errc() || ptr != end) {
    return InvalidArgument(
        fmt::format("line {}: {} {} is not a whole number", line_no, what, Quote(text)));
  }
  return Status::Ok();
}

// A non-negative decimal such as "0.89" or "9899.30" (no sign, no exponent).
Status ParseDecimal(std::string_view text, size_t line_no, std::string_view what, double& out) {
  bool digits = false;
  bool point = false;
  for (const char c : text) {
    if (c >= '0' && c <= '9') {
      digits = true;
    } else if (c == '.' && !point) {
      point = true;
    } else {
      digits = false;
      break;
    }
  }
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = digits ? std::from_chars(text.data(), end, out)
                                : std::from_chars_result{text.data(), std::errc::invalid_argument};
  if (ec != std::errc() || ptr != end || !std::isfinite(out)) {
    return InvalidArgument(fmt::format("line {}: {} {} is not a non-negative decimal number",
                                       line_no, what, Quote(text)));
  }
  return Status::Ok();
}

}  // namespace

Result<CpuTimes> ParseProcStat(std::string_view text) {
  static constexpr std::string_view kNames[] = {"user",   "nice", "system",  "idle",
                                                "iowait", "irq",  "softirq", "steal"};
  CpuTimes out;
  bool found = false;
  Status status = ForEachLine(text, [&](std::string_view line, size_t line_no) -> Status {
    const Fields f = Split(line);
    if (found || f.count == 0 || f.field[0] != kStatCpuKey) return Status::Ok();
    found = true;
    if (f.count - 1 < kStatCpuMinFields) {
      return InvalidArgument(
          fmt::format("line {}: the cpu line has {} numbers; at least {} "
                      "(user nice system idle) are needed",
                      line_no, f.count - 1, kStatCpuMinFields));
    }
    uint64_t* targets[] = {&out.user,   &out.nice, &out.system,  &out.idle,
                           &out.iowait, &out.irq,  &out.softirq, &out.steal};
    for (size_t i = 0; i < std::size(targets) && i + 1 < f.count && i + 1 < kMaxFields; ++i) {
      if (Status s = ParseU64(f.field[i + 1], line_no, kNames[i], *targets[i]); !s.ok()) {
        return s;
      }
    }
    return Status::Ok();
  });
  if (!status.ok()) return status;
  if (!found) return InvalidArgument("no aggregate 'cpu' line");
  return out;
}

Result<LoadAverage> ParseLoadavg(std::string_view text) {
  const size_t newline = text.find('\n');
  const std::string_view line = text.substr(0, newline);
  const Fields f = Split(line);
  if (f.count < kLoadavgFields) {
    return InvalidArgument(
        fmt::format("line 1: {} fields; the three load averages are needed", f.count));
  }
  LoadAverage out;
  double* targets[] = {&out.load1, &out.load5, &out.load15};
  static constexpr std::string_view kNames[] = {"load1", "load5", "load15"};
  for (size_t i = 0; i < kLoadavgFields; ++i) {
    if (Status s = ParseDecimal(f.field[i], 1, kNames[i], *targets[i]); !s.ok()) return s;
  }
  return out;
}

Result<Meminfo> ParseMeminfo(std::string_view text) {
  Meminfo out;
  struct Key {
    std::string_view name;
    std::optional<uint64_t> Meminfo::*field;
  };
  static constexpr Key kKeys[] = {
      {"MemTotal", &Meminfo::mem_total},
      {"MemFree", &Meminfo::mem_free},
      {"MemAvailable", &Meminfo::mem_available},
      {"Buffers", &Meminfo::buffers},
      {"Cached", &Meminfo::cached},
      {"SwapTotal", &Meminfo::swap_total},
      {"SwapFree", &Meminfo::swap_free},
  };
  Status status = ForEachLine(text, [&](std::string_view line, size_t line_no) -> Status {
    if (TrimBlanks(line).empty()) return Status::Ok();
    const auto [key, values] = SplitKey(line);
    if (key.empty()) {
      return InvalidArgument(
          fmt::format("line {}: expected 'Key: value kB', found {}", line_no, Quote(line)));
    }
    const Fields f = Split(values);
    if (f.count == 0 || f.count > 2 || (f.count == 2 && f.field[1] != kKilobytes)) {
      return InvalidArgument(
          fmt::format("line {}: {}: expected a number and an optional 'kB', "
                      "found {}",
                      line_no, key, Quote(values)));
    }
    uint64_t value = 0;
    if (Status s = ParseU64(f.field[0], line_no, key, value); !s.ok()) return s;
    for (const Key& k : kKeys) {
      if (k.name == key) {
        if ((out.*k.field).has_value()) {
          return InvalidArgument(fmt::format("line {}: {} appears twice", line_no, key));
        }
        out.*k.field = value;
      }
    }
    return Status::Ok();
  });
  if (!status.ok()) return status;
  return out;
}

Result<std::vector<NetDevCounters>> ParseNetDev(std::string_view text) {
  std::vector<NetDevCounters> out;
  size_t lines = 0;
  Status status = ForEachLine(text, [&](std::string_view line, size_t line_no) -> Status {
    lines = line_no;
    if (line_no <= kNetDevHeaderLines) {
      // "Inter-|   Receive ..." and " face |bytes    packets ...".
      if (line.find('|') == std::string_view::npos) {
        return InvalidArgument(
            fmt::format("line {}: expected the header ('|'-separated column "
                        "titles), found {}",
                        line_no, Quote(line)));
      }
      return Status::Ok();
    }
    if (TrimBlanks(line).empty()) return Status::Ok();
    const auto [name, values] = SplitKey(line);
    if (name.empty()) {
      return InvalidArgument(
          fmt::format("line {}: expected 'interface: counters', found {}", line_no, Quote(line)));
    }
    // The kernel refuses names with blanks, '/' or ':' (dev_valid_name in net/core/dev.c).
    if (name.find_first_of(" \t\v\f\r/") != std::string_view::npos) {
      return InvalidArgument(
          fmt::format("line {}: {} is not an interface name", line_no, Quote(name)));
    }
    const Fields f = Split(values);
    if (f.count != kNetDevFields) {
      return InvalidArgument(fmt::format("line {}: {} has {} counters; {} expected", line_no, name,
                                         f.count, kNetDevFields));
    }
    NetDevCounters c;
    c.interface = name;
    // Receive: bytes packets errs drop fifo frame compressed multicast; then Transmit:
    // bytes packets errs drop fifo colls carrier compressed.
    struct Column {
      size_t index;
      uint64_t NetDevCounters::*field;
      std::string_view name;
    };
    static constexpr Column kColumns[] = {
        {0, &NetDevCounters::rx_bytes, "receive bytes"},
        {1, &NetDevCounters::rx_packets, "receive packets"},
        {2, &NetDevCounters::rx_errors, "receive errs"},
        {3, &NetDevCounters::rx_dropped, "receive drop"},
        {8, &NetDevCounters::tx_bytes, "transmit bytes"},
        {9, &NetDevCounters::tx_packets, "transmit packets"},
        {10, &NetDevCounters::tx_errors, "transmit errs"},
        {11, &NetDevCounters::tx_dropped, "transmit drop"},
    };
    for (size_t i = 0; i < kNetDevFields; ++i) {
      const Column* column = nullptr;
      for (const Column& candidate : kColumns) {
        if (candidate.index == i) column = &candidate;
      }
      uint64_t value = 0;
      const std::string what =
          fmt::format("{} {}", name, column != nullptr ? column->name : "counter");
      if (Status s = ParseU64(f.field[i], line_no, what, value); !s.ok()) return s;
      if (column != nullptr) c.*(column->field) = value;
    }
    out.push_back(std::move(c));
    return Status::Ok();
  });
  if (!status.ok()) return status;
  if (lines < kNetDevHeaderLines) {
    return InvalidArgument(
        fmt::format("{} lines; the file starts with {} header lines", lines, kNetDevHeaderLines));
  }
  return out;
}

Result<double> ParseUptime(std::string_view text) {
  const std::string_view line = text.substr(0, text.find('\n'));
  const Fields f = Split(line);
  if (f.count == 0) return InvalidArgument("line 1: empty; expected the seconds since boot");
  double seconds = 0;
  if (Status s = ParseDecimal(f.field[0], 1, "uptime", seconds); !s.ok()) return s;
  return seconds;
}

}  // namespace coolflow::agent
