import net from 'node:net';
import os from 'node:os';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { AutoLoginError, autoLogin, obtainTokens } from '../../src/demo/auto-login.js';
import { DEMO_USER, startLocalProvider, type LocalClientKind, type LocalProvider } from '../../src/demo/local-provider.js';
import { request } from '../../src/net/http.js';
import { buildAuthorizationUrl } from '../../src/oauth/authorize-url.js';
import { refreshAccessToken, postTokenRequest } from '../../src/oauth/token-exchange.js';
import { makeTestCerts } from '../support/tls.js';

const consoleSpies = {
  warn: vi.spyOn(console, 'warn'),
  info: vi.spyOn(console, 'info'),
  log: vi.spyOn(console, 'log'),
  error: vi.spyOn(console, 'error'),
};

let provider: LocalProvider;

beforeAll(async () => {
  provider = await startLocalProvider();
});
afterAll(async () => {
  await provider?.close();
});

function userinfo(token: string) {
  return request({ url: provider.userinfoUrl, headers: { authorization: `Bearer ${token}` }, timeoutMs: 5000 });
}

describe('local OAuth provider', () => {
  it('listens on 127.0.0.1 with the documented endpoints', async () => {
    expect(provider.issuer).toBe(`http://127.0.0.1:${provider.port}`);
    const res = await request({ url: `${provider.issuer}/.well-known/openid-configuration`, timeoutMs: 5000 });
    expect(res.status).toBe(200);
    const doc = JSON.parse(res.body) as Record<string, unknown>;
    expect(doc).toMatchObject({
      issuer: provider.issuer,
      authorization_endpoint: provider.authorizationUrl,
      token_endpoint: provider.tokenUrl,
      userinfo_endpoint: provider.userinfoUrl,
      revocation_endpoint: provider.revocationUrl,
    });
  });

  it('is not reachable on any other interface', async () => {
    const others = Object.values(os.networkInterfaces())
      .flat()
      .filter((i): i is os.NetworkInterfaceInfo => Boolean(i) && !i!.internal && i!.family === 'IPv4')
      .map((i) => i.address);
    for (const address of others) {
      const outcome = await new Promise<string>((resolve) => {
        const s = net.connect({ host: address, port: provider.port });
        s.setTimeout(2000, () => (s.destroy(), resolve('timeout')));
        s.on('connect', () => (s.destroy(), resolve('connected')));
        s.on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? 'error'));
      });
      expect(outcome, `connecting to ${address}:${provider.port}`).not.toBe('connected');
    }
  });

  it.each<[LocalClientKind, { refresh: boolean; expiresIn: number }]>([
    ['basic', { refresh: true, expiresIn: 3600 }],
    ['body', { refresh: true, expiresIn: 3600 }],
    ['noRefresh', { refresh: false, expiresIn: 3600 }],
    ['shortLived', { refresh: true, expiresIn: 300 }],
  ])('the %s client: sign-in, code exchange, userinfo', async (kind, want) => {
    const client = provider.clients[kind];
    const tokens = await obtainTokens({ provider, client });
    expect(tokens.token_type.toLowerCase()).toBe('bearer');
    expect(tokens.expires_in).toBe(want.expiresIn);
    expect(typeof tokens.refresh_token === 'string').toBe(want.refresh);
    const me = await userinfo(tokens.access_token);
    expect(me.status).toBe(200);
    expect(JSON.parse(me.body)).toMatchObject({ sub: DEMO_USER.sub, name: 'Ada Lovelace', given_name: 'Ada', email: DEMO_USER.email });
  });

  it('refreshes tokens for the normal clients, with either scheme', async () => {
    for (const kind of ['basic', 'body'] as const) {
      const client = provider.clients[kind];
      const tokens = await obtainTokens({ provider, client });
      const answer = await refreshAccessToken({ tokenUrl: provider.tokenUrl, clientId: client.clientId, clientSecret: client.clientSecret, scheme: client.scheme }, tokens.refresh_token!);
      expect(answer.ok && answer.status).toBe(200);
      const json = answer.ok ? (answer.json as Record<string, unknown>) : {};
      expect(json.access_token).toEqual(expect.any(String));
      expect(json.refresh_token).toEqual(expect.any(String));
      expect(json.expires_in).toBe(3600);
    }
  });

  it.each([
    ['basic', 'REQUEST_BODY_CREDENTIALS'],
    ['body', 'HTTP_BASIC'],
  ] as const)('the %s client refuses credentials sent as %s (invalid_client), keeping the code usable', async (kind, wrong) => {
    const client = provider.clients[kind];
    const redirectUri = 'http://127.0.0.1:9876/callback';
    const { url } = buildAuthorizationUrl({ authorizationUrl: provider.authorizationUrl, clientId: client.clientId, redirectUri, state: 's0', scopes: ['openid'] });
    const { code } = await autoLogin({ authorizationUrl: url });
    const params = { grant_type: 'authorization_code', code: code!, redirect_uri: redirectUri };
    const cfg = { tokenUrl: provider.tokenUrl, clientId: client.clientId, clientSecret: client.clientSecret };
    const refused = await postTokenRequest({ ...cfg, scheme: wrong }, params);
    expect(refused.ok && refused.status).toBe(401);
    expect(refused.ok && refused.json).toMatchObject({ error: 'invalid_client' });
    const accepted = await postTokenRequest({ ...cfg, scheme: client.scheme }, params);
    expect(accepted.ok && accepted.status).toBe(200);
  });

  it('accepts either scheme when lenient, like oidc-provider itself', async () => {
    const p = await startLocalProvider({ lenientClientAuth: true });
    try {
      const c = p.clients.basic;
      const tokens = await obtainTokens({ provider: p, client: { ...c, scheme: 'REQUEST_BODY_CREDENTIALS' } });
      expect(tokens.access_token).toEqual(expect.any(String));
    } finally {
      await p.close();
    }
  });

  it('answers a wrong secret with invalid_client', async () => {
    const basic = provider.clients.basic;
    const answer = await postTokenRequest(
      { tokenUrl: provider.tokenUrl, clientId: basic.clientId, clientSecret: 'wrong-secret', scheme: 'HTTP_BASIC' },
      { grant_type: 'authorization_code', code: 'bogus', redirect_uri: 'http://127.0.0.1:9876/callback' },
    );
    expect(answer.ok && answer.status).toBe(401);
    expect(answer.ok && answer.json).toMatchObject({ error: 'invalid_client' });
  });

  it('answers invalid_grant to a reused code', async () => {
    const client = provider.clients.basic;
    const redirectUri = 'http://127.0.0.1:9876/callback';
    const { url } = buildAuthorizationUrl({ authorizationUrl: provider.authorizationUrl, clientId: client.clientId, redirectUri, state: 's1', scopes: ['openid', 'profile'] });
    const landed = await autoLogin({ authorizationUrl: url });
    expect(landed.state).toBe('s1');
    const cfg = { tokenUrl: provider.tokenUrl, clientId: client.clientId, clientSecret: client.clientSecret, scheme: client.scheme };
    const params = { grant_type: 'authorization_code', code: landed.code!, redirect_uri: redirectUri };
    const first = await postTokenRequest(cfg, params);
    expect(first.ok && first.status).toBe(200);
    const second = await postTokenRequest(cfg, params);
    expect(second.ok && second.status).toBe(400);
    expect(second.ok && second.json).toMatchObject({ error: 'invalid_grant' });
  });

  it('revoking a token makes userinfo answer 401', async () => {
    const tokens = await obtainTokens({ provider, client: provider.clients.basic });
    expect((await userinfo(tokens.access_token)).status).toBe(200);
    expect(await provider.revokeToken(tokens.access_token)).toBe(true);
    expect((await userinfo(tokens.access_token)).status).toBe(401);
    expect(await provider.revokeToken('not-a-token')).toBe(false);
  });

  it('allows the Alexa redirect URLs of the demo vendor', async () => {
    const tokens = await obtainTokens({ provider, client: provider.clients.body, redirectUri: 'https://layla.amazon.com/api/skill/link/M2DEMOVENDOR1' });
    expect(tokens.access_token).toEqual(expect.any(String));
  });

  it('refuses a wrong password, a redirect_uri it does not know, and reports a denied consent', async () => {
    const client = provider.clients.basic;
    await expect(obtainTokens({ provider, client, password: 'wrong' })).rejects.toThrow(/refused the sign-in/);
    const bad = await obtainTokens({ provider, client, redirectUri: 'http://127.0.0.1:1/elsewhere' }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(AutoLoginError);
    expect(String((bad as Error).message)).toMatch(/redirect_uri/);
    const { url } = buildAuthorizationUrl({ authorizationUrl: provider.authorizationUrl, clientId: client.clientId, redirectUri: 'http://127.0.0.1:9876/callback', state: 's2', scopes: ['openid'] });
    const denied = await autoLogin({ authorizationUrl: url, consent: 'deny' });
    expect(denied).toMatchObject({ error: 'access_denied', state: 's2' });
    expect(denied.code).toBeUndefined();
  });

  it('serves HTTPS with a given certificate', async () => {
    const certs = makeTestCerts();
    const secure = await startLocalProvider({ tls: certs.valid });
    try {
      expect(secure.issuer).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      const tokens = await obtainTokens({ provider: secure, client: secure.clients.basic, ca: certs.ca.cert });
      expect(tokens.refresh_token).toEqual(expect.any(String));
    } finally {
      await secure.close();
    }
  });

  it('accepts any loopback callback port when asked (RFC 8252)', async () => {
    const p = await startLocalProvider({ anyLoopbackPort: true });
    try {
      const tokens = await obtainTokens({ provider: p, client: p.clients.basic, redirectUri: 'http://127.0.0.1:45678/callback' });
      expect(tokens.access_token).toEqual(expect.any(String));
    } finally {
      await p.close();
    }
  });

  it('printed no oidc-provider warnings or notices', () => {
    for (const [name, spy] of Object.entries(consoleSpies)) {
      const lines = spy.mock.calls.map((c) => c.join(' ')).filter((l) => /oidc-provider/.test(l));
      expect(lines, `console.${name}`).toEqual([]);
    }
    expect(provider.errors).toEqual([]);
  });
});
