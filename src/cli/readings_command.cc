// `coolflow readings convert`: reads one format on stdin, writes another on stdout, and
// reports every refused record on stderr with its line and column. A user checks a sensor
// feed with it: exit status 1 means something was refused.
#include <cstdio>
#include <iostream>
#include <iterator>
#include <string>

#include "CLI/CLI.hpp"
#include "cli/cli.h"
#include "common/time.h"
#include "fmt/format.h"
#include "reading/ac_command.h"
#include "reading/format.h"
#include "reading/text_util.h"

namespace coolflow::cli {
namespace {

constexpr std::string_view kAcCommand = "ac-command";

struct ConvertOptions {
  std::string from;
  std::string to;
  std::string precision = "ns";
  double max_future_s = 300;
  bool no_range_check = false;
  bool influxdb16 = false;
};

std::string ReadAll(std::istream& in) {
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Commands are not readings: ac-command converts to and from the JSON command form only.
int ConvertCommands(const ConvertOptions& o, const std::string& input) {
  const bool from_query = o.from == kAcCommand;
  const bool to_query = o.to == kAcCommand;
  size_t line_no = 0, refused = 0, total = 0;
  reading::ForEachLine(input, [&](std::string_view line, size_t) {
    ++line_no;
    if (reading::Trim(line).empty()) return;
    ++total;
    auto command = from_query ? reading::ParseAcCommand(line) : reading::ParseAcCommandJson(line);
    if (!command.ok()) {
      ++refused;
      std::cerr << fmt::format("stdin:{}: {}\n", line_no, command.status().message());
      return;
    }
    std::cout << (to_query ? reading::FormatAcCommand(*command)
                           : reading::FormatAcCommandJson(*command))
              << '\n';
  });
  std::cerr << fmt::format("{} commands, {} refused\n", total, refused);
  return refused == 0 ? 0 : 1;
}

int Convert(const ConvertOptions& o) {
  const bool command_from = o.from == kAcCommand;
  const bool command_to = o.to == kAcCommand;
  if (command_from || command_to) {
    const std::string other = command_from ? o.to : o.from;
    const reading::Format* other_format = reading::FindFormat(other);
    const bool json = other_format != nullptr && other_format->name == "json";
    if (!json && other != kAcCommand) {
      std::cerr << "coolflow: ac-command converts only to and from json (commands are not "
                   "readings)\n";
      return 2;
    }
    return ConvertCommands(o, ReadAll(std::cin));
  }
  const reading::Format* from = reading::FindFormat(o.from);
  const reading::Format* to = reading::FindFormat(o.to);
  for (auto [format, name] : {std::pair{from, o.from}, std::pair{to, o.to}}) {
    if (format == nullptr) {
      std::string names;
      for (const auto& f : reading::Formats())
        names += fmt::format(" {}", f.name);
      std::cerr << fmt::format("coolflow: unknown format '{}'; known:{} {}\n", name, names,
                               kAcCommand);
      return 2;
    }
  }
  auto precision = ParsePrecision(o.precision);
  if (!precision.ok()) {
    std::cerr << "coolflow: --precision: " << precision.status().message() << "\n";
    return 2;
  }
  reading::DecodeOptions options;
  options.now = SystemClock::Instance().Now();
  options.precision = *precision;
  options.allow_unsigned = !o.influxdb16;
  options.validation.max_future = static_cast<TimeNs>(o.max_future_s * 1e9);
  options.validation.check_ranges = !o.no_range_check;

  const std::string input = ReadAll(std::cin);
  reading::DecodeResult result;
  from->decoder->Decode(input, options, result);
  for (const reading::RecordError& e : result.errors) {
    std::cerr << fmt::format("stdin:{}:{}: (byte {}) {}: {}\n", e.line, e.column, e.offset, e.item,
                             e.message);
  }
  std::string out;
  std::vector<reading::EncodeError> encode_errors;
  to->encoder->Encode(result.readings, out, encode_errors);
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fflush(stdout);
  size_t unwritten = 0;
  for (const reading::EncodeError& e : encode_errors) {
    unwritten += e.count;
    std::cerr << fmt::format("output: reading {}: {}\n", e.index, e.message);
  }
  std::cerr << fmt::format("{} records, {} refused, {} readings written, {} not writable\n",
                           result.records, result.errors.size(), result.readings.size() - unwritten,
                           unwritten);
  return result.errors.empty() && encode_errors.empty() ? 0 : 1;
}

}  // namespace

void AddReadingsCommands(CLI::App& app) {
  auto* readings = app.add_subcommand("readings", "Work with readings and their wire formats");
  readings->require_subcommand(1);
  auto options = std::make_shared<ConvertOptions>();
  std::string formats;
  for (const auto& f : reading::Formats()) {
    formats += fmt::format("\n  {:<14} {}", f.name, f.summary);
  }
  formats +=
      fmt::format("\n  {:<14} {}", kAcCommand, "the seed's controlAC1 command (to/from json only)");
  auto* convert = readings->add_subcommand(
      "convert",
      "Read readings in one format on stdin and write them in another on stdout; refused "
      "records go to stderr with line and column, and the exit status is 1 if any was "
      "refused. Formats:" +
          formats);
  convert->add_option("--from", options->from, "Input format")->required();
  convert->add_option("--to", options->to, "Output format")->required();
  convert
      ->add_option("--precision", options->precision,
                   "Line-protocol timestamp precision: n or ns, u or us or µs, ms, s")
      ->capture_default_str();
  convert
      ->add_option("--max-future", options->max_future_s,
                   "Seconds a reading's time may be ahead of now")
      ->capture_default_str();
  convert->add_flag("--no-range-check", options->no_range_check,
                    "Do not check values against physical ranges");
  convert->add_flag("--influxdb-1.6", options->influxdb16,
                    "Refuse unsigned integers (7u), as InfluxDB 1.6 does");
  convert->callback([options] {
    const int code = Convert(*options);
    if (code != 0) throw CLI::RuntimeError(code);
  });
}

}  // namespace coolflow::cli
