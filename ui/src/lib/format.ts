// Formatting shared by every view. Every function answers "–" for a missing value, so a view
// never shows "NaN" or "undefined".

export const DASH = '–';

function missing(v: number | null | undefined): v is null | undefined {
  return v === null || v === undefined || !Number.isFinite(v);
}

/** A number with a fixed count of decimals, "-0.0" shown as "0.0". */
export function fixed(v: number | null | undefined, decimals = 1): string {
  if (missing(v)) return DASH;
  const s = v.toFixed(decimals);
  return /^-0(\.0+)?$/.test(s) ? s.slice(1) : s;
}

export function celsius(v: number | null | undefined): string {
  return missing(v) ? DASH : `${fixed(v, 1)} °C`;
}

export function percent(v: number | null | undefined, decimals = 0): string {
  return missing(v) ? DASH : `${fixed(v, decimals)} %`;
}

export function watts(v: number | null | undefined): string {
  if (missing(v)) return DASH;
  return Math.abs(v) >= 1000 ? `${fixed(v / 1000, 2)} kW` : `${fixed(v, 0)} W`;
}

export function kwh(v: number | null | undefined): string {
  return missing(v) ? DASH : `${fixed(v, v >= 100 ? 0 : 1)} kWh`;
}

/** KiB (what the agents report for memory) in the largest unit that keeps a number ≥ 1. */
export function kibibytes(v: number | null | undefined): string {
  if (missing(v)) return DASH;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = v;
  let unit = 0;
  while (Math.abs(value) >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${fixed(value, unit === 0 || value >= 100 ? 0 : 1)} ${units[unit]}`;
}

/** An age in seconds, coarse enough to read at a glance: "4 s", "3 min", "2 h", "5 d". */
export function age(seconds: number | null | undefined): string {
  if (missing(seconds)) return DASH;
  const s = Math.max(0, seconds);
  if (s < 60) return `${Math.floor(s)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min`;
  if (s < 86400) return `${Math.floor(s / 3600)} h`;
  return `${Math.floor(s / 86400)} d`;
}

/** Seconds from an RFC 3339 time to `nowMs`, or null when the time does not parse. */
export function secondsSince(time: string | null | undefined, nowMs: number): number | null {
  if (!time) return null;
  const t = Date.parse(time);
  return Number.isNaN(t) ? null : (nowMs - t) / 1000;
}

/** A clock time in the browser's zone, with the date when it is not today. */
export function clock(time: string | number | null | undefined, nowMs = Date.now()): string {
  if (time === null || time === undefined) return DASH;
  const t = typeof time === 'number' ? time : Date.parse(time);
  if (Number.isNaN(t)) return DASH;
  const d = new Date(t);
  const hm = d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
  if (new Date(nowMs).toDateString() === d.toDateString()) return hm;
  return `${d.toLocaleDateString('en-GB', { day: '2-digit', month: 'short' })} ${hm}`;
}
