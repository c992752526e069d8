import { mkdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DoctorJson } from '../../src/doctor/report.js';
import { request } from '../../src/net/http.js';
import { callbackFor, runLoginDriven } from '../faults/login-driver.js';
import { runCli, type CliResult } from '../support/cli.js';
import { removeTempDirs, tempDir } from '../support/skill-project.js';

/**
 * Issue 15 item 5: text from outside (a provider's error_description, a skill's speech, card and
 * logs, an endpoint's error body, file names) reaches the terminal. Control characters and escape
 * sequences in it (CSI such as ESC[2J, OSC 0 and OSC 8, BEL, a lone CR, DEL, C1 controls, bidi
 * overrides) are shown as visible escapes (\x1b…) in every human-readable line, --verbose traces
 * included; --json keeps the exact strings (JSON escapes them); alexa-link's own colours still work.
 */
const HOSTILE =
  '\x1b[2J\x1b[H\x1b]8;;https://evil.example/\x07click me\x1b]8;;\x07\x1b]0;pwned title\x07 hidden\rFAKE ✔ all good \x9b31m C1 \u202eevil\u202c\u2066iso\u2069 del\x7f bs\x08 end';
const SKILLS = fileURLToPath(new URL('../fixtures/skills', import.meta.url));

/** Raw control characters in terminal output; with colour, alexa-link's own SGR sequences are allowed. */
function rawControls(text: string, allowSgr = false): string[] {
  const t = allowSgr ? text.replace(/\x1b\[[0-9;]*m/g, '') : text;
  const found = t.match(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]|\r(?!\n)/g) ?? [];
  return [...new Set(found)].map((c) => `U+${c.codePointAt(0)!.toString(16).padStart(4, '0')}`);
}

function expectNeutralised(r: CliResult, label: string, opts: { allowSgr?: boolean } = {}): void {
  expect(rawControls(r.stdout, opts.allowSgr), `${label}: stdout`).toEqual([]);
  expect(rawControls(r.stderr, opts.allowSgr), `${label}: stderr`).toEqual([]);
}

let root: string;
let server: http.Server;
let origin: string;

beforeAll(async () => {
  root = await tempDir('al-inject-');
  // One server plays the provider's token endpoint and a skill endpoint, all answering with HOSTILE.
  server = http.createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      if (req.url === '/token') {
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'invalid_grant', error_description: HOSTILE }));
      } else if (req.url === '/skill') {
        res.writeHead(500, { 'content-type': 'text/plain' }).end(`skill failed: ${HOSTILE}`);
      } else res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server?.close(r));
  await removeTempDirs();
});

async function loginProject(name: string): Promise<string> {
  const dir = path.join(root, name);
  await mkdir(path.join(dir, 'skill-package'), { recursive: true });
  await writeFile(path.join(dir, 'ask-resources.json'), JSON.stringify({ askcliResourcesVersion: '2020-03-31', profiles: { default: { skillMetadata: { src: './skill-package' } } } }));
  await writeFile(
    path.join(dir, 'accountLinking.json'),
    JSON.stringify({ accountLinkingRequest: { type: 'AUTH_CODE', authorizationUrl: `${origin}/authorize`, accessTokenUrl: `${origin}/token`, clientId: 'inject-client', accessTokenScheme: 'HTTP_BASIC', scopes: ['openid'] } }),
  );
  return dir;
}

const ENV = { ALEXA_LINK_CLIENT_SECRET: 'inject-test-client-secret', HOME: '/nonexistent-home' };

describe('terminal injection: hostile text is shown as visible escapes (built CLI)', () => {
  it("a provider's error_description on the callback: text and --json", async () => {
    const dir = await loginProject('callback-error');
    const deliver = async (url: string) => {
      const cb = new URL(callbackFor(url, 'unused'));
      cb.searchParams.delete('code');
      cb.searchParams.set('error', 'access_denied');
      cb.searchParams.set('error_description', HOSTILE);
      await request({ url: cb.href, timeoutMs: 5000 });
    };
    const text = await runLoginDriven(['--port', '0', '--timeout', '30'], { cwd: dir, env: ENV, timeoutMs: 60_000, whenUrl: deliver });
    expect(text.code, text.stderr).toBe(1);
    expectNeutralised(text, 'login (text)');
    // Visible, and whole: the reader sees what the provider sent.
    expect(text.stdout).toContain('\\x1b[2J\\x1b[H\\x1b]8;;https://evil.example/\\x07click me');
    expect(text.stdout).toContain('hidden\\x0dFAKE ✔ all good \\x9b31m C1 \\u202eevil\\u202c\\u2066iso\\u2069 del\\x7f bs\\x08 end');

    const json = await runLoginDriven(['--port', '0', '--timeout', '30'], { globals: ['--json'], cwd: dir, env: ENV, timeoutMs: 60_000, whenUrl: deliver });
    expect(json.code, json.stderr).toBe(1);
    expectNeutralised(json, 'login --json');
    const doc = JSON.parse(json.stdout) as { steps: Array<{ id: string; detail: string }> };
    // --json keeps the exact string.
    expect(doc.steps.find((s) => s.id === 'callback')!.detail).toContain(`error=access_denied (${HOSTILE})`);
  });

  it("a token endpoint's error_description, with colours forced on: alexa-link's own colours survive", async () => {
    const dir = await loginProject('token-error');
    const r = await runLoginDriven(['--port', '0', '--timeout', '30'], {
      globals: ['--verbose'],
      cwd: dir,
      env: { ...ENV, NO_COLOR: '', FORCE_COLOR: '1' },
      timeoutMs: 60_000,
      whenUrl: async (url) => void (await request({ url: callbackFor(url, 'inject-code'), timeoutMs: 5000 })),
    });
    expect(r.code, r.stderr).toBe(1);
    expectNeutralised(r, 'login (token error, colour)', { allowSgr: true });
    expect(r.stdout).toContain('invalid_grant (\\x1b[2J\\x1b[H');
    // Our own styling is still there: green for the steps that passed, red for the failure.
    expect(r.stdout).toMatch(/\x1b\[32m✔\x1b\[39m/);
    expect(r.stdout).toMatch(/\x1b\[31m✖\x1b\[39m/);
    // And on stderr, where --verbose traces go.
    expect(r.stderr).toMatch(/\x1b\[33m⚠\x1b\[39m|\x1b\[2m/);
  });

  it("a skill's speech, card and logs (--handler, --verbose) and an endpoint's error body", async () => {
    const skill = path.join(root, 'hostile-skill');
    await mkdir(skill, { recursive: true });
    await writeFile(
      path.join(skill, 'index.js'),
      `const HOSTILE = ${JSON.stringify(HOSTILE)};
exports.handler = async (event) => {
  console.log('log line: ' + HOSTILE);
  console.error('error line: ' + HOSTILE);
  return { version: '1.0', response: { outputSpeech: { type: 'PlainText', text: 'Hello ' + HOSTILE }, card: { type: 'Simple', title: 'Card ' + HOSTILE, content: HOSTILE }, shouldEndSession: true } };
};
`,
    );
    const cwd = await tempDir('al-inject-cwd-');
    const text = await runCli(['--verbose', 'doctor', '--only', 'replays', '--handler', path.join(skill, 'index.js')], { cwd, env: ENV, timeoutMs: 60_000 });
    expect([0, 1]).toContain(text.code);
    expectNeutralised(text, 'doctor --handler (text, verbose)');
    expect(text.stdout).toContain('Hello \\x1b[2J\\x1b[H');
    // The skill's logs are captured per request and shown in the replay's report (every line with -v).
    expect(text.stdout).toContain('log: log line: \\x1b[2J');

    const json = await runCli(['--json', 'doctor', '--only', 'replays', '--handler', path.join(skill, 'index.js')], { cwd, env: ENV, timeoutMs: 60_000 });
    expectNeutralised(json, 'doctor --handler --json');
    const doc = JSON.parse(json.stdout) as DoctorJson;
    // The speech summary collapses white space (the lone CR too); everything else is exact.
    expect(doc.replays[0]!.response.speech).toContain(`Hello ${HOSTILE.replace(/\s+/g, ' ')}`);

    const endpoint = await runCli(['doctor', '--only', 'replays', '--endpoint', `${origin}/skill`], { cwd, env: ENV, timeoutMs: 60_000 });
    expect(endpoint.code, endpoint.stderr).toBe(1);
    expectNeutralised(endpoint, 'doctor --endpoint (500 with a hostile body)');
    expect(endpoint.stdout).toContain('skill failed: \\x1b[2J');
  });

  it('a file name with escape sequences, BEL and CR in an error message', async () => {
    const dir = path.join(root, 'files');
    await mkdir(dir, { recursive: true });
    const name = 'envelope\x1b[2J\x1b]0;title\x07\rX\u202e.json';
    await writeFile(path.join(dir, name), '{ not json');
    const r = await runCli(['doctor', '--only', 'replays', '--handler', path.join(SKILLS, 'good', 'index.js'), '--envelopes', name], { cwd: dir, env: ENV, timeoutMs: 60_000 });
    expect(r.code, r.stderr).toBe(2);
    expectNeutralised(r, 'doctor --envelopes <hostile name>');
    expect(r.stderr).toContain('envelope\\x1b[2J\\x1b]0;title\\x07\\x0dX\\u202e.json');
  });
});
