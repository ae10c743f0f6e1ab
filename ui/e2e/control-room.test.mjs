// The Control Room in Debian's Chromium against the real hub, broker and simulated room.
// Run with `ui/e2e/run.sh` (builds the UI first) or `node --test ui/e2e/`.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { ACS, ARTIFACTS, DIST, RACKS, System, waitFor } from './harness.mjs';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
// The hub is an ASan debug build: slow to start and to answer the first requests.
const LONG = 120_000;

const system = new System();
let browser;
let operator;
let failed = false;

/** A step of the story; a failure keeps the run's logs for a look afterwards. */
function step(name, fn) {
  test(name, async (t) => {
    try {
      await fn(t);
    } catch (e) {
      failed = true;
      throw e;
    }
  });
}

async function openAs(role, viewport = { width: 1280, height: 800 }) {
  const context = await browser.newContext({ viewport, baseURL: system.baseUrl });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.error(`[${role} page] ${e.message}`));
  await page.goto('/');
  const { user, password } = system.users[role];
  await page.getByTestId('login-user').fill(user);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
  await page.getByTestId('user').filter({ hasText: `${user} (${role})` }).waitFor({ timeout: LONG });
  await page.getByTestId(`rack-${RACKS[0]}`).waitFor({ timeout: LONG });
  return page;
}

/** Every rack tile shows a temperature. */
async function mapFilled(page) {
  await page.waitForFunction(
    (racks) => racks.every((id) => document.querySelector(`[data-testid="rack-${id}"]`)?.getAttribute('data-temp')),
    RACKS,
    { timeout: LONG, polling: 250 },
  );
}

before(async () => {
  assert.ok(fs.existsSync(path.join(DIST, 'index.html')), 'ui/dist is not built: run ui/build.sh');
  assert.ok(fs.existsSync(CHROMIUM), `${CHROMIUM} is missing: apt-get install -y chromium`);
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  await system.start();
  console.log(`system in ${system.dir}; the hub serves the UI at ${system.baseUrl}`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
      '--disable-component-update', '--no-first-run'],
  });
  operator = await openAs('operator');
});

after(async () => {
  await browser?.close().catch(() => {});
  await system.stop();
  if (failed || !system.started) {
    console.error(`logs kept in ${system.dir}`);
  } else {
    system.removeDir();
  }
});

step('a. the map fills with live values', async () => {
  await mapFilled(operator);
  for (const id of RACKS) {
    const temp = await operator.getByTestId(`rack-${id}`).getAttribute('data-temp');
    assert.match(temp, /^-?\d+\.\d$/, `rack ${id} shows ${temp}`);
    assert.notEqual(await operator.getByTestId(`rack-${id}`).getAttribute('data-band'), 'none');
  }
  for (const id of ACS) await operator.getByTestId(`ac-${id}`).waitFor();
  // The header says whether the page is live (WebSocket) or polling (a hub without /ws/live).
  const state = await operator.waitForFunction(
    () => ['live', 'polling'].find((s) => document.querySelector('[data-testid="connection"]')?.dataset.state === s),
    null,
    { timeout: 30_000 },
  );
  console.log(`connection: ${await state.jsonValue()}`);
});

step('b. an over-temperature fault turns a tile warm and raises an alert', async () => {
  const hot = await operator.waitForFunction(
    (racks) => racks.find((id) => ['warm', 'hot'].includes(
      document.querySelector(`[data-testid="rack-${id}"]`)?.getAttribute('data-band') ?? '')),
    RACKS,
    { timeout: LONG, polling: 250 },
  );
  const rack = await hot.jsonValue();
  const temp = Number(await operator.getByTestId(`rack-${rack}`).getAttribute('data-temp'));
  assert.ok(temp > 27, `rack ${rack} is ${temp} °C`);
  // The ASHRAE rule, held 2 s and evaluated every second in this hub's config.
  const alert = operator.locator('[data-testid="alert"][data-rule="ashrae_recommended"]').first();
  await alert.waitFor({ timeout: LONG });
  assert.match(await alert.textContent(), /°C/);
  await operator.waitForFunction(
    () => document.querySelector('[data-testid^="rack-"][data-alert="warning"], [data-testid^="rack-"][data-alert="critical"]'),
    null,
    { timeout: LONG },
  );
});

step('c. an operator sets an AC and the simulated AC follows', async () => {
  const page = operator;
  // Above the inlet limit the controller's safety layer overrides any setpoint (docs/controller.md):
  // wait for the room to be back in the band.
  await page.waitForFunction(
    (racks) => racks.every((id) => ['ok', 'low'].includes(document.querySelector(`[data-testid="rack-${id}"]`)?.getAttribute('data-band'))),
    RACKS,
    { timeout: 240_000, polling: 500 },
  );
  // The page shows what the hub commands now.
  const commanded = async () => (await (await page.request.get('/api/control')).json()).commanded.find((c) => c.ac === 'ac1');
  const before = (await waitFor('a commanded setpoint for ac1', async () => (await commanded())?.setpoint_c, { timeoutMs: LONG }));
  await page.waitForFunction(
    (value) => document.querySelector('[data-testid="ac-ac1-setpoint"]')?.getAttribute('data-value') === String(value),
    before,
    { timeout: LONG },
  );
  const direction = before >= 30 ? -1 : 1;
  const expected = before + direction;
  await page.getByTestId(direction > 0 ? 'ac-ac1-up' : 'ac-ac1-down').click();
  if ((await page.getByTestId('policy').textContent()) !== 'manual') {
    await page.getByTestId('confirm-ok').click();
  }
  await page.waitForFunction(
    (value) => document.querySelector('[data-testid="ac-ac1-setpoint"]')?.getAttribute('data-value') === String(value),
    expected,
    { timeout: LONG },
  );
  assert.equal(await page.getByTestId('policy').textContent(), 'manual');
  // The hub's controller commanded it ...
  const control = await (await page.request.get('/api/control')).json();
  assert.equal(control.policy, 'manual');
  assert.equal((await commanded()).setpoint_c, expected);
  // ... the AC tile on the map shows it ...
  await page.waitForFunction(
    (value) => document.querySelector('[data-testid="ac-ac1"]')?.getAttribute('data-setpoint') === String(value),
    expected,
    { timeout: LONG },
  );
  // ... and the agent applied it to the simulated unit.
  await waitFor(`the agent to set ac1 to ${expected} °C`, () =>
    system.agentReplies().some((r) => r.device === 'ac1' && r.outcome === 'applied' && r.state?.setpoint_c === expected),
  { timeoutMs: LONG });
});

step('d. a viewer sees the controls disabled and is refused by the server', async () => {
  const page = await openAs('viewer');
  try {
    await mapFilled(page);
    for (const id of ACS) {
      assert.ok(await page.getByTestId(`ac-${id}-up`).isDisabled(), `ac-${id}-up is enabled for a viewer`);
      assert.ok(await page.getByTestId(`ac-${id}-down`).isDisabled(), `ac-${id}-down is enabled for a viewer`);
    }
    assert.ok(await page.getByTestId('policy-select').isDisabled());
    assert.ok(await page.getByTestId('policy-apply').isDisabled());
    for (const button of await page.getByTestId('alert-ack').all()) assert.ok(await button.isDisabled());

    // The server is what enforces it: the viewer's own session and CSRF token get 403.
    const answer = await page.evaluate(async () => {
      const session = await (await fetch('/api/session')).json();
      const r = await fetch('/api/control/policy', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': session.csrf_token },
        body: JSON.stringify({ policy: 'optimal' }),
      });
      return { status: r.status, body: await r.json() };
    });
    assert.equal(answer.status, 403);
    assert.ok(answer.body.error, 'a 403 says why');

    // A button forced on in the page: the refusal is shown with the server's words. Enabled and
    // clicked in one task, before the next frame's redraw disables it again.
    await page.evaluate(() => {
      const up = document.querySelector('[data-testid="ac-ac1-up"]');
      up.disabled = false;
      up.click();
    });
    const confirm = page.getByTestId('confirm-ok');
    if (await confirm.isVisible().catch(() => false)) await confirm.click();
    const toast = page.getByTestId('error');
    await toast.waitFor({ state: 'visible', timeout: 30_000 });
    assert.match(await toast.textContent(), /operator/, 'the toast shows the server\'s reason');
  } finally {
    await page.context().close();
  }
});

step('e. screenshots of the map, the energy panel and the phone layout', async () => {
  const shots = [];
  const map = path.join(ARTIFACTS, 'map.png');
  await operator.getByTestId('map').screenshot({ path: map });
  shots.push(map);
  const energy = path.join(ARTIFACTS, 'energy.png');
  await operator.getByTestId('energy').screenshot({ path: energy });
  shots.push(energy);
  const desktop = path.join(ARTIFACTS, 'desktop.png');
  await operator.screenshot({ path: desktop, fullPage: true });
  shots.push(desktop);
  assert.ok(await operator.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth),
    'horizontal scrolling at 1280x800');

  const phone = await openAs('operator', { width: 390, height: 844 });
  try {
    await mapFilled(phone);
    const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the phone layout scrolls sideways by ${overflow} px`);
    const file = path.join(ARTIFACTS, 'phone.png');
    await phone.screenshot({ path: file, fullPage: true });
    shots.push(file);
  } finally {
    await phone.context().close();
  }
  for (const file of shots) assert.ok(fs.statSync(file).size > 1000, `${file} is empty`);
  console.log(`screenshots: ${shots.join(', ')}`);
});
