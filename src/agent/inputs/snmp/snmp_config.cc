#include "agent/inputs/snmp/snmp_config.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <charconv>
#include <map>
#include <span>
#include <tuple>

#include "agent/inputs/snmp/snmp_input.h"
#include "fmt/format.h"
#include "fmt/ranges.h"
#include "reading/validate.h"

namespace coolflow::agent::snmp {
namespace {

constexpr uint32_t kMaxPort = 65535;

Result<uint16_t> ParsePort(std::string_view text, std::string_view address) {
  uint32_t port = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), port);
  if (text.empty() || error != std::errc() || end != text.data() + text.size() || port == 0 ||
      port > kMaxPort) {
    return InvalidArgument(fmt::format("address '{}': port '{}' is not a number from 1 to {}",
                                       address, text, kMaxPort));
  }
  return static_cast<uint16_t>(port);
}

bool IsIpv4(const std::string& host) {
  in_addr addr{};
  return ::inet_pton(AF_INET, host.c_str(), &addr) == 1;
}

bool IsIpv6(const std::string& host) {
  in6_addr addr{};
  return ::inet_pton(AF_INET6, host.c_str(), &addr) == 1;
}

bool Contains(std::span<const std::string_view> names, std::string_view name) {
  return std::find(names.begin(), names.end(), name) != names.end();
}

bool HasControlCharacter(std::string_view text) {
  return std::any_of(text.begin(), text.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u < 0x20 || u == 0x7F;
  });
}

// The problem with one target, or ok. Never quotes a secret.
Status CheckTarget(const SnmpTarget& target) {
  if (Status s = reading::ValidateBoxId(target.box); !s.ok()) return s;
  if (auto endpoint = ParseSnmpAddress(target.address); !endpoint.ok()) {
    return endpoint.status();
  }
  if (target.interface.empty()) {
    return InvalidArgument("interface is empty: name the interface whose octets to poll");
  }
  if (target.interface.size() > kMaxInterfaceLength || HasControlCharacter(target.interface)) {
    return InvalidArgument(fmt::format("interface must be 1-{} bytes without control characters",
                                       kMaxInterfaceLength));
  }
  if (target.disk_path.empty() || target.disk_path.front() != '/') {
    return InvalidArgument(
        fmt::format("disk_path '{}' must be an absolute path such as '/'", target.disk_path));
  }
  if (target.disk_path.size() > kMaxDiskPathLength || HasControlCharacter(target.disk_path)) {
    return InvalidArgument(
        fmt::format("disk_path must be 1-{} bytes without control characters", kMaxDiskPathLength));
  }
  switch (target.version) {
    case SnmpVersion::kV2c:
      if (target.community.empty()) return InvalidArgument("community is empty");
      if (target.community.size() > kMaxCommunityLength) {
        return InvalidArgument(
            fmt::format("community is longer than {} bytes", kMaxCommunityLength));
      }
      return Status::Ok();
    case SnmpVersion::kV3:
      break;
  }
  if (target.user.empty()) return InvalidArgument("user is empty (SNMPv3 needs a USM user)");
  if (target.user.size() > kMaxUserLength || HasControlCharacter(target.user)) {
    return InvalidArgument(
        fmt::format("user must be 1-{} bytes without control characters", kMaxUserLength));
  }
  if (!Contains(kAuthProtocols, target.auth_protocol)) {
    return InvalidArgument(fmt::format("auth_protocol '{}' is not one of {}", target.auth_protocol,
                                       fmt::join(kAuthProtocols, ", ")));
  }
  if (!Contains(kPrivProtocols, target.priv_protocol)) {
    return InvalidArgument(fmt::format("priv_protocol '{}' is not one of {}", target.priv_protocol,
                                       fmt::join(kPrivProtocols, ", ")));
  }
  // Only authPriv is offered: both passwords are required.
  if (target.auth_password.size() < kMinPasswordLength) {
    return InvalidArgument(
        fmt::format("auth_password is {} (net-snmp needs at least {} characters)",
                    target.auth_password.empty() ? "missing" : "too short", kMinPasswordLength));
  }
  if (target.priv_password.size() < kMinPasswordLength) {
    return InvalidArgument(
        fmt::format("priv_password is {} (net-snmp needs at least {} characters)",
                    target.priv_password.empty() ? "missing" : "too short", kMinPasswordLength));
  }
  return Status::Ok();
}

std::string TargetName(size_t index, const SnmpTarget& target) {
  return fmt::format("targets[{}] (box {})", index, target.box.empty() ? "''" : target.box);
}

}  // namespace

Result<SnmpEndpoint> ParseSnmpAddress(std::string_view address) {
  if (address.empty()) return InvalidArgument("address is empty");
  SnmpEndpoint endpoint;
  endpoint.port = kDefaultSnmpPort;
  bool ipv6 = false;
  if (address.front() == '[') {
    const size_t close = address.find(']');
    if (close == std::string_view::npos) {
      return InvalidArgument(fmt::format("address '{}': '[' without ']'", address));
    }
    endpoint.host = std::string(address.substr(1, close - 1));
    const std::string_view rest = address.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') {
        return InvalidArgument(fmt::format("address '{}': expected ':<port>' after ']'", address));
      }
      auto port = ParsePort(rest.substr(1), address);
      if (!port.ok()) return port.status();
      endpoint.port = *port;
    }
    if (!IsIpv6(endpoint.host)) {
      return InvalidArgument(
          fmt::format("address '{}': '{}' is not an IPv6 address", address, endpoint.host));
    }
    ipv6 = true;
  } else {
    const size_t colon = address.find(':');
    endpoint.host = std::string(address.substr(0, colon));
    if (colon != std::string_view::npos) {
      if (address.find(':', colon + 1) != std::string_view::npos) {
        return InvalidArgument(fmt::format(
            "address '{}': write an IPv6 address in brackets, as in [::1]:161", address));
      }
      auto port = ParsePort(address.substr(colon + 1), address);
      if (!port.ok()) return port.status();
      endpoint.port = *port;
    }
    if (!IsIpv4(endpoint.host)) {
      return InvalidArgument(fmt::format(
          "address '{}': '{}' is not an IPv4 address (host names are not resolved: net-snmp "
          "would block on DNS whenever a session opens)",
          address, endpoint.host));
    }
  }
  endpoint.peername = ipv6 ? fmt::format("udp6:[{}]:{}", endpoint.host, endpoint.port)
                           : fmt::format("udp:{}:{}", endpoint.host, endpoint.port);
  return endpoint;
}

Status ValidateSnmpInputConfig(const SnmpInputConfig& config) {
  if (config.targets.empty()) return InvalidArgument("targets: no target to poll");
  if (config.targets.size() > kMaxSnmpTargets) {
    return InvalidArgument(fmt::format("targets: {} targets; at most {} are allowed",
                                       config.targets.size(), kMaxSnmpTargets));
  }
  if (config.timeout.count() <= 0 || config.timeout > kMaxSnmpTimeout) {
    return InvalidArgument(fmt::format("timeout: {} ms is not between 1 and {} ms",
                                       config.timeout.count(), kMaxSnmpTimeout.count()));
  }
  if (config.retries < 0 || config.retries > kMaxSnmpRetries) {
    return InvalidArgument(
        fmt::format("retries: {} is not between 0 and {}", config.retries, kMaxSnmpRetries));
  }
  std::map<std::string, size_t> boxes;
  // net-snmp keys v3 users by engine ID and name process-wide (see snmp_input.h): one
  // address and user must come with one set of protocols and passwords.
  using V3Secrets = std::tuple<std::string, std::string, std::string, std::string>;
  std::map<std::pair<std::string, std::string>, std::pair<size_t, V3Secrets>> v3_users;
  for (size_t i = 0; i < config.targets.size(); ++i) {
    const SnmpTarget& target = config.targets[i];
    if (Status s = CheckTarget(target); !s.ok()) {
      return s.WithContext(TargetName(i, target));
    }
    if (auto [it, inserted] = boxes.emplace(target.box, i); !inserted) {
      return InvalidArgument(fmt::format("{}: box '{}' is already polled by targets[{}]",
                                         TargetName(i, target), target.box, it->second));
    }
    if (target.version != SnmpVersion::kV3) continue;
    const std::string host = ParseSnmpAddress(target.address)->peername;
    V3Secrets secrets{target.auth_protocol, target.auth_password, target.priv_protocol,
                      target.priv_password};
    auto [it, inserted] =
        v3_users.emplace(std::pair{host, target.user}, std::pair{i, std::move(secrets)});
    if (!inserted && it->second.second != V3Secrets{target.auth_protocol, target.auth_password,
                                                    target.priv_protocol, target.priv_password}) {
      return InvalidArgument(fmt::format(
          "{}: user '{}' at {} is also used by targets[{}] with other protocols or passwords; "
          "net-snmp keeps one key set per agent and user",
          TargetName(i, target), target.user, target.address, it->second.first));
    }
  }
  return Status::Ok();
}

}  // namespace coolflow::agent::snmp
