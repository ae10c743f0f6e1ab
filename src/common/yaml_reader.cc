#include "common/yaml_reader.h"

#include <yaml-cpp/eventhandler.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <sstream>

#include "common/time.h"
#include "fmt/format.h"

namespace coolflow::yaml {
namespace {

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// Walks the documents of a YAML stream without building them. yaml-cpp 0.7 can return empty
// documents forever without consuming input (a document that starts with ',',
// jbeder/yaml-cpp#1040), which turns YAML::LoadAll into an endless loop that allocates
// without bound; so LoadDocument walks the stream with this, stops at the first document
// that starts where the previous one did, and YAML::Load builds only the first.
class DocumentScan final : public YAML::EventHandler {
 public:
  struct Document {
    YAML::Mark start;
    bool empty = true;  // nothing but an empty node
  };
  const std::vector<Document>& documents() const { return documents_; }

  void OnDocumentStart(const YAML::Mark& mark) override { documents_.push_back({mark, true}); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override { Content(); }
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {
    Content();
  }
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    Content();
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    Content();
  }
  void OnMapEnd() override {}

 private:
  void Content() {
    if (!documents_.empty()) documents_.back().empty = false;
  }
  std::vector<Document> documents_;
};

// Whole numbers of any integer type: plain, decimal, nothing left over.
template <typename Int>
Status ReadInteger(const Reader& r, const Item& item, Int& out) {
  if (item.node.IsNull()) return r.Error(item, "missing value; expected a whole number");
  if (!item.node.IsScalar() || !IsPlain(item.node)) {
    return r.Error(item, "expected a whole number, got " + Describe(item.node));
  }
  const std::string& text = item.node.Scalar();
  Int value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec == std::errc::result_out_of_range) {
    return r.Error(item,
                   fmt::format("{} is outside {}..{}", Clip(text), std::numeric_limits<Int>::min(),
                               std::numeric_limits<Int>::max()));
  }
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    return r.Error(item, "expected a whole number, got " + Describe(item.node));
  }
  out = value;
  return Status::Ok();
}

}  // namespace

std::string Clip(std::string_view text, size_t max) {
  if (text.size() <= max) return std::string(text);
  return std::string(text.substr(0, max)) + "...";
}

std::string OneLine(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c));
    } else {
      out += c;
    }
  }
  return out;
}

std::string Join(const std::string& path, std::string_view key) {
  return path.empty() ? Clip(key) : fmt::format("{}.{}", path, Clip(key));
}

std::string Indexed(std::string_view list, size_t i) {
  return fmt::format("{}[{}]", list, i);
}

std::string Parent(const std::string& path) {
  const size_t cut = path.find_last_of(".[");
  return cut == std::string::npos ? std::string() : path.substr(0, cut);
}

std::string Describe(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return "nothing";
    case YAML::NodeType::Scalar:
      return fmt::format("\"{}\"", Clip(node.Scalar()));
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
  }
  return "something else";
}

bool IsPlain(const YAML::Node& node) {
  return node.Tag() != "!" && node.Tag() != "tag:yaml.org,2002:str";
}

// Near enough: within a third of the word's length, or containing it ("volume" ->
// "volume_m3").
std::optional<std::string_view> Nearest(std::string_view word,
                                        const std::vector<std::string_view>& candidates) {
  std::optional<std::string_view> best;
  size_t best_distance = SIZE_MAX;
  for (std::string_view candidate : candidates) {
    const size_t distance = EditDistance(word, candidate);
    const bool contains = std::min(word.size(), candidate.size()) >= 3 &&
                          (candidate.find(word) != std::string_view::npos ||
                           word.find(candidate) != std::string_view::npos);
    const bool near = distance <= std::max<size_t>(1, word.size() / 3) || contains;
    if (near && distance < best_distance) {
      best = candidate;
      best_distance = distance;
    }
  }
  return best;
}

std::string NotOneOf(std::string_view what, std::string_view word,
                     const std::vector<std::string_view>& candidates) {
  if (auto nearest = Nearest(word, candidates)) {
    return fmt::format("unknown {}; did you mean \"{}\"?", what, *nearest);
  }
  return fmt::format("unknown {}; expected one of: {}", what, fmt::join(candidates, ", "));
}

Status Reader::Error(const YAML::Mark& mark, std::string_view path, std::string_view why,
                     StatusCode code) const {
  const int line = std::max(mark.line, 0) + 1;
  const int column = std::max(mark.column, 0) + 1;
  if (path.empty()) {
    return {code, fmt::format("{}:{}:{}: {}", source_, line, column, OneLine(why))};
  }
  return {code,
          fmt::format("{}:{}:{}: {}: {}", source_, line, column, OneLine(path), OneLine(why))};
}

Result<Item> Reader::LoadDocument(std::string_view yaml, std::string_view kind) {
  std::istringstream in{std::string(yaml)};
  YAML::Parser parser(in);
  DocumentScan scan;
  try {
    while (parser.HandleNextDocument(scan)) {
      const std::vector<DocumentScan::Document>& documents = scan.documents();
      const size_t n = documents.size();
      if (n < 2) continue;
      const YAML::Mark& start = documents[n - 1].start;
      // Each document that consumes input starts further on; one that does not never will.
      if (start.pos == documents[n - 2].start.pos || n > yaml.size() + 1) {
        const auto pos = static_cast<size_t>(std::max(start.pos, 0));
        const std::string token = pos < yaml.size() ? std::string(1, yaml[pos]) : "end of input";
        return Error(start, "", fmt::format("YAML syntax error: unexpected \"{}\"", token));
      }
      // A second document would otherwise be ignored without a word.
      if (!documents[n - 1].empty) {
        return Error(start, "", fmt::format("{} holds one YAML document", kind));
      }
    }
  } catch (const YAML::Exception& e) {
    return Error(e.mark, "", "YAML syntax error: " + e.msg);
  }
  YAML::Node root;
  try {
    root = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return Error(e.mark, "", "YAML syntax error: " + e.msg);
  }
  const YAML::Mark mark = root.IsNull() ? YAML::Mark() : root.Mark();
  OnValue("", mark);
  return Item{root, mark, ""};
}

Status Reader::UnknownKey(const YAML::Node& key, const std::string& path,
                          const std::vector<std::string_view>& valid) const {
  const std::string& name = key.Scalar();
  // "{id:r01}" is one key "id:r01" in YAML: a colon needs a space after it.
  if (const size_t colon = name.find(':'); colon != std::string::npos) {
    const std::string_view before = std::string_view(name).substr(0, colon);
    if (std::find(valid.begin(), valid.end(), before) != valid.end()) {
      return Error(key.Mark(), path,
                   fmt::format("unknown key; write a space after the colon (\"{}: {}\")", before,
                               Clip(name.substr(colon + 1))));
    }
  }
  return Error(key.Mark(), path, NotOneOf("key", name, valid));
}

Status Reader::Read(const Item& item, double& out) const {
  if (item.node.IsNull()) return Error(item, "missing value; expected a number");
  if (!item.node.IsScalar()) return Error(item, "expected a number, got " + Describe(item.node));
  if (!IsPlain(item.node)) {
    return Error(item, fmt::format("expected a number, got the string {} (drop the quotes)",
                                   Describe(item.node)));
  }
  std::string_view text = item.node.Scalar();
  if (text.size() > 1 && text[0] == '+' && text[1] != '-') text.remove_prefix(1);
  double value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    return Error(item, "expected a number, got " + Describe(item.node));
  }
  if (!std::isfinite(value)) {
    return Error(item, "expected a finite number, got " + Describe(item.node));
  }
  out = value;
  return Status::Ok();
}

Status Reader::Read(const Item& item, std::optional<double>& out) const {
  double value = 0;
  if (Status s = Read(item, value); !s.ok()) return s;
  out = value;
  return Status::Ok();
}

Status Reader::Read(const Item& item, int& out) const {
  return ReadInteger(*this, item, out);
}
Status Reader::Read(const Item& item, int64_t& out) const {
  return ReadInteger(*this, item, out);
}
Status Reader::Read(const Item& item, uint64_t& out) const {
  return ReadInteger(*this, item, out);
}

Status Reader::Read(const Item& item, bool& out) const {
  static constexpr std::string_view kTrue[] = {"true", "True", "TRUE"};
  static constexpr std::string_view kFalse[] = {"false", "False", "FALSE"};
  if (item.node.IsScalar() && IsPlain(item.node)) {
    const std::string& text = item.node.Scalar();
    if (std::find(std::begin(kTrue), std::end(kTrue), text) != std::end(kTrue)) {
      out = true;
      return Status::Ok();
    }
    if (std::find(std::begin(kFalse), std::end(kFalse), text) != std::end(kFalse)) {
      out = false;
      return Status::Ok();
    }
  }
  return Error(item, "expected true or false, got " + Describe(item.node));
}

Status Reader::Read(const Item& item, std::string& out) const {
  if (item.node.IsNull()) return Error(item, "missing value; expected a string");
  if (!item.node.IsScalar()) return Error(item, "expected a string, got " + Describe(item.node));
  out = item.node.Scalar();
  return Status::Ok();
}

Status Reader::Read(const Item& item, std::optional<std::string>& out) const {
  std::string value;
  if (Status s = Read(item, value); !s.ok()) return s;
  out = std::move(value);
  return Status::Ok();
}

Status Reader::Read(const Item& item, std::vector<std::string>& out) {
  if (item.node.IsScalar()) {
    out.assign(1, item.node.Scalar());
    return Status::Ok();
  }
  out.clear();
  return ForEachElement(item, [&](const Item& element) {
    std::string value;
    if (Status s = Read(element, value); !s.ok()) return s;
    out.push_back(std::move(value));
    return Status::Ok();
  });
}

Status Reader::Read(const Item& item, std::map<std::string, std::string>& out) {
  if (item.node.IsNull()) return Status::Ok();
  if (!item.node.IsMap()) return Error(item, "expected a mapping, got " + Describe(item.node));
  out.clear();
  for (auto it = item.node.begin(); it != item.node.end(); ++it) {
    const YAML::Node key = it->first;
    const YAML::Node value = it->second;
    if (!key.IsScalar())
      return Error(key.Mark(), item.path, "expected a key, got " + Describe(key));
    const std::string path = Join(item.path, key.Scalar());
    const YAML::Mark mark = value.IsNull() ? key.Mark() : value.Mark();
    OnValue(path, mark);
    std::string text;
    if (Status s = Read(Item{value, mark, path}, text); !s.ok()) return s;
    if (!out.emplace(key.Scalar(), std::move(text)).second) {
      return Error(key.Mark(), path, "duplicate key");
    }
  }
  return Status::Ok();
}

Status Reader::ReadDuration(const Item& item, TimeNs& out) const {
  std::string text;
  if (Status s = Read(item, text); !s.ok()) {
    return Error(item, "expected a duration (10s, 15m, 6h, 7d), got " + Describe(item.node));
  }
  Result<TimeNs> duration = ParseDuration(text);
  if (!duration.ok()) return Error(item, duration.status().message());
  out = *duration;
  return Status::Ok();
}

Status Reader::ReadTime(const Item& item, TimeNs& out) const {
  std::string text;
  if (Status s = Read(item, text); !s.ok()) {
    return Error(item, "expected a time (2025-06-02T00:00:00Z), got " + Describe(item.node));
  }
  Result<TimeNs> time = ParseTimestamp(text);
  if (!time.ok()) return Error(item, time.status().message());
  out = *time;
  return Status::Ok();
}

Status Reader::ReadPath(const Item& item, std::string& out, bool must_exist) const {
  std::string text;
  if (Status s = Read(item, text); !s.ok()) return s;
  if (text.empty()) return Error(item, "is empty; expected a path");
  if (!folder_) {
    out = text;
    return Status::Ok();
  }
  const std::filesystem::path path(text);
  const std::filesystem::path resolved = path.is_absolute() ? path : *folder_ / path;
  std::error_code error;
  if (must_exist && !std::filesystem::is_regular_file(resolved, error)) {
    return Error(item.mark, item.path, fmt::format("no such file: {}", resolved.string()),
                 StatusCode::kNotFound);
  }
  out = resolved.string();
  return Status::Ok();
}

Status Reader::ReadChoice(const Item& item, const std::vector<std::string_view>& names,
                          std::string_view what, size_t& index) const {
  std::string text;
  if (Status s = Read(item, text); !s.ok()) return s;
  for (size_t i = 0; i < names.size(); ++i) {
    if (names[i] == text) {
      index = i;
      return Status::Ok();
    }
  }
  return Error(item, NotOneOf(what, text, names));
}

Status Reader::Require(const Item& item, const std::vector<std::string>& keys,
                       std::string_view key) const {
  if (std::find(keys.begin(), keys.end(), key) != keys.end()) return Status::Ok();
  return Error(item, fmt::format("missing required key \"{}\"", key));
}

}  // namespace coolflow::yaml
