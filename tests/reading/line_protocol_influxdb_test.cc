// Differential test of coolflow's line-protocol parser against a real InfluxDB 1.6.
//
// Every case of tests/data/line_protocol/corpus.lp (and a few generated in code, such as
// keys longer than 64 KiB) is written to its own fresh database on an influxd started on
// loopback, and parsed by lp::Parser in InfluxDB 1.6 mode (no unsigned integers, InfluxDB's
// write rules). Acceptance must agree (204 against no line refused), and so must what was
// stored: measurement, tags, fields with their types and exact values, and time in ns.
// The cases in tests/data/line_protocol/divergences.txt are the deliberate exceptions;
// each must still diverge exactly as written there, so the list cannot go stale.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/time.h"
#include "fmt/format.h"
#include "nlohmann/json.hpp"
#include "reading/line_protocol.h"
#include "support/influxdb_server.h"

namespace coolflow::reading::lp {
namespace {

using coolflow::testing::InfluxDbServer;
using Json = nlohmann::json;

const std::string kDataDir = COOLFLOW_SOURCE_DIR "/tests/data/line_protocol";
constexpr size_t kMinCorpusCases = 150;

// ---------------------------------------------------------------------------------------
// Cases and how the corpus files spell them.

// One input, written to InfluxDB and parsed by coolflow as the same bytes.
struct Case {
  std::string source;    // "corpus.lp:123" or "generated: <what>"
  std::string notation;  // as the file spells it (or a short description)
  std::string bytes;     // what is sent and parsed
  Precision precision = Precision::kNanoseconds;
  bool acceptance_only = false;  // compare acceptance, not what was stored
  bool allow_unsigned = false;   // parse in coolflow's default mode instead of 1.6 mode
};

// Corpus files show bytes that are invisible or would end the physical line as Unicode
// control pictures, so that backslashes stay exactly what InfluxDB sees.
constexpr std::array<std::pair<std::string_view, char>, 5> kControlPictures = {{
    {"\u2400", '\0'},  // ␀
    {"\u2409", '\t'},  // ␉
    {"\u240A", '\n'},  // ␊
    {"\u240D", '\r'},  // ␍
    {"\u2420", ' '},   // ␠
}};

std::string Decode(std::string_view notation) {
  std::string out;
  size_t i = 0;
  while (i < notation.size()) {
    bool replaced = false;
    for (const auto& [picture, byte] : kControlPictures) {
      if (notation.substr(i, picture.size()) == picture) {
        out += byte;
        i += picture.size();
        replaced = true;
        break;
      }
    }
    if (!replaced) out += notation[i++];
  }
  return out;
}

std::optional<Precision> PrecisionNamed(std::string_view name) {
  auto precision = ParsePrecision(name);
  if (!precision.ok()) return std::nullopt;
  return *precision;
}

std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "cannot open " << path;
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) {
    lines.push_back(line);
  }
  return lines;
}

// corpus.lp: one case per physical line. Blank lines and lines starting with "##" are
// the corpus's own comments, except "##@ <directive>" lines, which apply to the next case:
//   ##@ precision=s              write with precision=s and parse with Precision::kSeconds
//   ##@ acceptance-only: <why>   compare acceptance only
// A line with a single '#' is a case: a line-protocol comment.
std::vector<Case> LoadCorpus() {
  const std::vector<std::string> lines = ReadLines(kDataDir + "/corpus.lp");
  std::vector<Case> cases;
  Case next;
  for (size_t n = 0; n < lines.size(); ++n) {
    const std::string_view line = lines[n];
    const std::string where = fmt::format("corpus.lp:{}", n + 1);
    if (line.starts_with("##@ ")) {
      const std::string_view directive = line.substr(4);
      if (directive.starts_with("precision=")) {
        auto precision = PrecisionNamed(directive.substr(std::string_view("precision=").size()));
        EXPECT_TRUE(precision.has_value()) << where << ": bad precision";
        if (precision) next.precision = *precision;
      } else if (directive.starts_with("acceptance-only:")) {
        next.acceptance_only = true;
      } else {
        ADD_FAILURE() << where << ": unknown directive " << directive;
      }
      continue;
    }
    if (line.empty() || line.starts_with("##")) continue;
    next.source = where;
    next.notation = std::string(line);
    next.bytes = Decode(line);
    cases.push_back(std::move(next));
    next = Case{};
  }
  return cases;
}

// divergences.txt: blocks separated by blank lines; '#' lines are comments.
//   case: <the case, in corpus notation>
//   precision: s                 (optional)
//   mode: allow-unsigned         (optional: parse in coolflow's default mode)
//   influxdb: accepts | refuses
//   influxdb-status: 500         (optional: the HTTP status InfluxDB must answer)
//   coolflow: accepts | refuses
//   why: <reason, may continue on following lines>
// When both sides accept, what they store must differ.
struct Divergence {
  Case input;
  bool influx_accepts = false;
  long influx_status = 0;  // when given: the HTTP status InfluxDB must answer
  bool coolflow_accepts = false;
  std::string why;
};

std::vector<Divergence> LoadDivergences() {
  const std::vector<std::string> lines = ReadLines(kDataDir + "/divergences.txt");
  std::vector<Divergence> out;
  std::optional<Divergence> current;
  std::string last_key;
  auto finish = [&] {
    if (!current) return;
    EXPECT_FALSE(current->input.bytes.empty()) << current->input.source << ": no case";
    EXPECT_FALSE(current->why.empty()) << current->input.source << ": no reason given";
    out.push_back(std::move(*current));
    current.reset();
  };
  auto accepts = [](std::string_view value, const std::string& where) {
    if (value != "accepts" && value != "refuses") ADD_FAILURE() << where << ": " << value;
    return value == "accepts";
  };
  for (size_t n = 0; n <= lines.size(); ++n) {
    const std::string_view line = n < lines.size() ? std::string_view(lines[n]) : "";
    const std::string where = fmt::format("divergences.txt:{}", n + 1);
    if (line.starts_with("#")) continue;
    if (line.empty()) {
      finish();
      continue;
    }
    if (!current) {
      current.emplace();
      current->input.source = where;
    }
    const size_t colon = line.find(": ");
    const std::string key(line.substr(0, colon));
    const std::string_view value =
        colon == std::string_view::npos ? std::string_view() : line.substr(colon + 2);
    if (line.starts_with(" ") && last_key == "why") {
      current->why += " " + std::string(line.substr(line.find_first_not_of(' ')));
      continue;
    }
    last_key = key;
    if (key == "case") {
      current->input.notation = std::string(value);
      current->input.bytes = Decode(value);
    } else if (key == "precision") {
      auto precision = PrecisionNamed(value);
      EXPECT_TRUE(precision.has_value()) << where;
      if (precision) current->input.precision = *precision;
    } else if (key == "mode") {
      EXPECT_EQ(value, "allow-unsigned") << where;
      current->input.allow_unsigned = true;
    } else if (key == "influxdb") {
      current->influx_accepts = accepts(value, where);
    } else if (key == "influxdb-status") {
      current->influx_status = std::stol(std::string(value));
    } else if (key == "coolflow") {
      current->coolflow_accepts = accepts(value, where);
    } else if (key == "why") {
      current->why = std::string(value);
    } else {
      ADD_FAILURE() << where << ": unknown key " << key;
    }
  }
  return out;
}

// Cases too big or too binary for the corpus file.
std::vector<Case> GeneratedCases() {
  std::vector<Case> cases;
  auto add = [&](std::string what, std::string bytes, bool acceptance_only = false) {
    Case c;
    c.source = "generated: " + what;
    c.notation = what;
    c.bytes = std::move(bytes);
    c.acceptance_only = acceptance_only;
    cases.push_back(std::move(c));
  };
  // The series key may be 65535 bytes, but every field's "<key>#!~#<field>" must fit too.
  const size_t fits = kMaxKeyLength - 4 - 1;  // room left beside a one-byte field key
  add("measurement whose key and field just fit", std::string(fits, 'm') + " f=1 1");
  add("measurement one byte too long for the field", std::string(fits + 1, 'm') + " f=1 1");
  add("measurement of exactly kMaxKeyLength", std::string(kMaxKeyLength, 'm') + " f=1 1");
  add("measurement over kMaxKeyLength", std::string(kMaxKeyLength + 1, 'm') + " f=1 1");
  add("tag value making the key just fit", "m,t=" + std::string(fits - 4, 'v') + " f=1 1");
  add("tag value one byte too long", "m,t=" + std::string(fits - 3, 'v') + " f=1 1");
  const size_t field_fits = kMaxKeyLength - 4 - 1;  // beside the one-byte measurement "m"
  add("long field key that just fits", "m " + std::string(field_fits, 'f') + "=1 1");
  add("long field key one byte too long", "m " + std::string(field_fits + 1, 'f') + "=1 1");
  add("escaped long measurement",
      std::string(20'000, 'a') + "\\ " + std::string(20'000, 'b') + " f=1 1");
  add("string value of 64 KiB", "m s=\"" + std::string(64 * 1024, 's') + "\" 1");
  add("string value of 1 MiB with escapes",
      "m s=\"" + std::string(512 * 1024, 'x') + "\\\"\\\\" + std::string(512 * 1024, 'y') + "\" 1");
  add("1000 fields", [] {
    std::string line = "m ";
    for (int i = 0; i < 1000; ++i) {
      line += fmt::format("{}f{}={}i", i == 0 ? "" : ",", i, i);
    }
    return line + " 1";
  }());
  // 100 and 200 tags exactly crash InfluxDB 1.6's parser (see divergences.txt).
  for (const int tags : {99, 101, 150, 250}) {
    add(fmt::format("{} tags, unsorted", tags), [tags] {
      std::string line = "m";
      for (int i = tags - 1; i >= 0; --i) {
        line += fmt::format(",t{:03}=v{}", i, i);
      }
      return line + " f=1 1";
    }());
  }
  add("150 tags with a duplicate", [] {
    std::string line = "m";
    for (int i = 149; i >= 0; --i) {
      line += fmt::format(",t{:03}=v{}", i, i);
    }
    return line + ",t100=again f=1 1";
  }());
  // Over 32 fields coolflow finds duplicates by hashing; `k\"` and `k"` are one field.
  for (const std::string_view last : {"2", "2i"}) {
    add(fmt::format("40 fields, one twice spelt differently, last ={}", last), [last] {
      std::string line = "m k\\\"=1";
      for (int i = 0; i < 38; ++i) {
        line += fmt::format(",f{}={}", i, i);
      }
      return fmt::format("{},k\"={} 1", line, last);
    }());
  }
  add("1000 points", [] {
    std::string body;
    for (int i = 0; i < 1000; ++i) {
      body += fmt::format("m,p={} f={} {}\n", i % 7, i, i);
    }
    return body;
  }());
  add("empty body", "");
  add("NUL inside a tag value", std::string("m,t=a\0b f=1 1", 13));
  add("NUL inside a string value", std::string("m s=\"a\0b\" 1", 11));
  add("NUL before the timestamp", std::string("m f=1 \0 1", 9));
  // Go's JSON encoder replaces invalid UTF-8 with U+FFFD, so only acceptance is comparable.
  add("invalid UTF-8 in a string value", "m s=\"\xff\xfe\" 1", /*acceptance_only=*/true);
  add("invalid UTF-8 in a tag value", "m,t=\xc3 f=1 1", /*acceptance_only=*/true);
  add("UTF-8 everywhere", "温度,房间=机房\\ 1 湿度=0.5,说明=\"ok ✓\" 1");
  return cases;
}

// ---------------------------------------------------------------------------------------
// What each side stored, as comparable text: one row per (series, time), sorted.

// Quoted, with bytes that would hide in a failure message spelt \xNN.
std::string Printable(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (byte < 0x20 || byte == 0x7f) {
      out += fmt::format("\\x{:02x}", byte);
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string FloatText(double value) {
  std::array<char, 32> buf{};
  auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), value);
  EXPECT_EQ(ec, std::errc());
  return std::string(buf.data(), end);
}

// A stored point: field name -> "type:value".
struct Row {
  std::string series;  // measurement and tags, printable
  std::string time;    // ns, or "now" for a time the server chose
  std::map<std::string, std::string> fields;
};

std::string SeriesText(std::string_view measurement,
                       const std::map<std::string, std::string>& tags) {
  std::string out = Printable(measurement);
  for (const auto& [key, value] : tags) {
    out += fmt::format(",{}={}", Printable(key), Printable(value));
  }
  return out;
}

std::vector<std::string> RowTexts(const std::vector<Row>& rows) {
  // Points of one series at one time are one stored point, later fields winning.
  std::map<std::pair<std::string, std::string>, std::map<std::string, std::string>> merged;
  for (const Row& row : rows) {
    auto& fields = merged[{row.series, row.time}];
    for (const auto& [key, value] : row.fields) {
      fields[key] = value;
    }
  }
  std::vector<std::string> out;
  for (const auto& [key, fields] : merged) {
    std::string text = fmt::format("{} @{}", key.first, key.second);
    for (const auto& [name, value] : fields) {
      text += fmt::format(" {}={}", Printable(name), value);
    }
    out.push_back(std::move(text));
  }
  return out;
}

struct Outcome {
  long http_status = 0;  // InfluxDB's answer to the write; 0 for coolflow
  bool accepted = false;
  std::vector<std::string> rows;  // sorted
  std::string detail;             // InfluxDB's answer, or coolflow's first refusal
};

std::string Describe(const Outcome& o) {
  std::string out = o.accepted ? "accepted" : "refused";
  if (!o.detail.empty()) out += " (" + o.detail + ")";
  for (const std::string& row : o.rows) {
    out += "\n    " + row;
  }
  return out;
}

Outcome CoolflowOutcome(const Case& c, TimeNs now) {
  ParseOptions options;
  options.precision = c.precision;
  options.default_time = now;
  options.allow_unsigned = c.allow_unsigned;
  options.influx_write_rules = true;
  Parser parser(c.bytes, options);
  Outcome outcome;
  outcome.accepted = true;
  std::vector<Row> rows;
  for (;;) {
    const Parser::Outcome next = parser.Next();
    if (next == Parser::Outcome::kEnd) break;
    if (next == Parser::Outcome::kError) {
      if (outcome.accepted) outcome.detail = parser.error().InfluxMessage();
      outcome.accepted = false;
      continue;
    }
    const PointView& point = parser.point();
    std::map<std::string, std::string> tags;
    for (const TagView& tag : point.tags) {
      tags[UnescapeTag(tag.key)] = UnescapeTag(tag.value);
    }
    Row row{SeriesText(UnescapeMeasurement(point.measurement), tags),
            point.has_time ? std::to_string(point.time) : "now",
            {}};
    for (const FieldView& field : point.fields) {
      std::string value;
      switch (field.type) {
        case FieldType::kFloat:
          value = "float:" + FloatText(field.float_value);
          break;
        case FieldType::kInteger:
          value = fmt::format("integer:{}", field.int_value);
          break;
        case FieldType::kUnsigned:
          value = fmt::format("unsigned:{}", field.uint_value);
          break;
        case FieldType::kBoolean:
          value = field.bool_value ? "boolean:true" : "boolean:false";
          break;
        case FieldType::kString:
          value = "string:" + Printable(UnescapeString(field.string_value));
          break;
      }
      row.fields[UnescapeKey(field.key)] = value;
    }
    rows.push_back(std::move(row));
  }
  outcome.rows = RowTexts(rows);
  std::sort(outcome.rows.begin(), outcome.rows.end());
  return outcome;
}

// InfluxDB's JSON numbers: Go writes floats in their shortest exact form, which may look
// like an integer ("1", "-0"); nlohmann reads "0" as unsigned and "-0" as a signed 0.
double JsonDouble(const Json& v) {
  if (v.is_number_float()) return v.get<double>();
  if (v.is_number_unsigned()) return static_cast<double>(v.get<uint64_t>());
  const auto i = v.get<int64_t>();
  return i == 0 ? -0.0 : static_cast<double>(i);
}

std::string JsonValueText(const Json& v, std::string_view type) {
  if (type == "float" && v.is_number()) return "float:" + FloatText(JsonDouble(v));
  if (type == "integer" && v.is_number_integer()) {
    return fmt::format("integer:{}", v.get<int64_t>());
  }
  if (type == "boolean" && v.is_boolean()) {
    return v.get<bool>() ? "boolean:true" : "boolean:false";
  }
  if (type == "string" && v.is_string()) return "string:" + Printable(v.get<std::string>());
  return fmt::format("{}:<unexpected JSON {}>", type, v.dump());
}

class LineProtocolInfluxDbTest : public ::testing::Test {
 protected:
  // One influxd for the suite; every case still gets a database of its own.
  static void SetUpTestSuite() {
    auto server = InfluxDbServer::Start();
    if (server.ok()) {
      server_ = std::move(*server);
    } else {
      start_error_ = server.status().ToString();
    }
  }
  static void TearDownTestSuite() { server_.reset(); }
  void SetUp() override {
    // No influxd is a failure, not a skip: ./x deps installs it.
    ASSERT_NE(server_, nullptr) << "cannot start InfluxDB: " << start_error_;
  }

  // Writes `c` to a database of its own and reads back everything stored.
  static Outcome InfluxOutcome(const Case& c) {
    InfluxDbServer& influx = *server_;
    const std::string db = fmt::format("c{}", ++databases_);
    Outcome outcome;
    if (Status s = influx.CreateDatabase(db); !s.ok()) {
      ADD_FAILURE() << c.source << ": " << s.ToString();
      return outcome;
    }
    // A point without a timestamp gets the server's "now", truncated to the precision.
    const TimeNs unit = NanosPer(c.precision);
    const TimeNs before = SystemClock::Instance().Now() / unit * unit;
    auto written = influx.Write(db, c.bytes, c.precision);
    const TimeNs after = SystemClock::Instance().Now();
    if (!written.ok()) {
      ADD_FAILURE() << c.source << ": " << written.status().ToString();
      return outcome;
    }
    outcome.http_status = written->status;
    outcome.accepted = written->status == 204;
    outcome.detail = fmt::format("HTTP {} {}", written->status, written->body);
    while (outcome.detail.back() == '\n' || outcome.detail.back() == ' ') {
      outcome.detail.pop_back();
    }
    if (c.acceptance_only) return outcome;

    auto stored = influx.Query(db, "SHOW FIELD KEYS; SELECT * FROM /(?s).*/ GROUP BY *");
    if (!stored.ok()) {
      ADD_FAILURE() << c.source << ": " << stored.status().ToString();
      return outcome;
    }
    const Json& results = (*stored)["results"];
    std::map<std::pair<std::string, std::string>, std::string> types;  // (m, field) -> type
    for (const Json& series : results[0].value("series", Json::array())) {
      for (const Json& value : series["values"]) {
        types[{series["name"].get<std::string>(), value[0].get<std::string>()}] =
            value[1].get<std::string>();
      }
    }
    std::vector<Row> rows;
    for (const Json& series : results[1].value("series", Json::array())) {
      const std::string name = series["name"].get<std::string>();
      std::map<std::string, std::string> tags;
      const Json series_tags = series.value("tags", Json::object());
      for (const auto& [key, value] : series_tags.items()) {
        if (!value.get<std::string>().empty()) tags[key] = value.get<std::string>();
      }
      const Json& columns = series["columns"];
      for (const Json& values : series["values"]) {
        const auto time = values[0].get<int64_t>();
        Row row{SeriesText(name, tags),
                time >= before && time <= after ? "now" : std::to_string(time),
                {}};
        for (size_t i = 1; i < columns.size(); ++i) {
          if (values[i].is_null()) continue;
          const std::string field = columns[i].get<std::string>();
          auto type = types.find({name, field});
          row.fields[field] =
              JsonValueText(values[i], type == types.end() ? "unknown" : type->second);
        }
        rows.push_back(std::move(row));
      }
    }
    outcome.rows = RowTexts(rows);
    std::sort(outcome.rows.begin(), outcome.rows.end());
    return outcome;
  }

  // Both sides' outcomes for one case.
  static std::pair<Outcome, Outcome> Run(const Case& c) {
    Outcome influx = InfluxOutcome(c);
    Outcome coolflow = CoolflowOutcome(c, SystemClock::Instance().Now());
    if (c.acceptance_only) {
      influx.rows.clear();
      coolflow.rows.clear();
    }
    return {std::move(influx), std::move(coolflow)};
  }

  static bool Agree(const Outcome& influx, const Outcome& coolflow) {
    return influx.accepted == coolflow.accepted && influx.rows == coolflow.rows;
  }

  static void ExpectAgreement(const std::vector<Case>& cases) {
    // COOLFLOW_LP_DIFF_VERBOSE=1 prints both sides of every case, agreeing or not.
    const bool verbose = std::getenv("COOLFLOW_LP_DIFF_VERBOSE") != nullptr;
    for (const Case& c : cases) {
      const auto [influx, coolflow] = Run(c);
      if (verbose) {
        std::printf("%s: %s\n  InfluxDB 1.6: %s\n  coolflow:     %s\n", c.source.c_str(),
                    Printable(c.bytes.substr(0, 200)).c_str(), Describe(influx).c_str(),
                    Describe(coolflow).c_str());
      }
      // 204 written, 400 refused (or partly written); anything else is InfluxDB failing.
      EXPECT_TRUE(influx.http_status == 204 || influx.http_status == 400)
          << c.source << ": " << influx.detail;
      EXPECT_TRUE(Agree(influx, coolflow))
          << c.source << ": " << Printable(c.bytes.substr(0, 200))
          << "\n  InfluxDB 1.6: " << Describe(influx) << "\n  coolflow:     " << Describe(coolflow);
    }
  }

  static inline std::unique_ptr<InfluxDbServer> server_;
  static inline std::string start_error_;
  static inline int databases_ = 0;
};

bool IsDivergence(const Case& c, const std::vector<Divergence>& divergences) {
  return std::any_of(divergences.begin(), divergences.end(), [&](const Divergence& d) {
    return d.input.bytes == c.bytes && d.input.precision == c.precision && !d.input.allow_unsigned;
  });
}

TEST_F(LineProtocolInfluxDbTest, CorpusAgreesCaseByCase) {
  const std::vector<Case> corpus = LoadCorpus();
  ASSERT_GE(corpus.size(), kMinCorpusCases) << "the corpus lost cases";
  const std::vector<Divergence> divergences = LoadDivergences();
  std::vector<Case> compared;
  for (const Case& c : corpus) {
    if (!IsDivergence(c, divergences)) compared.push_back(c);
  }
  ExpectAgreement(compared);
}

TEST_F(LineProtocolInfluxDbTest, GeneratedCasesAgree) {
  ExpectAgreement(GeneratedCases());
}

TEST_F(LineProtocolInfluxDbTest, DivergencesStillHold) {
  const std::vector<Divergence> divergences = LoadDivergences();
  ASSERT_FALSE(divergences.empty());
  const std::vector<Case> corpus = LoadCorpus();
  for (const Divergence& d : divergences) {
    const Case& c = d.input;
    // Each divergence names a corpus case (in 1.6 mode), so the corpus stays the one list.
    if (!c.allow_unsigned) {
      EXPECT_TRUE(std::any_of(
          corpus.begin(), corpus.end(),
          [&](const Case& k) { return k.bytes == c.bytes && k.precision == c.precision; }))
          << c.source << ": " << c.notation << " is not in corpus.lp";
    }
    const auto [influx, coolflow] = Run(c);
    const std::string both = fmt::format("{}: {}\n  InfluxDB 1.6: {}\n  coolflow:     {}", c.source,
                                         c.notation, Describe(influx), Describe(coolflow));
    EXPECT_EQ(influx.accepted, d.influx_accepts) << both;
    if (d.influx_status != 0) {
      EXPECT_EQ(influx.http_status, d.influx_status) << both;
    }
    EXPECT_EQ(coolflow.accepted, d.coolflow_accepts) << both;
    EXPECT_FALSE(Agree(influx, coolflow)) << "no longer diverges: " << both;
  }
}

}  // namespace
}  // namespace coolflow::reading::lp
