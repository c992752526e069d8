import { cp, mkdir, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../support/cli.js';
import { startSmapiStandin, type SmapiStandin, type StandinOptions } from '../support/smapi-standin.js';

/**
 * configure and doctor's linking-remote-drift against a stand-in that answers exactly as Amazon's
 * spec says (GET without clientSecret, skipOnEnablement, reciprocalAccessTokenUrl): a push of a
 * configuration with every field verifies cleanly and shows no drift afterwards; write-only fields
 * are compared by the hash of the last push; a field Amazon adds tomorrow can be pushed.
 */
const SKILL = 'amzn1.ask.skill.f1de1117-1111-2222-3333-444444444444';
const TOKEN = 'Atza|fidelity-access-token-0123456789';
const SECRET = 'Fidelity$ecret+value/42';
const VENDOR = 'M2FIDELITY001';

const EVERY_FIELD = {
  type: 'AUTH_CODE',
  authorizationUrl: 'https://auth.fidelity.example.com/authorize?audience=api',
  domains: ['cdn.fidelity.example.com'],
  clientId: 'fidelity-client',
  scopes: ['openid', 'offline_access'],
  accessTokenUrl: 'https://auth.fidelity.example.com/oauth/token',
  accessTokenScheme: 'HTTP_BASIC',
  defaultTokenExpirationInSeconds: 3600,
  reciprocalAccessTokenUrl: 'https://auth.fidelity.example.com/alexa/reciprocal',
  redirectUrls: ['https://app.fidelity.example.com/alexa/return'],
  authorizationUrlsByPlatform: [
    { platformType: 'iOS', platformAuthorizationUrl: 'https://app.fidelity.example.com/ios/authorize' },
    { platformType: 'Android', platformAuthorizationUrl: 'https://app.fidelity.example.com/android/authorize' },
  ],
  skipOnEnablement: true,
  // ENABLED is refused before the push: voice-forward linking works only with Login with Amazon.
  voiceForwardAccountLinking: 'DISABLED',
};

let template: string;

beforeAll(async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'al-fid-tpl-'));
  const r = await runCli(['init', 'skill', '--yes', '--name', 'Fidelity Demo', '--invocation', 'fidelity demo', '--provider', 'auth0', '--domain', 'dev-fid.us.auth0.com', '--client-id', 'fidelity-client', '--no-install'], { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  template = path.join(dir, 'skill');
});

interface DoctorJson {
  checks: Array<{ id: string; status: string; detail: string; fix?: string }>;
}

describe('configure and drift against a spec-true SMAPI', () => {
  let standin: SmapiStandin;
  let project: string;
  let home: string;
  /** Violations a test provokes on purpose. */
  let expected: RegExp[] = [];

  async function start(extra: Partial<StandinOptions> = {}): Promise<void> {
    standin = await startSmapiStandin({ accessTokens: [TOKEN], vendors: [{ id: VENDOR }], skills: [{ skillId: SKILL }], ...extra });
  }

  beforeEach(async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'al-fid-'));
    project = path.join(dir, 'skill');
    await cp(template, project, { recursive: true });
    await mkdir(path.join(project, '.ask'));
    await writeFile(path.join(project, '.ask', 'ask-states.json'), JSON.stringify({ askcliStatesVersion: '2020-03-31', profiles: { default: { skillId: SKILL } } }));
    home = path.join(dir, 'home');
    await mkdir(home);
  });

  afterEach(async () => {
    const v = standin.violations().filter((x) => !expected.some((re) => re.test(x)));
    expected = [];
    await standin.close();
    expect(v).toEqual([]);
  });

  const env = (extra: Record<string, string> = {}) => ({
    HOME: home,
    ASK_ACCESS_TOKEN: TOKEN,
    ALEXA_LINK_CLIENT_SECRET: SECRET,
    ASK_DEFAULT_PROFILE: '',
    ASK_VENDOR_ID: VENDOR,
    ASK_REFRESH_TOKEN: '',
    ASK_LWA_CLIENT_ID: '',
    ASK_LWA_CLIENT_CONFIRMATION: '',
    ...standin.env(),
    ...extra,
  });
  const configure = (args: string[], extra: Record<string, string> = {}): Promise<CliResult> => runCli(['configure', ...args], { cwd: project, timeoutMs: 30_000, env: env(extra) });
  async function drift(extra: Record<string, string> = {}): Promise<{ r: CliResult; check: DoctorJson['checks'][number] }> {
    const r = await runCli(['--json', 'doctor', '--only', 'linking-remote-drift'], { cwd: project, timeoutMs: 30_000, env: env(extra) });
    return { r, check: (JSON.parse(r.stdout) as DoctorJson).checks.find((c) => c.id === 'linking-remote-drift')! };
  }
  async function writeLinking(payload: Record<string, unknown>): Promise<void> {
    await writeFile(path.join(project, 'accountLinking.json'), JSON.stringify({ accountLinkingRequest: payload }, null, 2) + '\n');
  }
  function expectNoSecret(r: CliResult): void {
    expect(r.stdout + r.stderr).not.toContain(SECRET);
  }

  it('every field: pushed, verified cleanly, the write-only ones listed as sent; no drift afterwards; a second run sends nothing', async () => {
    await start();
    await writeLinking(EVERY_FIELD);
    const r = await configure(['--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { ok: boolean; verified: boolean; mismatches: unknown[]; notReadBack: string[] };
    expect(doc).toMatchObject({ ok: true, verified: true, mismatches: [], notReadBack: ['clientSecret', 'reciprocalAccessTokenUrl', 'skipOnEnablement'] });
    expect(r.stderr).toContain("Pushed and verified: every field SMAPI's GET can show reads back as sent. Sent, cannot be read back: clientSecret, reciprocalAccessTokenUrl, skipOnEnablement");
    expectNoSecret(r);
    expect(standin.linking(SKILL)!.payload).toEqual({ ...EVERY_FIELD, clientSecret: SECRET });

    const record = path.join(project, '.alexa-link', 'push-record.json');
    expect((await stat(record)).mode & 0o777).toBe(0o600);
    const text = await readFile(record, 'utf8');
    expect(text).not.toContain(SECRET);
    expect(Object.keys((JSON.parse(text) as { records: Record<string, { hashes: Record<string, string> }> }).records[`${SKILL}/development`]!.hashes).sort()).toEqual(['clientSecret', 'reciprocalAccessTokenUrl', 'skipOnEnablement']);

    const d = await drift();
    expect(d.check.status, d.check.detail).toBe('pass');
    expect(d.check.detail).toContain("matches the development configuration of");
    expect(d.check.detail).toContain('clientSecret, reciprocalAccessTokenUrl, skipOnEnablement: sent, cannot be read back; the same as at the last push from here (compared by hash).');
    expectNoSecret(d.r);

    const again = await configure(['--yes']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('No changes: the development configuration already matches accountLinking.json (clientSecret, reciprocalAccessTokenUrl, skipOnEnablement: the same as at the last push');
    expect(standin.requests('updateAccountLinkingInfoV1')).toHaveLength(1);
  });

  it('a changed client secret is pushed without --force; drift with the old push\'s record says it differs', async () => {
    await start();
    await writeLinking(EVERY_FIELD);
    expect((await configure(['--yes'])).code).toBe(0);
    const d = await drift({ ALEXA_LINK_CLIENT_SECRET: 'a-rotated-secret-value' });
    expect(d.check.status).toBe('fail');
    expect(d.check.detail).toMatch(/differs from the development configuration Alexa uses in clientSecret/);
    expect(d.r.stdout).not.toContain('a-rotated-secret-value');
    const r = await configure(['--yes'], { ALEXA_LINK_CLIENT_SECRET: 'a-rotated-secret-value' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/\* clientSecret: set \(SMAPI never returns it; changed since the last push; will be sent\)/);
    expect(r.stderr).toContain('Pushing because of fields SMAPI never returns: clientSecret (changed).');
    expect(standin.requests('updateAccountLinkingInfoV1')).toHaveLength(2);
    expect(standin.linking(SKILL)!.payload.clientSecret).toBe('a-rotated-secret-value');
    expect(r.stdout + r.stderr).not.toContain('a-rotated-secret-value');
  });

  it('a changed skipOnEnablement is pushed without --force, and drift sees it before', async () => {
    await start();
    await writeLinking(EVERY_FIELD);
    expect((await configure(['--yes'])).code).toBe(0);
    await writeLinking({ ...EVERY_FIELD, skipOnEnablement: false });
    const d = await drift({ ALEXA_LINK_CLIENT_SECRET: '' });
    expect(d.check.status).toBe('fail');
    expect(d.check.detail).toMatch(/\* skipOnEnablement: false \(sent, cannot be read back; changed since the last push; will be sent\)/);
    expect(d.check.detail).toContain('clientSecret: sent, cannot be read back; set ALEXA_LINK_CLIENT_SECRET to compare it with the last push.');
    const r = await configure(['--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(standin.linking(SKILL)!.payload.skipOnEnablement).toBe(false);
    expect((await drift()).check.status).toBe('pass');
  });

  it('a change made in the console since (another ETag): the write-only fields are unknown, so they are sent again', async () => {
    await start();
    await writeLinking(EVERY_FIELD);
    expect((await configure(['--yes'])).code).toBe(0);
    standin.setLinking(SKILL, 'development', { ...standin.linking(SKILL)!.payload, clientSecret: 'changed-in-the-console' });
    const d = await drift();
    expect(d.check.status).toBe('pass');
    expect(d.check.detail).toContain('not compared: the remote configuration changed since the last push from this project (another ETag)');
    const r = await configure(['--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(standin.requests('updateAccountLinkingInfoV1')).toHaveLength(2);
    expect(standin.linking(SKILL)!.payload.clientSecret).toBe(SECRET);
  });

  it.each([
    ['GET shows it', true],
    ['GET does not show it', false],
  ])('a field Amazon adds tomorrow (%s): a warning, pushed as written, verified, no drift after', async (_name, readable) => {
    await start({ linkingExtensions: [{ field: 'pkceConfiguration', schema: { type: 'object' }, readable }] });
    const pkce = { status: 'ENABLED', codeChallengeMethod: 'S256' };
    await writeLinking({ ...EVERY_FIELD, pkceConfiguration: pkce });
    const r = await configure(['--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/accountLinkingRequest\.pkceConfiguration: "pkceConfiguration" is not in Amazon's published model .*SMAPI may refuse it/);
    expect(JSON.parse(standin.requests('updateAccountLinkingInfoV1')[0]!.body)).toEqual({ accountLinkingRequest: { ...EVERY_FIELD, pkceConfiguration: pkce, clientSecret: SECRET } });
    expect(r.stderr).toContain(readable ? 'Sent, cannot be read back: clientSecret, reciprocalAccessTokenUrl, skipOnEnablement (' : 'Sent, cannot be read back: clientSecret, reciprocalAccessTokenUrl, skipOnEnablement, pkceConfiguration (');
    const d = await drift();
    expect(d.check.status, d.check.detail).toBe('pass');
    const again = await configure(['--yes']);
    expect(again.stderr).toContain('No changes');
    expect(standin.requests('updateAccountLinkingInfoV1')).toHaveLength(1);
    // The block changes: pushed again, whichever way SMAPI shows it.
    await writeLinking({ ...EVERY_FIELD, pkceConfiguration: { ...pkce, status: 'DISABLED' } });
    expect((await drift()).check.status).toBe('fail');
    expect((await configure(['--yes'])).code).toBe(0);
    expect(standin.requests('updateAccountLinkingInfoV1')).toHaveLength(2);
  });

  it('a SMAPI that does not know the field refuses it: its 400 is shown after the warning that said it might; nothing recorded', async () => {
    await start();
    expected = [/additional properties \("pkceConfiguration"\)/];
    await writeLinking({ ...EVERY_FIELD, pkceConfiguration: { status: 'ENABLED' } });
    const r = await configure(['--yes']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/pkceConfiguration" is not in Amazon's published model/);
    expect(r.stderr).toMatch(/SMAPI rejected the request \(400\)[\s\S]*additional properties \("pkceConfiguration"\)/);
    await expect(stat(path.join(project, '.alexa-link', 'push-record.json'))).rejects.toThrow();
  });

  it('skipOnEnablement written as the string "true" (Amazon\'s own sample): a warning, sent as the boolean', async () => {
    await start();
    await writeLinking({ ...EVERY_FIELD, skipOnEnablement: 'true' });
    const r = await configure(['--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/skipOnEnablement is the string "true"; alexa-link sends it as the boolean true/);
    expect(JSON.parse(standin.requests('updateAccountLinkingInfoV1')[0]!.body).accountLinkingRequest.skipOnEnablement).toBe(true);
  });
});
