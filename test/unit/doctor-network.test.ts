import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { obtainTokens } from '../../src/demo/auto-login.js';
import { DEMO_VENDOR_ID, startLocalProvider, type LocalClient, type LocalProvider } from '../../src/demo/local-provider.js';
import type { DoctorOptions } from '../../src/doctor/context.js';
import { judgeTls } from '../../src/doctor/probe.js';
import type { DoctorJson } from '../../src/doctor/report.js';
import { doctorOptions, runDoctor } from '../../src/doctor/run.js';
import type { AccountLinkingPayload } from '../../src/linking/config.js';
import { alexaRedirectUrls } from '../../src/linking/redirect-urls.js';
import { inspectTls } from '../../src/net/http.js';
import { readSession, writeSession, type LoginSession } from '../../src/oauth/session.js';
import { collectingOutput } from '../../src/ui/output.js';
import { makeTestCerts } from '../support/tls.js';

/**
 * The network checks against real servers on 127.0.0.1: the local OAuth provider (oidc-provider)
 * with each misconfiguration, plain node:http token endpoints that answer HTML, 500 or slowly,
 * and TLS servers with self-signed and expired certificates.
 */
let provider: LocalProvider;
let httpsProvider: LocalProvider;
const servers: http.Server[] = [];
const temps: string[] = [];

function listen(server: http.Server): Promise<string> {
  servers.push(server);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)));
}

beforeAll(async () => {
  provider = await startLocalProvider();
  httpsProvider = await startLocalProvider({ tls: makeTestCerts().selfSigned });
});
afterAll(async () => {
  await provider?.close();
  await httpsProvider?.close();
  for (const s of servers) s.close();
  for (const t of temps) await rm(t, { recursive: true, force: true });
});

/** A minimal ASK CLI v2 project whose accountLinking.json is `payload`. */
async function project(payload: AccountLinkingPayload): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'al-net-'));
  temps.push(root);
  await writeFile(path.join(root, 'ask-resources.json'), JSON.stringify({ askcliResourcesVersion: '2020-03-31', profiles: { default: { skillMetadata: { src: './skill-package' }, code: { default: { src: './lambda' } } } } }));
  await mkdir(path.join(root, 'skill-package'));
  await writeFile(path.join(root, 'skill-package', 'skill.json'), JSON.stringify({ manifest: { publishingInformation: { locales: { 'en-US': { name: 'x' } } }, apis: { custom: {} } } }));
  await writeFile(path.join(root, 'accountLinking.json'), JSON.stringify({ accountLinkingRequest: payload }));
  return root;
}

function linkingFor(p: LocalProvider, client: LocalClient, over: Partial<AccountLinkingPayload> = {}): AccountLinkingPayload {
  return { type: 'AUTH_CODE', authorizationUrl: p.authorizationUrl, accessTokenUrl: p.tokenUrl, clientId: client.clientId, accessTokenScheme: client.scheme, scopes: ['openid', 'profile'], ...over };
}

async function doctor(cwd: string, only: string[], env: NodeJS.ProcessEnv = {}, extra: Partial<DoctorOptions> = {}) {
  const { out, stdout, stderr } = collectingOutput({ json: true });
  const options = doctorOptions(cwd, { only, ...extra });
  const { exitCode, report } = await runDoctor(options, { out, env: { HOME: cwd, ...env }, homeDir: cwd });
  const json = JSON.parse(stdout()) as DoctorJson;
  const check = (id: string) => json.checks.find((c) => c.id === id)!;
  return { exitCode, json, check, report, stderr };
}

describe('authorization endpoint (local oidc-provider)', () => {
  it('accepts all three Alexa redirect URLs of the vendor; plain HTTP on loopback is a rehearsal warning', async () => {
    const dir = await project(linkingFor(provider, provider.clients.basic));
    const r = await doctor(dir, ['authorization-endpoint'], { ASK_VENDOR_ID: DEMO_VENDOR_ID });
    const c = r.check('authorization-endpoint');
    expect(c.status).toBe('warn');
    expect(c.detail).toMatch(/for all 3 Alexa redirect URLs/);
    expect(c.detail).toMatch(/local rehearsal only/);
  });

  it('a vendor whose redirect URLs are not allowed fails with the three URLs to allow, at the hop back to Alexa', async () => {
    const dir = await project(linkingFor(provider, provider.clients.basic));
    const r = await doctor(dir, ['authorization-endpoint'], { ASK_VENDOR_ID: 'M2OTHERVENDOR9' });
    const c = r.check('authorization-endpoint');
    expect(c.status).toBe('fail');
    expect(c.detail).toMatch(/redirect_uri=https:\/\/pitangui\.amazon\.com\/api\/skill\/link\/M2OTHERVENDOR9 the provider refused the redirect_uri/);
    for (const u of alexaRedirectUrls('M2OTHERVENDOR9')) expect(c.fix).toContain(u);
    expect(r.report.checks.find((x) => x.id === 'authorization-endpoint')!.hop).toBe(2);
    expect(r.exitCode).toBe(1);
  });

  it('an unknown client ID is named', async () => {
    const dir = await project(linkingFor(provider, provider.clients.basic, { clientId: 'no-such-client' }));
    const c = (await doctor(dir, ['authorization-endpoint'], { ASK_VENDOR_ID: DEMO_VENDOR_ID })).check('authorization-endpoint');
    expect(c.status).toBe('fail');
    expect(c.detail).toMatch(/refused the client ID/);
    expect(c.fix).toMatch(/clientId/);
  });

  it('without a vendor ID it tries the loopback redirect and says how to test Alexa\'s', async () => {
    const dir = await project(linkingFor(provider, provider.clients.basic));
    const c = (await doctor(dir, ['authorization-endpoint'])).check('authorization-endpoint');
    expect(c.detail).toMatch(/no vendor ID: set ASK_VENDOR_ID/);
  });

  it('nothing listening is a failure with the diagnosis', async () => {
    const dir = await project({ ...linkingFor(provider, provider.clients.basic), authorizationUrl: 'http://127.0.0.1:9/authorize' });
    const c = (await doctor(dir, ['authorization-endpoint'], { ASK_VENDOR_ID: DEMO_VENDOR_ID })).check('authorization-endpoint');
    expect(c.status).toBe('fail');
    expect(c.detail).toMatch(/Connection refused by 127\.0\.0\.1:9/);
  });
});

describe('token endpoint and client authentication (local oidc-provider)', () => {
  it.each<[string, () => LocalClient, Partial<AccountLinkingPayload>, (c: LocalClient) => string | undefined, 'pass' | 'fail' | 'skip', RegExp]>([
    ['the configured scheme works', () => provider.clients.basic, {}, (c) => c.clientSecret, 'pass', /authenticates with HTTP_BASIC/],
    ['body credentials configured, Basic required', () => provider.clients.basic, { accessTokenScheme: 'REQUEST_BODY_CREDENTIALS' }, (c) => c.clientSecret, 'fail', /refuses REQUEST_BODY_CREDENTIALS[\s\S]*but accepts HTTP_BASIC/],
    ['Basic configured, body credentials required', () => provider.clients.body, { accessTokenScheme: 'HTTP_BASIC' }, (c) => c.clientSecret, 'fail', /refuses HTTP_BASIC[\s\S]*but accepts REQUEST_BODY_CREDENTIALS/],
    ['a wrong secret', () => provider.clients.basic, {}, () => 'not-the-secret', 'fail', /refuses the client with both schemes/],
    ['no secret', () => provider.clients.basic, {}, () => undefined, 'skip', /no client secret in ALEXA_LINK_CLIENT_SECRET/],
  ])('%s', async (_name, client, over, secret, status, detail) => {
    const c = client();
    const dir = await project(linkingFor(provider, c, over));
    const s = secret(c);
    const r = await doctor(dir, ['token-endpoint', 'token-endpoint-scheme'], s ? { ALEXA_LINK_CLIENT_SECRET: s } : {});
    expect(r.check('token-endpoint').detail).toMatch(/in JSON/);
    const scheme = r.check('token-endpoint-scheme');
    expect(scheme.status).toBe(status);
    expect(scheme.detail).toMatch(detail);
    if (status === 'fail' && /accepts/.test(scheme.detail)) expect(scheme.fix).toMatch(new RegExp(`"accessTokenScheme": "${c.scheme}"`));
    // The secret never shows.
    if (s) expect(JSON.stringify(r.json)).not.toContain(s);
  });

  it.each<[string, (req: http.IncomingMessage, res: http.ServerResponse) => void, RegExp, number?]>([
    ['an HTML answer', (_q, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html><body><h1>Sign in</h1></body></html>'), /HTML[\s\S]*Alexa needs JSON/],
    ['a 500', (_q, res) => res.writeHead(500, { 'content-type': 'text/plain' }).end('Internal Server Error'), /made it fail with HTTP 500/],
    ['a slow answer', (_q, res) => void setTimeout(() => res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_grant"}'), 4700), /answered in 4\d{3} ms; Alexa gives up after 4\.5 s/],
  ])('a token endpoint with %s fails, at the hop back to Alexa', async (_name, handler, detail) => {
    const base = await listen(http.createServer(handler));
    const dir = await project({ ...linkingFor(provider, provider.clients.basic), accessTokenUrl: `${base}/token` });
    const r = await doctor(dir, ['token-endpoint']);
    const c = r.check('token-endpoint');
    expect(c.status).toBe('fail');
    expect(c.detail).toMatch(detail);
    expect(r.report.checks.find((x) => x.id === 'token-endpoint')!.hop).toBe(4);
  }, 15_000);

  it('a self-signed provider on loopback: a rehearsal warning, and the endpoint is still judged', async () => {
    const dir = await project(linkingFor(httpsProvider, httpsProvider.clients.basic));
    const r = await doctor(dir, ['token-endpoint', 'token-endpoint-scheme', 'authorization-endpoint'], { ALEXA_LINK_CLIENT_SECRET: httpsProvider.clients.basic.clientSecret, ASK_VENDOR_ID: DEMO_VENDOR_ID });
    const token = r.check('token-endpoint');
    expect(token.status).toBe('warn');
    expect(token.detail).toMatch(/self-signed[\s\S]*local rehearsal/);
    expect(token.detail).toMatch(/invalid_grant/);
    expect(r.check('token-endpoint-scheme').status).toBe('pass');
    const authorize = r.check('authorization-endpoint');
    expect(authorize.status).toBe('warn');
    expect(authorize.detail).toMatch(/self-signed[\s\S]*for all 3 Alexa redirect URLs/);
  });
});

describe('TLS judgement', () => {
  it.each<['valid' | 'expired' | 'wrongHost' | 'selfSigned', 'pass' | 'fail', RegExp]>([
    ['valid', 'pass', /TLS certificate trusted/],
    ['expired', 'fail', /expired/],
    ['wrongHost', 'fail', /another host name/],
    ['selfSigned', 'fail', /self-signed/],
  ])('%s certificate', async (kind, status, detail) => {
    const certs = makeTestCerts();
    const server = https.createServer({ key: certs[kind].key, cert: certs[kind].cert }, (_q, res) => res.end('ok'));
    servers.push(server as unknown as http.Server);
    const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
    const url = `https://127.0.0.1:${port}/token`;
    const info = await inspectTls(url, { ca: certs.ca.cert, timeoutMs: 3000 });
    // The test certificates live a few days; judge as of a month before the end so "expires soon" stays out of it.
    const monthBefore = new Date(Date.parse(info.validTo ?? '') - 30 * 86_400_000);
    const f = judgeTls(url, info, { rehearsal: false, now: kind === 'valid' ? monthBefore : new Date(), label: 'accessTokenUrl' });
    expect(f.status).toBe(status);
    if (kind === 'valid') expect(judgeTls(url, info, { rehearsal: false, now: new Date(), label: 'x' })).toMatchObject({ status: 'warn', detail: expect.stringMatching(/expires in \d day\(s\)/) });
    expect(f.detail).toMatch(detail);
    // In a local rehearsal the same certificate problem is only a warning.
    if (status === 'fail') expect(judgeTls(url, info, { rehearsal: true, now: new Date(), label: 'x' }).status).toBe('warn');
  });
});

describe('session tokens (real tokens from the local provider)', () => {
  async function sessionFor(client: LocalClient): Promise<{ dir: string; session: LoginSession }> {
    const tokens = await obtainTokens({ provider, client });
    const dir = await project(linkingFor(provider, client));
    const now = new Date();
    const session: LoginSession = {
      version: 1,
      createdAt: now.toISOString(),
      provider: { authorizationUrl: provider.authorizationUrl, tokenUrl: provider.tokenUrl, clientId: client.clientId, accessTokenScheme: client.scheme, scopes: ['openid', 'profile'] },
      redirectUri: tokens.redirectUri,
      tokens: {
        accessToken: tokens.access_token,
        tokenType: tokens.token_type,
        expiresIn: tokens.expires_in ?? 0,
        expiresAt: new Date(now.getTime() + (tokens.expires_in ?? 0) * 1000).toISOString(),
        ...(tokens.refresh_token ? { refreshToken: tokens.refresh_token } : {}),
      },
      refresh: { ok: true, at: now.toISOString() },
    };
    await writeSession(dir, session);
    return { dir, session };
  }

  it('good tokens: refreshing now works, and the new tokens are saved', async () => {
    const { dir, session } = await sessionFor(provider.clients.basic);
    const r = await doctor(dir, ['session-tokens'], { ALEXA_LINK_CLIENT_SECRET: provider.clients.basic.clientSecret });
    const c = r.check('session-tokens');
    expect(c.status).toBe('pass');
    expect(c.detail).toMatch(/Refreshing now, as Alexa will, works/);
    const after = await readSession(dir);
    expect(after!.tokens.accessToken).not.toBe(session.tokens.accessToken);
    expect(JSON.stringify(r.json)).not.toContain(session.tokens.refreshToken!);
  });

  it.each<[string, () => LocalClient, RegExp]>([
    ['no refresh token', () => provider.clients.noRefresh, /no refresh token: Alexa unlinks users/],
    ['a 300 s access token', () => provider.clients.shortLived, /lives 300 s; Alexa requires at least 360 s/],
  ])('%s fails', async (_name, client, detail) => {
    const { dir } = await sessionFor(client());
    const c = (await doctor(dir, ['session-tokens'], { ALEXA_LINK_CLIENT_SECRET: client().clientSecret })).check('session-tokens');
    expect(c.status).toBe('fail');
    expect(c.detail).toMatch(detail);
  });

  it('a revoked refresh token fails the live refresh', async () => {
    const { dir, session } = await sessionFor(provider.clients.basic);
    await provider.revokeToken(session.tokens.refreshToken!);
    const c = (await doctor(dir, ['session-tokens'], { ALEXA_LINK_CLIENT_SECRET: provider.clients.basic.clientSecret })).check('session-tokens');
    expect(c.status).toBe('fail');
    expect(c.detail).toMatch(/Refreshing now, as Alexa will:[\s\S]*invalid_grant/);
  });

  it('--offline judges the saved tokens without refreshing', async () => {
    const { dir } = await sessionFor(provider.clients.basic);
    const c = (await doctor(dir, ['session-tokens'], { ALEXA_LINK_CLIENT_SECRET: provider.clients.basic.clientSecret }, { offline: true })).check('session-tokens');
    expect(c.status).toBe('pass');
    expect(c.detail).toMatch(/Refresh not tried now: --offline/);
  });
});
