import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DoctorJson, FullReplayJson } from '../../src/doctor/report.js';
import { writeSession, type LoginSession } from '../../src/oauth/session.js';
import { runCli } from '../support/cli.js';
import { REPO_NODE_MODULES, run } from '../support/skill-project.js';

/**
 * Every verdict through the built CLI, with --json and as text, on fixture skills written in the
 * styles real skills use (ask-sdk v2, alexa-sdk v1, a raw callback handler, compiled TypeScript),
 * each with the bug it is known for; the handler child's Lambda-like environment; signals.
 */
const FIXTURES = fileURLToPath(new URL('../fixtures', import.meta.url));
const SKILLS = path.join(FIXTURES, 'skills');
const ENVELOPES = path.join(FIXTURES, 'envelopes');
const temps: string[] = [];
afterAll(async () => {
  for (const t of temps) await rm(t, { recursive: true, force: true });
});

async function emptyDir(): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), 'al-verdicts-'));
  temps.push(d);
  return d;
}

const TOKEN = 'Atza|IwEBIverdicts-e2e-token-0123456789abcdefXYZ';
const SIGNED = (createRequire(import.meta.url)(path.join(SKILLS, 'good/index.js')) as { signToken: () => string }).signToken();
const ENV = { HOME: '/nonexistent-home', E2E_TOKEN: TOKEN, SIGNED_TOKEN: SIGNED };

interface Both {
  code: number | null;
  doc: DoctorJson;
  /** The compact report (the default). */
  text: string;
  /** The full report (-v): probes, logs, every explanation. */
  full: string;
  stderr: string;
  all: string;
}

/** doctor --only replays, once with --json, once as text (NO_COLOR) and once as the full text (-v), in `cwd`. */
async function doctor(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<Both> {
  const cwd = opts.cwd ?? (await emptyDir());
  const env = { ...ENV, ...opts.env };
  const [json, text, full] = await Promise.all([
    runCli(['--json', 'doctor', '--only', 'replays', ...args], { cwd, env, timeoutMs: 40_000 }),
    runCli(['doctor', '--only', 'replays', ...args], { cwd, env, timeoutMs: 40_000 }),
    runCli(['doctor', '-v', '--only', 'replays', ...args], { cwd, env, timeoutMs: 40_000 }),
  ]);
  expect(json.code, json.stderr).toBe(text.code);
  expect(full.code, full.stderr).toBe(text.code);
  return {
    code: json.code,
    doc: JSON.parse(json.stdout) as DoctorJson,
    text: text.stdout,
    full: full.stdout,
    stderr: json.stderr + text.stderr,
    all: json.stdout + json.stderr + text.stdout + text.stderr + full.stdout + full.stderr,
  };
}

function find(doc: DoctorJson, source: string): FullReplayJson {
  const r = doc.replays.find((x) => x.source === source);
  if (!r) throw new Error(`no replay ${source} in ${doc.replays.map((x) => x.source).join(', ')}`);
  return r;
}

const handler = (name: string, file = 'index.js') => ['--handler', path.join(SKILLS, name, file)];

describe('verdicts on fixture skills, --json and text', () => {
  beforeAll(async () => {
    const tsc = path.join(REPO_NODE_MODULES, 'typescript', 'bin', 'tsc');
    const built = await run(process.execPath, [tsc, '-p', path.join(SKILLS, 'typescript', 'tsconfig.json')], { cwd: SKILLS, timeoutMs: 120_000 });
    expect(built.code, built.stdout + built.stderr).toBe(0);
  }, 120_000);

  it.each<[string, string[], 'pass' | 'warn' | 'fail', RegExp, RegExp | undefined, RegExp]>([
    ['ask-sdk v2, validates tokens: pass', [...handler('good'), '--token', 'env:SIGNED_TOKEN'], 'pass', /token arrived \(in context\.System\.user and session\.user\) and the skill answered/, undefined, /✔ builtin:launch +LaunchRequest +· +token: context\+session +· +200/],
    ['ask-sdk v2, reads session.user only: warn, named fix', [...handler('session-only'), '--token', 'env:E2E_TOKEN'], 'warn', /With the token in context\.System\.user only[\s\S]*asked to link[\s\S]*reads the token from session\.user\.accessToken only/, /Alexa\.getAccountLinkingAccessToken\(handlerInput\.requestEnvelope\)[\s\S]*not at handlerInput\.requestEnvelope\.session\.user\.accessToken/, /probes: token in context only → asks to link/],
    ['ask-sdk v2, provider call fails and the error handler speaks it: fail', [...handler('provider-error'), '--token', 'env:E2E_TOKEN'], 'fail', /token arrived[\s\S]*failed while using it: it said “Sorry, something went wrong: getaddrinfo ENOTFOUND api\.example\.invalid”[\s\S]*logged “Error handled: getaddrinfo ENOTFOUND/, /Never speak raw errors/, /logged:\n +error: Error handled: getaddrinfo ENOTFOUND/],
    ['alexa-sdk v1, reads this.event.session: warn, v1 fix', [...handler('alexa-sdk-v1'), '--token', 'env:E2E_TOKEN'], 'warn', /reads the token from session\.user\.accessToken only/, /this\.event\.context\.System\.user\.accessToken, not at this\.event\.session\.user\.accessToken/, /⚠ builtin:launch/],
    ['compiled TypeScript, "Hello, undefined": fail', [...handler('typescript', 'dist/index.js'), '--token', 'env:E2E_TOKEN'], 'fail', /failed while using it: it said “Hello, undefined\.” \(speaks "undefined"/, /withLinkAccountCard/, /"Hello, undefined\."/],
    ['accepts any token: warn', [...handler('any-token'), '--token', 'env:E2E_TOKEN'], 'warn', /A made-up token of the same shape got the same answer[\s\S]*may not validate tokens/, /treat a 401 as "not linked"/, /a made-up token of the same shape → same answer/],
    ['empty answer with a token: fail', [...handler('empty-answer'), '--token', 'env:E2E_TOKEN'], 'fail', /answered with nothing: no speech, no card and no directive/, /ErrorHandler/, /✖ builtin:launch/],
    ['an answer over 24 KB: fail', [...handler('too-large'), '--token', 'env:E2E_TOKEN'], 'fail', /Alexa refuses a skill response larger than 24 KB \(24576 bytes\)/, /under 24 KB/, /29\.\d KB/],
    ['always asks to link: fail', [...handler('always-link'), '--token', 'env:E2E_TOKEN'], 'fail', /still asks to link/, /Alexa\.getAccountLinkingAccessToken/, /✖ builtin:launch/],
  ])('%s', async (_name, args, verdict, explanation, fix, text) => {
    const r = await doctor(['--request', 'launch', ...args]);
    const launch = find(r.doc, 'builtin:launch');
    expect(launch.verdict).toBe(verdict);
    expect(launch.explanation).toMatch(explanation);
    if (fix) expect(launch.fix).toMatch(fix);
    if (verdict === 'pass') expect(launch.fix).toBeUndefined();
    expect(r.full).toMatch(text);
    // The compact report: one line for the replay with its verdict word; a warning or failure's explanation below, once.
    expect(r.text).toMatch(new RegExp(`[✔⚠✖] builtin:launch +LaunchRequest · token sent · (\\d+|—) · ${verdict} · `));
    if (verdict !== 'pass') expect(r.text).toContain(launch.explanation.split('\n')[0]!);
    expect(r.code).toBe(verdict === 'fail' ? 1 : 0);
    // The unlinked twin of the built-in request asks to link in every one of these skills that loads.
    expect(find(r.doc, 'builtin:launch-unlinked').tokenInEnvelope).toEqual({ context: false, session: false });
    expect(r.all).not.toContain(TOKEN);
    expect(r.all).not.toContain(SIGNED);
  });

  it('a raw callback handler with an application-ID check: the placeholder skill ID is refused (hint --skill-id); with it, the missing-token crash shows', async () => {
    const refused = await doctor([...handler('raw-appid'), '--token', 'env:E2E_TOKEN', '--request', 'launch']);
    const launch = find(refused.doc, 'builtin:launch');
    expect(launch).toMatchObject({ verdict: 'fail', style: 'raw' });
    expect(launch.explanation).toMatch(/The handler failed: Invalid Application ID\.[\s\S]*refused the request's skill ID: alexa-link used a placeholder/);
    expect(launch.fix).toMatch(/Pass --skill-id with the ID the skill's own check expects \(amzn1\.ask\.skill\.…, or amzn1\.echo-sdk-ams\.app\.… for a legacy skill: both forms are valid\)/);
    expect(refused.full).toMatch(/fix: [\s\S]*--skill-id/);
    expect(refused.text).toMatch(/→ [\s\S]*--skill-id/);

    const right = await doctor([...handler('raw-appid'), '--token', 'env:E2E_TOKEN', '--request', 'launch', '--skill-id', 'amzn1.ask.skill.11111111-2222-3333-4444-555555555555']);
    const linked = find(right.doc, 'builtin:launch');
    expect(linked.response.speech).toBe('Hello from a raw handler.');
    expect(linked.verdict).toBe('fail');
    expect(linked.explanation).toMatch(/Without a token \(a user who has not linked\) the skill failed instead of asking to link/);
    expect(linked.explanation).toMatch(/With the token in context\.System\.user only[\s\S]*failed/);
    expect(linked.fix).toMatch(/event\.context\.System\.user\.accessToken/);
    expect(find(right.doc, 'builtin:launch-unlinked').explanation).toMatch(/Cannot read properties of undefined \(reading 'length'\)/);
  });

  it('--offline: the skill’s own network calls failed because of --offline, not a bug to hunt', async () => {
    const r = await doctor([...handler('provider-error'), '--token', 'env:E2E_TOKEN', '--request', 'launch', '--offline']);
    expect(find(r.doc, 'builtin:launch').explanation).toMatch(/Its own network call to api\.example\.invalid failed \(ENOTFOUND\) because doctor ran with --offline/);
    expect(r.text).toMatch(/because doctor ran with --offline/);
  });

  it('--offline cuts the skill’s calls to internet hosts even on a machine with network: a real host fails as cut by --offline', async () => {
    const dir = await emptyDir();
    await writeFile(path.join(dir, 'skill.env'), 'USERINFO_URL=https://api.amazon.com/user/profile\n');
    const r = await doctor([...handler('provider-error'), '--token', 'env:E2E_TOKEN', '--request', 'launch', '--offline', '--env-file', 'skill.env'], { cwd: dir });
    const launch = find(r.doc, 'builtin:launch');
    expect(launch.verdict).toBe('fail');
    expect(launch.explanation).toMatch(/Its own network call to api\.amazon\.com failed \(ENOTFOUND\) because doctor ran with --offline, which cuts the skill's calls to hosts other than this machine/);
    expect(launch.explanation).toMatch(/cut by alexa-link doctor --offline/);
    expect(r.text).toMatch(/because doctor ran with --offline, which cuts/);
  });

  it('callback handlers in Lambda’s event loop: no callback ends with null (SessionEndedRequest passes), a callback with a pool left open times out with what stayed open and the fix', async () => {
    const ended = await doctor([...handler('alexa-sdk-v1'), '--token', 'env:E2E_TOKEN', '--request', 'session-ended', '--timeout', '3s']);
    const quiet = find(ended.doc, 'builtin:session-ended');
    expect(quiet.verdict).toBe('pass');
    expect(quiet.explanation).toMatch(/returned without calling its callback/);
    expect(ended.text).toMatch(/✔ builtin:session-ended +SessionEndedRequest/);
    const pool = await doctor([...handler('callback-loop', 'index.js#pool'), '--token', 'env:E2E_TOKEN', '--request', 'launch', '--timeout', '1500ms', '--probes', 'none']);
    const launch = find(pool.doc, 'builtin:launch');
    expect(launch.verdict).toBe('fail');
    expect(launch.explanation).toMatch(/called back with its answer, but left work pending \(1 timer: Timeout\) until the 1500 ms limit: with context\.callbackWaitsForEmptyEventLoop true \(the default\), Lambda sends the answer only once the event loop is empty/);
    expect(launch.fix).toMatch(/context\.callbackWaitsForEmptyEventLoop = false/);
    expect(pool.text).toContain('left work pending (1 timer: Timeout)');
    expect(pool.code).toBe(1);
  });

  it('a skill that logs the whole envelope: the token never shows, control characters show as escapes, -v shows every line', async () => {
    const r = await doctor([...handler('logs-envelope'), '--token', 'env:E2E_TOKEN', '--request', 'launch']);
    const launch = find(r.doc, 'builtin:launch');
    // It also accepts any token (that is its warning); what matters here is what it logged.
    expect(launch.verdict).toBe('warn');
    expect(launch.logs.length).toBeGreaterThan(3);
    expect(launch.logs.some((l) => l.text.includes('Atza… ('))).toBe(true);
    expect(launch.logs).toContainEqual({ level: 'log', text: '\\x1b[31mred\\x1b[0m \\x1b]0;pwned\\x07 title, \\u202ereversed' });
    const verbose = await runCli(['-v', 'doctor', '--only', 'replays', ...handler('logs-envelope'), '--token', 'env:E2E_TOKEN', '--request', 'launch'], { cwd: await emptyDir(), env: ENV });
    expect(verbose.stdout).toMatch(/log: \\x1b\[31mred/);
    expect(verbose.stdout).toMatch(/stdout: token=Atza… \(\d+ chars\)/);
    for (const out of [r.all, verbose.stdout, verbose.stderr]) {
      expect(out).not.toContain(TOKEN);
      expect(out).not.toContain('\x1b');
      expect(out).not.toContain('\u202e');
    }
  });

  it('a skill that logs part of the token, or its base64: redacted in -v text and in --json logs', async () => {
    const dir = await emptyDir();
    await writeFile(
      path.join(dir, 'parts.js'),
      [
        'exports.handler = async (event) => {',
        '  const t = event.context.System.user.accessToken;',
        "  console.log('head', t.slice(0, 30));",
        "  console.log('b64', Buffer.from(t).toString('base64'));",
        "  console.log('b64url', Buffer.from(t).toString('base64url'));",
        "  console.error('tail', t.slice(-14));",
        "  return { version: '1.0', response: { outputSpeech: { type: 'PlainText', text: 'Hello.' } } };",
        '};',
        '',
      ].join('\n'),
    );
    const args = ['--handler', 'parts.js', '--token', 'env:E2E_TOKEN', '--request', 'launch', '--probes', 'none'];
    const r = await doctor(args, { cwd: dir });
    const launch = find(r.doc, 'builtin:launch');
    expect(launch.logs.map((l) => l.text)).toEqual([`head ${'Atza… (48 chars)'}`, 'b64 Atza… (48 chars)', 'b64url Atza… (48 chars)', 'tail Atza… (48 chars)']);
    const verbose = await runCli(['-v', 'doctor', '--only', 'replays', ...args], { cwd: dir, env: ENV });
    expect(verbose.stdout).toMatch(/head Atza… \(48 chars\)/);
    const b64 = Buffer.from(TOKEN).toString('base64');
    for (const out of [r.all, verbose.stdout, verbose.stderr]) {
      for (let i = 0; i + 12 <= TOKEN.length; i++) expect(out).not.toContain(TOKEN.slice(i, i + 12));
      for (let i = 0; i + 12 <= b64.length; i++) expect(out).not.toContain(b64.slice(i, i + 12));
    }
  });

  it('Help, Stop, Cancel, Fallback, NavigateHome and SessionEndedRequest need no LinkAccount card', async () => {
    for (const intent of ['AMAZON.HelpIntent', 'AMAZON.StopIntent', 'AMAZON.CancelIntent', 'AMAZON.FallbackIntent', 'AMAZON.NavigateHomeIntent']) {
      const r = await doctor([...handler('good'), '--token', 'none', '--intent', intent]);
      const replay = find(r.doc, `builtin:intent:${intent}`);
      expect(replay.verdict).toBe('pass');
      expect(replay.explanation).toMatch(/needs no linked account: no LinkAccount card is expected/);
    }
    const ended = await doctor([...handler('good'), '--token', 'none', '--request', 'session-ended']);
    expect(find(ended.doc, 'builtin:session-ended')).toMatchObject({ verdict: 'pass', explanation: expect.stringMatching(/SessionEndedRequest needs no answer/) });
  });

  it('--request builds the other built-ins: AudioPlayer.PlaybackStarted without a session, SkillAccountLinked with the token in context only; --intent with --slot', async () => {
    const r = await doctor([...handler('good'), '--token', 'env:SIGNED_TOKEN', '--request', 'playback-started', 'skill-linked', '--intent', 'WhoAmIIntent', '--slot', 'name=Ada']);
    expect(r.doc.replays.map((x) => [x.source, x.request, x.tokenInEnvelope, x.verdict])).toEqual([
      ['builtin:playback-started-unlinked', 'AudioPlayer.PlaybackStarted', { context: false, session: false }, 'pass'],
      ['builtin:playback-started', 'AudioPlayer.PlaybackStarted', { context: true, session: false }, 'pass'],
      ['builtin:skill-linked-unlinked', 'AlexaSkillEvent.SkillAccountLinked', { context: false, session: false }, 'pass'],
      ['builtin:skill-linked', 'AlexaSkillEvent.SkillAccountLinked', { context: true, session: false }, 'pass'],
      ['builtin:intent:WhoAmIIntent-unlinked', 'IntentRequest', { context: false, session: false }, 'pass'],
      ['builtin:intent:WhoAmIIntent', 'IntentRequest', { context: true, session: true }, 'pass'],
    ]);
    expect(r.code).toBe(0);
  });

  it('--probes none and placement', async () => {
    const none = await doctor([...handler('session-only'), '--token', 'env:E2E_TOKEN', '--request', 'launch', '--probes', 'none']);
    expect(find(none.doc, 'builtin:launch')).toMatchObject({ verdict: 'pass', probes: [] });
    expect(none.doc.checks[0]!.detail).toMatch(/no probes/);
    const placement = await doctor([...handler('session-only'), '--token', 'env:E2E_TOKEN', '--request', 'launch', '--probes', 'placement']);
    expect(find(placement.doc, 'builtin:launch').probes.map((p) => p.id)).toEqual(['context-only']);
    expect(placement.doc.checks[0]!.detail).toMatch(/probes: placement, 3 requests sent in all/);
  });

  it('a module Lambda used to provide (aws-sdk v2) is missing: says so and how to install it for local replays', async () => {
    // Outside the repository, so nothing resolves aws-sdk (the repository has a stand-in for alexa-sdk v1).
    const dir = await emptyDir();
    await cp(path.join(SKILLS, 'needs-aws-sdk'), path.join(dir, 'lambda'), { recursive: true });
    await mkdir(path.join(dir, 'lambda', 'node_modules'));
    for (const m of ['ask-sdk-core', 'ask-sdk-model', 'ask-sdk-runtime']) await symlink(path.join(REPO_NODE_MODULES, m), path.join(dir, 'lambda', 'node_modules', m), 'dir');
    const r = await doctor(['--handler', 'lambda/index.js', '--request', 'launch'], { cwd: dir });
    const launch = find(r.doc, 'builtin:launch');
    expect(launch.verdict).toBe('fail');
    expect(launch.explanation).toMatch(/Cannot find module 'aws-sdk'[\s\S]*needs aws-sdk \(v2\), which Lambda's Node\.js runtimes up to nodejs16\.x provided[\s\S]*npm install --no-save aws-sdk@2/);
    expect(launch.fix).toMatch(/npm install --no-save aws-sdk@2/);
  });

  it('alexa-sdk v1 without aws-sdk: the same diagnosis (the real alexa-sdk requires it when it loads)', async () => {
    const dir = await emptyDir();
    await cp(path.join(SKILLS, 'alexa-sdk-v1'), path.join(dir, 'lambda'), { recursive: true });
    const nm = path.join(dir, 'lambda', 'node_modules');
    await mkdir(nm);
    // A copy of the real package (a symlink would resolve aws-sdk from the repository), its other dependencies lent.
    await cp(path.join(REPO_NODE_MODULES, 'alexa-sdk'), path.join(nm, 'alexa-sdk'), { recursive: true });
    for (const m of ['i18next', 'i18next-sprintf-postprocessor']) await symlink(path.join(REPO_NODE_MODULES, m), path.join(nm, m), 'dir');
    const r = await doctor(['--handler', 'lambda/index.js', '--request', 'launch'], { cwd: dir });
    expect(find(r.doc, 'builtin:launch').explanation).toMatch(/Cannot find module 'aws-sdk'[\s\S]*npm install --no-save aws-sdk@2/);
  });
});

describe('real captures load', () => {
  it('an old envelope without context, a null token and a legacy skill ID replay; --skill-id takes a legacy ID', async () => {
    const dir = await emptyDir();
    await writeFile(
      path.join(dir, 'old.json'),
      JSON.stringify({ version: '1.0', session: { new: true, sessionId: 's', application: { applicationId: 'amzn1.echo-sdk-ams.app.0123-abcd' }, user: { userId: 'u', accessToken: null } }, request: { type: 'LaunchRequest', requestId: 'r', timestamp: '2016-03-01T00:00:00Z' } }),
    );
    const r = await doctor([...handler('callback'), '--envelopes', 'old.json', '--token', 'env:E2E_TOKEN', '--skill-id', 'amzn1.echo-sdk-ams.app.0123-abcd'], { cwd: dir });
    const old = find(r.doc, 'old.json');
    expect(old.tokenInEnvelope).toEqual({ context: false, session: true });
    expect(old.explanation).toMatch(/no context \(an old format\): Alexa sends context\.System with every request today/);
    const keep = await doctor([...handler('callback'), '--envelopes', 'old.json'], { cwd: dir });
    expect(find(keep.doc, 'old.json').tokenInEnvelope).toEqual({ context: false, session: false });
  });

  it('an old envelope without context against an ask-sdk skill: getAccountLinkingAccessToken fails on it, a warning about the envelope, not a failure of the skill', async () => {
    const dir = await emptyDir();
    const e = JSON.parse(await readFile(path.join(ENVELOPES, 'launch-linked.json'), 'utf8')) as Record<string, unknown>;
    delete e.context;
    await writeFile(path.join(dir, 'old.json'), JSON.stringify(e));
    const r = await doctor([...handler('provider-error'), '--envelopes', 'old.json', '--probes', 'none'], { cwd: dir });
    const old = find(r.doc, 'old.json');
    expect(old.verdict).toBe('warn');
    expect(old.explanation).toMatch(/predates `context`, which Alexa always sends today[\s\S]*not a bug of the skill/);
    expect(old.explanation).not.toMatch(/the skill failed while using it/);
    expect(old.fix).toMatch(/Replay a current capture/);
    expect(r.code).toBe(0);
  });

  it('a raw handler reading event.session.user on a request without a session: says so, not "no token"', async () => {
    const dir = await emptyDir();
    await writeFile(
      path.join(dir, 'raw.js'),
      "exports.handler = (event, context, callback) => {\n  const token = event.session.user.accessToken;\n  callback(null, { version: '1.0', response: token ? { outputSpeech: { type: 'PlainText', text: 'Hello.' } } : { outputSpeech: { type: 'PlainText', text: 'Please link.' }, card: { type: 'LinkAccount' } } });\n};\n",
    );
    const r = await doctor(['--handler', 'raw.js', '--request', 'playback-started', '--token', 'none'], { cwd: dir });
    const played = find(r.doc, 'builtin:playback-started');
    expect(played.verdict).toBe('fail');
    expect(played.explanation).toMatch(/AudioPlayer\.PlaybackStarted comes without a session[\s\S]*the skill reads event\.session[\s\S]*context\.System\.user[\s\S]*Alexa\.getAccountLinkingAccessToken/);
    expect(played.explanation).not.toMatch(/The envelope carried no token/);
    expect(played.fix).toMatch(/event\.context\.System\.user\.accessToken, not from event\.session\.user\.accessToken/);
    expect(r.text).toContain('comes without a session');
  });

  it('nothing loads: exit 2 naming every file and its problem', async () => {
    const dir = await emptyDir();
    await writeFile(path.join(dir, 'a.json'), '[]');
    await writeFile(path.join(dir, 'b.json'), '{"request": {"type": 7}, "context": {"System": {}}}');
    const r = await runCli(['doctor', '--only', 'replays', ...handler('good'), '--envelopes', '.'], { cwd: dir, env: ENV });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--envelopes: none of the 2 files holds a usable request envelope:\n +- \S*a\.json is an empty array[\s\S]*- \S*b\.json is not a usable request envelope/);
  });
});

describe('--token default', () => {
  async function project(expiresInSeconds: number): Promise<string> {
    const dir = await emptyDir();
    await writeFile(
      path.join(dir, 'ask-resources.json'),
      JSON.stringify({ askcliResourcesVersion: '2020-03-31', profiles: { default: { skillMetadata: { src: './skill-package' }, code: { default: { src: './lambda' } } } } }),
    );
    await cp(path.join(SKILLS, 'good'), path.join(dir, 'lambda'), { recursive: true });
    await symlink(REPO_NODE_MODULES, path.join(dir, 'lambda', 'node_modules'), 'dir');
    const now = Date.now();
    const session: LoginSession = {
      version: 1,
      createdAt: new Date(now).toISOString(),
      provider: { authorizationUrl: 'https://auth.example.com/authorize', tokenUrl: 'https://auth.example.com/token', clientId: 'c', accessTokenScheme: 'HTTP_BASIC', scopes: ['profile'] },
      redirectUri: 'http://127.0.0.1:9876/callback',
      tokens: { accessToken: SIGNED, tokenType: 'Bearer', expiresIn: 3600, expiresAt: new Date(now + expiresInSeconds * 1000).toISOString() },
      refresh: { ok: true, at: new Date(now).toISOString() },
    };
    await writeSession(dir, session);
    return dir;
  }

  it('is session when alexa-link login saved an unexpired token, and the report says so', async () => {
    const r = await doctor(['--request', 'launch'], { cwd: await project(3600) });
    expect(find(r.doc, 'builtin:launch')).toMatchObject({ tokenInEnvelope: { context: true, session: true }, verdict: 'pass' });
    expect(r.doc.checks[0]!.detail).toMatch(/the token from \.alexa-link\/session\.json; default: alexa-link login saved a token in \.alexa-link\/session\.json, valid for (59|60) more minutes/);
    // The compact line says which token went out and that it was the default; -v says why.
    expect(r.text).toMatch(/Replays +2\/2 replays passed \(login session token, by default\)/);
    expect(r.all).not.toContain(SIGNED);
  });

  it('is keep when the saved token expired, and the report says why', async () => {
    const r = await doctor(['--request', 'launch'], { cwd: await project(-600) });
    expect(find(r.doc, 'builtin:launch').tokenInEnvelope).toEqual({ context: false, session: false });
    expect(r.doc.checks[0]!.detail).toMatch(/tokens as in the envelopes; default: the token in \.alexa-link\/session\.json expired 10 minutes ago/);
  });
});

describe("the handler child's environment (issue 15: never doctor's credentials)", () => {
  it('sees Lambda variables and its --env-file settings; never ASK_*, ALEXA_LINK_*, AWS credentials or the --client-secret-env variable', async () => {
    const dir = await emptyDir();
    await writeFile(path.join(dir, 'skill.env'), '# the skill settings\nUSERINFO_URL=https://auth.example.com/userinfo\nexport GREETING="hi there"\n');
    const planted = {
      ASK_ACCESS_TOKEN: 'Atza|planted-ask-access-token-000000',
      ASK_REFRESH_TOKEN: 'Atzr|planted-ask-refresh-token-00000',
      ASK_LWA_CLIENT_CONFIRMATION: 'planted-lwa-confirmation-0000',
      ALEXA_LINK_CLIENT_SECRET: 'planted-client-secret-00000000',
      MY_OAUTH_SECRET: 'planted-custom-secret-var-000000',
      AWS_ACCESS_KEY_ID: 'AKIAPLANTED0000000000',
      AWS_SECRET_ACCESS_KEY: 'planted-aws-secret-access-key-0000000',
      AWS_SESSION_TOKEN: 'planted-aws-session-token-000000000',
      AWS_PROFILE: 'planted-profile',
    };
    const r = await doctor([...handler('env-echo'), '--token', 'none', '--request', 'launch', '--env-file', 'skill.env', '--client-secret-env', 'MY_OAUTH_SECRET', '--region', 'eu-west-1', '--memory', '256'], { cwd: dir, env: planted });
    const names = String(find(r.doc, 'builtin:launch').response.speech).replace(/^Variables: |\.$/g, '').split(', ');
    expect(names).toEqual(expect.arrayContaining(['AWS_REGION', 'AWS_LAMBDA_FUNCTION_NAME', 'AWS_EXECUTION_ENV', 'LAMBDA_TASK_ROOT', 'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 'PATH', 'HOME', 'USERINFO_URL', 'GREETING']));
    for (const n of Object.keys(planted)) expect(names).not.toContain(n);
    for (const v of Object.values(planted)) expect(r.all).not.toContain(v);
    const logged = JSON.parse(find(r.doc, 'builtin:launch').logs[0]!.text) as Record<string, string>;
    expect(logged).toMatchObject({ AWS_REGION: 'eu-west-1', AWS_DEFAULT_REGION: 'eu-west-1', AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256', GREETING: 'hi there', LAMBDA_TASK_ROOT: path.join(SKILLS, 'env-echo') });
  });

  it.each<[string, string, RegExp]>([
    ['a line without =', 'USERINFO_URL https://x\n', /--env-file skill\.env:1: expected KEY=value/],
    ['a reserved variable', 'OK=1\nAWS_REGION=eu-west-1\n', /--env-file skill\.env:2: AWS_REGION is set by the Lambda runtime.*--region/],
    ['an unclosed quote', 'A="open\n', /--env-file skill\.env:1: the double-quoted value is not closed/],
  ])('a bad --env-file exits 2 naming file:line: %s', async (_name, content, message) => {
    const dir = await emptyDir();
    await writeFile(path.join(dir, 'skill.env'), content);
    const r = await runCli(['doctor', '--only', 'replays', ...handler('good'), '--env-file', 'skill.env'], { cwd: dir, env: ENV });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it.each<[string, string, RegExp]>([
    ['an SMAPI token', 'OK=1\nASK_ACCESS_TOKEN=Atza|from-the-env-file-000000\n', /--env-file skill\.env:2: ASK_ACCESS_TOKEN is one of the developer's credentials.*skill code never gets it/],
    ['the LWA refresh token', 'export ASK_REFRESH_TOKEN=Atzr|x\n', /--env-file skill\.env:1: ASK_REFRESH_TOKEN is one of the developer's credentials/],
    ["alexa-link's client secret", 'ALEXA_LINK_CLIENT_SECRET=s3cret\n', /--env-file skill\.env:1: ALEXA_LINK_CLIENT_SECRET is one of the developer's credentials/],
    ['the --client-secret-env variable', 'MY_OAUTH_SECRET=s3cret\n', /--env-file skill\.env:1: MY_OAUTH_SECRET is the variable --client-secret-env names/],
  ])("--env-file cannot hand the skill the developer's credentials: %s", async (_name, content, message) => {
    const dir = await emptyDir();
    await writeFile(path.join(dir, 'skill.env'), content);
    const r = await runCli(['doctor', '--only', 'replays', ...handler('good'), '--env-file', 'skill.env', '--client-secret-env', 'MY_OAUTH_SECRET'], { cwd: dir, env: ENV });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/from-the-env-file|s3cret/);
  });

  it("AWS_* keys in --env-file are the skill's own settings: they reach the handler", async () => {
    const dir = await emptyDir();
    await writeFile(path.join(dir, 'skill.env'), 'AWS_ACCESS_KEY_ID=AKIAFROMTHEENVFILE00\nAWS_SECRET_ACCESS_KEY=from-the-env-file-secret-0000\n');
    const r = await runCli(['--json', 'doctor', '--only', 'replays', ...handler('env-echo'), '--token', 'none', '--request', 'launch', '--env-file', 'skill.env'], { cwd: dir, env: ENV });
    const doc = JSON.parse(r.stdout) as DoctorJson;
    expect(String(find(doc, 'builtin:launch').response.speech)).toMatch(/AWS_ACCESS_KEY_ID.*AWS_SECRET_ACCESS_KEY/);
  });
});

/**
 * Node reads --env-file in argv even after the script's name (`node bin/alexa-link.js --env-file
 * x` loads x into alexa-link's own process, NODE_OPTIONS included); the shebang's `--` stops
 * that. These run bin/alexa-link.js itself, through its shebang, as npx does.
 */
describe('--env-file is read by alexa-link, never by Node (bin/alexa-link.js executed directly)', () => {
  async function direct(envFile: string, cwd?: string) {
    const dir = cwd ?? (await emptyDir());
    const started = Date.now();
    const r = await runCli(['doctor', '--only', 'replays', ...handler('env-echo'), '--token', 'none', '--request', 'launch', '--probes', 'none', '--env-file', envFile], { cwd: dir, env: ENV, direct: true, timeoutMs: 20_000 });
    return { ...r, ms: Date.now() - started };
  }

  it('a missing file exits 2 naming the flag and the file', async () => {
    const r = await direct('/nonexistent/skill.env');
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/--env-file: \/nonexistent\/skill\.env not found/);
    expect(r.stderr).not.toMatch(/^node:/m);
  });

  it.each([['/dev/zero'], ['a FIFO']])('%s exits 2 at once, not read forever', async (which) => {
    const dir = await emptyDir();
    let file = which;
    if (which === 'a FIFO') {
      file = path.join(dir, 'skill.env');
      expect(spawnSync('mkfifo', [file]).status).toBe(0);
    }
    const r = await direct(file, dir);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/--env-file: .* is not a regular file/);
    // Start-up of Node and the CLI included; the refusal itself takes no time.
    expect(r.ms).toBeLessThan(3000);
  });

  it("NODE_OPTIONS=--require in the file never runs in alexa-link's process (only in the handler's, as Lambda would)", async () => {
    const dir = await emptyDir();
    const marker = path.join(dir, 'ran.txt');
    await writeFile(path.join(dir, 'inject.cjs'), `require('node:fs').appendFileSync(${JSON.stringify(marker)}, process.argv[1] + '\\n');\n`);
    await writeFile(path.join(dir, 'skill.env'), `NODE_OPTIONS="--require ${path.join(dir, 'inject.cjs')}"\n`);
    const r = await direct('skill.env', dir);
    expect(r.code, r.stderr).toBe(0);
    const ran = existsSync(marker) ? readFileSync(marker, 'utf8').trim().split('\n') : [];
    expect(ran.filter((p) => p.endsWith('alexa-link.js'))).toEqual([]);
    // The handler's process is the skill's own: the Lambda function's NODE_OPTIONS applies there.
    expect(ran.length).toBeGreaterThan(0);
    expect(ran.every((p) => /handler-child\.js$/.test(p))).toBe(true);
  });
});

describe('doctor usage errors', () => {
  it.each<[string[], RegExp]>([
    [['--probes', 'some'], /--probes: "some" is not none, placement or all/],
    [['--request', 'launchh'], /--request: "launchh" is not one of launch, intent, session-ended, playback-started, skill-linked/],
    [['--slot', 'a=b'], /--slot needs --intent NAME/],
    [['--intent', 'X', '--slot', 'novalue'], /--slot: "novalue" is not name=value/],
    [['--region', 'mars'], /--region: "mars" is not an AWS region/],
    // One range, Lambda's, for every wrong --memory.
    [['--memory', '64'], /--memory: "64" is not a Lambda memory setting: a whole number of MB from 128 to 10240\./],
    [['--memory', '0'], /--memory: "0" is not a Lambda memory setting: a whole number of MB from 128 to 10240\./],
    [['--memory', '20000'], /--memory: "20000" is not a Lambda memory setting: a whole number of MB from 128 to 10240\./],
    [['--memory', '1.5'], /--memory: "1\.5" is not a Lambda memory setting: a whole number of MB from 128 to 10240\./],
    [['--skill-id', 'amzn1.echo-sdk-ams.app.'], /--skill-id: "amzn1\.echo-sdk-ams\.app\." is not a skill ID/],
  ])('%j is a usage error', async (args, message) => {
    const r = await runCli(['doctor', '--only', 'replays', ...handler('good'), ...args], { cwd: await emptyDir(), env: ENV });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});

/** 'gone', or the process state letter from /proc. */
function processState(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    return 'gone';
  }
}

async function waitGone(pids: number[], ms = 3000): Promise<string[]> {
  const until = Date.now() + ms;
  for (;;) {
    const states = pids.map(processState);
    if (states.every((s) => s === 'gone') || Date.now() > until) return states;
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('signals and child processes (issue 15 item 8)', () => {
  it.each<[NodeJS.Signals]>([['SIGHUP'], ['SIGQUIT'], ['SIGTERM']])('%s during a hanging replay: exit 130, the skill and the process it forked are gone', async (signal) => {
    const dir = await emptyDir();
    const pidFile = path.join(dir, 'pids');
    await writeFile(path.join(dir, 'skill.env'), `PID_FILE=${pidFile}\n`);
    let sent = false;
    const r = await runCli(['doctor', '--only', 'replays', ...handler('forks'), '--env-file', 'skill.env', '--timeout', '60s', '--request', 'launch', '--probes', 'none'], {
      cwd: dir,
      env: ENV,
      onSpawn: (child) => {
        const poll = setInterval(() => {
          if (existsSync(pidFile) && readFileSync(pidFile, 'utf8').includes(' ') && !sent) {
            sent = true;
            clearInterval(poll);
            child.kill(signal);
          }
        }, 50);
        child.on('exit', () => clearInterval(poll));
      },
    });
    expect(sent).toBe(true);
    expect(r.code).toBe(130);
    expect(r.stderr).toMatch(/Interrupted, cleaning up/);
    const pids = (await readFile(pidFile, 'utf8')).split(' ').map(Number);
    expect(await waitGone(pids)).toEqual(['gone', 'gone']);
  });

  it('a timeout kills the skill and the process it forked', async () => {
    const dir = await emptyDir();
    const pidFile = path.join(dir, 'pids');
    await writeFile(path.join(dir, 'skill.env'), `PID_FILE=${pidFile}\n`);
    const r = await runCli(['--json', 'doctor', '--only', 'replays', ...handler('forks'), '--env-file', 'skill.env', '--timeout', '1500ms', '--request', 'launch', '--probes', 'none'], { cwd: dir, env: ENV });
    expect(r.code).toBe(1);
    expect((JSON.parse(r.stdout) as DoctorJson).replays[0]!.explanation).toMatch(/did not answer within 1500 ms/);
    const pids = (await readFile(pidFile, 'utf8')).split(' ').map(Number);
    expect(await waitGone(pids)).toEqual(['gone', 'gone']);
  });
});
