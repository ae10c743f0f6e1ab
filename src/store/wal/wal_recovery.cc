#include "store/wal/wal_recovery.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "fmt/format.h"
#include "store/wal/wal_format.h"

namespace coolflow::store::wal {
namespace {

// What one segment holds, as far as it is valid.
struct SegmentScan {
  uint64_t valid_end = 0;  // header plus the valid records before any problem
  uint64_t next_seq = 0;   // the seq after the last valid record
  uint64_t records = 0;
  uint64_t first_record_seq = 0;
  uint64_t last_record_seq = 0;
  std::optional<WalProblem> problem;
};

Result<std::string> ReadSegment(FileSystem& fs, const std::string& path) {
  auto file = fs.Open(path, OpenMode::kRead);
  if (!file.ok()) return file.status();
  auto size = (*file)->Size();
  if (!size.ok()) return size.status();
  std::string data;
  if (Status s = (*file)->ReadAt(0, static_cast<size_t>(*size), data); !s.ok()) return s;
  return data;
}

// Whether a whole valid record with seq >= min_seq starts at `offset`; its size if so.
std::optional<size_t> ValidRecordAt(std::string_view data, size_t offset, uint64_t min_seq) {
  if (data.size() - offset < kRecordHeaderSize) return std::nullopt;
  auto header = DecodeRecordHeader(data.substr(offset, kRecordHeaderSize));
  if (!header.ok() || header->seq < min_seq) return std::nullopt;
  const size_t size = kRecordHeaderSize + header->length;
  if (data.size() - offset < size) return std::nullopt;
  if (!PayloadMatches(*header, data.substr(offset + kRecordHeaderSize, header->length))) {
    return std::nullopt;
  }
  return size;
}

// How many valid records (seq >= min_seq) start at or after `from`: the resynchronising scan
// that tells a torn tail (none) from corruption (some). Tries every byte offset; the 24-byte
// header checksum rejects garbage cheaply.
uint64_t CountValidAfter(std::string_view data, size_t from, uint64_t min_seq) {
  uint64_t count = 0;
  size_t offset = from;
  while (offset + kRecordHeaderSize <= data.size()) {
    if (auto size = ValidRecordAt(data, offset, min_seq)) {
      ++count;
      offset += *size;
    } else {
      ++offset;
    }
  }
  return count;
}

WalProblem MakeProblem(const SegmentRef& ref, std::string_view data, size_t offset, std::string why,
                       bool is_last, uint64_t min_seq, bool may_be_torn) {
  WalProblem problem;
  problem.segment = ref.path;
  problem.offset = offset;
  problem.bytes = data.size() - offset;
  problem.why = std::move(why);
  problem.valid_after = CountValidAfter(data, offset + 1, min_seq);
  problem.torn_tail = is_last && may_be_torn && problem.valid_after == 0;
  return problem;
}

// Scans one segment. `expected_first` is the seq the previous segment's records end before
// (nullopt for the first segment, or after a problem). Records with seq > after_seq go to
// `fn` (when given) until the first problem.
Status ScanSegment(const SegmentRef& ref, std::string_view data, bool is_last,
                   std::optional<uint64_t> expected_first, uint64_t after_seq,
                   const RecordCallback* fn, SegmentScan& out) {
  out = SegmentScan{};
  out.next_seq = ref.first_seq;
  if (data.size() < kSegmentHeaderSize) {
    out.problem = MakeProblem(
        ref, data, 0,
        fmt::format("segment header cut short ({} of {} bytes)", data.size(), kSegmentHeaderSize),
        is_last, ref.first_seq, /*may_be_torn=*/true);
    return Status::Ok();
  }
  auto first = DecodeSegmentHeader(data.substr(0, kSegmentHeaderSize));
  if (!first.ok()) {
    out.problem = MakeProblem(ref, data, 0, first.status().message(), is_last, ref.first_seq,
                              /*may_be_torn=*/true);
    return Status::Ok();
  }
  if (*first != ref.first_seq) {
    out.problem = MakeProblem(
        ref, data, 0,
        fmt::format("segment header says first seq {}, the name {}", *first, ref.first_seq),
        is_last, ref.first_seq, /*may_be_torn=*/false);
    return Status::Ok();
  }
  if (expected_first && *expected_first != ref.first_seq) {
    out.problem = MakeProblem(
        ref, data, 0,
        *expected_first < ref.first_seq
            ? fmt::format("records {}..{} are missing (the previous segment ends before {})",
                          *expected_first, ref.first_seq - 1, *expected_first)
            : fmt::format("segment starts at seq {} but the previous one already reached {}",
                          ref.first_seq, *expected_first - 1),
        is_last, ref.first_seq, /*may_be_torn=*/false);
    return Status::Ok();
  }
  size_t offset = kSegmentHeaderSize;
  uint64_t expected = ref.first_seq;
  while (offset < data.size()) {
    const std::string_view rest = data.substr(offset);
    std::string why;
    bool may_be_torn = true;
    if (rest.size() < kRecordHeaderSize) {
      why = fmt::format("record header cut short ({} of {} bytes)", rest.size(), kRecordHeaderSize);
    } else if (auto header = DecodeRecordHeader(rest.substr(0, kRecordHeaderSize)); !header.ok()) {
      why = header.status().message();
    } else if (header->seq != expected) {
      why = fmt::format("record seq {}, expected {}", header->seq, expected);
      may_be_torn = false;
    } else if (rest.size() - kRecordHeaderSize < header->length) {
      why = fmt::format("payload cut short ({} of {} bytes)", rest.size() - kRecordHeaderSize,
                        header->length);
    } else if (const std::string_view payload = rest.substr(kRecordHeaderSize, header->length);
               !PayloadMatches(*header, payload)) {
      why = fmt::format("payload checksum mismatch in record {}", header->seq);
    } else {
      if (fn != nullptr && header->seq > after_seq) {
        if (Status s = (*fn)(header->seq, payload); !s.ok()) return s;
      }
      if (out.records == 0) out.first_record_seq = header->seq;
      out.last_record_seq = header->seq;
      ++out.records;
      ++expected;
      offset += kRecordHeaderSize + header->length;
      continue;
    }
    out.problem = MakeProblem(ref, data, offset, std::move(why), is_last, expected, may_be_torn);
    break;
  }
  out.valid_end = offset;
  out.next_seq = expected;
  return Status::Ok();
}

// Scans every segment; with `fn`, delivers the records (seq > after_seq) before the first
// corruption. `scans` gets one entry per segment.
Status ScanAll(const std::vector<SegmentRef>& segments, FileSystem& fs, uint64_t after_seq,
               const RecordCallback* fn, RecoveryReport& report, std::vector<SegmentScan>& scans) {
  report = RecoveryReport{};
  report.segments = segments.size();
  std::optional<uint64_t> expected;
  bool corrupt = false;
  for (size_t i = 0; i < segments.size(); ++i) {
    const bool is_last = i + 1 == segments.size();
    SegmentScan scan;
    // Skip reading what a replay does not want: every record of segment i is below the next
    // segment's first seq.
    if (fn != nullptr && !is_last && segments[i + 1].first_seq <= after_seq + 1) {
      expected = segments[i + 1].first_seq;
      scans.push_back(scan);
      continue;
    }
    auto data = ReadSegment(fs, segments[i].path);
    if (!data.ok()) return data.status();
    if (Status s = ScanSegment(segments[i], *data, is_last, expected, after_seq,
                               corrupt ? nullptr : fn, scan);
        !s.ok()) {
      return s;
    }
    if (!corrupt) {
      if (report.records == 0 && scan.records > 0) report.first_seq = scan.first_record_seq;
      if (scan.records > 0) report.last_seq = scan.last_record_seq;
      report.records += scan.records;
    }
    if (scan.problem) {
      if (!scan.problem->torn_tail) corrupt = true;
      report.problems.push_back(*scan.problem);
      expected.reset();
    } else {
      expected = scan.next_seq;
    }
    scans.push_back(std::move(scan));
  }
  return Status::Ok();
}

}  // namespace

std::string WalProblem::ToString() const {
  if (torn_tail) {
    return fmt::format("{} offset {}: {} (torn tail: {} bytes)", segment, offset, why, bytes);
  }
  return fmt::format(
      "{} offset {}: {} (corruption; {} valid records follow in the segment: "
      "not repaired)",
      segment, offset, why, valid_after);
}

bool RecoveryReport::has_corruption() const {
  return std::any_of(problems.begin(), problems.end(),
                     [](const WalProblem& p) { return !p.torn_tail; });
}

Status RecoveryReport::CorruptionStatus() const {
  for (const WalProblem& problem : problems) {
    if (!problem.torn_tail) return Corruption("wal: " + problem.ToString());
  }
  return Status::Ok();
}

std::string RecoveryReport::ToString() const {
  std::string out = fmt::format("{} segments, {} valid records", segments, records);
  if (records > 0) out += fmt::format(" (seq {}..{})", first_seq, last_seq);
  for (const WalProblem& problem : problems)
    out += "\n  " + problem.ToString();
  if (repaired) out += fmt::format("\n  repaired: {} torn bytes dropped", bytes_dropped);
  return out;
}

Result<std::vector<SegmentRef>> ListSegments(const std::string& dir, FileSystem& fs) {
  auto names = fs.ListDir(dir);
  if (!names.ok()) return names.status();
  std::vector<SegmentRef> segments;
  for (const std::string& name : *names) {
    if (auto seq = ParseSegmentName(name)) segments.push_back({*seq, dir + "/" + name});
  }
  std::sort(segments.begin(), segments.end(),
            [](const SegmentRef& a, const SegmentRef& b) { return a.first_seq < b.first_seq; });
  return segments;
}

Result<RecoveryReport> Check(const std::string& dir, FileSystem& fs) {
  auto segments = ListSegments(dir, fs);
  if (!segments.ok()) return segments.status();
  RecoveryReport report;
  std::vector<SegmentScan> scans;
  if (Status s = ScanAll(*segments, fs, 0, nullptr, report, scans); !s.ok()) return s;
  return report;
}

Result<RecoveryReport> Repair(const std::string& dir, FileSystem& fs) {
  auto segments = ListSegments(dir, fs);
  if (!segments.ok()) return segments.status();
  RecoveryReport report;
  std::vector<SegmentScan> scans;
  if (Status s = ScanAll(*segments, fs, 0, nullptr, report, scans); !s.ok()) return s;
  for (const WalProblem& problem : report.problems) {
    if (!problem.torn_tail) continue;
    if (problem.offset < kSegmentHeaderSize) {
      // The header itself is torn: the segment never held an acknowledged record.
      if (Status s = fs.Remove(problem.segment); !s.ok()) return s;
      if (Status s = fs.SyncDir(dir); !s.ok()) return s;
      --report.segments;
    } else {
      auto file = fs.Open(problem.segment, OpenMode::kReadWrite);
      if (!file.ok()) return file.status();
      if (Status s = (*file)->Truncate(problem.offset); !s.ok()) return s;
      if (Status s = (*file)->Sync(); !s.ok()) return s;
    }
    report.bytes_dropped += problem.bytes;
    report.repaired = true;
  }
  return report;
}

Status ReplayDirectory(const std::string& dir, FileSystem& fs, uint64_t after_seq,
                       const RecordCallback& fn) {
  auto segments = ListSegments(dir, fs);
  if (!segments.ok()) return segments.status();
  RecoveryReport report;
  std::vector<SegmentScan> scans;
  if (Status s = ScanAll(*segments, fs, after_seq, &fn, report, scans); !s.ok()) return s;
  return report.CorruptionStatus();
}

}  // namespace coolflow::store::wal
