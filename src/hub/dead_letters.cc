#include "hub/dead_letters.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>

#include "common/time.h"
#include "fmt/format.h"
#include "reading/json_write.h"
#include "spdlog/spdlog.h"

namespace coolflow::hub {
namespace {

// A label value: the item at fault, or "record" when the whole record is.
std::string ReasonLabel(std::string_view item) {
  if (item.empty()) return "record";
  std::string label;
  for (const char c : item.substr(0, 40)) {
    const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                       c == '_' || c == '-' || c == '.';
    label.push_back(plain ? c : '_');
  }
  return label;
}

}  // namespace

DeadLetterLog::DeadLetterLog(DeadLetterOptions options) : options_(std::move(options)) {}

DeadLetterLog::~DeadLetterLog() {
  MutexLock lock(mu_);
  if (file_ != nullptr) std::fclose(file_);
}

void DeadLetterLog::Open() {
  if (file_ != nullptr || options_.path.empty()) return;
  file_ = std::fopen(options_.path.c_str(), "a");
  if (file_ == nullptr) {
    ++write_failures_;
    if (!failing_) {
      spdlog::error("dead letters: cannot open {}: {}", options_.path, std::strerror(errno));
      failing_ = true;
    }
    return;
  }
  std::error_code ec;
  const auto size = std::filesystem::file_size(options_.path, ec);
  bytes_ = ec ? 0 : size;
}

void DeadLetterLog::Add(const DeadLetter& letter) {
  std::string line;
  if (!options_.path.empty()) {
    line.reserve(128 + letter.reason.size() +
                 std::min(letter.record.size(), options_.max_record_bytes));
    line += "{\"time\":";
    reading::json::AppendString(line, FormatRfc3339(letter.time));
    line += ",\"source\":";
    reading::json::AppendString(line, letter.source);
    line += ",\"where\":";
    reading::json::AppendString(line, letter.where);
    line += ",\"item\":";
    reading::json::AppendString(line, letter.item);
    line += ",\"reason\":";
    reading::json::AppendString(line, letter.reason);
    line += ",\"record\":";
    if (!letter.whole && letter.record.size() > options_.max_record_bytes) {
      reading::json::AppendString(
          line, std::string(letter.record.substr(0, options_.max_record_bytes)) + "...");
    } else {
      reading::json::AppendString(line, letter.record);
    }
    line += "}\n";
  }
  MutexLock lock(mu_);
  ++total_;
  ++counts_[{std::string(letter.source), ReasonLabel(letter.item)}];
  if (options_.path.empty()) return;
  if (file_ != nullptr && bytes_ + line.size() > options_.max_bytes && bytes_ > 0) {
    std::fclose(file_);
    file_ = nullptr;
    std::error_code ec;
    std::filesystem::rename(options_.path, options_.path + ".1", ec);
    if (ec)
      spdlog::warn("dead letters: cannot rotate {}: {}", options_.path, ec.message());
    else
      std::filesystem::remove(options_.path, ec);
  }
  Open();
  if (file_ == nullptr) return;
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size()) {
    ++write_failures_;
    if (!failing_)
      spdlog::error("dead letters: cannot write {}: {}", options_.path, std::strerror(errno));
    failing_ = true;
    std::fclose(file_);
    file_ = nullptr;
    return;
  }
  failing_ = false;
  bytes_ += line.size();
}

void DeadLetterLog::Flush() {
  MutexLock lock(mu_);
  if (file_ != nullptr) std::fflush(file_);
}

uint64_t DeadLetterLog::total() const {
  MutexLock lock(mu_);
  return total_;
}

std::string DeadLetterLog::RenderMetrics() const {
  MutexLock lock(mu_);
  std::string out =
      "# HELP coolflow_hub_dead_letters_total Records and readings refused, by source and the "
      "part at fault.\n# TYPE coolflow_hub_dead_letters_total counter\n";
  for (const auto& [key, count] : counts_) {
    out += fmt::format("coolflow_hub_dead_letters_total{{source=\"{}\",reason=\"{}\"}} {}\n",
                       key.first, key.second, count);
  }
  out += fmt::format(
      "# HELP coolflow_hub_dead_letter_write_failures_total Dead letters that could not be "
      "written to the file.\n# TYPE coolflow_hub_dead_letter_write_failures_total counter\n"
      "coolflow_hub_dead_letter_write_failures_total {}\n",
      write_failures_);
  return out;
}

}  // namespace coolflow::hub
