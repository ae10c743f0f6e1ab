import { Backoff, ResumeState } from './reconnect';
import type { LiveMessage } from './types';

export type ConnectionState = 'connecting' | 'live' | 'polling';

export interface ConnectionHooks {
  onMessage(message: LiveMessage): void;
  /** Called every `pollMs` while the socket is down: the app fetches `GET /api/live` & co. */
  poll(): Promise<void>;
  onState(state: ConnectionState): void;
}

export interface ConnectionOptions {
  location: { protocol: string; host: string };
  createSocket?: (url: string) => WebSocket;
  pollMs?: number;
  /** A socket that opens but says no hello within this long counts as down. */
  helloTimeoutMs?: number;
  backoff?: Backoff;
}

/**
 * The `/ws/live` subscription. While the socket is down (not yet up, dropped, or a hub without
 * it) the app polls instead, and the socket is retried with backoff, resuming after the last
 * alert event seen.
 */
export class LiveConnection {
  readonly resume = new ResumeState();
  private socket: WebSocket | null = null;
  private retryTimer: ReturnType<typeof setTimeout> | null = null;
  private pollTimer: ReturnType<typeof setInterval> | null = null;
  private stopped = true;
  private state: ConnectionState = 'connecting';
  private readonly backoff: Backoff;
  private readonly createSocket: (url: string) => WebSocket;
  private readonly pollMs: number;
  private readonly helloTimeoutMs: number;

  constructor(
    private readonly hooks: ConnectionHooks,
    private readonly options: ConnectionOptions,
  ) {
    this.backoff = options.backoff ?? new Backoff();
    this.createSocket = options.createSocket ?? ((url) => new WebSocket(url));
    this.pollMs = options.pollMs ?? 2000;
    this.helloTimeoutMs = options.helloTimeoutMs ?? 10_000;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    this.stopPolling();
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000, 'logged out');
  }

  private setState(state: ConnectionState): void {
    if (this.state === state) return;
    this.state = state;
    this.hooks.onState(state);
  }

  private connect(): void {
    if (this.stopped) return;
    let socket: WebSocket;
    try {
      socket = this.createSocket(this.resume.url(this.options.location));
    } catch {
      this.dropped();
      return;
    }
    this.socket = socket;
    // The server subscribes a client before it queues the hello, so a delta may come first;
    // it is older than the hello's snapshot and skipped.
    let greeted = false;
    const helloTimer = setTimeout(() => {
      if (this.socket !== socket) return;
      // Proxies that swallow the upgrade leave a socket that neither opens nor closes.
      this.socket = null;
      socket.close();
      this.dropped();
    }, this.helloTimeoutMs);
    socket.onmessage = (event) => {
      if (this.socket !== socket) return;
      let message: LiveMessage;
      try {
        message = JSON.parse(String(event.data)) as LiveMessage;
      } catch {
        return;
      }
      if (message.type === 'hello') {
        greeted = true;
        clearTimeout(helloTimer);
        this.resume.hello(message.seq);
        this.backoff.reset();
        this.stopPolling();
        this.setState('live');
      } else if (!greeted) {
        return;
      } else if (message.type === 'alert' && message.event && !this.resume.accept(message.seq)) {
        // An event replayed twice; an acknowledgement or silence (no event) always applies.
        return;
      }
      this.hooks.onMessage(message);
    };
    socket.onclose = () => {
      clearTimeout(helloTimer);
      if (this.socket !== socket) return;
      this.socket = null;
      this.dropped();
    };
    // An error is always followed by a close, which does the bookkeeping.
    socket.onerror = () => {};
  }

  private dropped(): void {
    if (this.stopped) return;
    this.startPolling();
    this.retryTimer = setTimeout(() => {
      this.retryTimer = null;
      this.connect();
    }, this.backoff.next());
  }

  private startPolling(): void {
    this.setState('polling');
    if (this.pollTimer) return;
    const tick = () => void this.hooks.poll().catch(() => {});
    tick();
    this.pollTimer = setInterval(tick, this.pollMs);
  }

  private stopPolling(): void {
    if (this.pollTimer) clearInterval(this.pollTimer);
    this.pollTimer = null;
  }
}
