import { describe, expect, it } from 'vitest';
import { layoutRoom, minimumScale, roomExtent } from '../src/lib/layout';
import { layoutFromLive } from '../src/lib/roomfallback';
import { LiveStore } from '../src/lib/live';
import type { LiveState, RoomLayout } from '../src/lib/types';
import liveFixture from './fixtures/live.json';

// The layout of scenarios/steady-week.yaml, as GET /api/room gives it.
const room: RoomLayout = {
  name: 'hub-sim',
  racks: ['r01', 'r02', 'r03', 'r04', 'r05', 'r06', 'r07', 'r08'].map((id, i) => ({ id, x: 1 + 0.6 * i, y: 2 })),
  acs: [{ id: 'ac1', x: 0.5, y: 0.1 }, { id: 'ac2', x: 5.5, y: 0.1 }],
  bounds: { width_m: 6, depth_m: 4 },
};
const tile = { width: 58, height: 70 };

describe('layoutRoom', () => {
  it('scales the room to the width on a desktop', () => {
    const layout = layoutRoom(room, 700, tile);
    expect(layout.mode).toBe('plan');
    expect(layout.pxPerMetre).toBeCloseTo((700 - 58) / 6);
    const r01 = layout.items.find((i) => i.id === 'r01')!;
    const r02 = layout.items.find((i) => i.id === 'r02')!;
    expect(r02.left - r01.left).toBeGreaterThanOrEqual(tile.width);
    expect(r01.top).toBe(Math.round(2 * layout.pxPerMetre));
    for (const item of layout.items) expect(item.left + tile.width).toBeLessThanOrEqual(700);
    expect(layout.height).toBe(Math.round(4 * layout.pxPerMetre + tile.height));
  });

  it('is limited by the height when the room is deep', () => {
    expect(layoutRoom(room, 1200, tile).pxPerMetre).toBeCloseTo((520 - 70) / 4);
    const deep = { ...room, bounds: { width_m: 6, depth_m: 40 } };
    const layout = layoutRoom(deep, 800, tile, 480);
    expect(layout.pxPerMetre).toBeCloseTo((480 - 70) / 40);
  });

  it('falls back to a grid on a phone, where racks 0.6 m apart would overlap', () => {
    const layout = layoutRoom(room, 358, tile);
    expect(layout.mode).toBe('grid');
    expect(layout.items).toEqual([]);
  });

  it('needs the scale that separates the closest pair along its cheaper axis', () => {
    expect(minimumScale([{ x: 0, y: 0 }, { x: 0.6, y: 0 }], tile)).toBeCloseTo(58 / 0.6);
    expect(minimumScale([{ x: 0, y: 0 }, { x: 0.6, y: 2 }], tile)).toBeCloseTo(70 / 2);
    expect(minimumScale([{ x: 1, y: 1 }], tile)).toBe(0);
  });

  it('grows the extent to hold positions outside the declared bounds', () => {
    expect(roomExtent({ ...room, bounds: { width_m: 3, depth_m: 1 } })).toEqual({ w: 5.5, d: 2 });
    expect(roomExtent({ racks: [], acs: [] })).toEqual({ w: 1, d: 1 });
  });
});

describe('layoutFromLive', () => {
  it('lays out the racks and ACs a hub without /api/room reports', () => {
    const store = new LiveStore();
    store.applySnapshot(liveFixture as unknown as LiveState);
    const derived = layoutFromLive(store, 'room');
    expect(derived.racks.map((r) => r.id)).toEqual(['r01', 'r02']);
    expect(derived.acs.map((a) => a.id)).toEqual(['ac1']);
    expect(layoutRoom(derived, 800, tile).mode).toBe('plan');
  });
});
