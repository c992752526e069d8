import { execFileSync } from 'node:child_process';
import { chmod, chown, cp, mkdir, mkdtemp, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { startSmapiStandin } from '../support/smapi-standin.js';

/**
 * Issue 15, through the built CLI: unbounded reads (15.2), symbolic links and modes (15.6), and the
 * project walk-up that stops at folders of other users (15.1).
 */
const FIXTURES = fileURLToPath(new URL('../fixtures/projects/', import.meta.url));
const ENV = { HOME: '/nonexistent-home', ASK_ACCESS_TOKEN: '', ASK_REFRESH_TOKEN: '', ASK_VENDOR_ID: '' };
const temps: string[] = [];
afterAll(async () => {
  for (const t of temps) await rm(t, { recursive: true, force: true });
});

async function copyFixture(name: string): Promise<string> {
  const parent = await mkdtemp(path.join(os.tmpdir(), 'al-sec-'));
  temps.push(parent);
  const dir = path.join(parent, name);
  await cp(path.join(FIXTURES, name), dir, { recursive: true });
  return dir;
}

describe('15.2 unbounded reads: exit 2 naming the file, at once', () => {
  it.each<[string, (dir: string) => Promise<string>, RegExp]>([
    ['--envelopes /dev/zero', async () => '/dev/zero', /\/dev\/zero is a character device, not a regular file/],
    ['--envelopes <a FIFO>', async (dir) => (execFileSync('mkfifo', [path.join(dir, 'pipe.json')]), 'pipe.json'), /pipe\.json is a named pipe \(FIFO\), not a regular file/],
    ['--envelopes <a link to /dev/zero>', async (dir) => (await symlink('/dev/zero', path.join(dir, 'zero.json')), 'zero.json'), /zero\.json is a character device \(through the link to \/dev\/zero\)/],
  ])('doctor %s', async (_name, make, message) => {
    const dir = await copyFixture('plain');
    const arg = await make(dir);
    const started = Date.now();
    const r = await runCli(['doctor', '--offline', '--envelopes', arg], { cwd: dir, env: ENV, timeoutMs: 15_000 });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  it('an accountLinking.json that is a link to /dev/zero: configure exits 2 naming it; doctor reports it without hanging', async () => {
    const dir = await copyFixture('v2-console');
    await symlink('/dev/zero', path.join(dir, 'accountLinking.json'));
    const r = await runCli(['configure', '--dry-run', '--skill-id', 'amzn1.ask.skill.55555555-aaaa-bbbb-cccc-000000000005'], { cwd: dir, env: ENV, timeoutMs: 15_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/accountLinking\.json is a character device \(through the link to \/dev\/zero\), not a regular file/);
    // doctor too: exit 2 naming it (it is input that must not be read, not a broken project to judge).
    const started = Date.now();
    const d = await runCli(['--json', 'doctor', '--offline', '--only', 'project-files'], { cwd: dir, env: ENV, timeoutMs: 15_000 });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(d.code, d.stderr).toBe(2);
    expect((JSON.parse(d.stdout) as { error: { message: string } }).error.message).toMatch(/accountLinking\.json is a character device \(through the link to \/dev\/zero\), not a regular file/);
    const text = await runCli(['doctor', '--offline'], { cwd: dir, env: ENV, timeoutMs: 15_000 });
    expect(text.code).toBe(2);
    expect(text.stderr).toMatch(/accountLinking\.json is a character device/);
  });

  it.each<[string, (dir: string) => Promise<void>, RegExp]>([
    ['a link to /dev/zero', async (dir) => symlink('/dev/zero', path.join(dir, 'package.json')), /package\.json is a character device \(through the link to \/dev\/zero\), not a regular file; alexa-link reads only regular files: Node reads it whole when it loads the handler index\.js, so it is not loaded/],
    ['a FIFO', async (dir) => void execFileSync('mkfifo', [path.join(dir, 'package.json')]), /package\.json is a named pipe \(FIFO\), not a regular file/],
  ])("a skill's package.json that is %s: doctor says so at once, the handler is never loaded (no LoadTimeout, no gigabytes)", async (_name, make, message) => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'al-sec-pkg-'));
    temps.push(dir);
    const mark = path.join(dir, 'loaded');
    await writeFile(path.join(dir, 'index.js'), `require('fs').writeFileSync(${JSON.stringify(mark)}, 'x'); exports.handler = async () => ({ version: '1.0', response: {} });\n`);
    await make(dir);
    const started = Date.now();
    const r = await runCli(['--json', 'doctor', '--only', 'replays', '--handler', path.join(dir, 'index.js'), '--request', 'launch', '--probes', 'none'], { cwd: dir, env: ENV, timeoutMs: 20_000 });
    expect(Date.now() - started).toBeLessThan(5000);
    expect(r.code, r.stderr).toBe(1);
    const check = (JSON.parse(r.stdout) as { checks: Array<{ id: string; status: string; detail: string; fix?: string }> }).checks.find((c) => c.id === 'replays')!;
    expect(check.status).toBe('fail');
    expect(check.detail).toMatch(message);
    expect(check.detail).not.toMatch(/LoadTimeout|crashed/);
    await expect(stat(mark)).rejects.toThrow();
  });

  it('--envelopes <folder> names each entry it skips (a FIFO, a link to /dev/zero), fails a dangling link as a replay naming it, and replays the rest', async () => {
    const dir = await copyFixture('plain');
    const envelopes = path.join(dir, 'captured');
    await mkdir(envelopes);
    await cp(fileURLToPath(new URL('../fixtures/envelopes/launch-linked.json', import.meta.url)), path.join(envelopes, 'a-launch.json'));
    execFileSync('mkfifo', [path.join(envelopes, 'b-pipe.json')]);
    await symlink('/dev/zero', path.join(envelopes, 'c-zero.json'));
    await symlink(path.join(envelopes, 'gone'), path.join(envelopes, 'd-dangling.json'));
    const started = Date.now();
    const r = await runCli(['doctor', '--offline', '--only', 'replays', '--handler', 'skill.js', '--envelopes', 'captured', '--probes', 'none'], { cwd: dir, env: ENV, timeoutMs: 20_000 });
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(r.stderr).toMatch(/--envelopes: skipped 2 entries that are not a regular file \(never read\):/);
    expect(r.stderr).toMatch(/captured\/b-pipe\.json: a named pipe \(FIFO\)/);
    expect(r.stderr).toMatch(/captured\/c-zero\.json: a link to a character device/);
    expect(r.stdout).toMatch(/d-dangling\.json/);
    expect(r.stderr).not.toMatch(/d-dangling\.json: a link to nothing/);
    expect(r.stdout + r.stderr).toMatch(/a-launch\.json/);
    // Nothing but skipped entries: exit 2, naming them.
    const only = path.join(dir, 'only-bad');
    await mkdir(only);
    execFileSync('mkfifo', [path.join(only, 'pipe.json')]);
    const bad = await runCli(['doctor', '--offline', '--only', 'replays', '--handler', 'skill.js', '--envelopes', 'only-bad'], { cwd: dir, env: ENV, timeoutMs: 20_000 });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--envelopes: the folder only-bad holds no \.json files that can be read \(skipped: only-bad\/pipe\.json, a named pipe \(FIFO\)\)/);
  });

  it('a ~/.ask/cli_config that is a FIFO: exit 2 naming it, not a hang', async () => {
    const dir = await copyFixture('v2-console');
    const home = path.join(path.dirname(dir), 'home');
    await mkdir(path.join(home, '.ask'), { recursive: true });
    execFileSync('mkfifo', [path.join(home, '.ask', 'cli_config')]);
    const r = await runCli(['configure', '--pull'], { cwd: dir, env: { ...ENV, HOME: home }, timeoutMs: 15_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cli_config is a named pipe \(FIFO\), not a regular file/);
  });
});

describe('15.6 symbolic links and modes', () => {
  const SKILL = 'amzn1.ask.skill.55555555-aaaa-bbbb-cccc-000000000005';
  const TOKEN = 'Atza|symlink-e2e-token-00000000000';

  it.each(['.alexa-link', '.alexa-link/backups'])('configure refuses a symlinked %s before pushing; the other folder keeps its files and mode', async (linked) => {
    const standin = await startSmapiStandin({ accessTokens: [TOKEN], skills: [{ skillId: SKILL }] });
    try {
      const dir = await copyFixture('v2-console');
      await writeFile(path.join(dir, 'accountLinking.json'), JSON.stringify({ accountLinkingRequest: { type: 'AUTH_CODE', authorizationUrl: 'https://a.example.com/authorize', accessTokenUrl: 'https://a.example.com/token', clientId: 'c', scopes: ['openid'], accessTokenScheme: 'HTTP_BASIC' } }));
      standin.setLinking(SKILL, 'development', { type: 'AUTH_CODE', authorizationUrl: 'https://a.example.com/authorize', accessTokenUrl: 'https://a.example.com/token', clientId: 'old', scopes: ['openid'], accessTokenScheme: 'HTTP_BASIC' });
      const elsewhere = await mkdtemp(path.join(os.tmpdir(), 'al-sec-elsewhere-'));
      temps.push(elsewhere);
      await chmod(elsewhere, 0o755);
      if (linked === '.alexa-link/backups') await mkdir(path.join(dir, '.alexa-link'), { mode: 0o700 });
      await symlink(elsewhere, path.join(dir, ...linked.split('/')));
      const r = await runCli(['configure', '--yes'], { cwd: dir, env: { ...ENV, ASK_ACCESS_TOKEN: TOKEN, ALEXA_LINK_CLIENT_SECRET: 's3cret', ...standin.env() }, timeoutMs: 30_000 });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`${linked.replace(/[./]/g, (c) => `\\${c}`)} in .* is a symbolic link \\(to .*\\), not a folder: alexa-link writes only through real folders`));
      expect(await readdir(elsewhere)).toEqual([]);
      expect((await stat(elsewhere)).mode & 0o777).toBe(0o755);
      expect(standin.requests('updateAccountLinkingInfoV1')).toHaveLength(0);
      expect(standin.violations()).toEqual([]);
    } finally {
      await standin.close();
    }
  });
});

describe('15.1 the project walk-up stops at folders of other users', () => {
  it.runIf(process.getuid?.() === 0)('a project planted in a parent owned by someone else is not used (its code is not run)', async () => {
    const parent = await mkdtemp(path.join(os.tmpdir(), 'al-sec-planted-'));
    temps.push(parent);
    await cp(path.join(FIXTURES, 'v2-console'), parent, { recursive: true });
    // The planted code would leave a mark if it ran.
    const mark = path.join(parent, 'ran');
    await writeFile(path.join(parent, 'lambda', 'index.js'), `require('fs').writeFileSync(${JSON.stringify(mark)}, 'x'); exports.handler = async () => ({ version: '1.0', response: {} });`);
    const mine = path.join(parent, 'mine');
    await mkdir(mine);
    await chown(parent, 4242, 4242);
    // No project of the user's: doctor says so in a few lines (exit 2), naming where it stopped looking.
    const r = await runCli(['--json', 'doctor', '--offline'], { cwd: mine, env: ENV });
    expect(r.code).toBe(2);
    expect((JSON.parse(r.stdout) as { error: { code: string; message: string } }).error).toMatchObject({ code: 'E_NO_PROJECT', message: expect.stringMatching(/Stopped looking at .*al-sec-planted-[^:]*: it belongs to another user \(uid 4242\)/) });
    // Asked for the project files by name, the check reports it.
    const only = await runCli(['--json', 'doctor', '--offline', '--only', 'project-files'], { cwd: mine, env: ENV });
    expect(only.code).toBe(1);
    const pf = (JSON.parse(only.stdout) as { checks: Array<{ id: string; status: string; detail: string }> }).checks.find((c) => c.id === 'project-files')!;
    expect(pf.status).toBe('fail');
    expect(pf.detail).toMatch(/Stopped looking at .*al-sec-planted-[^:]*: it belongs to another user \(uid 4242\)/);
    await expect(stat(mark)).rejects.toThrow();
  });
});
