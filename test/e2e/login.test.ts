import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { autoLogin } from '../../src/demo/auto-login.js';
import { DEMO_USER, startLocalProvider, type LocalClient, type LocalProvider } from '../../src/demo/local-provider.js';
import { launchBrowser, skipWithoutBrowser } from '../support/browser.js';
import { BIN, TEST_COLUMNS } from '../support/cli.js';

/**
 * The built CLI `alexa-link login` against the real local OAuth provider: Chromium (playwright)
 * or the HTTP auto-login completes the sign-in at the URL the CLI prints.
 */
const VENDOR = 'M2DEMOVENDOR1';

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

async function portIsClosed(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.on('connect', () => (s.destroy(), resolve(false)));
    s.on('error', () => resolve(true));
  });
}

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Spawns the built CLI with NO_COLOR=1 (like test/support/cli.ts) but keeps stdin open and calls
 * `whenUrl` with the sign-in address as soon as the CLI prints it.
 */
function runLogin(args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; whenUrl?: (url: string, child: ChildProcess) => Promise<void>; timeoutMs?: number }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--', BIN, 'login', ...args], {
      cwd: opts.cwd,
      env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '', COLUMNS: TEST_COLUMNS, DISPLAY: '', WAYLAND_DISPLAY: '', ALEXA_LINK_CLIENT_SECRET: '', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let driving: Promise<void> | undefined;
    let driveError: unknown;
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => {
      stderr += c;
      const m = /^ {2}(https?:\/\/\S+)$/m.exec(stderr);
      if (m && !driving && opts.whenUrl) {
        driving = opts.whenUrl(m[1]!, child).catch((err: unknown) => {
          driveError = err;
          child.kill('SIGKILL');
        });
      }
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`alexa-link login timed out\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', async (code, signal) => {
      clearTimeout(timer);
      await driving;
      if (driveError) return reject(driveError instanceof Error ? Object.assign(driveError, { message: `${driveError.message}\nstderr: ${stderr}` }) : driveError);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

interface Project {
  dir: string;
  port: number;
}

/** A scaffold-like ASK CLI v2 project whose accountLinking.json points at the local provider. */
async function makeProject(provider: LocalProvider, client: LocalClient, over: Record<string, unknown> = {}): Promise<Project> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'al-login-e2e-'));
  await writeFile(
    path.join(dir, 'ask-resources.json'),
    JSON.stringify({ askcliResourcesVersion: '2020-03-31', profiles: { default: { skillMetadata: { src: './skill-package' }, code: { default: { src: './lambda' } } } } }, null, 2),
  );
  await mkdir(path.join(dir, 'skill-package'));
  await writeFile(
    path.join(dir, 'skill-package', 'skill.json'),
    JSON.stringify({ manifest: { publishingInformation: { locales: { 'en-US': { name: 'Demo' } } }, apis: { custom: { endpoint: { uri: 'arn:aws:lambda:us-east-1:123456789012:function:demo' } } } } }),
  );
  await writeFile(
    path.join(dir, 'accountLinking.json'),
    JSON.stringify(
      {
        accountLinkingRequest: {
          type: 'AUTH_CODE',
          authorizationUrl: provider.authorizationUrl,
          accessTokenUrl: provider.tokenUrl,
          clientId: client.clientId,
          scopes: ['openid', 'profile', 'email'],
          accessTokenScheme: client.scheme,
          domains: [],
          skipOnEnablement: false,
          ...over,
        },
      },
      null,
      2,
    ),
  );
  return { dir, port: await freePort() };
}

const stepStatus = (doc: { steps: Array<{ id: string; status: string }> }) => Object.fromEntries(doc.steps.map((s) => [s.id, s.status]));

describe('alexa-link login (built CLI) against the local OAuth provider', () => {
  let provider: LocalProvider;
  const dirs: string[] = [];
  const ports: number[] = [];
  beforeAll(async () => {
    // Every callback port the tests use is registered exactly, as at a real provider.
    for (let i = 0; i < 24; i++) ports.push(await freePort());
    provider = await startLocalProvider({ redirectUris: ports.map((p) => `http://127.0.0.1:${p}/callback`), vendorId: VENDOR });
  });
  afterAll(async () => {
    await provider?.close();
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });
  let nextPort = 0;
  async function project(client: LocalClient, over: Record<string, unknown> = {}): Promise<Project> {
    const p = await makeProject(provider, client, over);
    dirs.push(p.dir);
    p.port = ports[nextPort++]!;
    return p;
  }
  const secretEnv = (client: LocalClient) => ({ ALEXA_LINK_CLIENT_SECRET: client.clientSecret });
  const httpLogin = (consent: 'allow' | 'deny' = 'allow') => async (url: string) => {
    await autoLogin({ authorizationUrl: url, deliverCallback: true, consent });
  };

  describe.skipIf(skipWithoutBrowser())('with Chromium driven by playwright', () => {
    let browser: Browser | undefined;
    afterAll(async () => {
      await browser?.close();
    });

    it('completes login and consent in the browser: exit 0, session.json 0600, tokens redacted', async () => {
      // Launched here, not in a hook: a missing browser in CI is then a failed test, counted as one.
      browser = await launchBrowser();
      const client = provider.clients.basic;
      const { dir, port } = await project(client);
      let finalPage = '';
      const run = await runLogin(['--no-open', '--json', '--port', String(port), '--timeout', '60'], {
        cwd: dir,
        env: secretEnv(client),
        whenUrl: async (url) => {
          const context = await browser!.newContext();
          try {
            const page = await context.newPage();
            await page.goto(url);
            await page.fill('#username', DEMO_USER.username);
            await page.fill('#password', DEMO_USER.password);
            await page.click('#sign-in');
            await page.waitForSelector('#allow');
            await page.click('#allow');
            await page.waitForURL(/127\.0\.0\.1:\d+\/callback\?/);
            finalPage = (await page.textContent('body')) ?? '';
          } finally {
            await context.close();
          }
        },
      });
      expect(run.code, run.stderr).toBe(0);
      expect(finalPage).toMatch(/received the authorization code/);
      const doc = JSON.parse(run.stdout) as { ok: boolean; steps: Array<{ id: string; status: string; title: string; detail: string; fix: string }>; token: Record<string, unknown>; session: string };
      expect(doc.ok).toBe(true);
      expect(stepStatus(doc)).toMatchObject({
        'authorization-url': 'warn',
        callback: 'pass',
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
        'session-saved': 'pass',
      });
      for (const s of doc.steps) expect(Object.keys(s).sort()).toEqual(expect.arrayContaining(['detail', 'fix', 'id', 'status', 'title']));
      expect(doc.session).toBe(path.join('.alexa-link', 'session.json'));
      expect(doc.token).toMatchObject({ tokenType: 'Bearer', expiresIn: 3600, accessToken: expect.stringMatching(/^.{0,4}… \(\d+ chars\)$/), refreshToken: expect.stringMatching(/^.{0,4}… \(\d+ chars\)$/) });

      const sessionFile = path.join(dir, '.alexa-link', 'session.json');
      expect((await stat(sessionFile)).mode & 0o777).toBe(0o600);
      expect((await stat(path.dirname(sessionFile))).mode & 0o777).toBe(0o700);
      const session = JSON.parse(await readFile(sessionFile, 'utf8')) as { tokens: { accessToken: string; refreshToken: string }; redirectUri: string; provider: { clientId: string } };
      expect(session.redirectUri).toBe(`http://127.0.0.1:${port}/callback`);
      expect(session.provider.clientId).toBe(client.clientId);
      for (const secret of [session.tokens.accessToken, session.tokens.refreshToken, client.clientSecret]) {
        expect(run.stdout).not.toContain(secret);
        expect(run.stderr).not.toContain(secret);
      }
      expect(await readFile(sessionFile, 'utf8')).not.toContain(client.clientSecret);
      // The token works at the provider's userinfo endpoint.
      const me = await fetch(provider.userinfoUrl, { headers: { authorization: `Bearer ${session.tokens.accessToken}` } });
      expect(((await me.json()) as { name: string }).name).toBe('Ada Lovelace');
      expect(await portIsClosed(port)).toBe(true);
    });
  });

  it('the no-refresh client: exit 1, refresh-token-present fails', async () => {
    const client = provider.clients.noRefresh;
    const { dir, port } = await project(client);
    const run = await runLogin(['--no-open', '--json', '--port', String(port)], { cwd: dir, env: secretEnv(client), whenUrl: httpLogin() });
    expect(run.code, run.stderr).toBe(1);
    const doc = JSON.parse(run.stdout) as { ok: boolean; steps: Array<{ id: string; status: string; fix: string }> };
    expect(doc.ok).toBe(false);
    expect(doc.steps.filter((s) => s.status === 'fail').map((s) => s.id)).toEqual(['refresh-token-present']);
    expect(doc.steps.find((s) => s.id === 'refresh-token-present')!.fix).toMatch(/refresh tokens/);
  });

  it('the short-lived client: exit 1, token-lifetime and refresh-lifetime fail', async () => {
    const client = provider.clients.shortLived;
    const { dir, port } = await project(client);
    const run = await runLogin(['--no-open', '--json', '--port', String(port)], { cwd: dir, env: secretEnv(client), whenUrl: httpLogin() });
    expect(run.code, run.stderr).toBe(1);
    const doc = JSON.parse(run.stdout) as { steps: Array<{ id: string; status: string; detail: string }>; token: { expiresIn: number } };
    expect(doc.steps.filter((s) => s.status === 'fail').map((s) => s.id)).toEqual(['token-lifetime', 'refresh-lifetime']);
    expect(doc.steps.find((s) => s.id === 'token-lifetime')!.detail).toMatch(/300 s/);
    expect(doc.token.expiresIn).toBe(300);
  });

  it('the wrong accessTokenScheme: exit 1 naming the scheme that works; text report on stdout', async () => {
    const client = provider.clients.body;
    const { dir, port } = await project(client, { accessTokenScheme: 'HTTP_BASIC' });
    const run = await runLogin(['--no-open', '--port', String(port)], { cwd: dir, env: secretEnv(client), whenUrl: httpLogin() });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toMatch(/✖ Client authentication: as accessTokenScheme says/);
    expect(run.stdout).toMatch(/→ Set "accessTokenScheme": "REQUEST_BODY_CREDENTIALS"/);
    expect(run.stdout).toMatch(/✖ Alexa would fail to link/);
    expect(run.stderr).toMatch(/Open this address to sign in/);
    expect(run.stderr).toContain(`redirect URL http://127.0.0.1:${port}/callback`);
  });

  it('a denied consent: exit 1 with the provider error on the callback step', async () => {
    const client = provider.clients.basic;
    const { dir, port } = await project(client);
    const run = await runLogin(['--no-open', '--json', '--port', String(port)], { cwd: dir, env: secretEnv(client), whenUrl: httpLogin('deny') });
    expect(run.code, run.stderr).toBe(1);
    const doc = JSON.parse(run.stdout) as { steps: Array<{ id: string; status: string; detail: string; fix: string }>; token: unknown; session: unknown };
    const callback = doc.steps.find((s) => s.id === 'callback')!;
    expect(callback).toMatchObject({ status: 'fail' });
    expect(callback.detail).toMatch(/error=access_denied \(The user cancelled the sign-in\.\)/);
    expect(callback.fix).toMatch(/allow access/);
    expect(doc.token).toBeNull();
    expect(doc.session).toBeNull();
  });

  it('--redirect alexa: the pasted address on stdin, state checked, tokens exchanged with the Alexa redirect_uri', async () => {
    const client = provider.clients.body;
    const { dir } = await project(client);
    const run = await runLogin(['--no-open', '--json', '--redirect', 'alexa', '--vendor-id', VENDOR, '--region', 'EU'], {
      cwd: dir,
      env: secretEnv(client),
      whenUrl: async (url, child) => {
        expect(new URL(url).searchParams.get('redirect_uri')).toBe(`https://layla.amazon.com/api/skill/link/${VENDOR}`);
        const landed = await autoLogin({ authorizationUrl: url });
        child.stdin!.write(`${landed.redirectUrl}\n`);
      },
    });
    expect(run.code, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout) as { ok: boolean; steps: Array<{ id: string; status: string }> };
    expect(stepStatus(doc)).toMatchObject({ callback: 'pass', 'token-exchange': 'pass', 'refresh-exchange': 'pass' });
    const session = JSON.parse(await readFile(path.join(dir, '.alexa-link', 'session.json'), 'utf8')) as { redirectUri: string };
    expect(session.redirectUri).toBe(`https://layla.amazon.com/api/skill/link/${VENDOR}`);
  });

  it('--redirect alexa without --vendor-id reads the vendor ID as configure does (the ASK CLI profile in ~/.ask/cli_config)', async () => {
    const client = provider.clients.body;
    const { dir } = await project(client);
    const home = path.join(dir, 'home');
    await mkdir(path.join(home, '.ask'), { recursive: true });
    await writeFile(path.join(home, '.ask', 'cli_config'), JSON.stringify({ profiles: { default: { vendor_id: VENDOR, token: { access_token: 'Atza|expired', expires_at: '2020-01-01T00:00:00Z' } } } }), { mode: 0o600 });
    const run = await runLogin(['--no-open', '--json', '--redirect', 'alexa'], {
      cwd: dir,
      env: { ...secretEnv(client), HOME: home, ASK_VENDOR_ID: '', ASK_ACCESS_TOKEN: '', ASK_REFRESH_TOKEN: '', PATH: '/nonexistent' + path.delimiter + path.dirname(process.execPath) },
      whenUrl: async (url, child) => {
        expect(new URL(url).searchParams.get('redirect_uri')).toBe(`https://pitangui.amazon.com/api/skill/link/${VENDOR}`);
        const landed = await autoLogin({ authorizationUrl: url });
        child.stdin!.write(`${landed.redirectUrl}\n`);
      },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(new RegExp(`Vendor ID ${VENDOR} \\(from [^)]*cli_config[^)]*\\)`));
  });

  it('a project without accountLinking.json: exit 2 saying what login needs from it and how to get one', async () => {
    const client = provider.clients.basic;
    const { dir } = await project(client);
    await rm(path.join(dir, 'accountLinking.json'));
    const run = await runLogin(['--no-open'], { cwd: dir, env: secretEnv(client) });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/accountLinking\.json not found in the project \(ASK CLI v2 project, .*\); login reads the provider's URLs/);
    expect(run.stderr).toMatch(/alexa-link configure --pull writes the configuration the developer console has; alexa-link init --add writes a new one/);
    expect(run.stdout).toBe('');
  });

  it('--redirect alexa: a pasted address with another state is asked again; when no other comes, it is the input error (exit 2)', async () => {
    const client = provider.clients.body;
    const { dir } = await project(client);
    const run = await runLogin(['--no-open', '--redirect', 'alexa', '--vendor-id', VENDOR], {
      cwd: dir,
      env: secretEnv(client),
      whenUrl: async (_url, child) => {
        child.stdin!.end(`https://pitangui.amazon.com/api/skill/link/${VENDOR}?code=abc&state=forged\n`);
      },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/⚠ The state in the pasted address does not match this login[\s\S]*Paste it again \(2 more tries\)\.[\s\S]*✖ The state in the pasted address does not match this login/);
    expect(run.stdout).toBe('');
  });

  it('--redirect alexa: a wrong address first, then the right one: asked again, and the login goes on (exit 0)', async () => {
    const client = provider.clients.body;
    const { dir } = await project(client);
    const run = await runLogin(['--no-open', '--json', '--redirect', 'alexa', '--vendor-id', VENDOR], {
      cwd: dir,
      env: secretEnv(client),
      whenUrl: async (url, child) => {
        child.stdin!.write('https://www.amazon.com/ap/signin?openid.return_to=x\n');
        const landed = await autoLogin({ authorizationUrl: url });
        child.stdin!.write(`${landed.redirectUrl}\n`);
      },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/The pasted address is https:\/\/www\.amazon\.com\/ap\/signin, not the redirect URL of this login/);
    expect(run.stderr).toContain('Paste it again (2 more tries).');
    expect(stepStatus(JSON.parse(run.stdout) as { ok: boolean; steps: Array<{ id: string; status: string }> })).toMatchObject({ callback: 'pass', 'token-exchange': 'pass' });
  });

  it('gives up after --timeout with the reason on the callback step (exit 1), and frees the port', async () => {
    const client = provider.clients.basic;
    const { dir, port } = await project(client);
    const run = await runLogin(['--no-open', '--json', '--port', String(port), '--timeout', '1'], { cwd: dir, env: secretEnv(client) });
    expect(run.code).toBe(1);
    const doc = JSON.parse(run.stdout) as { steps: Array<{ id: string; status: string; detail: string; fix: string }> };
    expect(doc.steps.find((s) => s.id === 'callback')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/No sign-in result arrived .* within 1 s/), fix: expect.stringMatching(/--timeout/) });
    expect(await portIsClosed(port)).toBe(true);
  });

  it('Ctrl-C while waiting: exit 130, the callback server is closed', async () => {
    const client = provider.clients.basic;
    const { dir, port } = await project(client);
    const run = await runLogin(['--no-open', '--port', String(port)], {
      cwd: dir,
      env: secretEnv(client),
      whenUrl: async (_url, child) => {
        // Wait until the server listens, then interrupt.
        for (let i = 0; i < 50 && (await portIsClosed(port)); i++) await new Promise((r) => setTimeout(r, 50));
        child.kill('SIGINT');
      },
    });
    expect(run.code).toBe(130);
    expect(run.stderr).toMatch(/Interrupted/);
    expect(await portIsClosed(port)).toBe(true);
  });

  it.each<[string, string[], (p: Project) => Promise<void>, NodeJS.ProcessEnv, RegExp]>([
    ['no client secret without a terminal', [], async () => undefined, {}, /ALEXA_LINK_CLIENT_SECRET is not set/],
    ['a bad --redirect', ['--redirect', 'browser'], async () => undefined, { ALEXA_LINK_CLIENT_SECRET: 'x' }, /--redirect must be loopback or alexa/],
    ['a bad --port', ['--port', '70000'], async () => undefined, { ALEXA_LINK_CLIENT_SECRET: 'x' }, /--port must be a port number/],
    ['--redirect alexa without a vendor ID', ['--redirect', 'alexa'], async () => undefined, { ALEXA_LINK_CLIENT_SECRET: 'x', ASK_VENDOR_ID: '' }, /--vendor-id/],
    ['a missing accountLinking.json field', [], async (p) => {
      const file = path.join(p.dir, 'accountLinking.json');
      const doc = JSON.parse(await readFile(file, 'utf8')) as { accountLinkingRequest: Record<string, unknown> };
      delete doc.accountLinkingRequest.accessTokenUrl;
      await writeFile(file, JSON.stringify(doc));
    }, { ALEXA_LINK_CLIENT_SECRET: 'x' }, /accountLinking\.json: accountLinkingRequest\.accessTokenUrl is required for alexa-link login/],
    ['a file: authorization URL', [], async (p) => {
      const file = path.join(p.dir, 'accountLinking.json');
      const doc = JSON.parse(await readFile(file, 'utf8')) as { accountLinkingRequest: Record<string, unknown> };
      doc.accountLinkingRequest.authorizationUrl = 'file:///etc/passwd';
      await writeFile(file, JSON.stringify(doc));
    }, { ALEXA_LINK_CLIENT_SECRET: 'x' }, /accountLinking\.json: accountLinkingRequest\.authorizationUrl "file:\/\/\/etc\/passwd" is not an http\(s\) URL; alexa-link login opens it in a browser/],
    ['a javascript: token URL', [], async (p) => {
      const file = path.join(p.dir, 'accountLinking.json');
      const doc = JSON.parse(await readFile(file, 'utf8')) as { accountLinkingRequest: Record<string, unknown> };
      doc.accountLinkingRequest.accessTokenUrl = 'javascript:alert(1)';
      await writeFile(file, JSON.stringify(doc));
    }, { ALEXA_LINK_CLIENT_SECRET: 'x' }, /accountLinkingRequest\.accessTokenUrl "javascript:alert\(1\)" is not an http\(s\) URL/],
    ['a malformed accountLinking.json', [], async (p) => writeFile(path.join(p.dir, 'accountLinking.json'), '{"accountLinkingRequest": {'), { ALEXA_LINK_CLIENT_SECRET: 'x' }, /accountLinking\.json is not valid JSON/],
    ['no project', [], async (p) => rm(path.join(p.dir, 'ask-resources.json')), { ALEXA_LINK_CLIENT_SECRET: 'x' }, /No skill project in .* no ask-resources\.json \(ASK CLI v2\)/],
  ])('exit 2 for %s, naming what is wrong, with nothing on stdout', async (_name, args, prepare, env, message) => {
    const p = await project(provider.clients.basic);
    await prepare(p);
    const run = await runLogin(['--no-open', '--port', String(p.port), ...args], { cwd: p.dir, env });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(message);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.stdout).toBe('');
  });
});
