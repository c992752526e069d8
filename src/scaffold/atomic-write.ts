import { existsSync, lstatSync, mkdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { lstat, mkdir, mkdtemp, readdir, rm, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AlexaLinkError, CancelledError, describeError } from '../errors.js';
import { backupUserFile, checkFolders, checkFoldersSync, replacedDir } from '../project/user-files.js';
import { onCleanup } from '../ui/lifecycle.js';
import type { ScaffoldFile } from './project-files.js';

/**
 * Writes a project so that a failure or Ctrl-C leaves nothing half-written: every file goes into
 * a temporary directory beside the target (same file system), then moves into place. A new or
 * empty target receives the whole directory in one rename; with --force, files move in one by
 * one, replacing what was there, and a failure puts the old files back. Every file it replaces is
 * first copied to .alexa-link/replaced/<timestamp>/<path> (src/project/user-files.ts), and a
 * symbolic link standing for a folder inside the target stops it before anything is written.
 * Files get the modes the umask allows (scripts keep their execute bits).
 */
export interface WriteOptions {
  /** Write into a directory that has files in it (overwriting those the template brings). */
  force: boolean;
  /** Registers undo work for Ctrl-C; returns the disposer (src/ui/lifecycle.ts). */
  registerCleanup?: typeof onCleanup;
  /** Moves one file into place; replaceable only to inject faults in tests. */
  placeFile?: (from: string, to: string) => void;
  /** Called once the target is known to be writable, just before the first file is written. */
  onStart?: () => void;
  /**
   * With force, called with the files that would be replaced before anything is written; false
   * stops with nothing written (a terminal asks the user).
   */
  confirmReplace?: (files: string[]) => Promise<boolean>;
  /** For the backup folder's name (default now). */
  now?: Date;
}

export interface WriteResult {
  /** Files that existed and were replaced (only with force), relative paths. */
  overwritten: string[];
  /** Where the copies of the replaced files are (project-relative), when there were any. */
  backupDir?: string;
}

/** The files of `files` that exist in `target` (a link counts), relative paths. */
export async function filesToReplace(target: string, files: ScaffoldFile[]): Promise<string[]> {
  const out: string[] = [];
  for (const f of files) {
    try {
      const st = await lstat(path.join(target, ...f.path.split('/')));
      if (!st.isDirectory()) out.push(f.path);
    } catch {
      /* not there */
    }
  }
  return out;
}

/** Generated files follow the umask: 0666 (0777 for scripts) before it applies. */
function createMode(f: ScaffoldFile): number {
  return f.mode & 0o111 ? 0o777 : 0o666;
}

/** Entries that do not make a directory "not empty" (a fresh `git init`). */
const IGNORED_ENTRIES = new Set(['.git']);

export type TargetState = { kind: 'missing' } | { kind: 'empty' } | { kind: 'not-empty'; entries: string[] } | { kind: 'not-a-directory' };

export async function inspectTarget(dir: string): Promise<TargetState> {
  let info;
  try {
    info = await lstat(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { kind: 'missing' };
    throw err;
  }
  if (!info.isDirectory()) return { kind: 'not-a-directory' };
  const entries = (await readdir(dir)).filter((e) => !IGNORED_ENTRIES.has(e));
  return entries.length ? { kind: 'not-empty', entries: entries.sort() } : { kind: 'empty' };
}

function assertInside(root: string, rel: string): string {
  const abs = path.resolve(root, ...rel.split('/'));
  if (!abs.startsWith(root + path.sep)) throw new Error(`Refusing to write outside the project: ${rel}`);
  return abs;
}

export async function writeProjectAtomically(dir: string, files: ScaffoldFile[], opts: WriteOptions): Promise<WriteResult> {
  const target = path.resolve(dir);
  const state = await inspectTarget(target);
  if (state.kind === 'not-a-directory') {
    throw new AlexaLinkError(`${target} exists and is not a directory.`, { code: 'E_TARGET_NOT_DIR', hint: 'Choose another project directory.' });
  }
  if (state.kind === 'not-empty' && !opts.force) {
    const shown = state.entries.slice(0, 5).join(', ') + (state.entries.length > 5 ? ', …' : '');
    throw new AlexaLinkError(`${target} is not empty (${shown}); nothing was written.`, {
      code: 'E_DIR_NOT_EMPTY',
      hint: 'An existing skill? alexa-link init --add adds account linking to it and keeps your code. Otherwise choose a new directory, or pass --force to write the new project into it (the files the template brings are replaced, each copied first to .alexa-link/replaced/; .gitignore is merged; other files are kept).',
    });
  }

  let backupDir: string | undefined;
  let replacing: string[] = [];
  if (state.kind === 'not-empty') {
    // No write may go through a linked folder inside the project (lambda -> somewhere else).
    for (const dir of new Set(files.map((f) => f.path.split('/').slice(0, -1).join('/')))) await checkFolders(target, dir);
    replacing = await filesToReplace(target, files);
    if (replacing.length && opts.confirmReplace && !(await opts.confirmReplace(replacing))) {
      throw new CancelledError('Cancelled; nothing was written.');
    }
  }

  opts.onStart?.();
  const parent = path.dirname(target);
  // The undo is registered before the staging folder exists: a Ctrl-C while mkdtemp is in flight
  // waits for it and removes what it made, instead of finding nothing to undo and leaving the
  // folder behind.
  const preparing = (async () => {
    const createdParent = await mkdir(parent, { recursive: true });
    const staging = await mkdtemp(path.join(parent, `.${path.basename(target)}.alexa-link-`));
    return { createdParent, staging };
  })();
  let placed = false;
  // On Ctrl-C the writes must stop before the staging folder is removed: a write still in flight
  // (mkdir -p) would otherwise create it again after the removal, and leave it behind.
  let cancelled = false;
  let writing: Promise<void> | undefined;
  let copying: Promise<void> | undefined;
  const undo = async () => {
    cancelled = true;
    const made = await preparing.catch(() => undefined);
    await writing?.catch(() => undefined);
    await copying?.catch(() => undefined);
    // Interrupted before the files moved: the copies go too, so the folder is exactly as it was.
    if (!placed && backupDir) await dropBackups(target, backupDir);
    if (!made) return;
    await rm(made.staging, { recursive: true, force: true });
    if (!placed && made.createdParent) await rm(made.createdParent, { recursive: true, force: true });
  };
  const dispose = (opts.registerCleanup ?? onCleanup)(undo);
  try {
    if (replacing.length) {
      // Copies first, kept for good once the files are replaced: no file of the user's is ever lost.
      backupDir = replacedDir(opts.now ?? new Date());
      const dirForCopies = backupDir;
      copying = (async () => {
        for (const rel of replacing) {
          if (cancelled) throw new CancelledError();
          await backupUserFile(target, rel, dirForCopies);
        }
      })();
      await copying;
    }
    const { staging } = await preparing;
    if (cancelled) throw new CancelledError();
    const root = path.join(staging, 'project');
    writing = (async () => {
      await mkdir(root);
      for (const f of files) {
        if (cancelled) throw new CancelledError();
        const abs = assertInside(root, f.path);
        await mkdir(path.dirname(abs), { recursive: true });
        await writeFile(abs, f.content, { mode: createMode(f), flag: 'wx' });
      }
    })();
    try {
      await writing;
    } catch (err) {
      if (err instanceof CancelledError) throw err;
      throw new AlexaLinkError(`Could not write the project next to ${target}: ${describeError(err)}. Nothing was written.`, {
        code: 'E_WRITE_FAILED',
        cause: err,
      });
    }
    // From here on synchronous, so a Ctrl-C cannot land between two moves.
    const overwritten = state.kind === 'missing' ? placeWhole(root, target) : placeFileByFile(root, target, staging, files, opts.placeFile ?? renameSync);
    placed = true;
    return { overwritten, ...(backupDir ? { backupDir } : {}) };
  } catch (err) {
    // Nothing was placed (or everything was put back): the copies are not needed, the folder is as it was.
    if (!placed && backupDir) await dropBackups(target, backupDir);
    throw err;
  } finally {
    await dispose();
  }
}

/** Removes the copies of a run that was undone, and the folders above them it left empty. */
async function dropBackups(target: string, backupDir: string): Promise<void> {
  await rm(path.join(target, ...backupDir.split('/')), { recursive: true, force: true });
  const parts = backupDir.split('/');
  for (let i = parts.length - 1; i > 0; i--) {
    try {
      await rmdir(path.join(target, ...parts.slice(0, i)));
    } catch {
      return; // not empty: it held something before
    }
  }
}

function placeWhole(root: string, target: string): string[] {
  try {
    renameSync(root, target);
  } catch (err) {
    throw new AlexaLinkError(`Could not move the project into ${target}: ${describeError(err)}. Nothing was written.`, {
      code: 'E_WRITE_FAILED',
      cause: err,
    });
  }
  return [];
}

function placeFileByFile(
  root: string,
  target: string,
  staging: string,
  files: ScaffoldFile[],
  placeFile: (from: string, to: string) => void,
): string[] {
  // Check every destination first: a directory where a file goes, or a linked folder, stops us before anything moves.
  for (const f of files) {
    const dest = assertInside(target, f.path);
    checkFoldersSync(target, f.path.split('/').slice(0, -1).join('/'));
    let cur = target;
    for (const part of f.path.split('/').slice(0, -1)) {
      cur = path.join(cur, part);
      if (existsSync(cur) && !statSync(cur).isDirectory()) {
        throw new AlexaLinkError(`${path.relative(target, cur)} is a file in ${target}, but the project needs a directory there; nothing was written.`, {
          code: 'E_TARGET_CONFLICT',
        });
      }
    }
    if (existsSync(dest) && lstatSync(dest).isDirectory()) {
      throw new AlexaLinkError(`${f.path} is a directory in ${target}, but the project needs a file there; nothing was written.`, {
        code: 'E_TARGET_CONFLICT',
      });
    }
  }
  const backupRoot = path.join(staging, 'backup');
  const createdDirs: string[] = [];
  const moved: { from: string; to: string; backup?: string }[] = [];
  const overwritten: string[] = [];
  try {
    for (const f of files) {
      const from = path.join(root, ...f.path.split('/'));
      const to = assertInside(target, f.path);
      const made = mkdirSync(path.dirname(to), { recursive: true });
      if (made) createdDirs.push(made);
      let backup: string | undefined;
      if (existsSync(to) || isDanglingLink(to)) {
        backup = path.join(backupRoot, ...f.path.split('/'));
        mkdirSync(path.dirname(backup), { recursive: true });
        renameSync(to, backup);
        overwritten.push(f.path);
      }
      moved.push({ from, to, ...(backup ? { backup } : {}) });
      placeFile(from, to);
    }
    return overwritten;
  } catch (err) {
    // Put everything back as it was, newest first.
    for (const m of moved.reverse()) {
      try {
        if (existsSync(m.to)) rmSync(m.to, { force: true });
        if (m.backup) renameSync(m.backup, m.to);
      } catch {
        // Best effort; the error below says what failed.
      }
    }
    for (const d of createdDirs.reverse()) rmSync(d, { recursive: true, force: true });
    throw new AlexaLinkError(`Could not move the project into ${target}: ${describeError(err)}. The directory was restored as it was.`, {
      code: 'E_WRITE_FAILED',
      cause: err,
    });
  }
}

function isDanglingLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}
