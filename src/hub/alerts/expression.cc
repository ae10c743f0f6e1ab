#include "hub/alerts/expression.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <set>
#include <utility>

#include "fmt/format.h"
#include "reading/format.h"

namespace coolflow::hub::alerts {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kSecondsPerMinute = 60;
constexpr double kSecondsPerHour = 3600;
constexpr double kSecondsPerDay = 86400;
constexpr double kMillisPerSecond = 1000;
constexpr size_t kMaxArguments = 8;

// --- Tokens ------------------------------------------------------------------------------

enum class Tok {
  kEnd,
  kNumber,
  kString,
  kName,
  kLParen,
  kRParen,
  kLBrace,
  kRBrace,
  kComma,
  kPlus,
  kMinus,
  kStar,
  kSlash,
  kLt,
  kLe,
  kGt,
  kGe,
  kEqEq,
  kNe,
  kAssign,   // '=' in a matcher
  kMatch,    // '=~'
  kNoMatch,  // '!~'
  kAnd,
  kOr,
  kNot,
};

struct Token {
  Tok kind = Tok::kEnd;
  size_t offset = 0;
  size_t length = 0;
  double number = 0;
  std::string text;  // names and (unescaped) strings
};

std::string_view TokSymbol(Tok t) {
  switch (t) {
    case Tok::kLParen:
      return "(";
    case Tok::kRParen:
      return ")";
    case Tok::kLBrace:
      return "{";
    case Tok::kRBrace:
      return "}";
    case Tok::kComma:
      return ",";
    case Tok::kPlus:
      return "+";
    case Tok::kMinus:
      return "-";
    case Tok::kStar:
      return "*";
    case Tok::kSlash:
      return "/";
    case Tok::kLt:
      return "<";
    case Tok::kLe:
      return "<=";
    case Tok::kGt:
      return ">";
    case Tok::kGe:
      return ">=";
    case Tok::kEqEq:
      return "==";
    case Tok::kNe:
      return "!=";
    case Tok::kAssign:
      return "=";
    case Tok::kMatch:
      return "=~";
    case Tok::kNoMatch:
      return "!~";
    case Tok::kAnd:
      return "and";
    case Tok::kOr:
      return "or";
    case Tok::kNot:
      return "not";
    default:
      return "";
  }
}

std::string Describe(const Token& t, std::string_view source) {
  switch (t.kind) {
    case Tok::kEnd:
      return "end of expression";
    case Tok::kNumber:
      return fmt::format("number {}", source.substr(t.offset, t.length));
    case Tok::kString:
      return fmt::format("string {}", source.substr(t.offset, t.length));
    case Tok::kName:
      return fmt::format("name \"{}\"", t.text);
    default:
      return fmt::format("'{}'", TokSymbol(t.kind));
  }
}

struct ParseFailure {
  size_t offset;
  std::string message;
};

bool IsNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool IsNameChar(char c) {
  return IsNameStart(c) || (c >= '0' && c <= '9');
}
bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

class Lexer {
 public:
  explicit Lexer(std::string_view text) : text_(text) {}

  // The next token, or a failure.
  std::optional<Token> Next(ParseFailure& failure) {
    std::optional<Token> t = Scan(failure);
    if (t && t->kind != Tok::kEnd) last_end_ = t->offset + t->length;
    return t;
  }

 private:
  std::optional<Token> Scan(ParseFailure& failure) {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
    Token t;
    t.offset = pos_;
    if (pos_ >= text_.size()) {
      t.offset = last_end_;  // the end is right after the last token, not after blanks
      return t;
    }
    const char c = text_[pos_];
    auto single = [&](Tok kind, size_t length = 1) {
      t.kind = kind;
      t.length = length;
      pos_ += length;
      return t;
    };
    const char next = pos_ + 1 < text_.size() ? text_[pos_ + 1] : '\0';
    switch (c) {
      case '(':
        return single(Tok::kLParen);
      case ')':
        return single(Tok::kRParen);
      case '{':
        return single(Tok::kLBrace);
      case '}':
        return single(Tok::kRBrace);
      case ',':
        return single(Tok::kComma);
      case '+':
        return single(Tok::kPlus);
      case '-':
        return single(Tok::kMinus);
      case '*':
        return single(Tok::kStar);
      case '/':
        return single(Tok::kSlash);
      case '<':
        return next == '=' ? single(Tok::kLe, 2) : single(Tok::kLt);
      case '>':
        return next == '=' ? single(Tok::kGe, 2) : single(Tok::kGt);
      case '=':
        if (next == '=') return single(Tok::kEqEq, 2);
        if (next == '~') return single(Tok::kMatch, 2);
        return single(Tok::kAssign);
      case '!':
        if (next == '=') return single(Tok::kNe, 2);
        if (next == '~') return single(Tok::kNoMatch, 2);
        failure = {pos_, "unexpected '!' (write != or !~, or 'not')"};
        return std::nullopt;
      case '"':
        return String(t, failure);
      default:
        break;
    }
    if (IsDigit(c) || (c == '.' && IsDigit(next))) return Number(t, failure);
    if (IsNameStart(c)) {
      size_t end = pos_;
      while (end < text_.size() && IsNameChar(text_[end]))
        ++end;
      t.text = std::string(text_.substr(pos_, end - pos_));
      t.length = end - pos_;
      pos_ = end;
      if (t.text == "and") {
        t.kind = Tok::kAnd;
      } else if (t.text == "or") {
        t.kind = Tok::kOr;
      } else if (t.text == "not") {
        t.kind = Tok::kNot;
      } else {
        t.kind = Tok::kName;
      }
      return t;
    }
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f) {
      failure = {pos_, fmt::format("unexpected character '{}'", c)};
    } else {
      failure = {pos_, fmt::format("unexpected byte 0x{:02x}", byte)};
    }
    return std::nullopt;
  }

  std::optional<Token> String(Token& t, ParseFailure& failure) {
    size_t i = pos_ + 1;
    std::string out;
    while (i < text_.size() && text_[i] != '"') {
      if (text_[i] == '\\') {
        if (i + 1 >= text_.size()) break;
        const char e = text_[i + 1];
        if (e != '"' && e != '\\') {
          failure = {i, fmt::format("unknown escape '\\{}' in a string (only \\\" and \\\\)",
                                    e == '\0' ? ' ' : e)};
          return std::nullopt;
        }
        out.push_back(e);
        i += 2;
        continue;
      }
      if (text_[i] == '\n') break;
      out.push_back(text_[i]);
      ++i;
    }
    if (i >= text_.size() || text_[i] != '"') {
      failure = {pos_, "unterminated string: expected a closing '\"'"};
      return std::nullopt;
    }
    t.kind = Tok::kString;
    t.text = std::move(out);
    t.length = i + 1 - pos_;
    pos_ = i + 1;
    return t;
  }

  std::optional<Token> Number(Token& t, ParseFailure& failure) {
    size_t end = pos_;
    while (end < text_.size() && IsDigit(text_[end]))
      ++end;
    if (end < text_.size() && text_[end] == '.') {
      ++end;
      while (end < text_.size() && IsDigit(text_[end]))
        ++end;
    }
    if (end < text_.size() && (text_[end] == 'e' || text_[end] == 'E')) {
      size_t e = end + 1;
      if (e < text_.size() && (text_[e] == '+' || text_[e] == '-')) ++e;
      if (e < text_.size() && IsDigit(text_[e])) {
        while (e < text_.size() && IsDigit(text_[e]))
          ++e;
        end = e;
      }
    }
    double value = 0;
    const auto [ptr, ec] = std::from_chars(text_.data() + pos_, text_.data() + end, value);
    if (ec != std::errc() || ptr != text_.data() + end || !std::isfinite(value)) {
      failure = {pos_, fmt::format("number {} is out of range", text_.substr(pos_, end - pos_))};
      return std::nullopt;
    }
    // A duration suffix: the number becomes seconds.
    size_t suffix_end = end;
    while (suffix_end < text_.size() && IsNameChar(text_[suffix_end]))
      ++suffix_end;
    const std::string_view suffix = text_.substr(end, suffix_end - end);
    if (suffix.empty()) {
    } else if (suffix == "ms") {
      value /= kMillisPerSecond;
    } else if (suffix == "s") {
    } else if (suffix == "m") {
      value *= kSecondsPerMinute;
    } else if (suffix == "h") {
      value *= kSecondsPerHour;
    } else if (suffix == "d") {
      value *= kSecondsPerDay;
    } else {
      failure = {end, fmt::format("unknown unit \"{}\" after a number (durations take ms, s, m, "
                                  "h or d)",
                                  suffix)};
      return std::nullopt;
    }
    if (!std::isfinite(value)) {
      failure = {pos_, "number is out of range"};
      return std::nullopt;
    }
    t.kind = Tok::kNumber;
    t.number = value;
    t.length = suffix_end - pos_;
    pos_ = suffix_end;
    return t;
  }

  std::string_view text_;
  size_t pos_ = 0;
  size_t last_end_ = 0;
};

}  // namespace

// --- The syntax tree ---------------------------------------------------------------------

enum class NodeKind { kNumber, kString, kSelector, kNegate, kNot, kBinary, kCall };

enum class MatchOp { kEqual, kNotEqual, kGlob, kNotGlob };

struct Matcher {
  std::string label;
  MatchOp op = MatchOp::kEqual;
  std::string value;
};

struct Selector {
  std::string metric;
  std::vector<Matcher> matchers;
};

enum class ArgKind { kSelector, kValue, kString, kOptionalString };

using EvalFn = Value (*)(const Node& call, const EvalContext& context);

// A function of the language: its name, its arguments and how it evaluates.
struct FunctionSpec {
  std::string_view name;
  std::vector<ArgKind> args;
  std::string_view summary;  // for errors: "rate(selector)"
  EvalFn eval;
};

struct Node {
  NodeKind kind = NodeKind::kNumber;
  size_t offset = 0;
  double number = 0;
  std::string text;  // a string literal
  Selector selector;
  Tok op = Tok::kEnd;  // binary operator
  const FunctionSpec* function = nullptr;
  std::vector<std::unique_ptr<Node>> args;  // operands and arguments
};

namespace {

// --- Function table ----------------------------------------------------------------------

Value Eval(const Node& node, const EvalContext& context);

// --- Helpers for evaluation --------------------------------------------------------------

bool GlobMatch(std::string_view pattern, std::string_view text) {
  // Iterative '*' / '?' matching with one backtrack point: linear in practice.
  size_t p = 0, t = 0, star = std::string_view::npos, mark = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*')
    ++p;
  return p == pattern.size();
}

bool Matches(const std::vector<Matcher>& matchers, const Labels& labels) {
  for (const Matcher& m : matchers) {
    const std::string_view v = LabelValue(labels, m.label);
    bool ok = false;
    switch (m.op) {
      case MatchOp::kEqual:
        ok = v == m.value;
        break;
      case MatchOp::kNotEqual:
        ok = v != m.value;
        break;
      case MatchOp::kGlob:
        ok = GlobMatch(m.value, v);
        break;
      case MatchOp::kNotGlob:
        ok = !GlobMatch(m.value, v);
        break;
    }
    if (!ok) return false;
  }
  return true;
}

double Seconds(TimeNs t) {
  return static_cast<double>(t) / static_cast<double>(kNanosPerSecond);
}

// Calls fn(index) for every series the selector names; stale ones only when asked.
template <typename Fn>
void ForEachSeries(const Selector& sel, const EvalContext& c, bool include_stale, Fn&& fn) {
  if (c.snapshot == nullptr) return;
  const live::Snapshot& s = *c.snapshot;
  auto visit = [&](size_t i) {
    const live::SeriesInfo& info = s.info(i);
    if (!sel.metric.empty() && info.metric != sel.metric) return;
    if (!include_stale && s.Stale(i, c.now)) return;
    if (!Matches(sel.matchers, info.labels)) return;
    fn(i);
  };
  if (c.metric_index != nullptr && !sel.metric.empty()) {
    auto it = c.metric_index->find(sel.metric);
    if (it == c.metric_index->end()) return;
    for (uint32_t i : it->second)
      visit(i);
    return;
  }
  for (size_t i = 0; i < s.series_count(); ++i)
    visit(i);
}

Value SeriesFunction(const Selector& selector, const EvalContext& c, bool include_stale,
                     double (*get)(const live::Snapshot&, size_t, TimeNs)) {
  Value out;
  ForEachSeries(selector, c, include_stale, [&](size_t i) {
    const double v = get(*c.snapshot, i, c.now);
    out.samples.push_back({c.snapshot->info(i).labels, v, v, {}});
  });
  return out;
}

Value EvalSelector(const Node& node, const EvalContext& c) {
  return SeriesFunction(node.selector, c, false,
                        [](const live::Snapshot& s, size_t i, TimeNs) { return s.state(i).value; });
}

Value FnRate(const Node& call, const EvalContext& c) {
  return SeriesFunction(
      call.args[0]->selector, c, false,
      [](const live::Snapshot& s, size_t i, TimeNs) { return s.state(i).rate_per_minute; });
}
Value FnAge(const Node& call, const EvalContext& c) {
  return SeriesFunction(
      call.args[0]->selector, c, true,
      [](const live::Snapshot& s, size_t i, TimeNs now) { return Seconds(s.Age(i, now)); });
}
Value FnInterval(const Node& call, const EvalContext& c) {
  return SeriesFunction(
      call.args[0]->selector, c, true,
      [](const live::Snapshot& s, size_t i, TimeNs) { return Seconds(s.Interval(i)); });
}
Value FnUnchangedFor(const Node& call, const EvalContext& c) {
  return SeriesFunction(call.args[0]->selector, c, false,
                        [](const live::Snapshot& s, size_t i, TimeNs now) {
                          const live::SeriesState& st = s.state(i);
                          return std::isfinite(st.value) ? Seconds(now - st.unchanged_since) : kNaN;
                        });
}
Value FnStale(const Node& call, const EvalContext& c) {
  return SeriesFunction(
      call.args[0]->selector, c, true,
      [](const live::Snapshot& s, size_t i, TimeNs now) { return s.Stale(i, now) ? 1.0 : 0.0; });
}

template <live::Window W, int kStat>  // 0 mean, 1 min, 2 max
Value FnWindow(const Node& call, const EvalContext& c) {
  Value out;
  if (c.snapshot == nullptr) return out;
  const Selector& sel = call.args[0]->selector;
  for (const live::GroupStats& g : c.snapshot->groups()) {
    if (!sel.metric.empty() && g.metric != sel.metric) continue;
    Labels labels;
    labels.push_back({"measurement", g.measurement});
    labels.push_back({"metric", g.metric});
    if (!g.rack.empty()) labels.push_back({"rack", g.rack});
    labels.push_back({"scope", g.rack.empty() ? "room" : "rack"});
    if (!Matches(sel.matchers, labels)) continue;
    const live::WindowStats& w = g.at(W);
    if (w.count == 0) continue;
    const double v = kStat == 0 ? w.mean : kStat == 1 ? w.min : w.max;
    out.samples.push_back({std::move(labels), v, v, {}});
  }
  return out;
}

Value FnOffline(const Node&, const EvalContext& c) {
  Value out;
  if (c.snapshot == nullptr) return out;
  for (const live::BoxState& b : c.snapshot->boxes()) {
    if (!b.online || *b.online) continue;
    out.samples.push_back({{{"box", b.box}}, 1, Seconds(c.now - b.status_time), {}});
  }
  return out;
}

Value FnCondition(const Node& call, const EvalContext& c) {
  Value out;
  const std::string& kind = call.args[0]->text;
  for (const Condition& cond : c.conditions) {
    if (!GlobMatch(kind, cond.kind)) continue;
    Labels labels = cond.labels;
    SetLabel(labels, "condition", cond.kind);
    out.samples.push_back({std::move(labels), 1, Seconds(c.now - cond.since), cond.message});
  }
  return out;
}

Value FnNeighbourDelta(const Node& call, const EvalContext& c) {
  Value out;
  const Value base = EvalSelector(*call.args[0], c);
  // Racks by zone, sorted, for the default neighbours.
  std::map<std::string, std::set<std::string>> racks_by_zone;
  std::map<std::string, std::vector<size_t>> samples_by_rack;
  for (size_t i = 0; i < base.samples.size(); ++i) {
    const std::string rack(LabelValue(base.samples[i].labels, "rack"));
    if (rack.empty() || !std::isfinite(base.samples[i].value)) continue;
    racks_by_zone[std::string(LabelValue(base.samples[i].labels, "zone"))].insert(rack);
    samples_by_rack[rack].push_back(i);
  }
  auto neighbours_of = [&](const std::string& rack, const std::string& zone) {
    std::vector<std::string> out_racks;
    if (c.neighbours != nullptr) {
      if (auto it = c.neighbours->find(rack); it != c.neighbours->end()) return it->second;
    }
    const std::set<std::string>& racks = racks_by_zone[zone];
    auto it = racks.find(rack);
    if (it == racks.end()) return out_racks;
    if (it != racks.begin()) out_racks.push_back(*std::prev(it));
    if (std::next(it) != racks.end()) out_racks.push_back(*std::next(it));
    return out_racks;
  };
  for (const Sample& s : base.samples) {
    const std::string rack(LabelValue(s.labels, "rack"));
    if (rack.empty() || !std::isfinite(s.value)) continue;
    double sum = 0;
    size_t n = 0;
    for (const std::string& other :
         neighbours_of(rack, std::string(LabelValue(s.labels, "zone")))) {
      auto it = samples_by_rack.find(other);
      if (it == samples_by_rack.end()) continue;
      for (size_t j : it->second) {
        sum += base.samples[j].value;
        ++n;
      }
    }
    if (n == 0) continue;
    const double delta = s.value - sum / static_cast<double>(n);
    out.samples.push_back({s.labels, std::fabs(delta), delta, {}});
  }
  return out;
}

Value FnAbs(const Node& call, const EvalContext& c) {
  Value v = Eval(*call.args[0], c);
  if (v.scalar) {
    v.number = std::fabs(v.number);
  } else {
    for (Sample& s : v.samples) {
      s.value = std::fabs(s.value);
      s.subject = s.value;
    }
  }
  return v;
}

enum class Agg { kAvg, kMin, kMax, kSum, kCount };

template <Agg A>
Value FnAggregate(const Node& call, const EvalContext& c) {
  const Value in = Eval(*call.args[0], c);
  const std::string* by = call.args.size() > 1 ? &call.args[1]->text : nullptr;
  struct Acc {
    double sum = 0, min = std::numeric_limits<double>::infinity(),
           max = -std::numeric_limits<double>::infinity();
    size_t n = 0;
  };
  std::map<std::string, Acc> groups;
  auto add = [&](const std::string& key, double v) {
    Acc& a = groups[key];
    if (!std::isfinite(v)) return;
    a.sum += v;
    a.min = std::min(a.min, v);
    a.max = std::max(a.max, v);
    ++a.n;
  };
  if (in.scalar) {
    add("", in.number);
  } else {
    for (const Sample& s : in.samples)
      add(by ? std::string(LabelValue(s.labels, *by)) : std::string(), s.value);
  }
  auto result = [](const Acc& a) {
    switch (A) {
      case Agg::kAvg:
        return a.n ? a.sum / static_cast<double>(a.n) : kNaN;
      case Agg::kMin:
        return a.n ? a.min : kNaN;
      case Agg::kMax:
        return a.n ? a.max : kNaN;
      case Agg::kSum:
        return a.sum;
      case Agg::kCount:
        return static_cast<double>(a.n);
    }
    return kNaN;
  };
  Value out;
  if (by == nullptr) {
    out.scalar = true;
    out.number = result(groups[""]);
    return out;
  }
  for (const auto& [key, acc] : groups) {
    const double v = result(acc);
    out.samples.push_back({{{*by, key}}, v, v, {}});
  }
  return out;
}

const std::vector<FunctionSpec>& Functions() {
  using enum ArgKind;
  using live::Window;
  static const std::vector<FunctionSpec> functions = {
      {"abs", {kValue}, "abs(value)", FnAbs},
      {"age", {kSelector}, "age(selector)", FnAge},
      {"avg", {kValue, kOptionalString}, "avg(value[, \"label\"])", FnAggregate<Agg::kAvg>},
      {"condition", {kString}, "condition(\"kind\")", FnCondition},
      {"count", {kValue, kOptionalString}, "count(value[, \"label\"])", FnAggregate<Agg::kCount>},
      {"interval", {kSelector}, "interval(selector)", FnInterval},
      {"max", {kValue, kOptionalString}, "max(value[, \"label\"])", FnAggregate<Agg::kMax>},
      {"max_1h", {kSelector}, "max_1h(selector)", FnWindow<Window::k1h, 2>},
      {"max_1m", {kSelector}, "max_1m(selector)", FnWindow<Window::k1m, 2>},
      {"max_5m", {kSelector}, "max_5m(selector)", FnWindow<Window::k5m, 2>},
      {"mean_1h", {kSelector}, "mean_1h(selector)", FnWindow<Window::k1h, 0>},
      {"mean_1m", {kSelector}, "mean_1m(selector)", FnWindow<Window::k1m, 0>},
      {"mean_5m", {kSelector}, "mean_5m(selector)", FnWindow<Window::k5m, 0>},
      {"min", {kValue, kOptionalString}, "min(value[, \"label\"])", FnAggregate<Agg::kMin>},
      {"min_1h", {kSelector}, "min_1h(selector)", FnWindow<Window::k1h, 1>},
      {"min_1m", {kSelector}, "min_1m(selector)", FnWindow<Window::k1m, 1>},
      {"min_5m", {kSelector}, "min_5m(selector)", FnWindow<Window::k5m, 1>},
      {"neighbour_delta", {kSelector}, "neighbour_delta(selector)", FnNeighbourDelta},
      {"offline", {}, "offline()", FnOffline},
      {"rate", {kSelector}, "rate(selector)", FnRate},
      {"stale", {kSelector}, "stale(selector)", FnStale},
      {"sum", {kValue, kOptionalString}, "sum(value[, \"label\"])", FnAggregate<Agg::kSum>},
      {"unchanged_for", {kSelector}, "unchanged_for(selector)", FnUnchangedFor},
  };
  return functions;
}

const FunctionSpec* FindFunction(std::string_view name) {
  for (const FunctionSpec& f : Functions()) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

// --- Binary operators --------------------------------------------------------------------

bool IsComparison(Tok op) {
  return op == Tok::kLt || op == Tok::kLe || op == Tok::kGt || op == Tok::kGe || op == Tok::kEqEq ||
         op == Tok::kNe;
}

double Apply(Tok op, double a, double b) {
  switch (op) {
    case Tok::kPlus:
      return a + b;
    case Tok::kMinus:
      return a - b;
    case Tok::kStar:
      return a * b;
    case Tok::kSlash:
      return b == 0 ? kNaN : a / b;
    case Tok::kLt:
      return a < b ? 1 : 0;
    case Tok::kLe:
      return a <= b ? 1 : 0;
    case Tok::kGt:
      return a > b ? 1 : 0;
    case Tok::kGe:
      return a >= b ? 1 : 0;
    case Tok::kEqEq:
      return a == b ? 1 : 0;
    case Tok::kNe:
      return a != b && !std::isnan(a) && !std::isnan(b) ? 1 : 0;
    case Tok::kAnd:
      return Truthy(a) && Truthy(b) ? 1 : 0;
    case Tok::kOr:
      return Truthy(a) || Truthy(b) ? 1 : 0;
    default:
      return kNaN;
  }
}

// The label set two vector samples are matched on: all labels but "metric", so
// `temperature > 25 and humidity > 60` pairs the two metrics of one sensor.
std::string MatchKey(const Labels& labels) {
  std::string out;
  for (const reading::Tag& t : labels) {
    if (t.key == "metric") continue;
    out += t.key;
    out += '\x1e';
    out += t.value;
    out += '\x1f';
  }
  return out;
}

// The subject of a result: comparisons and logic carry the measured value; arithmetic makes a
// new one.
double Subject(Tok op, const Sample* left, const Sample* right, double value) {
  if (IsComparison(op) || op == Tok::kAnd) return left ? left->subject : right->subject;
  if (op == Tok::kOr) {
    if (left && Truthy(left->value)) return left->subject;
    return right ? right->subject : left->subject;
  }
  return value;
}

Value EvalBinary(const Node& node, const EvalContext& c) {
  Value a = Eval(*node.args[0], c);
  Value b = Eval(*node.args[1], c);
  const Tok op = node.op;
  Value out;
  if (a.scalar && b.scalar) {
    out.scalar = true;
    out.number = Apply(op, a.number, b.number);
    return out;
  }
  if (a.scalar || b.scalar) {
    const bool left_scalar = a.scalar;
    Value& vec = left_scalar ? b : a;
    const double k = left_scalar ? a.number : b.number;
    // Comparisons and logic keep the vector's measured value as the subject; arithmetic
    // makes a new one.
    const bool keeps_subject = IsComparison(op) || op == Tok::kAnd || op == Tok::kOr;
    for (Sample& s : vec.samples) {
      s.value = left_scalar ? Apply(op, k, s.value) : Apply(op, s.value, k);
      if (!keeps_subject) s.subject = s.value;
    }
    return std::move(vec);
  }
  // Vector with vector: one-to-one on identical label sets.
  std::unordered_map<std::string, size_t> right_index;
  for (size_t i = 0; i < b.samples.size(); ++i)
    right_index.emplace(MatchKey(b.samples[i].labels), i);
  std::vector<bool> right_used(b.samples.size(), false);
  for (Sample& l : a.samples) {
    auto it = right_index.find(MatchKey(l.labels));
    if (it == right_index.end()) {
      if (op == Tok::kOr) out.samples.push_back(std::move(l));
      continue;
    }
    right_used[it->second] = true;
    const Sample& r = b.samples[it->second];
    const double v = Apply(op, l.value, r.value);
    l.subject = Subject(op, &l, &r, v);
    l.value = v;
    if (l.note.empty()) l.note = r.note;
    out.samples.push_back(std::move(l));
  }
  if (op == Tok::kOr) {
    for (size_t i = 0; i < b.samples.size(); ++i) {
      if (!right_used[i]) out.samples.push_back(std::move(b.samples[i]));
    }
  }
  return out;
}

Value Eval(const Node& node, const EvalContext& c) {
  switch (node.kind) {
    case NodeKind::kNumber: {
      Value v;
      v.scalar = true;
      v.number = node.number;
      return v;
    }
    case NodeKind::kString: {
      Value v;
      v.scalar = true;
      v.number = kNaN;
      return v;
    }
    case NodeKind::kSelector:
      return EvalSelector(node, c);
    case NodeKind::kNegate: {
      Value v = Eval(*node.args[0], c);
      if (v.scalar) {
        v.number = -v.number;
      } else {
        for (Sample& s : v.samples) {
          s.value = -s.value;
          s.subject = s.value;
        }
      }
      return v;
    }
    case NodeKind::kNot: {
      Value v = Eval(*node.args[0], c);
      if (v.scalar) {
        v.number = Truthy(v.number) ? 0 : 1;
      } else {
        for (Sample& s : v.samples)
          s.value = Truthy(s.value) ? 0 : 1;
      }
      return v;
    }
    case NodeKind::kBinary:
      return EvalBinary(node, c);
    case NodeKind::kCall:
      return node.function->eval(node, c);
  }
  return {};
}

// --- Parser ------------------------------------------------------------------------------

constexpr size_t kFramesPerLevel = 10;
constexpr size_t kMaxFrames = (kMaxExpressionDepth + 2) * kFramesPerLevel;

std::string DepthMessage() {
  return fmt::format("the expression nests deeper than {} levels", kMaxExpressionDepth);
}

// The depth of the tree under `n` (1 for a leaf), and the offset of its deepest node.
size_t TreeDepth(const Node& n, size_t& deepest_offset) {
  size_t depth = 0;
  size_t offset = n.offset;
  for (const auto& arg : n.args) {
    size_t child_offset = 0;
    const size_t d = TreeDepth(*arg, child_offset);
    if (d > depth) {
      depth = d;
      offset = child_offset;
    }
  }
  deepest_offset = offset;
  return depth + 1;
}

std::string_view MatcherSymbol(MatchOp op) {
  switch (op) {
    case MatchOp::kEqual:
      return "=";
    case MatchOp::kNotEqual:
      return "!=";
    case MatchOp::kGlob:
      return "=~";
    case MatchOp::kNotGlob:
      return "!~";
  }
  return "";
}

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text), lexer_(text) {}

  std::unique_ptr<Node> ParseAll() {
    if (!Advance()) return nullptr;
    if (token_.kind == Tok::kEnd) {
      Fail(token_.offset, "expected an expression, got an empty text");
      return nullptr;
    }
    auto root = ParseOr(0);
    if (!root) return nullptr;
    if (token_.kind != Tok::kEnd) {
      Fail(token_.offset, fmt::format("expected an operator or the end of the expression, got {}",
                                      Describe(token_, text_)));
      return nullptr;
    }
    return root;
  }

  const ParseFailure& failure() const { return failure_; }

 private:
  bool Advance() {
    std::optional<Token> t = lexer_.Next(failure_);
    if (!t) {
      failed_ = true;
      return false;
    }
    token_ = std::move(*t);
    return true;
  }

  void Fail(size_t offset, std::string message) {
    if (failed_) return;
    failed_ = true;
    failure_ = {offset, std::move(message)};
  }

  // The guard on the parser's recursion: enough frames for kMaxExpressionDepth levels of
  // the tree written fully parenthesised (one level costs at most kFramesPerLevel frames),
  // so the canonical form of anything accepted parses again. The tree's depth is checked
  // after parsing (TreeDepth).
  bool Deeper(size_t depth) {
    if (depth < kMaxFrames) return true;
    Fail(token_.offset, DepthMessage());
    return false;
  }

  std::unique_ptr<Node> MakeBinary(Tok op, size_t offset, std::unique_ptr<Node> l,
                                   std::unique_ptr<Node> r) {
    auto n = std::make_unique<Node>();
    n->kind = NodeKind::kBinary;
    n->op = op;
    n->offset = offset;
    n->args.push_back(std::move(l));
    n->args.push_back(std::move(r));
    return n;
  }

  // Operand after a binary operator: "expected <what> after '<op>', got ...".
  std::unique_ptr<Node> Operand(std::unique_ptr<Node> (Parser::*parse)(size_t), size_t depth,
                                const Token& op) {
    if (token_.kind == Tok::kEnd) {
      Fail(token_.offset, fmt::format("expected an operand after '{}', got end of expression",
                                      TokSymbol(op.kind)));
      return nullptr;
    }
    return (this->*parse)(depth + 1);
  }

  std::unique_ptr<Node> ParseOr(size_t depth) {
    if (!Deeper(depth)) return nullptr;
    auto left = ParseAnd(depth + 1);
    while (left && token_.kind == Tok::kOr) {
      const Token op = token_;
      if (!Advance()) return nullptr;
      auto right = Operand(&Parser::ParseAnd, depth, op);
      if (!right) return nullptr;
      left = MakeBinary(op.kind, op.offset, std::move(left), std::move(right));
    }
    return left;
  }

  std::unique_ptr<Node> ParseAnd(size_t depth) {
    if (!Deeper(depth)) return nullptr;
    auto left = ParseNot(depth + 1);
    while (left && token_.kind == Tok::kAnd) {
      const Token op = token_;
      if (!Advance()) return nullptr;
      auto right = Operand(&Parser::ParseNot, depth, op);
      if (!right) return nullptr;
      left = MakeBinary(op.kind, op.offset, std::move(left), std::move(right));
    }
    return left;
  }

  std::unique_ptr<Node> ParseNot(size_t depth) {
    if (!Deeper(depth)) return nullptr;
    if (token_.kind == Tok::kNot) {
      const Token op = token_;
      if (!Advance()) return nullptr;
      auto operand = Operand(&Parser::ParseNot, depth, op);
      if (!operand) return nullptr;
      auto n = std::make_unique<Node>();
      n->kind = NodeKind::kNot;
      n->offset = op.offset;
      n->args.push_back(std::move(operand));
      return n;
    }
    return ParseComparison(depth + 1);
  }

  std::unique_ptr<Node> ParseComparison(size_t depth) {
    if (!Deeper(depth)) return nullptr;
    auto left = ParseSum(depth + 1);
    if (left && IsComparison(token_.kind)) {
      const Token op = token_;
      if (!Advance()) return nullptr;
      auto right = Operand(&Parser::ParseSum, depth, op);
      if (!right) return nullptr;
      left = MakeBinary(op.kind, op.offset, std::move(left), std::move(right));
      if (IsComparison(token_.kind)) {
        Fail(token_.offset, fmt::format("comparisons do not chain: '{}' after a comparison "
                                        "(join them with 'and')",
                                        TokSymbol(token_.kind)));
        return nullptr;
      }
    }
    return left;
  }

  std::unique_ptr<Node> ParseSum(size_t depth) {
    if (!Deeper(depth)) return nullptr;
    auto left = ParseTerm(depth + 1);
    while (left && (token_.kind == Tok::kPlus || token_.kind == Tok::kMinus)) {
      const Token op = token_;
      if (!Advance()) return nullptr;
      auto right = Operand(&Parser::ParseTerm, depth, op);
      if (!right) return nullptr;
      left = MakeBinary(op.kind, op.offset, std::move(left), std::move(right));
    }
    return left;
  }

  std::unique_ptr<Node> ParseTerm(size_t depth) {
    if (!Deeper(depth)) return nullptr;
    auto left = ParseUnary(depth + 1);
    while (left && (token_.kind == Tok::kStar || token_.kind == Tok::kSlash)) {
      const Token op = token_;
      if (!Advance()) return nullptr;
      auto right = Operand(&Parser::ParseUnary, depth, op);
      if (!right) return nullptr;
      left = MakeBinary(op.kind, op.offset, std::move(left), std::move(right));
    }
    return left;
  }

  std::unique_ptr<Node> ParseUnary(size_t depth) {
    if (!Deeper(depth)) return nullptr;
    if (token_.kind == Tok::kMinus) {
      const Token op = token_;
      if (!Advance()) return nullptr;
      auto operand = Operand(&Parser::ParseUnary, depth, op);
      if (!operand) return nullptr;
      auto n = std::make_unique<Node>();
      n->kind = NodeKind::kNegate;
      n->offset = op.offset;
      n->args.push_back(std::move(operand));
      return n;
    }
    return ParsePrimary(depth + 1);
  }

  std::unique_ptr<Node> ParsePrimary(size_t depth) {
    if (!Deeper(depth)) return nullptr;
    auto n = std::make_unique<Node>();
    n->offset = token_.offset;
    switch (token_.kind) {
      case Tok::kNumber:
        n->kind = NodeKind::kNumber;
        n->number = token_.number;
        if (!Advance()) return nullptr;
        return n;
      case Tok::kString:
        Fail(token_.offset, fmt::format("a string ({}) is only allowed as a function's label "
                                        "argument or in a label matcher",
                                        Describe(token_, text_)));
        return nullptr;
      case Tok::kLParen: {
        if (!Advance()) return nullptr;
        auto inner = ParseOr(depth + 1);
        if (!inner) return nullptr;
        if (token_.kind != Tok::kRParen) {
          Fail(token_.offset,
               fmt::format("expected ')' to close '(', got {}", Describe(token_, text_)));
          return nullptr;
        }
        if (!Advance()) return nullptr;
        return inner;
      }
      case Tok::kName:
        return ParseNameOrCall(depth);
      case Tok::kLBrace:  // a selector of any metric: {measurement="temp"}
        n->kind = NodeKind::kSelector;
        if (!ParseMatchers(n->selector)) return nullptr;
        return n;
      case Tok::kEnd:
        Fail(token_.offset, "expected an operand, got end of expression");
        return nullptr;
      default:
        Fail(token_.offset, fmt::format("expected a number, a metric, a function call or '(', "
                                        "got {}",
                                        Describe(token_, text_)));
        return nullptr;
    }
  }

  std::unique_ptr<Node> ParseNameOrCall(size_t depth) {
    const Token name = token_;
    if (!Advance()) return nullptr;
    if (token_.kind == Tok::kLParen) return ParseCall(name, depth);
    auto n = std::make_unique<Node>();
    n->kind = NodeKind::kSelector;
    n->offset = name.offset;
    n->selector.metric = name.text;
    if (token_.kind == Tok::kLBrace && !ParseMatchers(n->selector)) return nullptr;
    return n;
  }

  bool ParseMatchers(Selector& selector) {
    if (!Advance()) return false;
    while (token_.kind != Tok::kRBrace) {
      if (token_.kind != Tok::kName) {
        Fail(token_.offset,
             fmt::format("expected a label name or '}}' in a selector's matchers, got {}",
                         Describe(token_, text_)));
        return false;
      }
      Matcher m;
      m.label = token_.text;
      if (!Advance()) return false;
      switch (token_.kind) {
        case Tok::kAssign:
          m.op = MatchOp::kEqual;
          break;
        case Tok::kNe:
          m.op = MatchOp::kNotEqual;
          break;
        case Tok::kMatch:
          m.op = MatchOp::kGlob;
          break;
        case Tok::kNoMatch:
          m.op = MatchOp::kNotGlob;
          break;
        default:
          Fail(token_.offset, fmt::format("expected a matcher operator (=, !=, =~, !~) after "
                                          "label \"{}\", got {}",
                                          m.label, Describe(token_, text_)));
          return false;
      }
      if (!Advance()) return false;
      if (token_.kind != Tok::kString) {
        Fail(token_.offset, fmt::format("expected a quoted string after \"{}\" {}, got {}", m.label,
                                        MatcherSymbol(m.op), Describe(token_, text_)));
        return false;
      }
      m.value = token_.text;
      selector.matchers.push_back(std::move(m));
      if (!Advance()) return false;
      if (token_.kind == Tok::kComma) {
        if (!Advance()) return false;
        continue;
      }
      if (token_.kind != Tok::kRBrace) {
        Fail(token_.offset,
             fmt::format("expected ',' or '}}' to close '{{', got {}", Describe(token_, text_)));
        return false;
      }
    }
    return Advance();
  }

  std::unique_ptr<Node> ParseCall(const Token& name, size_t depth) {
    const FunctionSpec* f = FindFunction(name.text);
    if (f == nullptr) {
      std::string message = fmt::format("unknown function \"{}\"", name.text);
      const std::vector<std::string_view> names = FunctionNames();
      size_t best = std::string::npos;
      std::string_view nearest;
      for (std::string_view candidate : names) {
        const size_t d = EditDistance(name.text, candidate);
        if (d < best) {
          best = d;
          nearest = candidate;
        }
      }
      if (best <= 2) message += fmt::format("; did you mean \"{}\"?", nearest);
      Fail(name.offset, std::move(message));
      return nullptr;
    }
    if (!Advance()) return nullptr;
    auto n = std::make_unique<Node>();
    n->kind = NodeKind::kCall;
    n->offset = name.offset;
    n->function = f;
    while (token_.kind != Tok::kRParen) {
      if (n->args.size() >= f->args.size() || n->args.size() >= kMaxArguments) {
        Fail(token_.offset, fmt::format("too many arguments: {} takes {}", f->summary,
                                        Plural(Required(*f), Optional(*f))));
        return nullptr;
      }
      const ArgKind kind = f->args[n->args.size()];
      if (kind == ArgKind::kString || kind == ArgKind::kOptionalString) {
        if (token_.kind != Tok::kString) {
          Fail(token_.offset, fmt::format("expected a quoted string as argument {} of {}, got {}",
                                          n->args.size() + 1, f->summary, Describe(token_, text_)));
          return nullptr;
        }
        auto s = std::make_unique<Node>();
        s->kind = NodeKind::kString;
        s->offset = token_.offset;
        s->text = token_.text;
        n->args.push_back(std::move(s));
        if (!Advance()) return nullptr;
      } else {
        const size_t at = token_.offset;
        if (token_.kind == Tok::kEnd) {
          Fail(at, fmt::format("expected an argument of {}, got end of expression", f->summary));
          return nullptr;
        }
        auto arg = ParseOr(depth + 1);
        if (!arg) return nullptr;
        if (kind == ArgKind::kSelector && arg->kind != NodeKind::kSelector) {
          Fail(at, fmt::format("{} takes a metric selector such as temperature{{rack=\"r01\"}}, "
                               "not an expression",
                               f->summary));
          return nullptr;
        }
        n->args.push_back(std::move(arg));
      }
      if (token_.kind == Tok::kComma) {
        if (!Advance()) return nullptr;
        if (token_.kind == Tok::kRParen) {
          Fail(token_.offset, fmt::format("expected an argument after ',', got ')'"));
          return nullptr;
        }
        continue;
      }
      if (token_.kind != Tok::kRParen) {
        Fail(token_.offset, fmt::format("expected ',' or ')' to close the arguments of {}, got {}",
                                        f->summary, Describe(token_, text_)));
        return nullptr;
      }
    }
    if (n->args.size() < Required(*f)) {
      Fail(token_.offset, fmt::format("too few arguments: {} takes {}", f->summary,
                                      Plural(Required(*f), Optional(*f))));
      return nullptr;
    }
    if (!Advance()) return nullptr;
    return n;
  }

  static size_t Required(const FunctionSpec& f) {
    return static_cast<size_t>(std::count_if(
        f.args.begin(), f.args.end(), [](ArgKind k) { return k != ArgKind::kOptionalString; }));
  }
  static size_t Optional(const FunctionSpec& f) { return f.args.size() - Required(f); }
  static std::string Plural(size_t required, size_t optional) {
    if (optional > 0) return fmt::format("{} or {} arguments", required, required + optional);
    return fmt::format("{} argument{}", required, required == 1 ? "" : "s");
  }
  static size_t EditDistance(std::string_view a, std::string_view b) {
    std::vector<size_t> row(b.size() + 1);
    for (size_t j = 0; j <= b.size(); ++j)
      row[j] = j;
    for (size_t i = 1; i <= a.size(); ++i) {
      size_t diagonal = row[0];
      row[0] = i;
      for (size_t j = 1; j <= b.size(); ++j) {
        const size_t up = row[j];
        row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
        diagonal = up;
      }
    }
    return row[b.size()];
  }

  std::string_view text_;
  Lexer lexer_;
  Token token_;
  bool failed_ = false;
  ParseFailure failure_{0, ""};
};

// --- Printing ----------------------------------------------------------------------------

std::string Quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out.push_back('\\');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

std::string Print(const Node& n) {
  switch (n.kind) {
    case NodeKind::kNumber:
      return fmt::format("{}", n.number);
    case NodeKind::kString:
      return Quote(n.text);
    case NodeKind::kSelector: {
      std::string out = n.selector.metric;
      if (!n.selector.matchers.empty() || n.selector.metric.empty()) {
        out += '{';
        for (size_t i = 0; i < n.selector.matchers.size(); ++i) {
          const Matcher& m = n.selector.matchers[i];
          if (i > 0) out += ',';
          out += m.label;
          out += MatcherSymbol(m.op);
          out += Quote(m.value);
        }
        out += '}';
      }
      return out;
    }
    case NodeKind::kNegate:
      return "(-" + Print(*n.args[0]) + ")";
    case NodeKind::kNot:
      return "(not " + Print(*n.args[0]) + ")";
    case NodeKind::kBinary:
      return fmt::format("({} {} {})", Print(*n.args[0]), TokSymbol(n.op), Print(*n.args[1]));
    case NodeKind::kCall: {
      std::string out = std::string(n.function->name) + "(";
      for (size_t i = 0; i < n.args.size(); ++i) {
        if (i > 0) out += ", ";
        out += Print(*n.args[i]);
      }
      return out + ")";
    }
  }
  return "";
}

}  // namespace

// --- Public ------------------------------------------------------------------------------

std::string_view LabelValue(const Labels& labels, std::string_view key) {
  for (const reading::Tag& t : labels) {
    if (t.key == key) return t.value;
  }
  return {};
}

void SetLabel(Labels& labels, std::string_view key, std::string_view value) {
  auto it = std::lower_bound(labels.begin(), labels.end(), key,
                             [](const reading::Tag& t, std::string_view k) { return t.key < k; });
  if (it != labels.end() && it->key == key) {
    it->value = std::string(value);
    return;
  }
  labels.insert(it, reading::Tag{std::string(key), std::string(value)});
}

std::string FormatLabels(const Labels& labels) {
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i > 0) out += ',';
    out += labels[i].key;
    out += '=';
    out += Quote(labels[i].value);
  }
  return out + "}";
}

bool Truthy(double v) {
  return v != 0 && !std::isnan(v);
}

std::unordered_map<std::string, std::vector<uint32_t>> BuildMetricIndex(
    const live::Snapshot& snapshot) {
  std::unordered_map<std::string, std::vector<uint32_t>> index;
  for (size_t i = 0; i < snapshot.series_count(); ++i)
    index[snapshot.info(i).metric].push_back(static_cast<uint32_t>(i));
  return index;
}

Expression::Expression(std::unique_ptr<Node> root, std::string text)
    : root_(std::move(root)), text_(std::move(text)) {}
Expression::Expression(Expression&&) noexcept = default;
Expression& Expression::operator=(Expression&&) noexcept = default;
Expression::~Expression() = default;

Value Expression::Evaluate(const EvalContext& context) const {
  return Eval(*root_, context);
}

std::string Expression::ToString() const {
  return Print(*root_);
}

Result<Expression> ParseExpression(std::string_view text, ExprError* error) {
  ExprError e;
  std::unique_ptr<Node> root;
  if (text.size() > kMaxExpressionBytes) {
    e.message = fmt::format("the expression is {} bytes long; the limit is {}", text.size(),
                            kMaxExpressionBytes);
  } else {
    Parser parser(text);
    root = parser.ParseAll();
    if (!root) {
      e.offset = parser.failure().offset;
      e.message = parser.failure().message;
    } else if (size_t deepest = 0; TreeDepth(*root, deepest) > kMaxExpressionDepth) {
      root.reset();
      e.offset = deepest;
      e.message = DepthMessage();
    }
  }
  if (root) return Expression(std::move(root), std::string(text));
  reading::LocateOffset(text, e.offset, e.line, e.column);
  Status status =
      InvalidArgument(fmt::format("line {}, column {}: {}", e.line, e.column, e.message));
  if (error != nullptr) *error = std::move(e);
  return status;
}

std::vector<std::string_view> FunctionNames() {
  std::vector<std::string_view> names;
  for (const FunctionSpec& f : Functions())
    names.push_back(f.name);
  return names;
}

}  // namespace coolflow::hub::alerts
