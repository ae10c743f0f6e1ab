import { describe, expect, it } from 'vitest';
import { LiveStore, acPower, parseSeriesKey, rackReading } from '../src/lib/live';
import type { LiveState } from '../src/lib/types';
import liveFixture from './fixtures/live.json';

const live = liveFixture as unknown as LiveState;
const R01_TEMP = 'temp,box=pi-sim,rack=r01 temperature';

function loaded(): LiveStore {
  const store = new LiveStore();
  store.applySnapshot(live, Date.parse(live.now!));
  return store;
}

describe('parseSeriesKey', () => {
  it('splits measurement, tags and metric', () => {
    expect(parseSeriesKey('power,ac=ac1,box=pi-sim power')).toEqual({
      measurement: 'power', tags: { ac: 'ac1', box: 'pi-sim' }, metric: 'power',
    });
  });

  it("honours line protocol's escapes", () => {
    expect(parseSeriesKey('temp,box=pi\\ 1,zone=a\\,b temperature')).toEqual({
      measurement: 'temp', tags: { box: 'pi 1', zone: 'a,b' }, metric: 'temperature',
    });
  });

  it('refuses what is not a key', () => {
    expect(parseSeriesKey('temperature')).toBeNull();
    expect(parseSeriesKey('temp,box temperature')).toBeNull();
    expect(parseSeriesKey(' temperature')).toBeNull();
  });
});

describe('LiveStore', () => {
  it('reads a rack and an AC from a real snapshot', () => {
    const store = loaded();
    const now = Date.parse(live.now!);
    const r01 = rackReading(store, 'r01', now);
    expect(r01.temperature).toBe(10.1);
    expect(r01.humidity).toBe(83.7);
    expect(r01.powerW).toBe(1220);
    expect(r01.ageS).toBeGreaterThan(0);
    expect(acPower(store, 'ac1')).toBe(2972);
    expect(acPower(store, 'ac9')).toBeNull();
    expect(rackReading(store, 'r99', now).temperature).toBeNull();
  });

  it('applies a delta by series key and reports what changed', () => {
    const store = loaded();
    const t0 = store.series.get(R01_TEMP)!.timeMs;
    const changed = store.applyDelta([[R01_TEMP, 27.4, t0 + 10_000]]);
    expect([...changed]).toEqual([R01_TEMP]);
    const s = store.series.get(R01_TEMP)!;
    expect(s.value).toBe(27.4);
    expect(s.previous).toEqual({ value: 10.1, timeMs: t0 });
  });

  it('never moves a series back in time', () => {
    const store = loaded();
    const t0 = store.series.get(R01_TEMP)!.timeMs;
    expect(store.applyDelta([[R01_TEMP, 99, t0 - 1]]).size).toBe(0);
    expect(store.series.get(R01_TEMP)!.value).toBe(10.1);
  });

  it('keeps the newest of several values of one series in one batch', () => {
    const store = loaded();
    const t0 = store.series.get(R01_TEMP)!.timeMs;
    store.applyDelta([[R01_TEMP, 11, t0 + 20_000], [R01_TEMP, 12, t0 + 10_000]]);
    expect(store.series.get(R01_TEMP)!.value).toBe(11);
  });

  it('adds a series the snapshot did not have, from its key', () => {
    const store = loaded();
    const key = 'temp,box=pi-sim,rack=r09 temperature';
    store.applyDelta([[key, 30.5, Date.parse(live.now!)]]);
    const r09 = rackReading(store, 'r09', Date.parse(live.now!));
    expect(r09.temperature).toBe(30.5);
    expect(store.series.get(key)!.box).toBe('pi-sim');
  });

  it('merges box status and replaces the means', () => {
    const store = loaded();
    store.applyDelta([], [{ box: 'pi-sim', online: false }], { temperature: { value: 25, series: 8 } });
    expect(store.boxes.get('pi-sim')!.online).toBe(false);
    expect(store.boxes.get('pi-sim')!.last_seen).toBeDefined();
    expect(store.means.temperature!.value).toBe(25);
  });

  it('measures the clock offset to the server', () => {
    const store = new LiveStore();
    const serverNow = Date.parse(live.now!);
    store.applySnapshot(live, serverNow - 5000);
    expect(store.clockOffsetMs).toBe(5000);
    expect(store.serverNowMs(1000)).toBe(6000);
  });

  it('a fresh snapshot keeps the previous value for rates', () => {
    const store = loaded();
    const moved = structuredClone(live);
    const s = moved.series.find((x) => x.key === R01_TEMP)!;
    s.value = 10.5;
    s.time = new Date(Date.parse(s.time) + 10_000).toISOString();
    store.applySnapshot(moved);
    expect(store.series.get(R01_TEMP)!.previous?.value).toBe(10.1);
  });
});
