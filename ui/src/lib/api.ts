import type {
  Aggregate, AlertsState, ControlState, Energy, LiveState, RoomLayout, Session,
} from './types';

/** A refused or failed request, carrying the server's own `{"error": ...}` text. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** The endpoint is not there (an older hub): the panel says "unavailable". */
  get missing(): boolean {
    return this.status === 404 || this.status === 405 || this.status === 501;
  }
}

/**
 * The hub's JSON API. The CSRF token lives only in memory (never in storage a script of
 * another origin could read); after a reload `GET /api/session` gives it back.
 */
export class Api {
  csrfToken: string | null = null;
  /** Called on a 401: the session ended (expired, logged out elsewhere). */
  onUnauthorized: (() => void) | null = null;

  constructor(private readonly base = '') {}

  private async request<T>(method: string, path: string, body?: unknown): Promise<T> {
    const headers: Record<string, string> = { Accept: 'application/json' };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (method !== 'GET' && this.csrfToken) headers['X-CSRF-Token'] = this.csrfToken;
    let response: Response;
    try {
      response = await fetch(this.base + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'same-origin',
        cache: 'no-store',
      });
    } catch {
      throw new ApiError(0, 'the hub is unreachable');
    }
    const text = await response.text();
    let json: unknown = null;
    if (text) {
      try {
        json = JSON.parse(text);
      } catch {
        json = null;
      }
    }
    if (!response.ok) {
      const serverSays =
        json !== null && typeof json === 'object' && typeof (json as { error?: unknown }).error === 'string'
          ? (json as { error: string }).error
          : '';
      const reason =
        serverSays || `the hub answered ${response.status}${response.statusText ? ` ${response.statusText}` : ''}`;
      if (response.status === 401 && path !== '/api/login') this.onUnauthorized?.();
      throw new ApiError(response.status, reason);
    }
    return json as T;
  }

  async login(user: string, password: string): Promise<Session> {
    const session = await this.request<Session>('POST', '/api/login', { user, password });
    this.csrfToken = session.csrf_token;
    return session;
  }

  async session(): Promise<Session> {
    const session = await this.request<Session>('GET', '/api/session');
    this.csrfToken = session.csrf_token;
    return session;
  }

  async logout(): Promise<void> {
    try {
      await this.request<void>('POST', '/api/logout');
    } finally {
      this.csrfToken = null;
    }
  }

  room = () => this.request<RoomLayout>('GET', '/api/room');
  live = () => this.request<LiveState>('GET', '/api/live');
  alerts = (query = '') => this.request<AlertsState>('GET', `/api/alerts${query ? `?${query}` : ''}`);
  control = () => this.request<ControlState>('GET', '/api/control');
  energy = () => this.request<Energy>('GET', '/api/energy');
  aggregate = (query: string) => this.request<Aggregate>('GET', `/api/store/aggregate?${query}`);

  setPolicy = (policy: string) => this.request<unknown>('POST', '/api/control/policy', { policy });
  nudge = (ac: string, direction: 1 | -1) =>
    this.request<unknown>('POST', '/api/control/ac', { ac, direction });
  setSetpoint = (ac: string, setpoint: number) =>
    this.request<unknown>('POST', '/api/control/ac', { ac, setpoint_c: setpoint });
  acknowledge = (fingerprint: string, comment = '') =>
    this.request<unknown>('POST', '/api/alerts/ack', { fingerprint, comment });
  silence = (matchers: Record<string, string>, duration: string, comment = '') =>
    this.request<{ id: number }>('POST', '/api/alerts/silence', { matchers, duration, comment });
}
