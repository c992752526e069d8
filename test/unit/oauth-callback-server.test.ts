import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import { afterEach, describe, expect, it } from 'vitest';
import { CancelledError } from '../../src/errors.js';
import { LoginTimeoutError, startCallbackServer, strayErrorNote, type CallbackEvent, type CallbackServer } from '../../src/oauth/callback-server.js';
import { pendingCleanups } from '../../src/ui/lifecycle.js';

function get(url: string, opts: { agent?: http.Agent; headers?: Record<string, string>; method?: string } = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: opts.method ?? 'GET', agent: opts.agent, headers: opts.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

const servers: CallbackServer[] = [];
async function start(opts: { timeoutMs?: number; signal?: AbortSignal; maxRequestBytes?: number } = {}) {
  const events: CallbackEvent[] = [];
  const server = await startCallbackServer({
    port: 0,
    expectedState: 'good-state',
    timeoutMs: opts.timeoutMs ?? 10_000,
    closeAfterMs: 100,
    onRejected: (e) => events.push(e),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.maxRequestBytes ? { maxRequestBytes: opts.maxRequestBytes } : {}),
  });
  servers.push(server);
  return { server, events };
}

afterEach(async () => {
  while (servers.length) await servers.pop()!.close();
});

describe('loopback callback server', () => {
  it('listens on 127.0.0.1 only, never on another interface', async () => {
    const { server } = await start();
    expect(server.redirectUri).toBe(`http://127.0.0.1:${server.port}/callback`);
    const others = Object.values(os.networkInterfaces())
      .flat()
      .filter((i): i is os.NetworkInterfaceInfo => Boolean(i) && !i!.internal)
      .map((i) => i.address);
    for (const host of others) {
      const result = await new Promise<string>((resolve) => {
        const s = net.connect({ host, port: server.port });
        s.setTimeout(2000, () => (s.destroy(), resolve('timeout')));
        s.on('connect', () => (s.destroy(), resolve('connected')));
        s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      });
      expect(result, host).not.toBe('connected');
    }
  });

  it('resolves with the code when the state matches, answers a page, then refuses a second callback', async () => {
    const { server, events } = await start();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const first = await get(`${server.redirectUri}?code=abc123&state=good-state`, { agent });
      expect(first.status).toBe(200);
      expect(first.body).toMatch(/received the authorization code/);
      await expect(server.wait()).resolves.toMatchObject({ kind: 'code', code: 'abc123', state: 'good-state' });
      const second = await get(`${server.redirectUri}?code=other&state=good-state`, { agent });
      expect(second.status).toBe(409);
      expect(events.map((e) => e.rejected)).toEqual(['second-callback']);
    } finally {
      agent.destroy();
    }
    // The server closes shortly after the first valid callback: new connections are refused.
    await new Promise((r) => setTimeout(r, 200));
    await expect(get(`${server.redirectUri}?code=x&state=good-state`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('refuses a wrong state and keeps waiting for the right one', async () => {
    const { server, events } = await start();
    const wrong = await get(`${server.redirectUri}?code=evil&state=other-state`);
    expect(wrong.status).toBe(400);
    expect(wrong.body).toMatch(/does not match/);
    const missing = await get(`${server.redirectUri}?code=evil`);
    expect(missing.status).toBe(400);
    const right = await get(`${server.redirectUri}?code=good&state=good-state`);
    expect(right.status).toBe(200);
    await expect(server.wait()).resolves.toMatchObject({ kind: 'code', code: 'good' });
    expect(events.map((e) => e.rejected)).toEqual(['wrong-state', 'wrong-state']);
  });

  it("shows the provider's error and error_description, escaped", async () => {
    const { server } = await start();
    const res = await get(`${server.redirectUri}?error=access_denied&error_description=${encodeURIComponent('User <b>said</b> no')}&state=good-state`);
    expect(res.status).toBe(200);
    expect(res.body).toContain('access_denied (User &lt;b&gt;said&lt;/b&gt; no)');
    await expect(server.wait()).resolves.toMatchObject({ kind: 'error', error: 'access_denied', errorDescription: 'User <b>said</b> no', state: 'good-state' });
  });

  it('ignores an error without this login\'s state (none, or another): anyone on the machine could send it; the wait goes on (issue 15 item 11)', async () => {
    const { server, events } = await start();
    expect((await get(`${server.redirectUri}?error=server_error&state=nope`)).status).toBe(400);
    expect((await get(`${server.redirectUri}?error=invalid_scope&error_description=stray`)).status).toBe(400);
    expect(events.map((e) => [e.rejected, e.error])).toEqual([
      ['stray-error', { error: 'server_error' }],
      ['stray-error', { error: 'invalid_scope', errorDescription: 'stray' }],
    ]);
    expect(strayErrorNote(server.rejected)).toBe("2 callbacks with an error but without this login's state were ignored (error=server_error; error=invalid_scope (stray))");
    // Still waiting: the provider's answer with the right state ends it.
    expect((await get(`${server.redirectUri}?code=good&state=good-state`)).status).toBe(200);
    await expect(server.wait()).resolves.toMatchObject({ kind: 'code', code: 'good' });
  });

  it.each([
    ['/', 404, 'not-found'],
    ['/favicon.ico', 404, 'not-found'],
    ['/callback/../etc', 404, 'not-found'],
    ['/callback?state=good-state', 400, 'no-code'],
  ])('GET %s → %i', async (p, status, reason) => {
    const { server, events } = await start();
    const res = await get(`http://127.0.0.1:${server.port}${p}`);
    expect(res.status).toBe(status);
    expect(events.map((e) => e.rejected)).toEqual([reason]);
  });

  it('refuses other methods, other Host headers and oversized requests', async () => {
    const { server, events } = await start({ maxRequestBytes: 2048 });
    expect((await get(`${server.redirectUri}?code=a&state=good-state`, { method: 'POST' })).status).toBe(405);
    expect((await get(`${server.redirectUri}?code=a&state=good-state`, { headers: { host: 'evil.example:80' } })).status).toBe(400);
    expect((await get(`${server.redirectUri}?code=${'x'.repeat(5000)}&state=good-state`)).status).toBe(431);
    expect((await get(`${server.redirectUri}?code=a&state=good-state`, { headers: { 'x-big': 'y'.repeat(4000) } })).status).toBe(431);
    expect(events.map((e) => e.rejected)).toEqual(['method', 'bad-host', 'too-large', 'too-large']);
    // Still waiting for the real one.
    expect((await get(`${server.redirectUri}?code=a&state=good-state`)).status).toBe(200);
  });

  it('gives up after the timeout with a clear message, and closes', async () => {
    const { server } = await start({ timeoutMs: 150 });
    await get(`${server.redirectUri}?code=x&state=wrong`);
    const err = await server.wait().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LoginTimeoutError);
    expect((err as Error).message).toMatch(new RegExp(`No sign-in result arrived at http://127.0.0.1:${server.port}/callback within 0\\.[12] s \\(1 callback with a wrong state was refused\\)`));
    expect((err as LoginTimeoutError).hint).toMatch(/--timeout/);
    await new Promise((r) => setTimeout(r, 20));
    await expect(get(`${server.redirectUri}?code=x&state=good-state`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('is cancelled by the abort signal (Ctrl-C) and registers its cleanup', async () => {
    const before = pendingCleanups();
    const ac = new AbortController();
    const { server } = await start({ signal: ac.signal });
    expect(pendingCleanups()).toBe(before + 1);
    ac.abort();
    await expect(server.wait()).rejects.toBeInstanceOf(CancelledError);
    await server.close();
    expect(pendingCleanups()).toBe(before);
  });

  it('says which port is taken', async () => {
    const { server } = await start();
    await expect(startCallbackServer({ port: server.port, expectedState: 's', timeoutMs: 1000 })).rejects.toMatchObject({
      code: 'E_PORT_IN_USE',
      message: expect.stringContaining(`Port ${server.port}`),
    });
  });
});
