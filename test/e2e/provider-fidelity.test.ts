import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { autoLogin } from '../../src/demo/auto-login.js';
import { DEMO_VENDOR_ID, startLocalProvider, type LocalProvider, type ProviderBehaviour } from '../../src/demo/local-provider.js';
import { readSession } from '../../src/oauth/session.js';
import { runLoginDriven } from '../faults/login-driver.js';
import { runCli, type CliResult } from '../support/cli.js';
import { makeTestCerts } from '../support/tls.js';
import { saveLoginSession } from './doctor-project.js';

/**
 * The provider behaviours Amazon's requirements name, through the built CLI, against the real
 * oidc-provider (src/demo/local-provider.ts). Host names under .alexa-link.test resolve to
 * 127.0.0.1 inside the CLI (test/support/test-hosts.mjs), so a provider can look like a public
 * host (no local-rehearsal leniency) without leaving the machine.
 */
const PRELOAD = `--import=${new URL('../support/test-hosts.mjs', import.meta.url).href}`;
const temps: string[] = [];
const providers: LocalProvider[] = [];
let caFile: string;

beforeAll(async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'al-prov-ca-'));
  temps.push(dir);
  caFile = path.join(dir, 'root.pem');
  await writeFile(caFile, makeTestCerts().letsEncryptLike.root.cert);
});
afterAll(async () => {
  for (const p of providers) await p.close();
  for (const t of temps) await rm(t, { recursive: true, force: true });
});

async function project(linking: Record<string, unknown>): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'al-prov-'));
  temps.push(root);
  await writeFile(path.join(root, 'ask-resources.json'), JSON.stringify({ askcliResourcesVersion: '2020-03-31', profiles: { default: { skillMetadata: { src: './skill-package' } } } }));
  await mkdir(path.join(root, 'skill-package'));
  await writeFile(path.join(root, 'skill-package', 'skill.json'), JSON.stringify({ manifest: { publishingInformation: { locales: { 'en-US': { name: 'x' } } }, apis: { custom: {} } } }));
  await writeFile(path.join(root, 'accountLinking.json'), JSON.stringify({ accountLinkingRequest: linking }));
  return root;
}

interface DoctorJson {
  checks: Array<{ id: string; status: string; detail: string; fix?: string }>;
}

async function doctor(dir: string, only: string[], env: Record<string, string> = {}): Promise<{ r: CliResult; check: (id: string) => DoctorJson['checks'][number] }> {
  const r = await runCli(['--json', 'doctor', '--only', ...only], { cwd: dir, timeoutMs: 60_000, env: { HOME: dir, NODE_OPTIONS: PRELOAD, NODE_EXTRA_CA_CERTS: caFile, ASK_VENDOR_ID: DEMO_VENDOR_ID, ...env } });
  const doc = JSON.parse(r.stdout) as DoctorJson;
  return { r, check: (id) => doc.checks.find((c) => c.id === id)! };
}

/** The provider as if public: its URLs on provider.alexa-link.test (not a loopback name). */
function publicLinking(p: LocalProvider, over: Record<string, unknown> = {}): Record<string, unknown> {
  const host = (u: string) => u.replace('127.0.0.1', 'provider.alexa-link.test');
  const c = p.clients.basic;
  return { type: 'AUTH_CODE', authorizationUrl: host(p.authorizationUrl), accessTokenUrl: host(p.tokenUrl), clientId: c.clientId, accessTokenScheme: c.scheme, scopes: ['openid', 'profile'], ...over };
}

describe('certificates: Let\'s Encrypt is a warning quoting Amazon, an incomplete chain a failure', () => {
  it('a chain issued by "Let\'s Encrypt": authorization and token endpoints warn with Amazon\'s words', async () => {
    const le = makeTestCerts().letsEncryptLike;
    const p = await startLocalProvider({ tls: { key: le.key, cert: le.chain } });
    providers.push(p);
    const dir = await project(publicLinking(p));
    const { r, check } = await doctor(dir, ['authorization-endpoint', 'token-endpoint']);
    for (const id of ['authorization-endpoint', 'token-endpoint']) {
      const c = check(id);
      expect(c.status, c.detail).toBe('warn');
      expect(c.detail).toContain("the TLS certificate is issued by Let's Encrypt (Let's Encrypt, R10). Amazon's account-linking requirements say: \"Note that you can't use https://letsencrypt.org/, even though it's on the certificate list.\"");
      expect(c.fix).toContain('https://developer.amazon.com/docs/alexa/account-linking/requirements-account-linking.html');
    }
    expect(r.code).toBe(0);
  });

  it('the same leaf without its intermediate (an incomplete chain): both fail, saying to serve the full chain', async () => {
    const le = makeTestCerts().letsEncryptLike;
    const p = await startLocalProvider({ tls: { key: le.key, cert: le.leafOnly } });
    providers.push(p);
    const dir = await project(publicLinking(p));
    const { r, check } = await doctor(dir, ['authorization-endpoint', 'token-endpoint']);
    for (const id of ['authorization-endpoint', 'token-endpoint']) {
      const c = check(id);
      expect(c.status).toBe('fail');
      expect(c.detail).toMatch(/TLS certificate is not trusted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/);
      expect(c.fix).toMatch(/Serve the full certificate chain/);
    }
    expect(r.code).toBe(1);
  });
});

async function provider(behaviour: ProviderBehaviour = {}): Promise<LocalProvider> {
  const p = await startLocalProvider({ anyLoopbackPort: true, behaviour });
  providers.push(p);
  return p;
}

function localLinking(p: LocalProvider, over: Record<string, unknown> = {}): Record<string, unknown> {
  const c = p.clients.basic;
  return { type: 'AUTH_CODE', authorizationUrl: p.authorizationUrl, accessTokenUrl: p.tokenUrl, clientId: c.clientId, accessTokenScheme: c.scheme, scopes: ['openid', 'profile'], ...over };
}

interface LoginJson {
  ok: boolean;
  steps: Array<{ id: string; status: string; detail: string; fix: string }>;
  session: string | null;
}

/** alexa-link login --json, the provider's pages completed by the HTTP auto-login (no browser). */
async function login(dir: string, p: LocalProvider, args: string[] = [], drive: boolean | 'best-effort' = true): Promise<{ r: CliResult; doc: LoginJson; url: string | undefined }> {
  let seen: string | undefined;
  const r = await runLoginDriven(['--json', '--port', '0', '--timeout', '20', ...args], {
    cwd: dir,
    timeoutMs: 60_000,
    env: { HOME: dir, ALEXA_LINK_CLIENT_SECRET: p.clients.basic.clientSecret },
    whenUrl: async (url) => {
      seen = url;
      if (drive === 'best-effort') {
        // The login may already have ended (its own preflight found the refusal first) and closed
        // its callback server: then there is nobody to deliver to, which is fine.
        await autoLogin({ authorizationUrl: url, deliverCallback: true }).catch(() => undefined);
      } else if (drive) await autoLogin({ authorizationUrl: url, deliverCallback: true });
    },
  });
  return { r, doc: JSON.parse(r.stdout) as LoginJson, url: seen };
}

const step = (doc: LoginJson, id: string) => doc.steps.find((s) => s.id === id);

describe('PKCE: a provider that requires it', () => {
  it('login without PKCE: says the provider requires PKCE, that it must be enabled for the skill, and how to rerun; well before the timeout', async () => {
    const p = await provider({ pkceRequired: true });
    const dir = await project(localLinking(p));
    const started = Date.now();
    // No browser at all: the provider would only show its error; login asks it meanwhile.
    const { r, doc, url } = await login(dir, p, [], false);
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(r.code).toBe(1);
    expect(url).not.toContain('code_challenge');
    const cb = step(doc, 'callback')!;
    expect(cb.status).toBe('fail');
    expect(cb.detail).toMatch(/^The provider requires PKCE: asked without PKCE, its authorization endpoint sent the user back with error=invalid_request \(Authorization Server policy requires PKCE to be used for this request/);
    expect(cb.fix).toContain('Enable PKCE for the skill');
    expect(cb.fix).toContain('alexa-link login --pkce');
  });

  it('login without PKCE, the browser delivering the provider\'s error (racing login\'s own preflight): the same explanation', async () => {
    const p = await provider({ pkceRequired: true });
    const dir = await project(localLinking(p));
    const { r, doc } = await login(dir, p, [], 'best-effort');
    expect(r.code).toBe(1);
    expect(step(doc, 'callback')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/^The provider requires PKCE/), fix: expect.stringContaining('alexa-link login --pkce') });
  });

  it.each([
    ['--pkce', [], ['--pkce'], /PKCE on \(--pkce\)/],
    ['the PKCE block in accountLinking.json', [{ pkceConfiguration: { status: 'ENABLED', codeChallengeMethod: 'S256' } }], [], /PKCE on \(accountLinkingRequest\.pkceConfiguration enables it\)/],
  ] as const)('login with PKCE (%s): code_challenge S256 sent, the exchange with code_verifier passes', async (_name, extra, args, words) => {
    const p = await provider({ pkceRequired: true });
    const dir = await project(localLinking(p, extra[0] ?? {}));
    const { r, doc, url } = await login(dir, p, [...args]);
    expect(r.code, r.stdout).toBe(0);
    const u = new URL(url!);
    expect(u.searchParams.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(u.searchParams.get('code_challenge_method')).toBe('S256');
    expect(step(doc, 'pkce')).toMatchObject({ status: 'pass', detail: expect.stringMatching(words) });
    expect(step(doc, 'token-exchange')!.status).toBe('pass');
    expect(r.stdout + r.stderr).not.toMatch(/code_verifier=[A-Za-z0-9_-]{43}/);
  });

  it('doctor authorization-endpoint: the PKCE refusal explained without PKCE, accepted with it; discovery says S256 is supported', async () => {
    const p = await provider({ pkceRequired: true });
    const without = await doctor(await project(localLinking(p)), ['authorization-endpoint']);
    const a = without.check('authorization-endpoint');
    expect(a.status).toBe('fail');
    expect(a.detail).toMatch(/The provider requires PKCE: asked as Alexa asks without PKCE, it sent the user back with error=invalid_request/);
    expect(a.detail).not.toMatch(/\bit it\b/);
    expect(a.fix).toContain('Enable PKCE for the skill');
    const withPkce = await doctor(await project(localLinking(p, { pkceConfiguration: { status: 'ENABLED' } })), ['authorization-endpoint']);
    const b = withPkce.check('authorization-endpoint');
    expect(b.status, b.detail).toBe('warn'); // plain http on loopback: a rehearsal warning only
    expect(b.detail).toMatch(/for all 3 Alexa redirect URLs \(with PKCE, as Alexa sends it\)/);
    expect(b.detail).toMatch(/Discovery document at http:\/\/127\.0\.0\.1:\d+\/\.well-known\/openid-configuration/);
    expect(b.detail).toMatch(/PKCE: supported \(code_challenge_methods_supported lists S256\); PKCE is on for the skill/);
    expect(b.detail).toMatch(/client_secret_basic \(accessTokenScheme HTTP_BASIC\) is supported/);
    expect(b.detail).toContain('The configured authorization and token URLs are the ones the document names.');
  });
});

describe('refresh behaviours that unlink users later (login)', () => {
  it('a well-behaved provider (no rotation): every behaviour step passes', async () => {
    const p = await provider();
    const dir = await project(localLinking(p));
    const { r, doc } = await login(dir, p);
    expect(r.code, r.stdout).toBe(0);
    for (const id of ['refresh-invalid-token', 'refresh-rotation', 'refresh-second']) expect(step(doc, id)?.status, id).toBe('pass');
    expect(step(doc, 'refresh-rotation')!.detail).toMatch(/does not rotate/);
    expect(step(doc, 'refresh-replay')).toBeUndefined();
  });

  it('rotation on (oidc-provider revokes the grant when a rotated token is replayed): refresh-replay fails and says why', async () => {
    const p = await provider({ rotateRefreshTokens: true });
    const dir = await project(localLinking(p));
    const { r, doc } = await login(dir, p);
    expect(r.code).toBe(1);
    expect(step(doc, 'refresh-rotation')!.detail).toMatch(/rotates refresh tokens/);
    expect(step(doc, 'refresh-replay')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/got invalid_grant and the provider revoked the whole grant/), fix: expect.stringMatching(/reuse interval/i) });
    expect(step(doc, 'refresh-second')!.status).toBe('fail');
    expect(step(doc, 'session-saved')).toMatchObject({ status: 'warn', detail: expect.stringMatching(/revoked the grant/) });
    expect((await readSession(dir))!.refresh.ok).toBe(false);
  });

  it('an invalid refresh token answered with HTTP 500: refresh-invalid-token fails with the answer shown', async () => {
    const p = await provider({ invalidRefreshTokenStatus: 500 });
    const dir = await project(localLinking(p));
    const { r, doc } = await login(dir, p);
    expect(r.code).toBe(1);
    expect(step(doc, 'refresh-invalid-token')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/got HTTP 500 \{"error":"server_error","error_description":"something went wrong"\} \(not a 400 invalid_grant\)/) });
    expect(doc.steps.filter((s) => s.status === 'fail').map((s) => s.id)).toEqual(['refresh-invalid-token']);
  });

  it('JWT access tokens whose exp disagrees with expires_in: token-jwt-expiry and refresh-jwt-expiry fail; no claim is printed', async () => {
    const p = await provider({ jwtAccessTokens: true, claimedExpiresIn: 7200 });
    const dir = await project(localLinking(p));
    const { r, doc } = await login(dir, p);
    expect(r.code).toBe(1);
    for (const id of ['token-jwt-expiry', 'refresh-jwt-expiry']) {
      expect(step(doc, id)).toMatchObject({ status: 'fail', detail: expect.stringMatching(/exp claim says it lives 3600 s, but expires_in says 7200 s: Alexa keeps sending it for 3600 s after it expired/) });
    }
    expect(r.stdout + r.stderr).not.toMatch(/user-ada-lovelace|ada@example\.test/);
  });

  it('JWT access tokens whose exp agrees: the JWT steps pass', async () => {
    const p = await provider({ jwtAccessTokens: true });
    const dir = await project(localLinking(p));
    const { r, doc } = await login(dir, p);
    expect(r.code, r.stdout).toBe(0);
    expect(step(doc, 'token-jwt-expiry')!.status).toBe('pass');
  });
});

describe('refresh behaviours (doctor session-tokens, each finding with its step id)', () => {
  it.each<[string, ProviderBehaviour, 'pass' | 'warn' | 'fail', RegExp[]]>([
    ['a well-behaved provider', {}, 'pass', [/^refresh-invalid-token: A made-up refresh token is refused with HTTP 400/m, /^refresh-rotation: The provider does not rotate/m, /^refresh-second: Refreshing again returned a new access token/m]],
    ['rotation with reuse detection', { rotateRefreshTokens: true }, 'fail', [/^refresh-replay: The replayed refresh token got invalid_grant and the provider revoked the whole grant/m, /The saved session no longer works/]],
    ['an invalid refresh token answered with 500', { invalidRefreshTokenStatus: 500 }, 'fail', [/^refresh-invalid-token: A made-up refresh token got HTTP 500/m]],
    ['JWT exp earlier than expires_in', { jwtAccessTokens: true, claimedExpiresIn: 7200 }, 'fail', [/^refresh-jwt-expiry: Its exp claim says it lives 3600 s, but expires_in says 7200 s/m]],
  ])('%s', async (_name, behaviour, status, words) => {
    const p = await provider(behaviour);
    const dir = await project(localLinking(p));
    await saveLoginSession(dir, p, p.clients.basic);
    const { r, check } = await doctor(dir, ['session-tokens'], { ALEXA_LINK_CLIENT_SECRET: p.clients.basic.clientSecret });
    const c = check('session-tokens');
    expect(c.status, c.detail).toBe(status);
    for (const w of words) expect(c.detail).toMatch(w);
    expect(r.stdout + r.stderr).not.toContain(p.clients.basic.clientSecret);
  });
});

describe('reciprocalAccessTokenUrl meets the token URL\'s rules', () => {
  it('plain http at a public host fails naming it; a Let\'s Encrypt chain warns', async () => {
    const p = await provider();
    const le = makeTestCerts().letsEncryptLike;
    const recip = await startLocalProvider({ tls: { key: le.key, cert: le.chain } });
    providers.push(recip);
    const httpDir = await project(localLinking(p, { reciprocalAccessTokenUrl: `http://reciprocal.alexa-link.test:${p.port}/token` }));
    const a = (await doctor(httpDir, ['token-endpoint'])).check('token-endpoint');
    expect(a.status).toBe('fail');
    expect(a.detail).toMatch(/reciprocalAccessTokenUrl: .*reciprocalAccessTokenUrl uses http, not HTTPS; Alexa only calls HTTPS on port 443/);
    const leDir = await project(localLinking(p, { reciprocalAccessTokenUrl: `https://reciprocal.alexa-link.test:${recip.port}/token` }));
    const b = (await doctor(leDir, ['token-endpoint'])).check('token-endpoint');
    expect(b.detail).toMatch(/reciprocalAccessTokenUrl: .*uses port \d+, not 443/);
    expect(b.detail).toMatch(/reciprocalAccessTokenUrl: the TLS certificate is issued by Let's Encrypt/);
  });
});
