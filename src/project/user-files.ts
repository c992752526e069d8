import { randomBytes } from 'node:crypto';
import { constants, lstatSync, type Stats } from 'node:fs';
import { chmod, copyFile, lstat, mkdir, open, readlink, rename, rm, symlink } from 'node:fs/promises';
import path from 'node:path';
import { AlexaLinkError } from '../errors.js';

/**
 * The one module that writes into a user's project. Every write:
 * - goes only through real folders: a symbolic link standing for a folder anywhere between the
 *   project root and the file (.alexa-link, .alexa-link/backups, lambda/ …) is refused with the
 *   reason, so a link cannot send alexa-link's files (tokens among them) somewhere else, nor let
 *   `init --force` replace files in another folder;
 * - is atomic: a temporary file beside the target, then one rename;
 * - backs up what it replaces when asked (a copy under .alexa-link/replaced/<timestamp>/);
 * - sets modes on purpose: files holding secrets 0600, folders alexa-link creates inside
 *   .alexa-link/ 0700 (and only those are chmod-ed), generated files as the umask says.
 */
export const STATE_DIR = '.alexa-link';
export const REPLACED_DIR = `${STATE_DIR}/replaced`;

export class UnsafePathError extends AlexaLinkError {
  constructor(message: string, hint?: string) {
    super(message, { code: 'E_UNSAFE_PATH', exitCode: 1, ...(hint ? { hint } : {}) });
  }
}

export type FileKind =
  /** Tokens, saved requests, backups of remote configuration: 0600. */
  | 'secret'
  /** Project files alexa-link generates: the umask decides (0666 & ~umask). */
  | 'generated'
  /** Scripts (hooks/build.sh): 0777 & ~umask. */
  | 'executable';

export interface WriteOptions {
  kind: FileKind;
  /** An existing file: 'refuse' (never replace), 'backup' (copy it under .alexa-link/replaced/<stamp>/ first), 'replace' (alexa-link's own state). */
  existing: 'refuse' | 'backup' | 'replace';
  /** The backup folder (relative to the root) for existing: 'backup'; default .alexa-link/replaced/<now>. */
  backupDir?: string;
  now?: Date;
}

export interface WriteResult {
  /** Absolute path written. */
  path: string;
  /** Whether a file was there before. */
  replaced: boolean;
  /** Project-relative path of the copy of the replaced file. */
  backup?: string;
}

function toParts(rel: string): string[] {
  const parts = rel.split(/[\\/]+/).filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..') || path.isAbsolute(rel)) throw new Error(`Refusing a path outside the project: ${rel}`);
  return parts;
}

function show(rel: string): string {
  return rel.split(path.sep).join('/');
}

async function lstatOrUndefined(p: string): Promise<Stats | undefined> {
  try {
    return await lstat(p);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw err;
  }
}

async function linkTarget(p: string): Promise<string> {
  try {
    return await readlink(p);
  } catch {
    return '?';
  }
}

async function refuseLink(root: string, folder: string): Promise<never> {
  const rel = show(path.relative(root, folder));
  throw new UnsafePathError(
    `${rel} in ${root} is a symbolic link (to ${await linkTarget(folder)}), not a folder: alexa-link writes only through real folders of the project, so that a link cannot send its files${rel.startsWith(STATE_DIR) ? ' (tokens, backups)' : ''} somewhere else; nothing was written.`,
    `Replace the link with a real folder (rm ${rel} && mkdir ${rel}), then run again.`,
  );
}

/**
 * Checks the folders from `root` down to `relDir`: each that exists must be a real directory.
 * Returns the absolute paths of those missing (outermost first).
 */
export async function checkFolders(root: string, relDir: string): Promise<string[]> {
  const missing: string[] = [];
  let cur = root;
  for (const part of toParts(relDir)) {
    cur = path.join(cur, part);
    if (missing.length) {
      missing.push(cur);
      continue;
    }
    const st = await lstatOrUndefined(cur);
    if (!st) missing.push(cur);
    else if (st.isSymbolicLink()) await refuseLink(root, cur);
    else if (!st.isDirectory()) {
      throw new UnsafePathError(`${show(path.relative(root, cur))} in ${root} is a file, but alexa-link needs a folder there; nothing was written.`, 'Move the file away, then run again.');
    }
  }
  return missing;
}

/** The same checks, synchronously (init places its files without yielding, so Ctrl-C cannot land between two moves). */
export function checkFoldersSync(root: string, relDir: string): void {
  let cur = root;
  for (const part of toParts(relDir)) {
    cur = path.join(cur, part);
    let st: Stats;
    try {
      st = lstatSync(cur);
    } catch {
      return;
    }
    if (st.isSymbolicLink()) {
      throw new UnsafePathError(
        `${show(path.relative(root, cur))} in ${root} is a symbolic link, not a folder: alexa-link writes only through real folders of the project; nothing was written.`,
        'Replace the link with a real folder, then run again.',
      );
    }
    if (!st.isDirectory()) throw new UnsafePathError(`${show(path.relative(root, cur))} in ${root} is a file, but a folder is needed there; nothing was written.`);
  }
}

function isStateDir(root: string, dir: string): boolean {
  const rel = path.relative(root, dir);
  return rel === STATE_DIR || rel.startsWith(STATE_DIR + path.sep);
}

/**
 * Creates the missing folders of `relDir` (refusing links on the way). Folders under .alexa-link/
 * are made 0700 (and chmod-ed, since the umask could leave less than that only by removing bits we
 * also want gone); other folders follow the umask. Returns the folders created, outermost first.
 */
export async function ensureFolder(root: string, relDir: string): Promise<string[]> {
  const missing = await checkFolders(root, relDir);
  const created: string[] = [];
  for (const dir of missing) {
    const state = isStateDir(root, dir);
    try {
      await mkdir(dir, { mode: state ? 0o700 : 0o777 });
      created.push(dir);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    // Made by us or by someone at the same moment: it must still be a real folder.
    const st = await lstat(dir);
    if (st.isSymbolicLink()) await refuseLink(root, dir);
    if (!st.isDirectory()) throw new UnsafePathError(`${show(path.relative(root, dir))} in ${root} is not a folder; nothing was written.`);
    if (state && created.includes(dir)) await chmod(dir, 0o700);
  }
  return created;
}

/** The folder for copies of replaced files: .alexa-link/replaced/<timestamp>. */
export function replacedDir(now: Date): string {
  return `${REPLACED_DIR}/${now.toISOString().replace(/[:.]/g, '-')}`;
}

/**
 * Copies a file of the project to `backupDir/<rel>` (a link is copied as a link), keeping its
 * mode. Returns the project-relative path of the copy.
 */
export async function backupUserFile(root: string, rel: string, backupDir: string): Promise<string> {
  const parts = toParts(rel);
  const from = path.join(root, ...parts);
  const toRel = path.join(...toParts(backupDir), ...parts);
  await ensureFolder(root, path.dirname(toRel));
  const to = path.join(root, toRel);
  const st = await lstat(from);
  if (st.isSymbolicLink()) await symlink(await readlink(from), to);
  else {
    await copyFile(from, to, constants.COPYFILE_EXCL);
    await chmod(to, st.mode & 0o7777);
  }
  return show(toRel);
}

function modeFor(kind: FileKind): number {
  return kind === 'secret' ? 0o600 : kind === 'executable' ? 0o777 : 0o666;
}

/**
 * Writes `content` to `rel` under `root` atomically (temporary file beside it, then rename), with
 * the checks above. The umask applies to 'generated' and 'executable' files; 'secret' files are
 * exactly 0600.
 */
export async function writeUserFile(root: string, rel: string, content: string | Buffer, opts: WriteOptions): Promise<WriteResult> {
  const parts = toParts(rel);
  if (parts.length === 0) throw new Error('writeUserFile needs a file name');
  const dirRel = parts.slice(0, -1).join('/');
  await ensureFolder(root, dirRel);
  const file = path.join(root, ...parts);
  const before = await lstatOrUndefined(file);
  if (before?.isDirectory()) throw new UnsafePathError(`${show(rel)} in ${root} is a folder, but alexa-link writes a file there; nothing was written.`);
  if (before && opts.existing === 'refuse') {
    throw new UnsafePathError(`${show(rel)} already exists in ${root}; alexa-link does not replace it.`);
  }
  let backup: string | undefined;
  if (before && opts.existing === 'backup') backup = await backupUserFile(root, rel, opts.backupDir ?? replacedDir(opts.now ?? new Date()));
  const tmp = path.join(path.dirname(file), `.${parts[parts.length - 1]}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), modeFor(opts.kind));
  try {
    await handle.writeFile(content);
    await handle.sync();
    if (opts.kind === 'secret') await handle.chmod(0o600);
  } catch (err) {
    await handle.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  try {
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  return { path: file, replaced: before !== undefined, ...(backup ? { backup } : {}) };
}

/**
 * Appends `text` to a file of the project, creating it when missing (the umask decides its mode);
 * never replaces what is there. A link in its place is refused like a linked folder.
 */
export async function appendUserFile(root: string, rel: string, text: string): Promise<'created' | 'appended'> {
  const parts = toParts(rel);
  await ensureFolder(root, parts.slice(0, -1).join('/'));
  const file = path.join(root, ...parts);
  const before = await lstatOrUndefined(file);
  if (before?.isSymbolicLink()) {
    throw new UnsafePathError(`${show(rel)} in ${root} is a symbolic link (to ${await linkTarget(file)}); alexa-link does not write through it.`, `Add the lines to the file it points to yourself: ${text.trim()}`);
  }
  if (before && !before.isFile()) throw new UnsafePathError(`${show(rel)} in ${root} is not a regular file; nothing was written.`);
  const handle = await open(file, constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | (constants.O_NOFOLLOW ?? 0), 0o666);
  try {
    await handle.writeFile(text);
  } finally {
    await handle.close();
  }
  return before ? 'appended' : 'created';
}

/** Removes a file alexa-link itself wrote (a backup of a push that was refused). */
export async function removeOwnFile(root: string, rel: string): Promise<void> {
  const parts = toParts(rel);
  await checkFolders(root, parts.slice(0, -1).join('/'));
  await rm(path.join(root, ...parts), { force: true });
}
