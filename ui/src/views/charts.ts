import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { Api } from '../lib/api';
import { ApiError } from '../lib/api';
import { fill, h } from '../lib/dom';
import { toChartData, type Marker } from '../lib/chartdata';
import { RANGES, aggregateQuery, rangeById, type ChartRange } from '../lib/steps';
import type { Decision } from '../lib/types';
import { unavailable } from './ui';

const PALETTE = ['#2563eb', '#16a34a', '#d97706', '#dc2626', '#7c3aed', '#0891b2', '#db2777', '#65a30d'];

interface ChartSpec {
  title: string;
  measurement: string;
  field: string;
  unit: string;
}

const SPECS: ChartSpec[] = [
  { title: 'Inlet temperature', measurement: 'temp', field: 'temperature', unit: '°C' },
  { title: 'Humidity', measurement: 'temp', field: 'humidity', unit: '%RH' },
];

/** Vertical lines at alert and command times, drawn over the plot. */
function markersPlugin(markers: () => Marker[]): uPlot.Plugin {
  return {
    hooks: {
      draw: (u: uPlot) => {
        const ctx = u.ctx;
        const { top, height } = u.bbox;
        ctx.save();
        for (const m of markers()) {
          const x = Math.round(u.valToPos(m.timeMs / 1000, 'x', true));
          if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
          ctx.strokeStyle = m.kind === 'alert' ? '#dc2626' : m.kind === 'resolved' ? '#16a34a' : '#6b7280';
          ctx.setLineDash(m.kind === 'command' ? [4, 4] : []);
          ctx.lineWidth = 1;
          ctx.beginPath();
          ctx.moveTo(x, top);
          ctx.lineTo(x, top + height);
          ctx.stroke();
        }
        ctx.restore();
      },
    },
  };
}

/** The charts of the room (every rack) or of one rack, over the chosen range. */
export class ChartsView {
  private range: ChartRange = RANGES[0];
  private scope = '';
  private readonly plots: uPlot[] = [];
  private markers: Marker[] = [];
  private readonly area = h('div', { className: 'chart-area' });
  private readonly scopeSelect = h('select', { 'aria-label': 'Charts of', 'data-testid': 'chart-scope' },
    h('option', { value: '' }, 'Room (all racks)'));
  private readonly rangeButtons: HTMLButtonElement[];
  private loading = 0;

  constructor(
    root: HTMLElement,
    private readonly api: Api,
    private readonly decisions: () => Decision[],
  ) {
    this.rangeButtons = RANGES.map((r) => h('button', {
      type: 'button', className: 'range', 'data-range': r.id, 'aria-pressed': String(r === this.range),
      onclick: () => this.choose(this.scope, r.id),
    }, r.label));
    this.scopeSelect.addEventListener('change', () => this.choose(this.scopeSelect.value, this.range.id));
    fill(root,
      h('div', { className: 'chart-head' }, h('h2', {}, 'Charts'), this.scopeSelect,
        h('div', { className: 'ranges', role: 'group', 'aria-label': 'Range' }, this.rangeButtons)),
      this.area,
      h('p', { className: 'legend' },
        h('span', { className: 'legend-item' }, h('i', { className: 'mark mark-alert' }), 'alert fired'),
        h('span', { className: 'legend-item' }, h('i', { className: 'mark mark-resolved' }), 'resolved'),
        h('span', { className: 'legend-item' }, h('i', { className: 'mark mark-command' }), 'controller command')));
    new ResizeObserver(() => this.resize()).observe(this.area);
  }

  setRacks(racks: string[]): void {
    fill(this.scopeSelect, h('option', { value: '' }, 'Room (all racks)'),
      racks.map((r) => h('option', { value: r }, `Rack ${r}`)));
    this.scopeSelect.value = this.scope;
  }

  choose(scope: string, rangeId: string): void {
    this.scope = scope;
    this.range = rangeById(rangeId);
    this.scopeSelect.value = scope;
    for (const b of this.rangeButtons) b.setAttribute('aria-pressed', String(b.dataset.range === this.range.id));
    void this.refresh();
  }

  async refresh(): Promise<void> {
    const ticket = ++this.loading;
    const nowMs = Date.now();
    try {
      const [alerts, ...aggregates] = await Promise.all([
        this.api.alerts(new URLSearchParams({
          history: '500',
          from: new Date(nowMs - this.range.seconds * 1000).toISOString(),
          to: new Date(nowMs).toISOString(),
        }).toString()).catch(() => null),
        ...SPECS.map((spec) => this.api.aggregate(aggregateQuery({
          measurement: spec.measurement, field: spec.field, range: this.range, nowMs,
          ...(this.scope ? { rack: this.scope } : { groupBy: 'rack' }),
        }))),
      ]);
      if (ticket !== this.loading) return;
      this.markers = [
        ...(alerts?.history ?? [])
          .filter((a) => !this.scope || a.labels?.rack === this.scope || !a.labels?.rack)
          .map((a) => ({ timeMs: Date.parse(a.time ?? a.fired_at ?? ''), kind: a.state === 'resolved' ? 'resolved' as const : 'alert' as const })),
        ...this.decisions().filter((d) => d.sent?.length).map((d) => ({ timeMs: Date.parse(d.time), kind: 'command' as const })),
      ].filter((m) => !Number.isNaN(m.timeMs));
      this.draw(aggregates.map((agg) => toChartData(agg, nowMs - this.range.seconds * 1000, nowMs)));
    } catch (e) {
      if (ticket !== this.loading) return;
      this.destroy();
      const missing = e instanceof ApiError && e.missing;
      fill(this.area, missing ? unavailable('Charts (store aggregates)') : h('p', { className: 'note' }, `Charts: ${(e as Error).message}`));
    }
  }

  private destroy(): void {
    for (const p of this.plots) p.destroy();
    this.plots.length = 0;
  }

  private draw(data: ReturnType<typeof toChartData>[]): void {
    this.destroy();
    fill(this.area);
    const width = Math.max(200, this.area.clientWidth);
    SPECS.forEach((spec, i) => {
      const d = data[i];
      const holder = h('div', { className: 'chart', 'data-testid': `chart-${spec.field}` });
      this.area.append(holder);
      if (d.labels.length === 0) {
        holder.append(h('p', { className: 'note' }, `${spec.title}: no data in this range yet.`));
        return;
      }
      const opts: uPlot.Options = {
        title: `${spec.title} (${spec.unit})`,
        width,
        height: 200,
        scales: { x: { time: true } },
        series: [{}, ...d.labels.map((label, j) => ({
          label, stroke: PALETTE[j % PALETTE.length], width: 1.5, spanGaps: false,
          value: (_u: uPlot, v: number | null) => (v === null ? '–' : v.toFixed(1)),
        }))],
        axes: [{}, { size: 44 }],
        plugins: [markersPlugin(() => this.markers)],
      };
      this.plots.push(new uPlot(opts, d.data as uPlot.AlignedData, holder));
    });
  }

  private resize(): void {
    const width = Math.max(200, this.area.clientWidth);
    for (const p of this.plots) p.setSize({ width, height: 200 });
  }
}
