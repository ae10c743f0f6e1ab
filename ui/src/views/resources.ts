import { fill, h } from '../lib/dom';
import { age, celsius, fixed, kibibytes, percent } from '../lib/format';
import type { LiveStore } from '../lib/live';
import { resourceRows } from '../lib/resources';

/** The per-box resources table and the room means (the seed's "Server Rack Status"). */
export class ResourcesView {
  private readonly means = h('dl', { className: 'means', 'data-testid': 'means' });
  private readonly body = h('tbody');

  constructor(root: HTMLElement) {
    const th = (text: string, className = '') => h('th', { scope: 'col', className }, text);
    fill(root,
      h('h2', {}, 'Servers'),
      this.means,
      h('div', { className: 'table-wrap' },
        h('table', { className: 'resources', 'data-testid': 'resources' },
          h('thead', {}, h('tr', {},
            th('Box'), th('Rack', 'optional'), th('CPU', 'num'), th('Load', 'num'),
            th('Mem. free', 'num'), th('Disk', 'num'), th('Status'))),
          this.body)));
  }

  render(store: LiveStore, nowMs: number, racks: ReadonlySet<string>): void {
    const m = store.means;
    const mean = (label: string, text: string) => h('div', {}, h('dt', {}, label), h('dd', {}, text));
    fill(this.means,
      mean('Temperature', celsius(m.temperature?.value)),
      mean('Humidity', percent(m.humidity?.value)),
      mean('CPU', percent(m.cpu?.value)),
      mean('Load', fixed(m.load?.value, 2)),
      mean('Memory free', kibibytes(m.memory?.value)),
      mean('Disk used', percent(m.disk?.value)));
    const rows = resourceRows(store, nowMs, racks).map((r) => {
      const stale = r.ageS !== null && r.ageS > 60;
      const status = r.online === false ? 'offline' : stale ? `stale ${age(r.ageS)}` : `${age(r.ageS)}`;
      return h('tr', { 'data-box': r.box, className: r.online === false || stale ? 'down' : '' },
        h('td', {}, r.box),
        h('td', { className: 'optional' }, r.rack || '–'),
        h('td', { className: 'num' }, percent(r.cpuPercent)),
        h('td', { className: 'num' }, fixed(r.load1, 2)),
        h('td', { className: 'num' }, kibibytes(r.memoryAvailableKiB)),
        h('td', { className: 'num' }, percent(r.diskUsedPercent)),
        h('td', {}, status));
    });
    fill(this.body, rows.length ? rows : h('tr', {}, h('td', { colspan: 7 }, 'No resource readings yet.')));
  }
}
