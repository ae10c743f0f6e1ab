// The questions store_bench asks every store, and the shape its answers are compared in.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace coolflow::bench {

// An answer reduced to what both stores say alike: per series key
// ("temp,box=pi-r042,rack=r042 temperature", tags sorted), its (time, value) pairs. Last
// answers carry time 0: InfluxDB's last(*) over several fields does not return their times.
using Answer = std::map<std::string, std::vector<std::pair<TimeNs, double>>>;

// One series, for the single-series query.
struct SeriesSpec {
  std::string measurement;
  std::vector<std::pair<std::string, std::string>> tags;  // sorted by key
  std::string field;
  std::string Key() const;  // "temp,box=pi-r042,rack=r042 temperature"
};

// A store under test. Each query, called with `answer` null, is what is timed; with an
// answer, it also fills it (not timed).
class Contender {
 public:
  virtual ~Contender() = default;
  // The newest value of every series of every measurement in `measurements`.
  virtual Status LastAll(const std::vector<std::string>& measurements, Answer* answer) = 0;
  // Mean of one series in `step` buckets over [from, to).
  virtual Status SeriesMean(const SeriesSpec& series, TimeNs from, TimeNs to, TimeNs step,
                            Answer* answer) = 0;
  // Mean of every series of measurement.field in `step` buckets over [from, to), per series.
  virtual Status FieldMean(const std::string& measurement, const std::string& field, TimeNs from,
                           TimeNs to, TimeNs step, Answer* answer) = 0;
};

}  // namespace coolflow::bench
