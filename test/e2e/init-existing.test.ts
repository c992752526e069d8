import { createHash } from 'node:crypto';
import { cp, lstat, mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { detectSdkStyle, handlerSnippet } from '../../src/scaffold/add-linking.js';
import { runCli } from '../support/cli.js';

/**
 * init on projects that exist: `--add` writes accountLinking.json and the .gitignore line and
 * leaves every other file byte-identical, on every layout; `--force` keeps a copy of each file it
 * replaces and never writes through a linked folder.
 */
const FIXTURES = fileURLToPath(new URL('../fixtures/projects/', import.meta.url));
const temps: string[] = [];
afterAll(async () => {
  for (const t of temps) await rm(t, { recursive: true, force: true });
});

async function tmp(prefix: string): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), prefix));
  temps.push(d);
  return d;
}

async function copyFixture(name: string): Promise<string> {
  const dir = path.join(await tmp('al-add-'), name);
  await cp(path.join(FIXTURES, name), dir, { recursive: true });
  await rm(path.join(dir, 'accountLinking.json'), { force: true });
  return dir;
}

/** Every file under dir (links too) with the hash of its bytes and its mode. */
async function snapshot(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const walk = async (rel: string) => {
    for (const e of await readdir(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${e.name}` : e.name;
      const st = await lstat(path.join(dir, child));
      if (e.isDirectory()) {
        out.set(`${child}/`, (st.mode & 0o7777).toString(8));
        await walk(child);
      } else out.set(child, `${createHash('sha256').update(await readFile(path.join(dir, child))).digest('hex')} ${(st.mode & 0o7777).toString(8)}`);
    }
  };
  await walk('');
  return out;
}

const ADD = ['init', '--add', '--yes', '--provider', 'auth0', '--domain', 'dev-add.us.auth0.com', '--client-id', 'add-client'];
const ENV = { HOME: '/nonexistent-home' };

describe('init --add (built CLI)', () => {
  it.each(['v1', 'hosted', 'sam', 'serverless', 'plain', 'v2-console'])('%s: writes accountLinking.json and .gitignore, every other file byte-identical', async (name) => {
    const dir = await copyFixture(name);
    const before = await snapshot(dir);
    const r = await runCli(['--json', ...ADD], { cwd: dir, env: ENV });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const doc = JSON.parse(r.stdout) as { files: string[]; gitignore: string; sdk: string; snippet: string; mode: string };
    expect(doc).toMatchObject({ mode: 'add', files: ['accountLinking.json', '.gitignore'], gitignore: 'created', sdk: 'raw' });
    expect(doc.snippet).toContain("card: { type: 'LinkAccount' }");
    const after = await snapshot(dir);
    for (const [file, sig] of before) expect(after.get(file), file).toBe(sig);
    expect([...after.keys()].filter((k) => !before.has(k)).sort()).toEqual(['.gitignore', 'accountLinking.json']);
    const linking = JSON.parse(await readFile(path.join(dir, 'accountLinking.json'), 'utf8')) as { accountLinkingRequest: Record<string, unknown> };
    expect(linking.accountLinkingRequest).toMatchObject({ type: 'AUTH_CODE', clientId: 'add-client', authorizationUrl: 'https://dev-add.us.auth0.com/authorize' });
    expect(linking.accountLinkingRequest.clientSecret).toBeUndefined();
    expect(await readFile(path.join(dir, '.gitignore'), 'utf8')).toMatch(/^\.alexa-link\/$/m);
  });

  it('appends to an existing .gitignore (keeping its bytes), prints the ASK SDK v2 change for ask-sdk-core code', async () => {
    const dir = await copyFixture('v2-console');
    await writeFile(path.join(dir, '.gitignore'), 'node_modules\n.env');
    await writeFile(path.join(dir, 'lambda', 'index.js'), "const Alexa = require('ask-sdk-core');\nexports.handler = Alexa.SkillBuilders.custom().lambda();\n");
    const r = await runCli(ADD, { cwd: path.join(dir, 'lambda'), env: ENV });
    expect(r.code, r.stderr).toBe(0);
    expect(await readFile(path.join(dir, '.gitignore'), 'utf8')).toBe('node_modules\n.env\n# alexa-link: login tokens and backups\n.alexa-link/\n');
    expect(r.stdout).toContain('Your code uses ASK SDK v2 for Node.js (ask-sdk-core) (lambda/index.js)');
    expect(r.stdout).toContain('Alexa.getAccountLinkingAccessToken(handlerInput.requestEnvelope)');
    expect(r.stdout).toContain('.withLinkAccountCard()');
    expect(r.stdout).toContain('nothing else was changed');
    // Already ignored: .gitignore is left alone.
    await rm(path.join(dir, 'accountLinking.json'));
    const again = await runCli(['--json', ...ADD], { cwd: dir, env: ENV });
    expect((JSON.parse(again.stdout) as { gitignore: string }).gitignore).toBe('unchanged');
  });

  it('on a narrow terminal the handler change is printed as code: no statement or comment broken across lines', async () => {
    const dir = await copyFixture('v2-console');
    await writeFile(path.join(dir, 'lambda', 'index.js'), "const Alexa = require('ask-sdk-core');\nexports.handler = Alexa.SkillBuilders.custom().lambda();\n");
    const r = await runCli(ADD, { cwd: dir, env: { ...ENV, COLUMNS: '60' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^ {4}const accessToken = Alexa\.getAccountLinkingAccessToken\(handlerInput\.requestEnvelope\);$/m);
    expect(r.stdout).toMatch(/^ {4}\/\/ Call your API with the header .* on a 401 answer as above\.$/m);
    expect(r.stdout).toMatch(/^ {2}npx alexa-link doctor --token session$/m);
  });

  it('--client-id "": the placeholder, and a warning saying where to create a client at the provider', async () => {
    const dir = await copyFixture('plain');
    const r = await runCli(['init', '--add', '--yes', '--provider', 'okta', '--domain', 'dev-123456.okta.com', '--client-id', ''], { cwd: dir, env: ENV });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/⚠ No client ID yet: accountLinking\.json gets the placeholder REPLACE_WITH_YOUR_CLIENT_ID\. Create a client at Okta: in the Okta Admin Console/);
    const linking = JSON.parse(await readFile(path.join(dir, 'accountLinking.json'), 'utf8')) as { accountLinkingRequest: Record<string, unknown> };
    expect(linking.accountLinkingRequest.clientId).toBe('REPLACE_WITH_YOUR_CLIENT_ID');
    // doctor (and configure) refuse the placeholder until it is replaced.
    const doctor = await runCli(['--json', 'doctor', '--offline', '--only', 'linking-config'], { cwd: dir, env: ENV });
    const check = (JSON.parse(doctor.stdout) as { checks: Array<{ id: string; status: string; detail: string }> }).checks.find((c) => c.id === 'linking-config')!;
    expect(check).toMatchObject({ status: 'fail', detail: expect.stringMatching(/clientId is still REPLACE_WITH_YOUR_CLIENT_ID, the placeholder alexa-link init wrote/) });
  });

  it('refuses when accountLinking.json exists, changing nothing, and says how to replace it', async () => {
    const dir = path.join(await tmp('al-add-exists-'), 'sam');
    await cp(path.join(FIXTURES, 'sam'), dir, { recursive: true });
    const before = await snapshot(dir);
    const r = await runCli(ADD, { cwd: dir, env: ENV });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/accountLinking\.json already exists in .*; init --add writes a new one only where there is none/);
    expect(r.stderr).toMatch(/configure --pull --force/);
    expect(await snapshot(dir)).toEqual(before);
  });

  it('a v2 project without a "default" profile: --profile, or ASK_DEFAULT_PROFILE, chooses it', async () => {
    const dir = await copyFixture('v2-console');
    const resources = path.join(dir, 'ask-resources.json');
    const doc = JSON.parse(await readFile(resources, 'utf8')) as { profiles: Record<string, unknown> };
    await writeFile(resources, JSON.stringify({ ...doc, profiles: { work: doc.profiles.default } }, null, 2));
    const none = await runCli(ADD, { cwd: dir, env: ENV });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no profile "default" \(profiles: work\)[\s\S]*Pass --profile work/);
    const flag = await runCli(['--json', ...ADD, '--profile', 'work'], { cwd: dir, env: ENV });
    expect(flag.code, flag.stderr).toBe(0);
    expect(JSON.parse(flag.stdout)).toMatchObject({ mode: 'add', layout: 'ask-cli-v2', files: ['accountLinking.json', '.gitignore'] });
    await rm(path.join(dir, 'accountLinking.json'));
    const fromEnv = await runCli(ADD, { cwd: dir, env: { ...ENV, ASK_DEFAULT_PROFILE: 'work' } });
    expect(fromEnv.code, fromEnv.stderr).toBe(0);
    // doctor reads ASK_DEFAULT_PROFILE the same way.
    const doctor = await runCli(['--json', 'doctor', '--offline', '--only', 'project-files'], { cwd: dir, env: { ...ENV, ASK_DEFAULT_PROFILE: 'work' } });
    expect((JSON.parse(doctor.stdout) as { checks: Array<{ id: string; detail: string }> }).checks[0]!.detail).toMatch(/^ASK CLI v2 project \(profile work\)/);
    // A new project has one profile: --profile without --add is a usage error.
    const fresh = await runCli(['init', path.join(await tmp('al-add-new-'), 'x'), '--yes', '--profile', 'work'], { cwd: dir, env: ENV });
    expect(fresh.code).toBe(2);
    expect(fresh.stderr).toMatch(/--profile chooses the profile of an existing project: it goes with --add/);
  });

  it('is a usage error with flags of a new project, and outside any project', async () => {
    const dir = await copyFixture('plain');
    const r = await runCli([...ADD, '--name', 'X'], { cwd: dir, env: ENV });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--add writes only accountLinking\.json into an existing project; --name is for a new project/);
    const empty = await tmp('al-add-empty-');
    const none = await runCli(ADD, { cwd: empty, env: ENV });
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/No skill project in/);
    expect(await readdir(empty)).toEqual([]);
  });
});

describe('init --force over existing files (built CLI)', () => {
  const INIT = ['init', '.', '--yes', '--force', '--name', 'Forced Skill', '--invocation', 'forced skill', '--provider', 'lwa', '--client-id', 'amzn1.application-oa2-client.x', '--no-install'];

  it('copies each file it replaces to .alexa-link/replaced/<timestamp>/<path> first, and says where', async () => {
    const dir = await tmp('al-force-');
    await mkdir(path.join(dir, 'lambda'));
    await writeFile(path.join(dir, 'lambda', 'index.js'), 'my precious handler\n');
    await writeFile(path.join(dir, 'README.md'), 'my readme\n');
    await writeFile(path.join(dir, 'notes.txt'), 'kept\n');
    const r = await runCli(['--json', ...INIT], { cwd: dir, env: ENV });
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as { overwritten: string[]; replacedBackup: string };
    expect(doc.overwritten.sort()).toEqual(['README.md', 'lambda/index.js']);
    expect(doc.replacedBackup).toMatch(/^\.alexa-link\/replaced\/\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z$/);
    expect(await readFile(path.join(dir, doc.replacedBackup, 'lambda', 'index.js'), 'utf8')).toBe('my precious handler\n');
    expect(await readFile(path.join(dir, doc.replacedBackup, 'README.md'), 'utf8')).toBe('my readme\n');
    expect(await readFile(path.join(dir, 'notes.txt'), 'utf8')).toBe('kept\n');
    expect(r.stderr).toContain(`the old ones are kept in ${doc.replacedBackup}/`);
    expect((await lstat(path.join(dir, '.alexa-link'))).mode & 0o777).toBe(0o700);
  });

  it('merges an existing .gitignore (their lines kept, the template\'s missing ones appended) instead of replacing it', async () => {
    const dir = await tmp('al-force-ignore-');
    const mine = 'node_modules\n# my own\nsecrets.txt\n.env';
    await writeFile(path.join(dir, '.gitignore'), mine);
    const r = await runCli(['--json', ...INIT], { cwd: dir, env: ENV });
    expect(r.code, r.stderr).toBe(0);
    const merged = await readFile(path.join(dir, '.gitignore'), 'utf8');
    expect(merged.startsWith(`${mine}\n`)).toBe(true);
    const added = merged.slice(mine.length).split('\n').filter((l) => l && !l.startsWith('#'));
    expect(added).toContain('.alexa-link/');
    expect(added).toContain('.env.*');
    // node_modules (as node_modules/ in the template) and .env were there already.
    expect(added).not.toContain('node_modules/');
    expect(added).not.toContain('.env');
    // Already complete: left exactly as it is.
    const dir2 = await tmp('al-force-ignore2-');
    await writeFile(path.join(dir2, '.gitignore'), merged);
    const again = await runCli(['--json', ...INIT], { cwd: dir2, env: ENV });
    expect(again.code, again.stderr).toBe(0);
    expect(await readFile(path.join(dir2, '.gitignore'), 'utf8')).toBe(merged);
    expect((JSON.parse(again.stdout) as { overwritten: string[] }).overwritten).not.toContain('.gitignore');
  });

  it('init on an existing skill without --force suggests --add first', async () => {
    const dir = await copyFixture('v2-console');
    const r = await runCli(['init', '.', '--yes', '--client-id', 'c', '--invocation', 'linked helper'], { cwd: dir, env: ENV });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/An existing skill\? alexa-link init --add adds account linking to it and keeps your code\. Otherwise choose a new directory, or pass --force/);
  });

  it('refuses to write through a symlinked folder inside the project; the other folder is untouched', async () => {
    const dir = await tmp('al-force-link-');
    const elsewhere = await tmp('al-force-elsewhere-');
    await writeFile(path.join(elsewhere, 'index.js'), 'not yours to replace\n');
    await symlink(elsewhere, path.join(dir, 'lambda'));
    const r = await runCli(INIT, { cwd: dir, env: ENV });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/lambda in .* is a symbolic link \(to .*\), not a folder: alexa-link writes only through real folders of the project/);
    expect(await readdir(elsewhere)).toEqual(['index.js']);
    expect(await readFile(path.join(elsewhere, 'index.js'), 'utf8')).toBe('not yours to replace\n');
    expect((await readdir(dir)).sort()).toEqual(['lambda']);
  });
});

describe('SDK style and the handler change (pure)', () => {
  it.each<[string, string, string[], string, RegExp]>([
    ['ask-sdk-core in JavaScript', "const Alexa = require('ask-sdk-core');", [], 'ask-sdk-v2', /withLinkAccountCard/],
    ['ask-sdk-core in TypeScript', "import * as Alexa from 'ask-sdk-core';", [], 'ask-sdk-v2-typescript', /import \* as Alexa from 'ask-sdk-core'/],
    ['alexa-sdk v1', "const Alexa = require('alexa-sdk');", [], 'alexa-sdk-v1', /:tellWithLinkAccountCard/],
    ['python', 'from ask_sdk_core.skill_builder import SkillBuilder', [], 'python-ask-sdk', /LinkAccountCard\(\)/],
    ['a dependency only', 'module.exports = require("./skill")', ['ask-sdk-core'], 'ask-sdk-v2', /getAccountLinkingAccessToken/],
    ['raw', 'exports.handler = async () => ({})', [], 'raw', /context\.System\.user\.accessToken/],
  ])('%s', (_n, code, deps, style, snippet) => {
    const detected = detectSdkStyle(code, deps, style === 'python-ask-sdk' ? 'lambda_function.py' : style.endsWith('typescript') ? 'index.ts' : 'index.js');
    expect(detected).toBe(style);
    expect(handlerSnippet(detected)).toMatch(snippet);
  });
});
