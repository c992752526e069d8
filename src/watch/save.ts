import { randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, open, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { AlexaLinkError, InputError } from '../errors.js';
import { isObject } from '../project/json-file.js';

/**
 * `watch --save <dir>`: every live request envelope, one JSON file each, in the form
 * `doctor --envelopes <dir>` reads (a plain request envelope per file, named so that the folder
 * sorts in arrival order). The folder is 0700 and the files 0600: they hold the user's
 * account-linking token unless `--redact` removed every token first.
 */
export interface SaveOptions {
  dir: string;
  /** Remove tokens (accessToken, apiAccessToken, consentToken) before writing. */
  redact: boolean;
}

/** Keys whose values are credentials of the user (account link, Alexa APIs, permissions). */
const TOKEN_KEYS = new Set(['accessToken', 'apiAccessToken', 'consentToken']);

/** A deep copy without any token. Pure. */
export function withoutTokens<T>(value: T): T {
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (isObject(v)) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) if (!TOKEN_KEYS.has(k)) out[k] = strip(x);
      return out;
    }
    return v;
  };
  return strip(value) as T;
}

/** "20250102-030405-007-IntentRequest-WhoAmIIntent.json": sortable, safe on every file system. */
export function envelopeFileName(runStamp: string, index: number, label: string): string {
  const safe = label.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 80) || 'request';
  return `${runStamp}-${String(index).padStart(3, '0')}-${safe}.json`;
}

export function runStamp(at: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${at.getFullYear()}${p(at.getMonth() + 1)}${p(at.getDate())}-${p(at.getHours())}${p(at.getMinutes())}${p(at.getSeconds())}`;
}

export interface EnvelopeSaver {
  /** Absolute folder. */
  dir: string;
  /** Whether the folder was created by this run (then 0700; an existing one is left as it is). */
  created: boolean;
  /** An existing folder others may read or enter: its mode ("0755"), else undefined. */
  openToOthers: string | undefined;
  /** Writes one envelope; returns the file's path. */
  save(envelope: unknown, label: string): Promise<string>;
  count(): number;
}

/**
 * Prepares the folder: created 0700, or an existing directory used as it is. Changing the mode of
 * a folder alexa-link did not create (`--save .` is the project) would lock others out of it;
 * the files are 0600 either way, and an existing folder others can read is reported.
 */
export async function createEnvelopeSaver(opts: SaveOptions & { cwd: string; now?: Date }): Promise<EnvelopeSaver> {
  const dir = path.resolve(opts.cwd, opts.dir);
  let created = false;
  const info = await lstat(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return undefined;
    throw new InputError(`--save: ${opts.dir} cannot be inspected: ${err.message}`, { source: '--save' });
  });
  if (info && info.isSymbolicLink()) throw new InputError(`--save: ${opts.dir} is a symbolic link; give the folder itself.`, { source: '--save' });
  if (info && !info.isDirectory()) throw new InputError(`--save: ${opts.dir} exists and is not a folder.`, { source: '--save', hint: 'Name a new or existing folder for the envelopes.' });
  if (!info) {
    try {
      await mkdir(dir, { recursive: true, mode: 0o700 });
    } catch (err) {
      throw new InputError(`--save: cannot create ${opts.dir}: ${(err as Error).message}`, { source: '--save' });
    }
    created = true;
  }
  // mkdir's mode is filtered by the umask: set it on the folder this run made (only).
  if (created) {
    try {
      await chmod(dir, 0o700);
    } catch (err) {
      throw new InputError(`--save: cannot make ${opts.dir} private (chmod 700): ${(err as Error).message}`, { source: '--save' });
    }
  }
  const openToOthers = info && (info.mode & 0o077) !== 0 ? `0${(info.mode & 0o777).toString(8)}` : undefined;
  const stamp = runStamp(opts.now ?? new Date());
  let index = 0;
  return {
    dir,
    created,
    openToOthers,
    count: () => index,
    async save(envelope, label) {
      index++;
      const doc = opts.redact ? withoutTokens(envelope) : envelope;
      const file = path.join(dir, envelopeFileName(stamp, index, label));
      const tmp = path.join(dir, `.${path.basename(file)}.${randomBytes(4).toString('hex')}.tmp`);
      const handle = await open(tmp, 'wx', 0o600);
      try {
        await handle.writeFile(JSON.stringify(doc, null, 2) + '\n', 'utf8');
        await handle.sync();
      } finally {
        await handle.close();
      }
      try {
        await chmod(tmp, 0o600);
        await rename(tmp, file);
      } catch (err) {
        await rm(tmp, { force: true });
        throw new AlexaLinkError(`Could not save ${file}: ${(err as Error).message}`, { code: 'E_SAVE' });
      }
      return file;
    },
  };
}
