import { chmod, cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../support/cli.js';
import { startSmapiStandin, type SmapiStandin } from '../support/smapi-standin.js';

/**
 * `configure --pull` (the console's configuration into accountLinking.json) and `configure
 * --restore <backup>` (a backup pushed like any push), through the built CLI against the SMAPI
 * stand-in. Nothing here depends on fields the GET may leave out (clientSecret,
 * skipOnEnablement, reciprocalAccessTokenUrl).
 */
const FIXTURES = fileURLToPath(new URL('../fixtures/projects/', import.meta.url));
const SKILL = 'amzn1.ask.skill.55555555-aaaa-bbbb-cccc-000000000005';
const TOKEN = 'Atza|pull-e2e-access-token-0123456789';
const SECRET = 'pull+restore/secret=value&1';
const CONSOLE = {
  type: 'AUTH_CODE',
  authorizationUrl: 'https://console.example.com/authorize',
  accessTokenUrl: 'https://console.example.com/oauth/token',
  clientId: 'console-client',
  scopes: ['openid', 'profile', 'offline_access'],
  accessTokenScheme: 'HTTP_BASIC',
  domains: ['console.example.com'],
  defaultTokenExpirationInSeconds: 3600,
};

let standin: SmapiStandin;
let project: string;
const temps: string[] = [];

beforeEach(async () => {
  standin = await startSmapiStandin({ accessTokens: [TOKEN], skills: [{ skillId: SKILL }] });
  const dir = await mkdtemp(path.join(os.tmpdir(), 'al-pull-'));
  temps.push(dir);
  project = path.join(dir, 'skill');
  await cp(path.join(FIXTURES, 'v2-console'), project, { recursive: true });
});
afterEach(async () => {
  const v = standin.violations();
  await standin.close();
  expect(v).toEqual([]);
});
afterAll(async () => {
  for (const t of temps) await rm(t, { recursive: true, force: true });
});

function configure(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runCli(['configure', ...args], {
    cwd: project,
    timeoutMs: 30_000,
    env: { HOME: '/nonexistent-home', ASK_ACCESS_TOKEN: TOKEN, ALEXA_LINK_CLIENT_SECRET: SECRET, ASK_DEFAULT_PROFILE: '', ASK_VENDOR_ID: '', ASK_REFRESH_TOKEN: '', ...standin.env(), ...env },
  });
}

async function fileDoc(): Promise<{ accountLinkingRequest: Record<string, unknown> }> {
  return JSON.parse(await readFile(path.join(project, 'accountLinking.json'), 'utf8')) as { accountLinkingRequest: Record<string, unknown> };
}

describe('configure --pull', () => {
  it('writes the console configuration wrapped, without a secret, and shows what it wrote; a second pull writes nothing', async () => {
    standin.setLinking(SKILL, 'development', { ...CONSOLE, clientSecret: 'stored-in-console' });
    const r = await configure(['--pull']);
    expect(r.code, r.stderr).toBe(0);
    const doc = await fileDoc();
    expect(doc).toEqual({ accountLinkingRequest: expect.objectContaining(CONSOLE) });
    expect(doc.accountLinkingRequest.clientSecret).toBeUndefined();
    expect(r.stdout).toContain('Wrote accountLinking.json');
    expect(r.stdout).toContain('"clientId": "console-client"');
    expect(r.stdout + r.stderr).not.toContain('stored-in-console');
    expect(standin.requests('updateAccountLinkingInfoV1')).toHaveLength(0);

    const again = await configure(['--pull', '--json']);
    expect(again.code, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ action: 'pull', written: false, changed: false });
  });

  it('refuses to overwrite a different local file without --force; with --force keeps a copy first', async () => {
    standin.setLinking(SKILL, 'development', CONSOLE);
    const mine = JSON.stringify({ accountLinkingRequest: { ...CONSOLE, clientId: 'my-local-edit' } }, null, 2) + '\n';
    await writeFile(path.join(project, 'accountLinking.json'), mine);
    const refused = await configure(['--pull']);
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/~ clientId: "my-local-edit" → "console-client"/);
    expect(refused.stderr).toMatch(/accountLinking\.json differs from the development configuration of .*; it was left as it is/);
    expect(refused.stderr).toContain('--force');
    expect(await readFile(path.join(project, 'accountLinking.json'), 'utf8')).toBe(mine);

    const forced = await configure(['--pull', '--force', '--json']);
    expect(forced.code, forced.stderr).toBe(0);
    const res = JSON.parse(forced.stdout) as { backup: string; written: boolean };
    expect(res.written).toBe(true);
    expect(res.backup).toMatch(/^\.alexa-link\/replaced\/[^/]+\/accountLinking\.json$/);
    expect(await readFile(path.join(project, res.backup), 'utf8')).toBe(mine);
    expect((await fileDoc()).accountLinkingRequest.clientId).toBe('console-client');
  });

  it('a push after a pull says the write-only fields the GET cannot show are sent absent; after a push from here, no longer', async () => {
    // Set in the console; the GET (AccountLinkingResponse) never shows skipOnEnablement or reciprocalAccessTokenUrl.
    standin.setLinking(SKILL, 'development', { ...CONSOLE, skipOnEnablement: true, reciprocalAccessTokenUrl: 'https://auth.example.com/reciprocal' });
    expect((await configure(['--pull'])).code).toBe(0);
    const file = path.join(project, 'accountLinking.json');
    const doc = await fileDoc();
    expect(doc.accountLinkingRequest.skipOnEnablement).toBeUndefined();
    await writeFile(file, JSON.stringify({ accountLinkingRequest: { ...doc.accountLinkingRequest, scopes: ['openid', 'offline_access', 'email'] } }, null, 2));
    const plan = await configure(['--dry-run']);
    expect(plan.code, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/\* skipOnEnablement: \(not set\) \(cannot be read back, and not in accountLinking\.json: a push sends it absent \(false: users enabling the skill are asked to link first\), resetting a value set in the developer console; if the console has one, add it to accountLinking\.json first\)/);
    expect(plan.stdout).toMatch(/\* reciprocalAccessTokenUrl: \(not set\) \(cannot be read back, and not in accountLinking\.json: a push sends it absent/);
    // Only these rows (no secret given either): nothing to push for them.
    await writeFile(file, JSON.stringify(doc, null, 2));
    const same = JSON.parse((await configure(['--dry-run', '--json'], { ALEXA_LINK_CLIENT_SECRET: '' })).stdout) as { changed: boolean; diff: Array<{ field: string; status: string }> };
    expect(same.changed).toBe(false);
    expect(same.diff.filter((f) => f.status === 'write-only').map((f) => f.field)).toEqual(expect.arrayContaining(['skipOnEnablement', 'reciprocalAccessTokenUrl']));
    // Once pushed from here (the record says they were sent absent), they are known.
    await writeFile(file, JSON.stringify({ accountLinkingRequest: { ...doc.accountLinkingRequest, scopes: ['openid', 'offline_access', 'email'] } }, null, 2));
    expect((await configure(['--yes'])).code).toBe(0);
    const after = JSON.parse((await configure(['--dry-run', '--json'])).stdout) as { diff: Array<{ field: string }> };
    expect(after.diff.map((f) => f.field)).not.toContain('skipOnEnablement');
  });

  it('reads another stage with --stage live, and says so when nothing is configured', async () => {
    standin.setLinking(SKILL, 'live', { ...CONSOLE, clientId: 'live-client' });
    const r = await configure(['--pull', '--stage', 'live']);
    expect(r.code, r.stderr).toBe(0);
    expect((await fileDoc()).accountLinkingRequest.clientId).toBe('live-client');
    await rm(path.join(project, 'accountLinking.json'));
    const none = await configure(['--pull']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/has no account linking configured; there is nothing to pull, and nothing was written/);
    await expect(stat(path.join(project, 'accountLinking.json'))).rejects.toThrow();
  });
});

describe('configure --restore <backup>', () => {
  it('pushes a backup an earlier push wrote: diff, If-Match, backup of the remote, verification', async () => {
    // A first push backs up the console's configuration.
    standin.setLinking(SKILL, 'development', { ...CONSOLE, clientSecret: 'x' });
    await writeFile(path.join(project, 'accountLinking.json'), JSON.stringify({ accountLinkingRequest: { ...CONSOLE, scopes: ['openid'] } }));
    const push = await configure(['--yes', '--json']);
    expect(push.code, push.stderr).toBe(0);
    const backup = (JSON.parse(push.stdout) as { backup: string }).backup;
    expect(backup).toMatch(/^\.alexa-link\/backups\//);
    expect(standin.linking(SKILL)!.payload.scopes).toEqual(['openid']);

    const etag = standin.linking(SKILL)!.etag;
    const r = await configure(['--restore', backup, '--yes', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const res = JSON.parse(r.stdout) as { pushed: boolean; verified: boolean; backup: string; diff: Array<{ field: string; status: string }> };
    expect(res).toMatchObject({ pushed: true, verified: true });
    expect(res.diff.find((f) => f.field === 'scopes')!.status).toBe('changed');
    const puts = standin.requests('updateAccountLinkingInfoV1');
    expect(puts.at(-1)!.headers['if-match']).toBe(etag);
    expect(JSON.parse(puts.at(-1)!.body)).toEqual({ accountLinkingRequest: { ...CONSOLE, clientSecret: SECRET } });
    expect(standin.linking(SKILL)!.payload.scopes).toEqual(CONSOLE.scopes);
    // The state it replaced was backed up too.
    expect(res.backup).not.toBe(backup);
    expect(await readdir(path.join(project, '.alexa-link', 'backups'))).toHaveLength(2);
    expect(r.stderr + r.stdout).not.toContain(SECRET);
  });

  it('without --yes and no terminal: asks for confirmation like a push (exit 2, nothing sent); a bad file is exit 2 naming it', async () => {
    standin.setLinking(SKILL, 'development', { ...CONSOLE, scopes: ['openid'] });
    await mkdir(path.join(project, 'old'));
    await writeFile(path.join(project, 'old', 'b.json'), JSON.stringify({ accountLinkingRequest: CONSOLE }));
    const r = await configure(['--restore', 'old/b.json']);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('remote → old/b.json');
    expect(r.stderr).toContain('Pushing needs confirmation');
    expect(standin.requests('updateAccountLinkingInfoV1')).toHaveLength(0);
    await writeFile(path.join(project, 'old', 'bad.json'), '{"accountLinkingRequest": ');
    const bad = await configure(['--restore', 'old/bad.json', '--yes']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/old\/bad\.json is not valid JSON/);
    const both = await configure(['--restore', 'old/b.json', '--pull']);
    expect(both.code).toBe(2);
  });

  it('refuses a backup of another skill or stage (its name says which) without --force; nothing sent', async () => {
    standin.setLinking(SKILL, 'development', { ...CONSOLE, scopes: ['openid'] });
    const other = 'amzn1.ask.skill.99999999-aaaa-bbbb-cccc-000000000009';
    const dir = path.join(project, '.alexa-link', 'backups');
    await mkdir(dir, { recursive: true });
    const stamp = '2030-01-01T00-00-00-000Z';
    await writeFile(path.join(dir, `${other}-development-${stamp}.json`), JSON.stringify({ accountLinkingRequest: CONSOLE }));
    const r = await configure(['--restore', `.alexa-link/backups/${other}-development-${stamp}.json`, '--yes']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`is a backup of skill ${other.replace(/\./g, '\\.')} \\(development\\), but this push goes to ${SKILL.replace(/\./g, '\\.')} \\(development\\); nothing was sent`));
    expect(r.stderr).toMatch(/--skill-id amzn1\.ask\.skill\.99999999[\s\S]*--force pushes it here anyway/);
    await writeFile(path.join(dir, `${SKILL}-live-${stamp}.json`), JSON.stringify({ accountLinkingRequest: CONSOLE }));
    const live = await configure(['--restore', `.alexa-link/backups/${SKILL}-live-${stamp}.json`, '--yes']);
    expect(live.code).toBe(2);
    expect(live.stderr).toMatch(/is a backup of the live stage, but this push goes to .* \(development\)/);
    expect(standin.requests('updateAccountLinkingInfoV1')).toHaveLength(0);
    const forced = await configure(['--restore', `.alexa-link/backups/${other}-development-${stamp}.json`, '--yes', '--force']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.stderr).toMatch(/pushed to .* because of --force/);
    expect(standin.requests('updateAccountLinkingInfoV1')).toHaveLength(1);
  });
});

describe('an expired ASK CLI profile, refreshed through the ASK CLI on PATH', () => {
  /** A stand-in `ask`: records its arguments and HOME, then writes a fresh token into cli_config (or fails). */
  async function fakeAsk(fails: boolean): Promise<{ bin: string; home: string; log: string }> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'al-ask-'));
    temps.push(dir);
    const home = path.join(dir, 'home');
    await mkdir(path.join(home, '.ask'), { recursive: true });
    await writeFile(
      path.join(home, '.ask', 'cli_config'),
      JSON.stringify({ profiles: { default: { token: { access_token: 'Atza|expired-0000000000', refresh_token: 'Atzr|ask-cli-own', expires_at: '2020-01-01T00:00:00.000Z' }, vendor_id: 'M2ASKVENDOR1' } } }),
      { mode: 0o600 },
    );
    const bin = path.join(dir, 'bin');
    await mkdir(bin);
    const log = path.join(dir, 'ask.log');
    const script = `#!${process.execPath}
const fs = require('node:fs');
fs.appendFileSync(${JSON.stringify(log)}, JSON.stringify({ args: process.argv.slice(2), home: process.env.HOME, askToken: process.env.ASK_ACCESS_TOKEN }) + '\\n');
${fails ? "process.stderr.write('[Error]: invalid_grant\\n'); process.exit(3);" : `const file = process.env.HOME + '/.ask/cli_config';
const cfg = JSON.parse(fs.readFileSync(file, 'utf8'));
cfg.profiles.default.token = { access_token: ${JSON.stringify(TOKEN)}, refresh_token: 'Atzr|ask-cli-own', token_type: 'bearer', expires_in: 3600, expires_at: new Date(Date.now() + 3600000).toISOString() };
fs.writeFileSync(file, JSON.stringify(cfg, null, 2));
process.stdout.write('{"vendors": []}');`}
`;
    await writeFile(path.join(bin, 'ask'), script);
    await chmod(path.join(bin, 'ask'), 0o755);
    return { bin, home, log };
  }

  it('runs `ask smapi get-vendor-list --profile default`, re-reads cli_config, goes on, and says so', async () => {
    standin.setLinking(SKILL, 'development', CONSOLE);
    const { bin, home, log } = await fakeAsk(false);
    const r = await configure(['--pull'], { ASK_ACCESS_TOKEN: '', HOME: home, PATH: `${bin}${path.delimiter}${path.dirname(process.execPath)}` });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('The access token of ~/.ask/cli_config profile "default" had expired; the ASK CLI refreshed it (`ask smapi get-vendor-list --profile default`).');
    const calls = (await readFile(log, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as { args: string[]; home: string; askToken?: string });
    expect(calls).toEqual([{ args: ['smapi', 'get-vendor-list', '--profile', 'default'], home }]);
    expect((await fileDoc()).accountLinkingRequest.clientId).toBe('console-client');
    expect(r.stderr + r.stdout).not.toContain(TOKEN);
  });

  it('doctor says it too, without -v (one line on stderr)', async () => {
    standin.setLinking(SKILL, 'development', CONSOLE);
    const { bin, home } = await fakeAsk(false);
    const env = { HOME: home, PATH: `${bin}${path.delimiter}${path.dirname(process.execPath)}`, ASK_ACCESS_TOKEN: '', ASK_DEFAULT_PROFILE: '', ASK_VENDOR_ID: '', ASK_REFRESH_TOKEN: '', ...standin.env() };
    const line = 'The access token of ~/.ask/cli_config profile "default" had expired; the ASK CLI refreshed it (`ask smapi get-vendor-list --profile default`).';
    const doctor = await runCli(['doctor', '--only', 'linking-config'], { cwd: project, timeoutMs: 30_000, env });
    expect(doctor.stderr.split(line).length - 1, doctor.stderr).toBe(1);
    expect(doctor.stderr + doctor.stdout).not.toContain(TOKEN);
  });

  it('when the ASK CLI cannot refresh it either: exit 1 with its words added to the explanation', async () => {
    const { bin, home } = await fakeAsk(true);
    const r = await configure(['--pull'], { ASK_ACCESS_TOKEN: '', HOME: home, PATH: `${bin}${path.delimiter}${path.dirname(process.execPath)}` });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('expired at 2020-01-01T00:00:00.000Z');
    expect(r.stderr).toMatch(/Refreshing it through the ASK CLI \(`ask smapi get-vendor-list --profile default`\) failed \(exit code 3\): \[Error\]: invalid_grant/);
    expect(standin.requests()).toHaveLength(0);
  });
});
