import { fill, h } from '../lib/dom';
import { clock } from '../lib/format';
import type { Alert } from '../lib/types';

export interface AlertActions {
  acknowledge(alert: Alert): Promise<void>;
  silence(alert: Alert, duration: string): Promise<void>;
}

const SILENCE_DURATIONS = ['1h', '2h', '4h', '8h', '24h', '7d'];

function summary(a: Alert): string {
  return a.annotations?.summary || `${a.rule} ${Object.entries(a.labels ?? {}).map(([k, v]) => `${k}=${v}`).join(' ')}`;
}

/** Active alerts with their actions, and the recent history. */
export class AlertsView {
  private readonly active = h('ul', { className: 'alerts', 'data-testid': 'alerts-active' });
  private readonly history = h('ul', { className: 'history', 'data-testid': 'alerts-history' });
  private readonly count = h('span', { className: 'count' });

  constructor(root: HTMLElement, private readonly actions: AlertActions) {
    fill(root,
      h('h2', {}, 'Alerts ', this.count),
      this.active,
      h('details', { className: 'history-box' }, h('summary', {}, 'Recent history'), this.history));
  }

  render(active: Alert[], history: Alert[], canChange: boolean, nowMs: number): void {
    this.count.textContent = active.length ? `(${active.length})` : '';
    if (!active.length) {
      fill(this.active, h('li', { className: 'empty' }, 'No active alerts.'));
    } else {
      const sorted = [...active].sort((a, b) => rank(b) - rank(a) || (a.active_since ?? '').localeCompare(b.active_since ?? ''));
      fill(this.active, sorted.map((a) => this.item(a, canChange, nowMs)));
    }
    fill(this.history, history.slice(0, 30).map((a) =>
      h('li', { className: `state-${a.state}` },
        h('time', {}, clock(a.time ?? a.fired_at, nowMs)), ' ',
        h('span', { className: `sev sev-${a.severity}` }, a.state), ' ', summary(a))));
    if (!history.length) fill(this.history, h('li', { className: 'empty' }, 'Nothing yet.'));
  }

  private item(a: Alert, canChange: boolean, nowMs: number): HTMLElement {
    const duration = h('select', { 'aria-label': 'Silence for', disabled: !canChange || a.silenced },
      SILENCE_DURATIONS.map((d) => h('option', { value: d }, d)));
    const ack = h('button', {
      type: 'button', disabled: !canChange || !!a.acknowledged, 'data-testid': 'alert-ack',
      onclick: () => void this.actions.acknowledge(a),
    }, 'Acknowledge');
    const silence = h('button', {
      type: 'button', disabled: !canChange || a.silenced, 'data-testid': 'alert-silence',
      onclick: () => void this.actions.silence(a, duration.value),
    }, 'Silence');
    const flags = [
      a.acknowledged && h('span', { className: 'flag', title: a.acknowledged.comment ?? '' }, `acknowledged by ${a.acknowledged.by}`),
      a.silenced && h('span', { className: 'flag' }, 'silenced'),
      a.inhibited && h('span', { className: 'flag' }, 'inhibited'),
    ];
    return h('li', {
      className: `alert sev-${a.severity} state-${a.state}`, 'data-testid': 'alert',
      'data-rule': a.rule, 'data-rack': a.labels?.rack ?? '', 'data-state': a.state,
    },
      h('div', { className: 'alert-head' },
        h('span', { className: `sev sev-${a.severity}` }, a.severity),
        h('span', { className: 'state' }, a.state),
        h('span', { className: 'since', title: a.active_since ?? '' },
          `since ${clock(a.active_since, nowMs)}`),
        flags),
      h('div', { className: 'alert-summary' }, summary(a)),
      h('div', { className: 'alert-actions' }, ack, duration, silence));
  }
}

function rank(a: Alert): number {
  return ({ critical: 3, warning: 2, info: 1 }[a.severity] ?? 0) * 2 + (a.state === 'firing' ? 1 : 0);
}
