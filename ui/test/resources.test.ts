import { describe, expect, it } from 'vitest';
import { LiveStore, type LiveSeries } from '../src/lib/live';
import { cpuPercent, rackOfBox, resourceRows } from '../src/lib/resources';
import type { LiveState } from '../src/lib/types';
import liveFixture from './fixtures/live.json';

const live = liveFixture as unknown as LiveState;

function series(metric: string, value: number, unit: string, extra: Partial<LiveSeries> = {}): LiveSeries {
  return {
    key: metric, box: 'b', rack: '', measurement: 'resource', metric, unit, labels: {},
    value, timeMs: 20_000, intervalS: 10, ratePerMin: null, previous: null, ...extra,
  };
}

describe('rackOfBox', () => {
  const racks = new Set(['r01', 'r02']);
  it('prefers the tag, else a known rack before the dash', () => {
    expect(rackOfBox('r01-s03', '', racks)).toBe('r01');
    expect(rackOfBox('r01-s03', 'r07', racks)).toBe('r07');
    expect(rackOfBox('pi-sim', '', racks)).toBe('');
    expect(rackOfBox('standalone', '', racks)).toBe('');
  });
});

describe('cpuPercent', () => {
  it('is 100 - idle for percentages', () => {
    expect(cpuPercent(new Map([['cpu_idle', series('cpu_idle', 72.5, '%')]]))).toBeCloseTo(27.5);
  });

  it('is user + system without idle', () => {
    const m = new Map([['cpu_user', series('cpu_user', 20, '%')], ['cpu_system', series('cpu_system', 5, '%')]]);
    expect(cpuPercent(m)).toBe(25);
  });

  it("uses tick counters' increments between two readings", () => {
    const prev = (value: number) => ({ previous: { value, timeMs: 10_000 } });
    const m = new Map([
      ['cpu_user', series('cpu_user', 1300, 'ticks', prev(1000))],
      ['cpu_system', series('cpu_system', 1100, 'ticks', prev(1000))],
      ['cpu_idle', series('cpu_idle', 1600, 'ticks', prev(1000))],
    ]);
    expect(cpuPercent(m)).toBeCloseTo(40);
  });

  it('falls back to the snapshot rates of tick counters', () => {
    const m = new Map([
      ['cpu_user', series('cpu_user', 5e8, 'ticks', { ratePerMin: 807017 })],
      ['cpu_system', series('cpu_system', 1e8, 'ticks', { ratePerMin: 201754 })],
      ['cpu_idle', series('cpu_idle', 1e9, 'ticks', { ratePerMin: 4751229 })],
    ]);
    expect(cpuPercent(m)).toBeCloseTo(17.5, 1);
  });

  it('answers null when a counter wrapped or nothing is known', () => {
    expect(cpuPercent(new Map())).toBeNull();
    const wrapped = new Map([
      ['cpu_user', series('cpu_user', 5, 'ticks', { previous: { value: 1000, timeMs: 10_000 } })],
      ['cpu_idle', series('cpu_idle', 1600, 'ticks', { previous: { value: 1000, timeMs: 10_000 } })],
    ]);
    expect(cpuPercent(wrapped)).toBeNull();
  });
});

describe('resourceRows', () => {
  it('derives one row per box from a real snapshot', () => {
    const store = new LiveStore();
    store.applySnapshot(live);
    const now = Date.parse(live.now!);
    const rows = resourceRows(store, now);
    expect(rows.map((r) => r.box)).toEqual(['r01-s01', 'r02-s01']);
    const r = rows[0];
    expect(r.rack).toBe('r01');
    expect(r.cpuPercent).toBeCloseTo(17.5, 1);
    expect(r.load1).toBeCloseTo(3.052, 3);
    expect(r.memoryAvailableKiB).toBe(49983859);
    expect(r.memoryTotalKiB).toBe(67108864);
    expect(r.diskUsedPercent).toBeCloseTo(40.88, 2);
    expect(r.online).toBeNull();
    expect(r.ageS).toBeGreaterThan(0);
    expect(r.ageS).toBeLessThan(30);
  });
});
