import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AutoLoginError, autoLogin } from '../../src/demo/auto-login.js';
import { startLocalProvider, type LocalClient, type LocalProvider } from '../../src/demo/local-provider.js';
import { buildAuthorizationUrl } from '../../src/oauth/authorize-url.js';
import { completeLogin, exchangeAndJudge, type LoginSettings } from '../../src/oauth/login-flow.js';
import { readSession } from '../../src/oauth/session.js';
import { basicAuthorization, cleartextSecretProblem, exchangeCode, postTokenRequest, refreshAccessToken, tokenRequest } from '../../src/oauth/token-exchange.js';
import type { HttpRequest, HttpResponse } from '../../src/net/http.js';
import { makeTestCerts } from '../support/tls.js';

interface Seen {
  method?: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A token endpoint on 127.0.0.1 that records the request and answers as told. */
async function fakeTokenEndpoint(
  respond: (seen: Seen, res: http.ServerResponse) => void,
  tlsPair?: { key: string; cert: string },
): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      const s: Seen = { headers: req.headers, body };
      if (req.method) s.method = req.method;
      seen.push(s);
      respond(s, res);
    });
  };
  const server = tlsPair ? https.createServer(tlsPair, handler) : http.createServer(handler);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `${tlsPair ? 'https' : 'http'}://127.0.0.1:${port}/token`,
    seen,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

const json = (res: http.ServerResponse, status: number, doc: unknown) => {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(doc));
};

const GOOD = { access_token: 'at-' + 'x'.repeat(30), token_type: 'Bearer', expires_in: 3600, refresh_token: 'rt-' + 'y'.repeat(30) };

describe('token requests as Alexa sends them', () => {
  it('HTTP Basic: form-urlencoded id and secret (RFC 6749 §2.3.1) in the header, nothing in the body', async () => {
    const ep = await fakeTokenEndpoint((_s, res) => json(res, 200, GOOD));
    try {
      const clientId = 'client:with spaces';
      const clientSecret = 's&e+c=r%t/ü';
      const out = await exchangeCode({ tokenUrl: ep.url, clientId, clientSecret, scheme: 'HTTP_BASIC' }, { code: 'the code+/=', redirectUri: 'https://pitangui.amazon.com/api/skill/link/M2ABC' });
      expect(out.ok && out.status).toBe(200);
      const seen = ep.seen[0]!;
      expect(seen.method).toBe('POST');
      expect(seen.headers['content-type']).toBe('application/x-www-form-urlencoded');
      const decoded = Buffer.from(String(seen.headers.authorization).replace(/^Basic /, ''), 'base64').toString('utf8');
      expect(decoded).toBe('client%3Awith+spaces:s%26e%2Bc%3Dr%25t%2F%C3%BC');
      const form = new URLSearchParams(seen.body);
      expect(Object.fromEntries(form)).toEqual({ grant_type: 'authorization_code', code: 'the code+/=', redirect_uri: 'https://pitangui.amazon.com/api/skill/link/M2ABC' });
      expect(basicAuthorization('a', 'b')).toBe(`Basic ${Buffer.from('a:b').toString('base64')}`);
    } finally {
      await ep.close();
    }
  });

  it('request body credentials: client_id and client_secret form fields, no Authorization header', async () => {
    const ep = await fakeTokenEndpoint((_s, res) => json(res, 200, GOOD));
    try {
      const out = await refreshAccessToken({ tokenUrl: ep.url, clientId: 'id', clientSecret: 's&=+', scheme: 'REQUEST_BODY_CREDENTIALS' }, 'rt|1+2');
      expect(out.ok && out.json).toEqual(GOOD);
      const seen = ep.seen[0]!;
      expect(seen.headers.authorization).toBeUndefined();
      expect(Object.fromEntries(new URLSearchParams(seen.body))).toEqual({ grant_type: 'refresh_token', refresh_token: 'rt|1+2', client_id: 'id', client_secret: 's&=+' });
    } finally {
      await ep.close();
    }
  });

  it('returns a typed diagnosis instead of throwing: refused, timeout, self-signed, expired', async () => {
    const certs = makeTestCerts();
    const closed = await fakeTokenEndpoint(() => undefined);
    await closed.close();
    const refused = await postTokenRequest({ tokenUrl: closed.url, clientId: 'a', clientSecret: 'b', scheme: 'HTTP_BASIC' }, { grant_type: 'authorization_code', code: 'x' });
    expect(refused).toMatchObject({ ok: false, kind: 'refused' });

    const hang = await fakeTokenEndpoint(() => undefined);
    try {
      const t = await postTokenRequest({ tokenUrl: hang.url, clientId: 'a', clientSecret: 'b', scheme: 'HTTP_BASIC', timeoutMs: 300 }, { grant_type: 'authorization_code', code: 'x' });
      expect(t).toMatchObject({ ok: false, kind: 'timeout' });
      expect(!t.ok && t.ms).toBeGreaterThanOrEqual(250);
    } finally {
      await hang.close();
    }

    for (const [pair, kind] of [
      [certs.selfSigned, 'tls-self-signed'],
      [certs.expired, 'tls-expired'],
    ] as const) {
      const ep = await fakeTokenEndpoint((_s, res) => json(res, 200, GOOD), pair);
      try {
        const out = await postTokenRequest({ tokenUrl: ep.url, clientId: 'a', clientSecret: 'b', scheme: 'HTTP_BASIC', ca: certs.ca.cert }, { grant_type: 'authorization_code', code: 'x' });
        expect(out).toMatchObject({ ok: false, kind });
        expect(ep.seen).toHaveLength(0);
      } finally {
        await ep.close();
      }
    }
  });

  it('builds the request without sending it', () => {
    const r = tokenRequest({ tokenUrl: 'https://x.test/token', clientId: 'a', clientSecret: 'b', scheme: 'REQUEST_BODY_CREDENTIALS' }, { grant_type: 'refresh_token', refresh_token: 'r' });
    expect(r).toMatchObject({ method: 'POST', url: 'https://x.test/token', maxRedirects: 0 });
    expect(r.headers?.authorization).toBeUndefined();
    expect(r.body).toBe('grant_type=refresh_token&refresh_token=r&client_id=a&client_secret=b');
  });
});

describe('the login flow from callback to report', () => {
  let provider: LocalProvider;
  let dir: string;
  beforeAll(async () => {
    provider = await startLocalProvider();
    dir = await mkdtemp(path.join(os.tmpdir(), 'al-login-flow-'));
  });
  afterAll(async () => {
    await provider?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const REDIRECT = 'http://127.0.0.1:9876/callback';

  async function codeFor(client: LocalClient, p: LocalProvider = provider, ca?: string): Promise<string> {
    const { url } = buildAuthorizationUrl({ authorizationUrl: p.authorizationUrl, clientId: client.clientId, redirectUri: REDIRECT, state: 'st', scopes: ['openid', 'profile'] });
    const landed = await autoLogin({ authorizationUrl: url, ...(ca ? { ca } : {}) });
    return landed.code!;
  }

  function settings(client: LocalClient, over: Partial<LoginSettings> = {}, p: LocalProvider = provider): LoginSettings {
    return {
      authorizationUrl: p.authorizationUrl,
      tokenUrl: p.tokenUrl,
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      scheme: client.scheme,
      scopes: ['openid', 'profile'],
      redirectUri: REDIRECT,
      ...over,
    };
  }

  const statuses = (steps: { id: string; status: string }[]) => Object.fromEntries(steps.map((s) => [s.id, s.status]));

  it("a token endpoint with a Let's Encrypt certificate: token-endpoint-ca warns quoting Amazon; the rest passes", async () => {
    const le = makeTestCerts().letsEncryptLike;
    const https = await startLocalProvider({ tls: { key: le.key, cert: le.chain } });
    try {
      const client = https.clients.basic;
      const result = await completeLogin(await codeFor(client, https, le.root.cert), settings(client, { ca: le.root.cert }, https), {});
      const ca = result.steps.find((s) => s.id === 'token-endpoint-ca')!;
      expect(ca).toMatchObject({ status: 'warn', detail: expect.stringContaining("Note that you can't use https://letsencrypt.org/, even though it's on the certificate list.") });
      expect(result.steps.find((s) => s.id === 'token-endpoint-tls')!.status).toBe('pass');
      expect(result.steps.find((s) => s.id === 'refresh-endpoint-ca')!.status).toBe('warn');
      expect(result.ok).toBe(true);
    } finally {
      await https.close();
    }
  });

  it('a good client: exchange, refresh, session saved 0600 in a 0700 directory', async () => {
    const client = provider.clients.basic;
    const secrets: string[] = [];
    const now = new Date('2030-01-01T00:00:00Z');
    const result = await completeLogin(await codeFor(client), settings(client), { projectRoot: dir, onSecret: (s) => secrets.push(s), now: () => now });
    expect(result.ok).toBe(true);
    expect(statuses(result.steps)).toMatchObject({
      'token-endpoint-url': 'warn',
      'token-exchange': 'pass',
      'token-latency': 'pass',
      'token-json': 'pass',
      'token-access-token': 'pass',
      'token-token-type': 'pass',
      'token-lifetime': 'pass',
      'refresh-token-present': 'pass',
      'refresh-exchange': 'pass',
      'refresh-lifetime': 'pass',
      'refresh-new-refresh-token': 'pass',
      'session-saved': 'pass',
    });
    expect(result.session).toBe(path.join('.alexa-link', 'session.json'));
    expect((await stat(result.sessionPath!)).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(result.sessionPath!))).mode & 0o777).toBe(0o700);
    const session = await readSession(dir);
    expect(session).toMatchObject({ version: 1, provider: { clientId: client.clientId, accessTokenScheme: 'HTTP_BASIC', tokenUrl: provider.tokenUrl }, redirectUri: REDIRECT, refresh: { ok: true } });
    expect(session!.tokens.expiresAt).toBe('2030-01-01T01:00:00.000Z');
    expect(session!.tokens.accessToken).toBe(result.tokens!.accessToken);
    expect(await readFile(result.sessionPath!, 'utf8')).not.toContain(client.clientSecret);
    expect(secrets).toContain(result.tokens!.accessToken);
  });

  it('the no-refresh client fails refresh-token-present and skips the refresh', async () => {
    const client = provider.clients.noRefresh;
    const result = await completeLogin(await codeFor(client), settings(client));
    expect(result.ok).toBe(false);
    expect(statuses(result.steps)['refresh-token-present']).toBe('fail');
    expect(result.steps.some((s) => s.id === 'refresh-exchange')).toBe(false);
    expect(result.session).toBeUndefined();
  });

  it('the short-lived client fails token-lifetime (300 s < 360 s)', async () => {
    const client = provider.clients.shortLived;
    const result = await completeLogin(await codeFor(client), settings(client));
    expect(result.ok).toBe(false);
    expect(statuses(result.steps)).toMatchObject({ 'token-lifetime': 'fail', 'refresh-lifetime': 'fail', 'refresh-token-present': 'pass' });
  });

  it('a scheme mismatch is found by retrying with the other scheme', async () => {
    const client = provider.clients.body;
    const result = await completeLogin(await codeFor(client), settings(client, { scheme: 'HTTP_BASIC' }));
    expect(result.ok).toBe(false);
    const scheme = result.steps.find((s) => s.id === 'token-client-auth-scheme')!;
    expect(scheme.status).toBe('fail');
    expect(scheme.fix).toMatch(/"accessTokenScheme": "REQUEST_BODY_CREDENTIALS"/);
    expect(statuses(result.steps)).toMatchObject({ 'token-exchange': 'pass', 'refresh-client-auth-scheme': 'fail', 'refresh-exchange': 'pass' });
  });

  it('a wrong client secret: invalid_client with both schemes', async () => {
    const client = provider.clients.basic;
    const result = await completeLogin(await codeFor(client), settings(client, { clientSecret: 'wrong' }));
    expect(result.steps.find((s) => s.id === 'token-client-auth-scheme')!.detail).toMatch(/both schemes/);
    expect(result.tokens).toBeUndefined();
  });

  it('a redirect_uri that differs from the authorization request: invalid_grant explained', async () => {
    const client = provider.clients.basic;
    const result = await completeLogin(await codeFor(client), settings(client, { redirectUri: 'https://pitangui.amazon.com/api/skill/link/M2DEMOVENDOR1' }));
    const ex = result.steps.find((s) => s.id === 'token-exchange')!;
    expect(ex.status).toBe('fail');
    expect(ex.detail).toMatch(/invalid_grant.*redirect_uri differs/);
  });

  it('a token endpoint that answers HTML', async () => {
    const ep = await fakeTokenEndpoint((_s, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!DOCTYPE html><html><body><form>Sign in to Example</form></body></html>');
    });
    try {
      const result = await completeLogin('c', settings(provider.clients.basic, { tokenUrl: ep.url }));
      expect(statuses(result.steps)).toMatchObject({ 'token-exchange': 'pass', 'token-json': 'fail' });
      expect(result.steps.find((s) => s.id === 'token-json')!.detail).toMatch(/HTML page.*Sign in to Example/);
      expect(result.ok).toBe(false);
    } finally {
      await ep.close();
    }
  });

  it('a slow token endpoint fails the latency rule (limit injected, so the test does not wait 4.5 s)', async () => {
    const ep = await fakeTokenEndpoint((_s, res) => setTimeout(() => json(res, 200, GOOD), 400));
    try {
      const judged = await exchangeAndJudge(settings(provider.clients.basic, { tokenUrl: ep.url, latencyLimitMs: 200 }), {}, 'authorization_code', (cfg) => exchangeCode(cfg, { code: 'c', redirectUri: REDIRECT }));
      const latency = judged.steps.find((s) => s.id === 'token-latency')!;
      expect(latency.status).toBe('fail');
      expect(latency.ms).toBeGreaterThanOrEqual(390);
      expect(judged.ok).toBe(false);
    } finally {
      await ep.close();
    }
  });

  it('a loopback provider behind a self-signed certificate: a warning, and the rehearsal goes on', async () => {
    const certs = makeTestCerts();
    const secure = await startLocalProvider({ tls: certs.selfSigned });
    try {
      const client = secure.clients.basic;
      const code = await codeFor(client, secure, certs.selfSigned.cert);
      const result = await completeLogin(code, settings(client, {}, secure));
      expect(statuses(result.steps)).toMatchObject({ 'token-endpoint-tls': 'warn', 'token-exchange': 'pass', 'refresh-endpoint-tls': 'warn', 'refresh-exchange': 'pass' });
      expect(result.steps.find((s) => s.id === 'token-endpoint-tls')!.detail).toMatch(/self-signed/);
      expect(result.ok).toBe(true);
    } finally {
      await secure.close();
    }
  });

  it('auto-login reports a provider that refuses the redirect_uri', async () => {
    const { url } = buildAuthorizationUrl({ authorizationUrl: provider.authorizationUrl, clientId: provider.clients.basic.clientId, redirectUri: 'http://127.0.0.1:1/nope', state: 's', scopes: ['openid'] });
    await expect(autoLogin({ authorizationUrl: url })).rejects.toBeInstanceOf(AutoLoginError);
  });
});

describe('the client secret never goes over plain http to a non-loopback host', () => {
  it.each([
    ['https://auth.example.com/token', undefined],
    ['http://127.0.0.1:8080/token', undefined],
    ['http://localhost:8080/token', undefined],
    ['http://[::1]:8080/token', undefined],
    ['http://auth.example.com/token', /auth\.example\.com is plain http, not a loopback address/],
    ['http://10.0.0.5/token', /10\.0\.0\.5 is plain http/],
  ])('cleartextSecretProblem(%s)', (url, want) => {
    const p = cleartextSecretProblem(url);
    if (want) expect(p).toMatch(want);
    else expect(p).toBeUndefined();
  });

  it.each(['HTTP_BASIC', 'REQUEST_BODY_CREDENTIALS'] as const)('postTokenRequest does not send at all with %s (a bad-url failure saying why); without a secret it sends', async (scheme) => {
    const sent: HttpRequest[] = [];
    const send = async (req: HttpRequest): Promise<HttpResponse> => {
      sent.push(req);
      return { status: 400, headers: { 'content-type': 'application/json' }, body: '{"error":"invalid_grant"}', bytes: 25, ms: 1, url: req.url, redirects: [] };
    };
    const out = await postTokenRequest({ tokenUrl: 'http://auth.example.com/token', clientId: 'c', clientSecret: 's3cret', scheme, send }, { grant_type: 'authorization_code', code: 'x' });
    expect(out).toMatchObject({ ok: false, kind: 'bad-url', message: expect.stringMatching(/did not send the request: auth\.example\.com is plain http/) });
    expect(sent).toEqual([]);
    const without = await postTokenRequest({ tokenUrl: 'http://auth.example.com/token', clientId: 'c', clientSecret: '', scheme, send }, { grant_type: 'authorization_code', code: 'x' });
    expect(without.ok).toBe(true);
    expect(sent).toHaveLength(1);
  });
});
