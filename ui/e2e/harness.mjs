// The real system for the browser tests: Mosquitto, the hub and an agent simulating the room,
// on free loopback ports, with configs generated from configs/*-sim.yaml the way `./x up`
// does. Nothing here is a stub.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Processes } from './processes.mjs';

export const UI_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const REPO = path.resolve(UI_DIR, '..');
export const BIN = path.resolve(REPO, process.env.COOLFLOW_BIN ?? 'build/debug/apps/coolflow');
export const ARTIFACTS = path.resolve(process.env.COOLFLOW_ARTIFACTS ?? path.join(UI_DIR, 'e2e', 'artifacts'));
export const DIST = path.join(UI_DIR, 'dist');

/** Simulated seconds per wall-clock second: a degree of heating takes seconds, not minutes. */
export const ROOM_SPEED = 60;
export const RACKS = ['r01', 'r02', 'r03', 'r04', 'r05', 'r06', 'r07', 'r08'];
export const ACS = ['ac1', 'ac2'];
// Simulated time: 20 s after the agent starts the cooling goes (the page is up by then), and
// `coolflow room run` on this scenario shows the inlets above 27 °C for about 20 minutes
// from about 16 minutes later, then back in the band.
const FAULT_START = '20m';
const FAULT_DURATION = '35m';

/** A free loopback port: bind port 0 and give it back. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Polls `check` until it answers something truthy; its last error explains a timeout. */
export async function waitFor(what, check, { timeoutMs = 60_000, intervalMs = 250 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const result = await check();
      if (result) return result;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${last.message}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

function password() {
  return randomBytes(18).toString('base64url');
}

/** Every process the run started, so `stop()` ends them all, also after a failure. */
export class System {
  constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coolflow-e2e-'));
    for (const signal of ['SIGINT', 'SIGTERM']) {
      process.once(signal, () => {
        this.killNow();
        process.exit(130);
      });
    }
    this.processes = new Processes(this.dir);
    this.users = {
      operator: { user: 'alice', password: password() },
      viewer: { user: 'victor', password: password() },
    };
    this.replies = [];
  }

  file(name) {
    return path.join(this.dir, name);
  }

  spawn(name, command, args, { stdin } = {}) {
    return this.processes.start(name, command, args, { stdin });
  }

  async run(name, command, args, stdin) {
    await this.processes.run(name, command, args, { stdin });
  }

  tail(name, lines = 15) {
    return this.processes.tail(name, lines);
  }

  /**
   * A copy of the steady week in which both ACs stop cooling for a while and r08 works hard:
   * the inlets pass 27 °C, then the units recover and bring the room back into the band (so
   * that the controller's safety layer, which overrides any setpoint above the inlet limit,
   * lets an operator's setpoint through again). `ac_degraded` with severity 1 rather than
   * `ac_failure`: the compressor still runs and draws power, so the controller does not
   * quarantine the units for half an hour as ones that stopped obeying.
   */
  writeScenario() {
    const base = fs.readFileSync(path.join(REPO, 'scenarios/steady-week.yaml'), 'utf8');
    const faults = [
      '',
      '# Injected by ui/e2e/harness.mjs (see writeScenario there).',
      'faults:',
      ...ACS.map((ac) => `  - {kind: ac_degraded, target: ${ac}, start: ${FAULT_START}, duration: ${FAULT_DURATION}, severity: 1}`),
      `  - {kind: rack_overload, target: r08, start: ${FAULT_START}, severity: 0.6}`,
      '',
    ].join('\n');
    fs.writeFileSync(this.file('scenario.yaml'), base + faults);
  }

  hubConfig() {
    const hub = fs
      .readFileSync(path.join(REPO, 'configs/hub-sim.yaml'), 'utf8')
      .replace('port: 1883', `port: ${this.mqttPort}`)
      .replaceAll('/tmp/coolflow-hub-sim', this.file('hub'))
      .replace('scenario: ../scenarios/steady-week.yaml', `scenario: ${this.file('scenario.yaml')}`)
      .replace(
        'port: 8086',
        [
          `port: ${this.hubPort}`,
          `  users: ${this.file('users.yaml')}`,
          `  audit_log: ${this.file('audit.jsonl')}`,
          `  ui_dir: ${DIST}`,
        ].join('\n'),
      );
    // Alerts within seconds: evaluate every second, and the ASHRAE rule's 5 min hold cut short.
    const alerts = [
      'alerts:',
      '  evaluation_interval: 1s',
      `  history: {path: ${this.file('alerts.db')}}`,
      '  rules:',
      '    - name: ashrae_recommended',
      '      for: 2s',
      '',
    ].join('\n');
    fs.writeFileSync(this.file('hub.yaml'), `${hub}\n${alerts}`);
  }

  writeAgentConfig() {
    const agent = fs
      .readFileSync(path.join(REPO, 'configs/agent-sim.yaml'), 'utf8')
      .replace('port: 1883', `port: ${this.mqttPort}`)
      .replace('scenario: ../scenarios/steady-week.yaml', `scenario: ${this.file('scenario.yaml')}`)
      .replace('speed: 1', `speed: ${ROOM_SPEED}`)
      .replace('interval: 10s', 'interval: 2s')
      .replace('dir: /tmp/coolflow-agent-sim/spool', `dir: ${this.file('spool')}`)
      .replace('port: 9108', 'port: 0');
    fs.writeFileSync(this.file('agent.yaml'), agent);
  }

  async start() {
    try {
      fs.accessSync(BIN, fs.constants.X_OK);
    } catch {
      throw new Error(`${BIN} is not an executable (build it: ./x build, or set COOLFLOW_BIN)`);
    }
    fs.mkdirSync(this.file('hub'), { recursive: true });
    this.mqttPort = await freePort();
    this.hubPort = await freePort();
    this.writeScenario();
    this.writeAgentConfig();
    for (const [role, { user, password: pw }] of Object.entries(this.users)) {
      await this.run(`user-${user}`, BIN, ['user', 'add', '--users', this.file('users.yaml'), '--role', role, user], `${pw}\n`);
    }

    // The hub's session gets every message however long it is away (docs/hub.md).
    fs.writeFileSync(
      this.file('mosquitto.conf'),
      `listener ${this.mqttPort} 127.0.0.1\nallow_anonymous true\npersistence false\n` +
        'max_queued_messages 0\nmax_inflight_messages 1000\n',
    );
    this.spawn('mosquitto', '/usr/sbin/mosquitto', ['-c', this.file('mosquitto.conf')]);
    await waitFor('mosquitto to listen', () => connects(this.mqttPort), { timeoutMs: 15_000 });

    // The hub serves the built UI itself (`http.ui_dir`); --check names a refused config.
    this.hubConfig();
    const check = this.spawn('hub-check', BIN, ['hub', '--config', this.file('hub.yaml'), '--check']);
    const { code } = await check.exited;
    if (code !== 0) throw new Error(`the hub's config is refused: ${this.tail('hub-check')}`);

    this.hub = this.spawn('hub', BIN, ['hub', '--config', this.file('hub.yaml')]);
    const hubUrl = `http://127.0.0.1:${this.hubPort}`;
    await waitFor('the hub to answer /healthz', async () => {
      if (this.hub.exitCode !== null) throw new Error(`the hub exited: ${this.tail('hub')}`);
      return (await fetch(`${hubUrl}/healthz`)).ok;
    }, { timeoutMs: 90_000, intervalMs: 500 });

    // Every reply of the agent to a command: what the simulated AC was set to.
    this.spawn('replies', '/usr/bin/mosquitto_sub', ['-h', '127.0.0.1', '-p', String(this.mqttPort), '-t', 'coolflow/reply/#']);
    this.spawn('agent', BIN, ['agent', '--config', this.file('agent.yaml')]);

    this.baseUrl = hubUrl;
    this.hubUrl = hubUrl;
    this.started = true;
  }

  removeDir() {
    fs.rmSync(this.dir, { recursive: true, force: true });
  }

  /** The agent's replies so far, parsed. */
  agentReplies() {
    return this.tail('replies', 10_000)
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => {
        try {
          return JSON.parse(l);
        } catch {
          return null;
        }
      })
      .filter(Boolean);
  }

  stop() {
    return this.processes.stop();
  }

  /** For an exit without `after` (a crash, Ctrl-C): nothing may outlive the test process. */
  killNow() {
    this.processes.killNow();
  }
}

function connects(port) {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
