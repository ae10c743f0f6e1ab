// librdkafka is loaded on demand (rdkafka_library.h): a process maps it only once it makes a
// Kafka transport. This binary links the Kafka transport and nothing that links librdkafka
// (no mock cluster), so /proc/self/maps shows exactly what the transport loads.
//
// One test case: the library, once loaded, stays for the life of the process, so a second
// case in the same process could not start from "not mapped".
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <string>

#include "transport/kafka/kafka_transport.h"

namespace coolflow::transport {
namespace {

constexpr const char* kLibraryName = "librdkafka";
// Loopback, where no broker listens: the transport is made, never started.
constexpr const char* kNoBroker = "127.0.0.1:9";

bool LibrdkafkaMapped() {
  std::ifstream maps("/proc/self/maps");
  EXPECT_TRUE(maps.is_open()) << "cannot read /proc/self/maps";
  const std::string text((std::istreambuf_iterator<char>(maps)), std::istreambuf_iterator<char>());
  return text.find(kLibraryName) != std::string::npos;
}

TEST(KafkaOnDemandTest, LibrdkafkaIsMappedOnlyOnceAKafkaTransportIsMade) {
  ASSERT_FALSE(LibrdkafkaMapped()) << "mapped at start: something links librdkafka";

  // Options refused before librdkafka has a say do not load it.
  EXPECT_FALSE(ValidateKafkaOptions(KafkaOptions{}).ok());
  EXPECT_FALSE(LibrdkafkaMapped()) << "mapped by a check that needs no librdkafka";

  KafkaOptions options;
  options.brokers = kNoBroker;
  options.client_id = "on-demand-test";
  auto transport = MakeKafkaTransport(options);
  ASSERT_TRUE(transport.ok()) << transport.status().ToString();
  EXPECT_TRUE(LibrdkafkaMapped()) << "a Kafka transport was made without librdkafka mapped";

  transport->reset();
  EXPECT_TRUE(LibrdkafkaMapped()) << "librdkafka must never be unloaded";
}

}  // namespace
}  // namespace coolflow::transport
