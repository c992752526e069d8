import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HttpError, inspectTls, isLoopbackHostname, onProxyUse, proxyFor, request } from '../../src/net/http.js';
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
const certs = makeTestCerts();

beforeAll(async () => {
  for (const v of VARS) saved[v] = process.env[v];
  server = https.createServer({ key: certs.wrongHost.key, cert: certs.wrongHost.cert }, (req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: req.url, auth: req.headers.authorization ?? null }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
  proxy = await startConnectProxy((host) => (host === 'wrong.example.test' ? { host: '127.0.0.1', port } : undefined));
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
