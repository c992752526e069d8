import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { AlexaLinkError, CancelledError, InputError } from '../../src/errors.js';
import { inspectTarget, writeProjectAtomically } from '../../src/scaffold/atomic-write.js';
import type { ScaffoldFile } from '../../src/scaffold/project-files.js';
import { runInit } from '../../src/scaffold/run-init.js';
import { onCleanup, pendingCleanups, runCleanups } from '../../src/ui/lifecycle.js';
import { removeTempDirs, tempDir } from '../support/skill-project.js';

const FILES: ScaffoldFile[] = [
  { path: 'README.md', content: 'new readme\n', mode: 0o644 },
  { path: 'lambda/index.js', content: 'exports.handler = 1;\n', mode: 0o644 },
  { path: 'hooks/build.sh', content: '#!/bin/sh\n', mode: 0o755 },
];

const tempParent = () => tempDir('al-init-write-');

/** Everything under dir, relative, sorted (files and directories). */
async function tree(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const entries = await readdir(dir, { recursive: true });
  return entries.map((e) => e.split(path.sep).join('/')).sort();
}

afterEach(async () => {
  await runCleanups();
});
afterAll(removeTempDirs);

describe('writeProjectAtomically', () => {
  it('creates a missing directory (and its parents) with every file and mode, leaving no temporary directory', async () => {
    const parent = await tempParent();
    const target = path.join(parent, 'a', 'b', 'my skill ü');
    const result = await writeProjectAtomically(target, FILES, { force: false });
    expect(result.overwritten).toEqual([]);
    expect(await tree(target)).toEqual(['README.md', 'hooks', 'hooks/build.sh', 'lambda', 'lambda/index.js']);
    expect((await stat(path.join(target, 'hooks/build.sh'))).mode & 0o777).toBe(0o755);
    expect(await readdir(path.join(parent, 'a', 'b'))).toEqual(['my skill ü']);
    expect(pendingCleanups()).toBe(0);
  });

  it('writes into an empty directory, or one with only .git', async () => {
    const parent = await tempParent();
    const target = path.join(parent, 'repo');
    await mkdir(path.join(target, '.git'), { recursive: true });
    expect(await inspectTarget(target)).toEqual({ kind: 'empty' });
    await writeProjectAtomically(target, FILES, { force: false });
    expect(await tree(target)).toContain('lambda/index.js');
    expect(await tree(target)).toContain('.git');
  });

  it('refuses a non-empty directory without --force (exit 1) and touches nothing', async () => {
    const parent = await tempParent();
    const target = path.join(parent, 'busy');
    await mkdir(target);
    await writeFile(path.join(target, 'notes.txt'), 'mine');
    const err = await writeProjectAtomically(target, FILES, { force: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AlexaLinkError);
    expect((err as AlexaLinkError).exitCode).toBe(1);
    expect((err as AlexaLinkError).message).toMatch(/is not empty \(notes.txt\); nothing was written/);
    expect((err as AlexaLinkError).hint).toMatch(/--force/);
    expect(await tree(target)).toEqual(['notes.txt']);
    expect(await readdir(parent)).toEqual(['busy']);
  });

  it('with --force replaces the template files and keeps the others', async () => {
    const parent = await tempParent();
    const target = path.join(parent, 'busy');
    await mkdir(path.join(target, 'lambda'), { recursive: true });
    await writeFile(path.join(target, 'README.md'), 'old readme');
    await writeFile(path.join(target, 'lambda', 'extra.js'), 'mine');
    const result = await writeProjectAtomically(target, FILES, { force: true });
    expect(result.overwritten).toEqual(['README.md']);
    expect(await readFile(path.join(target, 'README.md'), 'utf8')).toBe('new readme\n');
    expect(await readFile(path.join(target, 'lambda', 'extra.js'), 'utf8')).toBe('mine');
    expect(await readdir(parent)).toEqual(['busy']);
  });

  it('puts everything back when a move fails half-way with --force', async () => {
    const parent = await tempParent();
    const target = path.join(parent, 'busy');
    await mkdir(target);
    await writeFile(path.join(target, 'README.md'), 'old readme');
    let moves = 0;
    const { renameSync } = await import('node:fs');
    const placeFile = (from: string, to: string) => {
      if (++moves === 3) throw Object.assign(new Error('disk full'), { code: 'ENOSPC' });
      renameSync(from, to);
    };
    const err = await writeProjectAtomically(target, FILES, { force: true, placeFile }).catch((e: unknown) => e);
    expect((err as AlexaLinkError).message).toMatch(/disk full\. The directory was restored/);
    expect(await tree(target)).toEqual(['README.md']);
    expect(await readFile(path.join(target, 'README.md'), 'utf8')).toBe('old readme');
    expect(await readdir(parent)).toEqual(['busy']);
  });

  it('stops before moving anything when a directory stands where a file goes', async () => {
    const parent = await tempParent();
    const target = path.join(parent, 'busy');
    await mkdir(path.join(target, 'README.md'), { recursive: true });
    await writeFile(path.join(target, 'keep.txt'), 'k');
    const err = await writeProjectAtomically(target, FILES, { force: true }).catch((e: unknown) => e);
    expect((err as AlexaLinkError).message).toMatch(/README.md is a directory/);
    expect(await tree(target)).toEqual(['README.md', 'keep.txt']);
  });

  it('leaves nothing behind when writing the files fails', async () => {
    const parent = await tempParent();
    const target = path.join(parent, 'new', 'project');
    const clash: ScaffoldFile[] = [
      { path: 'lambda', content: 'a file', mode: 0o644 },
      { path: 'lambda/index.js', content: 'x', mode: 0o644 },
    ];
    const err = await writeProjectAtomically(target, clash, { force: false }).catch((e: unknown) => e);
    expect((err as AlexaLinkError).code).toBe('E_WRITE_FAILED');
    expect(await readdir(parent)).toEqual([]);
  });

  it('registers a cleanup that removes the temporary directory if interrupted', async () => {
    const parent = await tempParent();
    const registered: (() => void | Promise<void>)[] = [];
    const record: typeof onCleanup = (fn) => {
      registered.push(fn);
      return onCleanup(fn);
    };
    const target = path.join(parent, 'p');
    await writeProjectAtomically(target, FILES, { force: false, registerCleanup: record });
    expect(registered).toHaveLength(1);
    // After success the cleanup was disposed; running it again must not touch the project.
    await registered[0]!();
    expect(await tree(target)).toContain('README.md');
  });

  it('registers its undo before the temporary directory exists, so a Ctrl-C during mkdtemp removes it once made', async () => {
    const parent = await tempParent();
    let seenAtRegistration: string[] | undefined;
    let undone: Promise<void> | undefined;
    const record: typeof onCleanup = (fn) => {
      seenAtRegistration = readdirSync(parent);
      const dispose = onCleanup(fn);
      undone = Promise.resolve(fn()); // the signal arrives right now, while mkdtemp is in flight
      return dispose;
    };
    const target = path.join(parent, 'p');
    await expect(writeProjectAtomically(target, FILES, { force: false, registerCleanup: record })).rejects.toBeInstanceOf(CancelledError);
    await undone;
    expect(seenAtRegistration).toEqual([]);
    expect(await readdir(parent)).toEqual([]);
  });

  it('refuses a path that exists as a file', async () => {
    const parent = await tempParent();
    await writeFile(path.join(parent, 'file'), 'x');
    await expect(writeProjectAtomically(path.join(parent, 'file'), FILES, { force: true })).rejects.toThrow(/not a directory/);
  });
});

describe('runInit', () => {
  it('writes a complete project and reports files, warnings and next steps', async () => {
    const parent = await tempParent();
    const result = await runInit({ dir: 'weather buddy', clientId: 'abc', invocation: 'weather buddy' }, { cwd: parent });
    expect(result.dir).toBe(path.join(parent, 'weather buddy'));
    expect(result.files).toContain('accountLinking.json');
    expect(await tree(result.dir)).toEqual(expect.arrayContaining(result.files));
    expect(result.install).toBe('skipped');
    expect(result.next[0]!.command).toBe("cd 'weather buddy'");
  });

  it('stops with exit 2 and writes nothing when the linking rules reject the configuration', async () => {
    const parent = await tempParent();
    const err = await runInit(
      { dir: 'p1', clientId: 'abc', invocation: 'linked helper', provider: 'generic', authorizationUrl: 'http://id.example.com/auth', tokenUrl: 'https://id.example.com/token' },
      { cwd: parent },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).exitCode).toBe(2);
    expect((err as InputError).message).toMatch(/accountLinkingRequest.authorizationUrl: authorizationUrl uses http; Alexa only uses HTTPS/);
    expect(await readdir(parent)).toEqual([]);
  });

  it('turns loopback provider URLs into warnings for a local rehearsal (demo)', async () => {
    const parent = await tempParent();
    const result = await runInit(
      {
        dir: 'rehearsal',
        clientId: 'demo-client',
        invocation: 'linked helper',
        provider: 'generic',
        authorizationUrl: 'http://127.0.0.1:4010/auth',
        tokenUrl: 'http://127.0.0.1:4010/token',
        userinfoUrl: 'http://127.0.0.1:4010/me',
      },
      { cwd: parent },
    );
    expect(result.warnings.join('\n')).toMatch(/authorizationUrl uses http/);
    expect(JSON.parse(await readFile(path.join(result.dir, 'lambda/skill-config.json'), 'utf8')).userinfoUrl).toBe('http://127.0.0.1:4010/me');
  });

  it('reports a failed npm install without losing the project', async () => {
    const parent = await tempParent();
    const seen: string[] = [];
    const result = await runInit(
      { dir: 'p2', clientId: 'abc', invocation: 'linked helper', install: true },
      {
        cwd: parent,
        installDependencies: async (dir) => {
          seen.push(dir);
          throw new Error('npm install exited with code 1: ENOTFOUND registry.npmjs.org');
        },
      },
    );
    expect(seen).toEqual([path.join(parent, 'p2', 'lambda')]);
    expect(result.install).toBe('failed');
    expect(result.installError).toMatch(/ENOTFOUND/);
    expect(existsSync(path.join(parent, 'p2', 'lambda', 'package.json'))).toBe(true);
  });
});
