import { mkdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callbackFor, runLoginDriven } from '../faults/login-driver.js';
import { runCli, type CliResult } from '../support/cli.js';
import { removeTempDirs, tempDir } from '../support/skill-project.js';
import { startSmapiStandin, type SmapiStandin } from '../support/smapi-standin.js';

/**
 * Issue 15 item 7: every encoding alexa-link itself produces of a secret is redacted wherever it
 * comes back (raw, URL-encoded, form-encoded, JSON-escaped, and the base64 of the HTTP Basic
 * credential, both `id:secret` and RFC 6749 §2.3.1's `urlencode(id):urlencode(secret)`), and text
 * is redacted before it is cut short, so no part of a secret shows at the cut: a provider echoing
 * the Basic header and the form body back in its error, and a secret straddling the 4,000-character
 * cut of the SMAPI --verbose trace.
 */
const CLIENT_ID = 'redact client/id!';
const SECRET = 'Redact me! "quoted" \\ back+slash/=&% (end)*';

const form = (v: string) => new URLSearchParams({ v }).toString().slice(2);
const b64 = (v: string) => Buffer.from(v, 'utf8').toString('base64');

/** Every shape of the secret a leak would take. */
function shapes(secret: string, clientId?: string): Record<string, string> {
  const out: Record<string, string> = {
    raw: secret,
    'encodeURIComponent': encodeURIComponent(secret),
    'form-encoded': form(secret),
    'JSON-escaped': JSON.stringify(secret).slice(1, -1),
  };
  if (clientId !== undefined) {
    out['Basic id:secret'] = b64(`${clientId}:${secret}`);
    out['Basic urlencode(id):urlencode(secret)'] = b64(`${form(clientId)}:${form(secret)}`);
  }
  return out;
}

/** Whole shapes, and any 8 characters of one in a row (a part left at a cut). */
function leaks(text: string, all: Record<string, string>): string[] {
  const found: string[] = [];
  for (const [name, shape] of Object.entries(all)) {
    if (text.includes(shape)) found.push(`${name} whole`);
    else for (let i = 0; i + 8 <= shape.length; i++) if (text.includes(shape.slice(i, i + 8))) {
      found.push(`${name} in part: ${JSON.stringify(shape.slice(i, i + 8))}`);
      break;
    }
  }
  return found;
}

function expectNoLeak(r: CliResult, label: string, all: Record<string, string>): void {
  expect(leaks(r.stdout, all), `${label}: stdout`).toEqual([]);
  expect(leaks(r.stderr, all), `${label}: stderr`).toEqual([]);
}

let root: string;
let provider: http.Server;
let origin: string;

beforeAll(async () => {
  root = await tempDir('al-redact-');
  // A token endpoint that echoes what it received in its errors, in every way a real one might.
  provider = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (c: string) => (body += c));
    req.on('end', () => {
      const auth = String(req.headers.authorization ?? '');
      const received = auth.replace(/^Basic /, '');
      const decoded = Buffer.from(received, 'base64').toString('utf8');
      const params = new URLSearchParams(body);
      const secret = params.get('client_secret') ?? decodeURIComponent(decoded.slice(decoded.indexOf(':') + 1).replace(/\+/g, ' '));
      // Where the 160-character excerpt of a non-JSON answer is cut.
      const pad = (n: number) => 'x'.repeat(n);
      if (req.url === '/json') {
        res.writeHead(401, { 'content-type': 'application/json' }).end(
          JSON.stringify({
            error: 'invalid_client',
            error_description: `No client with credential ${received || '-'} (as id:secret ${b64(`${CLIENT_ID}:${secret}`)}), secret "${secret}", form ${body.replace(/^.*client_secret=/, '')}`,
          }),
        );
      } else if (req.url === '/text-basic') {
        // The middle of the received credential on the cut.
        res.writeHead(401, { 'content-type': 'text/plain' }).end(`${pad(159 - Math.floor(received.length / 2))} ${received} then ${b64(`${CLIENT_ID}:${secret}`)}`);
      } else {
        const value = body.replace(/^.*client_secret=/, '').replace(/&.*$/, '');
        res.writeHead(401, { 'content-type': 'text/plain' }).end(`${pad(159 - Math.floor(value.length / 2))} ${value} ${value}`);
      }
    });
  });
  await new Promise<void>((resolve) => provider.listen(0, '127.0.0.1', () => resolve()));
  origin = `http://127.0.0.1:${(provider.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => provider?.close(r));
  await removeTempDirs();
});

async function loginProject(name: string, tokenPath: string, scheme: 'HTTP_BASIC' | 'REQUEST_BODY_CREDENTIALS'): Promise<string> {
  const dir = path.join(root, name);
  await mkdir(path.join(dir, 'skill-package'), { recursive: true });
  await writeFile(path.join(dir, 'ask-resources.json'), JSON.stringify({ askcliResourcesVersion: '2020-03-31', profiles: { default: { skillMetadata: { src: './skill-package' } } } }));
  await writeFile(
    path.join(dir, 'accountLinking.json'),
    JSON.stringify({ accountLinkingRequest: { type: 'AUTH_CODE', authorizationUrl: `${origin}/authorize`, accessTokenUrl: `${origin}${tokenPath}`, clientId: CLIENT_ID, accessTokenScheme: scheme, scopes: ['openid'] } }),
  );
  return dir;
}

describe('redaction of every encoding alexa-link produces, before any cut (built CLI)', () => {
  it.each([
    ['an OAuth error echoing the Basic header, the decoded secret and the form body (HTTP_BASIC)', '/json', 'HTTP_BASIC'],
    ['an OAuth error echoing the form body (REQUEST_BODY_CREDENTIALS)', '/json', 'REQUEST_BODY_CREDENTIALS'],
    ['a text page echoing the Basic credential across the 160-character cut', '/text-basic', 'HTTP_BASIC'],
    ['a text page echoing the form-encoded secret across the 160-character cut', '/text-form', 'REQUEST_BODY_CREDENTIALS'],
  ] as const)('login against %s', async (label, tokenPath, scheme) => {
    const dir = await loginProject(`login-${tokenPath.slice(1)}-${scheme}`, tokenPath, scheme);
    const all = shapes(SECRET, CLIENT_ID);
    for (const globals of [[], ['--json'], ['--verbose'], ['--json', '--verbose']]) {
      const r = await runLoginDriven(['--port', '0', '--timeout', '30'], {
        globals,
        cwd: dir,
        env: { ALEXA_LINK_CLIENT_SECRET: SECRET, HOME: '/nonexistent-home' },
        timeoutMs: 60_000,
        whenUrl: async (url) => {
          await new Promise<void>((resolve, reject) => http.get(callbackFor(url, 'redact-code-0123456789'), (res) => (res.resume(), resolve())).on('error', reject));
        },
      });
      expect(r.driveError).toBeUndefined();
      expect(r.code, r.stderr).toBe(1);
      // The provider's answer was shown (so the test could see a leak)…
      expect(r.stdout + r.stderr).toMatch(/invalid_client|401/);
      // …and no shape of the secret, whole or in part; the --json document is still JSON.
      expectNoLeak(r, `login ${label} ${globals.join(' ')}`, all);
      if (globals.includes('--json')) expect(() => JSON.parse(r.stdout)).not.toThrow();
    }
  });

  describe('configure --verbose: a client secret straddling the 4,000-character cut of the SMAPI trace', () => {
    const SKILL = 'amzn1.ask.skill.5ec2e75e-0000-4000-8000-0000000000aa';
    const TOKEN = 'Atza|redaction-test-access-token-0123456789';
    const CUT_SECRET = 'Zq7Vw9Kp3Mx0Hn2Ty5Rb8Lf4Gd6Js1Wc3Qe7Uh5';
    let standin: SmapiStandin;
    beforeAll(async () => {
      standin = await startSmapiStandin({ accessTokens: [TOKEN], vendors: [{ id: 'M2REDACTVENDOR', name: 'Redact' }], skills: [{ skillId: SKILL }] });
    });
    afterAll(async () => {
      expect(standin.violations()).toEqual([]);
      await standin.close();
    });

    let projects = 0;
    async function project(padding: number): Promise<string> {
      const dir = path.join(root, `configure-${++projects}`);
      await mkdir(path.join(dir, 'skill-package'), { recursive: true });
      await mkdir(path.join(dir, '.ask'));
      await writeFile(path.join(dir, 'ask-resources.json'), JSON.stringify({ askcliResourcesVersion: '2020-03-31', profiles: { default: { skillMetadata: { src: './skill-package' } } } }));
      await writeFile(path.join(dir, '.ask', 'ask-states.json'), JSON.stringify({ askcliStatesVersion: '2020-03-31', profiles: { default: { skillId: SKILL } } }));
      await writeFile(path.join(dir, 'skill-package', 'skill.json'), JSON.stringify({ manifest: { publishingInformation: { locales: { 'en-US': { name: 'Redact' } } }, apis: { custom: {} } } }));
      // A long scope moves the client secret (the last field of the PUT body) to the cut.
      await writeFile(
        path.join(dir, 'accountLinking.json'),
        JSON.stringify({ accountLinkingRequest: { type: 'AUTH_CODE', authorizationUrl: 'https://auth.example.com/authorize', accessTokenUrl: 'https://auth.example.com/token', clientId: 'straddle-client', accessTokenScheme: 'HTTP_BASIC', scopes: ['openid', `p${'a'.repeat(padding)}d`] } }),
      );
      return dir;
    }
    const configure = (cwd: string, globals: string[] = []) =>
      runCli([...globals, '--verbose', 'configure', '--yes', '--force'], {
        cwd,
        timeoutMs: 60_000,
        env: { HOME: path.join(root, 'no-home'), ASK_ACCESS_TOKEN: TOKEN, ALEXA_LINK_CLIENT_SECRET: CUT_SECRET, ASK_DEFAULT_PROFILE: '', ASK_VENDOR_ID: '', ASK_REFRESH_TOKEN: '', ASK_LWA_CLIENT_ID: '', ASK_LWA_CLIENT_CONFIRMATION: '', ...standin.env() },
      });

    it('no part of it shows, in text and --json runs', async () => {
      // Where the secret starts in the PUT body with a short padding…
      const probe = await configure(await project(10));
      expect(probe.code, probe.stderr).toBe(0);
      const put = /SMAPI → PUT[^\n]*\n(?:[^\n]*\n)*? {2}body: (\{[^\n]*)/.exec(probe.stderr)![1]!;
      const start = put.indexOf('"clientSecret":"') + '"clientSecret":"'.length;
      expect(start).toBeGreaterThan(16);
      // …then padding that puts the middle of the secret on character 4,000.
      const padding = 10 + (4000 - Math.floor(CUT_SECRET.length / 2)) - start;
      for (const globals of [[], ['--json']]) {
        const r = await configure(await project(padding), globals);
        expect(r.code, r.stderr).toBe(0);
        // The body sent had the secret across character 4,000, where the trace cuts…
        const sent = standin.requests('updateAccountLinkingInfoV1').at(-1)!.body;
        const at = sent.indexOf(CUT_SECRET);
        expect(at).toBeGreaterThan(3960);
        expect(at).toBeLessThan(4000);
        expect(sent.length).toBeGreaterThan(4000);
        // …and the trace shows no part of it.
        expect(r.stderr).toMatch(/SMAPI → PUT[^\n]*\n(?:[^\n]*\n)*? {2}body: \{"accountLinkingRequest"/);
        expectNoLeak(r, `configure ${globals.join(' ')}`, shapes(CUT_SECRET));
      }
    });
  });
});

// Keep the helpers honest: the leak finder finds a part left at a cut.
describe('the leak finder', () => {
  it('finds whole shapes and 8-character parts', () => {
    const all = shapes(SECRET, CLIENT_ID);
    expect(leaks(`x ${SECRET.slice(0, 10)}… (44 chars)`, all)).toContain(`raw in part: ${JSON.stringify(SECRET.slice(0, 8))}`);
    expect(leaks(`Basic ${all['Basic urlencode(id):urlencode(secret)']!}`, all)).toContain('Basic urlencode(id):urlencode(secret) whole');
    expect(leaks('Reda… (44 chars)', all)).toEqual([]);
  });
});

