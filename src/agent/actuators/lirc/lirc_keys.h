// Which lircd keys put an air conditioner in a given state, and in what order they are sent.
//
// An AC's infrared remote is configured by key-name templates. A template is a lircd key
// name (as in lircd.conf and `irsend SEND_ONCE <remote> <key>`) with placeholders filled
// from the AC state:
//
//   {setpoint}       the setpoint in whole degrees Celsius: "24"
//   {mode} {MODE}    the mode as given / upper-cased: "cool" / "COOL"
//   {fan}  {FAN}     the AC fan speed as given / upper-cased: "auto" / "AUTO"
//
// The seed's remote is POWER_ON, POWER_OFF and SET_<t>; a remote whose every key carries
// the whole state is written as, e.g., setpoint = "COOL_{setpoint}_{FAN}".
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "agent/actuator.h"
#include "common/status.h"

namespace coolflow::agent {

// The key templates of one remote. An empty template sends no key.
struct LircKeys {
  // Sent first whenever the unit is to be on. May be empty for remotes whose state keys
  // switch the unit on by themselves (many AC remotes' POWER key is a toggle, which an
  // open-loop sender must not send every time).
  std::string power_on = "POWER_ON";
  // Sent, alone, to switch the unit off. Required.
  std::string power_off = "POWER_OFF";
  // Sent after power_on. Required, and must hold {setpoint}.
  std::string setpoint = "SET_{setpoint}";
  // Sent after the setpoint key when not empty ("MODE_{MODE}", "FAN_{FAN}").
  std::string mode;
  std::string fan;
};

// Checks every template: braces balanced, only the placeholders above, power_off and
// setpoint not empty, setpoint holding {setpoint}. InvalidArgument names the template
// ("keys.setpoint") and the problem.
Status ValidateLircKeys(const LircKeys& keys);

// The key `key_template` names for `state`. InvalidArgument when the template is malformed,
// when it holds {setpoint} and the setpoint is not a whole degree (keys name whole degrees:
// refusing is better than sending a setpoint other than the one asked for), or when the
// result is not a valid lircd key name (empty, longer than kMaxLircName, or holding
// anything but printable non-space ASCII: lircd splits its commands at whitespace).
Result<std::string> RenderLircKey(std::string_view key_template, const AcState& state);

// The keys that put the unit in `state`, in the order they are sent:
//   power off: power_off
//   power on:  power_on (unless empty), setpoint, mode (unless empty), fan (unless empty)
// Fails as RenderLircKey does, naming the template.
Result<std::vector<std::string>> LircKeySequence(const LircKeys& keys, const AcState& state);

// Whether the keys sent while the unit is on carry the mode ({mode} or {MODE} in any of
// them) or the AC fan speed. When they do not, that part of the state cannot be changed.
bool LircKeysCarryMode(const LircKeys& keys);
bool LircKeysCarryFan(const LircKeys& keys);

// Longest remote or key name accepted, so that a SEND_ONCE line always fits lircd's
// 256-byte packet (PACKET_SIZE in lirc_client.h).
inline constexpr size_t kMaxLircName = 100;

// Whether `name` is usable as a lircd remote or key name: 1..kMaxLircName printable
// non-space ASCII characters.
bool IsValidLircName(std::string_view name);

}  // namespace coolflow::agent
