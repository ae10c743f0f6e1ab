// The PWM fan actuator against a fake hwmon tree in a temporary directory, laid out as
// /sys/class/hwmon is (Documentation/hwmon/sysfs-interface.rst): hwmonN/name, pwmN,
// pwmN_enable. Device files stand in for a driver's failures: /dev/full refuses writes
// (ENOSPC), /dev/null takes them and reads back nothing.
#include "agent/actuators/fan/pwm_fan_actuator.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "support/server_process.h"

namespace coolflow::agent {
namespace {

namespace fs = std::filesystem;

class FanActuator : public ::testing::Test {
 protected:
  void SetUp() override {
    auto dir = testing::MakeTempDir("hwmon");
    ASSERT_TRUE(dir.ok()) << dir.status().ToString();
    root_ = *dir;
    AddDevice("hwmon0", "cpu_thermal", /*pwm_channels=*/0);
    AddDevice("hwmon1", "pwmfan", /*pwm_channels=*/2);
  }
  void TearDown() override {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }

  void AddDevice(const std::string& dir, const std::string& name, int pwm_channels) {
    fs::create_directories(root_ / dir);
    Write(root_ / dir / "name", name + "\n");
    for (int n = 1; n <= pwm_channels; ++n) {
      Write(root_ / dir / ("pwm" + std::to_string(n)), "77\n");
      Write(root_ / dir / ("pwm" + std::to_string(n) + "_enable"), "2\n");  // automatic
    }
  }

  static void Write(const fs::path& path, const std::string& text) { std::ofstream(path) << text; }
  static std::string Read(const fs::path& path) {
    std::ifstream in(path);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

  FanOptions Options(const std::string& device = "pwmfan") const {
    FanOptions options;
    options.hwmon_root = root_;
    options.device = device;
    return options;
  }

  std::unique_ptr<Actuator> Make(const FanOptions& options) const {
    auto fan = MakePwmFanActuator(options);
    EXPECT_TRUE(fan.ok()) << fan.status().ToString();
    return fan.ok() ? std::move(*fan) : nullptr;
  }

  static Command Percent(double percent) {
    Command command;
    command.device = "fan-r01";
    command.fan_percent = percent;
    return command;
  }

  fs::path root_;
};

TEST_F(FanActuator, WritesManualModeThenTheDutyOutOf255) {
  auto fan = Make(Options());
  ASSERT_NE(fan, nullptr);
  ASSERT_TRUE(fan->Apply(Percent(50)).ok());
  EXPECT_EQ(Read(root_ / "hwmon1/pwm1_enable"), "1\n");
  EXPECT_EQ(Read(root_ / "hwmon1/pwm1"), "128\n");  // round(50 * 255 / 100) = round(127.5)
  EXPECT_EQ(Read(root_ / "hwmon1/pwm2"), "77\n");   // the other channel untouched
  EXPECT_EQ(Read(root_ / "hwmon1/pwm2_enable"), "2\n");
  EXPECT_FALSE(fan->ac_state().has_value());

  ASSERT_TRUE(fan->Apply(Percent(100)).ok());
  EXPECT_EQ(Read(root_ / "hwmon1/pwm1"), "255\n");
  ASSERT_TRUE(fan->Apply(Percent(0)).ok());
  EXPECT_EQ(Read(root_ / "hwmon1/pwm1"), "0\n");
}

TEST_F(FanActuator, PercentToPwmFollowsTheHwmonScale) {
  EXPECT_EQ(PwmFromPercent(0), 0);
  EXPECT_EQ(PwmFromPercent(100), 255);
  EXPECT_EQ(PwmFromPercent(50), 128);
  EXPECT_EQ(PwmFromPercent(30), 77);  // 76.5 rounds up
  EXPECT_EQ(PwmFromPercent(1), 3);    // 2.55
}

TEST_F(FanActuator, FindsTheDeviceByDirectoryOrChipNameAndChannel) {
  FanOptions options = Options("hwmon1");
  options.channel = 2;
  auto fan = Make(options);
  ASSERT_NE(fan, nullptr);
  ASSERT_TRUE(fan->Apply(Percent(20)).ok());
  EXPECT_EQ(Read(root_ / "hwmon1/pwm2"), "51\n");
  EXPECT_EQ(Read(root_ / "hwmon1/pwm1"), "77\n");
}

// Something else (a BIOS, fancontrol) took the fan back: the next command retakes it.
TEST_F(FanActuator, RetakesManualControlWhenSomethingElseTookIt) {
  auto fan = Make(Options());
  ASSERT_NE(fan, nullptr);
  ASSERT_TRUE(fan->Apply(Percent(40)).ok());
  Write(root_ / "hwmon1/pwm1_enable", "2\n");
  ASSERT_TRUE(fan->Apply(Percent(60)).ok());
  EXPECT_EQ(Read(root_ / "hwmon1/pwm1_enable"), "1\n");
  EXPECT_EQ(Read(root_ / "hwmon1/pwm1"), "153\n");
}

// pwm-fan on older kernels has pwm1 and no pwm1_enable: it is always manual.
TEST_F(FanActuator, ChipWithoutPwmEnableIsDrivenDirectly) {
  fs::remove(root_ / "hwmon1/pwm1_enable");
  auto fan = Make(Options());
  ASSERT_NE(fan, nullptr);
  ASSERT_TRUE(fan->Apply(Percent(25)).ok());
  EXPECT_EQ(Read(root_ / "hwmon1/pwm1"), "64\n");
  EXPECT_FALSE(fs::exists(root_ / "hwmon1/pwm1_enable"));
}

TEST_F(FanActuator, PowerOffStopsTheFanAndPowerOnRestoresTheDuty) {
  auto fan = Make(Options());
  ASSERT_NE(fan, nullptr);
  ASSERT_TRUE(fan->Apply(Percent(40)).ok());
  Command off;
  off.power = false;
  ASSERT_TRUE(fan->Apply(off).ok());
  EXPECT_EQ(Read(root_ / "hwmon1/pwm1"), "0\n");
  ASSERT_TRUE(fan->Apply(Percent(70)).ok());  // remembered, still off
  EXPECT_EQ(Read(root_ / "hwmon1/pwm1"), "0\n");
  Command on;
  on.power = true;
  ASSERT_TRUE(fan->Apply(on).ok());
  EXPECT_EQ(Read(root_ / "hwmon1/pwm1"), "179\n");  // 178.5
}

TEST_F(FanActuator, PowerOnBeforeAnyDutyRunsAtTheInitialPercent) {
  auto fan = Make(Options());
  ASSERT_NE(fan, nullptr);
  Command on;
  on.power = true;
  ASSERT_TRUE(fan->Apply(on).ok());
  EXPECT_EQ(Read(root_ / "hwmon1/pwm1"), "255\n");
}

TEST_F(FanActuator, OutOfRangePercentIsRefusedAndNothingWritten) {
  FanOptions options = Options();
  options.min_percent = 20;
  options.max_percent = 90;
  options.initial_percent = 90;
  auto fan = Make(options);
  ASSERT_NE(fan, nullptr);
  for (double percent : {-1.0, 10.0, 95.0, 101.0, std::nan("")}) {
    Status refused = fan->Apply(Percent(percent));
    EXPECT_EQ(refused.code(), StatusCode::kOutOfRange) << refused.ToString();
    EXPECT_NE(refused.message().find("20..90 %"), std::string::npos) << refused.ToString();
    EXPECT_NE(refused.message().find("pwm1"), std::string::npos) << refused.ToString();
  }
  EXPECT_EQ(Read(root_ / "hwmon1/pwm1"), "77\n");
  EXPECT_EQ(Read(root_ / "hwmon1/pwm1_enable"), "2\n");
}

TEST_F(FanActuator, AirConditionerFieldsAreRefused) {
  auto fan = Make(Options());
  ASSERT_NE(fan, nullptr);
  Command setpoint;
  setpoint.setpoint_c = 24;
  Status refused = fan->Apply(setpoint);
  EXPECT_EQ(refused.code(), StatusCode::kInvalidArgument) << refused.ToString();
  EXPECT_NE(refused.message().find("setpoint_c"), std::string::npos) << refused.ToString();
  Command mode;
  mode.mode = "cool";
  EXPECT_EQ(fan->Apply(mode).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Read(root_ / "hwmon1/pwm1"), "77\n");
}

TEST_F(FanActuator, MissingDeviceOrChannelIsNotFoundListingWhatThereIs) {
  auto missing = MakePwmFanActuator(Options("nct6775"));
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("\"nct6775\""), std::string::npos)
      << missing.status().ToString();
  EXPECT_NE(missing.status().message().find("hwmon0 (cpu_thermal), hwmon1 (pwmfan)"),
            std::string::npos)
      << missing.status().ToString();

  FanOptions no_pwm = Options("cpu_thermal");
  auto sensor_only = MakePwmFanActuator(no_pwm);
  ASSERT_FALSE(sensor_only.ok());
  EXPECT_EQ(sensor_only.status().code(), StatusCode::kNotFound);
  EXPECT_NE(sensor_only.status().message().find("pwm1"), std::string::npos)
      << sensor_only.status().ToString();

  FanOptions no_root = Options();
  no_root.hwmon_root = root_ / "absent";
  auto rootless = MakePwmFanActuator(no_root);
  EXPECT_EQ(rootless.status().code(), StatusCode::kNotFound) << rootless.status().ToString();
}

// The device vanished after startup (driver unloaded, fan unplugged).
TEST_F(FanActuator, DeviceGoneAfterStartupIsNamedInTheError) {
  auto fan = Make(Options());
  ASSERT_NE(fan, nullptr);
  fs::remove_all(root_ / "hwmon1");
  Status gone = fan->Apply(Percent(50));
  EXPECT_EQ(gone.code(), StatusCode::kNotFound) << gone.ToString();
  EXPECT_NE(gone.message().find("hwmon1/pwm1"), std::string::npos) << gone.ToString();
}

TEST_F(FanActuator, AmbiguousChipNameIsRefused) {
  AddDevice("hwmon2", "pwmfan", 1);
  auto twice = MakePwmFanActuator(Options());
  ASSERT_FALSE(twice.ok());
  EXPECT_EQ(twice.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(twice.status().message().find("hwmon1 and hwmon2"), std::string::npos)
      << twice.status().ToString();
}

TEST_F(FanActuator, WriteErrorIsReportedWithFileAndErrno) {
  fs::remove(root_ / "hwmon1/pwm1");
  fs::create_symlink("/dev/full", root_ / "hwmon1/pwm1");  // every write: ENOSPC
  auto fan = Make(Options());
  ASSERT_NE(fan, nullptr);
  Status failed = fan->Apply(Percent(50));
  EXPECT_EQ(failed.code(), StatusCode::kIOError) << failed.ToString();
  EXPECT_NE(failed.message().find("write 128 to " + (root_ / "hwmon1/pwm1").string()),
            std::string::npos)
      << failed.ToString();
  EXPECT_NE(failed.message().find("No space left on device"), std::string::npos)
      << failed.ToString();
}

// A write that the driver swallows shows up when the value is read back.
TEST_F(FanActuator, WriteThatDidNotTakeIsCaughtOnReadBack) {
  fs::remove(root_ / "hwmon1/pwm1");
  fs::create_symlink("/dev/null", root_ / "hwmon1/pwm1");
  auto fan = Make(Options());
  ASSERT_NE(fan, nullptr);
  Status failed = fan->Apply(Percent(50));
  EXPECT_EQ(failed.code(), StatusCode::kIOError) << failed.ToString();
  EXPECT_NE(failed.message().find("reading back"), std::string::npos) << failed.ToString();
}

TEST_F(FanActuator, MakeRefusesBadOptionsNamingTheField) {
  auto message_of = [](const FanOptions& options) {
    auto fan = MakePwmFanActuator(options);
    return fan.ok() ? std::string("accepted") : fan.status().message();
  };
  FanOptions options = Options("");
  EXPECT_NE(message_of(options).find("device"), std::string::npos) << message_of(options);
  options = Options();
  options.channel = 0;
  EXPECT_NE(message_of(options).find("channel"), std::string::npos) << message_of(options);
  options = Options();
  options.min_percent = 60;
  options.max_percent = 40;
  EXPECT_NE(message_of(options).find("min_percent"), std::string::npos) << message_of(options);
  options = Options();
  options.max_percent = 120;
  EXPECT_NE(message_of(options).find("max_percent"), std::string::npos) << message_of(options);
  options = Options();
  options.max_percent = 80;  // initial_percent stays 100
  EXPECT_NE(message_of(options).find("initial_percent"), std::string::npos) << message_of(options);
  options = Options();
  options.readback_tolerance = 256;
  EXPECT_NE(message_of(options).find("readback_tolerance"), std::string::npos)
      << message_of(options);
}

}  // namespace
}  // namespace coolflow::agent
