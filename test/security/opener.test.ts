import { chmod, mkdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browserSafety } from '../../src/ui/browser.js';
import { runCli } from '../support/cli.js';
import { removeTempDirs, tempDir } from '../support/skill-project.js';

/**
 * Issue 15 item 3: login hands the authorization address to the system opener (the `open`
 * package, xdg-open here). Only https: addresses, and http: on a loopback address, may reach it;
 * anything else (file:, a custom scheme, http: to another host) is printed with the reason it
 * was not opened, and login never says "Opened it in your browser".
 *
 * The real opener runs: the `open` package's own xdg-open, with a display set, a PATH that has
 * the shell tools xdg-open needs but no desktop helpers or browsers, and BROWSER naming a script
 * that records what it was asked to open (xdg-open's last resort). Nothing real is launched.
 */
let root: string;
let bin: string;
let record: string;

const SAFE_TOOLS = ['grep', 'sed', 'uname', 'tr', 'cut', 'head', 'awk', 'basename', 'dirname', 'cat', 'readlink', 'realpath', 'ls', 'id', 'env', 'sh', 'expr'];

beforeAll(async () => {
  root = await tempDir('al-opener-');
  bin = path.join(root, 'bin');
  record = path.join(root, 'opened.txt');
  await mkdir(bin);
  for (const tool of SAFE_TOOLS) {
    const found = ['/usr/bin', '/bin'].map((d) => path.join(d, tool)).find((p) => existsSync(p));
    if (found) await symlink(found, path.join(bin, tool));
  }
  await writeFile(path.join(root, 'browser.sh'), `#!/bin/sh\necho "$1" >> '${record}'\n`);
  await chmod(path.join(root, 'browser.sh'), 0o755);
});
afterAll(removeTempDirs);

async function project(name: string, authorizationUrl: string): Promise<string> {
  const dir = path.join(root, name);
  await mkdir(path.join(dir, 'skill-package'), { recursive: true });
  await writeFile(path.join(dir, 'ask-resources.json'), JSON.stringify({ askcliResourcesVersion: '2020-03-31', profiles: { default: { skillMetadata: { src: './skill-package' } } } }));
  await writeFile(
    path.join(dir, 'accountLinking.json'),
    JSON.stringify({ accountLinkingRequest: { type: 'AUTH_CODE', authorizationUrl, accessTokenUrl: 'https://auth.example.com/token', clientId: 'opener-client', accessTokenScheme: 'HTTP_BASIC', scopes: ['openid'] } }),
  );
  return dir;
}

async function opened(): Promise<string[]> {
  return existsSync(record) ? (await readFile(record, 'utf8')).split('\n').filter(Boolean) : [];
}

const ENV = () => ({
  PATH: bin,
  DISPLAY: ':99',
  WAYLAND_DISPLAY: '',
  XDG_CURRENT_DESKTOP: '',
  DESKTOP_SESSION: '',
  KDE_FULL_SESSION: '',
  GNOME_DESKTOP_SESSION_ID: '',
  BROWSER: path.join(root, 'browser.sh'),
  ALEXA_LINK_CLIENT_SECRET: 'opener-test-client-secret',
});

describe.runIf(process.platform === 'linux')('login opens only https: and loopback http: addresses in a browser', () => {
  it.each([
    ['a file: address', 'file:///etc/hostname'],
    ['a custom scheme', 'myapp://authorize'],
    ['a javascript: address', 'javascript:alert(1)//'],
  ])('%s is refused before anything starts (exit 2 naming the field), never opened', async (_label, authorizationUrl) => {
    const dir = await project(`refused-${_label.replace(/\W+/g, '-')}`, authorizationUrl);
    await rm(record, { force: true });
    const r = await runCli(['login', '--port', '0', '--timeout', '1'], { cwd: dir, env: ENV(), timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(2);
    expect(await opened()).toEqual([]);
    expect(r.stderr).toMatch(/accountLinkingRequest\.authorizationUrl "[^"]+" is not an http\(s\) URL/);
    expect(r.stderr).not.toMatch(/Opened it in your browser/);
  });

  it.each([
    ['plain http to another host', 'http://auth.example.com/authorize', /http: to auth\.example\.com/],
  ])('%s is printed, not opened, and login says why', async (_label, authorizationUrl, why) => {
    const dir = await project(`refused-${_label.replace(/\W+/g, '-')}`, authorizationUrl);
    await rm(record, { force: true });
    const r = await runCli(['login', '--port', '0', '--timeout', '1'], { cwd: dir, env: ENV(), timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(1);
    // The opener was never started with it…
    expect(await opened()).toEqual([]);
    // …the address is still shown, login says why it did not open it, and never claims it did.
    expect(r.stderr).toMatch(/^ {2}\S+client_id=opener-client/m);
    expect(r.stderr).toMatch(/Not opening it in a browser/);
    expect(r.stderr).toMatch(why);
    expect(r.stderr).not.toMatch(/Opened it in your browser/);
  });

  it.each([
    ['an https address', 'https://auth.example.com/authorize'],
    ['http on 127.0.0.1 (a local rehearsal)', 'http://127.0.0.1:9/authorize'],
    ['http on localhost', 'http://localhost:9/authorize'],
  ])('%s is handed to the opener', async (_label, authorizationUrl) => {
    const dir = await project(`opened-${_label.replace(/\W+/g, '-')}`, authorizationUrl);
    await rm(record, { force: true });
    const r = await runCli(['login', '--port', '0', '--timeout', '1'], { cwd: dir, env: ENV(), timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(1);
    const urls = await opened();
    expect(urls).toHaveLength(1);
    expect(urls[0]!.startsWith(authorizationUrl)).toBe(true);
    expect(r.stderr).toMatch(/Opened it in your browser/);
  });
});

describe('browserSafety', () => {
  it.each([
    ['https://auth.example.com/authorize?x=1', true],
    ['HTTPS://AUTH.EXAMPLE.COM/a', true],
    ['http://127.0.0.1:8080/authorize', true],
    ['http://127.1.2.3/authorize', true],
    ['http://[::1]:8080/authorize', true],
    ['http://localhost/authorize', true],
    ['http://auth.example.com/authorize', false],
    ['http://127.0.0.1.nip.io/authorize', false],
    ['file:///etc/passwd', false],
    ['myapp://authorize', false],
    ['javascript:alert(1)', false],
    ['data:text/html,<script>alert(1)</script>', false],
    ['/authorize', false],
    ['not a url', false],
  ])('%s → %s', (url, ok) => {
    const verdict = browserSafety(url);
    expect(verdict.ok).toBe(ok);
    if (!verdict.ok) expect(verdict.reason.length).toBeGreaterThan(10);
  });
});
