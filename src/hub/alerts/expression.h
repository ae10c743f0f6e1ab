// The alert expression language: a small, PromQL-like language over the live state. Its
// grammar, functions and semantics are in docs/alerts.md, "Expressions".
//
//   auto e = alerts::ParseExpression(R"(temperature{rack=~"r0*"} > 25 and rate(temperature) > 1)");
//   alerts::Value v = e->Evaluate(context);   // the samples for which it holds
//
// Values are scalars or instant vectors (samples with labels). A comparison keeps every
// sample and sets its value to 1 or 0, carrying the measured value along as the sample's
// `subject` (what an alert message shows as {{value}}); an alert fires for each sample whose
// value is non-zero (and not NaN).
//
// Thread safety: an Expression is immutable after parsing; Evaluate may run on any number of
// threads at once.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "hub/live/live_state.h"
#include "reading/reading.h"

namespace coolflow::hub::alerts {

// Labels of a sample or an alert, sorted by key, no key twice.
using Labels = reading::TagSet;
// The value of `key` in `labels`, "" when absent.
std::string_view LabelValue(const Labels& labels, std::string_view key);
// Sets `key` to `value`, keeping the order.
void SetLabel(Labels& labels, std::string_view key, std::string_view value);
// A stable text form of a label set: {box="pi-1",rack="r01"}.
std::string FormatLabels(const Labels& labels);

struct Sample {
  Labels labels;
  double value = 0;    // the result; for comparisons 1 (holds) or 0
  double subject = 0;  // the measured value the result is about
  std::string note;    // a condition's message (condition()), else ""
};

struct Value {
  bool scalar = false;
  double number = 0;            // when scalar
  std::vector<Sample> samples;  // when a vector
};

// Whether a result counts as true: non-zero and not NaN.
bool Truthy(double v);

// An externally raised condition (the cooling controller's "an AC did not obey").
struct Condition {
  std::string kind;
  Labels labels;
  std::string message;
  TimeNs since = 0;  // when it became active
};

// Neighbouring racks, by rack id, from the config; racks not listed take the racks next to
// them in id order (among racks with the same "zone" label).
using NeighbourMap = std::map<std::string, std::vector<std::string>, std::less<>>;

// What an expression reads.
struct EvalContext {
  const live::Snapshot* snapshot = nullptr;
  TimeNs now = 0;
  std::span<const Condition> conditions;
  const NeighbourMap* neighbours = nullptr;
  // Series indices by metric, built once per snapshot (BuildMetricIndex) to spare every
  // selector a scan of all series; when null, selectors scan.
  const std::unordered_map<std::string, std::vector<uint32_t>>* metric_index = nullptr;
};

std::unordered_map<std::string, std::vector<uint32_t>> BuildMetricIndex(
    const live::Snapshot& snapshot);

// Where and why a parse failed.
struct ExprError {
  size_t offset = 0;    // byte offset in the expression text
  size_t line = 1;      // 1-based, within the expression text
  size_t column = 1;    // 1-based byte column within that line
  std::string message;  // "expected ')' to close '(' at column 3, got end of expression"
};

struct Node;

class Expression {
 public:
  Expression(Expression&&) noexcept;
  Expression& operator=(Expression&&) noexcept;
  ~Expression();

  // The samples (or scalar) the expression yields against `context`. Never throws.
  Value Evaluate(const EvalContext& context) const;
  // A canonical, fully parenthesised form that parses back to the same expression.
  std::string ToString() const;
  const std::string& text() const { return text_; }

 private:
  friend Result<Expression> ParseExpression(std::string_view, ExprError*);
  Expression(std::unique_ptr<Node> root, std::string text);
  std::unique_ptr<Node> root_;
  std::string text_;
};

// Inputs longer than this are refused, as are syntax trees deeper than kMaxExpressionDepth
// (operators, function calls and their operands; parentheses alone add no depth, but a
// parser guard refuses about ten times as many of them).
inline constexpr size_t kMaxExpressionBytes = 4096;
inline constexpr size_t kMaxExpressionDepth = 64;

// Parses `text`. On failure the Status reads "line L, column C: <why>" and `error` (when
// given) holds the position and the bare reason.
Result<Expression> ParseExpression(std::string_view text, ExprError* error = nullptr);

// The function names the language knows, sorted.
std::vector<std::string_view> FunctionNames();

}  // namespace coolflow::hub::alerts
