import { h } from '../lib/dom';

/** The error toast (`data-testid="error"`): the server's own words, until dismissed. */
export class Toast {
  private readonly el = h('div', { className: 'toast', 'data-testid': 'error', role: 'alert', hidden: true });
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(parent: HTMLElement) {
    this.el.addEventListener('click', () => this.hide());
    parent.append(this.el);
  }

  show(message: string): void {
    this.el.textContent = message;
    this.el.hidden = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => this.hide(), 8000);
  }

  hide(): void {
    this.el.hidden = true;
  }
}

/** A confirmation inside the page (window.confirm blocks the page and cannot be styled). */
export function confirmDialog(parent: HTMLElement, title: string, text: string, action: string): Promise<boolean> {
  return new Promise((resolve) => {
    const ok = h('button', { type: 'button', className: 'primary', 'data-testid': 'confirm-ok' }, action);
    const cancel = h('button', { type: 'button', 'data-testid': 'confirm-cancel' }, 'Cancel');
    const dialog = h('dialog', { className: 'confirm', 'data-testid': 'confirm' },
      h('h2', {}, title), h('p', {}, text), h('div', { className: 'actions' }, cancel, ok));
    const close = (answer: boolean) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    ok.addEventListener('click', () => close(true));
    cancel.addEventListener('click', () => close(false));
    dialog.addEventListener('cancel', (e) => {
      e.preventDefault();
      close(false);
    });
    parent.append(dialog);
    dialog.showModal();
    ok.focus();
  });
}

/** A panel's "unavailable" state, for a hub that lacks its endpoint. */
export function unavailable(what: string): HTMLElement {
  return h('p', { className: 'unavailable', 'data-testid': 'unavailable' }, `${what} unavailable`);
}
