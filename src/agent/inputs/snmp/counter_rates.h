// Counters to rates: the CPU busy share and network bytes per second of one box, from two
// polls in a row. Pure arithmetic, no SNMP: what came from the box goes in as a
// CounterSample, what can honestly be said comes out.
//
// The rules (RFC 2578 §7.1.6/§7.1.10 semantics: a counter's absolute value means nothing,
// only its increase between two readings with no discontinuity in between):
//   - The elapsed time is the box's own clock: the increase of sysUpTime (hundredths of a
//     second). The agent's wall clock can jump (NTP) and says nothing about when the box
//     sampled its counters.
//   - sysUpTime went backwards: the agent (or the box) restarted, its counters may have
//     restarted from 0. No rate this time; the sample is kept for the next one. sysUpTime
//     itself is 32 bits wide and wraps after 497 days, which looks the same and costs the
//     same one interval.
//   - A 32-bit counter (Counter32: the CPU tick counters) that went backwards wrapped past
//     2^32 when the wrapped increase is below half its range (2^31): at 100 ticks/s on 64
//     CPUs that is 3.9 days between polls. A larger wrapped increase is taken for a reset
//     (a discontinuity the uptime did not show) and gives no rate.
//   - A 64-bit counter (Counter64: the interface octets) never wraps in practice (16 EB):
//     going backwards means it was reset (a driver reload, a counter cleared), so no rate.
//   - No time elapsed (two polls inside the same sysUpTime tick), or no CPU tick elapsed
//     (snmpd refreshes its CPU figures every 5 s, so polls closer than that can see the
//     same ones): no rate.
//
// Thread safety: a CounterRates is used by one thread at a time.
#pragma once

#include <cstdint>
#include <optional>

namespace coolflow::agent::snmp {

enum class CounterWidth { k32, k64 };

// The increase of a counter from `previous` to `current`, or nullopt when it went backwards
// in a way that is not a wrap (see above). Both values must fit `width`.
std::optional<uint64_t> CounterIncrease(uint64_t previous, uint64_t current, CounterWidth width);

// What one poll of one box brought; a counter the box did not give is nullopt.
struct CounterSample {
  uint32_t uptime_ticks = 0;           // sysUpTime, hundredths of a second since the agent started
  std::optional<uint64_t> cpu_user;    // Counter32 ticks
  std::optional<uint64_t> cpu_system;  // Counter32 ticks
  std::optional<uint64_t> cpu_idle;    // Counter32 ticks
  std::optional<uint64_t> net_in;      // Counter64 octets
  std::optional<uint64_t> net_out;     // Counter64 octets
};

struct DerivedRates {
  std::optional<double> cpu_percent;   // 0..100
  std::optional<double> net_in_rate;   // bytes/s
  std::optional<double> net_out_rate;  // bytes/s
  bool restarted = false;              // sysUpTime went backwards since the last sample
};

// The rates of one box across its polls.
class CounterRates {
 public:
  // Rates from the last sample to `sample`, then remembers `sample`. The first sample, and
  // the first after Forget, gives none.
  DerivedRates Update(const CounterSample& sample);

  // Forgets the last sample: the next one starts afresh (used when the box's counters are
  // no longer the same counters, e.g. its interface index changed).
  void Forget() { previous_.reset(); }

 private:
  std::optional<CounterSample> previous_;
};

}  // namespace coolflow::agent::snmp
