import type { LiveSeries, LiveStore } from './live';

/** One row of the per-box resources table (the seed's "Server Rack Status"). */
export interface ResourceRow {
  box: string;
  rack: string;
  cpuPercent: number | null;
  load1: number | null;
  memoryAvailableKiB: number | null;
  memoryTotalKiB: number | null;
  diskUsedPercent: number | null;
  online: boolean | null;
  ageS: number | null;
}

/**
 * A box's rack: its series' `rack` tag, else a known rack whose id and a dash start the box's
 * name (the simulator's servers are `<rack>-s<NN>`; docs/control-room.md).
 */
export function rackOfBox(box: string, tagged: string, racks: ReadonlySet<string>): string {
  if (tagged) return tagged;
  const dash = box.indexOf('-');
  const prefix = dash > 0 ? box.slice(0, dash) : '';
  return racks.has(prefix) ? prefix : '';
}

/** The change of a series' value per second between its last two readings, if known. */
function perSecond(s: LiveSeries): number | null {
  if (s.previous && s.timeMs > s.previous.timeMs) {
    const delta = s.value - s.previous.value;
    if (delta >= 0) return delta / ((s.timeMs - s.previous.timeMs) / 1000);
  }
  return s.ratePerMin === null ? null : s.ratePerMin / 60;
}

/**
 * CPU use in %. Agents reporting /proc/stat-like percentages send `cpu_idle` in %; SNMP agents
 * (the simulator's servers) send UCD-SNMP's raw tick counters (unit `ticks`), whose rates give
 * the share of busy time instead.
 */
export function cpuPercent(metrics: Map<string, LiveSeries>): number | null {
  const idle = metrics.get('cpu_idle');
  const user = metrics.get('cpu_user');
  const system = metrics.get('cpu_system');
  const counters = [idle, user, system].some((s) => s?.unit === 'ticks');
  if (!counters) {
    if (idle) return clampPercent(100 - idle.value);
    if (user || system) return clampPercent((user?.value ?? 0) + (system?.value ?? 0));
    return null;
  }
  if (!idle || !user) return null;
  const rIdle = perSecond(idle);
  const rUser = perSecond(user);
  const rSystem = system ? perSecond(system) : 0;
  if (rIdle === null || rUser === null || rSystem === null) return null;
  const total = rIdle + rUser + rSystem;
  return total > 0 ? clampPercent((100 * (rUser + rSystem)) / total) : null;
}

function clampPercent(v: number): number {
  return Math.min(100, Math.max(0, v));
}

/** The resources table, one row per box sending `resource` readings, sorted by rack then box. */
export function resourceRows(store: LiveStore, nowMs: number, racks: ReadonlySet<string> = new Set()): ResourceRow[] {
  const byBox = new Map<string, { rack: string; metrics: Map<string, LiveSeries> }>();
  for (const s of store.series.values()) {
    if (s.measurement !== 'resource') continue;
    let entry = byBox.get(s.box);
    if (!entry) {
      entry = { rack: rackOfBox(s.box, s.rack, racks), metrics: new Map() };
      byBox.set(s.box, entry);
    }
    entry.metrics.set(s.metric, s);
  }
  const rows: ResourceRow[] = [];
  for (const [box, { rack, metrics }] of byBox) {
    let newest = -Infinity;
    for (const s of metrics.values()) newest = Math.max(newest, s.timeMs);
    const status = store.boxes.get(box);
    rows.push({
      box,
      rack,
      cpuPercent: cpuPercent(metrics),
      load1: metrics.get('load1')?.value ?? null,
      memoryAvailableKiB: metrics.get('memory_available')?.value ?? null,
      memoryTotalKiB: metrics.get('memory_total')?.value ?? null,
      diskUsedPercent: metrics.get('disk_used_percent')?.value ?? null,
      // Boxes behind another agent (SNMP) have no last will of their own: `online` is null.
      online: status?.online ?? null,
      ageS: Number.isFinite(newest) ? Math.max(0, (nowMs - newest) / 1000) : null,
    });
  }
  rows.sort((a, b) => a.rack.localeCompare(b.rack) || a.box.localeCompare(b.box));
  return rows;
}
