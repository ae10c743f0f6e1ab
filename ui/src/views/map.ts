import { bandOf, bandsOf, type Bands } from '../lib/band';
import { fill, h, setAttr, setText } from '../lib/dom';
import { age, fixed, watts } from '../lib/format';
import { layoutRoom, type MapLayout } from '../lib/layout';
import { acPower, rackReading, type LiveStore } from '../lib/live';
import type { Alert, ControlState, RoomLayout } from '../lib/types';

const TILE = { width: 58, height: 70 };

const SEVERITY_RANK: Record<string, number> = { info: 1, warning: 2, critical: 3 };

/** The most severe active (not resolved) alert per rack. */
export function alertsByRack(active: Alert[]): Map<string, string> {
  const worst = new Map<string, string>();
  for (const a of active) {
    const rack = a.labels?.rack;
    if (!rack) continue;
    const current = worst.get(rack);
    if (!current || (SEVERITY_RANK[a.severity] ?? 0) > (SEVERITY_RANK[current] ?? 0)) {
      worst.set(rack, a.severity);
    }
  }
  return worst;
}

interface RackTile {
  el: HTMLElement;
  temp: HTMLElement;
  sub: HTMLElement;
}

interface AcTile {
  el: HTMLElement;
  setpoint: HTMLElement;
  power: HTMLElement;
}

/** The room map: rack tiles coloured by inlet temperature, and the ACs. */
export class MapView {
  private room: RoomLayout | null = null;
  private bands: Bands = bandsOf(null);
  private readonly racks = new Map<string, RackTile>();
  private readonly acs = new Map<string, AcTile>();
  private readonly plan = h('div', { className: 'plan' });
  private readonly note = h('p', { className: 'note' });
  private readonly legend = h('p', { className: 'legend' });
  private lastWidth = -1;

  constructor(
    root: HTMLElement,
    private readonly onSelectRack: (rack: string) => void,
  ) {
    fill(root, h('h2', {}, 'Room'), this.plan, this.note, this.legend);
    fill(this.legend, legend(this.bands));
    new ResizeObserver(() => this.relayout()).observe(this.plan);
  }

  /** `derived`: the layout came from the live series (no `/api/room`), positions made up. */
  setRoom(room: RoomLayout, derived: boolean): void {
    this.room = room;
    this.bands = bandsOf(room);
    fill(this.legend, legend(this.bands));
    setText(this.note, derived ? 'Room layout unavailable: racks shown in a row.' : '');
    this.racks.clear();
    this.acs.clear();
    const tiles: HTMLElement[] = [];
    for (const ac of room.acs) {
      const setpoint = h('span', { className: 'value', title: 'setpoint' });
      const power = h('span', { className: 'sub' });
      const el = h('div', { className: 'tile ac', 'data-testid': `ac-${ac.id}`, 'data-power': 'unknown' },
        h('span', { className: 'id' }, ac.id), setpoint, power);
      this.acs.set(ac.id, { el, setpoint, power });
      tiles.push(el);
    }
    for (const rack of room.racks) {
      // Spans: a button holds phrasing content only.
      const temp = h('span', { className: 'value' });
      const sub = h('span', { className: 'sub' });
      const el = h('button', {
        type: 'button', className: 'tile rack', 'data-testid': `rack-${rack.id}`, 'data-band': 'none', 'data-temp': '',
        title: `Charts of rack ${rack.id}`, onclick: () => this.onSelectRack(rack.id),
      }, h('span', { className: 'id' }, rack.id), temp, sub);
      this.racks.set(rack.id, { el, temp, sub });
      tiles.push(el);
    }
    fill(this.plan, tiles);
    this.lastWidth = -1;
    this.relayout();
  }

  private relayout(): void {
    if (!this.room) return;
    const width = this.plan.clientWidth;
    if (width === this.lastWidth || width === 0) return;
    this.lastWidth = width;
    const layout: MapLayout = layoutRoom(this.room, width, TILE);
    this.plan.dataset.mode = layout.mode;
    if (layout.mode === 'grid') {
      this.plan.style.height = '';
      for (const t of [...this.racks.values(), ...this.acs.values()]) {
        t.el.style.left = '';
        t.el.style.top = '';
      }
      return;
    }
    this.plan.style.height = `${layout.height}px`;
    for (const item of layout.items) {
      const tile = item.kind === 'rack' ? this.racks.get(item.id) : this.acs.get(item.id);
      if (!tile) continue;
      tile.el.style.left = `${item.left}px`;
      tile.el.style.top = `${item.top}px`;
    }
  }

  render(store: LiveStore, active: Alert[], control: ControlState | null, nowMs: number): void {
    const alerts = alertsByRack(active);
    for (const [id, tile] of this.racks) {
      const r = rackReading(store, id, nowMs);
      const shown = fixed(r.temperature, 1);
      setAttr(tile.el, 'data-band', bandOf(r.temperature, this.bands));
      setAttr(tile.el, 'data-temp', r.temperature === null ? '' : shown);
      setAttr(tile.el, 'data-alert', alerts.get(id) ?? '');
      setText(tile.temp, r.temperature === null ? '–' : `${shown}°`);
      setText(tile.sub, `${fixed(r.humidity, 0)} % · ${age(r.ageS)}`);
    }
    for (const [id, tile] of this.acs) {
      const commanded = control?.commanded.find((c) => c.ac === id);
      setAttr(tile.el, 'data-power', commanded ? (commanded.power ? 'on' : 'off') : 'unknown');
      setAttr(tile.el, 'data-setpoint', commanded?.setpoint_c === null || !commanded ? '' : String(commanded.setpoint_c));
      setText(tile.setpoint, commanded ? (commanded.power ? `${fixed(commanded.setpoint_c, 0)}°` : 'off') : '–');
      setText(tile.power, watts(acPower(store, id)));
    }
  }
}

function legend(bands: Bands): HTMLElement[] {
  const [low, high] = bands.recommended;
  const limit = bands.allowable[1];
  const item = (band: string, text: string) =>
    h('span', { className: 'legend-item' }, h('i', { className: `swatch band-${band}` }), text);
  return [
    item('low', `below ${low} °C`), item('ok', `${low}–${high} °C`),
    item('warm', `${high}–${limit} °C`), item('hot', `above ${limit} °C`),
  ];
}
