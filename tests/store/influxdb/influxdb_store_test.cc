// The InfluxDB adapter against a real influxd (tests/support/influxdb_server.h): the store
// conformance suite, then what is particular to InfluxDB: batching, retries, option
// validation, quoting of awkward names, type conflicts, and the password staying secret.
#include "store/influxdb/influxdb_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "fmt/format.h"
#include "store/conformance/store_conformance.h"
#include "store/influxdb/scripted_http_server.h"
#include "support/influxdb_server.h"

namespace coolflow::store {
namespace {

using conformance::StoreConformanceTest;
using conformance::StoreFactory;
using coolflow::testing::InfluxDbServer;
using testing::ScriptedAnswer;
using testing::ScriptedHttpServer;

constexpr TimeNs kT0 = 1'699'999'620LL * kNanosPerSecond;
constexpr std::string_view kPassword = "s3cr3t-Pa55word";

// One influxd per test process (ctest runs each test in a process of its own); each store
// gets a database of its own. Started from the main thread, which outlives every test.
InfluxDbServer& Server() {
  static std::unique_ptr<InfluxDbServer> server = [] {
    auto started = InfluxDbServer::Start();
    if (!started.ok()) {
      ADD_FAILURE() << started.status().ToString();
      std::abort();
    }
    return std::move(*started);
  }();
  return *server;
}

std::string NewDatabase() {
  static std::atomic<int> next{0};
  return fmt::format("db_{}", next++);
}

InfluxDbOptions OptionsFor(std::string database) {
  InfluxDbOptions options;
  options.url = Server().url();
  options.database = std::move(database);
  options.create_database = true;
  options.retry_backoff = std::chrono::milliseconds(1);
  options.max_retry_backoff = std::chrono::milliseconds(10);
  return options;
}

const StoreFactory kInfluxDbFactory{"InfluxDb",
                                    [] { return OpenInfluxDbStore(OptionsFor(NewDatabase())); },
                                    {.unsigned_integers = false}};

INSTANTIATE_TEST_SUITE_P(InfluxDb, StoreConformanceTest, ::testing::Values(kInfluxDbFactory),
                         conformance::StoreFactoryName);

reading::Reading MakeReading(std::string measurement, std::string metric, reading::TagSet tags,
                             TimeNs time, reading::Value value, std::string box = "pi-1") {
  return conformance::MakeReading(std::move(box), std::move(measurement), std::move(metric),
                                  std::move(tags), time, std::move(value));
}

std::string Base64(std::string_view in) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  auto byte = [&](size_t i) -> uint32_t {
    return i < in.size() ? static_cast<uint32_t>(static_cast<unsigned char>(in[i])) : 0u;
  };
  std::string out;
  for (size_t i = 0; i < in.size(); i += 3) {
    const uint32_t v = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    const size_t chars = std::min<size_t>(in.size() - i, 3) + 1;
    for (size_t k = 0; k < 4; ++k) {
      out += k < chars ? kAlphabet[(v >> (18 - 6 * k)) & 63u] : '=';
    }
  }
  return out;
}

// The number of POST /write requests influxd has served (SHOW STATS, httpd writeReq).
int64_t WriteRequests() {
  auto stats = Server().Query("", "SHOW STATS FOR 'httpd'");
  if (!stats.ok()) return -1;
  const auto& series = (*stats)["results"][0]["series"][0];
  const auto& columns = series["columns"];
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i] == "writeReq") return series["values"][0][i].get<int64_t>();
  }
  return -1;
}

TEST(InfluxDbStoreOptions, ValidationNamesTheField) {
  struct Case {
    std::function<void(InfluxDbOptions&)> change;
    std::string field;
  };
  const std::vector<Case> cases = {
      {[](InfluxDbOptions& o) { o.url = "127.0.0.1:8086"; }, "url"},
      {[](InfluxDbOptions& o) { o.url = "http://"; }, "url"},
      {[](InfluxDbOptions& o) { o.url = "http://h:1/?db=x"; }, "url"},
      {[](InfluxDbOptions& o) { o.database.clear(); }, "database"},
      {[](InfluxDbOptions& o) { o.password = "p"; }, "username"},
      {[](InfluxDbOptions& o) { o.timeout = std::chrono::milliseconds(0); }, "timeout"},
      {[](InfluxDbOptions& o) { o.max_batch_points = 0; }, "max_batch_points"},
      {[](InfluxDbOptions& o) { o.retries = -1; }, "retries"},
      {[](InfluxDbOptions& o) { o.retry_backoff = std::chrono::milliseconds(-5); },
       "retry_backoff"},
  };
  for (const Case& c : cases) {
    InfluxDbOptions options;
    options.database = "db";
    c.change(options);
    const Status s = ValidateInfluxDbOptions(options);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << c.field;
    EXPECT_NE(s.message().find(c.field + ":"), std::string::npos) << s.message();
  }
  InfluxDbOptions good;
  good.database = "db";
  EXPECT_TRUE(ValidateInfluxDbOptions(good).ok());
}

TEST(InfluxDbStoreOptions, CredentialsInTheUrlAreRefusedWithoutEchoingThem) {
  InfluxDbOptions options;
  options.database = "db";
  options.url = fmt::format("http://admin:{}@127.0.0.1:8086", kPassword);
  auto store = OpenInfluxDbStore(options);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("url:"), std::string::npos);
  EXPECT_EQ(store.status().message().find(kPassword), std::string::npos)
      << store.status().message();
}

TEST(InfluxDbStore, SplitsBatchesLargerThanMaxBatchPoints) {
  InfluxDbOptions options = OptionsFor(NewDatabase());
  options.max_batch_points = 100;
  auto store = OpenInfluxDbStore(options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  std::vector<reading::Reading> batch;
  for (int i = 0; i < 1'050; ++i) {
    batch.push_back(MakeReading("temp", "temperature", {}, kT0 + i, 20.0 + i));
  }
  // A string value in the middle is refused, and does not shift the others.
  batch[500].value = std::string("text");
  const int64_t before = WriteRequests();
  ASSERT_GE(before, 0);
  auto appended = (*store)->Append(batch);
  ASSERT_TRUE(appended.ok()) << appended.status().ToString();
  EXPECT_EQ(appended->stored, 1'049u);
  ASSERT_EQ(appended->refused.size(), 1u);
  EXPECT_EQ(appended->refused[0].index, 500u);
  EXPECT_EQ(WriteRequests() - before, 11);  // ceil(1049 / 100)
  auto range = (*store)->Range({"temp", "temperature", {}}, kT0, kT0 + 2'000);
  ASSERT_TRUE(range.ok()) << range.status().ToString();
  ASSERT_EQ(range->size(), 1u);
  EXPECT_EQ((*range)[0].points.size(), 1'049u);
  EXPECT_EQ((*range)[0].points.back(), (Point{kT0 + 1'049, 1'069.0}));
}

TEST(InfluxDbStore, AwkwardNamesAreQuoted) {
  auto store = OpenInfluxDbStore(OptionsFor(NewDatabase()));
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  const std::string measurement = "we\"ird, m'x =y";
  const std::string field = "f 1,\"'=";
  const reading::TagSet tags = {{"t k,=\"", "a,b=c'd\"e f"}};
  auto appended = (*store)->Append(std::vector<reading::Reading>{
      MakeReading(measurement, field, tags, kT0, 1.5),
      MakeReading(measurement, field, {{"t k,=\"", "plain"}}, kT0, 2.5),
      // Line protocol cannot carry a backslash exactly: refused, with the reason.
      MakeReading(measurement, field, {{"t k,=\"", "back\\slash"}}, kT0, 9.0),
  });
  ASSERT_TRUE(appended.ok()) << appended.status().ToString();
  EXPECT_EQ(appended->stored, 2u);
  ASSERT_EQ(appended->refused.size(), 1u);
  EXPECT_EQ(appended->refused[0].index, 2u);
  EXPECT_NE(appended->refused[0].why.find("backslash"), std::string::npos);

  const Selector selector{measurement, field, tags};
  auto last = (*store)->Last(selector);
  ASSERT_TRUE(last.ok()) << last.status().ToString();
  ASSERT_EQ(last->size(), 1u);
  EXPECT_EQ((*last)[0].series.measurement, measurement);
  EXPECT_EQ((*last)[0].series.field, field);
  EXPECT_EQ((*last)[0].series.tags,
            (reading::TagSet{{"box", "pi-1"}, {"t k,=\"", "a,b=c'd\"e f"}}));
  EXPECT_EQ((*last)[0].points.at(0).value, Value(1.5));

  auto range = (*store)->Range({measurement, "", {}}, kT0, kT0 + 1);
  ASSERT_TRUE(range.ok()) << range.status().ToString();
  EXPECT_EQ(range->size(), 2u);
  AggregateQuery query{{measurement, field, {}}, kT0,        kT0 + 1, 1,
                       AggregateFunction::kSum,  {"t k,=\""}};
  auto groups = (*store)->Aggregate(query);
  ASSERT_TRUE(groups.ok()) << groups.status().ToString();
  ASSERT_EQ(groups->size(), 2u);
  EXPECT_EQ((*groups)[0].group, (std::vector<reading::Tag>{{"t k,=\"", "a,b=c'd\"e f"}}));
  // A selector with a backslash and a newline is quoted, not an InfluxQL error.
  auto odd = (*store)->Last({measurement + "\\", field, {{"k\\\n", "v\\'\n"}}});
  ASSERT_TRUE(odd.ok()) << odd.status().ToString();
  EXPECT_TRUE(odd->empty());
}

TEST(InfluxDbStore, UnsignedIntegersBecomeIntegersOrAreRefused) {
  auto store = OpenInfluxDbStore(OptionsFor(NewDatabase()));
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto appended = (*store)->Append(std::vector<reading::Reading>{
      MakeReading("net", "rx", {}, kT0, uint64_t{7}),
      MakeReading("net", "rx", {}, kT0 + 1, std::numeric_limits<uint64_t>::max()),
  });
  ASSERT_TRUE(appended.ok()) << appended.status().ToString();
  EXPECT_EQ(appended->stored, 1u);
  ASSERT_EQ(appended->refused.size(), 1u);
  EXPECT_EQ(appended->refused[0].index, 1u);
  EXPECT_NE(appended->refused[0].why.find("unsigned"), std::string::npos);
  auto last = (*store)->Last({"net", "rx", {}});
  ASSERT_TRUE(last.ok()) << last.status().ToString();
  ASSERT_EQ(last->size(), 1u);
  EXPECT_EQ((*last)[0].points.at(0), (Point{kT0, int64_t{7}}));
}

TEST(InfluxDbStore, FieldTypeConflictsAreRefusedNotPartiallyWritten) {
  const std::string database = NewDatabase();
  auto store = OpenInfluxDbStore(OptionsFor(database));
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto first = (*store)->Append(std::vector<reading::Reading>{
      MakeReading("temp", "temperature", {}, kT0, 20.0),
      MakeReading("temp", "temperature", {}, kT0 + 1, int64_t{21}),  // conflicts in the batch
  });
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->stored, 1u);
  ASSERT_EQ(first->refused.size(), 1u);
  EXPECT_NE(first->refused[0].why.find("holds float"), std::string::npos) << first->refused[0].why;

  // A field written by someone else, unknown to the store: InfluxDB answers "partial write",
  // which Append reports as an error; appending again refuses the reading properly.
  // Same shard as the store's points: InfluxDB 1.x checks field types per shard.
  auto other = Server().Write(database, fmt::format("temp fan=3i {}\n", kT0 + 5));
  ASSERT_TRUE(other.ok() && other->status == 204) << (other.ok() ? other->body : "");
  const std::vector<reading::Reading> batch = {
      MakeReading("temp", "fan", {}, kT0, 0.5),
      MakeReading("temp", "temperature", {}, kT0 + 2, 22.0)};
  auto conflicted = (*store)->Append(batch);
  ASSERT_FALSE(conflicted.ok());
  EXPECT_EQ(conflicted.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(conflicted.status().message().find("field type conflict"), std::string::npos)
      << conflicted.status().message();
  auto again = (*store)->Append(batch);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->stored, 1u);
  ASSERT_EQ(again->refused.size(), 1u);
  EXPECT_EQ(again->refused[0].index, 0u);
}

TEST(InfluxDbStore, QueryErrorsNameThePurposeAndInfluxDbsReason) {
  const std::string database = NewDatabase();
  InfluxDbOptions options = OptionsFor(database);
  options.username = "coolflow";
  options.password = std::string(kPassword);  // auth is off in the fixture: ignored
  auto store = OpenInfluxDbStore(options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_TRUE(Server().DropDatabase(database).ok());
  auto last = (*store)->Last({"temp", "", {}});
  ASSERT_FALSE(last.ok());
  EXPECT_NE(last.status().message().find("last"), std::string::npos);
  EXPECT_NE(last.status().message().find("database not found"), std::string::npos)
      << last.status().message();
  EXPECT_EQ(last.status().message().find(kPassword), std::string::npos);
  auto appended = (*store)->Append(
      std::vector<reading::Reading>{MakeReading("temp", "temperature", {}, kT0, 20.0)});
  ASSERT_FALSE(appended.ok());
  EXPECT_NE(appended.status().message().find("database not found"), std::string::npos)
      << appended.status().message();
  EXPECT_EQ(appended.status().message().find(kPassword), std::string::npos);

  options.create_database = false;
  options.database = "never_created";
  auto missing = OpenInfluxDbStore(options);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(missing.status().message().find("never_created"), std::string::npos)
      << missing.status().message();
  EXPECT_EQ(missing.status().message().find(kPassword), std::string::npos);
}

TEST(InfluxDbStore, UnreachableServerFailsAfterItsRetries) {
  // A port nobody listens on: bind one, read it, close it.
  uint16_t port = 0;
  {
    ScriptedHttpServer closed([](const std::string&) { return ScriptedAnswer{}; });
    ASSERT_TRUE(closed.listening());
    port = static_cast<uint16_t>(std::stoi(closed.url().substr(closed.url().rfind(':') + 1)));
  }
  InfluxDbOptions options;
  options.url = fmt::format("http://127.0.0.1:{}", port);
  options.database = "db";
  options.username = "coolflow";
  options.password = std::string(kPassword);
  options.retries = 2;
  options.retry_backoff = std::chrono::milliseconds(1);
  auto store = OpenInfluxDbStore(options);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(store.status().message().find(options.url), std::string::npos)
      << store.status().message();
  EXPECT_NE(store.status().message().find("after 3 attempts"), std::string::npos)
      << store.status().message();
  EXPECT_EQ(store.status().message().find(kPassword), std::string::npos);
}

// InfluxDB's answers to open (ping, the database check) and to the field-type lookup.
ScriptedAnswer AnswerOpenAndFieldKeys(const std::string& request) {
  if (request.starts_with("GET /ping")) return {204, ""};
  if (request.starts_with("POST /query")) return {200, R"({"results":[{"statement_id":0}]})"};
  return {0, ""};
}

TEST(InfluxDbStore, RetriesTransientFailuresThenSucceeds) {
  std::atomic<int> writes{0};
  ScriptedHttpServer server([&](const std::string& request) {
    if (ScriptedAnswer a = AnswerOpenAndFieldKeys(request); a.status != 0) return a;
    // POST /write: two 503s, then 204.
    return ++writes <= 2 ? ScriptedAnswer{503, R"({"error":"overloaded"})"}
                         : ScriptedAnswer{204, ""};
  });
  ASSERT_TRUE(server.listening());
  InfluxDbOptions options;
  options.url = server.url();
  options.database = "db";
  options.retries = 2;
  options.retry_backoff = std::chrono::milliseconds(1);
  auto store = OpenInfluxDbStore(options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto appended = (*store)->Append(
      std::vector<reading::Reading>{MakeReading("temp", "temperature", {}, kT0, 20.0)});
  ASSERT_TRUE(appended.ok()) << appended.status().ToString();
  EXPECT_EQ(appended->stored, 1u);
  EXPECT_EQ(writes.load(), 3);
  // One more 503 than the retries allow: an error that says so, nothing claimed stored.
  writes = -1;
  auto failed = (*store)->Append(
      std::vector<reading::Reading>{MakeReading("temp", "temperature", {}, kT0 + 1, 21.0)});
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(failed.status().message().find("overloaded"), std::string::npos)
      << failed.status().message();
}

TEST(InfluxDbStore, PasswordTravelsOnlyInTheAuthorizationHeader) {
  ScriptedHttpServer server([](const std::string& request) {
    if (request.starts_with("POST /write")) {
      return ScriptedAnswer{401, R"({"error":"authorization failed"})"};
    }
    return AnswerOpenAndFieldKeys(request);
  });
  ASSERT_TRUE(server.listening());
  InfluxDbOptions options;
  options.url = server.url();
  options.database = "db";
  options.username = "coolflow";
  options.password = std::string(kPassword);
  auto store = OpenInfluxDbStore(options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto appended = (*store)->Append(
      std::vector<reading::Reading>{MakeReading("temp", "temperature", {}, kT0, 20.0)});
  ASSERT_FALSE(appended.ok());
  EXPECT_EQ(appended.status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(appended.status().message().find(kPassword), std::string::npos);
  const std::string authorization =
      "Authorization: Basic " + Base64(fmt::format("coolflow:{}", kPassword));
  const std::vector<std::string> requests = server.requests();
  ASSERT_GE(requests.size(), 3u);  // ping, database check, field keys, write
  for (const std::string& request : requests) {
    const std::string request_line = request.substr(0, request.find("\r\n"));
    EXPECT_EQ(request.find(kPassword), std::string::npos) << request;
    EXPECT_EQ(request_line.find("p="), std::string::npos) << request_line;
    EXPECT_NE(request.find(authorization), std::string::npos) << request;
  }
}

}  // namespace
}  // namespace coolflow::store
