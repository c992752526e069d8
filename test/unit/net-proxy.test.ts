import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { HttpError, inspectTls, isLoopbackHostname, onProxyUse, proxyFor, request } from '../../src/net/http.js';
import { connectWebSocket } from '../../src/net/websocket.js';
import { startConnectProxy, type TestProxy } from '../support/connect-proxy.js';
import { makeTestCerts } from '../support/tls.js';

/**
 * HTTPS_PROXY / HTTP_PROXY / NO_PROXY through src/net/http.ts, with a CONNECT proxy on 127.0.0.1
 * that records what passes. The TLS server's certificate is for wrong.example.test, the name the
 * requests use: the tunnel keeps TLS end to end, so the name is checked against the real server.
 */
const VARS = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy'];
const saved: Record<string, string | undefined> = {};
let server: https.Server;
let port: number;
let proxy: TestProxy;
/** A plain WebSocket server (ws://), reached as ws.example.test:80 through the proxy only. */
let wsServer: http.Server;
let wsPort: number;
const certs = makeTestCerts();

beforeAll(async () => {
  for (const v of VARS) saved[v] = process.env[v];
  server = https.createServer({ key: certs.wrongHost.key, cert: certs.wrongHost.cert }, (req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: req.url, auth: req.headers.authorization ?? null }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  wsServer = http.createServer();
  const { WebSocketServer } = await import('ws');
  const wss = new WebSocketServer({ server: wsServer });
  wss.on('connection', (socket, req) => socket.send(JSON.stringify({ path: req.url, auth: req.headers.authorization ?? null })));
  await new Promise<void>((r) => wsServer.listen(0, '127.0.0.1', r));
  wsPort = (wsServer.address() as AddressInfo).port;
  proxy = await startConnectProxy((host, p) => (host === 'wrong.example.test' ? { host: '127.0.0.1', port } : host === 'ws.example.test' && p === 80 ? { host: '127.0.0.1', port: wsPort } : undefined));
});
afterEach(() => {
  for (const v of VARS) {
    if (saved[v] === undefined) delete process.env[v];
    else process.env[v] = saved[v];
  }
  proxy.records.length = 0;
  onProxyUse(undefined);
});
afterAll(async () => {
  await proxy.close();
  await new Promise<void>((r) => server.close(() => r()));
  wsServer.closeAllConnections();
  await new Promise<void>((r) => wsServer.close(() => r()));
});

function clearProxyVars(): void {
  for (const v of VARS) delete process.env[v];
}

describe('proxies', () => {
  it.each(['HTTPS_PROXY', 'https_proxy'])('%s: HTTPS goes through a CONNECT tunnel; the proxy sees only host:port, never the headers', async (name) => {
    clearProxyVars();
    process.env[name] = proxy.url;
    const lines: string[] = [];
    onProxyUse((l) => lines.push(l));
    const res = await request({ url: `https://wrong.example.test:${port}/secret-path`, headers: { authorization: 'Bearer never-seen-by-proxy' }, ca: certs.ca.cert });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ path: '/secret-path', auth: 'Bearer never-seen-by-proxy' });
    expect(res.tls?.authorized).toBe(true);
    expect(proxy.records).toEqual([expect.objectContaining({ method: 'CONNECT', target: `wrong.example.test:${port}` })]);
    expect(JSON.stringify(proxy.records)).not.toContain('never-seen-by-proxy');
    expect(lines).toEqual([`Requests to wrong.example.test:${port} go through the proxy ${proxy.url} (from HTTPS_PROXY or ALL_PROXY; NO_PROXY lists the exceptions).`]);
  });

  it('NO_PROXY (either case) and loopback addresses go direct', async () => {
    clearProxyVars();
    process.env.HTTPS_PROXY = proxy.url;
    process.env.no_proxy = 'wrong.example.test';
    expect(await proxyFor(new URL(`https://wrong.example.test:${port}/`))).toBeUndefined();
    delete process.env.no_proxy;
    process.env.NO_PROXY = '.example.test';
    expect(await proxyFor(new URL(`https://wrong.example.test:${port}/`))).toBeUndefined();
    delete process.env.NO_PROXY;
    expect(await proxyFor(new URL(`https://wrong.example.test:${port}/`))).toBe(proxy.url);
    for (const h of ['127.0.0.1', 'localhost', '[::1]', '127.3.2.1']) expect(await proxyFor(new URL(`https://${h}:${port}/`))).toBeUndefined();
    expect(isLoopbackHostname('example.com')).toBe(false);
    const direct = await request({ url: `https://127.0.0.1:${port}/`, insecure: true });
    expect(direct.status).toBe(200);
    expect(proxy.records).toEqual([]);
  });

  it('the certificate is inspected through the tunnel too', async () => {
    clearProxyVars();
    process.env.HTTPS_PROXY = proxy.url;
    const info = await inspectTls(`https://wrong.example.test:${port}/`, { ca: certs.ca.cert });
    expect(info).toMatchObject({ authorized: true, subject: 'wronghost' });
    expect(proxy.records[0]).toMatchObject({ method: 'CONNECT' });
  });

  it('a proxy that will not connect, or is not there, is named as the cause', async () => {
    clearProxyVars();
    process.env.HTTPS_PROXY = proxy.url;
    const refused = await request({ url: 'https://unrouted.example.test/', timeoutMs: 3000 }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(HttpError);
    expect((refused as HttpError).message).toMatch(/The proxy http:\/\/127\.0\.0\.1:\d+ would not connect to unrouted\.example\.test \(HTTP 502/);
    process.env.HTTPS_PROXY = 'http://user:pw@127.0.0.1:1';
    const down = await request({ url: 'https://unrouted.example.test/', timeoutMs: 3000 }).catch((e: unknown) => e);
    expect((down as HttpError).message).toMatch(/^The proxy http:\/\/127\.0\.0\.1:1 refused the connection/);
    expect((down as HttpError).message).not.toContain('pw');
    expect((down as HttpError).hint).toMatch(/HTTPS_PROXY/);
  });
});

describe('proxies for WebSockets (alexa-link watch)', () => {
  const handlers = (got: string[]) => ({ onMessage: (t: string) => got.push(t), onClose: () => undefined });

  it.each(['HTTP_PROXY', 'ALL_PROXY'])('%s: the WebSocket goes through a CONNECT tunnel, headers unseen by the proxy', async (name) => {
    clearProxyVars();
    process.env[name] = proxy.url;
    const lines: string[] = [];
    onProxyUse((l) => lines.push(l));
    const got: string[] = [];
    const outcome = await connectWebSocket('ws://ws.example.test/v1/debug', { headers: { authorization: 'never-seen-by-proxy' }, timeoutMs: 5000, handlers: handlers(got) });
    expect(outcome.ok).toBe(true);
    await vi.waitFor(() => expect(got).toHaveLength(1));
    expect(JSON.parse(got[0]!)).toEqual({ path: '/v1/debug', auth: 'never-seen-by-proxy' });
    if (outcome.ok) await outcome.socket.close();
    expect(proxy.records).toEqual([expect.objectContaining({ method: 'CONNECT', target: 'ws.example.test:80' })]);
    expect(JSON.stringify(proxy.records)).not.toContain('never-seen-by-proxy');
    expect(lines).toEqual([`Connections to ws.example.test go through the proxy ${proxy.url} (from HTTP_PROXY or ALL_PROXY; NO_PROXY lists the exceptions).`]);
  });

  it('a proxy that will not open the tunnel is named as the cause, not taken for the service refusing', async () => {
    clearProxyVars();
    process.env.HTTPS_PROXY = proxy.url;
    const err = await connectWebSocket('wss://unrouted.example.test/v1/debug', { headers: {}, timeoutMs: 5000, handlers: handlers([]) }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).message).toMatch(/The proxy http:\/\/127\.0\.0\.1:\d+ would not connect to unrouted\.example\.test \(HTTP 502/);
    process.env.HTTPS_PROXY = 'http://127.0.0.1:1';
    const down = await connectWebSocket('wss://unrouted.example.test/v1/debug', { headers: {}, timeoutMs: 5000, handlers: handlers([]) }).catch((e: unknown) => e);
    expect((down as HttpError).message).toMatch(/^The proxy http:\/\/127\.0\.0\.1:1 refused the connection/);
  });

  it('offline: a host that does not resolve on a machine that reaches nothing is not called a typo, and the hint names only doctor --offline', async () => {
    clearProxyVars();
    const err = await connectWebSocket('wss://bob-dispatch-prod-na.amazon.invalid/v1/x', {
      headers: {},
      timeoutMs: 5000,
      handlers: handlers([]),
      reachability: { interfaces: () => ({ lo: [] }) },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).kind).toBe('offline');
    expect((err as HttpError).message).toMatch(/This machine reaches no host at all: it has no network interface besides loopback; bob-dispatch-prod-na\.amazon\.invalid could not be tried/);
    expect((err as HttpError).hint).not.toMatch(/typo/);
    expect((err as HttpError).hint).toMatch(/`alexa-link doctor --offline`/);
    expect((err as HttpError).hint).not.toMatch(/run with --offline/);
  });
});
