// InfluxQL text for the store's queries: quoting of identifiers and string literals, and the
// statements the InfluxDB adapter sends. Pure functions, no I/O.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "reading/reading.h"
#include "store/store.h"

namespace coolflow::store::influxql {

// "name" with `\`, `"` and a newline escaped as InfluxQL's scanner reads them back.
std::string QuoteIdentifier(std::string_view name);
// 'text' with `\`, `'` and a newline escaped likewise.
std::string QuoteString(std::string_view text);

// "mean", "min", "max", "count", "last", "sum".
std::string_view FunctionName(AggregateFunction function);

// The largest multiple of step (> 0) that is <= t, negative times included.
TimeNs AlignDown(TimeNs t, TimeNs step);

// ` WHERE time >= from AND time < to AND "k"::tag = 'v' ...`, or the tag part alone (with
// WHERE, or "" when there is none) when with_time is false. A tag with an empty value
// matches series without that tag, as in store.h.
std::string WhereClause(const std::vector<reading::Tag>& tags, bool with_time, TimeNs from,
                        TimeNs to);

// SELECT last("field") FROM "m" [WHERE tags] GROUP BY *
std::string LastStatement(const Selector& selector, std::string_view field);
// SELECT "field" FROM "m" WHERE time and tags GROUP BY *
std::string RangeStatement(const Selector& selector, std::string_view field, TimeNs from,
                           TimeNs to);
// SELECT <fn>("field") AS "value", count("field") AS "count" FROM "m" WHERE time and tags
// GROUP BY time(<step>ns), <group_by tags or *> fill(none). `from` must already be aligned.
std::string AggregateStatement(const AggregateQuery& query, std::string_view field,
                               TimeNs aligned_from);
// SHOW FIELD KEYS FROM "m"
std::string FieldKeysStatement(std::string_view measurement);

}  // namespace coolflow::store::influxql
