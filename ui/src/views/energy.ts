import { fill, h } from '../lib/dom';
import { fixed, kwh } from '../lib/format';
import type { Energy } from '../lib/types';
import { unavailable } from './ui';

/** Today's energy ledger (`GET /api/energy`). */
export class EnergyView {
  private readonly content = h('div');

  constructor(root: HTMLElement) {
    root.setAttribute('data-testid', 'energy');
    fill(root, h('h2', {}, 'Energy today'), this.content);
    fill(this.content, h('p', { className: 'note' }, 'Loading…'));
  }

  render(energy: Energy | null, missing: boolean): void {
    if (missing || !energy) {
      fill(this.content, unavailable('Energy ledger'));
      return;
    }
    const figure = (label: string, value: string, testid: string, hint = '') =>
      h('div', { className: 'figure', 'data-testid': testid, title: hint },
        h('div', { className: 'figure-value' }, value), h('div', { className: 'figure-label' }, label));
    const savedShare = energy.saved_percent === null ? '' : ` (${fixed(energy.saved_percent, 0)} %)`;
    const minutes = (v: number | null) => (v === null ? '–' : `${fixed(v, 0)} min`);
    fill(this.content,
      h('div', { className: 'figures' },
        figure('Cooling', kwh(energy.cooling_kwh), 'energy-cooling'),
        figure(`Saved vs fixed setpoint${savedShare}`, kwh(energy.saved_kwh), 'energy-saved', energy.baseline ?? ''),
        figure('PUE (estimate)', fixed(energy.pue, 2), 'energy-pue'),
        figure('Outside recommended band', minutes(energy.minutes_outside_recommended), 'energy-outside')),
      h('p', { className: 'note' },
        `${energy.day}: ${fixed(energy.hours_covered ?? null, 1)} h covered; IT ${kwh(energy.it_kwh)}; ` +
          `outside the allowable band ${minutes(energy.minutes_outside_allowable)}.`));
  }
}
