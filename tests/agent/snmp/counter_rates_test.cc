// Counters to rates without a peer: wraps, resets, restarts and the arithmetic itself.
#include "agent/inputs/snmp/counter_rates.h"

#include <gtest/gtest.h>

#include <cstdint>

namespace coolflow::agent::snmp {
namespace {

constexpr uint64_t k2To32 = uint64_t{1} << 32;

TEST(SnmpCounterIncreaseTest, ForwardIsTheDifference) {
  EXPECT_EQ(CounterIncrease(100, 250, CounterWidth::k32), 150u);
  EXPECT_EQ(CounterIncrease(7, 7, CounterWidth::k32), 0u);
  EXPECT_EQ(CounterIncrease(1, UINT64_MAX, CounterWidth::k64), UINT64_MAX - 1);
}

TEST(SnmpCounterIncreaseTest, Counter32WrapsPast2To32) {
  EXPECT_EQ(CounterIncrease(k2To32 - 10, 5, CounterWidth::k32), 15u);
  EXPECT_EQ(CounterIncrease(k2To32 - 1, 0, CounterWidth::k32), 1u);
  // The largest wrapped increase still taken for a wrap: just under 2^31.
  EXPECT_EQ(CounterIncrease(k2To32 / 2 + 1, 0, CounterWidth::k32), k2To32 / 2 - 1);
}

TEST(SnmpCounterIncreaseTest, Counter32FarBackwardsIsAReset) {
  // 1000 -> 10 would be a wrap of 2^32 - 990 ticks: implausible, so a reset.
  EXPECT_EQ(CounterIncrease(1000, 10, CounterWidth::k32), std::nullopt);
  EXPECT_EQ(CounterIncrease(k2To32 / 2, 0, CounterWidth::k32), std::nullopt);
}

TEST(SnmpCounterIncreaseTest, Counter64BackwardsIsAReset) {
  EXPECT_EQ(CounterIncrease(UINT64_MAX - 5, 3, CounterWidth::k64), std::nullopt);
  EXPECT_EQ(CounterIncrease(1000, 999, CounterWidth::k64), std::nullopt);
}

TEST(SnmpCounterIncreaseTest, ValuesOutsideCounter32AreRefused) {
  EXPECT_EQ(CounterIncrease(0, k2To32, CounterWidth::k32), std::nullopt);
  EXPECT_EQ(CounterIncrease(k2To32 + 1, 5, CounterWidth::k32), std::nullopt);
}

CounterSample Sample(uint32_t uptime, uint64_t user, uint64_t system, uint64_t idle, uint64_t in,
                     uint64_t out) {
  CounterSample s;
  s.uptime_ticks = uptime;
  s.cpu_user = user;
  s.cpu_system = system;
  s.cpu_idle = idle;
  s.net_in = in;
  s.net_out = out;
  return s;
}

TEST(SnmpCounterRatesTest, FirstSampleGivesNoRate) {
  CounterRates rates;
  const DerivedRates first = rates.Update(Sample(1000, 10, 10, 10, 10, 10));
  EXPECT_FALSE(first.cpu_percent);
  EXPECT_FALSE(first.net_in_rate);
  EXPECT_FALSE(first.net_out_rate);
  EXPECT_FALSE(first.restarted);
}

TEST(SnmpCounterRatesTest, SecondSampleGivesRatesOverTheBoxUptime) {
  CounterRates rates;
  rates.Update(Sample(1000, 100, 50, 850, 1'000'000, 2'000'000));
  // 2.5 s later (250 ticks of sysUpTime): 30 + 20 busy of 100 ticks; 250 kB in, 50 kB out.
  const DerivedRates r = rates.Update(Sample(1250, 130, 70, 900, 1'250'000, 2'050'000));
  ASSERT_TRUE(r.cpu_percent);
  EXPECT_DOUBLE_EQ(*r.cpu_percent, 50.0);
  ASSERT_TRUE(r.net_in_rate);
  EXPECT_DOUBLE_EQ(*r.net_in_rate, 100'000.0);
  ASSERT_TRUE(r.net_out_rate);
  EXPECT_DOUBLE_EQ(*r.net_out_rate, 20'000.0);
  EXPECT_FALSE(r.restarted);
}

TEST(SnmpCounterRatesTest, RestartGivesNoRateThenRatesResume) {
  CounterRates rates;
  rates.Update(Sample(500'000, 1000, 1000, 1000, 9'000, 9'000));
  // sysUpTime went back: the agent restarted; its counters may have too.
  const DerivedRates restarted = rates.Update(Sample(300, 1010, 1010, 1010, 9'500, 9'500));
  EXPECT_TRUE(restarted.restarted);
  EXPECT_FALSE(restarted.cpu_percent);
  EXPECT_FALSE(restarted.net_in_rate);
  EXPECT_FALSE(restarted.net_out_rate);
  // The sample after the restart is the new base.
  const DerivedRates next = rates.Update(Sample(400, 1020, 1010, 1030, 10'500, 9'500));
  ASSERT_TRUE(next.cpu_percent);
  EXPECT_DOUBLE_EQ(*next.cpu_percent, 100.0 * 10 / 30);
  ASSERT_TRUE(next.net_in_rate);
  EXPECT_DOUBLE_EQ(*next.net_in_rate, 1'000.0);
  EXPECT_DOUBLE_EQ(*next.net_out_rate, 0.0);
}

TEST(SnmpCounterRatesTest, Counter32WrapStillGivesTheCpuShare) {
  CounterRates rates;
  rates.Update(Sample(100, k2To32 - 40, 1'000, k2To32 - 20, 0, 0));
  // user +60 (wrapped), system +20, idle +120 (wrapped).
  const DerivedRates r = rates.Update(Sample(200, 20, 1'020, 100, 0, 0));
  ASSERT_TRUE(r.cpu_percent);
  EXPECT_DOUBLE_EQ(*r.cpu_percent, 100.0 * 80 / 200);
}

TEST(SnmpCounterRatesTest, Counter64ResetGivesNoNetRateButCpuStays) {
  CounterRates rates;
  rates.Update(Sample(100, 10, 10, 80, 5'000'000, 7'000'000));
  const DerivedRates r = rates.Update(Sample(200, 20, 20, 160, 1'000, 7'100'000));
  EXPECT_FALSE(r.net_in_rate);  // reset
  ASSERT_TRUE(r.net_out_rate);
  EXPECT_DOUBLE_EQ(*r.net_out_rate, 100'000.0);
  ASSERT_TRUE(r.cpu_percent);
  EXPECT_DOUBLE_EQ(*r.cpu_percent, 20.0);
  EXPECT_FALSE(r.restarted);
}

TEST(SnmpCounterRatesTest, NoElapsedTimeOrTicksGivesNoRate) {
  CounterRates rates;
  rates.Update(Sample(100, 10, 10, 80, 100, 100));
  // Same sysUpTime tick: no time elapsed.
  const DerivedRates same_tick = rates.Update(Sample(100, 10, 10, 80, 200, 200));
  EXPECT_FALSE(same_tick.cpu_percent);
  EXPECT_FALSE(same_tick.net_in_rate);
  // Time elapsed but snmpd's CPU figures did not move (its 5 s refresh): no CPU share,
  // the octet rate is there (and may be 0).
  const DerivedRates stale_cpu = rates.Update(Sample(200, 10, 10, 80, 200, 200));
  EXPECT_FALSE(stale_cpu.cpu_percent);
  ASSERT_TRUE(stale_cpu.net_in_rate);
  EXPECT_DOUBLE_EQ(*stale_cpu.net_in_rate, 0.0);
}

TEST(SnmpCounterRatesTest, MissingCounterGivesNoRateForIt) {
  CounterRates rates;
  rates.Update(Sample(100, 10, 10, 80, 100, 100));
  CounterSample partial = Sample(200, 20, 20, 160, 300, 100);
  partial.cpu_idle.reset();
  partial.net_out.reset();
  const DerivedRates r = rates.Update(partial);
  EXPECT_FALSE(r.cpu_percent);
  EXPECT_FALSE(r.net_out_rate);
  ASSERT_TRUE(r.net_in_rate);
  EXPECT_DOUBLE_EQ(*r.net_in_rate, 200.0);
}

TEST(SnmpCounterRatesTest, ForgetStartsAfresh) {
  CounterRates rates;
  rates.Update(Sample(100, 10, 10, 80, 100, 100));
  rates.Forget();
  const DerivedRates r = rates.Update(Sample(200, 20, 20, 160, 300, 300));
  EXPECT_FALSE(r.cpu_percent);
  EXPECT_FALSE(r.net_in_rate);
}

}  // namespace
}  // namespace coolflow::agent::snmp
