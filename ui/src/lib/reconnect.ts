/**
 * Exponential backoff with full jitter (AWS architecture blog, "Exponential Backoff And
 * Jitter"): after a hub restart every open Control Room reconnects, and jitter spreads them.
 */
export class Backoff {
  private attempt = 0;

  constructor(
    private readonly initialMs = 500,
    private readonly maxMs = 30_000,
    private readonly random: () => number = Math.random,
  ) {}

  /** The delay before the next attempt; each call doubles the ceiling up to `maxMs`. */
  next(): number {
    const ceiling = Math.min(this.maxMs, this.initialMs * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 30);
    // Never zero: a hub refusing at once must not be hammered in a tight loop.
    return Math.max(this.initialMs / 2, Math.round(ceiling * this.random()));
  }

  /** After a connection that worked (a `hello` arrived). */
  reset(): void {
    this.attempt = 0;
  }

  get attempts(): number {
    return this.attempt;
  }
}

/**
 * The alert sequence the client has seen, so that a reconnect asks only for what it missed
 * (`/ws/live?after=<seq>`) and an event replayed twice is applied once.
 */
export class ResumeState {
  private lastSeq: number | null = null;

  get seq(): number | null {
    return this.lastSeq;
  }

  /** The WebSocket URL for the page at `location`, resuming after the last seen event. */
  url(location: { protocol: string; host: string }, path = '/ws/live'): string {
    const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
    const query = this.lastSeq === null ? '' : `?after=${this.lastSeq}`;
    return `${scheme}//${location.host}${path}${query}`;
  }

  /**
   * A `hello`'s seq is the server's current one: replayed events come with it. A lower seq than
   * ours means the hub restarted (its sequence starts again), so we follow it down.
   */
  hello(seq: number): void {
    this.lastSeq = seq;
  }

  /** Answers whether an alert event with this seq is new; records it when it is. */
  accept(seq: number): boolean {
    if (this.lastSeq !== null && seq <= this.lastSeq) return false;
    this.lastSeq = seq;
    return true;
  }
}
