/** The chart ranges and their aggregation steps (docs/control-room.md). */
export interface ChartRange {
  id: '1h' | '24h' | '7d' | '30d';
  label: string;
  seconds: number;
  step: string;
  stepSeconds: number;
}

export const RANGES: readonly ChartRange[] = [
  { id: '1h', label: '1 h', seconds: 3600, step: '10s', stepSeconds: 10 },
  { id: '24h', label: '24 h', seconds: 86400, step: '5m', stepSeconds: 300 },
  { id: '7d', label: '7 d', seconds: 7 * 86400, step: '30m', stepSeconds: 1800 },
  { id: '30d', label: '30 d', seconds: 30 * 86400, step: '2h', stepSeconds: 7200 },
];

/** The step for a span: the doc's for its ranges, and for any other the smallest that keeps a
 * chart under `maxBuckets` points (a chart is never wider than a screen's pixels). */
export function stepFor(seconds: number, maxBuckets = 1000): { step: string; stepSeconds: number } {
  const exact = RANGES.find((r) => r.seconds === seconds);
  if (exact) return { step: exact.step, stepSeconds: exact.stepSeconds };
  const ladder: [string, number][] = [
    ['10s', 10], ['1m', 60], ['5m', 300], ['30m', 1800], ['2h', 7200], ['6h', 21600], ['1d', 86400],
  ];
  for (const [step, stepSeconds] of ladder) {
    if (seconds / stepSeconds <= maxBuckets) return { step, stepSeconds };
  }
  return { step: '1d', stepSeconds: 86400 };
}

export function rangeById(id: string): ChartRange {
  return RANGES.find((r) => r.id === id) ?? RANGES[0];
}

/** The query string of `GET /api/store/aggregate` for one chart. */
export function aggregateQuery(opts: {
  measurement: string;
  field: string;
  range: ChartRange;
  rack?: string;
  groupBy?: string;
  fn?: 'mean' | 'min' | 'max' | 'last' | 'sum' | 'count';
  nowMs: number;
}): string {
  // Absolute times, aligned to the step, so that the buckets of two refreshes line up.
  const stepMs = opts.range.stepSeconds * 1000;
  const to = Math.ceil(opts.nowMs / stepMs) * stepMs;
  const from = to - opts.range.seconds * 1000;
  const q = new URLSearchParams({
    measurement: opts.measurement,
    field: opts.field,
    from: new Date(from).toISOString(),
    to: new Date(to).toISOString(),
    step: opts.range.step,
    fn: opts.fn ?? 'mean',
  });
  if (opts.rack) q.set('tag', `rack:${opts.rack}`);
  if (opts.groupBy) q.set('group_by', opts.groupBy);
  return q.toString();
}
