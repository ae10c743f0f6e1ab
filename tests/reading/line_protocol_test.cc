#include "reading/line_protocol.h"

#include <gtest/gtest.h>

#include <charconv>
#include <cmath>
#include <random>
#include <string>
#include <vector>

namespace coolflow::reading::lp {
namespace {

struct Parsed {
  std::vector<PointView> points;  // views into `input`, copied spans below
  std::vector<std::vector<TagView>> tags;
  std::vector<std::vector<FieldView>> fields;
  std::vector<LineError> errors;
};

Parsed ParseAll(std::string_view input, ParseOptions options = {}) {
  Parsed out;
  Parser parser(input, options);
  for (;;) {
    const auto next = parser.Next();
    if (next == Parser::Outcome::kEnd) break;
    if (next == Parser::Outcome::kError) {
      out.errors.push_back(parser.error());
      continue;
    }
    out.points.push_back(parser.point());
    out.tags.emplace_back(parser.point().tags.begin(), parser.point().tags.end());
    out.fields.emplace_back(parser.point().fields.begin(), parser.point().fields.end());
  }
  return out;
}

std::string OneError(std::string_view line, ParseOptions options = {}) {
  Parsed p = ParseAll(line, options);
  EXPECT_TRUE(p.points.empty()) << line;
  return p.errors.size() == 1 ? p.errors[0].message
                              : "<" + std::to_string(p.errors.size()) + " errors>";
}

TEST(LineProtocol, ParsesAPointWithEveryFieldType) {
  Parsed p = ParseAll(
      "temp,rack=r01,box=pi-1 t=23.5,n=-7i,u=18446744073709551615u,ok=T,s=\"a \\\"q\\\" \\\\ b\" "
      "1764000000000000000\n");
  ASSERT_EQ(p.errors.size(), 0u);
  ASSERT_EQ(p.points.size(), 1u);
  EXPECT_EQ(p.points[0].measurement, "temp");
  ASSERT_EQ(p.tags[0].size(), 2u);
  EXPECT_EQ(p.tags[0][0].key, "box");  // sorted
  EXPECT_EQ(p.tags[0][1].key, "rack");
  const auto& f = p.fields[0];
  ASSERT_EQ(f.size(), 5u);
  EXPECT_EQ(f[0].type, FieldType::kFloat);
  EXPECT_EQ(f[0].float_value, 23.5);
  EXPECT_EQ(f[1].type, FieldType::kInteger);
  EXPECT_EQ(f[1].int_value, -7);
  EXPECT_EQ(f[2].type, FieldType::kUnsigned);
  EXPECT_EQ(f[2].uint_value, UINT64_MAX);
  EXPECT_EQ(f[3].type, FieldType::kBoolean);
  EXPECT_TRUE(f[3].bool_value);
  EXPECT_EQ(f[4].type, FieldType::kString);
  EXPECT_EQ(UnescapeString(f[4].string_value), "a \"q\" \\ b");
  EXPECT_TRUE(p.points[0].has_time);
  EXPECT_EQ(p.points[0].time, 1764000000000000000);
}

TEST(LineProtocol, EscapesInEveryPart) {
  Parsed p = ParseAll("cpu\\,x\\ y,host\\ name=a\\,b\\=c f\\=k\\ 1=1 5");
  ASSERT_EQ(p.errors.size(), 0u) << p.errors[0].ToString();
  EXPECT_EQ(UnescapeMeasurement(p.points[0].measurement), "cpu,x y");
  EXPECT_EQ(UnescapeKey(p.tags[0][0].key), "host name");
  EXPECT_EQ(UnescapeKey(p.tags[0][0].value), "a,b=c");
  EXPECT_EQ(UnescapeKey(p.fields[0][0].key), "f=k 1");
}

TEST(LineProtocol, SkipsBlankAndCommentLinesAndCountsLines) {
  Parsed p = ParseAll("# comment\n\n   \nm f=1 1\n  m f=2 2\nbad\n");
  ASSERT_EQ(p.points.size(), 2u);
  EXPECT_EQ(p.points[0].line, 4u);
  EXPECT_EQ(p.points[1].line, 5u);
  ASSERT_EQ(p.errors.size(), 1u);
  EXPECT_EQ(p.errors[0].line, 6u);
  EXPECT_EQ(p.errors[0].message, "missing fields");
}

TEST(LineProtocol, StringWithNewlineIsOneLine) {
  Parsed p = ParseAll("m s=\"two\nlines\" 1\nm f=1 2\n");
  ASSERT_EQ(p.points.size(), 2u);
  EXPECT_EQ(p.fields[0][0].string_value, "two\nlines");
  EXPECT_EQ(p.points[1].line, 3u);
}

TEST(LineProtocol, InfluxErrorsForMalformedLines) {
  EXPECT_EQ(OneError(",t=1 f=1"), "missing measurement");
  EXPECT_EQ(OneError("m"), "missing fields");
  EXPECT_EQ(OneError("m,t f=1"), "missing tag value");
  EXPECT_EQ(OneError("m,=v f=1"), "missing tag key");
  EXPECT_EQ(OneError("m,t= f=1"), "missing tag value");
  EXPECT_EQ(OneError("m,t=a=b f=1"), "invalid tag format");
  EXPECT_EQ(OneError("m,a=1,b=2,a=3 f=1"), "duplicate tags");
  EXPECT_EQ(OneError("m =1"), "missing field key");
  EXPECT_EQ(OneError("m f="), "missing field value");
  EXPECT_EQ(OneError("m f=1,g"), "invalid field format");
  EXPECT_EQ(OneError("m f=1x"), "invalid number");
  EXPECT_EQ(OneError("m f=1.2.3"), "invalid number");
  EXPECT_EQ(OneError("m f=1.5i"), "invalid number");
  EXPECT_EQ(OneError("m f=1e"), "invalid float");
  EXPECT_EQ(OneError("m f=1e400"), "invalid float");
  EXPECT_EQ(OneError("m f=nan"), "invalid number");
  EXPECT_EQ(OneError("m f=+1"), "invalid boolean");
  EXPECT_EQ(OneError("m f=tRue"), "invalid boolean");
  EXPECT_EQ(OneError("m f=\"open"), "unbalanced quotes");
  EXPECT_EQ(OneError("m f=1 12x"), "bad timestamp");
  EXPECT_EQ(OneError("m f=1 1 2"), "point is invalid");
  EXPECT_EQ(OneError("m f=1 -"), "strconv.ParseInt: parsing \"-\": invalid syntax");
  EXPECT_EQ(OneError("m f=1 9223372036854775807"), "time outside range");
  EXPECT_EQ(OneError("m f=1 1\r"), "bad timestamp");
  EXPECT_EQ(OneError("m f=9223372036854775808i"),
            "unable to parse integer 9223372036854775808: strconv.ParseInt: parsing "
            "\"9223372036854775808\": value out of range");
  EXPECT_EQ(OneError("m f=-1u"), "invalid number");
  EXPECT_EQ(OneError("m f=1,f=2i"), "field type conflict");
  EXPECT_EQ(OneError("m,time=1 f=1"),
            "invalid tag key: input tag \"time\" on measurement \"m\" is invalid");
  EXPECT_EQ(OneError("m time=1"),
            "invalid field name: input field \"time\" on measurement \"m\" is invalid");
  // coolflow's deliberate difference: InfluxDB 1.x stores this mangled as `a"`.
  EXPECT_EQ(OneError("m f=\"a\"b"), "unexpected text after the closing quote of a string");
}

TEST(LineProtocol, UnsignedFollowsTheOption) {
  EXPECT_EQ(ParseAll("m f=1u 1").points.size(), 1u);
  ParseOptions influx16;
  influx16.allow_unsigned = false;
  EXPECT_EQ(OneError("m f=1u 1", influx16), "invalid number");
}

TEST(LineProtocol, NumbersAcceptedAsInfluxDoes) {
  Parsed p = ParseAll("m a=1.,b=.5,c=-0,d=1E+3,e=1e-400,f=01i,g=-9223372036854775808i 1");
  ASSERT_EQ(p.errors.size(), 0u) << p.errors[0].ToString();
  const auto& f = p.fields[0];
  EXPECT_EQ(f[0].float_value, 1.0);
  EXPECT_EQ(f[1].float_value, 0.5);
  EXPECT_EQ(f[2].float_value, 0.0);
  EXPECT_EQ(f[3].float_value, 1000.0);
  EXPECT_EQ(f[4].float_value, 0.0);
  EXPECT_EQ(f[5].int_value, 1);
  EXPECT_EQ(f[6].int_value, INT64_MIN);
}

// The one-pass number path must give exactly what a correctly rounded parser gives, for
// every shape it takes and at the digit-count limits where it hands over to the slow path.
TEST(LineProtocol, NumbersMatchACorrectlyRoundedParser) {
  std::mt19937_64 rng(7);
  auto digits = [&](int n) {
    std::string s;
    for (int k = 0; k < n; ++k)
      s += static_cast<char>('0' + rng() % 10);
    return s;
  };
  for (int round = 0; round < 20000; ++round) {
    const int whole = 1 + static_cast<int>(rng() % 20);
    const int fraction = static_cast<int>(rng() % 25);
    std::string text = (rng() % 2 ? "-" : "") + digits(whole);
    if (fraction > 0 || rng() % 4 == 0) text += "." + digits(fraction);
    Parsed p = ParseAll("m f=" + text + " 1");
    ASSERT_EQ(p.points.size(), 1u) << text;
    double expected = 0;
    std::from_chars(text.data(), text.data() + text.size(), expected);
    EXPECT_EQ(p.fields[0][0].float_value, expected) << text;
    EXPECT_EQ(std::signbit(p.fields[0][0].float_value), std::signbit(expected)) << text;
  }
  for (const char* text : {"999999999999999999", "-999999999999999999", "9223372036854775807",
                           "-9223372036854775808", "1000000000000000000", "0", "-0"}) {
    Parsed p = ParseAll(std::string("m f=") + text + "i 1");
    ASSERT_EQ(p.points.size(), 1u) << text;
    EXPECT_EQ(p.fields[0][0].int_value, std::stoll(text)) << text;
  }
  for (const char* text : {"9999999999999999999", "18446744073709551615", "0"}) {
    Parsed p = ParseAll(std::string("m f=") + text + "u 1");
    ASSERT_EQ(p.points.size(), 1u) << text;
    EXPECT_EQ(p.fields[0][0].uint_value, std::stoull(text)) << text;
  }
}

TEST(LineProtocol, DuplicateFieldKeepsLastValueAndTimeFieldIsDropped) {
  Parsed p = ParseAll("m f=1,time=5,f=2,g=t 1");
  ASSERT_EQ(p.errors.size(), 0u);
  ASSERT_EQ(p.fields[0].size(), 2u);
  EXPECT_EQ(p.fields[0][0].key, "f");
  EXPECT_EQ(p.fields[0][0].float_value, 2.0);
  EXPECT_EQ(p.fields[0][1].key, "g");
}

TEST(LineProtocol, DefaultTimeIsTruncatedToPrecision) {
  ParseOptions options;
  options.precision = Precision::kSeconds;
  options.default_time = 1'764'000'000'123'456'789;
  Parsed p = ParseAll("m f=1\nm f=1 2", options);
  ASSERT_EQ(p.points.size(), 2u);
  EXPECT_FALSE(p.points[0].has_time);
  EXPECT_EQ(p.points[0].time, 1'764'000'000'000'000'000);
  EXPECT_EQ(p.points[1].time, 2'000'000'000);
}

TEST(LineProtocol, ErrorPositionsPointAtTheFault) {
  Parsed p = ParseAll("m f=1 1\nm,t=1 ok=1,bad=1x 5\n");
  ASSERT_EQ(p.errors.size(), 1u);
  const LineError& e = p.errors[0];
  EXPECT_EQ(e.line, 2u);
  EXPECT_EQ(e.column, 17u);  // the x of 1x
  EXPECT_EQ(e.offset, 8u + 16u);
  EXPECT_EQ(e.item, "field \"bad\"");
  EXPECT_EQ(e.ToString(), "line 2, column 17: field \"bad\": invalid number");
  EXPECT_EQ(e.InfluxMessage(), "unable to parse 'm,t=1 ok=1,bad=1x 5': invalid number");
}

TEST(LineProtocol, KeyLengthLimit) {
  const std::string tag(kMaxKeyLength, 'v');
  EXPECT_EQ(OneError("m,t=" + tag + " f=1"),
            "max key length exceeded: " + std::to_string(kMaxKeyLength + 4) + " > 65535");
}

TEST(LineProtocol, WritersProduceWhatTheParserReadsBack) {
  std::string line;
  AppendMeasurement(line, "cpu, load");
  line += ',';
  AppendTagText(line, "host=name");
  line += '=';
  AppendTagText(line, "a b,c");
  line += ' ';
  AppendTagText(line, "f k");
  line += '=';
  AppendFloat(line, 0.1);
  line += ",i=";
  AppendInteger(line, -3);
  line += ",u=";
  AppendUnsigned(line, 3);
  line += ",s=";
  AppendStringValue(line, "say \"hi\" \\o/");
  line += " 7";
  Parsed p = ParseAll(line);
  ASSERT_EQ(p.errors.size(), 0u) << line;
  EXPECT_EQ(UnescapeMeasurement(p.points[0].measurement), "cpu, load");
  EXPECT_EQ(UnescapeKey(p.tags[0][0].key), "host=name");
  EXPECT_EQ(UnescapeKey(p.tags[0][0].value), "a b,c");
  EXPECT_EQ(UnescapeKey(p.fields[0][0].key), "f k");
  EXPECT_EQ(p.fields[0][0].float_value, 0.1);
  EXPECT_EQ(p.fields[0][1].int_value, -3);
  EXPECT_EQ(p.fields[0][2].uint_value, 3u);
  EXPECT_EQ(UnescapeString(p.fields[0][3].string_value), "say \"hi\" \\o/");
}

}  // namespace
}  // namespace coolflow::reading::lp
