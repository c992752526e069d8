import { lstat, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { autoLogin } from '../../src/demo/auto-login.js';
import { DEMO_VENDOR_ID, startLocalProvider, type LocalProvider } from '../../src/demo/local-provider.js';
import type { DoctorJson } from '../../src/doctor/report.js';
import { request } from '../../src/net/http.js';
import { basicAuthorization } from '../../src/oauth/token-exchange.js';
import { runCli, type CliResult } from '../support/cli.js';
import { lendNodeModules } from '../support/skill-project.js';
import { startSmapiStandin, type SmapiStandin } from '../support/smapi-standin.js';
import { runLoginDriven } from '../faults/login-driver.js';

/**
 * Issue 8's secrets test: every command run through the built CLI, with and without --json and
 * --verbose, while known secrets sit in the environment, in ~/.ask/cli_config, in the provider's
 * answers (its real tokens and codes, recorded by a proxy in front of its token endpoint) and in
 * SMAPI's answers (the Login with Amazon access tokens the stand-in mints). Then: no secret, in
 * any encoding a leak would take, appears whole in any stdout, stderr, --json document or
 * --verbose trace, nor in any file under the project, HOME or TMPDIR other than
 * .alexa-link/session.json, .alexa-link/backups/* and the planted ~/.ask/cli_config, which are
 * mode 0600 in 0700 folders.
 */
const SKILL = 'amzn1.ask.skill.5ec2e75e-0000-4000-8000-000000000001';
const LWA_CLIENT_ID = 'amzn1.application-oa2-client.secrets-test';

/** Planted in the environment. Special characters, so every encoding of a leak differs. */
const ENV_SECRETS = {
  PLANTED_CONFIGURE_SECRET: 'Pl@nted+Client/Secret=&%2Fvalue_42',
  ASK_REFRESH_TOKEN: 'Atzr|Pl@nted-refresh+token/0123456789==',
  ASK_LWA_CLIENT_CONFIRMATION: 'amzn1.oa2-cs.v1.pl@nted+lwa/confirmation=',
  ASK_ACCESS_TOKEN: 'Atza|Pl@nted-access+token/0123456789abcdef',
};
/** Planted in ~/.ask/cli_config. */
const FILE_SECRETS = {
  access_token: 'Atza|pl@nted-cli-config-access+token/0123456789',
  refresh_token: 'Atzr|pl@nted-cli-config-refresh+token/0123456789',
};

interface Run {
  label: string;
  json: boolean;
  verbose: boolean;
  result: CliResult;
}

interface Secret {
  value: string;
  where: 'environment' | 'file' | 'provider' | 'smapi' | 'demo';
  what: string;
}

let provider: LocalProvider;
let proxy: http.Server;
let proxyUrl: string;
let standin: SmapiStandin;
let root: string;
let home: string;
let tmp: string;
let project: string;
let pushedProject: string;
const runs: Run[] = [];
const secrets: Secret[] = [];
const codes: string[] = [];

function plant(value: string | undefined, where: Secret['where'], what: string): void {
  if (value && value.length >= 8 && !secrets.some((s) => s.value === value)) secrets.push({ value, where, what });
}

beforeAll(async () => {
  provider = await startLocalProvider({ anyLoopbackPort: true });
  // A recording proxy in front of the provider's token endpoint: every token the provider issues
  // passes here, so the test knows them all (also the ones replaced by a refresh).
  proxy = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      try {
        const headers: Record<string, string> = {};
        for (const h of ['content-type', 'authorization', 'accept']) if (typeof req.headers[h] === 'string') headers[h] = req.headers[h] as string;
        const answer = await request({ url: provider.tokenUrl, method: req.method ?? 'POST', headers, body: Buffer.concat(chunks), timeoutMs: 10_000 });
        try {
          const j = JSON.parse(answer.body) as Record<string, unknown>;
          for (const k of ['access_token', 'refresh_token', 'id_token']) if (typeof j[k] === 'string') plant(j[k] as string, 'provider', k);
        } catch {
          /* not JSON: nothing to record */
        }
        res.writeHead(answer.status, { 'content-type': String(answer.headers['content-type'] ?? 'application/json'), 'cache-control': 'no-store' });
        res.end(answer.body);
      } catch (err) {
        res.writeHead(502).end(String(err));
      }
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', () => resolve()));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}/token`;

  standin = await startSmapiStandin({
    accessTokens: [ENV_SECRETS.ASK_ACCESS_TOKEN, FILE_SECRETS.access_token],
    lwaClients: [{ clientId: LWA_CLIENT_ID, clientSecret: ENV_SECRETS.ASK_LWA_CLIENT_CONFIRMATION, refreshTokens: [ENV_SECRETS.ASK_REFRESH_TOKEN, FILE_SECRETS.refresh_token] }],
    vendors: [{ id: DEMO_VENDOR_ID, name: 'Secrets' }],
    skills: [{ skillId: SKILL, vendorId: DEMO_VENDOR_ID }],
  });

  root = await mkdtemp(path.join(os.tmpdir(), 'al-secrets-'));
  home = path.join(root, 'home');
  tmp = path.join(root, 'tmp');
  await mkdir(path.join(home, '.ask'), { recursive: true });
  await mkdir(tmp);
  await writeFile(
    path.join(home, '.ask', 'cli_config'),
    JSON.stringify({ profiles: { default: { token: { ...FILE_SECRETS, token_type: 'bearer', expires_in: 3600, expires_at: new Date(Date.now() + 3600_000).toISOString() }, vendor_id: DEMO_VENDOR_ID } } }, null, 2),
    { mode: 0o600 },
  );
  plant(provider.clients.basic.clientSecret, 'environment', 'ALEXA_LINK_CLIENT_SECRET (the provider client secret)');
  for (const [k, v] of Object.entries(ENV_SECRETS)) plant(v, 'environment', k);
  for (const [k, v] of Object.entries(FILE_SECRETS)) plant(v, 'file', `~/.ask/cli_config ${k}`);
});

afterAll(async () => {
  await standin?.close();
  await provider?.close();
  await new Promise((r) => proxy?.close(r));
  if (root) await rm(root, { recursive: true, force: true });
});

/** Every secret is in the environment of every command (each picks what it uses). */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    HOME: home,
    TMPDIR: tmp,
    ALEXA_LINK_CLIENT_SECRET: provider.clients.basic.clientSecret,
    ...ENV_SECRETS,
    ASK_LWA_CLIENT_ID: LWA_CLIENT_ID,
    ASK_DEFAULT_PROFILE: '',
    ASK_VENDOR_ID: DEMO_VENDOR_ID,
    ...standin.env(),
    ...extra,
  };
}

const VARIANTS = [
  { json: false, verbose: false },
  { json: true, verbose: false },
  { json: false, verbose: true },
  { json: true, verbose: true },
];
const globals = (v: { json: boolean; verbose: boolean }) => [...(v.json ? ['--json'] : []), ...(v.verbose ? ['--verbose'] : [])];

async function cli(label: string, v: { json: boolean; verbose: boolean }, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<CliResult> {
  const result = await runCli([...globals(v), ...args], { cwd: opts.cwd, env: opts.env ?? env(), timeoutMs: 120_000 });
  runs.push({ label, ...v, result });
  return result;
}

describe('secrets: planted everywhere, printed and written nowhere', () => {
  it('init (no secrets of its own, all of them in its environment)', async () => {
    // The project for login and doctor: the local provider (a loopback rehearsal).
    const local = await cli('init (local provider)', VARIANTS[0]!, [
      'init', 'skill', '--yes', '--name', 'Secrets Test', '--invocation', 'secrets test skill', '--provider', 'generic',
      '--authorization-url', provider.authorizationUrl, '--token-url', proxyUrl, '--userinfo-url', provider.userinfoUrl,
      '--client-id', provider.clients.basic.clientId, '--scheme', 'HTTP_BASIC', '--scope', 'openid', '--scope', 'profile', '--scope', 'email', '--no-install',
    ], { cwd: root });
    expect(local.code, local.stderr).toBe(0);
    // The project configure pushes: HTTPS URLs, as SMAPI requires.
    const pushed = await cli('init (auth0) --json --verbose', VARIANTS[3]!, [
      'init', 'pushed-skill', '--yes', '--name', 'Secrets Push', '--invocation', 'secrets push skill', '--provider', 'auth0', '--domain', 'secrets-test.us.auth0.com', '--client-id', 'secrets-test-client', '--no-install',
    ], { cwd: root });
    expect(pushed.code, pushed.stderr).toBe(0);
    project = path.join(root, 'skill');
    pushedProject = path.join(root, 'pushed-skill');
    await lendNodeModules(path.join(project, 'lambda'));
    for (const dir of [project, pushedProject]) {
      await mkdir(path.join(dir, '.ask'));
      await writeFile(path.join(dir, '.ask', 'ask-states.json'), JSON.stringify({ askcliStatesVersion: '2020-03-31', profiles: { default: { skillId: SKILL } } }));
    }
  });

  it('configure against the SMAPI stand-in: LWA refresh from the environment, ASK_ACCESS_TOKEN, ~/.ask/cli_config', async () => {
    const args = ['configure', '--yes', '--force', '--client-secret-env', 'PLANTED_CONFIGURE_SECRET'];
    for (const v of VARIANTS) {
      const r = await cli(`configure (ASK_REFRESH_TOKEN) ${globals(v).join(' ')}`, v, args, { cwd: pushedProject });
      expect(r.code, r.stderr).toBe(0);
    }
    const access = await cli('configure (ASK_ACCESS_TOKEN) --verbose', VARIANTS[2]!, args, { cwd: pushedProject, env: env({ ASK_REFRESH_TOKEN: '' }) });
    expect(access.code, access.stderr).toBe(0);
    const fromFile = await cli('configure (~/.ask/cli_config) --json --verbose', VARIANTS[3]!, args, { cwd: pushedProject, env: env({ ASK_REFRESH_TOKEN: '', ASK_ACCESS_TOKEN: '' }) });
    expect(fromFile.code, fromFile.stderr).toBe(0);
    expect(fromFile.stderr).toContain('~/.ask/cli_config profile "default"');
    // The secret reached SMAPI, and Login with Amazon minted access tokens on the way.
    expect(standin.linking(SKILL)!.payload.clientSecret).toBe(ENV_SECRETS.PLANTED_CONFIGURE_SECRET);
    expect(standin.requests('lwaToken').length).toBeGreaterThanOrEqual(4);
    expect(standin.violations()).toEqual([]);
  });

  it('login with the local provider (sign-in completed by auto-login on the printed address)', async () => {
    for (const v of VARIANTS) {
      const result = await runLoginDriven(['--port', '0', '--timeout', '60'], {
        globals: globals(v),
        cwd: project,
        env: env(),
        timeoutMs: 120_000,
        whenUrl: async (url) => {
          const signedIn = await autoLogin({ authorizationUrl: url, deliverCallback: true });
          if (signedIn.code) codes.push(signedIn.code);
          expect(signedIn.callbackStatus).toBe(200);
        },
      });
      expect(result.driveError).toBeUndefined();
      runs.push({ label: `login ${globals(v).join(' ')}`, ...v, result });
      expect(result.code, result.stderr).toBe(0);
    }
    for (const c of codes) plant(c, 'provider', 'authorization code');
    expect(codes).toHaveLength(VARIANTS.length);
  });

  it('login against token endpoints that answer oddly: tokens with HTTP 201, an error page echoing the request', async () => {
    const odd = { access_token: 'odd-201-access+token/0123456789abcdef', refresh_token: 'odd-201-refresh+token/0123456789abcdef', id_token: 'eyJodd.eyJ201-id-token.signature0123456789' };
    const oddSecret = 'Odd+Provider/Client=Secret&42';
    plant(oddSecret, 'environment', 'ALEXA_LINK_CLIENT_SECRET of the odd provider');
    for (const v of Object.values(odd)) plant(v, 'provider', 'token in an HTTP 201 answer');
    const server = http.createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8').on('data', (c: string) => (body += c));
      req.on('end', () => {
        if (req.url === '/token-201') {
          res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ ...odd, token_type: 'Bearer', expires_in: 3600 }));
        } else {
          res.writeHead(400, { 'content-type': 'text/plain' }).end(`Bad request. We received: ${body}`);
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      for (const [tokenPath, scheme] of [['/token-201', 'HTTP_BASIC'], ['/token-echo', 'REQUEST_BODY_CREDENTIALS']] as const) {
        const dir = path.join(root, `odd${tokenPath}`);
        await mkdir(path.join(dir, 'skill-package'), { recursive: true });
        await writeFile(path.join(dir, 'ask-resources.json'), JSON.stringify({ askcliResourcesVersion: '2020-03-31', profiles: { default: { skillMetadata: { src: './skill-package' } } } }));
        await writeFile(path.join(dir, 'accountLinking.json'), JSON.stringify({ accountLinkingRequest: { type: 'AUTH_CODE', authorizationUrl: `${origin}/authorize`, accessTokenUrl: `${origin}${tokenPath}`, clientId: 'odd-client', accessTokenScheme: scheme, scopes: ['openid'] } }));
        for (const v of [VARIANTS[3]!, VARIANTS[2]!]) {
          const code = `odd-code+${tokenPath.slice(1)}/${v.json ? 'json' : 'text'}=0123456789`;
          plant(code, 'provider', 'authorization code');
          const result = await runLoginDriven(['--port', '0', '--timeout', '30'], {
            globals: globals(v),
            cwd: dir,
            env: env({ ALEXA_LINK_CLIENT_SECRET: oddSecret }),
            timeoutMs: 60_000,
            whenUrl: async (url) => {
              const u = new URL(url);
              const cb = new URL(u.searchParams.get('redirect_uri')!);
              cb.searchParams.set('code', code);
              cb.searchParams.set('state', u.searchParams.get('state')!);
              expect((await request({ url: cb.href, timeoutMs: 5000 })).status).toBe(200);
            },
          });
          expect(result.driveError).toBeUndefined();
          runs.push({ label: `login (token endpoint ${tokenPath}) ${globals(v).join(' ')}`, ...v, result });
          expect(result.code, result.stderr).toBe(1);
        }
      }
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('doctor with --token session and --token env:VAR (SMAPI drift through the stand-in, a live refresh at the provider, replays against the handler)', async () => {
    for (const v of VARIANTS) {
      const r = await cli(`doctor --token session ${globals(v).join(' ')}`, v, ['doctor', '--token', 'session'], { cwd: project });
      expect([0, 1], r.stderr).toContain(r.code);
      if (v.json) {
        const doc = JSON.parse(r.stdout) as DoctorJson;
        expect(doc.checks.find((c) => c.id === 'session-tokens')?.status).toBe('pass');
        expect(doc.checks.find((c) => c.id === 'linking-remote-drift')?.status).not.toBe('skip');
        expect(doc.replays.some((x) => x.tokenInEnvelope.context && /Ada Lovelace/.test(x.response.speech ?? ''))).toBe(true);
      }
    }
    const session = JSON.parse(await readFile(path.join(project, '.alexa-link', 'session.json'), 'utf8')) as { tokens: { accessToken: string } };
    for (const v of [VARIANTS[0]!, VARIANTS[3]!]) {
      const r = await cli(`doctor --token env:PLANTED_SKILL_TOKEN ${globals(v).join(' ')}`, v, ['doctor', '--token', 'env:PLANTED_SKILL_TOKEN'], { cwd: project, env: env({ PLANTED_SKILL_TOKEN: session.tokens.accessToken }) });
      expect([0, 1], r.stderr).toContain(r.code);
      if (v.json) expect((JSON.parse(r.stdout) as DoctorJson).replays.some((x) => /Ada Lovelace/.test(x.response.speech ?? ''))).toBe(true);
    }
  });

  it('demo (its own provider and project; kept, so its session can be read)', async () => {
    for (const v of [VARIANTS[2]!, VARIANTS[3]!]) {
      const r = await cli(`demo --keep ${globals(v).join(' ')}`, v, ['demo', '--keep'], { cwd: root });
      expect(r.code, r.stderr).toBe(0);
    }
    for (const kept of (await readdir(tmp)).filter((n) => n.startsWith('alexa-link-demo-'))) {
      const s = JSON.parse(await readFile(path.join(tmp, kept, 'demo-skill', '.alexa-link', 'session.json'), 'utf8')) as { tokens: { accessToken: string; refreshToken?: string } };
      plant(s.tokens.accessToken, 'demo', 'demo access token');
      plant(s.tokens.refreshToken, 'demo', 'demo refresh token');
    }
    expect(secrets.filter((s) => s.where === 'demo').length).toBeGreaterThanOrEqual(2);
  });

  it('no planted secret appears whole in any output, --json document, --verbose trace or file', async () => {
    // The tokens the stand-in minted (SMAPI's answers) are known from the requests that carried them.
    for (const q of standin.requests()) {
      const bearer = /^Bearer (.+)$/.exec(String(q.headers.authorization ?? ''))?.[1];
      if (bearer && !Object.values(ENV_SECRETS).includes(bearer) && bearer !== FILE_SECRETS.access_token) plant(bearer, 'smapi', 'Login with Amazon access token minted by the stand-in');
    }
    /** The shapes a leaked secret would take: as is, URL- and form-encoded, JSON-escaped, inside a Basic header. */
    const shapes = (s: Secret): string[] => {
      const out = [s.value, encodeURIComponent(s.value), new URLSearchParams({ v: s.value }).toString().slice(2), JSON.stringify(s.value).slice(1, -1)];
      if (s.value === provider.clients.basic.clientSecret) out.push(basicAuthorization(provider.clients.basic.clientId, s.value).slice(6));
      if (s.value === ENV_SECRETS.ASK_LWA_CLIENT_CONFIRMATION) out.push(basicAuthorization(LWA_CLIENT_ID, s.value).slice(6));
      return [...new Set(out)];
    };
    const leaks: string[] = [];
    const look = (where: string, text: string) => {
      for (const s of secrets) for (const shape of shapes(s)) if (text.includes(shape)) leaks.push(`${s.where} secret (${s.what}) in ${where}`);
    };

    let jsonDocs = 0;
    let traces = 0;
    for (const r of runs) {
      look(`stdout of ${r.label}`, r.result.stdout);
      look(`stderr of ${r.label}`, r.result.stderr);
      if (r.json) {
        // Exactly one JSON document on stdout.
        expect(() => JSON.parse(r.result.stdout), `${r.label}: ${r.result.stdout.slice(0, 200)}`).not.toThrow();
        jsonDocs++;
      }
      if (r.verbose) {
        expect(r.result.stderr.length).toBeGreaterThan(0);
        traces++;
      }
    }
    // --verbose really traced the HTTP exchanges that carried the secrets.
    expect(runs.filter((r) => r.verbose && r.label.startsWith('configure')).every((r) => /LWA → POST|SMAPI → PUT/.test(r.result.stderr))).toBe(true);

    /** Every file under a folder (symlinks such as the lent node_modules are not followed). */
    const files: string[] = [];
    const walk = async (dir: string): Promise<void> => {
      for (const e of await readdir(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) await walk(p);
        else if (e.isFile()) files.push(p);
      }
    };
    await walk(root);
    const allowed = (f: string) => /[/\\]\.alexa-link[/\\](session\.json|backups[/\\][^/\\]+)$/.test(f) || f === path.join(home, '.ask', 'cli_config');
    let allowedFiles = 0;
    for (const f of files) {
      if (allowed(f)) {
        allowedFiles++;
        expect((await stat(f)).mode & 0o777, f).toBe(0o600);
        if (!f.endsWith('cli_config')) expect((await stat(path.dirname(f))).mode & 0o777, path.dirname(f)).toBe(0o700);
        // A backup is the remote configuration, which never carries the client secret.
        if (/backups/.test(f)) for (const s of secrets.filter((x) => x.where === 'environment')) expect(await readFile(f, 'utf8'), f).not.toContain(s.value);
        continue;
      }
      look(`file ${path.relative(root, f)}`, await readFile(f, 'latin1'));
    }
    expect((await lstat(path.join(project, 'lambda', 'node_modules'))).isSymbolicLink()).toBe(true);
    expect(files.filter((f) => /backups/.test(f)).length).toBeGreaterThan(0);

    const by = (w: Secret['where']) => secrets.filter((s) => s.where === w).length;
    expect(by('smapi')).toBeGreaterThan(0);
    console.log(
      [
        `Secrets planted: ${secrets.length} (environment ${by('environment')}, ~/.ask/cli_config ${by('file')}, provider answers ${by('provider')} [${secrets.filter((x) => x.what === 'authorization code').length} authorization codes, the rest access, refresh and ID tokens], SMAPI answers ${by('smapi')} [Login with Amazon access tokens], demo ${by('demo')}).`,
        `Looked for (as is, URL/form-encoded, JSON-escaped, in a Basic header) in: ${runs.length} runs (${runs.length * 2} stdout/stderr streams, ${jsonDocs} --json documents, ${traces} --verbose traces) and ${files.length} files under the project, HOME and TMPDIR (${allowedFiles} allowed holders checked for mode 0600).`,
        `Found: ${leaks.length}.`,
      ].join('\n'),
    );
    expect(leaks).toEqual([]);
  });
});
