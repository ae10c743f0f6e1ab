import { describe, expect, it } from 'vitest';
import { DEFAULT_BANDS, bandOf, bandsOf } from '../src/lib/band';

describe('bandOf', () => {
  it('places temperatures against the default ASHRAE bands', () => {
    expect(bandOf(10.1)).toBe('low');
    expect(bandOf(17.9)).toBe('low');
    expect(bandOf(18)).toBe('ok');
    expect(bandOf(23.5)).toBe('ok');
    expect(bandOf(27)).toBe('ok');
    expect(bandOf(27.1)).toBe('warm');
    expect(bandOf(32)).toBe('warm');
    expect(bandOf(32.1)).toBe('hot');
  });

  it('answers none without a finite reading', () => {
    expect(bandOf(null)).toBe('none');
    expect(bandOf(undefined)).toBe('none');
    expect(bandOf(Number.NaN)).toBe('none');
  });

  it("follows the room's own bands", () => {
    const bands = bandsOf({ ashrae: { recommended_c: [20, 25], allowable_c: [15, 28] } });
    expect(bandOf(19.5, bands)).toBe('low');
    expect(bandOf(25.5, bands)).toBe('warm');
    expect(bandOf(28.5, bands)).toBe('hot');
  });

  it('falls back to the defaults for a room without bands', () => {
    expect(bandsOf({})).toEqual(DEFAULT_BANDS);
    expect(bandsOf(null)).toEqual(DEFAULT_BANDS);
  });
});
