import { cp, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli, type CliResult } from '../support/cli.js';
import { filesUnder } from '../support/skill-project.js';
import { startSmapiStandin, type SmapiStandin } from '../support/smapi-standin.js';

/**
 * Two developers push the account-linking configuration of the same skill at the same moment, each
 * from their own checkout: two `alexa-link configure` processes against the SMAPI stand-in. Both
 * read the same version (the same ETag); the stand-in holds each PUT for a while so that both are
 * sent with that ETag. One wins; the other gets SMAPI's 412 explained, exits 1, and leaves nothing
 * behind: the remote holds the winner's configuration and the loser's checkout is as it was.
 * (test/e2e/configure.test.ts has the single-process variant, with the console as the other writer.)
 */
const SKILL = 'amzn1.ask.skill.c0c0c0c0-0000-4000-8000-000000000412';
const TOKEN = 'Atza|concurrency-access-token-0123456789';
let standin: SmapiStandin;
let root: string;
const projects: Record<'alice' | 'bob', string> = { alice: '', bob: '' };

beforeAll(async () => {
  standin = await startSmapiStandin({ accessTokens: [TOKEN], vendors: [{ id: 'M2RACEVENDOR1' }], skills: [{ skillId: SKILL }] });
  root = await mkdtemp(path.join(os.tmpdir(), 'al-race-'));
  const init = await runCli(['init', 'skill', '--yes', '--name', 'Race Skill', '--invocation', 'race skill', '--provider', 'okta', '--domain', 'race.okta.com', '--client-id', 'race-client', '--no-install'], { cwd: root });
  expect(init.code, init.stderr).toBe(0);
  const template = JSON.parse(await readFile(path.join(root, 'skill', 'accountLinking.json'), 'utf8')) as { accountLinkingRequest: Record<string, unknown> };
  for (const [who, scopes] of [['alice', ['openid', 'offline_access', 'profile']], ['bob', ['openid', 'offline_access', 'email']]] as const) {
    const dir = path.join(root, who);
    await cp(path.join(root, 'skill'), dir, { recursive: true });
    await writeFile(path.join(dir, 'accountLinking.json'), JSON.stringify({ accountLinkingRequest: { ...template.accountLinkingRequest, scopes } }, null, 2) + '\n');
    await mkdir(path.join(dir, '.ask'));
    await writeFile(path.join(dir, '.ask', 'ask-states.json'), JSON.stringify({ askcliStatesVersion: '2020-03-31', profiles: { default: { skillId: SKILL } } }));
    projects[who] = dir;
  }
  // What both read: the configuration before either push.
  standin.setLinking(SKILL, 'development', { ...template.accountLinkingRequest, scopes: ['openid'], clientSecret: 'old-secret' });
});
afterAll(async () => {
  await standin?.close();
  if (root) await rm(root, { recursive: true, force: true });
});

function configure(who: 'alice' | 'bob'): Promise<CliResult> {
  return runCli(['configure', '--yes'], {
    cwd: projects[who],
    timeoutMs: 60_000,
    env: { HOME: path.join(root, 'no-home'), ASK_ACCESS_TOKEN: TOKEN, ASK_REFRESH_TOKEN: '', ASK_DEFAULT_PROFILE: '', ASK_VENDOR_ID: '', ALEXA_LINK_CLIENT_SECRET: `${who}-client-secret`, ...standin.env() },
  });
}

describe('two configure runs on the same skill at once', () => {
  it('one wins, the other gets the 412 explained and writes nothing', async () => {
    const before = { alice: await filesUnder(projects.alice), bob: await filesUnder(projects.bob) };
    // Both PUTs are held long enough for both GETs to have read the same version.
    standin.fault('updateAccountLinkingInfoV1', { delayMs: 2500 });
    standin.fault('updateAccountLinkingInfoV1', { delayMs: 2500 });
    const [alice, bob] = await Promise.all([configure('alice'), configure('bob')]);

    const puts = standin.requests('updateAccountLinkingInfoV1');
    expect(puts).toHaveLength(2);
    // A true race: both sent the ETag they read, and it was the same one.
    expect(puts[0]!.headers['if-match']).toBeTruthy();
    expect(puts[0]!.headers['if-match']).toBe(puts[1]!.headers['if-match']);
    const statuses = puts.map((p) => p.status);
    expect(statuses.filter((s) => s === 412)).toHaveLength(1);
    expect(statuses.find((s) => s !== 412)).toBeLessThan(300);

    const results = { alice, bob };
    const winner = (Object.keys(results) as Array<'alice' | 'bob'>).find((w) => results[w].code === 0);
    const loser = (Object.keys(results) as Array<'alice' | 'bob'>).find((w) => results[w].code !== 0);
    expect(winner, `alice: ${alice.code} ${alice.stderr}\nbob: ${bob.code} ${bob.stderr}`).toBeDefined();
    expect(loser).toBeDefined();
    const lost = results[loser!];
    expect(lost.code).toBe(1);
    expect(lost.stderr).toContain('the remote configuration changed since alexa-link read it (412 Precondition Failed); nothing was written.');
    expect(lost.stderr).toContain('Rerun to see the new difference');
    expect(lost.stderr).not.toMatch(/Internal error|\n\s+at .*:\d+:\d+/);
    expect(results[winner!].stderr).toContain('Pushed and verified');

    // The remote holds the winner's configuration and secret.
    const local = JSON.parse(await readFile(path.join(projects[winner!], 'accountLinking.json'), 'utf8')) as { accountLinkingRequest: Record<string, unknown> };
    expect(standin.linking(SKILL)!.payload).toEqual({ ...local.accountLinkingRequest, clientSecret: `${winner}-client-secret` });

    // The loser's checkout is exactly as it was (no backup, no push record, no temporary file); the
    // winner kept its backup, 0600, and the record of what it pushed.
    expect(await filesUnder(projects[loser!])).toEqual(before[loser!]);
    const added = (await filesUnder(projects[winner!])).filter((f) => !before[winner!].includes(f));
    expect(added.filter((f) => !f.startsWith('.alexa-link/backups/'))).toEqual(['.alexa-link/push-record.json']);
    const backups = added.filter((f) => f.startsWith('.alexa-link/backups/'));
    expect(backups).toHaveLength(1);
    expect(backups[0]).toMatch(/^\.alexa-link\/backups\/.*\.json$/);
    expect((await stat(path.join(projects[winner!], backups[0]!))).mode & 0o777).toBe(0o600);
    expect(standin.violations()).toEqual([]);
  });
});
