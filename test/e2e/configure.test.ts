import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../support/cli.js';
import { startSmapiStandin, type SmapiStandin } from '../support/smapi-standin.js';

/**
 * `alexa-link configure`, spawned like a user runs it, against the SMAPI stand-in, on a project
 * made by `alexa-link init`. HOME points at a temp dir so ~/.ask/cli_config is the test's.
 */
const SKILL = 'amzn1.ask.skill.0e2e0e2e-1111-2222-3333-444444444444';
const TOKEN = 'Atza|e2e-access-token-0123456789abcdef';
const SECRET = 'Top$ecret+client/secret=value&42';
const VENDOR = 'M2E2EVENDOR01';

let template: string;

beforeAll(async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'al-cfg-tpl-'));
  const r = await runCli(['init', 'skill', '--yes', '--name', 'Linked Demo', '--invocation', 'linked demo', '--provider', 'auth0', '--domain', 'dev-e2e.us.auth0.com', '--client-id', 'e2e-client-id', '--no-install'], { cwd: dir });
  expect(r.code, r.stderr).toBe(0);
  template = path.join(dir, 'skill');
});

describe('alexa-link configure (built binary, SMAPI stand-in)', () => {
  let standin: SmapiStandin;
  let project: string;
  let home: string;

  beforeEach(async () => {
    standin = await startSmapiStandin({ accessTokens: [TOKEN], vendors: [{ id: VENDOR, name: 'E2E' }], skills: [{ skillId: SKILL }] });
    const dir = await mkdtemp(path.join(os.tmpdir(), 'al-cfg-'));
    project = path.join(dir, 'skill');
    await cp(template, project, { recursive: true });
    await mkdir(path.join(project, '.ask'));
    await writeFile(path.join(project, '.ask', 'ask-states.json'), JSON.stringify({ askcliStatesVersion: '2020-03-31', profiles: { default: { skillId: SKILL } } }));
    home = path.join(dir, 'home');
    await mkdir(home);
  });

  afterEach(async () => {
    const v = standin.violations();
    await standin.close();
    expect(v).toEqual([]);
  });

  function configure(args: string[], env: Record<string, string> = {}, timeoutMs = 30_000): Promise<CliResult> {
    return runCli(['configure', ...args], {
      cwd: project,
      timeoutMs,
      env: { HOME: home, ASK_ACCESS_TOKEN: TOKEN, ALEXA_LINK_CLIENT_SECRET: SECRET, ASK_DEFAULT_PROFILE: '', ASK_VENDOR_ID: '', ASK_REFRESH_TOKEN: '', ASK_LWA_CLIENT_ID: '', ASK_LWA_CLIENT_CONFIRMATION: '', ...standin.env(), ...env },
    });
  }
  async function localPayload(): Promise<Record<string, unknown>> {
    return (JSON.parse(await readFile(path.join(project, 'accountLinking.json'), 'utf8')) as { accountLinkingRequest: Record<string, unknown> }).accountLinkingRequest;
  }
  function expectNoSecret(r: CliResult): void {
    for (const text of [r.stdout, r.stderr]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(encodeURIComponent(SECRET));
      expect(text).not.toContain(TOKEN);
    }
  }

  it('first push (nothing remote): adds every field, verifies, prints the redirect URLs; a second run says "no changes"', async () => {
    const r = await configure(['--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`Account linking for ${SKILL} (development): remote → accountLinking.json`);
    expect(r.stdout).toContain('nothing configured remotely yet');
    expect(r.stdout).toMatch(/^ {2}\+ type: "AUTH_CODE"$/m);
    expect(r.stdout).toMatch(/^ {2}\* clientSecret: set \(SMAPI never returns it; nothing is configured remotely, so it will be sent\)$/m);
    expect(r.stdout).toContain(`https://pitangui.amazon.com/api/skill/link/${VENDOR}`);
    expect(r.stdout).toContain(`https://layla.amazon.com/api/skill/link/${VENDOR}`);
    expect(r.stdout).toContain(`https://alexa.amazon.co.jp/api/skill/link/${VENDOR}`);
    expect(r.stderr).toContain('Pushed and verified');
    expectNoSecret(r);

    const puts = standin.requests('updateAccountLinkingInfoV1');
    expect(puts).toHaveLength(1);
    expect(puts[0]!.headers['if-match']).toBeUndefined();
    expect(JSON.parse(puts[0]!.body)).toEqual({ accountLinkingRequest: { ...(await localPayload()), clientSecret: SECRET } });
    expect(standin.linking(SKILL)!.payload.clientSecret).toBe(SECRET);
    // Nothing remote, so nothing to back up.
    await expect(stat(path.join(project, '.alexa-link', 'backups'))).rejects.toThrow();

    const again = await configure(['--yes']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toContain('No changes: the development configuration already matches accountLinking.json (clientSecret: the same as at the last push, compared by hash since SMAPI never returns it).');
    expect(again.stdout).toMatch(/^ {2}\* clientSecret: set \(SMAPI never returns it; the same as at the last push \(compared by hash\); sent again only with --force\)$/m);
    expect(standin.requests('updateAccountLinkingInfoV1')).toHaveLength(1);

    const forced = await configure(['--yes', '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(standin.requests('updateAccountLinkingInfoV1')).toHaveLength(2);
  });

  it('update: shows the field-by-field diff, backs up the remote (0600 in a 0700 dir), PUTs with If-Match', async () => {
    const local = await localPayload();
    const old = { ...local, scopes: ['openid'], accessTokenScheme: 'REQUEST_BODY_CREDENTIALS', clientSecret: 'old-remote-secret', voiceForwardAccountLinking: 'ENABLED' };
    const etag = standin.setLinking(SKILL, 'development', old);
    const r = await configure(['--yes']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ {2}~ scopes: \["openid"\] → \["openid","profile","email","offline_access"\]$/m);
    expect(r.stdout).toMatch(/^ {2}~ accessTokenScheme: "REQUEST_BODY_CREDENTIALS" → "HTTP_BASIC"$/m);
    expect(r.stdout).toMatch(/^ {2}- voiceForwardAccountLinking: "ENABLED" \(not in accountLinking\.json\)$/m);
    expect(r.stdout).toMatch(/^ {4}clientId: "e2e-client-id"$/m);
    expect(standin.requests('updateAccountLinkingInfoV1')[0]!.headers['if-match']).toBe(etag);
    expect(standin.linking(SKILL)!.payload).toEqual({ ...local, clientSecret: SECRET });

    const dir = path.join(project, '.alexa-link', 'backups');
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    const files = await readdir(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(new RegExp(`^${SKILL.replace(/\./g, '\\.')}-development-\\d{4}-\\d\\d-\\d\\dT\\d\\d-\\d\\d-\\d\\d-\\d{3}Z\\.json$`));
    const file = path.join(dir, files[0]!);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    const backup = JSON.parse(await readFile(file, 'utf8')) as { accountLinkingRequest: Record<string, unknown> };
    const { clientSecret: _s, ...oldWithoutSecret } = old;
    expect(backup).toEqual({ accountLinkingRequest: oldWithoutSecret });
    expect(r.stderr).toContain(`Backed up the remote configuration to ${path.join('.alexa-link', 'backups', files[0]!)}`);
  });

  it('--dry-run shows the diff and sends no PUT (no secret needed)', async () => {
    standin.setLinking(SKILL, 'development', { ...(await localPayload()), clientId: 'other-client', clientSecret: 'x' });
    const r = await configure(['--dry-run'], { ALEXA_LINK_CLIENT_SECRET: '' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/~ clientId: "other-client" → "e2e-client-id"/);
    expect(r.stdout).toMatch(/\* clientSecret: not set \(SMAPI never returns it; not given, so a push cannot send it\)/);
    expect(r.stderr).toContain('Dry run: nothing was sent.');
    expect(standin.requests('updateAccountLinkingInfoV1')).toHaveLength(0);
    expect(standin.requests('getAccountLinkingInfoV1')).toHaveLength(1);
    await expect(stat(path.join(project, '.alexa-link'))).rejects.toThrow();
  });

  it('412 race: the remote changes between GET and PUT → nothing written, says so', async () => {
    standin.setLinking(SKILL, 'development', { ...(await localPayload()), scopes: ['openid'], clientSecret: 'x' });
    // Hold the PUT, change the remote meanwhile (as the console would), then let the PUT through.
    standin.fault('updateAccountLinkingInfoV1', { delayMs: 1500 });
    const run = configure(['--yes']);
    const deadline = Date.now() + 20_000;
    while (standin.requests('updateAccountLinkingInfoV1').length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const theirs = { ...(await localPayload()), scopes: ['email'], clientSecret: 'console-secret' };
    standin.setLinking(SKILL, 'development', theirs);
    const r = await run;
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the remote configuration changed since alexa-link read it (412 Precondition Failed); nothing was written.');
    expect(r.stderr).toContain('Rerun to see the new difference');
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(standin.linking(SKILL)!.payload).toEqual(theirs);
    expect(standin.requests('updateAccountLinkingInfoV1')[0]!.status).toBe(412);
  });

  it('429 with Retry-After: waits as asked, then succeeds', async () => {
    standin.fault('getAccountLinkingInfoV1', { status: 429, headers: { 'retry-after': '1' }, body: { message: 'Rate exceeded' } });
    const started = Date.now();
    const r = await configure(['--yes']);
    expect(r.code, r.stderr).toBe(0);
    const gets = standin.requests('getAccountLinkingInfoV1');
    expect(gets.map((g) => g.status).slice(0, 2)).toEqual([429, 404]);
    expect(gets[1]!.at - gets[0]!.at).toBeGreaterThanOrEqual(950);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it('401: names the credentials and how to refresh them', async () => {
    standin.revokeAccessToken(TOKEN);
    const r = await configure(['--yes']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('SMAPI did not accept the credentials (401) from ASK_ACCESS_TOKEN. SMAPI says: Token is invalid/expired');
    expect(r.stderr).toContain('Set ASK_ACCESS_TOKEN to a fresh token');
    expect(standin.requests('updateAccountLinkingInfoV1')).toHaveLength(0);
    expectNoSecret(r);
  });

  it('--json on a SMAPI failure: exactly one JSON document with the error code and hint', async () => {
    standin.revokeAccessToken(TOKEN);
    const r = await runCli(['--json', 'configure', '--yes'], { cwd: project, env: { HOME: home, ASK_ACCESS_TOKEN: TOKEN, ALEXA_LINK_CLIENT_SECRET: SECRET, ...standin.env() } });
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as { ok: boolean; error: { code: string; message: string; hint: string } };
    expect(doc.ok).toBe(false);
    expect(doc.error.code).toBe('E_SMAPI_UNAUTHORIZED');
    expect(doc.error.hint).toContain('ASK_ACCESS_TOKEN');
    expectNoSecret(r);
  });

  it('a SMAPI that does not answer: timeout diagnosis within --timeout', async () => {
    standin.fault('getAccountLinkingInfoV1', { delayMs: 8000 });
    const started = Date.now();
    const r = await configure(['--yes', '--timeout', '400ms']);
    expect(Date.now() - started).toBeLessThan(6000);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/127\.0\.0\.1:\d+ did not answer within 400 ms\./);
    expect(r.stderr).not.toContain('Call to service failed');
  });

  it('--json --verbose: one JSON document with the result; traces on stderr; the secret nowhere', async () => {
    standin.setLinking(SKILL, 'development', { ...(await localPayload()), scopes: ['openid'], clientSecret: 'x' });
    const r = await configure(['--yes']);
    expect(r.code).toBe(0);
    const j = await runCli(['--json', '--verbose', 'configure', '--yes', '--force'], {
      cwd: project,
      env: { HOME: home, ASK_ACCESS_TOKEN: TOKEN, ALEXA_LINK_CLIENT_SECRET: SECRET, ASK_VENDOR_ID: VENDOR, ...standin.env() },
    });
    expect(j.code, j.stderr).toBe(0);
    const doc = JSON.parse(j.stdout) as Record<string, unknown>;
    expect(doc).toMatchObject({ ok: true, skillId: SKILL, stage: 'development', dryRun: false, pushed: true, verified: true, changed: false, vendorId: VENDOR, mismatches: [] });
    expect(doc.redirectUrls).toEqual([`https://pitangui.amazon.com/api/skill/link/${VENDOR}`, `https://layla.amazon.com/api/skill/link/${VENDOR}`, `https://alexa.amazon.co.jp/api/skill/link/${VENDOR}`]);
    expect(doc.backup).toMatch(/^\.alexa-link\/backups\/.*\.json$/);
    // The first run recorded the secret's hash: the same secret compares as unchanged (sent anyway: --force).
    expect(doc.diff).toContainEqual({ field: 'clientSecret', status: 'write-only', writeOnly: 'unchanged', local: 'set', remote: 'unknown', note: 'SMAPI never returns it; the same as at the last push (compared by hash)' });
    expect(j.stderr).toMatch(/SMAPI → PUT http:\/\/127\.0\.0\.1:\d+\/v1\/skills\/.*\/accountLinkingClient/);
    expect(j.stderr).toContain('"clientSecret":"Top$… (32 chars)"');
    expect(j.stderr).toMatch(/^ {2}authorization: Bearer Atza… \(38 chars\)$/m);
    expectNoSecret(j);
  });

  it('the live stage cannot be written: exit 2 before any request', async () => {
    const r = await configure(['--stage', 'live', '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('SMAPI only accepts account-linking updates for the development stage');
    expect(r.stderr).toContain('--dry-run');
    expect(standin.requests()).toHaveLength(0);
  });

  it('--stage live --dry-run compares against live', async () => {
    standin.setLinking(SKILL, 'live', { ...(await localPayload()), clientSecret: 'x' });
    const r = await configure(['--stage', 'live', '--dry-run']);
    expect(r.code, r.stderr).toBe(0);
    // Every readable field is the same; the secret was never pushed from here, so a push would send it.
    expect(r.stdout).not.toMatch(/^ {2}[+~-] /m);
    expect(r.stdout).toMatch(/^ {2}\* clientSecret: set \(SMAPI never returns it; no record of an earlier push from this project, so it will be sent\)$/m);
    expect(r.stderr).toContain('Dry run: nothing was sent.');
    expect(standin.requests('getAccountLinkingInfoV1')[0]!.path).toContain('/stages/live/');
  });

  it.each([
    ['no --yes without a terminal', ['--yes'].slice(1), {}, /Pushing needs confirmation: pass --yes/, 1],
    ['no client secret without a terminal', ['--yes'], { ALEXA_LINK_CLIENT_SECRET: '' }, /AUTH_CODE needs the client secret, and ALEXA_LINK_CLIENT_SECRET is not set/, 0],
    ['--client-secret-env names a variable that is not set', ['--yes', '--client-secret-env', 'MY_SECRET'], {}, /MY_SECRET is not set/, 0],
    ['--client-secret-env given a value, not a name', ['--yes', '--client-secret-env', 'abc-123'], {}, /takes the NAME of an environment variable/, 0],
    ['a bad --skill-id', ['--yes', '--skill-id', 'skill-1'], {}, /--skill-id "skill-1" is not a skill ID/, 0],
  ])('%s → exit 2 naming what to pass', async (_name, args, env, message, gets) => {
    const r = await configure(args, env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(standin.requests('updateAccountLinkingInfoV1')).toHaveLength(0);
    expect(standin.requests('getAccountLinkingInfoV1')).toHaveLength(gets);
  });

  it('no skill ID: exit 2 naming --skill-id and ask deploy', async () => {
    await writeFile(path.join(project, '.ask', 'ask-states.json'), JSON.stringify({ askcliStatesVersion: '2020-03-31', profiles: {} }));
    const r = await configure(['--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('No skill ID');
    expect(r.stderr).toContain('--skill-id');
    expect(r.stderr).toContain('ask deploy');
    const withFlag = await configure(['--yes', '--skill-id', SKILL]);
    expect(withFlag.code, withFlag.stderr).toBe(0);
  });

  it('a fresh clone (no .ask/ask-states.json): the hint is --skill-id or restoring the file, not ask deploy (that would create a second skill)', async () => {
    await rm(path.join(project, '.ask', 'ask-states.json'));
    const r = await configure(['--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/No skill ID: not deployed from this checkout/);
    expect(r.stderr).toMatch(/Pass --skill-id amzn1\.ask\.skill\.… \(the developer console shows it\); in a fresh clone of a deployed skill, restore \.ask\/ask-states\.json before ask deploy \(else it creates a second skill\)/);
    expect(r.stderr).not.toMatch(/create the skill with `ask deploy` first/);
  });

  it('an invalid accountLinking.json: exit 2 naming the field, nothing sent', async () => {
    const doc = { accountLinkingRequest: { ...(await localPayload()), accessTokenUrl: 'http://dev-e2e.us.auth0.com/oauth/token' } };
    await writeFile(path.join(project, 'accountLinking.json'), JSON.stringify(doc));
    const r = await configure(['--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('accountLinking.json is not ready to push');
    expect(r.stderr).toContain('accountLinkingRequest.accessTokenUrl');
    expect(r.stderr).toContain('Nothing was sent to SMAPI');
    expect(standin.requests()).toHaveLength(0);
  });

  it('truncated accountLinking.json: exit 2 with line and column', async () => {
    await writeFile(path.join(project, 'accountLinking.json'), '{\n  "accountLinkingRequest": {\n    "type": "AUTH_CODE",\n');
    const r = await configure(['--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/accountLinking\.json is not valid JSON at line \d+, column \d+/);
  });

  it('no credentials at all: exit 1 with both ways to fix it', async () => {
    const r = await configure(['--yes'], { ASK_ACCESS_TOKEN: '' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('No usable SMAPI credentials');
    expect(r.stderr).toContain('ask configure');
    expect(r.stderr).toContain('ASK_REFRESH_TOKEN together with ASK_LWA_CLIENT_ID and ASK_LWA_CLIENT_CONFIRMATION');
    expect(standin.requests()).toHaveLength(0);
  });

  it('credentials from the ASK CLI profile in ~/.ask/cli_config (vendor ID from it too); a wide mode warns', async () => {
    await mkdir(path.join(home, '.ask'));
    const cfg = path.join(home, '.ask', 'cli_config');
    await writeFile(cfg, JSON.stringify({ profiles: { default: { token: { access_token: TOKEN, refresh_token: 'Atzr|x', expires_at: new Date(Date.now() + 3600_000).toISOString() }, vendor_id: 'M2FROMCONFIG1' } } }), { mode: 0o644 });
    const r = await configure(['--yes'], { ASK_ACCESS_TOKEN: '' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('SMAPI credentials: ~/.ask/cli_config profile "default"');
    expect(r.stderr).toMatch(/can be read by other users \(mode 0644\)/);
    expect(r.stdout).toContain('https://pitangui.amazon.com/api/skill/link/M2FROMCONFIG1');
    expect(standin.requests('getVendorListV1')).toHaveLength(0);
  });

  it('an expired ASK CLI token without an own LWA client: exit 1 explaining refresh-token binding', async () => {
    await mkdir(path.join(home, '.ask'));
    await writeFile(path.join(home, '.ask', 'cli_config'), JSON.stringify({ profiles: { default: { token: { access_token: TOKEN, refresh_token: 'Atzr|x', expires_at: '2020-01-01T00:00:00.000Z' } } } }), { mode: 0o600 });
    // No ASK CLI on PATH (only node's own folder): the explanation, no refresh.
    const r = await configure(['--yes'], { ASK_ACCESS_TOKEN: '', PATH: path.dirname(process.execPath) });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('expired at 2020-01-01T00:00:00.000Z');
    expect(r.stderr).toContain('refresh tokens only work with that client');
    expect(r.stderr).toContain('ask smapi get-vendor-list');
  });

  it('a refresh token with the own LWA client from the environment: refreshes through LWA, then pushes', async () => {
    await standin.close();
    standin = await startSmapiStandin({
      lwaClients: [{ clientId: 'amzn1.application-oa2-client.e2e', clientSecret: 'lwa+secret=1', refreshTokens: ['Atzr|IwEB+e2e/refresh=='] }],
      vendors: [{ id: VENDOR }],
      skills: [{ skillId: SKILL }],
    });
    const r = await configure(['--yes', '--verbose'], { ASK_ACCESS_TOKEN: '', ASK_REFRESH_TOKEN: 'Atzr|IwEB+e2e/refresh==', ASK_LWA_CLIENT_ID: 'amzn1.application-oa2-client.e2e', ASK_LWA_CLIENT_CONFIRMATION: 'lwa+secret=1' });
    expect(r.code, r.stderr).toBe(0);
    expect(standin.requests('lwaToken')).toHaveLength(1);
    for (const s of ['Atzr|IwEB+e2e/refresh==', 'lwa+secret=1']) {
      expect(r.stderr).not.toContain(s);
      expect(r.stderr).not.toContain(encodeURIComponent(s));
    }
    expect(r.stderr).toContain('LWA → POST');
  });

  it('Ctrl-C while waiting for SMAPI: exit 130, nothing pushed', async () => {
    standin.fault('getAccountLinkingInfoV1', { delayMs: 10_000 });
    const r = await runCli(['configure', '--yes'], {
      cwd: project,
      env: { HOME: home, ASK_ACCESS_TOKEN: TOKEN, ALEXA_LINK_CLIENT_SECRET: SECRET, ...standin.env() },
      onSpawn: (child) => {
        const poll = setInterval(() => {
          if (standin.requests('getAccountLinkingInfoV1').length > 0) {
            clearInterval(poll);
            child.kill('SIGINT');
          }
        }, 20);
      },
    });
    expect(r.code).toBe(130);
    expect(standin.requests('updateAccountLinkingInfoV1')).toHaveLength(0);
  });
});
