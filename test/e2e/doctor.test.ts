import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_VENDOR_ID, startLocalProvider, type LocalProvider } from '../../src/demo/local-provider.js';
import type { DoctorJson } from '../../src/doctor/report.js';
import { runCli } from '../support/cli.js';
import { REPO_NODE_MODULES, removeTempDirs, run } from '../support/skill-project.js';
import { saveLoginSession, scaffoldProject, startLocalRunner } from './doctor-project.js';

/**
 * The built CLI on a project scaffolded by `alexa-link init` against the real local OAuth
 * provider: the "done" case (--token session shows the skill asking to link without a
 * token and greeting the user with it), the text report, and replays behind the generated local
 * runner with request verification on and off.
 */
let provider: LocalProvider;
beforeAll(async () => {
  provider = await startLocalProvider();
});
afterAll(async () => {
  await provider?.close();
  await removeTempDirs();
});

function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  // HOME without ~/.ask/cli_config and no ASK_* credentials: the SMAPI checks skip with the reason.
  return { HOME: '/nonexistent-home', ASK_ACCESS_TOKEN: '', ASK_REFRESH_TOKEN: '', ASK_VENDOR_ID: DEMO_VENDOR_ID, ...extra };
}

describe('alexa-link doctor on a scaffolded project', () => {
  it('--token session: the skill asks to link without a token and greets the user with the session token', async () => {
    const dir = await scaffoldProject(provider, provider.clients.basic);
    const session = await saveLoginSession(dir, provider, provider.clients.basic);
    const r = await runCli(['--json', 'doctor', '--token', 'session', '--skill-id', 'amzn1.ask.skill.00000000-0000-0000-0000-00000000d0c7'], { cwd: dir, env: env({ ALEXA_LINK_CLIENT_SECRET: provider.clients.basic.clientSecret }) });
    const doc = JSON.parse(r.stdout) as DoctorJson;
    expect(Object.keys(doc)).toEqual(['schemaVersion', 'ok', 'summary', 'checks', 'replays']);
    expect(doc.checks.map((c) => c.id)).toEqual([
      'project-files',
      'manifest-endpoint',
      'linking-config',
      'linking-remote-drift',
      'authorization-endpoint',
      'token-endpoint',
      'token-endpoint-scheme',
      'session-tokens',
      'alexa-client-credentials',
      'replays',
      'simulation',
    ]);
    const status = Object.fromEntries(doc.checks.map((c) => [c.id, c.status]));
    expect(status).toMatchObject({ 'token-endpoint-scheme': 'pass', 'session-tokens': 'pass', replays: 'pass', 'linking-remote-drift': 'skip', simulation: 'skip' });
    expect(doc.checks.find((c) => c.id === 'linking-remote-drift')!.detail).toMatch(/no SMAPI credentials/);

    const [unlinked, launch, intentUnlinked, intent] = doc.replays;
    expect(intentUnlinked).toMatchObject({ source: 'builtin:intent:WhoAmIIntent-unlinked', tokenInEnvelope: { context: false, session: false }, response: { linkAccountCard: true }, verdict: 'pass' });
    // The probes ran on the token-bearing replays: the generated skill reads the token in context,
    // asks to link without one, and validates it at the provider (a made-up token gets a LinkAccount card).
    expect(launch!.probes.map((p) => [p.id, p.response.linkAccountCard])).toEqual([
      ['context-only', false],
      ['no-token', true],
      ['made-up-token', true],
    ]);
    expect(unlinked).toMatchObject({ source: 'builtin:launch-unlinked', request: 'LaunchRequest', tokenInEnvelope: { context: false, session: false }, status: 200, response: { linkAccountCard: true }, verdict: 'pass' });
    expect(launch).toMatchObject({ source: 'builtin:launch', tokenInEnvelope: { context: true, session: true }, status: 200, response: { linkAccountCard: false }, verdict: 'pass' });
    expect(launch!.response.speech).toMatch(/Hello, Ada Lovelace/);
    expect(intent).toMatchObject({ source: 'builtin:intent:WhoAmIIntent', request: 'IntentRequest', verdict: 'pass' });
    expect(intent!.response.speech).toMatch(/Ada Lovelace/);
    expect(typeof launch!.latencyMs).toBe('number');

    expect(doc.ok).toBe(true);
    expect(r.code).toBe(0);
    // No token, old or refreshed, is printed whole.
    for (const secret of [session.tokens.accessToken, session.tokens.refreshToken!, provider.clients.basic.clientSecret]) {
      expect(r.stdout).not.toContain(secret);
      expect(r.stderr).not.toContain(secret);
    }
  });

  it('prints a readable report with the flow diagram and no colour under NO_COLOR', async () => {
    const dir = await scaffoldProject(provider, provider.clients.basic);
    const r = await runCli(['doctor', '--offline'], { cwd: dir, env: env() });
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(/\x1b\[/);
    // One line per check; the checks --offline skips share one line.
    expect(r.stdout).toMatch(/ [✔⚠] Linking configuration +/);
    expect(r.stdout).toContain(' - 6 checks skipped (it needs the network, and --offline is on): linking-remote-drift, authorization-endpoint, token-endpoint, token-endpoint-scheme, alexa-client-credentials, simulation');
    expect(r.stdout).toContain('Replays → handler lambda/index.js#handler');
    expect(r.stdout).toMatch(/✔ builtin:launch +LaunchRequest · no token · 200 · pass · LinkAccount card/);
    expect(r.stdout).toContain('Linking flow');
    expect(r.stdout).toMatch(/\d+\/\d+ checks passed.* · 2\/2 replays passed/);
    // The full report (-v) has each check's whole detail.
    const full = await runCli(['doctor', '-v', '--offline'], { cwd: dir, env: env() });
    expect(full.stdout).toMatch(/ - token-endpoint +Token endpoint \(\d+ ms\)\n +Skipped: it needs the network, and --offline is on\./);
    expect(r.stderr).toContain('Running 11 checks (offline)');
    // --json is not mixed in.
    expect(r.stdout).not.toMatch(/^\{/m);
  });

  it('colours the report when FORCE_COLOR is set', async () => {
    const dir = await scaffoldProject(provider, provider.clients.basic);
    const r = await runCli(['doctor', '--offline', '--only', 'linking-config'], { cwd: dir, env: env({ NO_COLOR: '', FORCE_COLOR: '1' }) });
    expect(r.stdout).toMatch(/\x1b\[3\dm/);
  });

  it('an endpoint that verifies requests: a 400 explained, with the switch to turn verification off', async () => {
    const dir = await scaffoldProject(provider, provider.clients.basic);
    const verifying = await startLocalRunner(dir, true);
    try {
      const r = await runCli(['--json', 'doctor', '--only', 'replays', '--endpoint', verifying.url], { cwd: dir, env: env() });
      expect(r.code).toBe(1);
      const doc = JSON.parse(r.stdout) as DoctorJson;
      const first = doc.replays[0]!;
      expect(first).toMatchObject({ status: 400, verdict: 'fail' });
      expect(first.explanation).toMatch(/verifies Alexa's request signature/);
      expect(first.explanation).toMatch(/Missing Certificate/);
      expect(first.explanation).toMatch(/SKIP_VERIFICATION=1 npm start/);
      expect(first.explanation).toMatch(/--smapi/);
    } finally {
      await verifying.close();
    }
  });

  it('the same local runner with verification off answers the replays', async () => {
    const dir = await scaffoldProject(provider, provider.clients.basic);
    await saveLoginSession(dir, provider, provider.clients.basic);
    const open = await startLocalRunner(dir, false);
    try {
      const r = await runCli(['--json', 'doctor', '--only', 'replays', '--endpoint', open.url, '--token', 'session'], { cwd: dir, env: env() });
      const doc = JSON.parse(r.stdout) as DoctorJson;
      expect(doc.replays.map((x) => x.verdict)).toEqual(['pass', 'pass', 'pass', 'pass']);
      expect(doc.replays[1]!.response.speech).toMatch(/Ada Lovelace/);
      expect(r.code).toBe(0);
    } finally {
      await open.close();
    }
  });

  it('a revoked session token: the token arrives but the skill asks to link, and doctor says why', async () => {
    const dir = await scaffoldProject(provider, provider.clients.basic);
    const session = await saveLoginSession(dir, provider, provider.clients.basic);
    await provider.revokeToken(session.tokens.accessToken);
    const r = await runCli(['--json', 'doctor', '--only', 'replays', '--token', 'session'], { cwd: dir, env: env() });
    const doc = JSON.parse(r.stdout) as DoctorJson;
    const launch = doc.replays.find((x) => x.source === 'builtin:launch')!;
    expect(launch).toMatchObject({ tokenInEnvelope: { context: true, session: true }, response: { linkAccountCard: true }, verdict: 'fail' });
    expect(launch.explanation).toMatch(/still asks to link[\s\S]*401 means the token is expired or revoked/);
    expect(r.code).toBe(1);
  });

  it('a TypeScript skill: replays wait for the build, then run the compiled handler', async () => {
    const dir = await scaffoldProject(provider, provider.clients.basic, { language: 'typescript' });
    await saveLoginSession(dir, provider, provider.clients.basic);
    const before = await runCli(['--json', 'doctor', '--only', 'replays'], { cwd: dir, env: env() });
    const skipped = (JSON.parse(before.stdout) as DoctorJson).checks[0]!;
    expect(skipped).toMatchObject({ id: 'replays', status: 'skip', detail: expect.stringMatching(/TypeScript code in lambda is not built/) });
    expect(skipped.fix).toMatch(/npm run build in lambda/);
    const built = await run(process.execPath, [path.join(REPO_NODE_MODULES, 'typescript', 'bin', 'tsc'), '-p', '.'], { cwd: path.join(dir, 'lambda'), timeoutMs: 120_000 });
    expect(built.code, built.stdout + built.stderr).toBe(0);
    const after = await runCli(['--json', 'doctor', '--only', 'replays', '--token', 'session'], { cwd: dir, env: env() });
    const doc = JSON.parse(after.stdout) as DoctorJson;
    expect(doc.replays.map((x) => x.verdict)).toEqual(['pass', 'pass', 'pass', 'pass']);
    expect(doc.replays[1]!.response.speech).toMatch(/Ada Lovelace/);
    expect(after.stderr).toBe('Running 1 check…\n');
  }, 150_000);

  it('--verbose shows HTTP traces, replay progress and timings but never a token', async () => {
    const dir = await scaffoldProject(provider, provider.clients.basic);
    const session = await saveLoginSession(dir, provider, provider.clients.basic);
    const r = await runCli(['--verbose', 'doctor', '--token', 'session'], { cwd: dir, env: env({ ALEXA_LINK_CLIENT_SECRET: provider.clients.basic.clientSecret }) });
    expect(r.stderr).toMatch(/replay builtin:launch: pass \(\d+ ms\)/);
    expect(r.stderr).toMatch(/→ POST http:\/\/127\.0\.0\.1:\d+\/token/);
    expect(r.stdout).toMatch(/\(\d+ ms\)/);
    for (const secret of [session.tokens.accessToken, session.tokens.refreshToken!, provider.clients.basic.clientSecret]) {
      expect(r.stdout).not.toContain(secret);
      expect(r.stderr).not.toContain(secret);
    }
  });
});
