import { Api, ApiError } from './lib/api';
import { LiveConnection, type ConnectionState } from './lib/connection';
import { fill, h, setAttr, setText } from './lib/dom';
import { LiveStore } from './lib/live';
import { layoutFromLive } from './lib/roomfallback';
import type { Alert, ControlState, Energy, LiveMessage, RoomLayout, Session } from './lib/types';
import { AcView } from './views/ac';
import { AlertsView } from './views/alerts';
import { ChartsView } from './views/charts';
import { EnergyView } from './views/energy';
import { MapView } from './views/map';
import { ResourcesView } from './views/resources';
import { Toast, confirmDialog } from './views/ui';

const ENERGY_POLL_MS = 30_000;
const CHART_REFRESH_MS = 60_000;
/** The resources table has a row per box (64 in the simulated room): redrawn at most this often. */
const RESOURCES_MIN_INTERVAL_MS = 1000;
const HISTORY_KEPT = 50;

type Part = 'map' | 'resources' | 'alerts' | 'ac' | 'energy' | 'header';

function byId<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from index.html`);
  return el as T;
}

function canChange(session: Session | null): boolean {
  return session?.role === 'operator' || session?.role === 'admin';
}

/** The Control Room: owns the state, the connection, and schedules the views' redraws. */
export class App {
  private readonly api = new Api();
  private readonly store = new LiveStore();
  private session: Session | null = null;
  private room: RoomLayout | null = null;
  private roomDerived = false;
  private active: Alert[] = [];
  private history: Alert[] = [];
  private control: ControlState | null = null;
  private energy: Energy | null = null;
  private energyMissing = false;
  private connectionState: ConnectionState = 'connecting';

  private readonly dirty = new Set<Part>();
  private frame: number | null = null;
  private resourcesDrawnAt = 0;
  private timers: ReturnType<typeof setInterval>[] = [];

  private readonly toast = new Toast(document.body);
  private readonly map = new MapView(byId('map'), (rack) => this.charts.choose(rack, '1h'));
  private readonly resources = new ResourcesView(byId('resources'));
  private readonly alerts = new AlertsView(byId('alerts'), {
    acknowledge: (a) => this.change(() => this.api.acknowledge(a.fingerprint), 'acknowledged'),
    silence: (a, duration) =>
      this.change(() => this.api.silence({ rule: a.rule, ...a.labels }, duration), `silenced for ${duration}`),
  });
  private readonly ac = new AcView(byId('ac'), {
    nudge: (acId, direction) => this.nudge(acId, direction),
    setPolicy: (policy) => this.change(() => this.api.setPolicy(policy), `policy ${policy}`),
  });
  private readonly energyView = new EnergyView(byId('energy'));
  private readonly charts = new ChartsView(byId('charts'), this.api, () => this.control?.decisions ?? []);
  private readonly connection = new LiveConnection(
    {
      onMessage: (m) => this.onMessage(m),
      poll: () => this.poll(),
      onState: (s) => {
        this.connectionState = s;
        this.invalidate('header');
      },
    },
    { location: window.location },
  );

  private readonly header = {
    room: byId('room-name'),
    status: byId('connection'),
    user: byId('user'),
    logout: byId<HTMLButtonElement>('logout'),
  };
  private readonly login = byId('login');

  async start(): Promise<void> {
    this.api.onUnauthorized = () => this.loggedOut('Your session ended: log in again.');
    this.header.logout.addEventListener('click', () => void this.logout());
    this.buildLoginForm();
    try {
      this.loggedIn(await this.api.session());
    } catch {
      this.showLogin();
    }
  }

  private buildLoginForm(): void {
    const user = h('input', { name: 'user', autocomplete: 'username', required: true, 'data-testid': 'login-user' });
    const password = h('input', {
      name: 'password', type: 'password', autocomplete: 'current-password', required: true, 'data-testid': 'login-password',
    });
    const message = h('p', { className: 'login-error', role: 'alert', 'data-testid': 'login-error' });
    const form = h('form', { className: 'login-form' },
      h('h2', {}, 'Log in to the Control Room'),
      h('label', {}, 'User', user),
      h('label', {}, 'Password', password),
      message,
      h('button', { type: 'submit', className: 'primary', 'data-testid': 'login-submit' }, 'Log in'));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      message.textContent = '';
      this.api.login(user.value, password.value).then(
        (session) => {
          password.value = '';
          this.loggedIn(session);
        },
        (err: Error) => (message.textContent = err.message),
      );
    });
    fill(this.login, form);
  }

  private showLogin(): void {
    document.body.dataset.auth = 'out';
    this.login.hidden = false;
    this.login.querySelector<HTMLInputElement>('input')?.focus();
    this.invalidate('header');
  }

  private loggedIn(session: Session): void {
    this.session = session;
    document.body.dataset.auth = 'in';
    document.body.dataset.role = session.role;
    this.login.hidden = true;
    this.invalidate('header', 'ac', 'alerts');
    void this.loadAll();
  }

  private loggedOut(message: string | null): void {
    if (!this.session) return;
    this.session = null;
    this.connection.stop();
    for (const t of this.timers) clearInterval(t);
    this.timers = [];
    if (message) this.toast.show(message);
    this.showLogin();
  }

  private async logout(): Promise<void> {
    try {
      await this.api.logout();
    } catch {
      // The session is gone from this page either way.
    }
    this.loggedOut(null);
  }

  /** Everything a fresh session needs; the socket then keeps it current. */
  private async loadAll(): Promise<void> {
    // The socket's hello carries the live state, the alerts and the controller: opened first,
    // it fills the map without a second full snapshot over GET /api/live.
    this.connection.start();
    const [room] = await Promise.allSettled([this.api.room()]);
    if (room.status === 'fulfilled') {
      this.setRoom(room.value, false);
    } else {
      // An older hub: lay the racks out from the live state's series.
      const live = await this.api.live().catch(() => null);
      if (live) this.store.applySnapshot(live);
      this.setRoom(layoutFromLive(this.store, 'Server room'), true);
    }
    await Promise.allSettled([this.pollAlerts(), this.pollControl(), this.pollEnergy()]);
    this.timers.push(
      setInterval(() => void this.pollEnergy(), ENERGY_POLL_MS),
      setInterval(() => void this.charts.refresh(), CHART_REFRESH_MS),
      // Ages grow without any message arriving.
      setInterval(() => this.invalidate('map', 'resources'), 1000),
    );
    void this.charts.refresh();
    this.invalidate('map', 'resources', 'alerts', 'ac', 'energy', 'header');
  }

  private setRoom(room: RoomLayout, derived: boolean): void {
    this.room = room;
    this.roomDerived = derived;
    this.map.setRoom(room, derived);
    this.ac.setRoom(room);
    this.charts.setRacks(room.racks.map((r) => r.id));
    this.invalidate('header', 'map', 'ac');
  }

  /** While the socket is down: the same state, by polling. */
  private async poll(): Promise<void> {
    if (!this.session) return;
    const live = await this.api.live();
    this.store.applySnapshot(live);
    if (this.roomDerived && this.room && this.room.racks.length === 0) {
      this.setRoom(layoutFromLive(this.store, this.room.name), true);
    }
    this.invalidate('map', 'resources', 'ac');
    await Promise.allSettled([this.pollAlerts(), this.pollControl()]);
  }

  private async pollAlerts(): Promise<void> {
    const alerts = await this.api.alerts(`history=${HISTORY_KEPT}`);
    this.active = alerts.active ?? [];
    this.history = alerts.history ?? [];
    this.invalidate('alerts', 'map');
  }

  private async pollControl(): Promise<void> {
    this.control = await this.api.control();
    this.invalidate('ac', 'map');
  }

  private async pollEnergy(): Promise<void> {
    try {
      this.energy = await this.api.energy();
      this.energyMissing = false;
    } catch (e) {
      this.energyMissing = e instanceof ApiError && e.missing;
    }
    this.invalidate('energy');
  }

  private onMessage(m: LiveMessage): void {
    switch (m.type) {
      case 'hello':
        this.store.applySnapshot(m.live);
        this.active = m.alerts?.active ?? this.active;
        if (m.events?.length) this.addHistory(m.events);
        if (m.control) this.control = m.control;
        if (this.roomDerived) this.setRoom(layoutFromLive(this.store, this.room?.name ?? 'Server room'), true);
        this.invalidate('map', 'resources', 'alerts', 'ac');
        break;
      case 'delta':
        if (this.store.applyDelta(m.series ?? [], m.boxes, m.means).size || m.means) {
          this.invalidate('map', 'resources', 'ac');
        }
        break;
      case 'alert':
        this.active = m.active ?? this.active;
        if (m.event) this.addHistory([m.event]);
        this.invalidate('alerts', 'map');
        break;
      case 'control':
        this.control = m.control;
        this.invalidate('ac', 'map');
        break;
    }
  }

  private addHistory(events: Alert[]): void {
    const seen = new Set(this.history.map((e) => `${e.fingerprint}|${e.state}|${e.time}`));
    const fresh = events.filter((e) => !seen.has(`${e.fingerprint}|${e.state}|${e.time}`));
    this.history = [...fresh.reverse(), ...this.history].slice(0, HISTORY_KEPT);
  }

  /** A changing request: the server's refusal is shown as it says it; the state re-read. */
  private async change(request: () => Promise<unknown>, done: string): Promise<void> {
    try {
      await request();
      this.announce(done);
    } catch (e) {
      this.toast.show((e as Error).message);
    } finally {
      await Promise.allSettled([this.pollControl(), this.pollAlerts()]);
    }
  }

  private async nudge(acId: string, direction: 1 | -1): Promise<void> {
    if (this.control && this.control.policy !== 'manual') {
      const ok = await confirmDialog(document.body, 'Switch to manual control?',
        `The ${this.control.policy} policy sets the ACs now. To change ${acId}'s setpoint by hand, ` +
          'the controller switches to the manual policy and keeps every AC where it is until you choose a policy again.',
        'Switch to manual');
      if (!ok) return;
      try {
        await this.api.setPolicy('manual');
      } catch (e) {
        this.toast.show((e as Error).message);
        return;
      }
    }
    await this.change(() => this.api.nudge(acId, direction), `${acId} ${direction > 0 ? '▲' : '▼'}`);
  }

  private announce(text: string): void {
    const status = byId('status-message');
    status.textContent = text;
  }

  private invalidate(...parts: Part[]): void {
    for (const p of parts) this.dirty.add(p);
    if (this.frame === null) this.frame = requestAnimationFrame(() => this.render());
  }

  /** One redraw per animation frame, however many messages arrived since the last. */
  private render(): void {
    this.frame = null;
    const nowMs = this.store.serverNowMs();
    const parts = new Set(this.dirty);
    this.dirty.clear();
    const change = canChange(this.session);
    if (parts.has('header')) this.renderHeader();
    if (!this.session) return;
    if (parts.has('map')) this.map.render(this.store, this.active, this.control, nowMs);
    if (parts.has('ac')) this.ac.render(this.control, this.store, change, nowMs);
    if (parts.has('alerts')) this.alerts.render(this.active, this.history, change, nowMs);
    if (parts.has('energy')) this.energyView.render(this.energy, this.energyMissing);
    if (parts.has('resources')) {
      if (nowMs - this.resourcesDrawnAt >= RESOURCES_MIN_INTERVAL_MS) {
        this.resourcesDrawnAt = nowMs;
        this.resources.render(this.store, nowMs, new Set(this.room?.racks.map((r) => r.id)));
      } else {
        this.dirty.add('resources');
      }
    }
  }

  private renderHeader(): void {
    setText(this.header.room, this.room?.name ?? 'Control Room');
    document.title = this.room ? `${this.room.name} · coolflow` : 'coolflow Control Room';
    const state = this.session ? this.connectionState : 'down';
    setAttr(this.header.status, 'data-state', state);
    setText(this.header.status, { live: 'live', polling: 'disconnected · polling', connecting: 'connecting', down: 'disconnected' }[state]);
    setText(this.header.user, this.session ? `${this.session.user} (${this.session.role})` : '');
    this.header.logout.hidden = !this.session;
  }
}
