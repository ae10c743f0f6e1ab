// Kind `snmp`: servers polled with net-snmp. Communities and v3 passwords are secrets: they
// are read from files named in the config (first line), never written in it.
#include <iterator>

#include "agent/config/bindings.h"
#include "agent/inputs/snmp/snmp_input.h"
#include "agent/kinds.h"
#include "common/files.h"

namespace coolflow::agent::config {

using snmp::MakeSnmpInput;
using snmp::SnmpInputConfig;
using snmp::SnmpTarget;
using snmp::SnmpVersion;
using snmp::ValidateSnmpInputConfig;
using yaml::Item;
using yaml::Member;

namespace {

// A target as written: secrets by file.
struct TargetEntry {
  SnmpTarget target;
  std::string community_file;
  std::string auth_password_file;
  std::string priv_password_file;
};

struct SnmpEntryOptions {
  std::vector<TargetEntry> targets;
  TimeNs request_timeout = kNanosPerSecond;
  int retries = 1;
};

// Keys that would put a secret in the config, refused with the key to use instead.
constexpr std::string_view kInlineSecrets[] = {"community", "auth_password", "priv_password"};
constexpr std::string_view kInlineSecretWhy[] = {
    "is a secret: never written in the config; put it in a file and set community_file",
    "is a secret: never written in the config; put it in a file and set auth_password_file",
    "is a secret: never written in the config; put it in a file and set priv_password_file"};

const yaml::Table<TargetEntry>& TargetTable() {
  static const yaml::Table<TargetEntry> table = [] {
    auto file = [](std::string_view key, std::string TargetEntry::*member) {
      return yaml::Field<TargetEntry>{
          key, [member](yaml::Reader& r, const Item& item, TargetEntry& out) {
            return r.ReadPath(item, out.*member, /*must_exist=*/true);
          }};
    };
    auto target = [](std::string_view key, std::string SnmpTarget::*member) {
      return yaml::Field<TargetEntry>{
          key, [member](yaml::Reader& r, const Item& item, TargetEntry& out) {
            return r.Read(item, out.target.*member);
          }};
    };
    yaml::Table<TargetEntry> t = {
        target("box", &SnmpTarget::box),
        target("address", &SnmpTarget::address),
        {"version",
         [](yaml::Reader& r, const Item& item, TargetEntry& out) {
           size_t i = 0;
           if (Status s = r.ReadChoice(item, {"2c", "3"}, "SNMP version", i); !s.ok()) return s;
           out.target.version = i == 0 ? SnmpVersion::kV2c : SnmpVersion::kV3;
           return Status::Ok();
         }},
        target("user", &SnmpTarget::user),
        target("auth_protocol", &SnmpTarget::auth_protocol),
        target("priv_protocol", &SnmpTarget::priv_protocol),
        target("interface", &SnmpTarget::interface),
        target("disk_path", &SnmpTarget::disk_path),
        file("community_file", &TargetEntry::community_file),
        file("auth_password_file", &TargetEntry::auth_password_file),
        file("priv_password_file", &TargetEntry::priv_password_file),
    };
    for (size_t i = 0; i < std::size(kInlineSecrets); ++i) {
      t.push_back(yaml::Refused<TargetEntry>(kInlineSecrets[i], kInlineSecretWhy[i]));
    }
    return t;
  }();
  return table;
}

const yaml::Table<SnmpEntryOptions>& SnmpTable() {
  static const yaml::Table<SnmpEntryOptions> table = {
      {"targets",
       [](yaml::Reader& r, const Item& item, SnmpEntryOptions& out) {
         return r.ForEachElement(item, [&](const Item& element) -> Status {
           TargetEntry entry;
           std::vector<std::string> keys;
           if (Status s = r.ParseMapping(element, TargetTable(), entry, &keys); !s.ok()) {
             return s;
           }
           for (std::string_view key : {"box", "address"}) {
             if (Status s = r.Require(element, keys, key); !s.ok()) return s;
           }
           out.targets.push_back(std::move(entry));
           return Status::Ok();
         });
       }},
      yaml::DurationMember("request_timeout", &SnmpEntryOptions::request_timeout),
      Member("retries", &SnmpEntryOptions::retries),
  };
  return table;
}

}  // namespace

Status ParseSnmpInput(yaml::Reader& r, const Item& item, InputSpec& spec) {
  static const auto table = KindTable(CommonInputTable(), SnmpTable());
  KindEntry<InputSpec, SnmpEntryOptions> entry;
  if (Status s = r.ParseMapping(item, table, entry); !s.ok()) return s;
  if (entry.options.targets.empty()) return r.Error(item, "no targets: list the boxes to poll");
  SnmpInputConfig config;
  config.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::nanoseconds(entry.options.request_timeout));
  config.retries = entry.options.retries;
  for (TargetEntry& t : entry.options.targets) {
    for (auto [file, secret] : {std::pair{&t.community_file, &t.target.community},
                                std::pair{&t.auth_password_file, &t.target.auth_password},
                                std::pair{&t.priv_password_file, &t.target.priv_password}}) {
      if (file->empty()) continue;
      auto value = ReadSecretFile(*file);
      if (!value.ok()) return r.Error(item, value.status().message());
      *secret = std::move(*value);
    }
    config.targets.push_back(std::move(t.target));
  }
  if (Status s = ValidateSnmpInputConfig(config); !s.ok()) return r.Error(item, s.message());
  spec = std::move(entry.spec);
  spec.make = [config](const AgentEnv&) { return MakeSnmpInput(config); };
  return Status::Ok();
}

}  // namespace coolflow::agent::config
