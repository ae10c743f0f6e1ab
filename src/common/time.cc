#include "common/time.h"

#include <charconv>
#include <chrono>
#include <cstdint>
#include <limits>

#include "fmt/format.h"

namespace coolflow {
namespace {

// InfluxDB's representable range: the two extreme int64 values are reserved.
constexpr TimeNs kMinTimeNs = std::numeric_limits<int64_t>::min() + 2;
constexpr TimeNs kMaxTimeNs = std::numeric_limits<int64_t>::max() - 1;

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

struct CivilDate {
  int64_t year;
  unsigned month;
  unsigned day;
};

CivilDate CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2 ? 1 : 0), m, d};
}

bool IsLeap(int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

unsigned DaysInMonth(int64_t y, unsigned m) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && IsLeap(y) ? 29 : kDays[m - 1];
}

// Reads exactly `n` decimal digits at text[pos]; advances pos.
bool ReadDigits(std::string_view text, size_t& pos, size_t n, unsigned& out) {
  if (pos + n > text.size()) return false;
  unsigned v = 0;
  for (size_t i = 0; i < n; ++i) {
    const char c = text[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  out = v;
  pos += n;
  return true;
}

constexpr std::string_view kTooManyFractionDigits = "more than 9 fractional digits";

// Reads the digits of a decimal fraction at text[pos] (at most 9) as nanoseconds and
// advances pos past them. Returns why they are not one, or "" when they are.
std::string_view ReadFractionNs(std::string_view text, size_t& pos, int64_t& ns) {
  ns = 0;
  int digits = 0;
  while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
    if (digits == 9) return kTooManyFractionDigits;
    ns = ns * 10 + (text[pos] - '0');
    ++digits;
    ++pos;
  }
  if (digits == 0) return "empty fraction";
  for (int i = digits; i < 9; ++i)
    ns *= 10;
  return {};
}

Result<TimeNs> ParseIso8601(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return InvalidArgument(fmt::format("invalid ISO-8601 time '{}': {}", text, why));
  };
  size_t pos = 0;
  unsigned year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!ReadDigits(text, pos, 4, year)) return bad("expected a 4-digit year");
  if (pos >= text.size() || text[pos++] != '-') return bad("expected '-' after the year");
  if (!ReadDigits(text, pos, 2, month)) return bad("expected a 2-digit month");
  if (pos >= text.size() || text[pos++] != '-') return bad("expected '-' after the month");
  if (!ReadDigits(text, pos, 2, day)) return bad("expected a 2-digit day");
  if (month < 1 || month > 12) return bad("month out of range");
  if (day < 1 || day > DaysInMonth(year, month)) return bad("day out of range");
  int64_t frac_ns = 0;
  int64_t offset_s = 0;
  if (pos < text.size()) {
    if (text[pos] != 'T' && text[pos] != 't' && text[pos] != ' ') {
      return bad("expected 'T' between date and time");
    }
    ++pos;
    if (!ReadDigits(text, pos, 2, hour)) return bad("expected a 2-digit hour");
    if (pos >= text.size() || text[pos++] != ':') return bad("expected ':' after the hour");
    if (!ReadDigits(text, pos, 2, minute)) return bad("expected 2-digit minutes");
    if (pos >= text.size() || text[pos++] != ':') return bad("expected ':' after the minutes");
    if (!ReadDigits(text, pos, 2, second)) return bad("expected 2-digit seconds");
    if (hour > 23 || minute > 59 || second > 59) return bad("time of day out of range");
    if (pos < text.size() && (text[pos] == '.' || text[pos] == ',')) {
      ++pos;
      if (std::string_view why = ReadFractionNs(text, pos, frac_ns); !why.empty()) {
        return bad(why);
      }
    }
    if (pos < text.size()) {
      const char z = text[pos];
      if (z == 'Z' || z == 'z') {
        ++pos;
      } else if (z == '+' || z == '-') {
        ++pos;
        unsigned oh = 0, om = 0;
        if (!ReadDigits(text, pos, 2, oh)) return bad("expected a 2-digit zone hour");
        if (pos < text.size() && text[pos] == ':') ++pos;
        if (!ReadDigits(text, pos, 2, om)) return bad("expected 2-digit zone minutes");
        if (oh > 23 || om > 59) return bad("zone offset out of range");
        offset_s = (z == '+' ? 1 : -1) * static_cast<int64_t>(oh * 3600 + om * 60);
      } else {
        return bad("expected 'Z' or a ±hh:mm zone offset");
      }
    }
  }
  if (pos != text.size()) return bad("unexpected text after the time");
  const int64_t days = DaysFromCivil(year, month, day);
  const int64_t secs = days * 86400 + hour * 3600 + minute * 60 + second - offset_s;
  // Years 0000-9999 fit easily into int64 ns except near the edges of the representable
  // range (1677-2262); check instead of overflowing.
  constexpr int64_t kMaxSecs = kMaxTimeNs / kNanosPerSecond - 1;
  if (secs > kMaxSecs || secs < -kMaxSecs)
    return OutOfRange(
        fmt::format("time '{}' is outside the representable range 1677-09-21..2262-04-11", text));
  return secs * kNanosPerSecond + frac_ns;
}

}  // namespace

TimeNs SystemClock::Now() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

const SystemClock& SystemClock::Instance() {
  static const SystemClock clock;
  return clock;
}

Result<Precision> ParsePrecision(std::string_view text) {
  if (text == "n" || text == "ns" || text.empty()) return Precision::kNanoseconds;
  if (text == "u" || text == "us" || text == "\xC2\xB5s" || text == "\xC2\xB5") {
    return Precision::kMicroseconds;
  }
  if (text == "ms") return Precision::kMilliseconds;
  if (text == "s") return Precision::kSeconds;
  if (text == "m") return Precision::kMinutes;
  if (text == "h") return Precision::kHours;
  return InvalidArgument(
      fmt::format("unknown precision '{}' (expected one of n, u, ms, s, m, h)", text));
}

std::string_view PrecisionName(Precision precision) {
  switch (precision) {
    case Precision::kNanoseconds:
      return "ns";
    case Precision::kMicroseconds:
      return "us";
    case Precision::kMilliseconds:
      return "ms";
    case Precision::kSeconds:
      return "s";
    case Precision::kMinutes:
      return "m";
    case Precision::kHours:
      return "h";
  }
  return "ns";
}

TimeNs NanosPer(Precision precision) {
  switch (precision) {
    case Precision::kNanoseconds:
      return 1;
    case Precision::kMicroseconds:
      return kNanosPerMicro;
    case Precision::kMilliseconds:
      return kNanosPerMilli;
    case Precision::kSeconds:
      return kNanosPerSecond;
    case Precision::kMinutes:
      return kNanosPerMinute;
    case Precision::kHours:
      return kNanosPerHour;
  }
  return 1;
}

Result<TimeNs> EpochToNs(int64_t value, Precision precision) {
  TimeNs ns = 0;
  if (__builtin_mul_overflow(value, NanosPer(precision), &ns) || ns < kMinTimeNs ||
      ns > kMaxTimeNs) {
    return OutOfRange(fmt::format("time {} {} outside range [{}, {}] ns", value,
                                  PrecisionName(precision), kMinTimeNs, kMaxTimeNs));
  }
  return ns;
}

Result<TimeNs> ParseTimestamp(std::string_view text) {
  if (text.empty()) return InvalidArgument("empty time");
  if (text.size() >= 10 && text[4] == '-') return ParseIso8601(text);
  const char* first = text.data();
  const char* last = text.data() + text.size();
  int64_t whole = 0;
  auto [ptr, ec] = std::from_chars(first, last, whole);
  if (ec == std::errc::result_out_of_range) {
    return OutOfRange(fmt::format("epoch time '{}' does not fit 64 bits", text));
  }
  if (ec != std::errc() || (ptr != last && *ptr != '.')) {
    return InvalidArgument(
        fmt::format("invalid time '{}': expected an epoch number or an ISO-8601 date-time", text));
  }
  if (ptr == last) {
    // Negating INT64_MIN overflows: take the magnitude as unsigned.
    const uint64_t magnitude =
        whole < 0 ? uint64_t{0} - static_cast<uint64_t>(whole) : static_cast<uint64_t>(whole);
    Precision precision = Precision::kNanoseconds;
    if (magnitude < 100'000'000'000ULL) {
      precision = Precision::kSeconds;
    } else if (magnitude < 100'000'000'000'000ULL) {
      precision = Precision::kMilliseconds;
    } else if (magnitude < 100'000'000'000'000'000ULL) {
      precision = Precision::kMicroseconds;
    }
    return EpochToNs(whole, precision);
  }
  // Decimal seconds.
  size_t pos = static_cast<size_t>(ptr - first) + 1;
  int64_t frac_ns = 0;
  const std::string_view why = ReadFractionNs(text, pos, frac_ns);
  if (why != kTooManyFractionDigits && pos != text.size()) {
    return InvalidArgument(fmt::format("invalid time '{}': bad fraction", text));
  }
  if (!why.empty()) return InvalidArgument(fmt::format("invalid time '{}': {}", text, why));
  auto secs = EpochToNs(whole, Precision::kSeconds);
  if (!secs.ok()) return secs;
  const bool negative = text.front() == '-';
  TimeNs ns = 0;
  if (__builtin_add_overflow(*secs, negative ? -frac_ns : frac_ns, &ns) || ns < kMinTimeNs ||
      ns > kMaxTimeNs) {
    return OutOfRange(
        fmt::format("time '{}' outside range [{}, {}] ns", text, kMinTimeNs, kMaxTimeNs));
  }
  return ns;
}

std::string FormatRfc3339(TimeNs t) {
  int64_t secs = t / kNanosPerSecond;
  int64_t frac = t % kNanosPerSecond;
  if (frac < 0) {
    frac += kNanosPerSecond;
    --secs;
  }
  int64_t days = secs / 86400;
  int64_t sod = secs % 86400;
  if (sod < 0) {
    sod += 86400;
    --days;
  }
  const CivilDate date = CivilFromDays(days);
  std::string out = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", date.year, date.month,
                                date.day, sod / 3600, (sod / 60) % 60, sod % 60);
  if (frac != 0) {
    std::string digits = fmt::format("{:09}", frac);
    while (digits.back() == '0')
      digits.pop_back();
    out += '.';
    out += digits;
  }
  out += 'Z';
  return out;
}

Result<TimeNs> ParseDuration(std::string_view text) {
  struct Unit {
    std::string_view suffix;
    TimeNs nanos;
  };
  // "ms" before "m" and "s": the longest suffix wins.
  static constexpr Unit kUnits[] = {{"ms", kNanosPerMilli},
                                    {"s", kNanosPerSecond},
                                    {"m", kNanosPerMinute},
                                    {"h", kNanosPerHour},
                                    {"d", kNanosPerDay}};
  auto refuse = [&] {
    return InvalidArgument(fmt::format(
        "\"{}\" is not a duration (write e.g. 10s, 15m, 1.5h, 7d, or a number of seconds)", text));
  };
  std::string_view number = text;
  TimeNs unit = kNanosPerSecond;
  for (const Unit& u : kUnits) {
    if (text.size() > u.suffix.size() && text.ends_with(u.suffix)) {
      number = text.substr(0, text.size() - u.suffix.size());
      unit = u.nanos;
      break;
    }
  }
  const size_t dot = number.find('.');
  const std::string_view whole = number.substr(0, dot);
  const std::string_view fraction =
      dot == std::string_view::npos ? std::string_view() : number.substr(dot + 1);
  auto all_digits = [](std::string_view s) {
    for (char c : s) {
      if (c < '0' || c > '9') return false;
    }
    return true;
  };
  if ((whole.empty() && fraction.empty()) || !all_digits(whole) || !all_digits(fraction) ||
      (dot != std::string_view::npos && fraction.empty())) {
    return refuse();
  }
  constexpr size_t kMaxFractionDigits = 9;
  if (fraction.size() > kMaxFractionDigits) return refuse();

  const TimeNs max = std::numeric_limits<TimeNs>::max();
  TimeNs count = 0;
  if (!whole.empty()) {
    auto [ptr, ec] = std::from_chars(whole.data(), whole.data() + whole.size(), count);
    if (ec != std::errc() || count > max / unit) {
      return InvalidArgument(fmt::format("\"{}\" is too long a duration", text));
    }
  }
  TimeNs nanos = count * unit;
  if (!fraction.empty()) {
    TimeNs digits = 0;
    TimeNs scale = 1;
    for (char c : fraction) {
      digits = digits * 10 + (c - '0');
      scale *= 10;
    }
    // part = digits x unit / scale, exactly or not at all. Every unit is a whole number of
    // milliseconds, so digits x (unit in ms) < 10^9 x 8.64e7 fits, and so does part < unit.
    const TimeNs numerator = digits * (unit / kNanosPerMilli);
    TimeNs part = 0;
    if (scale <= kNanosPerMilli) {
      part = numerator * (kNanosPerMilli / scale);
    } else {
      const TimeNs divisor = scale / kNanosPerMilli;
      if (numerator % divisor != 0) {
        return InvalidArgument(fmt::format("\"{}\" is finer than 1 ns", text));
      }
      part = numerator / divisor;
    }
    if (part > max - nanos)
      return InvalidArgument(fmt::format("\"{}\" is too long a duration", text));
    nanos += part;
  }
  return nanos;
}

std::string FormatDuration(TimeNs duration) {
  if (duration == 0) return "0s";
  struct Unit {
    std::string_view suffix;
    TimeNs nanos;
  };
  static constexpr Unit kUnits[] = {{"d", kNanosPerDay},
                                    {"h", kNanosPerHour},
                                    {"m", kNanosPerMinute},
                                    {"s", kNanosPerSecond},
                                    {"ms", kNanosPerMilli}};
  for (const Unit& u : kUnits) {
    if (duration % u.nanos == 0) return fmt::format("{}{}", duration / u.nanos, u.suffix);
  }
  // Not a whole number of milliseconds: seconds with up to nine decimals, zeros trimmed.
  const char* sign = duration < 0 ? "-" : "";
  const uint64_t magnitude = duration < 0 ? uint64_t{0} - static_cast<uint64_t>(duration)
                                          : static_cast<uint64_t>(duration);
  const uint64_t per_second = static_cast<uint64_t>(kNanosPerSecond);
  std::string fraction = fmt::format("{:09}", magnitude % per_second);
  while (fraction.back() == '0')
    fraction.pop_back();
  return fmt::format("{}{}.{}s", sign, magnitude / per_second, fraction);
}

}  // namespace coolflow
