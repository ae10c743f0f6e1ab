#include "agent/metrics/metrics.h"

#include <cmath>

#include "fmt/format.h"

namespace coolflow::agent::metrics {
namespace {

std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  // Whole numbers print without an exponent up to 2^53, as counters usually are.
  if (value == std::floor(value) && std::fabs(value) < 9.007199254740992e15) {
    return fmt::format("{}", static_cast<int64_t>(value));
  }
  return fmt::format("{}", value);
}

std::string EscapeHelp(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::atomic<double>& Family::Series(const std::vector<std::string>& values) {
  std::lock_guard lock(mutex_);
  auto& slot = series_[values];
  if (!slot) slot = std::make_unique<std::atomic<double>>(0.0);
  return *slot;
}

void Family::Render(std::string& out) const {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name_, EscapeHelp(help_), name_,
                     type_ == Type::kCounter ? "counter" : "gauge");
  std::lock_guard lock(mutex_);
  if (series_.empty() && labels_.empty()) {
    out += fmt::format("{} 0\n", name_);
    return;
  }
  for (const auto& [values, value] : series_) {
    out += name_;
    if (!labels_.empty()) {
      out += '{';
      for (size_t i = 0; i < labels_.size(); ++i) {
        if (i > 0) out += ',';
        out += fmt::format("{}=\"{}\"", labels_[i],
                           EscapeLabelValue(i < values.size() ? values[i] : ""));
      }
      out += '}';
    }
    out += ' ';
    out += FormatValue(value->load(std::memory_order_relaxed));
    out += '\n';
  }
}

void CounterFamily::Add(const std::vector<std::string>& labels, double amount) {
  std::atomic<double>& series = Series(labels);
  double current = series.load(std::memory_order_relaxed);
  while (!series.compare_exchange_weak(current, current + amount, std::memory_order_relaxed)) {
  }
}

void GaugeFamily::Set(const std::vector<std::string>& labels, double value) {
  Series(labels).store(value, std::memory_order_relaxed);
}

CounterFamily& Registry::Counter(std::string name, std::string help,
                                 std::vector<std::string> labels) {
  std::lock_guard lock(mutex_);
  auto family =
      std::make_unique<CounterFamily>(std::move(name), std::move(help), std::move(labels));
  CounterFamily& ref = *family;
  families_.push_back(std::move(family));
  return ref;
}

GaugeFamily& Registry::Gauge(std::string name, std::string help, std::vector<std::string> labels) {
  std::lock_guard lock(mutex_);
  auto family = std::make_unique<GaugeFamily>(std::move(name), std::move(help), std::move(labels));
  GaugeFamily& ref = *family;
  families_.push_back(std::move(family));
  return ref;
}

std::string Registry::Render() const {
  std::string out;
  std::lock_guard lock(mutex_);
  for (const auto& family : families_)
    family->Render(out);
  return out;
}

}  // namespace coolflow::agent::metrics
