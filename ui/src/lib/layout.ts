import type { RoomLayout } from './types';

export interface Placed {
  id: string;
  kind: 'rack' | 'ac';
  /** Top-left corner of the tile, px from the map's top-left. */
  left: number;
  top: number;
}

export interface MapLayout {
  /** `plan`: tiles at their positions; `grid`: too narrow for the plan, tiles flow in rows. */
  mode: 'plan' | 'grid';
  pxPerMetre: number;
  width: number;
  height: number;
  items: Placed[];
}

export interface TileSize {
  width: number;
  height: number;
}

/** The room's extent in metres: its declared bounds, grown to hold every position. */
export function roomExtent(room: Pick<RoomLayout, 'racks' | 'acs' | 'bounds'>): { w: number; d: number } {
  let w = room.bounds?.width_m ?? 0;
  let d = room.bounds?.depth_m ?? 0;
  for (const p of [...room.racks, ...room.acs]) {
    w = Math.max(w, p.x);
    d = Math.max(d, p.y);
  }
  return { w: Math.max(w, 1), d: Math.max(d, 1) };
}

/**
 * The smallest px-per-metre at which no two tiles overlap: a pair is apart once it is apart
 * along either axis, so each pair needs the cheaper of the two scales.
 */
export function minimumScale(points: { x: number; y: number }[], tile: TileSize): number {
  let needed = 0;
  for (let i = 0; i < points.length; i++) {
    for (let j = i + 1; j < points.length; j++) {
      const dx = Math.abs(points[i].x - points[j].x);
      const dy = Math.abs(points[i].y - points[j].y);
      const byX = dx > 0 ? tile.width / dx : Infinity;
      const byY = dy > 0 ? tile.height / dy : Infinity;
      needed = Math.max(needed, Math.min(byX, byY));
    }
  }
  return needed;
}

/**
 * Scales the room (positions in metres from the room's corner) to fit `width` px and at
 * most `maxHeight` px tall. A position becomes its tile's top-left corner; one tile's size is
 * kept free so that a tile at the far wall still fits. When the scale would make neighbouring tiles
 * overlap, answers the `grid` mode instead: a phone shows the racks as a list of tiles.
 */
export function layoutRoom(
  room: Pick<RoomLayout, 'racks' | 'acs' | 'bounds'>,
  width: number,
  tile: TileSize,
  maxHeight = 520,
): MapLayout {
  const { w, d } = roomExtent(room);
  const usableW = Math.max(0, width - tile.width);
  const usableH = Math.max(0, maxHeight - tile.height);
  const pxPerMetre = Math.max(0, Math.min(usableW / w, usableH / d));
  const points = [...room.racks, ...room.acs];
  if (pxPerMetre < minimumScale(points, tile)) {
    return { mode: 'grid', pxPerMetre, width, height: 0, items: [] };
  }
  const items: Placed[] = [
    ...room.acs.map((a) => ({ id: a.id, kind: 'ac' as const, x: a.x, y: a.y })),
    ...room.racks.map((r) => ({ id: r.id, kind: 'rack' as const, x: r.x, y: r.y })),
  ].map((p) => ({
    id: p.id,
    kind: p.kind,
    left: Math.round(p.x * pxPerMetre),
    top: Math.round(p.y * pxPerMetre),
  }));
  return { mode: 'plan', pxPerMetre, width, height: Math.round(d * pxPerMetre + tile.height), items };
}
