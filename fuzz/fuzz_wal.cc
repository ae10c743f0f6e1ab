// Fuzzes the WAL's recovery: the input is the content of up to four segment files, separated
// by "||SEG||", put into the in-memory file layer and checked, replayed, opened and appended
// to. Properties:
//  - Check never fails on bad bytes (only I/O fails); each problem lies inside its segment;
//  - Replay fails exactly when Check reports corruption, after delivering the records Check
//    counted, with consecutive seqs;
//  - Open succeeds exactly when there is no corruption, changes nothing then, and otherwise
//    leaves a log that checks clean, holds the same records and takes an Append at the next
//    seq; Repair finds nothing left to do.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fmt/format.h"
#include "store/wal/fault_injection_file_system.h"
#include "store/wal/wal.h"
#include "store/wal/wal_format.h"

#define FUZZ_CHECK_MSG(cond, ...)                                                           \
  do {                                                                                      \
    if (!(cond)) {                                                                          \
      std::fprintf(stderr, "%s:%d: property violated: %s\n%s\n", __FILE__, __LINE__, #cond, \
                   std::string(__VA_ARGS__).c_str());                                       \
      __builtin_trap();                                                                     \
    }                                                                                       \
  } while (false)

namespace coolflow::store::wal {
namespace {

constexpr std::string_view kSeparator = "||SEG||";
constexpr size_t kMaxSegments = 4;
constexpr char kDir[] = "/fuzz/wal";

using Records = std::vector<std::pair<uint64_t, std::string>>;

Status Collect(const std::string& dir, FileSystem& fs, Records& out) {
  return ReplayDirectory(dir, fs, 0, [&](uint64_t seq, std::string_view payload) {
    out.emplace_back(seq, std::string(payload));
    return Status::Ok();
  });
}

void CheckWal(std::string_view input) {
  FaultInjectionFileSystem fs;
  FUZZ_CHECK_MSG(fs.CreateDir(kDir).ok(), "");
  // Each part becomes a segment named after the first seq its header claims (so that a valid
  // header matches its name), or after its index when the header does not decode.
  uint64_t fallback_seq = 1;
  for (size_t i = 0; i < kMaxSegments && !input.empty(); ++i) {
    const size_t end = input.find(kSeparator);
    const std::string_view part = input.substr(0, end);
    input =
        end == std::string_view::npos ? std::string_view() : input.substr(end + kSeparator.size());
    uint64_t first_seq = fallback_seq;
    if (part.size() >= kSegmentHeaderSize) {
      if (auto seq = DecodeSegmentHeader(part.substr(0, kSegmentHeaderSize)); seq.ok())
        first_seq = *seq;
    }
    fallback_seq = first_seq + 1000;
    fs.WriteDurably(fmt::format("{}/{}", kDir, SegmentName(first_seq)), std::string(part));
  }

  auto check = Check(kDir, fs);
  FUZZ_CHECK_MSG(check.ok(), check.status().ToString());
  for (const WalProblem& problem : check->problems) {
    auto data = fs.ReadWhole(problem.segment);
    FUZZ_CHECK_MSG(data.ok() && problem.offset <= data->size() &&
                       problem.bytes == data->size() - problem.offset && !problem.why.empty(),
                   problem.ToString());
  }

  Records records;
  const Status replay = Collect(kDir, fs, records);
  FUZZ_CHECK_MSG(replay.ok() == !check->has_corruption(),
                 replay.ToString() + "\n" + check->ToString());
  FUZZ_CHECK_MSG(records.size() == check->records, check->ToString());
  for (size_t i = 1; i < records.size(); ++i) {
    FUZZ_CHECK_MSG(records[i].first == records[i - 1].first + 1, check->ToString());
  }

  auto wal = Wal::Open(kDir, WalOptions{}, fs);
  FUZZ_CHECK_MSG(wal.ok() == !check->has_corruption(), wal.status().ToString());
  if (!wal.ok()) {
    FUZZ_CHECK_MSG(wal.status().code() == StatusCode::kCorruption, wal.status().ToString());
    auto again = Check(kDir, fs);  // Open changed nothing
    FUZZ_CHECK_MSG(again.ok() && again->problems.size() == check->problems.size(), "");
    return;
  }
  // The last valid record's seq; with none left, the seq before the segment's first (its
  // records were removed or torn away), so seqs never go back.
  FUZZ_CHECK_MSG(check->last_seq == 0 ? (*wal)->last_seq() >= check->last_seq
                                      : (*wal)->last_seq() == check->last_seq,
                 (*wal)->recovery().ToString());
  const uint64_t last_seq = (*wal)->last_seq();
  auto seq = (*wal)->Append("fuzz");
  FUZZ_CHECK_MSG(seq.ok(), seq.status().ToString());
  FUZZ_CHECK_MSG(*seq == last_seq + 1, fmt::format("append got seq {} after {}", *seq, last_seq));
  FUZZ_CHECK_MSG(check->last_seq == 0 || *seq == check->last_seq + 1,
                 fmt::format("append got seq {} after {}", *seq, check->last_seq));
  FUZZ_CHECK_MSG((*wal)->Close().ok(), "");
  Records after;
  FUZZ_CHECK_MSG(Collect(kDir, fs, after).ok(), "");
  FUZZ_CHECK_MSG(after.size() == records.size() + 1 && after.back().second == "fuzz", "");
  for (size_t i = 0; i < records.size(); ++i)
    FUZZ_CHECK_MSG(after[i] == records[i], "");
  auto clean = Check(kDir, fs);
  FUZZ_CHECK_MSG(clean.ok() && clean->clean(), clean.ok() ? clean->ToString() : "");
  auto repair = Repair(kDir, fs);
  FUZZ_CHECK_MSG(repair.ok() && !repair->repaired, "");
}

}  // namespace
}  // namespace coolflow::store::wal

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  coolflow::store::wal::CheckWal(std::string_view(reinterpret_cast<const char*>(data), size));
  return 0;
}
