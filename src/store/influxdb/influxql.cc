#include "store/influxdb/influxql.h"

#include "fmt/format.h"

namespace coolflow::store::influxql {
namespace {

std::string Quote(std::string_view text, char quote) {
  std::string out;
  out.reserve(text.size() + 2);
  out += quote;
  for (const char c : text) {
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    if (c == '\\' || c == quote) out += '\\';
    out += c;
  }
  out += quote;
  return out;
}

}  // namespace

std::string QuoteIdentifier(std::string_view name) {
  return Quote(name, '"');
}

std::string QuoteString(std::string_view text) {
  return Quote(text, '\'');
}

std::string_view FunctionName(AggregateFunction function) {
  switch (function) {
    case AggregateFunction::kMean:
      return "mean";
    case AggregateFunction::kMin:
      return "min";
    case AggregateFunction::kMax:
      return "max";
    case AggregateFunction::kCount:
      return "count";
    case AggregateFunction::kLast:
      return "last";
    case AggregateFunction::kSum:
      return "sum";
  }
  return "mean";
}

TimeNs AlignDown(TimeNs t, TimeNs step) {
  TimeNs remainder = t % step;
  if (remainder < 0) remainder += step;
  return t - remainder;
}

std::string WhereClause(const std::vector<reading::Tag>& tags, bool with_time, TimeNs from,
                        TimeNs to) {
  std::string out;
  const char* joiner = " WHERE ";
  if (with_time) {
    out += fmt::format("{}time >= {} AND time < {}", joiner, from, to);
    joiner = " AND ";
  }
  for (const reading::Tag& tag : tags) {
    // ::tag: a field of the same name must not be compared instead.
    out += fmt::format("{}{}::tag = {}", joiner, QuoteIdentifier(tag.key), QuoteString(tag.value));
    joiner = " AND ";
  }
  return out;
}

std::string LastStatement(const Selector& selector, std::string_view field) {
  return fmt::format("SELECT last({}) FROM {}{} GROUP BY *", QuoteIdentifier(field),
                     QuoteIdentifier(selector.measurement),
                     WhereClause(selector.tags, false, 0, 0));
}

std::string RangeStatement(const Selector& selector, std::string_view field, TimeNs from,
                           TimeNs to) {
  return fmt::format("SELECT {} FROM {}{} GROUP BY *", QuoteIdentifier(field),
                     QuoteIdentifier(selector.measurement),
                     WhereClause(selector.tags, true, from, to));
}

std::string AggregateStatement(const AggregateQuery& query, std::string_view field,
                               TimeNs aligned_from) {
  std::string group = "*";
  if (!query.group_by.empty()) {
    group.clear();
    for (const std::string& key : query.group_by) {
      if (!group.empty()) group += ',';
      group += QuoteIdentifier(key);
    }
  }
  const std::string quoted_field = QuoteIdentifier(field);
  return fmt::format(
      "SELECT {fn}({f}) AS \"value\", count({f}) AS \"count\" FROM {m}{where} "
      "GROUP BY time({step}ns),{group} fill(none)",
      fmt::arg("fn", FunctionName(query.function)), fmt::arg("f", quoted_field),
      fmt::arg("m", QuoteIdentifier(query.selector.measurement)),
      fmt::arg("where", WhereClause(query.selector.tags, true, aligned_from, query.to)),
      fmt::arg("step", query.step), fmt::arg("group", group));
}

std::string FieldKeysStatement(std::string_view measurement) {
  return "SHOW FIELD KEYS FROM " + QuoteIdentifier(measurement);
}

}  // namespace coolflow::store::influxql
