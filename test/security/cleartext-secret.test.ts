import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { writeSession, type LoginSession } from '../../src/oauth/session.js';
import { runCli } from '../support/cli.js';

/**
 * Issue 15, item 4: the client secret never travels in clear text or to a URL the configuration
 * does not name. Through the built CLI (where the review found it):
 * - doctor's token checks with accessTokenUrl on plain http at a host that is not a loopback
 *   address: the token endpoint must never see the secret (HTTP Basic or form field);
 * - session-tokens refreshes only at accountLinking.json's accessTokenUrl: a session.json whose
 *   tokenUrl points elsewhere is reported as stale, and that URL gets no request at all.
 * Host names under .alexa-link.test resolve to 127.0.0.1 inside the CLI (test/support/test-hosts.mjs),
 * so a "remote" host can be played without leaving the machine.
 */
const SECRET = 'cleartext-guard-secret+/=42';
const PRELOAD = `--import=${new URL('../support/test-hosts.mjs', import.meta.url).href}`;
const temps: string[] = [];
const servers: http.Server[] = [];

interface Seen {
  method: string;
  url: string;
  authorization: string | undefined;
  body: string;
}

/** A token endpoint that records every request and refuses every code (so doctor goes on). */
async function recordingTokenEndpoint(): Promise<{ port: number; seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', authorization: req.headers.authorization, body });
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'invalid_grant', error_description: 'unknown code' }));
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return { port: (server.address() as AddressInfo).port, seen };
}

async function project(linking: Record<string, unknown>): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'al-cleartext-'));
  temps.push(root);
  await writeFile(path.join(root, 'ask-resources.json'), JSON.stringify({ askcliResourcesVersion: '2020-03-31', profiles: { default: { skillMetadata: { src: './skill-package' } } } }));
  await mkdir(path.join(root, 'skill-package'));
  await writeFile(path.join(root, 'skill-package', 'skill.json'), JSON.stringify({ manifest: { publishingInformation: { locales: { 'en-US': { name: 'x' } } }, apis: { custom: {} } } }));
  await writeFile(path.join(root, 'accountLinking.json'), JSON.stringify({ accountLinkingRequest: linking }));
  return root;
}

afterEach(() => {
  for (const s of servers.splice(0)) s.close();
});
afterAll(async () => {
  for (const t of temps) await rm(t, { recursive: true, force: true });
});

interface DoctorJson {
  checks: Array<{ id: string; status: string; detail: string; fix?: string }>;
}

function leaked(seen: Seen[]): string[] {
  const basic = Buffer.from(`x:${encodeURIComponent(SECRET)}`).toString('base64').slice(4);
  return seen.flatMap((s) => [s.authorization ?? '', s.body, s.url]).filter((t) => t.includes(SECRET) || t.includes(encodeURIComponent(SECRET)) || t.includes(new URLSearchParams({ s: SECRET }).toString().slice(2)) || (t.startsWith('Basic ') && Buffer.from(t.slice(6), 'base64').toString('utf8').includes(encodeURIComponent(SECRET))) || t.includes(basic));
}

describe('the client secret never crosses the network in clear text', () => {
  it.each(['HTTP_BASIC', 'REQUEST_BODY_CREDENTIALS'])('doctor, accessTokenUrl on plain http to a non-loopback host (%s): no secret reaches it', async (scheme) => {
    const endpoint = await recordingTokenEndpoint();
    const tokenUrl = `http://token.alexa-link.test:${endpoint.port}/token`;
    const dir = await project({ type: 'AUTH_CODE', authorizationUrl: 'https://auth.example.com/authorize', accessTokenUrl: tokenUrl, clientId: 'x', accessTokenScheme: scheme, scopes: ['profile'] });
    const r = await runCli(['--json', 'doctor', '--only', 'token-endpoint', 'token-endpoint-scheme'], { cwd: dir, env: { ALEXA_LINK_CLIENT_SECRET: SECRET, NODE_OPTIONS: PRELOAD, HOME: dir } });
    const doc = JSON.parse(r.stdout) as DoctorJson;
    const byId = Object.fromEntries(doc.checks.map((c) => [c.id, c]));
    // The endpoint was reached (the host resolves), but only ever without the secret.
    expect(endpoint.seen.length).toBeGreaterThan(0);
    expect(leaked(endpoint.seen)).toEqual([]);
    expect(endpoint.seen.every((s) => !/client_secret=[^&]/.test(s.body))).toBe(true);
    expect(byId['token-endpoint']!.status).toBe('fail');
    expect(byId['token-endpoint']!.detail).toMatch(/accessTokenUrl uses http; Alexa only uses HTTPS/);
    expect(byId['token-endpoint']!.detail).toContain('(Sent without the client secret: it never goes over plain http to a host that is not a loopback address.)');
    // It builds on token-endpoint (failed here); its own guard is the same as postTokenRequest's (unit-tested).
    expect(byId['token-endpoint-scheme']!.status).toBe('skip');
    expect(r.code).toBe(1);
  });

  it('doctor, the same on a loopback address (a local rehearsal): the secret is used, as Alexa\'s scheme is being tested', async () => {
    const endpoint = await recordingTokenEndpoint();
    const dir = await project({ type: 'AUTH_CODE', authorizationUrl: 'http://127.0.0.1:1/authorize', accessTokenUrl: `http://127.0.0.1:${endpoint.port}/token`, clientId: 'x', accessTokenScheme: 'HTTP_BASIC', scopes: ['profile'] });
    const r = await runCli(['--json', 'doctor', '--only', 'token-endpoint-scheme'], { cwd: dir, env: { ALEXA_LINK_CLIENT_SECRET: SECRET, HOME: dir } });
    expect(JSON.parse(r.stdout).checks.find((c: { id: string }) => c.id === 'token-endpoint-scheme').status).toBe('pass');
    expect(endpoint.seen.some((s) => s.authorization?.startsWith('Basic '))).toBe(true);
  });

  it('session-tokens with a session.json whose tokenUrl differs from accountLinking.json: stale, no request to that URL, no refresh', async () => {
    const configured = await recordingTokenEndpoint();
    const elsewhere = await recordingTokenEndpoint();
    const dir = await project({ type: 'AUTH_CODE', authorizationUrl: `http://127.0.0.1:${configured.port}/authorize`, accessTokenUrl: `http://127.0.0.1:${configured.port}/token`, clientId: 'x', accessTokenScheme: 'HTTP_BASIC', scopes: ['profile'] });
    const now = new Date();
    const session: LoginSession = {
      version: 1,
      createdAt: now.toISOString(),
      provider: { authorizationUrl: `http://127.0.0.1:${elsewhere.port}/authorize`, tokenUrl: `http://127.0.0.1:${elsewhere.port}/token`, clientId: 'x', accessTokenScheme: 'HTTP_BASIC', scopes: ['profile'] },
      redirectUri: 'http://127.0.0.1:9876/callback',
      tokens: { accessToken: 'stale-access-token-0123456789', tokenType: 'Bearer', expiresIn: 3600, expiresAt: new Date(now.getTime() + 3_600_000).toISOString(), refreshToken: 'stale-refresh-token-0123456789' },
      refresh: { ok: true, at: now.toISOString() },
    };
    await writeSession(dir, session);
    const r = await runCli(['--json', 'doctor', '--only', 'session-tokens'], { cwd: dir, env: { ALEXA_LINK_CLIENT_SECRET: SECRET, HOME: dir } });
    const c = (JSON.parse(r.stdout) as DoctorJson).checks.find((x) => x.id === 'session-tokens')!;
    expect(c.status).toBe('warn');
    expect(c.detail).toMatch(/The session is stale: it was made with x at http:\/\/127\.0\.0\.1:\d+\/token, but accountLinking\.json now says x at http:\/\/127\.0\.0\.1:\d+\/token\. Its tokens are not refreshed/);
    expect(c.fix).toContain('Run alexa-link login again');
    expect(elsewhere.seen).toEqual([]);
    expect(configured.seen).toEqual([]);
    expect(r.stdout + r.stderr).not.toContain('stale-refresh-token-0123456789');
  });
});
