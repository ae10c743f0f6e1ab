import type { Box, DeltaEntry, LiveState, Means, Series } from './types';

/** A series as the UI keeps it: the newest value plus the one before (for counters' rates). */
export interface LiveSeries {
  key: string;
  box: string;
  rack: string;
  measurement: string;
  metric: string;
  unit: string;
  labels: Record<string, string>;
  value: number;
  timeMs: number;
  intervalS: number | null;
  ratePerMin: number | null;
  previous: { value: number; timeMs: number } | null;
}

/**
 * Splits a series key, `measurement,tag=value,... metric` (line protocol's escaping: `\,`,
 * `\=` and `\ `), so that a delta may name a series the snapshot did not have yet.
 */
export function parseSeriesKey(key: string): {
  measurement: string;
  tags: Record<string, string>;
  metric: string;
} | null {
  const parts: string[] = [];
  let current = '';
  let separator: ',' | ' ' | null = null;
  let metric: string | null = null;
  for (let i = 0; i < key.length; i++) {
    const c = key[i];
    if (c === '\\' && i + 1 < key.length) {
      current += key[++i];
    } else if (c === ',' && metric === null) {
      parts.push(current);
      current = '';
      separator = ',';
    } else if (c === ' ' && metric === null) {
      parts.push(current);
      current = '';
      metric = '';
      separator = ' ';
    } else {
      current += c;
    }
  }
  if (separator !== ' ' || current === '' || parts.length === 0 || parts[0] === '') return null;
  const tags: Record<string, string> = {};
  for (const tag of parts.slice(1)) {
    const eq = tag.indexOf('=');
    if (eq <= 0) return null;
    tags[tag.slice(0, eq)] = tag.slice(eq + 1);
  }
  return { measurement: parts[0], tags, metric: current };
}

function fromSnapshot(s: Series): LiveSeries {
  return {
    key: s.key,
    box: s.box,
    rack: s.rack ?? s.labels?.rack ?? '',
    measurement: s.measurement,
    metric: s.metric,
    unit: s.unit ?? '',
    labels: s.labels ?? {},
    value: s.value,
    timeMs: Date.parse(s.time),
    intervalS: s.interval_s ?? null,
    ratePerMin: (s as { rate_per_min?: number }).rate_per_min ?? null,
    previous: null,
  };
}

/**
 * The live state the views read: replaced by a snapshot (`hello`, or `GET /api/live` while
 * the socket is down), then advanced by deltas. A delta never moves a series back in time, so
 * a late frame after a fresh snapshot cannot undo it.
 */
export class LiveStore {
  readonly series = new Map<string, LiveSeries>();
  /** The series by measurement and metric: find() runs per rack per redraw (200 racks x 3). */
  private readonly byMetric = new Map<string, LiveSeries[]>();
  readonly boxes = new Map<string, Box>();
  means: Means = {};
  /** The server's clock minus ours, so ages are right when the two disagree. */
  clockOffsetMs = 0;

  applySnapshot(live: LiveState, receivedAtMs = Date.now()): void {
    const previous = new Map(this.series);
    this.series.clear();
    this.byMetric.clear();
    for (const s of live.series ?? []) {
      const next = fromSnapshot(s);
      const old = previous.get(s.key);
      if (old && old.timeMs < next.timeMs) next.previous = { value: old.value, timeMs: old.timeMs };
      this.add(next);
    }
    this.boxes.clear();
    for (const b of live.boxes ?? []) this.boxes.set(b.box, b);
    this.means = live.means ?? {};
    const serverNow = Date.parse(live.now ?? '');
    if (!Number.isNaN(serverNow)) this.clockOffsetMs = serverNow - receivedAtMs;
  }

  /** Applies a delta's entries; answers the keys whose value changed. */
  applyDelta(entries: DeltaEntry[], boxes?: Box[], means?: Means): Set<string> {
    const changed = new Set<string>();
    for (const [key, value, timeMs] of entries) {
      const existing = this.series.get(key);
      if (existing) {
        if (timeMs < existing.timeMs) continue;
        if (timeMs > existing.timeMs) {
          existing.previous = { value: existing.value, timeMs: existing.timeMs };
        }
        existing.value = value;
        existing.timeMs = timeMs;
        changed.add(key);
        continue;
      }
      const parsed = parseSeriesKey(key);
      if (!parsed) continue;
      const { box = '', rack = '', ...rest } = parsed.tags;
      this.add({
        key,
        box,
        rack,
        measurement: parsed.measurement,
        metric: parsed.metric,
        unit: '',
        labels: { ...rest, box, ...(rack ? { rack } : {}), measurement: parsed.measurement, metric: parsed.metric },
        value,
        timeMs,
        intervalS: null,
        ratePerMin: null,
        previous: null,
      });
      changed.add(key);
    }
    for (const b of boxes ?? []) this.boxes.set(b.box, { ...this.boxes.get(b.box), ...b });
    if (means) this.means = means;
    return changed;
  }

  private add(s: LiveSeries): void {
    this.series.set(s.key, s);
    const index = `${s.measurement}\u0000${s.metric}`;
    const same = this.byMetric.get(index);
    if (same) same.push(s);
    else this.byMetric.set(index, [s]);
  }

  /** The first series matching measurement, metric and every given label. */
  find(measurement: string, metric: string, labels: Record<string, string>): LiveSeries | null {
    const wanted = Object.entries(labels);
    for (const s of this.byMetric.get(`${measurement}\u0000${metric}`) ?? []) {
      if (wanted.every(([k, v]) => (k === 'rack' ? s.rack : s.labels[k]) === v)) {
        return s;
      }
    }
    return null;
  }

  serverNowMs(localNowMs = Date.now()): number {
    return localNowMs + this.clockOffsetMs;
  }
}

export interface RackReading {
  temperature: number | null;
  humidity: number | null;
  powerW: number | null;
  ageS: number | null;
}

export function rackReading(store: LiveStore, rack: string, nowMs: number): RackReading {
  const t = store.find('temp', 'temperature', { rack });
  const h = store.find('temp', 'humidity', { rack });
  const p = store.find('power', 'power', { rack });
  return {
    temperature: t?.value ?? null,
    humidity: h?.value ?? null,
    powerW: p?.value ?? null,
    ageS: t ? Math.max(0, (nowMs - t.timeMs) / 1000) : null,
  };
}

export function acPower(store: LiveStore, ac: string): number | null {
  return store.find('power', 'power', { ac })?.value ?? null;
}
