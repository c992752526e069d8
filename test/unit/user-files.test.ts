import { execFileSync } from 'node:child_process';
import { chmod, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readFileBounded, readJsonFile, readTextFileBounded } from '../../src/project/json-file.js';
import { appendUserFile, backupUserFile, ensureFolder, UnsafePathError, writeUserFile } from '../../src/project/user-files.js';

let dir: string;
let outside: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'al-uf-'));
  outside = await mkdtemp(path.join(os.tmpdir(), 'al-uf-out-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
  await rm(outside, { recursive: true, force: true });
});

describe('bounded reads of outside input', () => {
  it('reads a regular file, and through the one link the user named', async () => {
    await writeFile(path.join(dir, 'a.json'), '{"a": 1}');
    await symlink(path.join(dir, 'a.json'), path.join(dir, 'link.json'));
    expect(await readJsonFile(path.join(dir, 'link.json'), 'link.json')).toEqual({ a: 1 });
  });

  it.each<[string, () => Promise<string>, RegExp]>([
    ['/dev/zero', async () => '/dev/zero', /\/dev\/zero is a character device, not a regular file/],
    ['a link to /dev/zero', async () => (await symlink('/dev/zero', path.join(dir, 'z.json')), path.join(dir, 'z.json')), /is a character device \(through the link to \/dev\/zero\)/],
    ['a FIFO', async () => (execFileSync('mkfifo', [path.join(dir, 'fifo')]), path.join(dir, 'fifo')), /is a named pipe \(FIFO\), not a regular file/],
    ['a link to a link', async () => {
      await writeFile(path.join(dir, 'real.json'), '{}');
      await symlink(path.join(dir, 'real.json'), path.join(dir, 'l1'));
      await symlink(path.join(dir, 'l1'), path.join(dir, 'l2'));
      return path.join(dir, 'l2');
    }, /is a link to a link .*follows at most the one link/],
    ['a directory', async () => dir, /is a directory, not a regular file/],
  ])('refuses %s at once, naming it (exit 2)', async (_name, make, message) => {
    const file = await make();
    const started = Date.now();
    const err = await readJsonFile(file, file).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(err).toMatchObject({ exitCode: 2, message: expect.stringMatching(message) });
  });

  it('reads at most the limit plus one byte', async () => {
    await writeFile(path.join(dir, 'big.txt'), 'x'.repeat(5000));
    await expect(readFileBounded(path.join(dir, 'big.txt'), 'big.txt', 4096)).rejects.toThrow(/big\.txt is 4\.9 KB; files over 4 KB are not read/);
    expect((await readFileBounded(path.join(dir, 'big.txt'), 'big.txt', 5000)).length).toBe(5000);
    await expect(readTextFileBounded(path.join(dir, 'missing'), 'missing')).rejects.toMatchObject({ code: 'E_INPUT_MISSING' });
  });
});

describe('writes into a project (src/project/user-files.ts)', () => {
  it('refuses a symlinked .alexa-link, and a symlinked .alexa-link/backups, leaving the other folder untouched', async () => {
    await chmod(outside, 0o755);
    await symlink(outside, path.join(dir, '.alexa-link'));
    const err = await writeUserFile(dir, '.alexa-link/session.json', '{}', { kind: 'secret', existing: 'replace' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsafePathError);
    expect((err as Error).message).toMatch(/\.alexa-link in .* is a symbolic link \(to .*\), not a folder: alexa-link writes only through real folders/);
    expect(await readdir(outside)).toEqual([]);
    expect((await stat(outside)).mode & 0o777).toBe(0o755);

    await rm(path.join(dir, '.alexa-link'));
    await mkdir(path.join(dir, '.alexa-link'));
    await symlink(outside, path.join(dir, '.alexa-link', 'backups'));
    await expect(writeUserFile(dir, '.alexa-link/backups/b.json', '{}', { kind: 'secret', existing: 'refuse' })).rejects.toThrow(/\.alexa-link\/backups .* is a symbolic link/);
    expect(await readdir(outside)).toEqual([]);
  });

  it('makes secret files 0600 and the folders it creates 0700; chmods no folder it did not create', async () => {
    await writeUserFile(dir, '.alexa-link/envelopes/x.json', '{}', { kind: 'secret', existing: 'replace' });
    expect((await stat(path.join(dir, '.alexa-link'))).mode & 0o777).toBe(0o700);
    expect((await stat(path.join(dir, '.alexa-link', 'envelopes'))).mode & 0o777).toBe(0o700);
    expect((await stat(path.join(dir, '.alexa-link', 'envelopes', 'x.json'))).mode & 0o777).toBe(0o600);
    await mkdir(path.join(dir, 'lambda'), { mode: 0o775 });
    await chmod(path.join(dir, 'lambda'), 0o775);
    await writeUserFile(dir, 'lambda/a.js', '', { kind: 'generated', existing: 'refuse' });
    expect((await stat(path.join(dir, 'lambda'))).mode & 0o777).toBe(0o775);
  });

  // Through the built module (npm test builds first): the umask is per process.
  it('lets the umask decide the mode of generated files (0600 under umask 077, not 0644)', () => {
    const script = `
      process.umask(0o077);
      const { writeUserFile } = await import(${JSON.stringify(new URL('../../dist/project/user-files.js', import.meta.url).href)});
      const fs = await import('node:fs/promises');
      await writeUserFile(${JSON.stringify(dir)}, 'sub/gen.txt', 'x', { kind: 'generated', existing: 'refuse' });
      await writeUserFile(${JSON.stringify(dir)}, 'sub/run.sh', 'x', { kind: 'executable', existing: 'refuse' });
      const m = async (f) => ((await fs.stat(${JSON.stringify(dir)} + '/' + f)).mode & 0o777).toString(8);
      console.log(await m('sub'), await m('sub/gen.txt'), await m('sub/run.sh'));
    `;
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' }).trim();
    expect(out).toBe('700 600 700');
  });

  it('backs up what it replaces, keeps the original bytes and mode, and never replaces when told not to', async () => {
    await mkdir(path.join(dir, 'lambda'));
    await writeFile(path.join(dir, 'lambda', 'index.js'), 'mine');
    await chmod(path.join(dir, 'lambda', 'index.js'), 0o640);
    await expect(writeUserFile(dir, 'lambda/index.js', 'new', { kind: 'generated', existing: 'refuse' })).rejects.toThrow(/already exists/);
    const r = await writeUserFile(dir, 'lambda/index.js', 'new', { kind: 'generated', existing: 'backup', backupDir: '.alexa-link/replaced/T1' });
    expect(r).toMatchObject({ replaced: true, backup: '.alexa-link/replaced/T1/lambda/index.js' });
    expect(await readFile(path.join(dir, '.alexa-link/replaced/T1/lambda/index.js'), 'utf8')).toBe('mine');
    expect((await stat(path.join(dir, '.alexa-link/replaced/T1/lambda/index.js'))).mode & 0o777).toBe(0o640);
    expect(await readFile(path.join(dir, 'lambda', 'index.js'), 'utf8')).toBe('new');
    expect(await readdir(path.join(dir, 'lambda'))).toEqual(['index.js']);
  });

  it('refuses to write through a symlinked folder inside the project', async () => {
    await writeFile(path.join(outside, 'index.js'), 'theirs');
    await symlink(outside, path.join(dir, 'lambda'));
    await expect(writeUserFile(dir, 'lambda/index.js', 'x', { kind: 'generated', existing: 'backup' })).rejects.toThrow(/lambda in .* is a symbolic link/);
    expect(await readFile(path.join(outside, 'index.js'), 'utf8')).toBe('theirs');
    await expect(ensureFolder(dir, 'lambda/sub')).rejects.toBeInstanceOf(UnsafePathError);
  });

  it('appends without replacing, creates when missing, and refuses a symlinked file', async () => {
    expect(await appendUserFile(dir, '.gitignore', '.alexa-link/\n')).toBe('created');
    await writeFile(path.join(dir, '.gitignore'), 'node_modules\n');
    expect(await appendUserFile(dir, '.gitignore', '.alexa-link/\n')).toBe('appended');
    expect(await readFile(path.join(dir, '.gitignore'), 'utf8')).toBe('node_modules\n.alexa-link/\n');
    await rm(path.join(dir, '.gitignore'));
    await writeFile(path.join(outside, 'gi'), 'x\n');
    await symlink(path.join(outside, 'gi'), path.join(dir, '.gitignore'));
    await expect(appendUserFile(dir, '.gitignore', '.alexa-link/\n')).rejects.toThrow(/\.gitignore in .* is a symbolic link/);
    expect(await readFile(path.join(outside, 'gi'), 'utf8')).toBe('x\n');
  });

  it('copies a link as a link when backing it up', async () => {
    await symlink('target-file', path.join(dir, 'l'));
    const copy = await backupUserFile(dir, 'l', '.alexa-link/replaced/T2');
    expect((await lstat(path.join(dir, copy))).isSymbolicLink()).toBe(true);
    expect(await readlink(path.join(dir, copy))).toBe('target-file');
  });
});
