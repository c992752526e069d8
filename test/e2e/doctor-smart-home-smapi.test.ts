import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_VENDOR_ID, startLocalProvider, type LocalProvider } from '../../src/demo/local-provider.js';
import type { DoctorJson } from '../../src/doctor/report.js';
import { runInit } from '../../src/scaffold/run-init.js';
import { runCli } from '../support/cli.js';
import { removeTempDirs, tempDir } from '../support/skill-project.js';
import { startSmapiStandin, type SmapiStandin } from '../support/smapi-standin.js';

/**
 * doctor on a smart home skill with SMAPI credentials and a skill ID, through the built CLI,
 * against the SMAPI stand-in (every request checked against Amazon's SMAPI spec): whether the
 * skill has Alexa client credentials for AcceptGrant, never showing them.
 */
const SKILL = 'amzn1.ask.skill.5a1e5a1e-0000-4000-8000-0000005a4e0e';
const SMAPI_TOKEN = 'Atza|smapi-standin-access-token-for-smart-home';
const CLIENT_ID = 'amzn1.application-oa2-client.5a4e0e5a4e0e5a4e0e5a4e0e5a4e0e5a';
const CLIENT_SECRET = 'amzn1.oa2-cs.v1.smart-home-messaging-secret-never-shown-0123456789abcdef';
let provider: LocalProvider;
let standin: SmapiStandin | undefined;

beforeAll(async () => {
  provider = await startLocalProvider();
});
afterEach(async () => {
  if (standin) expect(standin.violations()).toEqual([]);
  await standin?.close();
  standin = undefined;
});
afterAll(async () => {
  await provider?.close();
  await removeTempDirs();
});

async function deployedProject(skillType: 'smart-home' | 'custom', permissions: string[] = []): Promise<string> {
  const cwd = await tempDir('al-doctor-sh-');
  const init = await runInit(
    {
      skillType,
      dir: 'porch-light',
      ...(skillType === 'custom' ? { invocation: 'porch light' } : {}),
      clientId: provider.clients.basic.clientId,
      provider: 'generic',
      authorizationUrl: provider.authorizationUrl,
      tokenUrl: provider.tokenUrl,
      userinfoUrl: provider.userinfoUrl,
      scopes: ['openid', 'profile'],
    },
    { cwd },
  );
  await mkdir(path.join(init.dir, '.ask'));
  await writeFile(path.join(init.dir, '.ask', 'ask-states.json'), JSON.stringify({ askcliStatesVersion: '2020-03-31', profiles: { default: { skillId: SKILL } } }));
  if (permissions.length) {
    const file = path.join(init.dir, 'skill-package', 'skill.json');
    const doc = JSON.parse(await readFile(file, 'utf8')) as { manifest: Record<string, unknown> };
    doc.manifest.permissions = permissions.map((name) => ({ name }));
    await writeFile(file, JSON.stringify(doc, null, 2));
  }
  return init.dir;
}

const env = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => ({ HOME: '/nonexistent-home', ASK_ACCESS_TOKEN: SMAPI_TOKEN, ASK_REFRESH_TOKEN: '', ASK_VENDOR_ID: DEMO_VENDOR_ID, ...standin?.env(), ...extra });

describe('alexa-client-credentials', () => {
  it.each<[string, 'smart-home' | 'custom', string[], { clientId: string; clientSecret: string } | null, 'pass' | 'warn' | 'fail' | 'skip', RegExp, RegExp?]>([
    [
      'a smart home skill with Alexa client credentials',
      'smart-home',
      [],
      { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET },
      'pass',
      /has Alexa client credentials \(client ID amzn… \(61 chars\); the secret is not shown\)\. When "Send Alexa Events" is on/,
    ],
    [
      'one that asks for Send Alexa Events and has them',
      'smart-home',
      ['alexa::async_event:write'],
      { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET },
      'pass',
      /skill\.json asks for alexa::async_event:write \(Send Alexa Events\), so Alexa sends AcceptGrant/,
    ],
    ['one that asks for Send Alexa Events without them', 'smart-home', ['alexa::async_event:write'], null, 'fail', /returned no Alexa client credentials[\s\S]*must answer ACCEPT_GRANT_FAILED/, /Send Alexa Events/],
    ['one without them that does not ask', 'smart-home', [], null, 'warn', /When "Send Alexa Events" is on/, /PERMISSIONS page/],
    ['a custom skill', 'custom', [], { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET }, 'skip', /Not a smart home or video skill/],
  ])('%s → %s', async (_name, type, permissions, creds, status, detail, fix) => {
    const dir = await deployedProject(type, permissions);
    standin = await startSmapiStandin({ accessTokens: [SMAPI_TOKEN], vendors: [{ id: DEMO_VENDOR_ID }], skills: [{ skillId: SKILL, messagingCredentials: creds }] });
    const r = await runCli(['--json', '--verbose', 'doctor', '--only', 'alexa-client-credentials'], { cwd: dir, env: env() });
    const c = (JSON.parse(r.stdout) as DoctorJson).checks.find((x) => x.id === 'alexa-client-credentials')!;
    expect(c.status).toBe(status);
    expect(c.detail).toMatch(detail);
    if (fix) expect(c.fix).toMatch(fix);
    expect(r.code).toBe(status === 'fail' ? 1 : 0);
    // Never shown: not in --json, not in the --verbose HTTP trace.
    expect(r.stdout + r.stderr).not.toContain(CLIENT_SECRET);
    expect(r.stdout + r.stderr).not.toContain(CLIENT_ID);
    expect(standin.requests('getSkillCredentialsV1')).toHaveLength(type === 'custom' ? 0 : 1);
  });

  it('without SMAPI credentials it is skipped with the reason, and --offline skips it', async () => {
    const dir = await deployedProject('smart-home');
    const none = await runCli(['--json', 'doctor', '--only', 'alexa-client-credentials'], { cwd: dir, env: { HOME: '/nonexistent-home', ASK_ACCESS_TOKEN: '', ASK_REFRESH_TOKEN: '' } });
    const c = (JSON.parse(none.stdout) as DoctorJson).checks.find((x) => x.id === 'alexa-client-credentials')!;
    expect(c.status).toBe('skip');
    expect(c.detail).toMatch(/^Skipped: /);
    // Asked for alone with --offline, there is nothing to check: a usage error (exit 2).
    const offline = await runCli(['--json', 'doctor', '--offline', '--only', 'alexa-client-credentials'], { cwd: dir, env: env() });
    expect(offline.code).toBe(2);
    expect(JSON.parse(offline.stdout)).toMatchObject({ error: { code: 'E_NOTHING_TO_CHECK', message: expect.stringMatching(/alexa-client-credentials needs the network/) } });
    const withOthers = await runCli(['--json', 'doctor', '--offline', '--only', 'alexa-client-credentials', 'linking-config'], { cwd: dir, env: env() });
    expect((JSON.parse(withOthers.stdout) as DoctorJson).checks.find((x) => x.id === 'alexa-client-credentials')!.status).toBe('skip');
  });
});

describe('--simulate on a smart home skill', () => {
  it('says it does not apply instead of failing, and simulates nothing', async () => {
    const dir = await deployedProject('smart-home');
    standin = await startSmapiStandin({ accessTokens: [SMAPI_TOKEN], vendors: [{ id: DEMO_VENDOR_ID }], skills: [{ skillId: SKILL }] });
    const r = await runCli(['--json', 'doctor', '--only', 'simulation', '--simulate', 'turn on virtual switch'], { cwd: dir, env: env() });
    const c = (JSON.parse(r.stdout) as DoctorJson).checks.find((x) => x.id === 'simulation')!;
    expect(c.status).toBe('skip');
    expect(c.detail).toMatch(/--simulate does not apply to a smartHome skill/);
    expect(c.fix).toMatch(/replays send those directives/);
    expect(r.code).toBe(0);
    expect(standin.requests('simulateSkillV2')).toHaveLength(0);
    expect(standin.requests('setSkillEnablementV1')).toHaveLength(0);
  });
});

describe('--smapi on a skill with custom and smart home APIs', () => {
  it('replays the custom built-ins through SMAPI and says the smart home ones were not sent (they go to the handler)', async () => {
    const dir = await deployedProject('smart-home');
    const file = path.join(dir, 'skill-package', 'skill.json');
    const doc = JSON.parse(await readFile(file, 'utf8')) as { manifest: { apis: Record<string, unknown> } };
    doc.manifest.apis = { custom: { endpoint: { uri: 'arn:aws:lambda:us-east-1:123456789012:function:porch' } }, ...doc.manifest.apis };
    await writeFile(file, JSON.stringify(doc, null, 2));
    standin = await startSmapiStandin({ accessTokens: [SMAPI_TOKEN], vendors: [{ id: DEMO_VENDOR_ID }], skills: [{ skillId: SKILL, enabled: ['development'] }] });
    const r = await runCli(['--json', 'doctor', '--only', 'replays', '--smapi', '--token', 'none'], { cwd: dir, env: env() });
    const out = JSON.parse(r.stdout) as DoctorJson;
    expect(out.replays.map((x) => x.source)).toEqual(['builtin:launch']);
    expect(standin.requests('invokeSkillEndPointV2')).toHaveLength(1);
    expect(out.checks.find((c) => c.id === 'replays')!.detail).toMatch(/The smart home skill's built-in requests were not sent: alexa-link replays smart home directives against the skill's Lambda handler/);
  });
});
