import type { LiveStore } from './live';
import type { RoomLayout } from './types';

/**
 * A layout made from the live series, for a hub without `GET /api/room`: the racks that
 * report an inlet temperature in one row at a rack's pitch, the ACs in front of them.
 */
export function layoutFromLive(store: LiveStore, name: string): RoomLayout {
  const racks = new Set<string>();
  const acs = new Set<string>();
  for (const s of store.series.values()) {
    if (s.measurement === 'temp' && s.metric === 'temperature' && s.rack) racks.add(s.rack);
    if (s.measurement === 'power' && s.labels.ac) acs.add(s.labels.ac);
  }
  const rackIds = [...racks].sort();
  const acIds = [...acs].sort();
  const pitch = 0.8;
  const width = Math.max(rackIds.length, acIds.length, 1) * pitch + pitch;
  return {
    name,
    racks: rackIds.map((id, i) => ({ id, x: pitch * (i + 1), y: 1.4 })),
    acs: acIds.map((id, i) => ({ id, x: acIds.length === 1 ? width / 2 : pitch + (i * (width - 2 * pitch)) / Math.max(1, acIds.length - 1), y: 0.2 })),
    bounds: { width_m: width, depth_m: 1.6 },
  };
}
