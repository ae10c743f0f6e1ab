import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LiveConnection, type ConnectionState } from '../src/lib/connection';
import { Backoff, ResumeState } from '../src/lib/reconnect';
import type { LiveMessage } from '../src/lib/types';

describe('Backoff', () => {
  it('doubles its ceiling up to the maximum and resets after a success', () => {
    const b = new Backoff(500, 4000, () => 1);
    expect([b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([500, 1000, 2000, 4000, 4000]);
    b.reset();
    expect(b.next()).toBe(500);
  });

  it('jitters below the ceiling but never to zero', () => {
    const b = new Backoff(500, 30_000, () => 0);
    expect(b.next()).toBe(250);
    const half = new Backoff(1000, 30_000, () => 0.5);
    half.next();
    expect(half.next()).toBe(1000);
  });
});

describe('ResumeState', () => {
  const page = { protocol: 'http:', host: '127.0.0.1:8086' };

  it('resumes after the last seen event', () => {
    const r = new ResumeState();
    expect(r.url(page)).toBe('ws://127.0.0.1:8086/ws/live');
    r.hello(7);
    expect(r.accept(8)).toBe(true);
    expect(r.url(page)).toBe('ws://127.0.0.1:8086/ws/live?after=8');
    expect(r.url({ protocol: 'https:', host: 'room.example' })).toBe('wss://room.example/ws/live?after=8');
  });

  it('drops events it has already seen', () => {
    const r = new ResumeState();
    r.hello(7);
    expect(r.accept(7)).toBe(false);
    expect(r.accept(9)).toBe(true);
    expect(r.accept(8)).toBe(false);
    expect(r.seq).toBe(9);
  });

  it("follows a restarted hub's sequence down", () => {
    const r = new ResumeState();
    r.hello(40);
    r.hello(2);
    expect(r.accept(3)).toBe(true);
  });
});

/** A WebSocket the test drives by hand. */
class FakeSocket {
  static opened: FakeSocket[] = [];
  onmessage: ((e: { data: string }) => void) | null = null;
  onclose: (() => void) | null = null;
  onerror: (() => void) | null = null;
  closed = false;
  constructor(readonly url: string) {
    FakeSocket.opened.push(this);
  }
  send(message: LiveMessage | Record<string, unknown>): void {
    this.onmessage?.({ data: JSON.stringify(message) });
  }
  drop(): void {
    this.onclose?.();
  }
  close(): void {
    this.closed = true;
  }
}

const hello = (seq: number) => ({
  type: 'hello', seq, live: { boxes: [], means: {}, series: [] }, alerts: { active: [] },
  control: { policy: 'optimal', commanded: [] }, events: [],
});

describe('LiveConnection', () => {
  let messages: LiveMessage[];
  let states: ConnectionState[];
  let polls: number;
  let connection: LiveConnection;

  beforeEach(() => {
    vi.useFakeTimers();
    FakeSocket.opened = [];
    messages = [];
    states = [];
    polls = 0;
    connection = new LiveConnection(
      {
        onMessage: (m) => messages.push(m),
        poll: async () => void polls++,
        onState: (s) => states.push(s),
      },
      {
        location: { protocol: 'http:', host: 'hub:8086' },
        createSocket: (url) => new FakeSocket(url) as unknown as WebSocket,
        backoff: new Backoff(1000, 8000, () => 1),
        pollMs: 2000,
      },
    );
  });

  afterEach(() => {
    connection.stop();
    vi.useRealTimers();
  });

  it('skips frames before the hello, then passes everything on', () => {
    connection.start();
    const s = FakeSocket.opened[0];
    s.send({ type: 'delta', time: 't', series: [['k', 1, 1]] });
    s.send(hello(3));
    s.send({ type: 'delta', time: 't', series: [['k', 2, 2]] });
    expect(messages.map((m) => m.type)).toEqual(['hello', 'delta']);
    expect(states).toEqual(['live']);
  });

  it('polls while down and reconnects with backoff, resuming after the last event', () => {
    connection.start();
    const first = FakeSocket.opened[0];
    first.send(hello(3));
    first.send({ type: 'alert', seq: 4, event: { fingerprint: 'f', rule: 'r', severity: 'warning', state: 'firing', labels: {} }, active: [] });
    first.drop();
    expect(states.at(-1)).toBe('polling');
    expect(polls).toBe(1);
    vi.advanceTimersByTime(999);
    expect(FakeSocket.opened).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.opened).toHaveLength(2);
    expect(FakeSocket.opened[1].url).toBe('ws://hub:8086/ws/live?after=4');
    // The hub is still away: the next try waits twice as long, and polling goes on.
    FakeSocket.opened[1].drop();
    vi.advanceTimersByTime(2000);
    expect(polls).toBe(2);
    expect(FakeSocket.opened).toHaveLength(3);
    FakeSocket.opened[2].send(hello(4));
    expect(states.at(-1)).toBe('live');
    vi.advanceTimersByTime(10_000);
    expect(polls).toBe(2);
  });

  it('applies an event once and an acknowledgement always', () => {
    connection.start();
    const s = FakeSocket.opened[0];
    s.send(hello(5));
    const event = { fingerprint: 'f', rule: 'r', severity: 'warning', state: 'firing', labels: {} };
    s.send({ type: 'alert', seq: 5, event, active: [] });
    s.send({ type: 'alert', seq: 6, event, active: [] });
    s.send({ type: 'alert', seq: 6, event: null, active: [] });
    expect(messages.filter((m) => m.type === 'alert').map((m) => (m as { seq: number }).seq)).toEqual([6, 6]);
  });

  it('gives up on a socket that says no hello', () => {
    connection.start();
    vi.advanceTimersByTime(9_999);
    expect(states).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(FakeSocket.opened[0].closed).toBe(true);
    expect(states).toEqual(['polling']);
    expect(polls).toBe(1);
  });

  it('stops for good on stop()', () => {
    connection.start();
    connection.stop();
    expect(FakeSocket.opened[0].closed).toBe(true);
    FakeSocket.opened[0].drop();
    vi.advanceTimersByTime(60_000);
    expect(FakeSocket.opened).toHaveLength(1);
    expect(polls).toBe(0);
  });
});
