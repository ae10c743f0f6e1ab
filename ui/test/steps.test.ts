import { describe, expect, it } from 'vitest';
import { RANGES, aggregateQuery, rangeById, stepFor } from '../src/lib/steps';

describe('chart steps', () => {
  it("uses the doc's steps for the four ranges", () => {
    expect(RANGES.map((r) => [r.id, r.step])).toEqual([
      ['1h', '10s'], ['24h', '5m'], ['7d', '30m'], ['30d', '2h'],
    ]);
    expect(stepFor(86400).step).toBe('5m');
  });

  it('keeps any other span under the bucket budget', () => {
    expect(stepFor(600).step).toBe('10s');
    expect(stepFor(3 * 86400).step).toBe('5m');
    expect(stepFor(3 * 86400, 100).step).toBe('2h');
    for (const seconds of [60, 7200, 90000, 40 * 86400]) {
      const { stepSeconds } = stepFor(seconds, 500);
      expect(seconds / stepSeconds).toBeLessThanOrEqual(500);
    }
  });

  it('stays far below the server\'s 100,000-bucket limit for 8 racks', () => {
    for (const r of RANGES) expect((8 * r.seconds) / r.stepSeconds).toBeLessThan(100_000);
  });

  it('falls back to the first range for an unknown id', () => {
    expect(rangeById('7d').seconds).toBe(7 * 86400);
    expect(rangeById('bogus').id).toBe('1h');
  });

  it('builds a step-aligned aggregate query', () => {
    const nowMs = Date.parse('2026-11-25T01:12:47.846Z');
    const q = new URLSearchParams(aggregateQuery({
      measurement: 'temp', field: 'temperature', range: rangeById('24h'), rack: 'r01', nowMs,
    }));
    expect(q.get('step')).toBe('5m');
    expect(q.get('tag')).toBe('rack:r01');
    expect(q.get('fn')).toBe('mean');
    expect(q.get('to')).toBe('2026-11-25T01:15:00.000Z');
    expect(q.get('from')).toBe('2026-11-24T01:15:00.000Z');
    expect(q.has('group_by')).toBe(false);
    const room = new URLSearchParams(aggregateQuery({
      measurement: 'temp', field: 'humidity', range: rangeById('1h'), groupBy: 'rack', nowMs,
    }));
    expect(room.get('group_by')).toBe('rack');
    expect(room.has('tag')).toBe(false);
  });
});
