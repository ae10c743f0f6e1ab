// `coolflow store check DIR`: reads every file of an engine's directory without opening the
// engine, reports what is damaged and, when asked, repairs what it can without losing valid
// data:
//   - the WAL: torn tails are truncated (wal::Repair); corruption in the middle of the log is
//     reported, not repaired (the records after it are valid and would be lost);
//   - each block: decoded whole (Block::Verify); a damaged block's intact chunks are salvaged
//     into a new block and the damaged file is moved to DIR/damaged/, never deleted;
//   - the series snapshot: decoded; every block's series must be defined by it or the WAL;
//   - leftovers of interrupted writes (*.tmp) are removed.
//
// Run it on a stopped store: it takes no lock against a running engine.
//
// Thread safety: stateless.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/status.h"
#include "store/wal/file_system.h"

namespace coolflow::store::engine {

struct CheckFinding {
  std::string file;     // the path concerned
  std::string problem;  // what is wrong, or empty when the file is sound
  std::string action;   // what the repair did (empty when it did nothing)
};

struct CheckReport {
  std::vector<CheckFinding> findings;  // every file looked at, in order
  uint64_t blocks = 0;
  uint64_t block_points = 0;
  // Where the sound blocks' bytes go: point chunks, rollups, and the rest (headers, index,
  // footer), per value type of the series for the chunks.
  uint64_t block_bytes = 0;
  uint64_t chunk_bytes = 0;
  uint64_t rollup_bytes = 0;
  struct TypeUsage {
    uint64_t points = 0;
    uint64_t chunk_bytes = 0;
    uint64_t rollup_bytes = 0;
  };
  std::map<std::string, TypeUsage> by_type;  // value type name -> usage
  uint64_t wal_records = 0;
  uint64_t series = 0;
  uint64_t problems = 0;  // findings with a problem
  uint64_t repaired = 0;  // problems the repair fixed
  // Problems left: the store will not open, or data could not be saved.
  bool clean() const { return problems == repaired; }
};

// Checks (and with `repair`, repairs) the engine directory `dir`. An error Status only when
// the directory cannot be read at all.
Result<CheckReport> CheckStore(const std::string& dir, bool repair, wal::FileSystem& fs);

// The report as text, one line per finding and a summary.
std::string FormatCheckReport(const CheckReport& report);

}  // namespace coolflow::store::engine
