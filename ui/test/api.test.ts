import { afterEach, describe, expect, it, vi } from 'vitest';
import { Api, ApiError } from '../src/lib/api';

interface Call {
  url: string;
  init: RequestInit;
}

function fakeFetch(status: number, body: string): Call[] {
  const calls: Call[] = [];
  vi.stubGlobal('fetch', async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return new Response(body, { status, statusText: status === 403 ? 'Forbidden' : '' });
  });
  return calls;
}

afterEach(() => vi.unstubAllGlobals());

describe('Api', () => {
  it('keeps the CSRF token of a login and sends it only on changing requests', async () => {
    const calls = fakeFetch(200, '{"user":"alice","role":"operator","csrf_token":"tok-1"}');
    const api = new Api();
    const session = await api.login('alice', 'secret');
    expect(session.role).toBe('operator');
    expect(api.csrfToken).toBe('tok-1');
    await api.control();
    await api.nudge('ac1', 1);
    const headers = calls.map((c) => c.init.headers as Record<string, string>);
    expect(headers[1]['X-CSRF-Token']).toBeUndefined();
    expect(headers[2]['X-CSRF-Token']).toBe('tok-1');
    expect(calls[2].url).toBe('/api/control/ac');
    expect(JSON.parse(calls[2].init.body as string)).toEqual({ ac: 'ac1', direction: 1 });
    // The password travels in the body, never in the URL.
    expect(calls[0].url).toBe('/api/login');
    expect(calls.every((c) => !c.url.includes('secret'))).toBe(true);
  });

  it("raises the server's own error text", async () => {
    fakeFetch(403, '{"error":"role operator needed; victor has role viewer"}');
    const api = new Api();
    const error = await api.setPolicy('optimal').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect((error as ApiError).status).toBe(403);
    expect((error as ApiError).message).toBe('role operator needed; victor has role viewer');
    expect((error as ApiError).missing).toBe(false);
  });

  it('tells a missing endpoint from a refusal, and survives a body that is not JSON', async () => {
    fakeFetch(404, 'not found');
    const error = (await new Api().energy().catch((e: unknown) => e)) as ApiError;
    expect(error.missing).toBe(true);
    expect(error.message).toBe('the hub answered 404');
  });

  it('reports a 401 outside the login as the end of the session', async () => {
    fakeFetch(401, '{"error":"log in again"}');
    const api = new Api();
    const ended = vi.fn();
    api.onUnauthorized = ended;
    await expect(api.live()).rejects.toThrow('log in again');
    expect(ended).toHaveBeenCalledTimes(1);
    await expect(api.login('alice', 'wrong')).rejects.toThrow('log in again');
    expect(ended).toHaveBeenCalledTimes(1);
  });

  it('forgets the token on logout even when the hub is gone', async () => {
    vi.stubGlobal('fetch', async () => {
      throw new TypeError('network down');
    });
    const api = new Api();
    api.csrfToken = 'tok';
    await expect(api.logout()).rejects.toThrow('the hub is unreachable');
    expect(api.csrfToken).toBeNull();
  });
});
