// The registered notifier kinds and their config keys (docs/alerts.md, "Notifiers").
#include <array>

#include "common/time.h"
#include "fmt/format.h"
#include "hub/alerts/notifier.h"
#include "hub/alerts/ui_feed.h"

namespace coolflow::hub::alerts {
namespace {

using yaml::Item;
using yaml::Table;

constexpr int kMaxRetries = 100;

// The keys every kind takes, read into the spec.
template <typename S>
void AddCommon(Table<S>& table, NotifierSpec S::*spec) {
  table.push_back({"kind", [](yaml::Reader&, const Item&, S&) { return Status::Ok(); }});
  table.push_back({"name", [spec](yaml::Reader& r, const Item& item, S& out) {
                     return r.Read(item, (out.*spec).name);
                   }});
  table.push_back({"min_severity", [spec](yaml::Reader& r, const Item& item, S& out) {
                     size_t i = 0;
                     if (Status s =
                             r.ReadChoice(item, {"info", "warning", "critical"}, "severity", i);
                         !s.ok()) {
                       return s;
                     }
                     (out.*spec).min_severity = static_cast<Severity>(i);
                     return Status::Ok();
                   }});
  table.push_back({"retries", [spec](yaml::Reader& r, const Item& item, S& out) {
                     int& n = (out.*spec).retries;
                     if (Status s = r.Read(item, n); !s.ok()) return s;
                     if (n < 0 || n > kMaxRetries) {
                       return r.Error(item, fmt::format("{} is outside 0..{}", n, kMaxRetries));
                     }
                     return Status::Ok();
                   }});
  table.push_back({"retry_backoff", [spec](yaml::Reader& r, const Item& item, S& out) {
                     return r.ReadDuration(item, (out.*spec).retry_backoff);
                   }});
}

Status ReadTimeout(yaml::Reader& r, const Item& item, TimeNs& out) {
  if (Status s = r.ReadDuration(item, out); !s.ok()) return s;
  if (out < kNanosPerMilli) return r.Error(item, "must be at least 1ms");
  return Status::Ok();
}

struct EmailEntry {
  NotifierSpec spec;
  EmailSettings settings;
};

const Table<EmailEntry>& EmailTable() {
  static const Table<EmailEntry> table = [] {
    Table<EmailEntry> t = {
        {"url",
         [](yaml::Reader& r, const Item& item, EmailEntry& out) {
           if (Status s = r.Read(item, out.settings.url); !s.ok()) return s;
           if (!out.settings.url.starts_with("smtp://") &&
               !out.settings.url.starts_with("smtps://")) {
             return r.Error(item, "must start with smtp:// or smtps://");
           }
           return Status::Ok();
         }},
        {"from", [](yaml::Reader& r, const Item& item,
                    EmailEntry& out) { return r.Read(item, out.settings.from); }},
        {"to", [](yaml::Reader& r, const Item& item,
                  EmailEntry& out) { return r.Read(item, out.settings.to); }},
        {"username", [](yaml::Reader& r, const Item& item,
                        EmailEntry& out) { return r.Read(item, out.settings.username); }},
        {"password_file",
         [](yaml::Reader& r, const Item& item, EmailEntry& out) {
           return r.ReadPath(item, out.settings.password_file, /*must_exist=*/true);
         }},
        yaml::Refused<EmailEntry>(
            "password", "is never written in the config; put it in a file and set password_file"),
        {"starttls", [](yaml::Reader& r, const Item& item,
                        EmailEntry& out) { return r.Read(item, out.settings.starttls); }},
        {"ca_file",
         [](yaml::Reader& r, const Item& item, EmailEntry& out) {
           return r.ReadPath(item, out.settings.ca_file, /*must_exist=*/true);
         }},
        {"timeout", [](yaml::Reader& r, const Item& item,
                       EmailEntry& out) { return ReadTimeout(r, item, out.settings.timeout); }},
    };
    AddCommon(t, &EmailEntry::spec);
    return t;
  }();
  return table;
}

Status ParseEmail(yaml::Reader& r, const Item& item, NotifierSpec& spec) {
  EmailEntry entry;
  entry.spec = spec;
  std::vector<std::string> keys;
  if (Status s = r.ParseMapping(item, EmailTable(), entry, &keys); !s.ok()) return s;
  for (std::string_view key : {"url", "from", "to"}) {
    if (Status s = r.Require(item, keys, key); !s.ok()) return s;
  }
  if (entry.settings.to.empty()) return r.Error(item, "to: needs at least one address");
  if (!entry.settings.username.empty() && entry.settings.password_file.empty()) {
    return r.Error(item, "username is set but password_file is not");
  }
  spec = entry.spec;
  spec.make = [settings = entry.settings](const NotifierContext&) {
    return MakeEmailNotifier(settings);
  };
  return Status::Ok();
}

struct WebhookEntry {
  NotifierSpec spec;
  WebhookSettings settings;
};

const Table<WebhookEntry>& WebhookTable() {
  static const Table<WebhookEntry> table = [] {
    Table<WebhookEntry> t = {
        {"url",
         [](yaml::Reader& r, const Item& item, WebhookEntry& out) {
           if (Status s = r.Read(item, out.settings.url); !s.ok()) return s;
           if (!out.settings.url.starts_with("http://") &&
               !out.settings.url.starts_with("https://")) {
             return r.Error(item, "must start with http:// or https://");
           }
           return Status::Ok();
         }},
        {"headers", [](yaml::Reader& r, const Item& item,
                       WebhookEntry& out) { return r.Read(item, out.settings.headers); }},
        {"bearer_token_file",
         [](yaml::Reader& r, const Item& item, WebhookEntry& out) {
           return r.ReadPath(item, out.settings.bearer_token_file, /*must_exist=*/true);
         }},
        {"timeout", [](yaml::Reader& r, const Item& item,
                       WebhookEntry& out) { return ReadTimeout(r, item, out.settings.timeout); }},
    };
    AddCommon(t, &WebhookEntry::spec);
    return t;
  }();
  return table;
}

Status ParseWebhook(yaml::Reader& r, const Item& item, NotifierSpec& spec) {
  WebhookEntry entry;
  entry.spec = spec;
  std::vector<std::string> keys;
  if (Status s = r.ParseMapping(item, WebhookTable(), entry, &keys); !s.ok()) return s;
  if (Status s = r.Require(item, keys, "url"); !s.ok()) return s;
  spec = entry.spec;
  spec.make = [settings = entry.settings](const NotifierContext&) {
    return MakeWebhookNotifier(settings);
  };
  return Status::Ok();
}

struct UiEntry {
  NotifierSpec spec;
};

const Table<UiEntry>& UiTable() {
  static const Table<UiEntry> table = [] {
    Table<UiEntry> t;
    AddCommon(t, &UiEntry::spec);
    return t;
  }();
  return table;
}

Status ParseUi(yaml::Reader& r, const Item& item, NotifierSpec& spec) {
  UiEntry entry;
  entry.spec = spec;
  if (Status s = r.ParseMapping(item, UiTable(), entry); !s.ok()) return s;
  spec = entry.spec;
  spec.retries = 0;
  spec.make = [](const NotifierContext& context) -> Result<std::unique_ptr<Notifier>> {
    if (!context.feed) return Internal("ui notifier: no feed");
    return MakeUiNotifier(context.feed);
  };
  return Status::Ok();
}

constexpr std::array<NotifierKind, 3> kKinds = {{
    {"email", "e-mail over SMTP (STARTTLS, AUTH) through libcurl", ParseEmail},
    {"ui", "the Control Room's alert feed", ParseUi},
    {"webhook", "a JSON POST through libcurl", ParseWebhook},
}};

}  // namespace

std::span<const NotifierKind> NotifierKinds() {
  return kKinds;
}

NotifierSpec DefaultUiNotifier() {
  NotifierSpec spec;
  spec.kind = "ui";
  spec.name = "ui";
  spec.retries = 0;
  spec.make = [](const NotifierContext& context) -> Result<std::unique_ptr<Notifier>> {
    if (!context.feed) return Internal("ui notifier: no feed");
    return MakeUiNotifier(context.feed);
  };
  return spec;
}

}  // namespace coolflow::hub::alerts
