#include "hub/alerts/expression.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "alerts_test_util.h"

namespace coolflow::hub::alerts {
namespace {

using namespace testing;

std::string ParseError(std::string_view text) {
  Result<Expression> e = ParseExpression(text);
  if (e.ok()) return "parsed as " + e->ToString();
  return e.status().message();
}

std::string Canonical(std::string_view text) {
  Result<Expression> e = ParseExpression(text);
  if (!e.ok()) return "error: " + e.status().message();
  return e->ToString();
}

TEST(ExpressionParseTest, PrecedenceAndCanonicalForm) {
  EXPECT_EQ(Canonical("temperature > 25"), "(temperature > 25)");
  EXPECT_EQ(Canonical("a + b * c - -d / 2"), "((a + (b * c)) - ((-d) / 2))");
  EXPECT_EQ(Canonical("not a > 1 and b < 2 or c == 3"),
            "(((not (a > 1)) and (b < 2)) or (c == 3))");
  EXPECT_EQ(Canonical(R"(temperature{rack="r01", box!="pi-9", zone=~"z*", id!~"x?"} >= 1e1)"),
            R"((temperature{rack="r01",box!="pi-9",zone=~"z*",id!~"x?"} >= 10))");
  EXPECT_EQ(Canonical("age(temperature) > 5m"), "(age(temperature) > 300)");
  EXPECT_EQ(Canonical("unchanged_for({measurement=\"temp\"}) >= 1.5h"),
            "(unchanged_for({measurement=\"temp\"}) >= 5400)");
  EXPECT_EQ(Canonical("avg(temperature, \"rack\") > 250ms"), "(avg(temperature, \"rack\") > 0.25)");
  EXPECT_EQ(Canonical("offline()"), "offline()");
  EXPECT_EQ(Canonical("stale({})"), "stale({})");
  EXPECT_EQ(Canonical(R"(condition("ac\"x\\"))"), R"(condition("ac\"x\\"))");
  // The canonical form parses back to itself.
  const std::string once = Canonical("rate(temperature) > 1 and not (x < 2 or y != 3)");
  EXPECT_EQ(Canonical(once), once);
}

TEST(ExpressionParseTest, ErrorsSayWhereAndWhatWasExpected) {
  EXPECT_EQ(ParseError(""), "line 1, column 1: expected an expression, got an empty text");
  EXPECT_EQ(ParseError("temperature >"),
            "line 1, column 14: expected an operand after '>', got end of expression");
  EXPECT_EQ(ParseError("(temperature > 25"),
            "line 1, column 18: expected ')' to close '(', got end of expression");
  EXPECT_EQ(ParseError("temperature > 25 25"),
            "line 1, column 18: expected an operator or the end of the expression, got number 25");
  EXPECT_EQ(ParseError("1 < 2 < 3"),
            "line 1, column 7: comparisons do not chain: '<' after a comparison (join them with "
            "'and')");
  EXPECT_EQ(ParseError("temprature{rack=\"r01\" > 1"),
            "line 1, column 23: expected ',' or '}' to close '{', got '>'");
  EXPECT_EQ(ParseError("temperature{rack: \"r01\"}"),
            "line 1, column 17: unexpected character ':'");
  EXPECT_EQ(ParseError("temperature{rack=r01}"),
            "line 1, column 18: expected a quoted string after \"rack\" =, got name \"r01\"");
  EXPECT_EQ(ParseError("temperature{rack>\"r01\"}"),
            "line 1, column 17: expected a matcher operator (=, !=, =~, !~) after label "
            "\"rack\", got '>'");
  EXPECT_EQ(ParseError("rates(temperature) > 1"),
            "line 1, column 1: unknown function \"rates\"; did you mean \"rate\"?");
  EXPECT_EQ(ParseError("frobnicate(x)"), "line 1, column 1: unknown function \"frobnicate\"");
  EXPECT_EQ(ParseError("rate(temperature + 1)"),
            "line 1, column 6: rate(selector) takes a metric selector such as "
            "temperature{rack=\"r01\"}, not an expression");
  EXPECT_EQ(ParseError("rate(temperature, humidity)"),
            "line 1, column 19: too many arguments: rate(selector) takes 1 argument");
  EXPECT_EQ(ParseError("rate()"),
            "line 1, column 6: too few arguments: rate(selector) takes 1 argument");
  EXPECT_EQ(ParseError("avg(x, rack)"),
            "line 1, column 8: expected a quoted string as argument 2 of avg(value[, "
            "\"label\"]), got name \"rack\"");
  EXPECT_EQ(ParseError("condition(\"ac)"),
            "line 1, column 11: unterminated string: expected a closing '\"'");
  EXPECT_EQ(ParseError("x > 5parsecs"),
            "line 1, column 6: unknown unit \"parsecs\" after a number (durations take ms, s, m, "
            "h or d)");
  EXPECT_EQ(ParseError("x ! y"), "line 1, column 3: unexpected '!' (write != or !~, or 'not')");
  EXPECT_EQ(ParseError("x > 1e999"), "line 1, column 5: number 1e999 is out of range");
  EXPECT_EQ(ParseError("\"r01\""),
            "line 1, column 1: a string (string \"r01\") is only allowed as a function's label "
            "argument or in a label matcher");
  EXPECT_EQ(ParseError("x > 1 "), "parsed as (x > 1)");
  EXPECT_EQ(ParseError("x >   "),
            "line 1, column 4: expected an operand after '>', got end of expression");
  EXPECT_EQ(ParseError("f(x"), "line 1, column 1: unknown function \"f\"");
  EXPECT_EQ(ParseError("rate(x"),
            "line 1, column 7: expected ',' or ')' to close the arguments of rate(selector), got "
            "end of expression");
  EXPECT_EQ(
      ParseError("x{1}"),
      "line 1, column 3: expected a label name or '}' in a selector's matchers, got number 1");
  EXPECT_EQ(ParseError("x >\n  (y +\n   )"),
            "line 3, column 4: expected a number, a metric, a function call or '(', got ')'");
  EXPECT_EQ(ParseError(std::string(50, '(') + "x" + std::string(50, ')')), "parsed as x");
  EXPECT_EQ(ParseError(std::string(1000, '(') + "x" + std::string(1000, ')')),
            "line 1, column 83: the expression nests deeper than 64 levels");
  std::string deep = "x";
  for (int i = 0; i < 64; ++i)
    deep = "-" + deep;
  EXPECT_EQ(ParseError(deep), "line 1, column 65: the expression nests deeper than 64 levels");
  EXPECT_EQ(Canonical(deep.substr(1)), Canonical(Canonical(deep.substr(1))))
      << "the canonical form of the deepest accepted expression parses again";
  EXPECT_EQ(ParseError(std::string(5000, 'x')),
            "line 1, column 1: the expression is 5000 bytes long; the limit is 4096");
}

TEST(ExpressionParseTest, ErrorPositionIsReportedStructurally) {
  ExprError error;
  EXPECT_FALSE(ParseExpression("a and\n  b >", &error).ok());
  EXPECT_EQ(error.line, 2u);
  EXPECT_EQ(error.column, 6u);
  EXPECT_EQ(error.offset, 11u);
  EXPECT_EQ(error.message, "expected an operand after '>', got end of expression");
}

class ExpressionEvalTest : public ::testing::Test {
 protected:
  ExpressionEvalTest() : state_(Immediate()) {}

  void SetUp() override {
    std::vector<reading::Reading> batch;
    for (int k = 0; k <= 6; ++k) {
      const TimeNs t = kT0 + k * 10 * kSecond;
      batch.push_back(Temp("pi-1", "r01", t, 20.0 + k));  // rising 6 degC/min
      batch.push_back(Temp("pi-2", "r02", t, 24.0));
      batch.push_back(Temp("pi-3", "r03", t, 31.0));
      batch.push_back(Make("pi-1", "temp", "humidity", {{"rack", "r01"}}, t, 70.0));
      batch.push_back(Make("pi-2", "temp", "humidity", {{"rack", "r02"}}, t, 40.0));
    }
    state_.Apply(batch, kT0 + 60 * kSecond);
    snapshot_ = state_.snapshot();
  }

  Value Eval(std::string_view text, TimeNs now = kT0 + 60 * kSecond) {
    Result<Expression> e = ParseExpression(text);
    EXPECT_TRUE(e.ok()) << e.status().message();
    if (!e.ok()) return {};
    EvalContext c;
    c.snapshot = snapshot_.get();
    c.now = now;
    c.conditions = conditions_;
    return e->Evaluate(c);
  }

  // box -> (value, subject) of the truthy samples.
  std::map<std::string, std::pair<double, double>> Holding(std::string_view text) {
    std::map<std::string, std::pair<double, double>> out;
    for (const Sample& s : Eval(text).samples) {
      if (Truthy(s.value)) out[std::string(LabelValue(s.labels, "box"))] = {s.value, s.subject};
    }
    return out;
  }

  live::LiveState state_;
  std::shared_ptr<const live::Snapshot> snapshot_;
  std::vector<Condition> conditions_;
};

TEST_F(ExpressionEvalTest, ComparisonKeepsEverySampleAndCarriesTheMeasuredValue) {
  Value v = Eval("temperature > 25");
  ASSERT_FALSE(v.scalar);
  EXPECT_EQ(v.samples.size(), 3u);
  auto holding = Holding("temperature > 25");
  ASSERT_EQ(holding.size(), 2u);
  EXPECT_EQ(holding["pi-1"], std::make_pair(1.0, 26.0));
  EXPECT_EQ(holding["pi-3"], std::make_pair(1.0, 31.0));
  // A scalar on the left still talks about the vector's value.
  EXPECT_EQ(Holding("25 < temperature")["pi-3"], std::make_pair(1.0, 31.0));
}

TEST_F(ExpressionEvalTest, MatchersSelectSeries) {
  EXPECT_EQ(Holding(R"(temperature{rack="r02"} > 0)").size(), 1u);
  EXPECT_EQ(Holding(R"(temperature{rack!="r02"} > 0)").size(), 2u);
  EXPECT_EQ(Holding(R"(temperature{rack=~"r0[13]"} > 0)").size(), 0u) << "globs, not regexes";
  EXPECT_EQ(Holding(R"(temperature{rack=~"r0*", box!~"*-3"} > 0)").size(), 2u);
  EXPECT_EQ(Holding(R"(temperature{zone=""} > 0)").size(), 3u) << "absent labels are empty";
  EXPECT_EQ(Eval(R"({box="pi-1"})").samples.size(), 2u) << "any metric";
}

TEST_F(ExpressionEvalTest, LogicJoinsOnLabelsOtherThanTheMetric) {
  auto holding = Holding("temperature > 25 and humidity > 60");
  ASSERT_EQ(holding.size(), 1u);
  EXPECT_EQ(holding["pi-1"].second, 26.0);
  EXPECT_EQ(Holding("temperature < 18 or temperature > 30").size(), 1u);
  EXPECT_EQ(Holding("not (temperature > 25)").size(), 1u);
  EXPECT_EQ(Holding("temperature > 25 and 1").size(), 2u);
  EXPECT_EQ(Holding("temperature > 25 and 0").size(), 0u);
}

TEST_F(ExpressionEvalTest, ArithmeticAndScalars) {
  EXPECT_EQ(Holding("temperature - 20 >= 4").size(), 3u);
  Value s = Eval("2 * (3 + 4) / 7");
  ASSERT_TRUE(s.scalar);
  EXPECT_DOUBLE_EQ(s.number, 2.0);
  EXPECT_TRUE(std::isnan(Eval("1 / 0").number));
  EXPECT_FALSE(Truthy(Eval("1 / 0 > 0").number)) << "NaN compares false";
  EXPECT_DOUBLE_EQ(Eval("avg(temperature)").number, (26.0 + 24 + 31) / 3);
  EXPECT_DOUBLE_EQ(Eval("max(temperature)").number, 31.0);
  EXPECT_DOUBLE_EQ(Eval("count(temperature > 25)").number, 3.0);
  EXPECT_DOUBLE_EQ(Eval("sum(humidity)").number, 110.0);
  Value by_rack = Eval("avg(temperature, \"rack\")");
  ASSERT_EQ(by_rack.samples.size(), 3u);
  EXPECT_EQ(by_rack.samples[0].labels, (Labels{{"rack", "r01"}}));
  EXPECT_DOUBLE_EQ(by_rack.samples[0].value, 26.0);
}

TEST_F(ExpressionEvalTest, SeriesFunctions) {
  auto rising = Holding("rate(temperature) > 1");
  ASSERT_EQ(rising.size(), 1u);
  EXPECT_NEAR(rising["pi-1"].second, 6.0, 1e-9);
  // age() and interval() see stale series too; plain selectors do not.
  const TimeNs later = kT0 + 60 * kSecond + 45 * kSecond;
  Value ages = Eval("age(temperature)", later);
  ASSERT_EQ(ages.samples.size(), 3u);
  EXPECT_DOUBLE_EQ(ages.samples[0].value, 45.0);
  EXPECT_DOUBLE_EQ(Eval("interval(temperature)", later).samples[0].value, 10.0);
  EXPECT_EQ(Eval("temperature", later).samples.size(), 0u);
  EXPECT_EQ(Eval("stale(temperature)", later).samples.size(), 3u);
  EXPECT_DOUBLE_EQ(Eval("stale(temperature)", later).samples[0].value, 1.0);
  EXPECT_DOUBLE_EQ(Eval("stale(temperature)").samples[0].value, 0.0);
  // unchanged_for: pi-2 has read 24 since kT0.
  auto stuck = Holding("unchanged_for(temperature) >= 60");
  EXPECT_EQ(stuck.size(), 2u);
  EXPECT_EQ(stuck.count("pi-1"), 0u);
}

TEST_F(ExpressionEvalTest, WindowFunctionsReadRackAndRoomGroups) {
  Value v = Eval(R"(mean_5m(temperature{scope="rack"}))");
  ASSERT_EQ(v.samples.size(), 3u);
  EXPECT_EQ(LabelValue(v.samples[0].labels, "rack"), "r01");
  EXPECT_DOUBLE_EQ(v.samples[0].value, 23.0);
  Value room = Eval(R"(max_1h(temperature{scope="room"}))");
  ASSERT_EQ(room.samples.size(), 1u);
  EXPECT_DOUBLE_EQ(room.samples[0].value, 31.0);
  // The 1-minute window ends with the second of `now` and reaches back 59 s: the reading
  // at kT0 (20) is just out.
  EXPECT_DOUBLE_EQ(Eval(R"(min_1m(temperature{rack="r01"}))").samples[0].value, 21.0);
}

TEST_F(ExpressionEvalTest, NeighbourDeltaAgainstAdjacentRacks) {
  // r01: 26 vs r02 24 -> 2; r02: 24 vs mean(26, 31) -> 4.5; r03: 31 vs 24 -> 7.
  auto far = Holding("neighbour_delta(temperature) > 5");
  ASSERT_EQ(far.size(), 1u);
  EXPECT_DOUBLE_EQ(far["pi-3"].second, 7.0);
  NeighbourMap neighbours = {{"r03", {"r01"}}};
  Result<Expression> e = ParseExpression("neighbour_delta(temperature)");
  EvalContext c;
  c.snapshot = snapshot_.get();
  c.now = kT0 + 60 * kSecond;
  c.neighbours = &neighbours;
  for (const Sample& s : e->Evaluate(c).samples) {
    if (LabelValue(s.labels, "rack") == "r03") {
      EXPECT_DOUBLE_EQ(s.value, 5.0);
    }
  }
}

TEST_F(ExpressionEvalTest, OfflineAndConditions) {
  state_.SetBoxStatus("pi-2", false, kT0 + 30 * kSecond);
  state_.Publish(kT0 + 60 * kSecond);
  snapshot_ = state_.snapshot();
  Value off = Eval("offline()");
  ASSERT_EQ(off.samples.size(), 1u);
  EXPECT_EQ(off.samples[0].labels, (Labels{{"box", "pi-2"}}));
  EXPECT_DOUBLE_EQ(off.samples[0].subject, 30.0);

  conditions_.push_back({"ac_disobeyed", {{"ac", "ac1"}}, "setpoint 22 ignored", kT0});
  conditions_.push_back({"door_open", {}, "", kT0});
  Value c = Eval("condition(\"ac_disobeyed\")");
  ASSERT_EQ(c.samples.size(), 1u);
  EXPECT_EQ(c.samples[0].labels, (Labels{{"ac", "ac1"}, {"condition", "ac_disobeyed"}}));
  EXPECT_EQ(c.samples[0].note, "setpoint 22 ignored");
  EXPECT_EQ(Eval("condition(\"*\")").samples.size(), 2u);
}

TEST(ExpressionEvalNoSnapshotTest, EmptyContextYieldsNothing) {
  Result<Expression> e = ParseExpression("temperature > 1 or offline() or mean_1m(x)");
  ASSERT_TRUE(e.ok());
  EXPECT_TRUE(e->Evaluate(EvalContext{}).samples.empty());
}

}  // namespace
}  // namespace coolflow::hub::alerts
