// Strict schemas for YAML configuration files (scenarios, agent configs, specs), read with
// yaml-cpp. A schema is one table of fields per struct; a key outside its table is an error
// that suggests the nearest valid key, and every error reads
// "<source>:<line>:<column>: <field path>: <why>", e.g.
//   agent.yaml:12:5: inputs[0].interval: "5 s" is not a duration (write e.g. 10s, ...)
//
//   struct Broker { std::string host; int port = 1883; };
//   const yaml::Table<Broker>& BrokerTable() {
//     static const yaml::Table<Broker> table = {yaml::Member("host", &Broker::host),
//                                               yaml::Member("port", &Broker::port)};
//     return table;
//   }
//   yaml::Reader reader("agent.yaml");
//   Result<yaml::Item> root = reader.LoadDocument(text, "an agent config");
//   Broker broker;
//   Status s = reader.ParseMapping(*root, BrokerTable(), broker);
//
// Thread safety: a Reader is used by one thread at a time.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"

namespace coolflow::yaml {

// One value of the file: the node, its position (the key's when the value is empty, since
// yaml-cpp places an empty value at the next token) and its field path ("inputs[2].boxes").
struct Item {
  YAML::Node node;
  YAML::Mark mark;
  std::string path;
};

class Reader;

// A key of a mapping and how its value is read into a T.
template <typename T>
struct Field {
  std::string_view key;
  std::function<Status(Reader&, const Item&, T&)> parse;
};
template <typename T>
using Table = std::vector<Field<T>>;

// --- Text helpers for messages ---------------------------------------------------------

// At most `max` bytes of `text`, with "..." when cut.
std::string Clip(std::string_view text, size_t max = 60);
// `text` with control characters escaped, so an error stays on one line.
std::string OneLine(std::string_view text);
// "path.key" ("key" at the top).
std::string Join(const std::string& path, std::string_view key);
// "list[i]".
std::string Indexed(std::string_view list, size_t i);
// "racks[3].id" -> "racks[3]" -> "racks" -> "".
std::string Parent(const std::string& path);
// "nothing", "\"text\"", "a list", "a mapping".
std::string Describe(const YAML::Node& node);
// A scalar written without quotes or a string tag: only these can be numbers or booleans.
bool IsPlain(const YAML::Node& node);
// The candidate nearest to `word` by edit distance, if near enough to be what was meant.
std::optional<std::string_view> Nearest(std::string_view word,
                                        const std::vector<std::string_view>& candidates);
// "unknown <what>; did you mean "x"?" or "unknown <what>; expected one of: a, b".
std::string NotOneOf(std::string_view what, std::string_view word,
                     const std::vector<std::string_view>& candidates);

// --- The reader --------------------------------------------------------------------------

class Reader {
 public:
  // `source` names the file in errors. `folder`, when set, is where relative paths read by
  // ReadPath are resolved.
  explicit Reader(std::string_view source,
                  std::optional<std::filesystem::path> folder = std::nullopt)
      : source_(source), folder_(std::move(folder)) {}
  virtual ~Reader() = default;

  const std::string& source() const { return source_; }

  // Parses `yaml`, which must hold at most one non-empty document ("<kind> holds one YAML
  // document" otherwise), and returns its root. Syntax errors carry their position.
  Result<Item> LoadDocument(std::string_view yaml, std::string_view kind);

  // "<source>:<line>:<column>: <path>: <why>" (no path part when `path` is empty).
  Status Error(const YAML::Mark& mark, std::string_view path, std::string_view why,
               StatusCode code = StatusCode::kInvalidArgument) const;
  Status Error(const Item& item, std::string_view why) const {
    return Error(item.mark, item.path, why);
  }

  // Scalars. Numbers must be plain (unquoted) and finite; integers must fit; booleans are
  // true/false; strings are any scalar.
  Status Read(const Item& item, double& out) const;
  Status Read(const Item& item, std::optional<double>& out) const;
  Status Read(const Item& item, int& out) const;
  Status Read(const Item& item, int64_t& out) const;
  Status Read(const Item& item, uint64_t& out) const;
  Status Read(const Item& item, bool& out) const;
  Status Read(const Item& item, std::string& out) const;
  Status Read(const Item& item, std::optional<std::string>& out) const;
  // A list of strings, or one string as a list of one.
  Status Read(const Item& item, std::vector<std::string>& out);
  // A mapping of strings to strings (tags, extra properties).
  Status Read(const Item& item, std::map<std::string, std::string>& out);
  // "10s", "15m", "1.5h", "7d" (common/time.h ParseDuration).
  Status ReadDuration(const Item& item, TimeNs& out) const;
  // A timestamp (common/time.h ParseTimestamp).
  Status ReadTime(const Item& item, TimeNs& out) const;
  // A path, resolved against the folder given at construction when relative; when
  // `must_exist`, a regular file that does not exist is NotFound.
  Status ReadPath(const Item& item, std::string& out, bool must_exist) const;
  // One of `names`; `what` names the kind in the error ("fault kind").
  Status ReadChoice(const Item& item, const std::vector<std::string_view>& names,
                    std::string_view what, size_t& index) const;

  // Reads the mapping `item` into `out` through `table`; an empty value is an empty mapping.
  // Appends the keys it read to `keys` when given.
  template <typename T>
  Status ParseMapping(const Item& item, const Table<T>& table, T& out,
                      std::vector<std::string>* keys = nullptr);

  // Calls fn(element) for each element of the list `item`; an empty value is an empty list.
  template <typename Fn>
  Status ForEachElement(const Item& item, Fn&& fn);

  // NotFound-style error at `item` when `key` is not among `keys`.
  Status Require(const Item& item, const std::vector<std::string>& keys,
                 std::string_view key) const;

 protected:
  // Called for every value read through ParseMapping and ForEachElement, before its field
  // is parsed: a reader that reports rule violations found later records positions here.
  virtual void OnValue(const std::string& /*path*/, const YAML::Mark& /*mark*/) {}

 private:
  // The error for a key not in the table.
  Status UnknownKey(const YAML::Node& key, const std::string& path,
                    const std::vector<std::string_view>& valid) const;

  std::string source_;
  std::optional<std::filesystem::path> folder_;
};

// --- Table building blocks ---------------------------------------------------------------

template <typename T, typename V>
Field<T> Member(std::string_view key, V T::*member) {
  return {key, [member](Reader& r, const Item& item, T& out) { return r.Read(item, out.*member); }};
}

template <typename T>
Field<T> DurationMember(std::string_view key, TimeNs T::*member) {
  return {key, [member](Reader& r, const Item& item, T& out) {
            return r.ReadDuration(item, out.*member);
          }};
}

// A key that names a field of another struct but is not allowed here.
template <typename T>
Field<T> Refused(std::string_view key, std::string_view why) {
  return {key, [why](Reader& r, const Item& item, T&) { return r.Error(item, why); }};
}

// A nested mapping read through its own table.
template <typename T, typename Inner>
Field<T> Section(std::string_view key, const Table<Inner>& (*table)(), Inner T::*member) {
  return {key, [table, member](Reader& r, const Item& item, T& out) {
            return r.ParseMapping(item, table(), out.*member);
          }};
}

// The fields of `Inner` as fields of `Outer` (reached through `member`).
template <typename Outer, typename Inner>
void AppendNested(Table<Outer>& table, const Table<Inner>& inner, Inner Outer::*member) {
  for (const Field<Inner>& f : inner) {
    table.push_back({f.key, [parse = f.parse, member](Reader& r, const Item& item, Outer& out) {
                       return parse(r, item, out.*member);
                     }});
  }
}

// --- Template definitions ----------------------------------------------------------------

template <typename T>
Status Reader::ParseMapping(const Item& item, const Table<T>& table, T& out,
                            std::vector<std::string>* keys) {
  if (item.node.IsNull()) return Status::Ok();
  if (!item.node.IsMap()) return Error(item, "expected a mapping, got " + Describe(item.node));
  std::set<std::string, std::less<>> seen;
  for (auto it = item.node.begin(); it != item.node.end(); ++it) {
    // Copies: it-> yields a temporary pair, so references to its members would dangle.
    const YAML::Node key = it->first;
    const YAML::Node value = it->second;
    if (!key.IsScalar()) {
      return Error(key.Mark(), item.path, "expected a key, got " + Describe(key));
    }
    const std::string& name = key.Scalar();
    const std::string path = Join(item.path, name);
    if (!seen.insert(name).second) return Error(key.Mark(), path, "duplicate key");
    const Field<T>* field = nullptr;
    for (const Field<T>& f : table) {
      if (f.key == name) field = &f;
    }
    if (field == nullptr) {
      std::vector<std::string_view> valid;
      for (const Field<T>& f : table)
        valid.push_back(f.key);
      return UnknownKey(key, path, valid);
    }
    const YAML::Mark mark = value.IsNull() ? key.Mark() : value.Mark();
    OnValue(path, mark);
    if (Status s = field->parse(*this, Item{value, mark, path}, out); !s.ok()) return s;
    if (keys) keys->push_back(name);
  }
  return Status::Ok();
}

template <typename Fn>
Status Reader::ForEachElement(const Item& item, Fn&& fn) {
  if (item.node.IsNull()) return Status::Ok();
  if (!item.node.IsSequence()) return Error(item, "expected a list, got " + Describe(item.node));
  size_t i = 0;
  for (auto it = item.node.begin(); it != item.node.end(); ++it) {
    const YAML::Node element = *it;
    const std::string path = Indexed(item.path, i++);
    const YAML::Mark mark = element.IsNull() ? item.mark : element.Mark();
    OnValue(path, mark);
    if (Status s = fn(Item{element, mark, path}); !s.ok()) return s;
  }
  return Status::Ok();
}

}  // namespace coolflow::yaml
