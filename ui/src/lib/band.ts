import type { RoomLayout } from './types';

/** Where an inlet temperature lies against the ASHRAE bands. `none`: no reading. */
export type Band = 'low' | 'ok' | 'warm' | 'hot' | 'none';

export interface Bands {
  recommended: [number, number];
  allowable: [number, number];
}

/** ASHRAE TC 9.9: recommended 18–27 °C, class A1 allowable 15–32 °C (docs/alerts.md). */
export const DEFAULT_BANDS: Bands = { recommended: [18, 27], allowable: [15, 32] };

export function bandsOf(room: Pick<RoomLayout, 'ashrae'> | null | undefined): Bands {
  const a = room?.ashrae;
  if (!a) return DEFAULT_BANDS;
  return { recommended: a.recommended_c, allowable: a.allowable_c };
}

/**
 * Below the recommended band is `low` (over-cooled: wasted energy), inside it `ok`, above it
 * but still allowable `warm`, above the allowable band `hot`. The recommended band's edges
 * count as inside, as the alert rule `temperature < 18 or temperature > 27` does.
 */
export function bandOf(celsius: number | null | undefined, bands: Bands = DEFAULT_BANDS): Band {
  if (celsius === null || celsius === undefined || !Number.isFinite(celsius)) return 'none';
  if (celsius < bands.recommended[0]) return 'low';
  if (celsius <= bands.recommended[1]) return 'ok';
  if (celsius <= bands.allowable[1]) return 'warm';
  return 'hot';
}
