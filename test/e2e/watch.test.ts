import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { obtainTokens } from '../../src/demo/auto-login.js';
import { startLocalProvider, type LocalProvider } from '../../src/demo/local-provider.js';
import type { DoctorJson } from '../../src/doctor/report.js';
import type { WatchDocument } from '../../src/watch/session.js';
import { runCli, type CliResult } from '../support/cli.js';
import { liveAccountLinked, liveIntent, liveLaunch, startDebugStandin, type DebugStandin } from '../support/debug-standin.js';
import { removeTempDirs, tempDir } from '../support/skill-project.js';
import { makeTestCerts } from '../support/tls.js';
import { scaffoldProject } from './doctor-project.js';

/**
 * `alexa-link watch` through the built CLI against the debugging service stand-in over TLS (a test
 * CA trusted through NODE_EXTRA_CA_CERTS): the "done" case on a project scaffolded by init
 * (the unlinked request and its card, the link event, a dropped connection, the first request with
 * the token, each judged; the saved envelopes replayed by doctor), skills with the classic bugs, a
 * throwing and a hanging handler, Ctrl-C, --duration, --redact, a refused token, and bad flags.
 */
const SKILLS = fileURLToPath(new URL('../fixtures/skills', import.meta.url));
const SKILL_ID = 'amzn1.ask.skill.00000000-0000-0000-0000-00000000a7c4';
const DEV_TOKEN = 'Atza|watch-e2e-developer-access-token-0123456789abcdef';
const USER_TOKEN = 'user-token-for-the-fixture-skills-0123456789';

let provider: LocalProvider;
let caFile: string;
const standins: DebugStandin[] = [];
beforeAll(async () => {
  provider = await startLocalProvider();
  const dir = await tempDir('al-watch-ca-');
  caFile = path.join(dir, 'ca.pem');
  await writeFile(caFile, makeTestCerts().ca.cert);
});
afterAll(async () => {
  await Promise.all(standins.map((s) => s.close()));
  await provider?.close();
  await removeTempDirs();
});

async function standin(): Promise<DebugStandin> {
  const s = await startDebugStandin({ skillId: SKILL_ID, tokens: [DEV_TOKEN], tls: makeTestCerts().valid });
  standins.push(s);
  return s;
}

function env(s: DebugStandin, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { HOME: '/nonexistent-home', ASK_ACCESS_TOKEN: DEV_TOKEN, ASK_REFRESH_TOKEN: '', ALEXA_LINK_DEBUG_ENDPOINT: s.url, NODE_EXTRA_CA_CERTS: caFile, ...extra };
}

function parse(r: CliResult): WatchDocument {
  return JSON.parse(r.stdout) as WatchDocument;
}

function expectNoSecrets(r: CliResult, ...secrets: string[]): void {
  for (const secret of [DEV_TOKEN, ...secrets]) {
    expect(r.stdout).not.toContain(secret);
    expect(r.stderr).not.toContain(secret);
  }
}

describe('watch on a project scaffolded by init', () => {
  it('shows the linking story as it happens, survives a dropped connection, and saves envelopes doctor replays', async () => {
    const s = await standin();
    const project = await scaffoldProject(provider, provider.clients.basic);
    await mkdir(path.join(project, '.ask'), { recursive: true });
    await writeFile(path.join(project, '.ask', 'ask-states.json'), JSON.stringify({ askcliStatesVersion: '2020-03-31', profiles: { default: { skillId: SKILL_ID } } }));
    const user = await obtainTokens({ provider, client: provider.clients.basic, scopes: ['openid', 'profile', 'email'] });
    const saveDir = path.join(await tempDir('al-watch-save-'), 'captured');

    const cli = runCli(['--json', 'watch', '--max-requests', '4', '--save', saveDir], { cwd: project, env: env(s) });
    await s.waitForConnection(1);
    const unlinked = await s.request(liveLaunch({ skillId: SKILL_ID }));
    const linkedEvent = await s.request(liveAccountLinked({ skillId: SKILL_ID, accessToken: user.access_token }));
    s.drop();
    await s.waitForConnection(2);
    const launch = await s.request(liveLaunch({ skillId: SKILL_ID, accessToken: user.access_token }));
    const intent = await s.request(liveIntent({ skillId: SKILL_ID, accessToken: user.access_token, intent: 'WhoAmIIntent' }));
    const r = await cli;

    // What the service got back.
    expect(s.violations()).toEqual([]);
    expect(unlinked.message.type).toBe('SkillResponseSuccessMessage');
    expect((unlinked.response!.response as { card?: { type?: string } }).card?.type).toBe('LinkAccount');
    expect(linkedEvent.message.type).toBe('SkillResponseSuccessMessage');
    expect(JSON.stringify(launch.response)).toMatch(/Hello, Ada Lovelace/);
    expect(JSON.stringify(intent.response)).toMatch(/Ada Lovelace/);
    expect(s.upgrades.map((u) => [u.status, u.authorization, u.authorizationHeaderName])).toEqual([
      [101, DEV_TOKEN, 'authorization'],
      [101, DEV_TOKEN, 'authorization'],
    ]);

    // What the developer saw, as it happened.
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Listening\. Open your skill on a device or in the Alexa app signed in as the developer account/);
    expect(r.stderr).toMatch(/\d\d:\d\d:\d\d ✔ LaunchRequest · token: none · LinkAccount card "To use this skill, please link your account\.[^"]*" · \d+ ms\n +↳ not linked yet/);
    // The scaffolded skill answers skill events with an empty response (nobody hears it).
    expect(r.stderr).toMatch(/✔ AlexaSkillEvent\.SkillAccountLinked · token: context · .*\n +↳ skill event SkillAccountLinked: the user linked their account in the Alexa app/);
    expect(r.stderr).toMatch(/The connection to the debugging service dropped \(code 1006\); reconnecting in/);
    expect(r.stderr).toMatch(/Connected again \(session 2\); listening\./);
    expect(r.stderr).toMatch(/✔ LaunchRequest · token: context\+session · "Hello, Ada Lovelace! Your account is linked\." · \d+ ms\n +↳ linked: the token arrived/);
    expect(r.stderr).toMatch(/✔ IntentRequest WhoAmIIntent · token: context\+session · "Hello, Ada Lovelace!/);
    expect(r.stderr).toMatch(/Stopped after 4 requests \(--max-requests\): 4 requests, 4 passed · 1 reconnect, 2 sessions\./);
    expect(r.stderr).toContain('tokens kept');
    expectNoSecrets(r, user.access_token);

    // One JSON document: every request with doctor's replay fields, and the summary.
    const doc = parse(r);
    expect(doc).toMatchObject({ ok: true, skillId: SKILL_ID, region: 'NA', stopped: 'max-requests', summary: { requests: 4, pass: 4, warn: 0, fail: 0, sessions: 2, reconnects: 1 }, saved: { tokens: 'kept' } });
    expect(doc.target).toBe('handler lambda/index.js#handler');
    for (const entry of doc.requests) {
      expect(Object.keys(entry).slice(0, 8)).toEqual(['source', 'request', 'tokenInEnvelope', 'status', 'latencyMs', 'response', 'verdict', 'explanation']);
      expect(entry.source).toBe('live');
    }
    expect(doc.requests.map((e) => [e.request, e.response.linkAccountCard, e.marks.map((m) => m.kind)])).toEqual([
      ['LaunchRequest', true, ['asked-to-link']],
      ['AlexaSkillEvent.SkillAccountLinked', false, ['skill-event']],
      ['LaunchRequest', false, ['token-arrived']],
      ['IntentRequest', false, []],
    ]);

    // The saved envelopes: private, with the token, and doctor replays them.
    expect((await stat(saveDir)).mode & 0o777).toBe(0o700);
    const files = (await readdir(saveDir)).sort();
    expect(files).toHaveLength(4);
    for (const f of files) expect((await stat(path.join(saveDir, f))).mode & 0o777).toBe(0o600);
    expect(await readFile(path.join(saveDir, files[2]!), 'utf8')).toContain(user.access_token);
    const replay = await runCli(['--json', 'doctor', '--only', 'replays', '--envelopes', saveDir], { cwd: project, env: { HOME: '/nonexistent-home', ASK_ACCESS_TOKEN: '' } });
    expect(replay.code, replay.stderr).toBe(0);
    const replayed = JSON.parse(replay.stdout) as DoctorJson;
    expect(replayed.replays.map((x) => [x.request, x.tokenInEnvelope.context, x.response.linkAccountCard, x.verdict])).toEqual([
      ['LaunchRequest', false, true, 'pass'],
      ['AlexaSkillEvent.SkillAccountLinked', true, false, 'pass'],
      ['LaunchRequest', true, false, 'pass'],
      ['IntentRequest', true, false, 'pass'],
    ]);
  });
});

describe('watch on skills with the classic bugs', () => {
  it('a skill that always asks to link: the token arrived and the skill still asks, marked as the classic bug (exit 1)', async () => {
    const s = await standin();
    const cwd = await tempDir('al-watch-');
    const cli = runCli(['watch', '--skill-id', SKILL_ID, '--handler', path.join(SKILLS, 'always-link', 'index.js'), '--max-requests', '2'], { cwd, env: env(s) });
    await s.waitForConnection(1);
    await s.request(liveLaunch({ skillId: SKILL_ID }));
    await s.request(liveLaunch({ skillId: SKILL_ID, accessToken: USER_TOKEN }));
    const r = await cli;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/✖ LaunchRequest · token: context\+session · LinkAccount card .*\n +↳ classic bug: the token arrived and the skill still asks to link\n +A token was sent \(in context\.System\.user and session\.user\) and the skill still asks to link: it reads or validates the token wrongly/);
    expect(r.stderr).toMatch(/2 requests, 1 passed, 1 failed/);
    expect(r.stdout).toBe('');
    expectNoSecrets(r, USER_TOKEN);
    expect(s.violations()).toEqual([]);
  });

  it('at 80 columns a request line wraps under the request, not under the clock', async () => {
    const s = await standin();
    const cwd = await tempDir('al-watch-');
    const cli = runCli(['watch', '--skill-id', SKILL_ID, '--handler', path.join(SKILLS, 'always-link', 'index.js'), '--max-requests', '1'], { cwd, env: env(s, { COLUMNS: '80' }) });
    await s.waitForConnection(1);
    await s.request(liveLaunch({ skillId: SKILL_ID, accessToken: USER_TOKEN }));
    const r = await cli;
    const lines = r.stderr.split('\n');
    const at = lines.findIndex((l) => /^\d\d:\d\d:\d\d ✖ LaunchRequest · /.test(l));
    expect(at, r.stderr).toBeGreaterThan(-1);
    // The line is longer than 80: its rest hangs under "LaunchRequest" (column 11), then the marks.
    expect(lines[at + 1]).toMatch(/^ {11}\S/);
    expect(lines[at + 1]).not.toMatch(/↳/);
    for (const l of lines) expect(l.length, l).toBeLessThanOrEqual(80);
    expect(s.violations()).toEqual([]);
  });

  it('a skill that reads session.user.accessToken only: the sessionless request fails, the service gets a failure message, and the watch goes on', async () => {
    const s = await standin();
    const cwd = await tempDir('al-watch-');
    const cli = runCli(['--json', 'watch', '--skill-id', SKILL_ID, '--handler', path.join(SKILLS, 'session-only', 'index.js'), '--max-requests', '2'], { cwd, env: env(s) });
    await s.waitForConnection(1);
    const failed = await s.request(liveIntent({ skillId: SKILL_ID, accessToken: USER_TOKEN, intent: 'WhoAmIIntent', sessionless: true }));
    const next = await s.request(liveLaunch({ skillId: SKILL_ID, accessToken: USER_TOKEN }));
    const r = await cli;
    expect(failed.message).toMatchObject({ type: 'SkillResponseFailureMessage', errorCode: '500', errorMessage: expect.stringMatching(/The handler failed/) });
    expect(next.message.type).toBe('SkillResponseSuccessMessage');
    expect(r.code).toBe(1);
    const doc = parse(r);
    expect(doc.requests.map((e) => e.verdict)).toEqual(['fail', 'pass']);
    expect(doc.requests[0]!.tokenInEnvelope).toEqual({ context: true, session: false });
    expect(doc.requests[0]!.explanation).toMatch(/no session[\s\S]*read the token at context\.System\.user\.accessToken/);
    expect(r.stderr).toMatch(/✖ IntentRequest WhoAmIIntent · token: context · no answer \(the skill threw\)/);
    expectNoSecrets(r, USER_TOKEN);
    expect(s.violations()).toEqual([]);
  });
});

describe('watch when the skill hangs, and on Ctrl-C', () => {
  it('a handler past 8 s answers the service with a failure and the watch goes on; Ctrl-C then stops it with the socket closed and the child gone', async () => {
    const s = await standin();
    const cwd = await tempDir('al-watch-');
    const pidFile = path.join(cwd, 'hang.pid');
    let child: ChildProcess | undefined;
    // The skill sees doctor's Lambda-like environment only: its own setting comes from --env-file.
    await writeFile(path.join(cwd, 'skill.env'), `HANG_PID_FILE=${pidFile}\n`);
    const cli = runCli(['--json', 'watch', '--skill-id', SKILL_ID, '--handler', path.join(SKILLS, 'hangs', 'index.js'), '--env-file', 'skill.env'], { cwd, env: env(s), onSpawn: (c) => (child = c), timeoutMs: 60_000 });
    await s.waitForConnection(1);
    const started = Date.now();
    const timedOut = await s.request(liveLaunch({ skillId: SKILL_ID }), { timeoutMs: 20_000 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(7900);
    expect(timedOut.message).toMatchObject({ type: 'SkillResponseFailureMessage', errorCode: '500', errorMessage: expect.stringMatching(/did not answer within 8000 ms/) });

    // The watch goes on: a second request reaches a fresh child, which hangs too; Ctrl-C meanwhile.
    if (existsSync(pidFile)) await writeFile(pidFile, '');
    s.push(liveLaunch({ skillId: SKILL_ID }));
    for (let i = 0; i < 200 && !readFileSync(pidFile, 'utf8'); i++) await new Promise((res) => setTimeout(res, 25));
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(pid).toBeGreaterThan(0);
    const interruptedAt = Date.now();
    child!.kill('SIGINT');
    const r = await cli;
    expect(Date.now() - interruptedAt).toBeLessThan(3000);
    expect(r.code, r.stderr).toBe(130);
    expect(r.stderr).toMatch(/✖ LaunchRequest · token: none · no answer \(timeout after \d+ ms\)/);
    expect(r.stderr).toMatch(/Stopped on Ctrl-C: 1 request, 0 passed, 1 failed/);
    const doc = parse(r);
    expect(doc).toMatchObject({ ok: false, stopped: 'interrupted', summary: { requests: 1, fail: 1 } });
    expect(s.connections[0]!.closedAt).toBeDefined();
    let alive = true;
    for (let i = 0; i < 40 && alive; i++) {
      try {
        process.kill(pid, 0);
        await new Promise((res) => setTimeout(res, 50));
      } catch {
        alive = false;
      }
    }
    expect(alive, `handler child ${pid} is still running`).toBe(false);
  }, 60_000);
});

describe('watch stops, saves without tokens, and explains refusals', () => {
  it('--duration stops it (exit 0) and --redact saves the envelopes without tokens', async () => {
    const s = await standin();
    const cwd = await tempDir('al-watch-');
    // An existing folder others can read: used as it is (never chmod-ed), and said so.
    await mkdir(path.join(cwd, 'out'));
    await chmod(path.join(cwd, 'out'), 0o755);
    const started = Date.now();
    // any-token: reads the token where Alexa's SDK does (the good fixture also validates it, and USER's is not one it signed).
    const cli = runCli(['--json', 'watch', '--skill-id', SKILL_ID, '--handler', path.join(SKILLS, 'any-token', 'index.js'), '--duration', '3s', '--save', 'out', '--redact'], { cwd, env: env(s) });
    await s.waitForConnection(1);
    await s.request(liveLaunch({ skillId: SKILL_ID, accessToken: USER_TOKEN }));
    const r = await cli;
    expect(r.code, r.stderr).toBe(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
    expect(parse(r)).toMatchObject({ stopped: 'duration', summary: { requests: 1, pass: 1 }, saved: { tokens: 'removed' } });
    expect(r.stderr).toMatch(/Stopped after 3 s \(--duration\): 1 request, 1 passed\./);
    expect(r.stderr).toMatch(/without tokens \(--redact\)/);
    expect(r.stderr).toMatch(/out already existed and other users can look into it \(mode 0755\); alexa-link leaves its mode as it is/);
    expect((await stat(path.join(cwd, 'out'))).mode & 0o777).toBe(0o755);
    const files = await readdir(path.join(cwd, 'out'));
    expect(files).toHaveLength(1);
    expect((await stat(path.join(cwd, 'out', files[0]!))).mode & 0o777).toBe(0o600);
    const saved = await readFile(path.join(cwd, 'out', files[0]!), 'utf8');
    expect(saved).not.toContain(USER_TOKEN);
    expect(saved).not.toMatch(/accessToken|apiAccessToken/);
    expect(JSON.parse(saved)).toMatchObject({ request: { type: 'LaunchRequest' }, context: { System: { user: { userId: expect.any(String) } } } });
  });

  it('a token the service refuses at connect: exit 1 with the account, scope and stage requirements', async () => {
    const s = await standin();
    const cwd = await tempDir('al-watch-');
    const r = await runCli(['--json', 'watch', '--skill-id', SKILL_ID, '--handler', path.join(SKILLS, 'good', 'index.js')], { cwd, env: env(s, { ASK_ACCESS_TOKEN: 'Atza|not-a-token-the-service-knows-0123456789' }) });
    expect(r.code).toBe(1);
    expect(s.upgrades.map((u) => u.status)).toEqual([401]);
    expect(r.stderr).toMatch(/Amazon's skill debugging service \(NA\)|the debugging service at ALEXA_LINK_DEBUG_ENDPOINT/);
    expect(r.stderr).toMatch(/refused the access token \(HTTP 401\)/);
    expect(r.stderr).toMatch(/alexa::ask:skills:debug/);
    expect(r.stderr).toMatch(/development stage/);
    expect(r.stderr).toMatch(/owns skill amzn1\.ask\.skill\./);
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: false, error: { code: 'E_DEBUG_401' } });
    expect(r.stderr + r.stdout).not.toContain('not-a-token-the-service-knows-0123456789');
  });

  it.each<[string, string[], NodeJS.ProcessEnv, RegExp]>([
    ['--redact without --save', ['--redact'], {}, /--redact only applies to --save/],
    ['an unknown region', ['--region', 'XX'], {}, /--region: "XX" is not NA, EU or FE/],
    ['--handler and --endpoint', ['--handler', 'x.js', '--endpoint', 'http://127.0.0.1:1/'], {}, /--endpoint and --handler both choose/],
    ['a remote --endpoint (live tokens would leave the machine)', ['--skill-id', SKILL_ID, '--endpoint', 'https://example.com/'], {}, /--endpoint: "https:\/\/example\.com\/" is not on this machine; watch sends the live requests, with the linked users' tokens, only to a skill server on a loopback address/],
    ['an --endpoint on the local network', ['--skill-id', SKILL_ID, '--endpoint', 'http://10.0.0.5:3000/'], {}, /--endpoint: "http:\/\/10\.0\.0\.5:3000\/" is not on this machine/],
    ['a bad --max-requests', ['--max-requests', '0'], {}, /--max-requests: "0" is not a whole number/],
    ['a bad --duration', ['--duration', 'soon'], {}, /--duration: "soon" is not a duration/],
    ['no skill ID outside a project', [], {}, /watch needs the skill ID/],
    ['a debug endpoint that is not ws(s)://', ['--skill-id', SKILL_ID], { ALEXA_LINK_DEBUG_ENDPOINT: 'https://127.0.0.1:1' }, /ALEXA_LINK_DEBUG_ENDPOINT="https:\/\/127\.0\.0\.1:1" must be a ws:\/\/ or wss:\/\/ URL/],
  ])('%s is a usage error (exit 2)', async (_name, args, extra, message) => {
    const cwd = await tempDir('al-watch-');
    const r = await runCli(['watch', ...args], { cwd, env: { HOME: '/nonexistent-home', ASK_ACCESS_TOKEN: DEV_TOKEN, ALEXA_LINK_DEBUG_ENDPOINT: 'wss://127.0.0.1:1', ...extra } });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at .*:\d+:\d+/);
  });

  it("a handler whose package.json is a link to /dev/zero: exit 2 naming it, before connecting (Node would read it whole)", async () => {
    const s = await standin();
    const cwd = await tempDir('al-watch-');
    await writeFile(path.join(cwd, 'index.js'), "exports.handler = async () => ({ version: '1.0', response: {} });\n");
    await symlink('/dev/zero', path.join(cwd, 'package.json'));
    const started = Date.now();
    const r = await runCli(['watch', '--skill-id', SKILL_ID, '--handler', 'index.js'], { cwd, env: env(s), timeoutMs: 20_000 });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/package\.json is a character device \(through the link to \/dev\/zero\), not a regular file.*Node reads it whole when it loads the handler index\.js/);
    expect(s.upgrades).toEqual([]);
  });

  it('--help documents the flags and ALEXA_LINK_DEBUG_ENDPOINT', async () => {
    const r = await runCli(['watch', '--help']);
    expect(r.code).toBe(0);
    for (const flag of ['--skill-id', '--region', '--handler', '--endpoint', '--save', '--redact', '--max-requests', '--duration']) expect(r.stdout).toContain(flag);
    expect(r.stdout).toContain('ALEXA_LINK_DEBUG_ENDPOINT');
  });
});
