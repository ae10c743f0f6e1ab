// Counters and gauges in the Prometheus text exposition format (version 0.0.4), for the
// agent's /metrics endpoint. A family has a name, help text and a fixed list of label names;
// each distinct label-value tuple is one series. Families are created up front; series
// appear on first use.
//
//   Registry registry;
//   CounterFamily& errors = registry.Counter("coolflow_agent_poll_errors_total",
//                                            "Poll errors by input and source", {"input",
//                                            "source"});
//   errors.Add({"snmp", "srv-03"});
//   std::string text = registry.Render();
//
// Thread safety: every method may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace coolflow::agent::metrics {

class Family {
 public:
  enum class Type { kCounter, kGauge };
  Family(std::string name, std::string help, std::vector<std::string> labels, Type type)
      : name_(std::move(name)), help_(std::move(help)), labels_(std::move(labels)), type_(type) {}

  // Appends this family in the exposition format.
  void Render(std::string& out) const;

 protected:
  // The series for `values` (one per label name), created at 0 on first use. The reference
  // stays valid for the family's lifetime.
  std::atomic<double>& Series(const std::vector<std::string>& values);

 private:
  std::string name_;
  std::string help_;
  std::vector<std::string> labels_;
  Type type_;
  mutable std::mutex mutex_;
  // unique_ptr: atomics do not move, and references handed out must stay put.
  std::map<std::vector<std::string>, std::unique_ptr<std::atomic<double>>> series_;
};

class CounterFamily final : public Family {
 public:
  CounterFamily(std::string name, std::string help, std::vector<std::string> labels)
      : Family(std::move(name), std::move(help), std::move(labels), Type::kCounter) {}
  void Add(const std::vector<std::string>& labels, double amount = 1);
};

class GaugeFamily final : public Family {
 public:
  GaugeFamily(std::string name, std::string help, std::vector<std::string> labels)
      : Family(std::move(name), std::move(help), std::move(labels), Type::kGauge) {}
  void Set(const std::vector<std::string>& labels, double value);
};

class Registry {
 public:
  CounterFamily& Counter(std::string name, std::string help, std::vector<std::string> labels = {});
  GaugeFamily& Gauge(std::string name, std::string help, std::vector<std::string> labels = {});
  // Every family in creation order.
  std::string Render() const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::unique_ptr<Family>> families_;
};

// A label value or help text escaped as the exposition format requires.
std::string EscapeLabelValue(std::string_view value);

}  // namespace coolflow::agent::metrics
