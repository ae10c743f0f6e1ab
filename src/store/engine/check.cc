#include "store/engine/check.h"

#include <algorithm>
#include <set>

#include "fmt/format.h"
#include "store/block/block.h"
#include "store/engine/batch.h"
#include "store/engine/query.h"
#include "store/engine/series_snapshot.h"
#include "store/wal/wal_recovery.h"

namespace coolflow::store::engine {
namespace {

constexpr std::string_view kBlockSuffix = ".blk";

uint64_t BlockSeqOf(std::string_view name) {
  uint64_t seq = 0;
  for (char c : name.substr(0, name.size() - kBlockSuffix.size())) {
    if (c < '0' || c > '9') return 0;
    seq = seq * 10 + static_cast<uint64_t>(c - '0');
  }
  return seq;
}

// Writes what SalvageBlock saved into a new block at `path`; the number of points saved.
Result<uint64_t> WriteSalvage(wal::FileSystem& fs, const std::string& path,
                              block::Salvage& salvage) {
  std::sort(salvage.series.begin(), salvage.series.end(),
            [](const auto& a, const auto& b) { return a.id < b.id; });
  auto writer = block::BlockWriter::Create(fs, path);
  if (!writer.ok()) return writer.status();
  uint64_t points = 0;
  for (const block::SalvagedSeries& s : salvage.series) {
    if (s.times.empty()) continue;
    if (Status st = (*writer)->Add(s.id, s.times, s.values); !st.ok()) return st;
    points += s.times.size();
  }
  auto info = (*writer)->Finish();
  if (!info.ok()) return info.status();
  return points;
}

}  // namespace

Result<CheckReport> CheckStore(const std::string& dir, bool repair, wal::FileSystem& fs) {
  CheckReport report;
  const auto add = [&](std::string file, std::string problem, std::string action = {}) {
    if (!problem.empty()) ++report.problems;
    if (!problem.empty() && !action.empty()) ++report.repaired;
    report.findings.push_back({std::move(file), std::move(problem), std::move(action)});
  };
  if (auto listed = fs.ListDir(dir); !listed.ok()) return listed.status();

  // The series snapshot.
  std::set<uint32_t> defined;
  const std::string series_path = dir + "/series";
  uint64_t flushed_seq = 0;
  if (auto snapshot = ReadSeriesSnapshot(fs, series_path); snapshot.ok()) {
    flushed_seq = snapshot->flushed_seq;
    for (const SnapshotSeries& s : snapshot->series)
      defined.insert(s.id);
    report.series = snapshot->series.size();
    add(series_path, "");
  } else if (snapshot.status().code() != StatusCode::kNotFound) {
    add(series_path, snapshot.status().message());
  }

  // The WAL.
  const std::string wal_dir = dir + "/wal";
  auto wal = repair ? wal::Repair(wal_dir, fs) : wal::Check(wal_dir, fs);
  if (!wal.ok() && wal.status().code() != StatusCode::kNotFound) {
    add(wal_dir, wal.status().message());
  } else if (wal.ok()) {
    report.wal_records = wal->records;
    if (wal->problems.empty()) add(wal_dir, "");
    for (const wal::WalProblem& p : wal->problems) {
      add(p.segment, p.ToString(),
          repair && p.torn_tail ? fmt::format("truncated ({} bytes of a cut-short write)", p.bytes)
                                : "");
    }
    // The series the WAL defines (after the snapshot's seq: the others are in blocks).
    (void)wal::ReplayDirectory(wal_dir, fs, flushed_seq, [&](uint64_t, std::string_view payload) {
      (void)DecodeBatch(
          payload,
          [&](const BatchSeries& s) {
            defined.insert(s.id);
            return Status::Ok();
          },
          [](std::span<const BatchPoint>) {});
      return Status::Ok();
    });
  }

  // The blocks.
  const std::string blocks_dir = dir + "/blocks";
  auto names = fs.ListDir(blocks_dir);
  if (!names.ok()) {
    if (names.status().code() != StatusCode::kNotFound) add(blocks_dir, names.status().message());
    return report;
  }
  std::sort(names->begin(), names->end());
  uint64_t next_seq = 1;
  for (const std::string& name : *names) {
    if (name.ends_with(kBlockSuffix)) next_seq = std::max(next_seq, BlockSeqOf(name) + 1);
  }
  for (const std::string& name : *names) {
    const std::string path = blocks_dir + "/" + name;
    if (name.ends_with(".tmp")) {
      if (repair && fs.Remove(path).ok()) {
        add(path, "left over by an interrupted write", "removed");
      } else {
        add(path, "left over by an interrupted write (the engine removes it on open)");
      }
      continue;
    }
    if (!name.ends_with(kBlockSuffix)) continue;
    ++report.blocks;
    auto block = block::Block::Open(fs, path);
    Status verified = block.ok() ? (*block)->Verify() : block.status();
    if (verified.ok()) {
      report.block_points += (*block)->points();
      report.block_bytes += (*block)->bytes();
      std::vector<uint32_t> unknown;
      for (const block::SeriesEntry& e : (*block)->series()) {
        if (!defined.contains(e.id)) unknown.push_back(e.id);
        CheckReport::TypeUsage& usage = report.by_type[std::string(codec::ValueTypeName(e.type))];
        usage.points += e.count;
        for (const block::ChunkRef& c : e.chunks) {
          report.chunk_bytes += c.size;
          usage.chunk_bytes += c.size;
        }
        for (const block::RollupRef& r : e.rollups) {
          report.rollup_bytes += r.size;
          usage.rollup_bytes += r.size;
        }
      }
      if (unknown.empty()) {
        add(path, "");
      } else {
        add(path, fmt::format("{} series (ids {}{}) are defined by neither the series snapshot "
                              "nor the WAL: their points cannot be named",
                              unknown.size(), unknown.front(), unknown.size() > 1 ? ", ..." : ""));
      }
      continue;
    }
    if (!repair) {
      add(path, verified.message());
      continue;
    }
    auto salvage = block::SalvageBlock(fs, path);
    if (!salvage.ok()) {
      add(path, verified.message() + "; salvage failed: " + salvage.status().message());
      continue;
    }
    const std::string fresh = fmt::format("{}/{:016d}{}", blocks_dir, next_seq++, kBlockSuffix);
    auto saved = WriteSalvage(fs, fresh, *salvage);
    if (!saved.ok()) {
      add(path,
          verified.message() + "; writing the salvaged block failed: " + saved.status().message());
      continue;
    }
    const std::string damaged_dir = dir + "/damaged";
    Status moved = fs.CreateDir(damaged_dir);
    if (moved.ok()) moved = fs.Rename(path, damaged_dir + "/" + name);
    if (moved.ok()) moved = fs.SyncDir(blocks_dir);
    if (moved.ok()) moved = fs.SyncDir(damaged_dir);
    report.block_points += *saved;
    add(path, verified.message(),
        fmt::format("{} points salvaged into {}; the damaged file moved to {}/{}{}", *saved, fresh,
                    damaged_dir, name, moved.ok() ? "" : " FAILED (" + moved.message() + ")"));
  }
  return report;
}

std::string FormatCheckReport(const CheckReport& report) {
  std::string out;
  for (const CheckFinding& f : report.findings) {
    if (f.problem.empty()) {
      out += fmt::format("ok       {}\n", f.file);
    } else if (!f.action.empty()) {
      out += fmt::format("REPAIRED {}: {}\n         -> {}\n", f.file, f.problem, f.action);
    } else {
      out += fmt::format("DAMAGED  {}: {}\n", f.file, f.problem);
    }
  }
  if (report.block_points > 0) {
    const auto per_point = [&](uint64_t bytes) {
      return static_cast<double>(bytes) / static_cast<double>(report.block_points);
    };
    out += fmt::format(
        "blocks: {:.3f} bytes per point: chunks {:.3f}, rollups {:.3f}, index and headers "
        "{:.3f}\n",
        per_point(report.block_bytes), per_point(report.chunk_bytes),
        per_point(report.rollup_bytes),
        per_point(report.block_bytes - report.chunk_bytes - report.rollup_bytes));
    for (const auto& entry : report.by_type) {
      const CheckReport::TypeUsage& usage = entry.second;
      const auto per = [&](uint64_t bytes) {
        return usage.points == 0 ? 0.0
                                 : static_cast<double>(bytes) / static_cast<double>(usage.points);
      };
      out += fmt::format(
          "  {} series: {} points, {:.3f} bytes per point in chunks, {:.3f} in rollups\n",
          entry.first, usage.points, per(usage.chunk_bytes), per(usage.rollup_bytes));
    }
  }
  out += fmt::format(
      "{} series, {} blocks ({} points), {} WAL records; {} problems, {} repaired{}\n",
      report.series, report.blocks, report.block_points, report.wal_records, report.problems,
      report.repaired, report.clean() ? "" : " (run with --repair, or see docs/store-engine.md)");
  return out;
}

}  // namespace coolflow::store::engine
