import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { autoLogin } from '../../src/demo/auto-login.js';
import { startLocalProvider, type LocalProvider } from '../../src/demo/local-provider.js';
import { callbackFor, runLoginDriven } from '../faults/login-driver.js';

/**
 * The loopback callback server of `alexa-link login`, probed from outside while the real CLI waits
 * for the sign-in: it listens on 127.0.0.1 only, refuses a wrong state (and keeps waiting), an
 * oversized address, headers or body, every other path, method and Host, requests it cannot
 * parse, and a second callback; the real sign-in then completes, and the port is closed after.
 */
let provider: LocalProvider;
let dir: string;

beforeAll(async () => {
  provider = await startLocalProvider({ anyLoopbackPort: true });
  dir = await mkdtemp(path.join(os.tmpdir(), 'al-loopback-'));
  await writeFile(path.join(dir, 'ask-resources.json'), JSON.stringify({ askcliResourcesVersion: '2020-03-31', profiles: { default: { skillMetadata: { src: './skill-package' }, code: { default: { src: './lambda' } } } } }));
  await mkdir(path.join(dir, 'skill-package'));
  await writeFile(path.join(dir, 'skill-package', 'skill.json'), JSON.stringify({ manifest: { publishingInformation: { locales: { 'en-US': { name: 'Loopback' } } }, apis: { custom: {} } } }));
  const client = provider.clients.basic;
  await writeFile(
    path.join(dir, 'accountLinking.json'),
    JSON.stringify({ accountLinkingRequest: { type: 'AUTH_CODE', authorizationUrl: provider.authorizationUrl, accessTokenUrl: provider.tokenUrl, clientId: client.clientId, accessTokenScheme: client.scheme, scopes: ['openid', 'profile', 'email'] } }),
  );
});
afterAll(async () => {
  await provider?.close();
  await rm(dir, { recursive: true, force: true });
});

interface Answer {
  status: number;
  body: string;
}

/** One request on its own connection; `raw` is written as is. */
function rawRequest(port: number, raw: string | Buffer, host = '127.0.0.1'): Promise<Answer | { error: string }> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    let buf = '';
    socket.setTimeout(5000, () => socket.destroy(new Error('timeout')));
    socket.on('connect', () => socket.write(raw));
    socket.on('data', (d) => (buf += d.toString('latin1')));
    socket.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
    socket.on('close', () => {
      const m = /^HTTP\/1\.1 (\d{3})/.exec(buf);
      resolve(m ? { status: Number(m[1]), body: buf.slice(buf.indexOf('\r\n\r\n') + 4) } : { error: buf ? `unparsable answer ${JSON.stringify(buf.slice(0, 80))}` : 'closed without an answer' });
    });
  });
}

function get(port: number, target: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Answer | { error: string }> {
  const lines = [`${method} ${target} HTTP/1.1`, `Host: 127.0.0.1:${port}`, 'Connection: close', ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
  return rawRequest(port, `${lines.join('\r\n')}\r\n\r\n`);
}

/** A request with a body streamed in chunks, up to `bytes` (the server may close early). */
function withBody(port: number, target: string, bytes: number, method = 'GET'): Promise<Answer | { error: string }> {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, path: target, method, headers: { 'content-length': String(bytes), connection: 'close' }, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      res.on('error', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', (e: NodeJS.ErrnoException) => resolve({ error: e.code ?? e.message }));
    const chunk = Buffer.alloc(64 * 1024, 'x');
    let sent = 0;
    const pump = () => {
      while (sent < bytes) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

/** The listening sockets on `port` from /proc/net/tcp and tcp6: "address:port" in hex, as the kernel shows them. */
function listeningAddresses(port: number): string[] | undefined {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const out: string[] = [];
  for (const file of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
    for (const line of text.split('\n').slice(1)) {
      const cols = line.trim().split(/\s+/);
      // st 0A = LISTEN
      if (cols[1]?.endsWith(`:${hexPort}`) && cols[3] === '0A') out.push(cols[1]);
    }
  }
  return out;
}

function statusOf(a: Answer | { error: string }): number | string {
  return 'status' in a ? a.status : a.error;
}

describe('the loopback callback server of alexa-link login (built CLI)', () => {
  it('answers only a right callback on 127.0.0.1, refuses everything else, and closes when done', async () => {
    const checks: Array<[string, number | string, number | string]> = [];
    let port = 0;
    const run = await runLoginDriven(['--json', '--port', '0', '--timeout', '60'], {
      cwd: dir,
      env: { ALEXA_LINK_CLIENT_SECRET: provider.clients.basic.clientSecret, HOME: '/nonexistent-home' },
      timeoutMs: 90_000,
      whenUrl: async (url) => {
        const redirect = new URL(new URL(url).searchParams.get('redirect_uri')!);
        port = Number(redirect.port);
        const expect_ = (what: string, got: Answer | { error: string }, want: number | string) => checks.push([what, statusOf(got), want]);

        // 127.0.0.1 only: the kernel's table of listening sockets, and every other local address.
        const listening = listeningAddresses(port);
        if (listening) checks.push(['listening sockets', listening.join(','), `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`]);
        // Link-local IPv6 addresses need their interface as scope to be connected to.
        const others = Object.entries(os.networkInterfaces()).flatMap(([name, list]) =>
          (list ?? []).filter((i) => !i.internal).map((i) => (i.family === 'IPv6' && i.address.startsWith('fe80:') ? `${i.address}%${name}` : i.address)),
        );
        for (const host of [...others, '::1']) {
          const r = await rawRequest(port, `GET /callback HTTP/1.1\r\nHost: x\r\n\r\n`, host);
          checks.push([`connect via ${host}`, 'error' in r && /ECONNREFUSED|EADDRNOTAVAIL|ENETUNREACH|EHOSTUNREACH|timeout/.test(r.error) ? 'refused' : statusOf(r), 'refused']);
        }

        // Wrong or missing state: refused, and the login keeps waiting.
        expect_('wrong state', await get(port, '/callback?code=stolen-code&state=not-the-state'), 400);
        expect_('no state', await get(port, '/callback?code=stolen-code'), 400);
        expect_('error with a wrong state', await get(port, '/callback?error=access_denied&state=nope'), 400);
        expect_('right state, no code', await get(port, `/callback?state=${new URL(url).searchParams.get('state')}`), 400);
        // Oversized: the address, the headers, a body (announced, or streamed).
        expect_('8 KiB+ address', await get(port, `/callback?code=${'x'.repeat(9000)}&state=s`), 431);
        expect_('8 KiB+ header', await get(port, '/callback?code=a&state=s', { 'x-filler': 'y'.repeat(9000) }), 431);
        const state = new URL(url).searchParams.get('state')!;
        expect_('a 10 MB body announced', await rawRequest(port, `GET /callback?code=a&state=${state} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nContent-Length: ${10 * 1024 * 1024}\r\n\r\n${'x'.repeat(64 * 1024)}`), 413);
        const streamed = await withBody(port, `/callback?code=a&state=${state}`, 10 * 1024 * 1024);
        // The server answers 413 and hangs up mid-body; the client may only see the hang-up.
        checks.push(['a 10 MB body streamed', 'status' in streamed ? streamed.status : /EPIPE|ECONNRESET/.test(streamed.error) ? 413 : streamed.error, 413]);
        expect_('a chunked body', await get(port, '/callback?code=a&state=s', { 'transfer-encoding': 'chunked' }), 413);
        // Nothing else is served.
        for (const p of ['/', '/favicon.ico', '/callback/', '/callback/../etc/passwd', '/.alexa-link/session.json', '/accountLinking.json']) expect_(`GET ${p}`, await get(port, p), 404);
        for (const m of ['POST', 'PUT', 'DELETE', 'OPTIONS']) expect_(`${m} /callback`, await get(port, '/callback?code=a&state=s', {}, m), 405);
        expect_('another Host (DNS rebinding)', await rawRequest(port, `GET /callback?code=a&state=s HTTP/1.1\r\nHost: evil.example:${port}\r\nConnection: close\r\n\r\n`), 400);
        expect_('an unparsable address', await get(port, 'http://['), 400);
        expect_('garbage bytes', await rawRequest(port, Buffer.from([0x16, 0x03, 0x01, 0x00, 0xff, 0x01, 0x00, 0x0d, 0x0a, 0x0d, 0x0a])), 400);

        // The real sign-in, then a second callback while the server lingers.
        const signedIn = await autoLogin({ authorizationUrl: url, deliverCallback: true });
        checks.push(['the real callback', signedIn.callbackStatus ?? 'none', 200]);
        // login closes the server as soon as it has the code: a repeat is refused or cut off.
        const refusedLater = (a: Answer | { error: string }) => ('status' in a ? (a.status === 409 ? 'refused' : a.status) : /ECONNREFUSED|ECONNRESET/.test(a.error) ? 'refused' : a.error);
        checks.push(['a second callback', refusedLater(await get(port, `/callback?code=${signedIn.code}&state=${signedIn.state}`)), 'refused']);
        checks.push(['a replayed callback with another code', refusedLater(await get(port, callbackFor(url, 'another-code').replace(/^http:\/\/[^/]+/, ''))), 'refused']);
      },
    });
    expect(run.driveError).toBeUndefined();
    expect(checks.filter(([, got, want]) => got !== want), JSON.stringify(checks, null, 1)).toEqual([]);
    expect(run.code, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout) as { ok: boolean; steps: Array<{ id: string; status: string; detail: string }> };
    expect(doc.ok).toBe(true);
    // The refused wrong-state callbacks were counted and reported; nothing crashed.
    expect(doc.steps.find((s) => s.id === 'callback')!.detail).toMatch(/2 callbacks with a wrong state were refused\. 1 callback with an error but without this login's state was ignored \(error=access_denied\)/);
    expect(run.stderr).toMatch(/Refused a callback: The state parameter does not match/);
    expect(run.stderr).not.toMatch(/Internal error|\n\s+at .*:\d+:\d+/);
    // Done: the port is closed.
    expect(statusOf(await get(port, '/callback?code=x&state=y'))).toBe('ECONNREFUSED');
  });
});
