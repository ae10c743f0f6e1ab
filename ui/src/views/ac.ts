import { fill, h, setText } from '../lib/dom';
import { celsius, clock, watts } from '../lib/format';
import { acPower, type LiveStore } from '../lib/live';
import type { ControlState, Decision, RoomLayout } from '../lib/types';

export const POLICIES = ['manual', 'optimal', 'hysteresis:23:25', 'fixed:22'];

export interface AcActions {
  nudge(ac: string, direction: 1 | -1): Promise<void>;
  setPolicy(policy: string): Promise<void>;
}

interface AcRow {
  setpoint: HTMLElement;
  power: HTMLElement;
  measured: HTMLElement;
  up: HTMLButtonElement;
  down: HTMLButtonElement;
}

/** The cooling panel: the policy, its latest reasoning, and each AC with ▲/▼. */
export class AcView {
  private readonly policy = h('strong', { 'data-testid': 'policy' });
  private readonly selector = h('select', { 'data-testid': 'policy-select', 'aria-label': 'Policy' },
    POLICIES.map((p) => h('option', { value: p }, p)));
  private readonly apply = h('button', { type: 'button', 'data-testid': 'policy-apply' }, 'Apply');
  private readonly reason = h('p', { className: 'reason', 'data-testid': 'reason' });
  private readonly conditions = h('ul', { className: 'conditions' });
  private readonly body = h('tbody');
  private readonly rows = new Map<string, AcRow>();
  private selectorTouched = false;
  private range = { min: 18, max: 30 };

  constructor(root: HTMLElement, private readonly actions: AcActions) {
    this.selector.addEventListener('change', () => (this.selectorTouched = true));
    this.apply.addEventListener('click', () => {
      this.selectorTouched = false;
      void this.actions.setPolicy(this.selector.value);
    });
    fill(root,
      h('h2', {}, 'Cooling'),
      h('div', { className: 'policy-row' },
        h('span', {}, 'Policy: ', this.policy), h('span', { className: 'policy-pick' }, this.selector, this.apply)),
      this.reason,
      h('div', { className: 'table-wrap' },
        h('table', { className: 'acs' },
          h('thead', {}, h('tr', {},
            h('th', { scope: 'col' }, 'AC'), h('th', { scope: 'col' }, 'Power'),
            h('th', { scope: 'col', className: 'num' }, 'Setpoint'), h('th', { scope: 'col', className: 'num' }, 'Draw'),
            h('th', { scope: 'col' }, 'Adjust'))),
          this.body)),
      this.conditions);
  }

  setRoom(room: RoomLayout): void {
    if (room.setpoint_c) this.range = { min: room.setpoint_c.min, max: room.setpoint_c.max };
    this.rows.clear();
    fill(this.body, room.acs.map((ac) => {
      const row: AcRow = {
        setpoint: h('td', { className: 'num', 'data-testid': `ac-${ac.id}-setpoint` }),
        power: h('td', { 'data-testid': `ac-${ac.id}-power` }),
        measured: h('td', { className: 'num' }),
        up: h('button', { type: 'button', className: 'nudge', 'data-testid': `ac-${ac.id}-up`, 'aria-label': `Raise ${ac.id}'s setpoint`,
          onclick: () => void this.actions.nudge(ac.id, 1) }, '▲'),
        down: h('button', { type: 'button', className: 'nudge', 'data-testid': `ac-${ac.id}-down`, 'aria-label': `Lower ${ac.id}'s setpoint`,
          onclick: () => void this.actions.nudge(ac.id, -1) }, '▼'),
      };
      this.rows.set(ac.id, row);
      return h('tr', {}, h('th', { scope: 'row' }, ac.id), row.power, row.setpoint, row.measured,
        h('td', { className: 'adjust' }, row.down, row.up));
    }));
  }

  render(control: ControlState | null, store: LiveStore, canChange: boolean, nowMs: number): void {
    setText(this.policy, control?.policy ?? '–');
    if (control && !this.selectorTouched && POLICIES.includes(control.policy)) this.selector.value = control.policy;
    this.selector.disabled = !canChange;
    this.apply.disabled = !canChange;
    const latest = latestDecision(control?.decisions);
    setText(this.reason, latest ? `${clock(latest.time, nowMs)} — ${latest.reason}` : 'No decision yet.');
    for (const [id, row] of this.rows) {
      const c = control?.commanded.find((x) => x.ac === id);
      setText(row.power, c ? (c.power ? 'on' : 'off') : '–');
      const setpoint = c?.setpoint_c ?? null;
      setText(row.setpoint, celsius(setpoint));
      row.setpoint.dataset.value = setpoint === null ? '' : String(setpoint);
      setText(row.measured, watts(acPower(store, id)));
      row.up.disabled = !canChange || (setpoint !== null && setpoint >= this.range.max);
      row.down.disabled = !canChange || (setpoint !== null && setpoint <= this.range.min);
    }
    fill(this.conditions, (control?.conditions ?? []).map((c) => h('li', { className: 'condition' }, c.message)));
  }
}

/** The newest decision, whichever order the server lists them in. */
export function latestDecision(decisions: Decision[] | undefined): Decision | null {
  let latest: Decision | null = null;
  for (const d of decisions ?? []) if (!latest || Date.parse(d.time) > Date.parse(latest.time)) latest = d;
  return latest;
}
