#!/usr/bin/env node
// The Control Room's first render of a 200-rack room in Chromium (target: under 1 s).
//
// Starts a real hub (embedded store, no MQTT, readings over HTTP /write) on free loopback
// ports with a `control:` section of 200 racks and 8 ACs, keeps feeding it a live room,
// logs a viewer into headless Chromium and times, over N fresh pages, how long it takes from
// `page.goto` until every rack tile shows a temperature. See README.md beside this file.
//
//   node bench/control_room/first_render.mjs [--runs 7]
//   COOLFLOW_BIN=build/debug/apps/coolflow node bench/control_room/first_render.mjs
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { freePort, waitFor } from '../../ui/e2e/harness.mjs';
import { Processes } from '../../ui/e2e/processes.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const UI_DIST = path.join(REPO, 'ui', 'dist');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const { chromium } = createRequire(path.join(REPO, 'ui', 'package.json'))('playwright-core');

const ROWS = 10;
const PER_ROW = 20;
const RACKS = Array.from({ length: ROWS * PER_ROW }, (_, i) => `r${String(i + 1).padStart(3, '0')}`);
const ACS = Array.from({ length: 8 }, (_, i) => `ac${i + 1}`);
const BOX = 'pi-sim';
const TARGET_MS = 1000;
const FEED_INTERVAL_MS = 1000;
const RUN_TIMEOUT_MS = 30_000;

// Metres: racks 0.6 m wide, rows 1.2 m apart (a cold and a hot aisle), the ACs on the wall
// in front of the first row.
const RACK_PITCH_M = 0.6;
const ROW_PITCH_M = 1.2;
const FIRST_RACK = { x: 1, y: 2 };
const ROOM_WIDTH_M = FIRST_RACK.x * 2 + (PER_ROW - 1) * RACK_PITCH_M;

function usage(message) {
  if (message) console.error(message);
  console.error('usage: node bench/control_room/first_render.mjs [--runs N]   (N >= 2: the first is the cold run)');
  process.exit(2);
}

function parseArgs(argv) {
  const options = { runs: 7 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') usage();
    const [name, inline] = arg.split('=', 2);
    if (name !== '--runs') usage(`unknown argument: ${arg}`);
    const value = inline ?? argv[++i];
    options.runs = Number(value);
    if (!Number.isInteger(options.runs) || options.runs < 2) usage(`--runs wants an integer >= 2, not ${value}`);
  }
  return options;
}

/** COOLFLOW_BIN, else the release build, else the debug build (both relative to the repo). */
function coolflowBinary() {
  if (process.env.COOLFLOW_BIN) return path.resolve(REPO, process.env.COOLFLOW_BIN);
  const release = path.join(REPO, 'build/release/apps/coolflow');
  const debug = path.join(REPO, 'build/debug/apps/coolflow');
  if (!fs.existsSync(release)) return debug;
  if (fs.existsSync(debug) && fs.statSync(debug).mtimeMs > fs.statSync(release).mtimeMs) {
    console.warn(`note: ${path.relative(REPO, release)} is older than the debug build; set COOLFLOW_BIN if it is stale`);
  }
  return release;
}

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---------------------------------------------------------------------------------------
// The hub and its room.

function hubConfig({ dir, port, users }) {
  const rack = (id, i) => {
    const x = FIRST_RACK.x + (i % PER_ROW) * RACK_PITCH_M;
    const y = FIRST_RACK.y + Math.floor(i / PER_ROW) * ROW_PITCH_M;
    return `    - {id: ${id}, box: ${BOX}, x: ${x.toFixed(2)}, y: ${y.toFixed(2)}}`;
  };
  const ac = (name, i) => {
    const x = 0.5 + (i * (ROOM_WIDTH_M - 1)) / (ACS.length - 1);
    return `    - {name: ${name}, box: ${BOX}, device: ${name}, x: ${x.toFixed(2)}, y: 0.5, rated_capacity_w: 14000}`;
  };
  return [
    'hub: bench-hub',
    'log_level: warn',
    `store: {kind: embedded, dir: ${path.join(dir, 'store')}}`,
    `http: {host: 127.0.0.1, port: ${port}, users: ${users}, ui_dir: ${UI_DIST}}`,
    'control:',
    '  policy: optimal',
    '  racks:',
    ...RACKS.map(rack),
    '  acs:',
    ...ACS.map(ac),
    '',
  ].join('\n');
}

/** One line-protocol body: every rack's inlet and humidity and IT power, every AC's power. */
function roomReadings(tick) {
  const ns = `${BigInt(Date.now()) * 1_000_000n}`;
  const lines = [];
  RACKS.forEach((id, i) => {
    // A warm row at the back, a slow wave and a little noise: values change every second.
    const temperature = 21.5 + (Math.floor(i / PER_ROW) * 0.35) + 0.4 * Math.sin((tick + i) / 7) + Math.random() * 0.1;
    const humidity = 45 + 3 * Math.sin((tick + i) / 11);
    const power = 1200 + 15 * (i % 13) + Math.round(40 * Math.random());
    lines.push(`temp,box=${BOX},rack=${id} temperature=${temperature.toFixed(2)},humidity=${humidity.toFixed(1)} ${ns}`);
    lines.push(`power,box=${BOX},rack=${id} power=${power} ${ns}`);
  });
  ACS.forEach((id, i) => {
    lines.push(`power,ac=${id},box=${BOX} power=${1500 + 100 * i + Math.round(50 * Math.random())} ${ns}`);
  });
  return `${lines.join('\n')}\n`;
}

/** Feeds the hub a reading per series every second until stopped. */
class Feeder {
  constructor(baseUrl, token) {
    this.url = `${baseUrl}/write?db=coolflow`;
    this.headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'text/plain' };
    this.tick = 0;
    this.failures = 0;
    this.lastError = null;
    this.busy = false;
  }

  async writeOnce() {
    const response = await fetch(this.url, { method: 'POST', headers: this.headers, body: roomReadings(this.tick++) });
    if (response.status !== 204) throw new Error(`POST /write answered ${response.status}: ${(await response.text()).slice(0, 300)}`);
  }

  start() {
    this.timer = setInterval(async () => {
      if (this.busy) return; // The previous write is still being made durable: skip a beat.
      this.busy = true;
      try {
        await this.writeOnce();
      } catch (e) {
        this.failures++;
        this.lastError = e.message;
      } finally {
        this.busy = false;
      }
    }, FEED_INTERVAL_MS);
  }

  stop() {
    clearInterval(this.timer);
  }
}

async function startHub(procs, bin) {
  const dir = procs.dir;
  const users = path.join(dir, 'users.yaml');
  const viewer = { user: 'viewer', password: randomBytes(18).toString('base64url') };

  try {
    await procs.run('user-viewer', bin, ['user', 'add', '--users', users, '--role', 'viewer', viewer.user], {
      stdin: `${viewer.password}\n`,
    });
  } catch (e) {
    throw new Error(`${e.message}\n(a coolflow without \`user add\` is older than the Control Room: set COOLFLOW_BIN)`);
  }
  // The operator exists only for its API token (/write); the token is printed once.
  const tokenOutput = await procs.run('user-writer', bin, [
    'user', 'token', '--users', users, '--role', 'operator', '--token-name', 'bench-writer', 'writer',
  ]);
  const token = tokenOutput.match(/cf_[A-Za-z0-9_-]+/)?.[0];
  if (!token) throw new Error('`coolflow user token` printed no cf_... token');
  fs.rmSync(procs.log('user-writer')); // It holds the token.

  const port = await freePort();
  const config = path.join(dir, 'hub.yaml');
  fs.writeFileSync(config, hubConfig({ dir, port, users }));
  const check = procs.start('hub-check', bin, ['hub', '--config', config, '--check']);
  if ((await check.exited).code !== 0) throw new Error(`the hub refused its config:\n${procs.tail('hub-check')}`);

  const hub = procs.start('hub', bin, ['hub', '--config', config]);
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitFor('the hub to answer /healthz', async () => {
    if (hub.exitCode !== null || hub.signalCode !== null) throw new Error(`the hub exited:\n${procs.tail('hub')}`);
    return (await fetch(`${baseUrl}/healthz`)).ok;
  }, { timeoutMs: 90_000, intervalMs: 250 });
  return { baseUrl, token, viewer };
}

/** Every rack's temperature is in the hub's live state. */
async function roomIsLive(baseUrl, token) {
  const response = await fetch(`${baseUrl}/api/live?measurement=temp`, { headers: { Authorization: `Bearer ${token}` } });
  if (!response.ok) throw new Error(`GET /api/live answered ${response.status}`);
  const live = await response.json();
  const racks = new Set(live.series.filter((s) => s.metric === 'temperature').map((s) => s.rack ?? s.labels?.rack));
  return RACKS.every((id) => racks.has(id));
}

// ---------------------------------------------------------------------------------------
// The browser.

/** In the page, every animation frame: the page's clock once every rack tile shows a number. */
function allTilesFilled(expected) {
  const tiles = document.querySelectorAll('[data-testid^="rack-"]');
  if (tiles.length < expected) return false;
  let filled = 0;
  for (const tile of tiles) {
    const temp = tile.getAttribute('data-temp');
    if (temp && Number.isFinite(Number(temp))) filled++;
  }
  return filled >= expected ? performance.now() : false;
}

/** The API calls the page makes as it opens, timed per run. */
const API_CALLS = ['/api/session', '/api/room', '/api/live', '/api/alerts', '/api/control', '/api/energy'];
const HELLO_WAIT_MS = 5000;

/** One fresh page: times from `goto` to a full map, plus the browser's own milestones. */
async function measure(context, baseUrl) {
  const page = await context.newPage();
  const errors = [];
  let t0 = 0;
  let helloMs = null;
  let helloSeen;
  const hello = new Promise((resolve) => (helloSeen = resolve));
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('websocket', (ws) => {
    ws.on('framereceived', ({ payload }) => {
      if (helloMs === null && typeof payload === 'string' && payload.includes('"type":"hello"')) {
        helloMs = performance.now() - t0;
        helloSeen();
      }
    });
  });
  try {
    t0 = performance.now();
    await page.goto(baseUrl, { waitUntil: 'commit' });
    const handle = await page.waitForFunction(allTilesFilled, RACKS.length, { polling: 'raf', timeout: RUN_TIMEOUT_MS });
    const filledMs = performance.now() - t0;
    const inPageFilledMs = await handle.jsonValue();
    const nav = await page.evaluate(({ until, calls }) => {
      const [entry] = performance.getEntriesByType('navigation');
      // Each API call's first request: when it started, waited for the hub, and ended.
      const api = {};
      for (const r of performance.getEntriesByType('resource')) {
        const call = calls.find((c) => new URL(r.name).pathname === c);
        if (call && !(call in api)) {
          api[call] = { start: r.startTime, wait: r.responseStart - r.requestStart, end: r.responseEnd };
        }
      }
      const long = (window.__longTasks ?? []).filter((t) => t.startTime < until).map((t) => t.duration);
      return {
        dcl: entry?.domContentLoadedEventEnd ?? null,
        load: entry?.loadEventEnd ?? null,
        longTaskMs: long.reduce((a, b) => a + b, 0),
        longestTaskMs: long.length ? Math.max(...long) : 0,
        api,
      };
    }, { until: inPageFilledMs, calls: API_CALLS });
    // The socket opens once the map is drawn from /api/live: its hello comes after the fill.
    await Promise.race([hello, sleep(HELLO_WAIT_MS)]);
    return { filledMs, inPageFilledMs, dclMs: nav.dcl, loadMs: nav.load || null, helloMs, api: nav.api, errors,
      longTaskMs: nav.longTaskMs, longestTaskMs: nav.longestTaskMs };
  } catch (e) {
    const shown = await page.evaluate(() => {
      const tiles = [...document.querySelectorAll('[data-testid^="rack-"]')];
      return `${tiles.filter((t) => t.getAttribute('data-temp')).length}/${tiles.length} tiles filled`;
    }).catch(() => 'page gone');
    throw new Error(`${e.message.split('\n')[0]} (${shown}${errors.length ? `; page errors: ${errors.join('; ')}` : ''})`);
  } finally {
    await page.close();
  }
}

// ---------------------------------------------------------------------------------------
// Report.

function percentile(sorted, p) {
  // Nearest rank: with 6 warm runs, p90 is the 6th (the largest).
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

function median(values) {
  const sorted = values.filter((v) => v !== null).sort((a, b) => a - b);
  if (!sorted.length) return null;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function ms(value) {
  return value === null || value === undefined ? '–' : `${Math.round(value)}`;
}

function table(rows) {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => String(r[c]).length)));
  return rows
    .map((r) => r.map((cell, c) => (c === 0 ? String(cell).padEnd(widths[c]) : String(cell).padStart(widths[c]))).join('  '))
    .join('\n');
}

function report(results, bin) {
  const [cold, ...warm] = results;
  const filled = warm.map((r) => r.filledMs).sort((a, b) => a - b);

  console.log('\nper run (ms from page.goto; in-page, dcl, load: the browser\'s clock from navigation start;');
  console.log('long tasks: main-thread tasks over 50 ms before the fill, their sum and the longest)');
  console.log(table([
    ['run', 'all tiles', 'in-page', 'hello', 'dcl', 'load', 'long tasks', 'longest'],
    ...results.map((r, i) => [i === 0 ? 'cold' : `warm ${i}`, ms(r.filledMs), ms(r.inPageFilledMs), ms(r.helloMs),
      ms(r.dclMs), ms(r.loadMs), ms(r.longTaskMs), ms(r.longestTaskMs)]),
  ]));

  const med = median(filled);
  const verdict = med < TARGET_MS ? 'PASS' : 'FAIL';
  console.log(`\nfirst render of ${RACKS.length} racks, ${ACS.length} ACs (${warm.length} warm runs; hub ${path.relative(REPO, bin)})`);
  console.log(table([
    ['measure', 'ms'],
    ['cold (first run, empty cache)', ms(cold.filledMs)],
    ['all tiles filled: median', ms(med)],
    ['all tiles filled: p90', ms(percentile(filled, 90))],
    ['all tiles filled: max', ms(filled.at(-1))],
    ['WebSocket hello: median', ms(median(warm.map((r) => r.helloMs)))],
    ['DOMContentLoaded: median (floor)', ms(median(warm.map((r) => r.dclMs)))],
    ['load: median', ms(median(warm.map((r) => r.loadMs)))],
    [`target: median < ${TARGET_MS}`, verdict],
  ]));

  console.log('\nwhere the warm runs wait: the page\'s API calls, medians in ms on the browser\'s clock');
  console.log('(sent and answered: from navigation start; hub: from request sent to first byte back)');
  const column = (call, field) => ms(median(warm.map((r) => r.api[call]?.[field] ?? null)));
  console.log(table([
    ['request', 'sent', 'hub', 'answered'],
    ...API_CALLS.map((call) => [call, column(call, 'start'), column(call, 'wait'), column(call, 'end')]),
    ['all tiles filled (in-page)', '', '', ms(median(warm.map((r) => r.inPageFilledMs)))],
  ]));
  const pageErrors = results.flatMap((r) => r.errors);
  if (pageErrors.length) console.log(`\npage errors: ${[...new Set(pageErrors)].join('; ')}`);
}

// ---------------------------------------------------------------------------------------

async function main() {
  const { runs } = parseArgs(process.argv.slice(2));
  const bin = coolflowBinary();
  for (const [what, file] of [['the coolflow binary', bin], ['Chromium', CHROMIUM]]) {
    try {
      fs.accessSync(file, fs.constants.X_OK);
    } catch {
      throw new Error(`${what} is missing: ${file}`);
    }
  }
  if (!fs.existsSync(path.join(UI_DIST, 'index.html'))) throw new Error('ui/dist is not built: run ui/build.sh');

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'coolflow-first-render-'));
  const procs = new Processes(dir);
  let browser = null;
  let feeder = null;
  let ok = false;
  const cleanup = async () => {
    feeder?.stop();
    await browser?.close().catch(() => {});
    await procs.stop();
  };
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping (logs in ${dir})`);
      feeder?.stop();
      procs.killNow();
      // Playwright's own exit hook kills the browser it launched.
      process.exit(130);
    });
  }

  try {
    console.log(`hub: ${path.relative(REPO, bin)}; work dir ${dir}`);
    const { baseUrl, token, viewer } = await startHub(procs, bin);
    feeder = new Feeder(baseUrl, token);
    await feeder.writeOnce();
    feeder.start();
    await waitFor('every rack in the live state', () => roomIsLive(baseUrl, token), { timeoutMs: 30_000, intervalMs: 250 });
    console.log(`hub on ${baseUrl}, ${RACKS.length} racks and ${ACS.length} ACs live`);

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      handleSIGINT: false,
      handleSIGTERM: false,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
        '--disable-component-update', '--no-first-run'],
    });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, baseURL: baseUrl });
    // Main-thread tasks over 50 ms, from the page's first script on.
    await context.addInitScript(() => {
      window.__longTasks = [];
      new PerformanceObserver((list) => window.__longTasks.push(...list.getEntries())).observe({ type: 'longtask' });
    });
    // The session cookie lands in the context's cookie jar, which every page shares.
    const login = await context.request.post('/api/login', { data: viewer });
    if (!login.ok()) throw new Error(`POST /api/login answered ${login.status()}`);

    const results = [];
    for (let i = 0; i < runs; i++) {
      const result = await measure(context, baseUrl);
      results.push(result);
      console.log(`${i === 0 ? 'cold  ' : `warm ${i}`}: all ${RACKS.length} tiles in ${ms(result.filledMs)} ms`);
      await sleep(300); // Let the closed page's socket go before the next one opens.
    }
    if (feeder.failures) console.log(`note: ${feeder.failures} feed writes failed, the last: ${feeder.lastError}`);
    report(results, bin);
    ok = true;
  } finally {
    await cleanup();
    if (ok) fs.rmSync(dir, { recursive: true, force: true });
    else console.error(`logs kept in ${dir}`);
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(`first_render: ${e.message}`);
    process.exit(1);
  },
);
