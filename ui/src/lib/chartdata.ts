import type { Aggregate } from './types';

export interface Marker {
  timeMs: number;
  kind: 'alert' | 'resolved' | 'command';
}

/**
 * Aligns an aggregate's series on one time axis (uPlot's AlignedData: x in seconds, then one
 * array per series, null where a series has no bucket, so gaps show as gaps).
 */
export function toChartData(agg: Aggregate, fromMs: number, toMs: number): {
  labels: string[];
  data: (number | null)[][];
} {
  const times = new Set<number>();
  for (const s of agg.series) for (const [t] of s.buckets) if (t >= fromMs && t <= toMs) times.add(t);
  const xs = [...times].sort((a, b) => a - b);
  const index = new Map(xs.map((t, i) => [t, i]));
  const labels: string[] = [];
  const columns: (number | null)[][] = [];
  const sorted = [...agg.series].sort((a, b) => label(a).localeCompare(label(b)));
  for (const s of sorted) {
    const column: (number | null)[] = new Array(xs.length).fill(null);
    for (const [t, v] of s.buckets) {
      const i = index.get(t);
      if (i !== undefined) column[i] = v;
    }
    labels.push(label(s));
    columns.push(column);
  }
  return { labels, data: [xs.map((t) => t / 1000), ...columns] };
}

function label(s: Aggregate['series'][number]): string {
  const tags = s.group ?? s.tags ?? {};
  return tags.rack ?? tags.ac ?? (Object.values(tags).join(' ') || s.field || '');
}
