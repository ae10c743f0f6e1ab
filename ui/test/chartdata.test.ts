import { describe, expect, it } from 'vitest';
import { toChartData } from '../src/lib/chartdata';
import { alertsByRack } from '../src/views/map';
import { latestDecision } from '../src/views/ac';
import type { Alert, ControlState } from '../src/lib/types';
import alertsFixture from './fixtures/alerts.json';
import controlFixture from './fixtures/control.json';

describe('toChartData', () => {
  it('aligns grouped series on one time axis with gaps as null', () => {
    const data = toChartData({
      step_ms: 10_000,
      series: [
        { group: { rack: 'r02' }, buckets: [[20_000, 23, 1], [30_000, 24, 1]] },
        { group: { rack: 'r01' }, buckets: [[10_000, 21, 1], [30_000, 22, 1], [99_000, 50, 1]] },
      ],
    }, 0, 40_000);
    expect(data.labels).toEqual(['r01', 'r02']);
    expect(data.data).toEqual([[10, 20, 30], [21, null, 22], [null, 23, 24]]);
  });

  it('labels ungrouped series by their tags', () => {
    const data = toChartData({ step_ms: 1, series: [{ tags: { box: 'pi-sim', rack: 'r03' }, field: 'temperature', buckets: [] }] }, 0, 1);
    expect(data.labels).toEqual(['r03']);
    expect(data.data).toEqual([[], []]);
  });
});

describe('alertsByRack', () => {
  it('keeps the most severe alert per rack', () => {
    const active = alertsFixture.active as Alert[];
    const extra: Alert = { ...active[0], rule: 'temperature_rising', severity: 'warning' };
    const byRack = alertsByRack([extra, ...active, { ...active[0], labels: {} }]);
    expect(byRack.get('r01')).toBe('critical');
    expect(byRack.get('r03')).toBe('critical');
    expect(byRack.has('r04')).toBe(false);
  });
});

describe('latestDecision', () => {
  it('finds the newest decision whatever the order', () => {
    const decisions = (controlFixture as ControlState).decisions!;
    const newest = decisions.reduce((a, b) => (Date.parse(a.time) > Date.parse(b.time) ? a : b));
    expect(latestDecision(decisions)).toBe(newest);
    expect(latestDecision([...decisions].reverse())).toBe(newest);
    expect(latestDecision(undefined)).toBeNull();
  });
});
