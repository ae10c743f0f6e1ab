import { describe, expect, it } from 'vitest';
import { age, celsius, fixed, kibibytes, kwh, percent, secondsSince, watts } from '../src/lib/format';

describe('format', () => {
  it('never shows NaN, null or -0', () => {
    expect(fixed(null)).toBe('–');
    expect(fixed(Number.NaN)).toBe('–');
    expect(fixed(-0.04, 1)).toBe('0.0');
    expect(celsius(undefined)).toBe('–');
    expect(percent(Number.POSITIVE_INFINITY)).toBe('–');
  });

  it('formats temperatures, percentages and energy', () => {
    expect(celsius(23.46)).toBe('23.5 °C');
    expect(percent(49.96)).toBe('50 %');
    expect(kwh(41.23)).toBe('41.2 kWh');
    expect(kwh(123.4)).toBe('123 kWh');
  });

  it('switches watts to kilowatts at 1000', () => {
    expect(watts(199)).toBe('199 W');
    expect(watts(2972)).toBe('2.97 kW');
  });

  it('formats the agents\' KiB in binary units', () => {
    expect(kibibytes(512)).toBe('512 KiB');
    expect(kibibytes(49983859)).toBe('47.7 GiB');
    expect(kibibytes(200 * 1024)).toBe('200 MiB');
  });

  it('coarsens ages', () => {
    expect(age(4.9)).toBe('4 s');
    expect(age(-2)).toBe('0 s');
    expect(age(125)).toBe('2 min');
    expect(age(7200)).toBe('2 h');
    expect(age(3 * 86400)).toBe('3 d');
  });

  it('measures seconds since an RFC 3339 time', () => {
    const now = Date.parse('2026-11-25T01:12:50Z');
    expect(secondsSince('2026-11-25T01:12:47.5Z', now)).toBeCloseTo(2.5);
    expect(secondsSince('not a time', now)).toBeNull();
    expect(secondsSince(undefined, now)).toBeNull();
  });
});
