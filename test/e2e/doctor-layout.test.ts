import { copyFile, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_VENDOR_ID, startLocalProvider, type LocalProvider } from '../../src/demo/local-provider.js';
import type { DoctorJson } from '../../src/doctor/report.js';
import { displayWidth } from '../../src/ui/wrap.js';
import { runCli, type CliResult } from '../support/cli.js';
import { removeTempDirs, tempDir } from '../support/skill-project.js';
import { saveLoginSession, scaffoldProject, startLocalRunner } from './doctor-project.js';

/**
 * doctor's report as a person reads it (issue 16), through the built CLI, for four projects: an
 * empty folder, a good skill, a broken skill, and a skill server that verifies requests (three
 * replays). The compact report (the default) is written out here in full, normalised for what
 * changes from run to run (temporary folders, ports, milliseconds); the full report (-v), the
 * --json document, 60 and 120 columns, TERM=dumb and LANG=C are checked against it.
 */
let provider: LocalProvider;
let good: string;
let broken: string;
beforeAll(async () => {
  provider = await startLocalProvider();
  good = await scaffoldProject(provider, provider.clients.basic);
  await saveLoginSession(good, provider, provider.clients.basic);
  broken = await scaffoldProject(provider, provider.clients.basic);
  const file = path.join(broken, 'accountLinking.json');
  const doc = JSON.parse(await readFile(file, 'utf8')) as { accountLinkingRequest: Record<string, unknown> };
  doc.accountLinkingRequest.accessTokenScheme = 'REQUEST_BODY_CREDENTIALS';
  await writeFile(file, JSON.stringify(doc, null, 2));
  // The broken skill's code, linked in (its requires resolve from this repository's node_modules):
  // a short relative --handler keeps the layout the same wherever the repository is checked out.
  await symlink(path.join(SKILLS, 'always-link'), path.join(broken, 'always-link'));
}, 60_000);
afterAll(async () => {
  await provider?.close();
  await removeTempDirs();
});

const SKILLS = path.resolve('test/fixtures/skills');
const SKILL_ID = 'amzn1.ask.skill.00000000-0000-0000-0000-00000000d0c7';
const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({
  HOME: '/nonexistent-home',
  ASK_ACCESS_TOKEN: '',
  ASK_REFRESH_TOKEN: '',
  ASK_VENDOR_ID: DEMO_VENDOR_ID,
  ALEXA_LINK_CLIENT_SECRET: provider.clients.basic.clientSecret,
  TOK: 'a-made-up-token-0123456789',
  COLUMNS: '80',
  LANG: 'C.UTF-8',
  LC_ALL: '',
  TERM: 'xterm',
  ...extra,
});

/** What changes from run to run: temporary folders, ports, milliseconds, request counts of timing-dependent probes. */
function normalise(text: string, dirs: Record<string, string> = {}): string {
  let t = text;
  for (const [name, dir] of Object.entries(dirs)) t = t.split(dir).join(name);
  return t
    .replace(/127\.0\.0\.1:\d+/g, '127.0.0.1:<port>')
    .replace(/\b\d+ ms\b/g, '<n> ms')
    .replace(/\(\d+ ms\)/g, '(<n> ms)');
}

type Scenario = 'good' | 'broken' | 'verifying';
async function doctor(scenario: Scenario, extra: string[] = [], over: NodeJS.ProcessEnv = {}): Promise<CliResult> {
  if (scenario === 'good') return runCli(['doctor', '--skill-id', SKILL_ID, ...extra], { cwd: good, env: env(over) });
  if (scenario === 'broken') return runCli(['doctor', '--handler', 'always-link/index.js', '--token', 'env:TOK', ...extra], { cwd: broken, env: env(over) });
  const server = await startLocalRunner(good, true);
  try {
    return await runCli(['doctor', '--only', 'replays', '--endpoint', server.url, '--request', 'launch', 'intent', 'session-ended', '--probes', 'none', '--token', 'none', ...extra], { cwd: good, env: env(over) });
  } finally {
    await server.close();
  }
}

/** The compact report (the default) at 80 columns, normalised: what a person reads. */
const GOOD = [
  'alexa-link doctor  <good>',
  '',
  ' ✔ Project files             ASK CLI v2 project (profile default): found…',
  ' ⚠ Skill endpoint            skill.json has no endpoint yet; the project…',
  ' ⚠ Linking configuration     2 warnings: authorizationUrl uses http; Alexa…',
  ' - Remote configuration      Skipped: no SMAPI credentials: No usable SMAPI…',
  ' ⚠ Authorization endpoint    authorizationUrl is plain HTTP on a loopback…',
  ' ⚠ Token endpoint            accessTokenUrl is plain HTTP on a loopback…',
  ' ✔ Client authentication     The client authenticates with HTTP_BASIC…',
  ' ✔ Saved login tokens        Access token lifetime 3600 s (at least 360 s).',
  ' - Alexa client credentials  Not a smart home or video skill: Alexa sends it…',
  ' ✔ Replays                   4/4 replays passed (login session token, by…',
  ' - Alexa simulation          Not asked: pass --simulate "<utterance>" (e.g.',
  '',
  'Replays → handler lambda/index.js#handler',
  // The sources give way (built-in requests by their names) so that status, verdict and evidence fit.
  ' ✔ launch-unlinked        LaunchRequest · no token · 200 · pass · LinkAccount…',
  ' ✔ launch                 LaunchRequest · token sent · 200 · pass · speech…',
  ' ✔ intent:Who…t-unlinked  IntentRequest · no token · 200 · pass · LinkAccount…',
  ' ✔ intent:WhoAmIIntent    IntentRequest · token sent · 200 · pass · speech…',
  '',
  'Problems',
  // A warning's fix in full, under its text.
  ' ⚠ Skill endpoint: Run ask deploy (it creates the function and sets the',
  '   endpoint); in a fresh clone of a deployed skill, restore .ask/ask-states.json',
  '   first.',
  ' ⚠ Linking configuration: Serve authorizationUrl over HTTPS on port 443 (this',
  '   loopback address only works for a local rehearsal).',
  '   Serve accessTokenUrl over HTTPS on port 443 (this loopback address only works',
  '   for a local rehearsal).',
  ' ⚠ Authorization endpoint: authorizationUrl is plain HTTP on a loopback address:',
  '   a local rehearsal only; Alexa needs HTTPS on port 443.',
  ' ⚠ Token endpoint: accessTokenUrl is plain HTTP on a loopback address: a local',
  '   rehearsal only; Alexa needs HTTPS on port 443.',
  '',
  'Linking flow',
  ' ⚠ 1 Alexa app → provider: opens the… (linking-config, authorization-endpoint)',
  ' · 2 provider → Alexa: redirect with a code',
  ' ⚠ 3 Alexa → token URL: the code and client credentials (token-endpoint)',
  ' ✔ 4 token URL → Alexa: tokens in JSON, within 4.5 s',
  ' ⚠ 5 Alexa → skill: a request with the token (manifest-endpoint)',
  ' ✔ 6 skill → Alexa: speech, or a LinkAccount card',
  '   · = not checked in this run',
  '',
  '✔ 4/8 checks passed, 4 warnings, 3 skipped · 4/4 replays passed',
];

const BROKEN = [
  'alexa-link doctor  <broken>',
  '',
  ' ⚠ Project files             ASK CLI v2 project; no skill ID: not deployed…',
  ' ⚠ Skill endpoint            skill.json has no endpoint yet; the project…',
  ' ⚠ Linking configuration     2 warnings: authorizationUrl uses http; Alexa…',
  ' - 2 checks skipped (no skill ID: not deployed from…): linking-remote-drift…',
  ' ⚠ Authorization endpoint    authorizationUrl is plain HTTP on a loopback…',
  ' ⚠ Token endpoint            accessTokenUrl is plain HTTP on a loopback…',
  ' ✖ Client authentication     The token endpoint refuses…',
  ' - Saved login tokens        No .alexa-link/session.json: run alexa-link login…',
  ' ✖ Replays                   2/4 replays passed, 2 failed (token from $TOK)',
  ' - Alexa simulation          Not asked: pass --simulate "<utterance>" (e.g.',
  '',
  'Replays → handler always-link/index.js#handler',
  // The sources give way (built-in requests by their names) so that status, verdict and evidence fit.
  ' ✔ launch-unlinked        LaunchRequest · no token · 200 · pass · LinkAccount…',
  ' ✖ launch                 LaunchRequest · token sent · 200 · fail · LinkAccount…',
  ' ✔ intent:Who…t-unlinked  IntentRequest · no token · 200 · pass · LinkAccount…',
  ' ✖ intent:WhoAmIIntent    IntentRequest · token sent · 200 · fail · LinkAccount…',
  '',
  'Problems',
  ' ✖ Client authentication: as accessTokenScheme says',
  '   The token endpoint refuses REQUEST_BODY_CREDENTIALS (client_id and',
  '   client_secret in the form body) (HTTP 401 {"error": "invalid_client"} (client',
  '   authentication failed)) but accepts HTTP_BASIC (credentials in an HTTP Basic',
  '   authorization header) (HTTP 400 {"error": "invalid_grant"} (grant request is',
  '   invalid)): Alexa\'s code exchange fails and users see "unable to link".',
  '   → Set "accessTokenScheme": "HTTP_BASIC" in accountLinking.json and push it',
  '     with alexa-link configure (or change the client\'s authentication method at',
  '     the provider).',
  ' ✖ 2 replays (builtin:launch, builtin:intent:WhoAmIIntent)',
  '   A token was sent (in context.System.user and session.user) and the skill',
  '   still asks to link: it reads or validates the token wrongly. Look at where it',
  '   reads the token (Alexa reads context.System.user.accessToken;',
  '   Alexa.getAccountLinkingAccessToken) and how it validates it (a userinfo call',
  '   answering 401 means the token is expired or revoked: see session-tokens).',
  '   → Read the token at',
  '     Alexa.getAccountLinkingAccessToken(handlerInput.requestEnvelope) (that is',
  '     handlerInput.requestEnvelope.context.System.user.accessToken); when the',
  '     provider answers 401 the token is expired or revoked (alexa-link login',
  '     again for a fresh one).',
  // A warning's fix in full, under its text.
  ' ⚠ Project files: Pass --skill-id amzn1.ask.skill.… (the developer console shows',
  '   it); in a fresh clone of a deployed skill, restore .ask/ask-states.json',
  '   before ask deploy (else it creates a second skill).',
  ' ⚠ Skill endpoint: Run ask deploy (it creates the function and sets the',
  '   endpoint); in a fresh clone of a deployed skill, restore .ask/ask-states.json',
  '   first.',
  ' ⚠ Linking configuration: Serve authorizationUrl over HTTPS on port 443 (this',
  '   loopback address only works for a local rehearsal).',
  '   Serve accessTokenUrl over HTTPS on port 443 (this loopback address only works',
  '   for a local rehearsal).',
  ' ⚠ Authorization endpoint: authorizationUrl is plain HTTP on a loopback address:',
  '   a local rehearsal only; Alexa needs HTTPS on port 443.',
  ' ⚠ Token endpoint: accessTokenUrl is plain HTTP on a loopback address: a local',
  '   rehearsal only; Alexa needs HTTPS on port 443.',
  '',
  'Linking flow',
  ' ⚠ 1 Alexa app → provider: opens the… (linking-config, authorization-endpoint)',
  ' · 2 provider → Alexa: redirect with a code',
  ' ✖ 3 Alexa → token URL: the code and… ← fails here (token-endpoint-scheme)',
  ' · 4 token URL → Alexa: tokens in JSON, within 4.5 s',
  ' ⚠ 5 Alexa → skill: a request with the token (manifest-endpoint)',
  ' ✖ 6 skill → Alexa: speech, or a LinkAccount card (replays)',
  '   · = not checked in this run',
  '',
  '✖ 0/7 checks passed, 5 warnings, 2 failed, 4 skipped · 2/4 replays passed',
  'Next: alexa-link doctor --fix --handler always-link/index.js --token env:TOK',
];

const VERIFYING = [
  'alexa-link doctor  <good>',
  '',
  ' ✖ Replays   0/3 replays passed, 3 failed (no token)',
  '',
  'Replays → endpoint http://127.0.0.1:<port>/',
  // The sources give way (built-in requests by their names) so that status, verdict and evidence fit.
  ' ✖ launch             LaunchRequest · no token · 400 · fail · verification…',
  ' ✖ intent:W…mIIntent  IntentRequest · no token · 400 · fail · verification…',
  ' ✖ session-ended      SessionEndedRequest · no token · 400 · fail · verificatio…',
  '',
  'Problems',
  ' ✖ 3 replays (builtin:launch, builtin:intent:WhoAmIIntent,',
  '   builtin:session-ended)',
  '   The endpoint answered 400 "AskSdk.Request verification failed Error, Missing',
  '   Certificate for the skill request": it verifies Alexa\'s request signature',
  '   (SignatureCertChainUrl and Signature-256 headers), and only Alexa can sign a',
  '   request. That is right for production; for a direct replay restart the',
  '   skill\'s local server with verification off (SKIP_VERIFICATION=1 npm start, or',
  '   npm start -- --no-verify, in lambda/), or replay through Alexa with --smapi',
  '   (SMAPI skill invocation signs the request).',
  '   → Replay against a server with request verification off, or through Alexa',
  '     with --smapi.',
  '',
  'Linking flow',
  ' · 1 Alexa app → provider: opens the authorization URL',
  ' · 2 provider → Alexa: redirect with a code',
  ' · 3 Alexa → token URL: the code and client credentials',
  ' · 4 token URL → Alexa: tokens in JSON, within 4.5 s',
  ' · 5 Alexa → skill: a request with the token',
  ' ✖ 6 skill → Alexa: speech, or a LinkAccount card ← fails here (replays)',
  '   · = not checked in this run',
  '',
  '✖ 0/1 checks passed, 1 failed · 0/3 replays passed',
  // The command to copy, broken between arguments (a flag with its value), pasting as one.
  'Next, after the fix above: alexa-link doctor --only replays \\',
  '                           --endpoint http://127.0.0.1:<port>/ --token none',
];

const WIDE_OK = (line: string) => !/\S\s+\S/.test(line.trim());

/** Lines wider than `width`, except one unbreakable word (a URL, a path). */
function tooWide(text: string, width: number): string[] {
  return text.split('\n').filter((l) => displayWidth(l) > width && !WIDE_OK(l));
}

const DIRS = () => ({ '<good>': good, '<broken>': broken, '<skills>': SKILLS });

describe('the compact report (the default), written out', () => {
  it.each<[Scenario, string[], number]>([
    ['good', GOOD, 0],
    ['broken', BROKEN, 1],
    ['verifying', VERIFYING, 1],
  ])('%s skill', async (scenario, expected, code) => {
    const r = await doctor(scenario);
    expect(r.code, r.stderr).toBe(code);
    expect(normalise(r.stdout, DIRS()).split('\n')).toEqual([...expected, '']);
    // One screen, ending with the command to run next when something failed.
    expect(r.stdout.trimEnd().split('\n').length).toBeLessThanOrEqual(66);
  });
});

describe('an empty folder', () => {
  it('at most four lines, what is missing and what to run, exit 2', async () => {
    const dir = await tempDir('al-doctor-empty-');
    for (const args of [[], ['-v']]) {
      const r = await runCli(['doctor', ...args], { cwd: dir, env: env() });
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
      // -v adds the stack trace under them, as for any error.
      expect(r.stderr.trimEnd().split('\n').slice(0, args.length ? 4 : undefined)).toEqual([
        '✖ No skill project: no ask-resources.json, skill.json or handler code here.',
        '  New skill: alexa-link init my-skill · existing one: alexa-link init --add',
        '  Another folder: alexa-link --cwd <dir> doctor',
        '  A handler alone: alexa-link doctor --handler <file>',
      ]);
    }
    const json = await runCli(['--json', 'doctor'], { cwd: dir, env: env() });
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toEqual({
      schemaVersion: 1,
      ok: false,
      error: { code: 'E_NO_PROJECT', message: 'No skill project: no ask-resources.json, skill.json or handler code here.', hint: expect.stringContaining('alexa-link init my-skill') },
    });
    const ascii = await runCli(['doctor'], { cwd: dir, env: env({ LANG: 'C' }) });
    expect(ascii.stderr.split('\n')[0]).toBe('x No skill project: no ask-resources.json, skill.json or handler code here.');
    expect(ascii.stderr).toContain('New skill: alexa-link init my-skill . existing one: alexa-link init --add');
  });
});

describe('a --handler whose export is missing', () => {
  it('says the export is not there and how to name one, once, not "fix that error"', async () => {
    const dir = await tempDir('al-doctor-export-');
    await writeFile(path.join(dir, 'h.js'), 'exports.other = () => 1;\nexports.helper = function () {};\nexports.VERSION = "1.0";\n');
    const r = await runCli(['doctor', '--only', 'replays', '--handler', 'h.js', '--probes', 'none'], { cwd: dir, env: env() });
    expect(r.code).toBe(1);
    const problems = r.stdout.slice(r.stdout.indexOf('Problems'), r.stdout.indexOf('Linking flow')).replace(/\s+/g, ' ');
    expect(problems).toMatch(/The handler h\.js#handler is not there: .*h\.js exports no function "handler" \(it exports: helper, other\)\. Name the exported function after # \(--handler h\.js#<function>\)/);
    expect(problems).not.toContain('Fix that error');
    expect(problems.split('Name the exported function').length - 1).toBe(1);
  });
});

describe('the full report (-v)', () => {
  it.each<Scenario>(['good', 'broken', 'verifying'])('%s: every check with its whole detail and timing, every replay in full, the flow', async (scenario) => {
    const r = await doctor(scenario, ['-v'], { COLUMNS: '120' });
    const text = normalise(r.stdout, DIRS());
    const compact = await doctor(scenario, [], { COLUMNS: '120' });
    expect(r.code).toBe(compact.code);
    expect(text).toMatch(/^alexa-link doctor {2}<(good|broken)>\n\n [✔⚠✖-] [a-z-]+ +.* \(<n> ms\)\n/);
    // The drawing, at 120 columns.
    expect(text).toContain('├──────────────▶│');
    // Every replay with its latency and its explanation under it.
    expect(text).toMatch(/ [✔⚠✖] builtin:launch +LaunchRequest {2}· {2}(no token|token: context\+session) {2}· {2}\d+ {2}<n> ms {2}· {2}/);
    expect(text.split('\n').length).toBeGreaterThan(normalise(compact.stdout, DIRS()).split('\n').length);
    if (scenario === 'broken') {
      expect(text).toContain('How to fix');
      expect(text).toMatch(/probes: token in context only → asks to link/);
    }
    expect(text.trimEnd().split('\n').pop()).toMatch(/^(Next|✔|✖)/);
  });

  it('at 80 columns the drawing is a list of hops, and nothing is wider', async () => {
    const r = await doctor('broken', ['-v']);
    expect(r.stdout).not.toContain('├──');
    expect(r.stdout).toContain(' ✖ 3 Alexa → token URL: the code and… ← fails here (token-endpoint-scheme)');
    expect(tooWide(r.stdout, 80)).toEqual([]);
  });
});

describe('--json: the same findings, one document', () => {
  it.each<[Scenario, boolean, number]>([
    ['good', true, 4],
    ['broken', false, 4],
    ['verifying', false, 3],
  ])('%s', async (scenario, ok, replays) => {
    const r = await doctor(scenario, ['--json']);
    const doc = JSON.parse(r.stdout) as DoctorJson & { schemaVersion: number };
    expect(Object.keys(doc)).toEqual(['schemaVersion', 'ok', 'summary', 'checks', 'replays']);
    expect(doc.schemaVersion).toBe(1);
    expect(doc.ok).toBe(ok);
    expect(doc.replays).toHaveLength(replays);
    // -v changes the text, not the document.
    const verbose = JSON.parse((await doctor(scenario, ['--json', '-v'])).stdout) as DoctorJson;
    expect(verbose.checks.map((c) => [c.id, c.status])).toEqual(doc.checks.map((c) => [c.id, c.status]));
  });
});

describe('width and character set', () => {
  for (const width of [60, 120]) {
    it.each<Scenario>(['good', 'broken', 'verifying'])(`%s at ${width} columns: nothing wider, compact and -v`, async (scenario) => {
      for (const args of [[], ['-v']]) {
        const r = await doctor(scenario, args, { COLUMNS: String(width) });
        expect(tooWide(r.stdout, width), `${scenario} ${args.join(' ')}`).toEqual([]);
        expect(tooWide(r.stderr, width)).toEqual([]);
      }
    });
  }

  it('at 60 columns the one-line results are cut to fit; a replay too long for one line goes under its source', async () => {
    const r = await doctor('good', [], { COLUMNS: '60' });
    expect(r.stdout).toContain(' ✔ builtin:intent:WhoAmIIntent-unlinked\n     IntentRequest · no token · 200 · pass · LinkAccount…\n');
    expect(r.stdout).toMatch(/ ✔ Project files {13}ASK CLI v2 project \(profile…\n/);
  });

  it.each([60, 80, 120])('a replay of an --envelopes file deep in folders at %i columns: its file name, status, verdict and evidence show', async (width) => {
    const dir = path.join(broken, 'a-rather-long-folder-name', 'with-captured-requests-from-ask-dialog');
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, 'launch-linked.json');
    await copyFile(path.resolve('test/fixtures/envelopes/launch-linked.json'), file);
    const r = await doctor('broken', ['--only', 'replays', '--probes', 'none', '--envelopes', file], { COLUMNS: String(width) });
    const lines = r.stdout.split('\n');
    const at = lines.findIndex((l) => l.startsWith(' ✖ ') && l.includes('launch-linked.json'));
    expect(at, r.stdout).toBeGreaterThan(-1);
    // The source loses its middle, never its file name; the rest is beside it, or under it when too narrow.
    expect(lines[at]).toMatch(/…\/launch-linked\.json/);
    const rest = width >= 80 ? lines[at]! : lines[at + 1]!;
    expect(rest).toMatch(/LaunchRequest · token sent · 200 · fail · LinkAccount/);
    expect(tooWide(r.stdout, width)).toEqual([]);
  });

  it.each([60, 80, 120])('the command to run next at %i columns: broken between arguments, each broken line ending in " \\"', async (width) => {
    const r = await doctor('verifying', [], { COLUMNS: String(width) });
    const out = normalise(r.stdout, DIRS());
    const next = out.slice(out.indexOf('Next')).trimEnd().split('\n');
    for (const l of next) expect(displayWidth(l)).toBeLessThanOrEqual(width);
    for (const l of next.slice(0, -1)) expect(l).toMatch(/ \\$/);
    // Pasted, it is the one command: no argument, URL or path cut.
    expect(next.map((l) => l.replace(/ \\$/, '').trim()).join(' ')).toBe('Next, after the fix above: alexa-link doctor --only replays --endpoint http://127.0.0.1:<port>/ --token none');
    expect(next).toHaveLength(width >= 120 ? 1 : width >= 80 ? 2 : 3);
  });

  it.each([
    ['TERM=dumb', { TERM: 'dumb' }],
    ['LANG=C', { LANG: 'C' }],
  ])('%s: the same report in ASCII', async (_name, over) => {
    const r = await doctor('broken', [], over);
    expect(r.stdout).not.toMatch(/[^\x00-\x7f]/);
    const unicode = normalise((await doctor('broken')).stdout, DIRS());
    const ascii = normalise(r.stdout, DIRS());
    expect(ascii.split('\n')).toHaveLength(unicode.split('\n').length);
    expect(ascii).toContain(' x Client authentication     The token endpoint refuses...');
    expect(ascii).toContain(' x 3 Alexa -> token URL: the code and... <- fails here (token-endpoint-scheme)');
    expect(ascii).toContain('x 0/7 checks passed, 5 warnings, 2 failed, 4 skipped . 2/4 replays passed');
    const full = await doctor('broken', ['-v'], { ...over, COLUMNS: '120' });
    expect(full.stdout).not.toMatch(/[^\x00-\x7f]/);
    expect(full.stdout).toContain('+-------------->|');
  });
});
