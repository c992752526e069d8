import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpError, inspectTls, request } from '../../src/net/http.js';
import { makeTestCerts, type TestCerts } from '../support/tls.js';

function listen(server: http.Server | https.Server): Promise<string> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(String((server.address() as AddressInfo).port))));
}

let certs: TestCerts;
const servers: Array<http.Server | https.Server> = [];
let base = '';

beforeAll(async () => {
  certs = makeTestCerts();
  const server = http.createServer((req, res) => {
    if (req.url === '/ok') return res.end('{"a":1}');
    if (req.url === '/slow') return void setTimeout(() => res.end('late'), 5000);
    if (req.url === '/drip') {
      res.writeHead(200);
      const t = setInterval(() => res.write('x'), 50);
      return void res.on('close', () => clearInterval(t));
    }
    if (req.url === '/big') {
      res.writeHead(200);
      const chunk = Buffer.alloc(1024 * 1024, 97);
      let n = 0;
      const pump = () => {
        while (n < 100 && res.write(chunk)) n++;
        if (n < 100) res.once('drain', pump);
        else res.end();
      };
      return pump();
    }
    if (req.url === '/reset') return req.socket.destroy();
    if (req.url === '/loop') {
      res.writeHead(302, { location: '/loop2' });
      return res.end();
    }
    if (req.url === '/loop2') {
      res.writeHead(302, { location: '/loop' });
      return res.end();
    }
    res.statusCode = 404;
    res.end();
  });
  servers.push(server);
  base = `http://127.0.0.1:${await listen(server)}`;
});
afterAll(() => {
  for (const s of servers) s.close();
});

async function failure(p: Promise<unknown>): Promise<HttpError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(HttpError);
    return err as HttpError;
  }
  throw new Error('expected a failure');
}

describe('request', () => {
  it('reads an answer', async () => {
    const r = await request({ url: `${base}/ok` });
    expect(r.status).toBe(200);
    expect(r.body).toBe('{"a":1}');
  });
  it.each([
    ['/slow', 'timeout'],
    ['/drip', 'timeout'],
    ['/reset', 'reset'],
  ])('%s → %s within the deadline', async (p, kind) => {
    const t = Date.now();
    const err = await failure(request({ url: `${base}${p}`, timeoutMs: 400 }));
    expect(err.kind).toBe(kind);
    expect(Date.now() - t).toBeLessThan(2000);
  });
  it('stops reading a 100 MB body', async () => {
    const err = await failure(request({ url: `${base}/big`, maxBodyBytes: 1024 * 1024 }));
    expect(err.kind).toBe('too-large');
  });
  it('detects a redirect loop', async () => {
    expect((await failure(request({ url: `${base}/loop`, maxRedirects: 5 }))).kind).toBe('redirect-loop');
  });
  it('diagnoses a refused connection', async () => {
    const s = http.createServer();
    const port = await listen(s);
    await new Promise((r) => s.close(r));
    const err = await failure(request({ url: `http://127.0.0.1:${port}/` }));
    expect(err.kind).toBe('refused');
    expect(err.message).toContain('Connection refused');
  });
});

describe('TLS diagnoses', () => {
  async function tlsServer(pair: { key: string; cert: string }): Promise<string> {
    const s = https.createServer({ key: pair.key, cert: pair.cert }, (_req, res) => res.end('ok'));
    servers.push(s);
    return `https://127.0.0.1:${await listen(s)}/`;
  }
  it.each([
    ['selfSigned', 'tls-self-signed'],
    ['expired', 'tls-expired'],
    ['wrongHost', 'tls-hostname'],
  ] as const)('%s certificate → %s', async (which, kind) => {
    const url = await tlsServer(certs[which]);
    const err = await failure(request({ url, ca: which === 'selfSigned' ? undefined : certs.ca.cert }));
    expect(err.kind).toBe(kind);
  });
  it('trusts a certificate from a given CA and reports it', async () => {
    const url = await tlsServer(certs.valid);
    const r = await request({ url, ca: certs.ca.cert });
    expect(r.tls?.authorized).toBe(true);
    const info = await inspectTls(url, { ca: certs.ca.cert });
    expect(info.authorized).toBe(true);
    const untrusted = await inspectTls(url);
    expect(untrusted.authorized).toBe(false);
  });
});
