import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkTargetDir, findControlCharacter, fitSkillName, resolveInitOptions, skillNameProblem } from '../../src/scaffold/init-options.js';

describe('findControlCharacter', () => {
  it.each([
    ['Plain name', undefined],
    ['Café Ünïcode 🙂', undefined],
    ['right-to-left mark \u200f kept', undefined],
    ['line\nfeed', { name: 'line feed, U+000A', position: 5 }],
    ['tab\there', { name: 'tab, U+0009', position: 4 }],
    ['esc\x1b[2J', { name: 'ESC, U+001B', position: 4 }],
    ['🙂\x7f', { name: 'DEL, U+007F', position: 2 }],
    ['c1\x9b', { name: 'U+009B, a C1 control', position: 3 }],
    ['bidi\u202e', { name: 'U+202E RIGHT-TO-LEFT OVERRIDE', position: 5 }],
    ['iso\u2067', { name: 'U+2067 RIGHT-TO-LEFT ISOLATE', position: 4 }],
    ['sep\u2028', { name: 'U+2028 LINE SEPARATOR', position: 4 }],
  ])('%j', (value, expected) => {
    expect(findControlCharacter(value)).toEqual(expected);
  });
});

describe('skill names: 2 to 50 characters, no control characters', () => {
  it.each([
    ['Ab', undefined],
    ['N'.repeat(50), undefined],
    ['🙂'.repeat(50), undefined],
    ['A', /1 character long; Amazon allows 2 to 50/],
    ['N'.repeat(51), /51 characters long/],
    ['Bad\u202eName', /control character \(U\+202E/],
  ])('%j', (name, problem) => {
    const found = skillNameProblem(name);
    if (problem) expect(found).toMatch(problem);
    else expect(found).toBeUndefined();
  });

  it.each([
    ['X', 'My Linked Greeter'],
    ['Fine Name', 'Fine Name'],
    ['A Folder Name That Is Much Too Long To Be A Skill Name Here', 'A Folder Name That Is Much Too Long To Be A Skill'],
    ['N'.repeat(60), 'N'.repeat(50)],
  ])('a derived name %j fits as %j', (name, fitted) => {
    expect(fitSkillName(name)).toBe(fitted);
  });

  it('resolveInitOptions refuses a typed one and names --name; a blank one falls back to the default', () => {
    const base = { clientId: 'c', invocation: 'linked helper' };
    expect(() => resolveInitOptions({ ...base, name: 'N'.repeat(51) }, '/tmp')).toThrow(/--name is 51 characters long/);
    expect(() => resolveInitOptions({ ...base, name: 'Line\nBreak' }, '/tmp')).toThrow(/--name "Line\\x0aBreak" contains a control character \(line feed/);
    expect(resolveInitOptions({ ...base, name: '   ' }, '/tmp').name).toBe('My Linked Greeter');
  });
});

describe('checkTargetDir', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'al-target-'));
    await writeFile(path.join(root, 'file'), 'x');
    await mkdir(path.join(root, 'folder'));
  });
  afterAll(() => rm(root, { recursive: true, force: true }));

  it.each([
    ['a new folder', 'new'],
    ['a new folder deeper down', 'a/b/c'],
    ['an existing folder', 'folder'],
    ['inside an existing folder', 'folder/new'],
  ])('%s is fine', async (_label, rel) => {
    await expect(checkTargetDir(path.join(root, rel))).resolves.toBeUndefined();
  });

  it.each([
    ['under a file', 'file/sub', /file is a file, not a folder/],
    ['further under a file', 'file/a/b', /file is a file, not a folder/],
  ])('%s: refused naming the file', async (_label, rel, message) => {
    await expect(checkTargetDir(path.join(root, rel))).rejects.toMatchObject({ exitCode: 2, code: 'E_TARGET_DIR', message: expect.stringMatching(message) });
  });

  it.runIf(process.platform === 'linux').each(['/proc/x', '/proc', '/proc/self/fd/1/x', '/sys/fs/x'])('%s: a kernel pseudo-filesystem', async (target) => {
    await expect(checkTargetDir(target)).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(/kernel pseudo-filesystem/) });
  });

  it.runIf(process.platform === 'linux')('through a symlink to /proc', async () => {
    await symlink('/proc/self', path.join(root, 'to-proc'));
    await expect(checkTargetDir(path.join(root, 'to-proc', 'x'))).rejects.toMatchObject({ exitCode: 2, message: expect.stringMatching(/is on \/proc, a kernel pseudo-filesystem/) });
  });
});
