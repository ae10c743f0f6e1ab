// A small, fast, deterministic random source for the simulator: xoshiro256** seeded by
// SplitMix64 (Blackman & Vigna, "Scrambled linear pseudorandom number generators", 2021).
// The same seed gives the same stream on every platform, which std::normal_distribution
// does not promise.
#pragma once

#include <cmath>
#include <cstdint>

namespace coolflow::room {

class Rng {
 public:
  explicit Rng(uint64_t seed) {
    for (uint64_t& s : state_)
      s = SplitMix(seed);
  }

  // Derives an independent stream for a component (a rack, a sensor) from a scenario seed.
  static Rng For(uint64_t seed, uint64_t stream) { return Rng(seed ^ (stream * kGolden)); }

  uint64_t Next() {
    const uint64_t result = Rotl(state_[1] * 5, 7) * 9;
    const uint64_t t = state_[1] << 17;
    state_[2] ^= state_[0];
    state_[3] ^= state_[1];
    state_[1] ^= state_[2];
    state_[0] ^= state_[3];
    state_[2] ^= t;
    state_[3] = Rotl(state_[3], 45);
    return result;
  }

  // Uniform in [0, 1).
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

  // Standard normal (Marsaglia's polar method; the second value is kept for the next call).
  double Normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u = 0, v = 0, s = 0;
    do {
      u = 2 * Uniform() - 1;
      v = 2 * Uniform() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s == 0);
    const double scale = std::sqrt(-2.0 * std::log(s) / s);
    spare_ = v * scale;
    has_spare_ = true;
    return u * scale;
  }

  // Exponentially distributed with the given mean.
  double Exponential(double mean) {
    double u = Uniform();
    while (u <= 0)
      u = Uniform();
    return -mean * std::log(u);
  }

 private:
  static constexpr uint64_t kGolden = 0x9E3779B97F4A7C15ULL;
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  static uint64_t SplitMix(uint64_t& x) {
    uint64_t z = (x += kGolden);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

  uint64_t state_[4] = {};
  double spare_ = 0;
  bool has_spare_ = false;
};

}  // namespace coolflow::room
