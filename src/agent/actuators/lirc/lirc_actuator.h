// An air conditioner driven through its infrared remote by lircd: the seed's
// `irsend SEND_ONCE ServerRoom_AC1 SET_<t>` (and POWER_ON / POWER_OFF), spoken straight to
// lircd's socket (lircd_client.h) instead of forking irsend for every key.
//
// Infrared is open loop: the unit never answers, and a key it missed leaves it in a state
// nobody knows. So every command is merged into the state this actuator last sent, and the
// whole state is sent again, never a change:
//
//   power off  ->  POWER_OFF
//   power on   ->  POWER_ON, SET_<setpoint> [, mode key] [, fan key]
//
// (the keys come from the templates in LircKeys; see lirc_keys.h). Before anything is sent,
// the actuator refuses what the unit cannot do, and sends nothing:
//   - a setpoint outside [min_setpoint_c, max_setpoint_c] (OutOfRange), or not a whole
//     degree when the keys name whole degrees (InvalidArgument: no silent rounding, so the
//     state reported is the state sent);
//   - a change of mode or fan speed when no key template carries it (InvalidArgument);
//   - a key that lircd's config does not have for the remote, or an unknown remote
//     (NotFound naming both): the keys are checked with one `LIST <remote>` first, so a
//     missing SET_31 does not leave the unit switched on at its old setpoint.
// lircd not running is Unavailable "lircd not running at <socket>"; a transmission lircd
// reports as failed is Unavailable, naming the remote, the key, what was already sent and
// lircd's reason. After any failure the state stays the last one fully sent.
//
// Thread safety: Apply is called from one thread at a time (actuator.h); ac_state() may be
// called from any thread.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "agent/actuator.h"
#include "agent/actuators/lirc/lirc_keys.h"
#include "common/status.h"

namespace coolflow::agent {

struct LircOptions {
  // lircd's socket (lircd --output); irsend's -d.
  std::string socket = "/var/run/lirc/lircd";
  // The remote's name in lircd.conf.
  std::string remote = "ServerRoom_AC1";
  LircKeys keys;
  // What the unit is assumed to be doing before the first command; ac_state() reports it
  // until then. Nothing is sent at startup.
  AcState initial;
  // The seed's limits: setpoints outside 18-30 °C are refused.
  double min_setpoint_c = 18;
  double max_setpoint_c = 30;
  // How long one command may take with lircd: connecting, checking the keys and sending
  // them all (each transmission takes lircd tens of milliseconds on real hardware).
  std::chrono::milliseconds timeout{5'000};
};

// Checks `options` (names, key templates, limits, the initial state, the timeout) and
// returns the actuator; InvalidArgument names the option at fault. Does not contact lircd:
// it may start after the agent.
Result<std::unique_ptr<Actuator>> MakeLircActuator(const LircOptions& options);

}  // namespace coolflow::agent
