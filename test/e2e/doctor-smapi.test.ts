import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../../src/errors.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_VENDOR_ID, startLocalProvider, type LocalProvider } from '../../src/demo/local-provider.js';
import type { DoctorJson } from '../../src/doctor/report.js';
import { doctorOptions, runDoctor } from '../../src/doctor/run.js';
import { collectingOutput } from '../../src/ui/output.js';
import { runCli } from '../support/cli.js';
import { removeTempDirs } from '../support/skill-project.js';
import { startSmapiStandin, type SmapiStandin } from '../support/smapi-standin.js';
import { saveLoginSession, scaffoldProject, startLocalRunner } from './doctor-project.js';

/**
 * doctor against the SMAPI stand-in (which validates every request against Amazon's SMAPI spec):
 * local vs remote drift, replays through SMAPI skill invocation (--smapi), and --simulate, where
 * the stand-in plays Alexa and calls the scaffolded skill behind its local runner.
 */
const SKILL = 'amzn1.ask.skill.5a1e5a1e-0000-4000-8000-00000000d0c7';
const SMAPI_TOKEN = 'Atza|smapi-standin-access-token-for-doctor';
let provider: LocalProvider;
let standin: SmapiStandin | undefined;
let runner: { url: string; close: () => Promise<void> } | undefined;

beforeAll(async () => {
  provider = await startLocalProvider();
});
afterEach(async () => {
  if (standin) expect(standin.violations()).toEqual([]);
  await standin?.close();
  await runner?.close();
  standin = undefined;
  runner = undefined;
});
afterAll(async () => {
  await provider?.close();
  await removeTempDirs();
});

/** A deployed-looking project: scaffolded, with .ask/ask-states.json naming the skill. */
async function deployedProject(): Promise<string> {
  const dir = await scaffoldProject(provider, provider.clients.basic);
  await mkdir(path.join(dir, '.ask'));
  await writeFile(path.join(dir, '.ask', 'ask-states.json'), JSON.stringify({ askcliStatesVersion: '2020-03-31', profiles: { default: { skillId: SKILL } } }));
  return dir;
}

async function localLinking(dir: string): Promise<Record<string, unknown>> {
  return (JSON.parse(await readFile(path.join(dir, 'accountLinking.json'), 'utf8')) as { accountLinkingRequest: Record<string, unknown> }).accountLinkingRequest;
}

function cliEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { HOME: '/nonexistent-home', ASK_ACCESS_TOKEN: SMAPI_TOKEN, ASK_REFRESH_TOKEN: '', ASK_VENDOR_ID: DEMO_VENDOR_ID, ...standin!.env(), ...extra };
}

describe('linking-remote-drift', () => {
  it.each<[string, (local: Record<string, unknown>) => Record<string, unknown> | undefined, 'pass' | 'warn' | 'fail', RegExp, RegExp?]>([
    ['the same configuration', (l) => ({ ...l, clientSecret: 'stored-secret' }), 'pass', /matches the development configuration/],
    ['other scopes remotely', (l) => ({ ...l, scopes: ['profile'], clientSecret: 'stored-secret' }), 'fail', /differs[\s\S]*scopes[\s\S]*~ scopes: \["profile"\] → /, /alexa-link configure/],
    ['a field only remotely', (l) => ({ ...l, voiceForwardAccountLinking: 'ENABLED', clientSecret: 'stored-secret' }), 'warn', /fields accountLinking\.json lacks \(voiceForwardAccountLinking\)/],
    ['nothing configured remotely', () => undefined, 'fail', /has no account linking configured/, /alexa-link configure/],
  ])('%s', async (_name, remote, status, detail, fix) => {
    const dir = await deployedProject();
    const linking = remote(await localLinking(dir));
    standin = await startSmapiStandin({ accessTokens: [SMAPI_TOKEN], vendors: [{ id: DEMO_VENDOR_ID }], skills: [{ skillId: SKILL, ...(linking ? { linking: { development: linking } } : {}) }] });
    const r = await runCli(['--json', 'doctor', '--only', 'linking-remote-drift'], { cwd: dir, env: cliEnv() });
    const c = (JSON.parse(r.stdout) as DoctorJson).checks.find((x) => x.id === 'linking-remote-drift')!;
    expect(c.status).toBe(status);
    expect(c.detail).toMatch(detail);
    if (fix) expect(c.fix).toMatch(fix);
    expect(r.code).toBe(status === 'fail' ? 1 : 0);
    expect(r.stdout + r.stderr).not.toContain('stored-secret');
    expect(standin.requests('getAccountLinkingInfoV1')).toHaveLength(1);
  });

  it('credentials SMAPI refuses: the failure says so', async () => {
    const dir = await deployedProject();
    standin = await startSmapiStandin({ accessTokens: [SMAPI_TOKEN], skills: [{ skillId: SKILL }] });
    const r = await runCli(['--json', 'doctor', '--only', 'linking-remote-drift'], { cwd: dir, env: cliEnv({ ASK_ACCESS_TOKEN: 'Atza|not-a-valid-token' }) });
    const c = (JSON.parse(r.stdout) as DoctorJson).checks.find((x) => x.id === 'linking-remote-drift')!;
    expect(c.status).toBe('fail');
    expect(c.detail).toMatch(/401/);
    expect(r.stdout + r.stderr).not.toContain('Atza|not-a-valid-token');
  });
});

describe('--smapi: replays through SMAPI skill invocation', () => {
  it('enables the skill, sends the envelopes through Alexa, and judges the answers', async () => {
    const dir = await deployedProject();
    await saveLoginSession(dir, provider, provider.clients.basic);
    runner = await startLocalRunner(dir, false);
    standin = await startSmapiStandin({ accessTokens: [SMAPI_TOKEN], skills: [{ skillId: SKILL, skillEndpoint: runner.url }] });
    const r = await runCli(['--json', 'doctor', '--only', 'replays', '--smapi', '--token', 'session'], { cwd: dir, env: cliEnv() });
    const doc = JSON.parse(r.stdout) as DoctorJson;
    expect(doc.replays.map((x) => [x.source, x.verdict, x.response.linkAccountCard])).toEqual([
      ['builtin:launch-unlinked', 'pass', true],
      ['builtin:launch', 'pass', false],
      ['builtin:intent:WhoAmIIntent-unlinked', 'pass', true],
      ['builtin:intent:WhoAmIIntent', 'pass', false],
    ]);
    expect(doc.replays[1]!.response.speech).toMatch(/Ada Lovelace/);
    expect(r.code).toBe(0);
    expect(standin.isEnabled(SKILL, 'development')).toBe(true);
    expect(standin.requests('invokeSkillEndPointV2')).toHaveLength(4);
  });

  it('--offline with only the SMAPI replays asked for: nothing to check (a usage error, exit 2), nothing run', async () => {
    const dir = await deployedProject();
    const { out, stdout, stderr } = collectingOutput({ json: true });
    const run = runDoctor(options(dir, { only: ['replays'], target: { kind: 'smapi' }, offline: true }), { out, env: { HOME: dir } });
    await expect(run).rejects.toThrow(UsageError);
    await expect(run).rejects.toThrow(/Nothing to check offline: replays needs the network, and --offline skips it/);
    expect(stdout()).toBe('');
    expect(stderr()).not.toContain('Running');
  });

  it('--offline with the SMAPI replays and an offline check: the replays are skipped with the reason', async () => {
    const dir = await deployedProject();
    const { out, stdout } = collectingOutput({ json: true });
    const { exitCode } = await runDoctor(options(dir, { only: ['replays', 'linking-config'], target: { kind: 'smapi' }, offline: true }), { out, env: { HOME: dir } });
    const doc = JSON.parse(stdout()) as DoctorJson;
    expect(doc.checks.find((c) => c.id === 'replays')).toMatchObject({ status: 'skip', detail: expect.stringMatching(/--offline/) });
    expect(exitCode).toBe(0);
  });
});

const options = doctorOptions;

describe('--simulate', () => {
  it('shows that Alexa sent the token, saves the request (0600) and that file replays', async () => {
    const dir = await deployedProject();
    const session = await saveLoginSession(dir, provider, provider.clients.basic);
    runner = await startLocalRunner(dir, false);
    standin = await startSmapiStandin({ accessTokens: [SMAPI_TOKEN], skills: [{ skillId: SKILL, skillEndpoint: runner.url, userAccessToken: session.tokens.accessToken }] });
    const r = await runCli(['--json', 'doctor', '--only', 'simulation', '--simulate', 'open doctor test skill'], { cwd: dir, env: cliEnv(), timeoutMs: 60_000 });
    const c = (JSON.parse(r.stdout) as DoctorJson).checks.find((x) => x.id === 'simulation')!;
    expect(c.status).toBe('pass');
    expect(c.detail).toMatch(/Alexa sent an accessToken \(in context\.System\.user and session\.user\) for "open doctor test skill", and the skill answered: "Hello, Ada Lovelace/);
    const saved = /saved in (\.alexa-link\/envelopes\/simulation-[^ ]+\.json)/.exec(c.detail)![1]!;
    expect((await stat(path.join(dir, saved))).mode & 0o777).toBe(0o600);
    expect((await stat(path.join(dir, '.alexa-link', 'envelopes'))).mode & 0o777).toBe(0o700);
    expect(r.stdout + r.stderr).not.toContain(session.tokens.accessToken);
    expect(standin.isEnabled(SKILL, 'development')).toBe(true);
    expect(r.code).toBe(0);

    // The saved request replays against the skill's handler with the token it carried.
    const again = await runCli(['--json', 'doctor', '--only', 'replays', '--envelopes', saved], { cwd: dir, env: cliEnv() });
    const replay = (JSON.parse(again.stdout) as DoctorJson).replays[0]!;
    expect(replay).toMatchObject({ source: saved, tokenInEnvelope: { context: true, session: true }, verdict: 'pass' });
    expect(replay.response.speech).toMatch(/Ada Lovelace/);
  }, 60_000);

  it('an unlinked test account: Alexa sends no token, and doctor says how to link', async () => {
    const dir = await deployedProject();
    runner = await startLocalRunner(dir, false);
    standin = await startSmapiStandin({ accessTokens: [SMAPI_TOKEN], skills: [{ skillId: SKILL, skillEndpoint: runner.url, enabled: ['development'] }] });
    const { out, stdout } = collectingOutput({ json: true });
    const { exitCode } = await runDoctor(options(dir, { only: ['simulation'], simulate: 'open doctor test skill' }), {
      out,
      env: { HOME: dir, ASK_ACCESS_TOKEN: SMAPI_TOKEN, ...standin.env() },
      smapiTiming: { pollBaseMs: 20, backoffBaseMs: 10 },
    });
    const c = (JSON.parse(stdout()) as DoctorJson).checks[0]!;
    expect(c.status).toBe('fail');
    expect(c.detail).toMatch(/NO accessToken[\s\S]*LinkAccount card/);
    expect(c.fix).toMatch(/link it in the Alexa app/);
    expect(exitCode).toBe(1);
  });

  it('without SMAPI credentials --simulate fails with the reason', async () => {
    const dir = await deployedProject();
    const { out, stdout } = collectingOutput({ json: true });
    await runDoctor(options(dir, { only: ['simulation'], simulate: 'open it' }), { out, env: { HOME: dir }, homeDir: dir });
    const c = (JSON.parse(stdout()) as DoctorJson).checks[0]!;
    expect(c.status).toBe('fail');
    expect(c.detail).toMatch(/--simulate needs SMAPI: no SMAPI credentials/);
  });
});
