// The sysfs input against fake sysfs trees built in a temporary directory with the kernel's
// file names and formats. Reads go through the real KernelFileReader (open + read), and the
// failures are the kernel's own wherever a file can give them:
//   EIO        the attribute is a symlink to /proc/self/mem, whose offset 0 is unmapped:
//              read() fails with EIO in the kernel, exactly as from a failing driver
//   EISDIR     a directory where the attribute should be
//   a hang     a FIFO with no writer: open() blocks in the kernel until one comes
// What a file cannot do (fail twice, then answer, as a DHT22 does) is scripted with
// ScriptedReader, which only injects errnos in front of the real reader: the retry logic it
// exercises is the input's own.
#include "agent/inputs/sysfs/sysfs_input.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <functional>
#include <future>
#include <limits>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "agent/inputs/sysfs/file_reader.h"
#include "reading/validate.h"
#include "support/server_process.h"

namespace coolflow::agent {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using SteadyClock = std::chrono::steady_clock;

constexpr TimeNs kNow = 1'750'000'000LL * kNanosPerSecond;
// A generous poll deadline for tests whose reads all return at once.
constexpr auto kRelaxedDeadline = 10s;

::testing::AssertionResult Contains(std::string_view text, std::string_view part) {
  if (text.find(part) != std::string_view::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << text << "\" lacks \"" << part << "\"";
}

SysfsSensor Sensor(std::string name, SysfsKind kind, std::string device) {
  SysfsSensor sensor;
  sensor.name = std::move(name);
  sensor.kind = kind;
  sensor.device = std::move(device);
  return sensor;
}

SysfsChannel Channel(std::string metric, std::string attribute = "", double scale = 1.0,
                     double offset = 0.0) {
  return SysfsChannel{std::move(metric), std::move(attribute), scale, offset};
}

// A sysfs tree under a temporary directory.
class FakeSysfs {
 public:
  FakeSysfs() {
    auto dir = testing::MakeTempDir("sysfs");
    EXPECT_TRUE(dir.ok()) << dir.status().ToString();
    root_ = *dir;
  }
  ~FakeSysfs() {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  const fs::path& root() const { return root_; }
  fs::path Iio(std::string_view device) const { return root_ / "bus/iio/devices" / device; }
  fs::path W1(std::string_view id) const { return root_ / "bus/w1/devices" / id; }
  fs::path Hwmon(std::string_view device) const { return root_ / "class/hwmon" / device; }

  // Writes `text` to `dir/name`, creating the directories.
  void Write(const fs::path& dir, std::string_view name, std::string_view text) const {
    fs::create_directories(dir);
    ASSERT_TRUE(testing::WriteFile(dir / name, text).ok()) << (dir / name);
  }

 private:
  fs::path root_;
};

// Counts reads per file and fails the next reads of chosen files with chosen errnos; every
// other read goes to the kernel.
class ScriptedReader final : public FileReader {
 public:
  void FailNext(const fs::path& path, std::vector<int> errors) {
    std::lock_guard lock(mu_);
    for (int e : errors)
      failures_[path].push_back(e);
  }
  int Reads(const fs::path& path) const {
    std::lock_guard lock(mu_);
    auto it = reads_.find(path);
    return it == reads_.end() ? 0 : it->second;
  }

  FileText Read(const fs::path& path, size_t max_bytes) override {
    {
      std::lock_guard lock(mu_);
      ++reads_[path];
      auto& queue = failures_[path];
      if (!queue.empty()) {
        const int error = queue.front();
        queue.pop_front();
        return {error, {}};
      }
    }
    return kernel_.Read(path, max_bytes);
  }

 private:
  mutable std::mutex mu_;
  std::map<fs::path, std::deque<int>> failures_;
  std::map<fs::path, int> reads_;
  KernelFileReader kernel_;
};

struct Made {
  std::unique_ptr<Input> input;
  ScriptedReader* reader = nullptr;  // owned by input
};

Made Make(const SysfsInputConfig& config) {
  auto reader = std::make_unique<ScriptedReader>();
  ScriptedReader* raw = reader.get();
  auto input = MakeSysfsInput(config, std::move(reader));
  EXPECT_TRUE(input.ok()) << input.status().ToString();
  if (!input.ok()) return {};
  return {std::move(*input), raw};
}

SysfsInputConfig Config(const FakeSysfs& sys, std::vector<SysfsSensor> sensors) {
  SysfsInputConfig config;
  config.box = "pi-1";
  config.sysfs_root = sys.root();
  config.sensors = std::move(sensors);
  config.max_attempts = 3;
  config.retry_delay = 0ms;
  return config;
}

PollResult PollOnce(Input& input, std::chrono::nanoseconds budget = kRelaxedDeadline) {
  PollResult result;
  input.Poll(kNow, SteadyClock::now() + budget, result);
  return result;
}

const reading::Reading* Find(const PollResult& result, std::string_view sensor,
                             std::string_view metric) {
  for (const reading::Reading& r : result.readings) {
    if (r.metric != metric) continue;
    for (const reading::Tag& tag : r.tags) {
      if (tag.key == "sensor" && tag.value == sensor) return &r;
    }
  }
  return nullptr;
}

const InputError* FindError(const PollResult& result, const fs::path& source) {
  for (const InputError& e : result.errors) {
    if (e.source == source.string()) return &e;
  }
  return nullptr;
}

std::string Describe(const PollResult& result) {
  std::string out;
  for (const auto& r : result.readings) {
    out += "reading " + r.metric + "=" + std::to_string(reading::ValueAsDouble(r.value)) + "\n";
  }
  for (const auto& e : result.errors)
    out += "error " + e.source + ": " + e.why + "\n";
  return out;
}

// Every reading the input gives must pass the same validation the hub applies.
void ExpectAllValid(const PollResult& result) {
  for (const reading::Reading& r : result.readings) {
    auto violation = reading::Validate(r, kNow, reading::ValidationOptions{});
    EXPECT_FALSE(violation.has_value())
        << r.metric << ": " << (violation ? violation->message : "");
  }
}

double Value(const reading::Reading* r) {
  return r == nullptr ? -1e9 : reading::ValueAsDouble(r->value);
}

// --- IIO -------------------------------------------------------------------------------

// A DHT22 on the dht11 driver: milli-°C and milli-%RH become °C and %RH in measurement
// "temp", tagged with the sensor's name and tags; the device is found by its `name` file,
// which the driver writes as "dht11@<gpio>".
TEST(SysfsInput, ReadsDht11ByName) {
  FakeSysfs sys;
  const fs::path dev = sys.Iio("iio:device0");
  sys.Write(dev, "name", "dht11@4\n");
  sys.Write(dev, "in_temp_input", "23400\n");
  sys.Write(dev, "in_humidityrelative_input", "45300\n");
  SysfsSensor dht = Sensor("rack1-top", SysfsKind::kIio, "dht11");
  dht.tags = {{"rack", "r01"}, {"position", "top"}};
  auto made = Make(Config(sys, {dht}));
  ASSERT_NE(made.input, nullptr);

  PollResult result = PollOnce(*made.input);
  EXPECT_TRUE(result.errors.empty()) << Describe(result);
  ASSERT_EQ(result.readings.size(), 2u) << Describe(result);
  const reading::Reading* t = Find(result, "rack1-top", "temperature");
  const reading::Reading* h = Find(result, "rack1-top", "humidity");
  ASSERT_NE(t, nullptr);
  ASSERT_NE(h, nullptr);
  EXPECT_DOUBLE_EQ(Value(t), 23.4);
  EXPECT_DOUBLE_EQ(Value(h), 45.3);
  EXPECT_EQ(t->unit, reading::Unit::kCelsius);
  EXPECT_EQ(h->unit, reading::Unit::kRelativeHumidity);
  EXPECT_EQ(t->measurement, "temp");
  EXPECT_EQ(t->box, "pi-1");
  EXPECT_EQ(t->time, kNow);
  EXPECT_EQ(t->seq, 0u);
  const reading::TagSet want = {{"position", "top"}, {"rack", "r01"}, {"sensor", "rack1-top"}};
  EXPECT_EQ(t->tags, want);
  ExpectAllValid(result);
}

// BME280 through the bmp280 driver: pressure in kPa (IIO_VAL_FRACTIONAL, printed with nine
// decimals) becomes hPa; the device is found by its directory; calibration applies.
TEST(SysfsInput, ReadsBme280AndCalibrates) {
  FakeSysfs sys;
  const fs::path dev = sys.Iio("iio:device1");
  sys.Write(dev, "name", "bme280\n");
  sys.Write(dev, "in_temp_input", "21930\n");
  sys.Write(dev, "in_humidityrelative_input", "48212.890625000\n");
  sys.Write(dev, "in_pressure_input", "100.912343750\n");
  SysfsSensor bme = Sensor("room", SysfsKind::kIio, "iio:device1");
  auto made = Make(Config(sys, {bme}));
  PollResult result = PollOnce(*made.input);
  EXPECT_TRUE(result.errors.empty()) << Describe(result);
  EXPECT_DOUBLE_EQ(Value(Find(result, "room", "temperature")), 21.93);
  EXPECT_NEAR(Value(Find(result, "room", "humidity")), 48.212890625, 1e-9);
  EXPECT_NEAR(Value(Find(result, "room", "pressure")), 1009.1234375, 1e-9);
  ExpectAllValid(result);

  // The same device, temperature only, calibrated: measured * 1.0 - 0.5.
  SysfsSensor calibrated = bme;
  calibrated.name = "room-cal";
  calibrated.channels = {Channel("temperature", "", 1.0, -0.5)};
  auto made2 = Make(Config(sys, {calibrated}));
  PollResult result2 = PollOnce(*made2.input);
  ASSERT_EQ(result2.readings.size(), 1u) << Describe(result2);
  EXPECT_DOUBLE_EQ(Value(Find(result2, "room-cal", "temperature")), 21.43);
}

// Drivers without a processed value: (raw + offset) * scale, with the channel's own scale or
// the one its type shares (in_temp_scale for in_temp1_raw).
TEST(SysfsInput, IioRawOffsetAndScale) {
  FakeSysfs sys;
  const fs::path dev = sys.Iio("iio:device2");
  sys.Write(dev, "name", "tmp006\n");
  sys.Write(dev, "in_temp_raw", "1200\n");
  sys.Write(dev, "in_temp_offset", "-500\n");
  sys.Write(dev, "in_temp_scale", "31.250000\n");
  sys.Write(dev, "in_temp1_raw", "800\n");
  SysfsSensor a = Sensor("a", SysfsKind::kIio, "tmp006");
  SysfsSensor b = Sensor("b", SysfsKind::kIio, "tmp006");
  b.channels = {Channel("temperature", "in_temp1")};
  auto made = Make(Config(sys, {a, b}));
  PollResult result = PollOnce(*made.input);
  EXPECT_TRUE(result.errors.empty()) << Describe(result);
  EXPECT_DOUBLE_EQ(Value(Find(result, "a", "temperature")), (1200 - 500) * 31.25 / 1000);
  // in_temp1 has no offset of its own and shares the type's: in_temp_offset.
  EXPECT_DOUBLE_EQ(Value(Find(result, "b", "temperature")), (800 - 500) * 31.25 / 1000);
}

// --- 1-Wire ----------------------------------------------------------------------------

TEST(SysfsInput, W1PrefersTemperatureAndFallsBackToW1Slave) {
  FakeSysfs sys;
  sys.Write(sys.W1("28-0000071c6b2f"), "temperature", "23125\n");
  sys.Write(sys.W1("28-0000071c6b2f"), "w1_slave",
            "00 00 00 00 00 00 00 00 00 : crc=00 NO\n00 00 00 00 00 00 00 00 00 t=0\n");
  sys.Write(sys.W1("28-000005e2fdc3"), "w1_slave",
            "5e ff 4b 46 7f ff 02 10 b6 : crc=b6 YES\n5e ff 4b 46 7f ff 02 10 b6 t=-10125\n");
  SysfsSensor newer = Sensor("inlet", SysfsKind::kW1, "28-0000071c6b2f");
  SysfsSensor older = Sensor("outdoor", SysfsKind::kW1, "28-000005e2fdc3");
  auto made = Make(Config(sys, {newer, older}));
  PollResult result = PollOnce(*made.input);
  EXPECT_TRUE(result.errors.empty()) << Describe(result);
  EXPECT_DOUBLE_EQ(Value(Find(result, "inlet", "temperature")), 23.125);
  EXPECT_DOUBLE_EQ(Value(Find(result, "outdoor", "temperature")), -10.125);
  // `temperature` was read, never the w1_slave beside it.
  EXPECT_EQ(made.reader->Reads(sys.W1("28-0000071c6b2f") / "w1_slave"), 0);
  ExpectAllValid(result);
}

// A CRC mismatch, an all-zero scratchpad and the 85 °C power-on value are failed reads:
// retried max_attempts times, then reported naming the file.
TEST(SysfsInput, W1GlitchesAreRetriedThenReported) {
  FakeSysfs sys;
  const fs::path crc = sys.W1("28-000000000001");
  const fs::path zeros = sys.W1("28-000000000002");
  const fs::path reset = sys.W1("28-000000000003");
  sys.Write(crc, "w1_slave",
            "ff ff ff ff ff ff ff ff ff : crc=c9 NO\nff ff ff ff ff ff ff ff ff t=-62\n");
  sys.Write(zeros, "w1_slave",
            "00 00 00 00 00 00 00 00 00 : crc=00 YES\n00 00 00 00 00 00 00 00 00 t=0\n");
  sys.Write(reset, "temperature", "85000\n");
  auto made = Make(Config(sys, {Sensor("crc", SysfsKind::kW1, crc.filename().string()),
                                Sensor("zero", SysfsKind::kW1, zeros.filename().string()),
                                Sensor("por", SysfsKind::kW1, reset.filename().string())}));
  PollResult result = PollOnce(*made.input);
  EXPECT_TRUE(result.readings.empty()) << Describe(result);
  ASSERT_EQ(result.errors.size(), 3u) << Describe(result);
  const InputError* e1 = FindError(result, crc / "w1_slave");
  const InputError* e2 = FindError(result, zeros / "w1_slave");
  const InputError* e3 = FindError(result, reset / "temperature");
  ASSERT_TRUE(e1 && e2 && e3) << Describe(result);
  EXPECT_EQ(e1->why, "CRC check failed (the driver said NO) after 3 attempts");
  EXPECT_TRUE(Contains(e2->why, "every scratchpad byte is 00"));
  EXPECT_TRUE(Contains(e3->why, "85 °C is the DS18B20's power-on value"));
  EXPECT_TRUE(Contains(e3->why, "after 3 attempts"));
  EXPECT_EQ(made.reader->Reads(crc / "w1_slave"), 3);
  EXPECT_EQ(made.reader->Reads(reset / "temperature"), 3);
}

// --- hwmon -----------------------------------------------------------------------------

// An INA219 (power µW, current mA, bus voltage on in1 mV) and a pwm-fan tachometer; the
// older layout with attributes in device/ works too.
TEST(SysfsInput, ReadsHwmonPowerCurrentVoltageAndFan) {
  FakeSysfs sys;
  const fs::path ina = sys.Hwmon("hwmon2");
  sys.Write(ina, "name", "ina219\n");
  sys.Write(ina, "power1_input", "2350000\n");
  sys.Write(ina, "curr1_input", "1234\n");
  sys.Write(ina, "in0_input", "12\n");  // shunt voltage: not auto-detected
  sys.Write(ina, "in1_input", "12100\n");
  const fs::path fan = sys.Hwmon("hwmon3");
  sys.Write(fan / "device", "name", "pwmfan\n");
  sys.Write(fan / "device", "fan1_input", "1450\n");
  SysfsSensor power = Sensor("pdu-a", SysfsKind::kHwmon, "ina219");
  SysfsSensor volts = Sensor("pdu-a-bus", SysfsKind::kHwmon, "hwmon2");
  volts.channels = {Channel("voltage", "in1")};
  SysfsSensor tach = Sensor("rack1-fan", SysfsKind::kHwmon, "pwmfan");
  auto made = Make(Config(sys, {power, volts, tach}));
  PollResult result = PollOnce(*made.input);
  EXPECT_TRUE(result.errors.empty()) << Describe(result);
  EXPECT_EQ(result.readings.size(), 4u) << Describe(result);
  const reading::Reading* w = Find(result, "pdu-a", "power");
  const reading::Reading* a = Find(result, "pdu-a", "current");
  const reading::Reading* v = Find(result, "pdu-a-bus", "voltage");
  const reading::Reading* rpm = Find(result, "rack1-fan", "fan_speed");
  ASSERT_TRUE(w && a && v && rpm) << Describe(result);
  EXPECT_DOUBLE_EQ(Value(w), 2.35);
  EXPECT_DOUBLE_EQ(Value(a), 1.234);
  EXPECT_DOUBLE_EQ(Value(v), 12.1);
  EXPECT_DOUBLE_EQ(Value(rpm), 1450);
  EXPECT_EQ(w->measurement, "power");
  EXPECT_EQ(w->unit, reading::Unit::kWatt);
  EXPECT_EQ(a->unit, reading::Unit::kAmpere);
  EXPECT_EQ(v->unit, reading::Unit::kVolt);
  EXPECT_EQ(rpm->measurement, "fan");
  EXPECT_EQ(rpm->unit, reading::Unit::kRpm);
  EXPECT_EQ(Find(result, "pdu-a", "voltage"), nullptr);  // in0 is not guessed
  ExpectAllValid(result);
}

// --- failures from the kernel ----------------------------------------------------------

// A real EIO from read(): retried max_attempts times, reported as the issue asks, while the
// sensor's other channel and the other sensors are read as usual.
TEST(SysfsInput, KernelEioIsRetriedAndReportedWithoutStoppingOthers) {
  FakeSysfs sys;
  const fs::path dht = sys.Iio("iio:device0");
  sys.Write(dht, "name", "dht11\n");
  fs::create_symlink("/proc/self/mem", dht / "in_temp_input");
  sys.Write(dht, "in_humidityrelative_input", "45000\n");
  sys.Write(sys.W1("28-0000071c6b2f"), "temperature", "22500\n");
  auto made = Make(Config(sys, {Sensor("dht", SysfsKind::kIio, "dht11"),
                                Sensor("ds", SysfsKind::kW1, "28-0000071c6b2f")}));
  PollResult result = PollOnce(*made.input);
  ASSERT_EQ(result.errors.size(), 1u) << Describe(result);
  EXPECT_EQ(result.errors[0].source, (dht / "in_temp_input").string());
  EXPECT_EQ(result.errors[0].why, "read failed: EIO after 3 attempts");
  EXPECT_EQ(made.reader->Reads(dht / "in_temp_input"), 3);
  EXPECT_DOUBLE_EQ(Value(Find(result, "dht", "humidity")), 45.0);
  EXPECT_DOUBLE_EQ(Value(Find(result, "ds", "temperature")), 22.5);
}

// Failures a retry cannot mend are reported after one read; bad text is quoted.
TEST(SysfsInput, PermanentFailuresAndBadTextNameTheFile) {
  FakeSysfs sys;
  struct Case {
    std::string device;
    std::string text;  // "" with dir = true: a directory in its place
    bool dir;
    std::string why;
  };
  const std::vector<Case> cases = {
      {"iio:device0", "", true, "read failed: EISDIR (Is a directory)"},
      {"iio:device1", "abc\n", false, "'abc' is not a decimal number"},
      {"iio:device2", "", false, "empty file"},
      {"iio:device3", "nan\n", false, "'nan' is not a decimal number"},
      {"iio:device4", "150000\n", false,
       "150 Cel is outside the physical range -40..85 Cel (the file read '150000')"},
      {"iio:device5", std::string(5000, '1'), false, "read failed: EFBIG"},
  };
  std::vector<SysfsSensor> sensors;
  for (const Case& c : cases) {
    if (c.dir) {
      fs::create_directories(sys.Iio(c.device) / "in_temp_input");
    } else {
      sys.Write(sys.Iio(c.device), "in_temp_input", c.text);
    }
    sensors.push_back(Sensor(c.device, SysfsKind::kIio, c.device));
  }
  auto made = Make(Config(sys, sensors));
  PollResult result = PollOnce(*made.input);
  EXPECT_TRUE(result.readings.empty()) << Describe(result);
  EXPECT_EQ(result.errors.size(), cases.size()) << Describe(result);
  for (const Case& c : cases) {
    const fs::path file = sys.Iio(c.device) / "in_temp_input";
    const InputError* e = FindError(result, file);
    ASSERT_NE(e, nullptr) << c.device << "\n" << Describe(result);
    EXPECT_TRUE(Contains(e->why, c.why)) << c.device;
    EXPECT_EQ(made.reader->Reads(file), 1) << c.device << ": not worth a retry";
  }
}

// A DHT22 failing as it does (EIO on a bad checksum, ETIMEDOUT on lost edges) then
// answering gives its reading and no error; EAGAIN likewise.
TEST(SysfsInput, TransientFailuresThenSuccessGiveTheReading) {
  FakeSysfs sys;
  const fs::path dev = sys.Iio("iio:device0");
  sys.Write(dev, "name", "dht11\n");
  sys.Write(dev, "in_temp_input", "24100\n");
  sys.Write(dev, "in_humidityrelative_input", "51000\n");
  auto made = Make(Config(sys, {Sensor("dht", SysfsKind::kIio, "dht11")}));
  made.reader->FailNext(dev / "in_temp_input", {EIO, ETIMEDOUT});
  made.reader->FailNext(dev / "in_humidityrelative_input", {EAGAIN});
  PollResult result = PollOnce(*made.input);
  EXPECT_TRUE(result.errors.empty()) << Describe(result);
  EXPECT_DOUBLE_EQ(Value(Find(result, "dht", "temperature")), 24.1);
  EXPECT_DOUBLE_EQ(Value(Find(result, "dht", "humidity")), 51.0);
  EXPECT_EQ(made.reader->Reads(dev / "in_temp_input"), 3);
  EXPECT_EQ(made.reader->Reads(dev / "in_humidityrelative_input"), 2);
}

// A retry whose pause would end past the deadline is not made: the poll returns with the
// failure instead of sleeping through its caller's interval.
TEST(SysfsInput, NoRetryPastTheDeadline) {
  FakeSysfs sys;
  const fs::path dev = sys.Iio("iio:device0");
  sys.Write(dev, "in_temp_input", "24100\n");
  SysfsInputConfig config = Config(sys, {Sensor("dht", SysfsKind::kIio, "iio:device0")});
  config.max_attempts = kMaxSysfsAttempts;
  config.retry_delay = kMaxSysfsRetryDelay;
  auto made = Make(config);
  made.reader->FailNext(dev / "in_temp_input", {EIO});
  const auto start = SteadyClock::now();
  PollResult result = PollOnce(*made.input, 1s);
  // Far less than the 10 s pause a retry would have taken.
  EXPECT_LT(SteadyClock::now() - start, kMaxSysfsRetryDelay / 2);
  ASSERT_EQ(result.errors.size(), 1u) << Describe(result);
  EXPECT_EQ(result.errors[0].why,
            "read failed: EIO after 1 attempt; no time for another before the poll deadline");
  EXPECT_EQ(made.reader->Reads(dev / "in_temp_input"), 1);
}

// Poll, on another thread, with a watchdog: a Poll that overruns its deadline by more than
// `slack` fails the test at once (abort) instead of hanging the suite until ctest's timeout.
PollResult PollWatched(Input& input, std::chrono::milliseconds budget,
                       std::chrono::seconds slack = 5s) {
  auto polled =
      std::async(std::launch::async, [&input, budget] { return PollOnce(input, budget); });
  if (polled.wait_for(budget + slack) != std::future_status::ready) {
    ADD_FAILURE() << "Poll did not return within its deadline plus " << slack.count() << " s";
    std::abort();
  }
  return polled.get();
}

// Opens the FIFO at `path` for writing (a reader is blocked on it), so the blocked open()
// returns; retries until the reader has reached open(), up to 10 s.
int OpenFifoWriter(const fs::path& path) {
  const auto until = SteadyClock::now() + 10s;
  for (;;) {
    const int fd = ::open(path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd >= 0 || errno != ENXIO || SteadyClock::now() > until) return fd;
    std::this_thread::sleep_for(5ms);
  }
}

// A read that hangs in the kernel (here: open() of a FIFO that has no writer) costs that
// sensor only: Poll returns by its deadline with the other sensor's readings and says where
// the hung one is stuck; the next poll skips it while it is still stuck; once the kernel
// returns, the sensor is read again.
TEST(SysfsInput, AHangingReadCostsOnlyItsSensor) {
  FakeSysfs sys;
  const fs::path hung = sys.Iio("iio:device0");
  fs::create_directories(hung);
  const fs::path fifo = hung / "in_temp_input";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0) << std::strerror(errno);
  sys.Write(sys.W1("28-0000071c6b2f"), "temperature", "22500\n");
  auto made = Make(Config(sys, {Sensor("hung", SysfsKind::kIio, "iio:device0"),
                                Sensor("ds", SysfsKind::kW1, "28-0000071c6b2f")}));
  ASSERT_NE(made.input, nullptr);
  // Frees the blocked worker whatever happens below, before the input joins it.
  struct Release {
    fs::path fifo;
    ~Release() {
      const int fd = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
      if (fd >= 0) ::close(fd);
    }
  } release{fifo};

  const auto deadline = 300ms;
  // Returns at the deadline, not when the FIFO gets a writer (never, so far).
  PollResult first = PollWatched(*made.input, deadline);
  EXPECT_DOUBLE_EQ(Value(Find(first, "ds", "temperature")), 22.5) << Describe(first);
  ASSERT_EQ(first.errors.size(), 1u) << Describe(first);
  EXPECT_EQ(first.errors[0].source, fifo.string());
  EXPECT_TRUE(Contains(first.errors[0].why, "sensor hung: no answer by the poll deadline"));

  PollResult second = PollWatched(*made.input, deadline);
  EXPECT_DOUBLE_EQ(Value(Find(second, "ds", "temperature")), 22.5) << Describe(second);
  ASSERT_EQ(second.errors.size(), 1u) << Describe(second);
  EXPECT_EQ(second.errors[0].source, fifo.string());
  EXPECT_TRUE(Contains(second.errors[0].why, "sensor hung: skipped, still reading"));

  // The kernel returns: a writer comes and gives the stuck read its text; the attribute
  // becomes a regular file for the reads after it.
  const int writer = OpenFifoWriter(fifo);
  ASSERT_GE(writer, 0) << std::strerror(errno);
  sys.Write(hung, "in_temp_input.new", "21000\n");
  fs::rename(hung / "in_temp_input.new", fifo);
  ASSERT_EQ(::write(writer, "99000\n", 6), 6);
  ::close(writer);

  // The stuck read's late answer is dropped; a later poll reads the sensor again.
  const auto until = SteadyClock::now() + 20s;
  PollResult later;
  while (SteadyClock::now() < until) {
    later = PollOnce(*made.input, 1s);
    if (Find(later, "hung", "temperature") != nullptr) break;
  }
  EXPECT_DOUBLE_EQ(Value(Find(later, "hung", "temperature")), 21.0) << Describe(later);
  EXPECT_TRUE(later.errors.empty()) << Describe(later);
}

// --- devices that are not there, or not unique -----------------------------------------

TEST(SysfsInput, MissingOrAmbiguousDevicesAreErrorsNotCrashes) {
  FakeSysfs sys;
  sys.Write(sys.Iio("iio:device0"), "name", "dht11@4\n");
  sys.Write(sys.Iio("iio:device0"), "in_temp_input", "20000\n");
  sys.Write(sys.Iio("iio:device1"), "name", "dht11@17\n");
  sys.Write(sys.Iio("iio:device1"), "in_temp_input", "21000\n");
  sys.Write(sys.Iio("iio:device2"), "name", "bme280\n");
  sys.Write(sys.Iio("iio:device2"), "in_voltage0_raw", "5\n");  // nothing coolflow reads
  fs::create_directories(sys.root() / "class/hwmon");
  auto made = Make(Config(
      sys,
      {Sensor("twice", SysfsKind::kIio, "dht11"), Sensor("nowhere", SysfsKind::kIio, "sht31"),
       Sensor("gone", SysfsKind::kW1, "28-0000071c6b2f"),
       Sensor("nohwmon", SysfsKind::kHwmon, "ina219"), Sensor("empty", SysfsKind::kIio, "bme280"),
       Sensor("direct", SysfsKind::kIio, "iio:device1")}));
  PollResult result = PollOnce(*made.input);
  EXPECT_DOUBLE_EQ(Value(Find(result, "direct", "temperature")), 21.0) << Describe(result);
  ASSERT_EQ(result.errors.size(), 5u) << Describe(result);
  const fs::path iio = sys.root() / "bus/iio/devices";
  std::string all;
  for (const InputError& e : result.errors)
    all += e.source + ": " + e.why + "\n";
  EXPECT_TRUE(Contains(all, iio.string() + ": sensor twice: 2 IIO devices are named 'dht11' "
                                           "(iio:device0, iio:device1)"));
  EXPECT_TRUE(Contains(all, iio.string() + ": sensor nowhere: no IIO device named 'sht31' "
                                           "(found: iio:device0=dht11@4, iio:device1=dht11@17, "
                                           "iio:device2=bme280)"));
  EXPECT_TRUE(Contains(all, "sensor gone: no 1-Wire slave 28-0000071c6b2f on the bus"));
  EXPECT_TRUE(Contains(all, "sensor nohwmon: no hwmon device named 'ina219' (found: none)"));
  EXPECT_TRUE(Contains(all, "sensor empty: the device has none of the channels"));
}

// The device is looked up once, not on every read (a Pi polls every second); the kernel
// numbers hwmonN at boot and again when a driver is reloaded, so a device that moves is read
// where it went within the same poll, and one unplugged is found again when it comes back.
TEST(SysfsInput, DeviceIsLookedUpOnceAndFollowedWhenRenumberedOrReplugged) {
  FakeSysfs sys;
  auto plug = [&](const std::string& dir, std::string_view microwatts) {
    sys.Write(sys.Hwmon(dir), "name", "ina219\n");
    sys.Write(sys.Hwmon(dir), "power1_input", microwatts);
  };
  plug("hwmon0", "2000000\n");
  auto made = Make(Config(sys, {Sensor("ups", SysfsKind::kHwmon, "ina219")}));
  for (int round = 0; round < 3; ++round) {
    PollResult result = PollOnce(*made.input);
    EXPECT_TRUE(result.errors.empty()) << Describe(result);
    EXPECT_DOUBLE_EQ(Value(Find(result, "ups", "power")), 2.0) << Describe(result);
  }
  EXPECT_EQ(made.reader->Reads(sys.Hwmon("hwmon0") / "name"), 1);

  fs::rename(sys.Hwmon("hwmon0"), sys.Hwmon("hwmon4"));
  sys.Write(sys.Hwmon("hwmon4"), "power1_input", "3000000\n");
  PollResult moved = PollOnce(*made.input);
  EXPECT_TRUE(moved.errors.empty()) << Describe(moved);
  EXPECT_DOUBLE_EQ(Value(Find(moved, "ups", "power")), 3.0) << Describe(moved);

  fs::remove_all(sys.Hwmon("hwmon4"));
  PollResult unplugged = PollOnce(*made.input);
  EXPECT_EQ(Find(unplugged, "ups", "power"), nullptr);
  ASSERT_EQ(unplugged.errors.size(), 1u) << Describe(unplugged);
  EXPECT_TRUE(Contains(unplugged.errors[0].why, "sensor ups")) << Describe(unplugged);

  plug("hwmon5", "4000000\n");
  PollResult back = PollOnce(*made.input);
  EXPECT_TRUE(back.errors.empty()) << Describe(back);
  EXPECT_DOUBLE_EQ(Value(Find(back, "ups", "power")), 4.0) << Describe(back);
}

// --- configuration ---------------------------------------------------------------------

TEST(SysfsConfig, RefusesBadConfigNamingTheField) {
  const SysfsSensor good = Sensor("s", SysfsKind::kIio, "dht11");
  auto with = [&](auto change) {
    SysfsInputConfig config;
    config.box = "pi-1";
    config.sensors = {good, good};
    config.sensors[1].name = "t";
    change(config);
    return ValidateSysfsInputConfig(config);
  };
  EXPECT_TRUE(with([](SysfsInputConfig&) {}).ok());
  struct Case {
    std::function<void(SysfsInputConfig&)> change;
    std::string_view why;
  };
  const std::vector<Case> cases = {
      {[](auto& c) { c.box = ""; }, "box: box id is empty"},
      {[](auto& c) { c.sysfs_root = ""; }, "sysfs_root is empty"},
      {[](auto& c) { c.sensors.clear(); }, "sensors: none listed"},
      {[](auto& c) { c.max_attempts = 0; }, "max_attempts 0 is outside 1..10"},
      {[](auto& c) { c.retry_delay = std::chrono::milliseconds(-1); }, "retry_delay -1 ms"},
      {[](auto& c) { c.retry_delay = 20s; }, "retry_delay 20000 ms is outside 0..10000 ms"},
      {[](auto& c) { c.sensors[1].name = "s"; }, "sensors[1] (s): the name is taken by sensors[0]"},
      {[](auto& c) { c.sensors[1].name = ""; }, "sensors[1] (): name: empty name"},
      {[](auto& c) { c.sensors[1].device = ""; }, "sensors[1] (t): device is empty"},
      {[](auto& c) { c.sensors[1].device = "../../etc"; },
       "sensors[1] (t): device '../../etc' "
       "must name a device directory"},
      {[](auto& c) { c.sensors[1].device = ".."; }, "must name a device directory"},
      {[](auto& c) {
         c.sensors[1].kind = SysfsKind::kW1;
         c.sensors[1].device = "28-0000071C6B2F";
       },
       "sensors[1] (t): device '28-0000071C6B2F' is not a 1-Wire slave id"},
      {[](auto& c) { c.sensors[1].channels = {Channel("fan_speed")}; },
       "sensors[1] (t): channels[0]: iio devices give no 'fan_speed' (they give temperature, "
       "humidity, pressure)"},
      {[](auto& c) {
         c.sensors[1].kind = SysfsKind::kW1;
         c.sensors[1].device = "28-0000071c6b2f";
         c.sensors[1].channels = {Channel("temperature", "temp2")};
       },
       "channels[0]: a 1-Wire thermometer has one value and takes no attribute"},
      {[](auto& c) { c.sensors[1].channels = {Channel("temperature", "temp1")}; },
       "attribute 'temp1' does not start with 'in_temp'"},
      {[](auto& c) { c.sensors[1].channels = {Channel("temperature", "in_temp/x")}; },
       "may hold only [a-z0-9_]"},
      {[](auto& c) {
         c.sensors[1].kind = SysfsKind::kHwmon;
         c.sensors[1].channels = {Channel("fan_speed", "fanX")};
       },
       "attribute 'fanX' must be 'fan' and a channel number, such as 'fan1'"},
      {[](auto& c) {
         c.sensors[1].kind = SysfsKind::kHwmon;
         c.sensors[1].channels = {Channel("voltage", "curr1")};
       },
       "attribute 'curr1' does not start with 'in'"},
      {[](auto& c) { c.sensors[1].channels = {Channel("temperature", "", 0)}; },
       "channels[0]: scale 0 must be a finite number other than 0"},
      {[](auto& c) {
         c.sensors[1].channels = {
             Channel("temperature", "", 1.0, std::numeric_limits<double>::quiet_NaN())};
       },
       "channels[0]: offset nan must be a finite number"},
      {[](auto& c) {
         c.sensors[1].channels = {Channel("humidity"), Channel("humidity")};
       },
       "channels[1]: 'humidity' is read already by channels[0]"},
      {[](auto& c) {
         c.sensors[1].tags = {{"sensor", "x"}};
       },
       "sensors[1] (t): tags[0]: the key 'sensor' is reserved"},
      {[](auto& c) {
         c.sensors[1].tags = {{"box", "x"}};
       },
       "tags[0]: the key 'box' is reserved"},
      {[](auto& c) {
         c.sensors[1].tags = {{"rack", "a"}, {"rack", "b"}};
       },
       "tags[1]: the key 'rack' is given twice"},
      {[](auto& c) {
         c.sensors[1].tags = {{"rack", ""}};
       },
       "tags[0] (rack): value: empty name"},
      {[](auto& c) {
         c.sensors[1].tags = {{"ra\x01ck", "a"}};
       },
       "tags[0]: key"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    Status s = with(cases[i].change);
    ASSERT_FALSE(s.ok()) << "case " << i << " (" << cases[i].why << ")";
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_TRUE(Contains(s.message(), cases[i].why)) << "case " << i;
  }
  // MakeSysfsInput refuses what the check refuses.
  SysfsInputConfig bad;
  bad.box = "pi-1";
  EXPECT_FALSE(MakeSysfsInput(bad).ok());
}

}  // namespace
}  // namespace coolflow::agent
