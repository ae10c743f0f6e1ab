// The processes a test or benchmark starts: each one's output in <dir>/<name>.log, and every
// one killed when the run ends, also after an error (SIGKILL on process exit). Shared by the
// browser tests (harness.mjs) and bench/control_room/first_render.mjs.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export class Processes {
  constructor(dir) {
    this.dir = dir;
    this.children = [];
    process.once('exit', () => this.killNow());
  }

  log(name) {
    return path.join(this.dir, `${name}.log`);
  }

  tail(name, lines = 15) {
    try {
      return fs.readFileSync(this.log(name), 'utf8').trim().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  /** Starts `command`; its output goes to <dir>/<name>.log, `stdin` (if any) to its input. */
  start(name, command, args, { stdin } = {}) {
    const log = fs.openSync(this.log(name), 'a');
    const child = spawn(command, args, {
      cwd: this.dir,
      stdio: [stdin === undefined ? 'ignore' : 'pipe', log, log],
      env: { ...process.env, ASAN_OPTIONS: process.env.ASAN_OPTIONS ?? 'detect_leaks=0' },
    });
    fs.closeSync(log);
    if (stdin !== undefined) child.stdin.end(stdin);
    child.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => resolve({ code, signal }));
      // A binary that cannot be run (missing, being relinked): an answer, not a crash.
      child.on('error', (error) => {
        fs.appendFileSync(this.log(name), `cannot run ${command}: ${error.message}\n`);
        resolve({ code: -1, signal: null });
      });
    });
    this.children.push(child);
    return child;
  }

  /** Runs `command` to its end; throws with its log's tail when it fails. */
  async run(name, command, args, { stdin } = {}) {
    const { code, signal } = await this.start(name, command, args, { stdin }).exited;
    if (code !== 0) throw new Error(`${name} failed (${code ?? signal}):\n${this.tail(name)}`);
    return fs.readFileSync(this.log(name), 'utf8');
  }

  running() {
    return this.children.filter((c) => c.exitCode === null && c.signalCode === null);
  }

  async stop() {
    for (const child of this.running().reverse()) {
      child.kill('SIGTERM');
      const ended = await Promise.race([child.exited, sleep(10_000).then(() => null)]);
      if (ended === null) child.kill('SIGKILL');
    }
  }

  killNow() {
    for (const child of this.running()) child.kill('SIGKILL');
  }
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
