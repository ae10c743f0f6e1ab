#include "agent/inputs/snmp/counter_rates.h"

#include <utility>

namespace coolflow::agent::snmp {
namespace {

constexpr uint64_t kCounter32Modulus = uint64_t{1} << 32;
// A wrapped Counter32 increase at or above this is taken for a reset instead.
constexpr uint64_t kCounter32MaxWrappedIncrease = uint64_t{1} << 31;
constexpr double kTicksPerSecond = 100.0;  // sysUpTime counts hundredths of a second
constexpr double kPercent = 100.0;

std::optional<uint64_t> Increase(const std::optional<uint64_t>& previous,
                                 const std::optional<uint64_t>& current, CounterWidth width) {
  if (!previous || !current) return std::nullopt;
  return CounterIncrease(*previous, *current, width);
}

std::optional<double> PerSecond(const std::optional<uint64_t>& increase, double seconds) {
  if (!increase) return std::nullopt;
  return static_cast<double>(*increase) / seconds;
}

}  // namespace

std::optional<uint64_t> CounterIncrease(uint64_t previous, uint64_t current, CounterWidth width) {
  if (width == CounterWidth::k32 &&
      (previous >= kCounter32Modulus || current >= kCounter32Modulus)) {
    return std::nullopt;  // not a Counter32 value
  }
  if (current >= previous) return current - previous;
  if (width == CounterWidth::k64) return std::nullopt;  // reset: 64-bit counters do not wrap
  const uint64_t wrapped = kCounter32Modulus - previous + current;
  if (wrapped >= kCounter32MaxWrappedIncrease) return std::nullopt;
  return wrapped;
}

DerivedRates CounterRates::Update(const CounterSample& sample) {
  DerivedRates rates;
  const std::optional<CounterSample> previous = std::exchange(previous_, sample);
  if (!previous) return rates;
  if (sample.uptime_ticks < previous->uptime_ticks) {
    rates.restarted = true;
    return rates;
  }
  const uint32_t elapsed_ticks = sample.uptime_ticks - previous->uptime_ticks;
  if (elapsed_ticks == 0) return rates;
  const double seconds = static_cast<double>(elapsed_ticks) / kTicksPerSecond;

  const auto user = Increase(previous->cpu_user, sample.cpu_user, CounterWidth::k32);
  const auto system = Increase(previous->cpu_system, sample.cpu_system, CounterWidth::k32);
  const auto idle = Increase(previous->cpu_idle, sample.cpu_idle, CounterWidth::k32);
  if (user && system && idle) {
    // Each increase is below 2^32, so the sum cannot overflow.
    const uint64_t busy = *user + *system;
    const uint64_t total = busy + *idle;
    if (total > 0) {
      rates.cpu_percent = kPercent * static_cast<double>(busy) / static_cast<double>(total);
    }
  }
  rates.net_in_rate =
      PerSecond(Increase(previous->net_in, sample.net_in, CounterWidth::k64), seconds);
  rates.net_out_rate =
      PerSecond(Increase(previous->net_out, sample.net_out, CounterWidth::k64), seconds);
  return rates;
}

}  // namespace coolflow::agent::snmp
