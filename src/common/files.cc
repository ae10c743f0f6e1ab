#include "common/files.h"

#include <filesystem>
#include <fstream>
#include <sstream>

namespace coolflow {

Result<std::string> ReadTextFile(const std::string& path) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(path, error)) return NotFound(path + ": no such file");
  std::ifstream in(path, std::ios::binary);
  if (!in) return IOError(path + ": cannot open");
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) return IOError(path + ": read failed");
  return text.str();
}

Result<std::string> ReadSecretFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return IOError(path + ": cannot open");
  std::string line;
  std::getline(in, line);
  if (in.bad()) return IOError(path + ": read failed");
  if (!line.empty() && line.back() == '\r') line.pop_back();
  if (line.empty()) return InvalidArgument(path + ": empty");
  return line;
}

}  // namespace coolflow
