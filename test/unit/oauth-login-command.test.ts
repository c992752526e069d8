import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLineReader, linkingForLogin, openInBrowser, parseLoginOptions, PASTE_TRIES, readFirstStdinLine, runLogin, type LoginDeps, type LoginOptions } from '../../src/commands/login.js';
import { InputError } from '../../src/errors.js';
import { autoLogin, signInForCode } from '../../src/demo/auto-login.js';
import { startLocalProvider, type LocalClient, type LocalProvider } from '../../src/demo/local-provider.js';
import { completeLogin } from '../../src/oauth/login-flow.js';
import { collectingOutput } from '../../src/ui/output.js';
import type { Prompter } from '../../src/ui/prompt.js';

let provider: LocalProvider;
const dirs: string[] = [];
beforeAll(async () => {
  // Random callback ports (port 0) need RFC 8252 loopback matching at the provider.
  provider = await startLocalProvider({ anyLoopbackPort: true });
});
afterAll(async () => {
  await provider?.close();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function project(client: LocalClient): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'al-login-cmd-'));
  dirs.push(dir);
  await writeFile(path.join(dir, 'ask-resources.json'), JSON.stringify({ askcliResourcesVersion: '2020-03-31', profiles: { default: { skillMetadata: { src: './skill-package' } } } }));
  await mkdir(path.join(dir, 'skill-package'));
  await writeFile(
    path.join(dir, 'accountLinking.json'),
    JSON.stringify({ accountLinkingRequest: { type: 'AUTH_CODE', authorizationUrl: provider.authorizationUrl, accessTokenUrl: provider.tokenUrl, clientId: client.clientId, scopes: ['openid', 'profile'], accessTokenScheme: client.scheme } }),
  );
  return dir;
}

function options(cwd: string, over: Partial<LoginOptions> = {}): LoginOptions {
  return { cwd, redirect: 'loopback', port: 0, open: true, timeoutMs: 20_000, vendorId: undefined, region: 'NA', clientSecretEnv: 'ALEXA_LINK_CLIENT_SECRET', ...over };
}

function prompter(over: Partial<Prompter> = {}): Prompter {
  const no = async (): Promise<never> => {
    throw new Error('not asked in this test');
  };
  return { interactive: false, input: no, password: no, select: no, confirm: no, checkbox: no, ...over };
}

const signInAt = (url: string) => autoLogin({ authorizationUrl: url, deliverCallback: true }).then(() => undefined);

describe('runLogin (in-process, fake deps, real provider)', () => {
  it('opens the URL with the injected opener, which the "browser" completes; --json document with redacted tokens', async () => {
    const client = provider.clients.basic;
    const cwd = await project(client);
    const io = collectingOutput({ json: true });
    const opened: string[] = [];
    const deps: LoginDeps = {
      out: io.out,
      env: { ALEXA_LINK_CLIENT_SECRET: client.clientSecret },
      prompter: prompter(),
      openUrl: async (url) => {
        opened.push(url);
        void signInAt(url);
        return { opened: true };
      },
    };
    const { exitCode, report } = await runLogin(options(cwd), deps);
    expect(exitCode).toBe(0);
    expect(opened).toHaveLength(1);
    const u = new URL(opened[0]!);
    expect(u.searchParams.get('client_id')).toBe(client.clientId);
    expect(u.searchParams.get('response_type')).toBe('code');
    expect(u.searchParams.get('scope')).toBe('openid profile');
    expect(u.searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);
    expect(io.stderr()).toContain('Opened it in your browser.');
    expect(io.stderr()).toContain(opened[0]!);
    const doc = JSON.parse(io.stdout()) as typeof report;
    expect(doc).toEqual({ schemaVersion: 1, ...report });
    expect(Object.keys(doc)).toEqual(['schemaVersion', 'ok', 'steps', 'token', 'session']);
    const session = JSON.parse(await readFile(path.join(cwd, '.alexa-link', 'session.json'), 'utf8')) as { tokens: { accessToken: string } };
    expect(io.stdout()).not.toContain(session.tokens.accessToken);
    expect(io.stdout()).not.toContain(client.clientSecret);
    expect(doc.token?.accessToken).toMatch(/… \(\d+ chars\)$/);
  });

  it('says "open it manually" when no browser starts, and does not call the opener with --no-open', async () => {
    const client = provider.clients.body;
    const cwd = await project(client);
    for (const open of [true, false]) {
      const io = collectingOutput();
      let calls = 0;
      const run = runLogin(options(cwd, { open }), {
        out: io.out,
        env: { ALEXA_LINK_CLIENT_SECRET: client.clientSecret },
        prompter: prompter(),
        openUrl: async () => {
          calls++;
          return { opened: false, reason: 'no display' };
        },
      });
      // Drive the sign-in from the printed address, like a user copying it.
      for (let i = 0; i < 100 && !/^ {2}http\S+$/m.test(io.stderr()); i++) await new Promise((r) => setTimeout(r, 20));
      await signInAt(/^ {2}(http\S+)$/m.exec(io.stderr())![1]!);
      expect((await run).exitCode).toBe(0);
      expect(calls).toBe(open ? 1 : 0);
      expect(io.stderr().includes('Could not start a browser (no display): open the address above manually.')).toBe(open);
      expect(io.stdout()).toMatch(/✔ Alexa would link this account/);
    }
  });

  it('asks for the client secret when interactive and the variable is unset', async () => {
    const client = provider.clients.basic;
    const cwd = await project(client);
    const io = collectingOutput({ json: true });
    const asked: string[] = [];
    const { exitCode } = await runLogin(options(cwd, { clientSecretEnv: 'MY_SECRET' }), {
      out: io.out,
      env: {},
      prompter: prompter({
        interactive: true,
        password: async (q) => {
          asked.push(`${q.message} ${q.flag}`);
          return client.clientSecret;
        },
      }),
      openUrl: async (url) => (void signInAt(url), { opened: true }),
    });
    expect(exitCode).toBe(0);
    expect(asked).toEqual([`Client secret for client ID ${client.clientId} (not saved; set MY_SECRET to skip this prompt): --client-secret-env`]);
  });

  it('--redirect alexa in a terminal: asks for the address, checks it, exchanges with Alexa\'s redirect_uri', async () => {
    const client = provider.clients.basic;
    const cwd = await project(client);
    const io = collectingOutput({ json: true });
    const { exitCode, report } = await runLogin(options(cwd, { redirect: 'alexa', vendorId: 'M2DEMOVENDOR1', region: 'FE', open: false }), {
      out: io.out,
      env: { ALEXA_LINK_CLIENT_SECRET: client.clientSecret },
      prompter: prompter({
        interactive: true,
        input: async () => {
          const url = /^ {2}(http\S+)$/m.exec(io.stderr())![1]!;
          return (await autoLogin({ authorizationUrl: url })).redirectUrl;
        },
      }),
    });
    expect(exitCode).toBe(0);
    expect(report.steps.find((s) => s.id === 'callback')?.status).toBe('pass');
    expect(io.stderr()).toContain('https://alexa.amazon.co.jp/api/skill/link/M2DEMOVENDOR1');
  });

  it('--redirect alexa at a provider that requires PKCE: the pasted error is explained (requires PKCE, enable it for the skill, rerun with --pkce)', async () => {
    const strict = await startLocalProvider({ behaviour: { pkceRequired: true } });
    try {
      const client = strict.clients.basic;
      const cwd = await project(client);
      await writeFile(
        path.join(cwd, 'accountLinking.json'),
        JSON.stringify({ accountLinkingRequest: { type: 'AUTH_CODE', authorizationUrl: strict.authorizationUrl, accessTokenUrl: strict.tokenUrl, clientId: client.clientId, scopes: ['openid'], accessTokenScheme: client.scheme } }),
      );
      const io = collectingOutput({ json: true });
      const { exitCode, report } = await runLogin(options(cwd, { redirect: 'alexa', vendorId: 'M2DEMOVENDOR1', open: false }), {
        out: io.out,
        env: { ALEXA_LINK_CLIENT_SECRET: client.clientSecret },
        prompter: prompter({
          interactive: true,
          input: async () => {
            const url = /^ {2}(http\S+)$/m.exec(io.stderr())![1]!;
            return (await autoLogin({ authorizationUrl: url })).redirectUrl;
          },
        }),
      });
      expect(exitCode).toBe(1);
      expect(report.steps.find((s) => s.id === 'callback')).toMatchObject({
        status: 'fail',
        detail: expect.stringMatching(/^The provider requires PKCE: it redirected back with error=invalid_request \(Authorization Server policy requires PKCE to be used for this request\)/),
        fix: expect.stringContaining('alexa-link login --pkce'),
      });
    } finally {
      await strict.close();
    }
  });

  it('--redirect alexa: a bare code is accepted with a warning that the state was not checked', async () => {
    const client = provider.clients.basic;
    const cwd = await project(client);
    const io = collectingOutput({ json: true });
    const { exitCode } = await runLogin(options(cwd, { redirect: 'alexa', vendorId: 'M2DEMOVENDOR1', open: false }), {
      out: io.out,
      env: { ALEXA_LINK_CLIENT_SECRET: client.clientSecret },
      prompter: prompter(),
      readPasted: async () => {
        const url = /^ {2}(http\S+)$/m.exec(io.stderr())![1]!;
        return (await autoLogin({ authorizationUrl: url })).code;
      },
    });
    expect(exitCode).toBe(0);
    expect(io.stderr()).toMatch(/A bare code carries no state/);
  });

  it('--redirect alexa in a terminal: an address that is not the callback is asked for again, with the reason', async () => {
    const client = provider.clients.basic;
    const cwd = await project(client);
    const io = collectingOutput({ json: true, stderrWidth: 400 });
    const asked: string[] = [];
    const { exitCode } = await runLogin(options(cwd, { redirect: 'alexa', vendorId: 'M2DEMOVENDOR1', open: false }), {
      out: io.out,
      env: { ALEXA_LINK_CLIENT_SECRET: client.clientSecret },
      prompter: prompter({
        interactive: true,
        input: async (q) => {
          asked.push(q.message);
          if (asked.length === 1) return 'https://www.amazon.com/ap/signin';
          if (asked.length === 2) return 'I am not sure what to paste';
          const url = /^ {2}(http\S+)$/m.exec(io.stderr())![1]!;
          return (await autoLogin({ authorizationUrl: url })).redirectUrl;
        },
      }),
    });
    expect(exitCode).toBe(0);
    expect(asked).toEqual(['Address you landed on:', `Address you landed on (try 2 of ${PASTE_TRIES}):`, `Address you landed on (try 3 of ${PASTE_TRIES}):`]);
    expect(io.stderr()).toMatch(/⚠ The pasted address is https:\/\/www\.amazon\.com\/ap\/signin, not the redirect URL of this login/);
    expect(io.stderr()).toContain('Paste it again (2 more tries).');
    expect(io.stderr()).toMatch(/⚠ The pasted text is neither an address nor an authorization code/);
    expect(io.stderr()).toContain('Paste it again (1 more try).');
  });

  it(`--redirect alexa: after ${PASTE_TRIES} wrong addresses the last reason is the error (exit 2), piped lines read one by one`, async () => {
    const client = provider.clients.basic;
    const cwd = await project(client);
    const io = collectingOutput();
    const lines = ['https://example.com/one', 'https://example.com/two', 'https://example.com/three', 'never read'];
    const read: string[] = [];
    const run = runLogin(options(cwd, { redirect: 'alexa', vendorId: 'M2DEMOVENDOR1', open: false }), {
      out: io.out,
      env: { ALEXA_LINK_CLIENT_SECRET: client.clientSecret },
      prompter: prompter(),
      readPasted: async () => {
        const line = lines.shift();
        if (line) read.push(line);
        return line;
      },
    });
    await expect(run).rejects.toThrow(InputError);
    await expect(run).rejects.toThrow(/The pasted address is https:\/\/example\.com\/three, not the redirect URL/);
    expect(read).toHaveLength(PASTE_TRIES);
    expect(io.stderr().match(/Paste it again/g)).toHaveLength(PASTE_TRIES - 1);
  });

  it('an injected latency limit makes a fast provider fail token-latency (exit 1)', async () => {
    const client = provider.clients.basic;
    const cwd = await project(client);
    const io = collectingOutput({ json: true });
    const { exitCode, report } = await runLogin(options(cwd), {
      out: io.out,
      env: { ALEXA_LINK_CLIENT_SECRET: client.clientSecret },
      prompter: prompter(),
      latencyLimitMs: -1,
      openUrl: async (url) => (void signInAt(url), { opened: true }),
    });
    expect(exitCode).toBe(1);
    expect(report.steps.filter((s) => s.status === 'fail').map((s) => s.id)).toEqual(['token-latency', 'refresh-latency']);
  });
});

describe('signInForCode + completeLogin (what npm run bench times)', () => {
  it('runs the callback-to-report part on its own', async () => {
    const { code, settings } = await signInForCode(provider, provider.clients.basic);
    const result = await completeLogin(code, settings);
    expect(result.ok).toBe(true);
    expect(result.tokens?.refreshToken).toEqual(expect.any(String));
  });
});

describe('parseLoginOptions', () => {
  it('defaults', () => {
    expect(parseLoginOptions({}, '/p')).toEqual({ cwd: '/p', redirect: 'loopback', port: 9876, open: true, timeoutMs: 300_000, vendorId: undefined, region: 'NA', clientSecretEnv: 'ALEXA_LINK_CLIENT_SECRET', pkce: false });
    expect(parseLoginOptions({ pkce: true }, '/p').pkce).toBe(true);
  });

  it.each<[Record<string, unknown>, Record<string, string>, Partial<LoginOptions>]>([
    [{ redirect: 'ALEXA', vendorId: 'M2ABCDEF' }, {}, { redirect: 'alexa', vendorId: 'M2ABCDEF' }],
    [{ redirect: 'alexa' }, { ASK_VENDOR_ID: 'M2FROMENV' }, { vendorId: 'M2FROMENV' }],
    [{ port: '0' }, {}, { port: 0 }],
    [{ open: false }, {}, { open: false }],
    [{ timeout: '1.5' }, {}, { timeoutMs: 1500 }],
    [{ region: 'eu' }, {}, { region: 'EU' }],
    [{ clientSecretEnv: 'OKTA_SECRET' }, {}, { clientSecretEnv: 'OKTA_SECRET' }],
    [{ profile: 'work' }, {}, { profile: 'work' }],
    [{}, { ASK_VENDOR_ID: 'not valid!' }, { vendorId: undefined }],
  ])('%o with env %o', (opts, env, want) => {
    expect(parseLoginOptions(opts, '/p', env)).toMatchObject(want);
  });

  it.each<[Record<string, unknown>, Record<string, string>, RegExp]>([
    [{ redirect: 'browser' }, {}, /--redirect must be loopback or alexa/],
    [{ port: '-1' }, {}, /--port/],
    [{ port: 'abc' }, {}, /--port/],
    [{ timeout: '0' }, {}, /--timeout/],
    [{ timeout: 'soon' }, {}, /--timeout/],
    [{ region: 'US' }, {}, /--region must be one of NA, EU, FE/],
    [{ profile: ' ' }, {}, /--profile needs a profile name/],
    [{ clientSecretEnv: 'my-secret=1' }, {}, /--client-secret-env takes the NAME/],
    [{ vendorId: 'lower' }, {}, /--vendor-id/],
    [{ redirect: 'alexa' }, { ASK_VENDOR_ID: 'bad id' }, /ASK_VENDOR_ID/],
  ])('%o is a usage error (exit 2)', (opts, env, message) => {
    expect(() => parseLoginOptions(opts, '/p', env)).toThrow(message);
    try {
      parseLoginOptions(opts, '/p', env);
    } catch (e) {
      expect((e as { exitCode: number }).exitCode).toBe(2);
    }
  });
});

describe('linkingForLogin', () => {
  it('refuses IMPLICIT and names missing fields', () => {
    expect(() => linkingForLogin({ type: 'IMPLICIT' })).toThrow(/rehearses the AUTH_CODE grant/);
    expect(() => linkingForLogin({ type: 'AUTH_CODE', authorizationUrl: 'https://a' })).toThrow(
      /accountLinkingRequest\.accessTokenUrl, accountLinkingRequest\.clientId, accountLinkingRequest\.accessTokenScheme are required/,
    );
    expect(linkingForLogin({ authorizationUrl: 'https://a', accessTokenUrl: 'https://t', clientId: 'c', accessTokenScheme: 'HTTP_BASIC', defaultTokenExpirationInSeconds: 3600 })).toEqual({
      authorizationUrl: 'https://a',
      tokenUrl: 'https://t',
      clientId: 'c',
      scheme: 'HTTP_BASIC',
      scopes: [],
      defaultTokenExpirationInSeconds: 3600,
    });
  });
});

describe.runIf(process.platform === 'linux')('openInBrowser', () => {
  it('does not try without a display, and says why', async () => {
    expect(await openInBrowser('http://127.0.0.1:1/', {})).toEqual({ opened: false, reason: 'no display (DISPLAY and WAYLAND_DISPLAY are unset)' });
  });
});

describe('createLineReader', () => {
  it('gives one line per call, across chunks, then undefined at the end', async () => {
    const input = new PassThrough();
    const reader = createLineReader(input);
    const first = reader.next(2000);
    input.write('https://a.test/one\r\n\n  https://a.test/');
    expect(await first).toBe('https://a.test/one');
    const second = reader.next(2000);
    input.write('two\nthree');
    expect(await second).toBe('https://a.test/two');
    input.end();
    expect(await reader.next(2000)).toBe('three');
    expect(await reader.next(2000)).toBeUndefined();
    reader.close();
  });
  it('undefined on timeout', async () => {
    const reader = createLineReader(new PassThrough());
    expect(await reader.next(30)).toBeUndefined();
    reader.close();
  });
});

describe('readFirstStdinLine', () => {
  it('returns the first non-empty line, undefined at the end of input or on timeout', async () => {
    const a = new PassThrough();
    const first = readFirstStdinLine(2000, a);
    a.write('\n  \nhttps://x.test/cb?code=1');
    a.write('&state=2\nmore\n');
    expect(await first).toBe('https://x.test/cb?code=1&state=2');

    const b = new PassThrough();
    const none = readFirstStdinLine(2000, b);
    b.end();
    expect(await none).toBeUndefined();

    const c = new PassThrough();
    expect(await readFirstStdinLine(50, c)).toBeUndefined();

    const d = new PassThrough();
    const last = readFirstStdinLine(2000, d);
    d.end('no newline at the end');
    expect(await last).toBe('no newline at the end');
  });
});
