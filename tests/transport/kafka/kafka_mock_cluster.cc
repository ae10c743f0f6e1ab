#include "transport/kafka/kafka_mock_cluster.h"

#include <array>

#include "fmt/format.h"

namespace coolflow::testing {
namespace {

constexpr size_t kErrorTextBytes = 512;
constexpr int kQueryTimeoutMs = 10'000;

Status MockStatus(std::string_view what, rd_kafka_resp_err_t error) {
  if (error == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::Ok();
  return Internal(fmt::format("kafka mock cluster: {}: {}", what, rd_kafka_err2str(error)));
}

}  // namespace

Result<std::unique_ptr<KafkaMockCluster>> KafkaMockCluster::Start(int brokers) {
  std::array<char, kErrorTextBytes> error{};
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  // The handle only hosts the cluster; its notices ("Mock cluster enabled") are noise.
  for (const auto& [name, value] :
       {std::pair<const char*, std::string>{"test.mock.num.brokers", std::to_string(brokers)},
        {"log_level", "4"}}) {
    if (rd_kafka_conf_set(conf, name, value.c_str(), error.data(), error.size()) !=
        RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return InvalidArgument(fmt::format("kafka mock cluster: {}: {}", name, error.data()));
    }
  }
  rd_kafka_t* handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error.data(), error.size());
  if (handle == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Internal(fmt::format("kafka mock cluster: rd_kafka_new: {}", error.data()));
  }
  std::unique_ptr<KafkaMockCluster> cluster(new KafkaMockCluster());  // private constructor
  cluster->handle_ = handle;
  cluster->mock_ = rd_kafka_handle_mock_cluster(handle);
  if (cluster->mock_ == nullptr) return Internal("kafka mock cluster: librdkafka made none");
  cluster->bootstrap_servers_ = rd_kafka_mock_cluster_bootstraps(cluster->mock_);
  return cluster;
}

KafkaMockCluster::~KafkaMockCluster() {
  if (handle_ != nullptr) rd_kafka_destroy(handle_);
}

Status KafkaMockCluster::CreateTopic(const std::string& name, int partitions, int replication) {
  return MockStatus(fmt::format("create topic {}", name),
                    rd_kafka_mock_topic_create(mock_, name.c_str(), partitions, replication));
}

Result<int64_t> KafkaMockCluster::MessageCount(const std::string& topic, int partition) {
  std::array<char, kErrorTextBytes> error{};
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  if (rd_kafka_conf_set(conf, "bootstrap.servers", bootstrap_servers_.c_str(), error.data(),
                        error.size()) != RD_KAFKA_CONF_OK) {
    rd_kafka_conf_destroy(conf);
    return Internal(fmt::format("kafka mock cluster: bootstrap.servers: {}", error.data()));
  }
  rd_kafka_t* client = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error.data(), error.size());
  if (client == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Internal(fmt::format("kafka mock cluster: rd_kafka_new: {}", error.data()));
  }
  int64_t low = 0;
  int64_t high = 0;
  const rd_kafka_resp_err_t err = rd_kafka_query_watermark_offsets(client, topic.c_str(), partition,
                                                                   &low, &high, kQueryTimeoutMs);
  rd_kafka_destroy(client);
  if (Status s = MockStatus(fmt::format("watermarks of {}/{}", topic, partition), err); !s.ok()) {
    return s;
  }
  return high;
}

Status KafkaMockCluster::SetDown(int broker_id, bool down) {
  return MockStatus(fmt::format("set broker {} {}", broker_id, down ? "down" : "up"),
                    down ? rd_kafka_mock_broker_set_down(mock_, broker_id)
                         : rd_kafka_mock_broker_set_up(mock_, broker_id));
}

Status KafkaMockCluster::SetRtt(int broker_id, int rtt_ms) {
  return MockStatus(fmt::format("set broker {} rtt", broker_id),
                    rd_kafka_mock_broker_set_rtt(mock_, broker_id, rtt_ms));
}

}  // namespace coolflow::testing
