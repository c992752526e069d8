import { closeSync, constants, fstatSync, lstatSync, openSync, readlinkSync, readSync, type Stats } from 'node:fs';
import { lstat, open, readlink } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../errors.js';

/** Largest JSON file we read; anything bigger is not a configuration or envelope file. */
export const MAX_JSON_BYTES = 20 * 1024 * 1024;

/** 1-based line and column of a character offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lastNewline = -1;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lastNewline = i;
    }
  }
  return { line, column: offset - lastNewline };
}

/**
 * Offset of the first syntax error, found by a small JSON scanner (JSON.parse reports positions
 * differently, or not at all, across Node versions).
 */
export function jsonErrorOffset(text: string): number | undefined {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++;
  };
  const fail = (): never => {
    throw i;
  };
  const literal = (word: string) => {
    if (text.startsWith(word, i)) i += word.length;
    else fail();
  };
  const string = () => {
    i++; // opening quote
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 34) {
        i++;
        return;
      }
      if (c < 32) fail();
      if (c === 92) {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) {
            i += 2;
            fail();
          }
          i += 6;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else {
          i++;
          fail();
        }
      } else i++;
    }
    fail();
  };
  const number = () => {
    const m = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i, i + 400));
    if (!m) fail();
    i += m![0].length;
  };
  const value = (depth: number): void => {
    if (depth > 512) fail();
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') {
        i++;
        return;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        string();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value(depth + 1);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') {
          i++;
          return;
        } else fail();
      }
    } else if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') {
        i++;
        return;
      }
      for (;;) {
        value(depth + 1);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') {
          i++;
          return;
        } else fail();
      }
    } else if (c === '"') string();
    else if (c === 't') literal('true');
    else if (c === 'f') literal('false');
    else if (c === 'n') literal('null');
    else if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) number();
    else fail();
  };
  try {
    value(0);
    ws();
    if (i < text.length) fail();
    return undefined;
  } catch (at) {
    if (typeof at === 'number') return at;
    throw at;
  }
}

/** Parses JSON text; a syntax error names the source with line and column. */
export function parseJsonText(text: string, source: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  if (body.trim() === '') throw new InputError(`${source} is empty; expected JSON.`, { source, code: 'E_INPUT_JSON' });
  try {
    return JSON.parse(body);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const offset = jsonErrorOffset(body);
    const where = offset === undefined ? '' : ` at line ${lineColumn(body, offset).line}, column ${lineColumn(body, offset).column}`;
    const reason =
      offset === undefined
        ? message
        : offset >= body.length
          ? 'unexpected end of input'
          : `unexpected ${JSON.stringify(body.slice(offset, offset + 1))}`;
    throw new InputError(`${source} is not valid JSON${where}: ${reason}.`, {
      source,
      code: 'E_INPUT_JSON',
      hint: 'Fix the syntax (a missing comma or quote, a trailing comma) and run again.',
    });
  }
}

/** Default limit for text files of the user's that are not JSON (a .gitignore, an --env-file). */
export const MAX_TEXT_BYTES = 1024 * 1024;

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a named pipe (FIFO)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

function readFailure(err: unknown, label: string, linkTarget?: string): InputError {
  const code = (err as NodeJS.ErrnoException).code;
  if ((code === 'ENOENT' || code === 'ENOTDIR') && linkTarget !== undefined) {
    return new InputError(`${label} is a symbolic link to ${linkTarget}, which does not exist (a dangling link).`, { source: label, code: 'E_INPUT_MISSING', hint: 'Point the link at an existing file, or remove it.' });
  }
  if (code === 'ENOENT' || code === 'ENOTDIR') return new InputError(`${label} not found.`, { source: label, code: 'E_INPUT_MISSING' });
  if (code === 'EISDIR') return new InputError(`${label} is a directory, not a file.`, { source: label, code: 'E_INPUT_NOT_FILE' });
  if (code === 'EACCES' || code === 'EPERM') return new InputError(`${label} cannot be read (permission denied).`, { source: label });
  if (code === 'ELOOP') return new InputError(`${label} is a symbolic link that alexa-link does not follow (a link to a link, or a loop).`, { source: label, code: 'E_INPUT_NOT_FILE' });
  return new InputError(`${label} cannot be read: ${(err as Error).message}`, { source: label });
}

/** The bounded readers' messages, one wording for the async and the sync reader. */
function linkToLink(label: string, target: string): InputError {
  return new InputError(`${label} is a link to a link (${target}); alexa-link follows at most the one link you named.`, {
    source: label,
    code: 'E_INPUT_NOT_FILE',
    hint: 'Point it at the file itself, or pass the file.',
  });
}

function notRegularFile(label: string, s: Stats, file: string, target: string): InputError {
  return new InputError(`${label} is ${kindOf(s)}${target !== file ? ` (through the link to ${target})` : ''}, not a regular file; alexa-link reads only regular files.`, {
    source: label,
    code: 'E_INPUT_NOT_FILE',
  });
}

function tooLargeFile(label: string, size: string, maxBytes: number, what: string): InputError {
  return new InputError(`${label} is ${size}; ${what ? `${what} ` : ''}files over ${formatBytes(maxBytes, true)} are not read.`, { source: label, code: 'E_INPUT_TOO_LARGE' });
}

/**
 * The one way alexa-link reads a file it did not write (envelopes, project files, the session,
 * backups, cli_config, --env-file): it must be a regular file, reached through at most the one
 * symbolic link the user named; at most `maxBytes` + 1 bytes are read. A FIFO, a device such as
 * /dev/zero (or a link to one), a link to a link or a file over the limit is an InputError naming
 * the file (exit 2) at once: nothing here can block or grow without bound.
 */
export async function readFileBounded(file: string, label: string, maxBytes: number, what = ''): Promise<Buffer> {
  let target = file;
  let st: Stats;
  try {
    st = await lstat(file);
    if (st.isSymbolicLink()) {
      target = path.resolve(path.dirname(file), await readlink(file));
      st = await lstat(target);
      if (st.isSymbolicLink()) {
        throw linkToLink(label, target);
      }
    }
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw readFailure(err, label, target !== file ? target : undefined);
  }
  const notFile = (s: Stats) => notRegularFile(label, s, file, target);
  if (!st.isFile()) throw notFile(st);
  const tooLarge = (size: string) => tooLargeFile(label, size, maxBytes, what);
  if (st.size > maxBytes) throw tooLarge(formatBytes(st.size));
  let handle;
  try {
    // O_NONBLOCK: were the file swapped for a FIFO after the check above, open must not wait for a writer.
    handle = await open(target, constants.O_RDONLY | constants.O_NONBLOCK | (constants.O_NOFOLLOW ?? 0));
  } catch (err) {
    throw readFailure(err, label);
  }
  try {
    const fst = await handle.stat();
    if (!fst.isFile()) throw notFile(fst);
    const buf = Buffer.alloc(Math.min(maxBytes + 1, Math.max(fst.size + 1, 64 * 1024)));
    let total = 0;
    let chunk = buf;
    for (;;) {
      if (total === chunk.length) {
        if (chunk.length > maxBytes) break;
        const bigger = Buffer.alloc(Math.min(maxBytes + 1, chunk.length * 2));
        chunk.copy(bigger, 0, 0, total);
        chunk = bigger;
      }
      const { bytesRead } = await handle.read(chunk, total, chunk.length - total, null);
      if (bytesRead === 0) break;
      total += bytesRead;
    }
    if (total > maxBytes) throw tooLarge(`more than ${formatBytes(maxBytes)}`);
    return chunk.subarray(0, total);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw readFailure(err, label);
  } finally {
    await handle.close();
  }
}

/**
 * readFileBounded, synchronously, with the same rules and messages: for callers that read many
 * small files in a row (100,000 envelope files), where the promise API's five round trips through
 * the thread pool per file were the bottleneck. Nothing here can block either: the open is
 * non-blocking and only regular files are read.
 */
export function readFileBoundedSync(file: string, label: string, maxBytes: number, what = ''): Buffer {
  let target = file;
  let st: Stats;
  try {
    st = lstatSync(file);
    if (st.isSymbolicLink()) {
      target = path.resolve(path.dirname(file), readlinkSync(file));
      st = lstatSync(target);
      if (st.isSymbolicLink()) {
        throw linkToLink(label, target);
      }
    }
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw readFailure(err, label, target !== file ? target : undefined);
  }
  const notFile = (s: Stats) => notRegularFile(label, s, file, target);
  if (!st.isFile()) throw notFile(st);
  const tooLarge = (size: string) => tooLargeFile(label, size, maxBytes, what);
  if (st.size > maxBytes) throw tooLarge(formatBytes(st.size));
  let fd: number;
  try {
    fd = openSync(target, constants.O_RDONLY | constants.O_NONBLOCK | (constants.O_NOFOLLOW ?? 0));
  } catch (err) {
    throw readFailure(err, label);
  }
  try {
    const fst = fstatSync(fd);
    if (!fst.isFile()) throw notFile(fst);
    let chunk = Buffer.allocUnsafe(Math.min(maxBytes + 1, fst.size + 1));
    let total = 0;
    for (;;) {
      if (total === chunk.length) {
        if (chunk.length > maxBytes) break;
        const bigger = Buffer.allocUnsafe(Math.min(maxBytes + 1, chunk.length * 2));
        chunk.copy(bigger, 0, 0, total);
        chunk = bigger;
      }
      const bytesRead = readSync(fd, chunk, total, chunk.length - total, null);
      if (bytesRead === 0) break;
      total += bytesRead;
    }
    if (total > maxBytes) throw tooLarge(`more than ${formatBytes(maxBytes)}`);
    return chunk.subarray(0, total);
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw readFailure(err, label);
  } finally {
    closeSync(fd);
  }
}

/** readJsonFile, synchronously (see readFileBoundedSync). */
export function readJsonFileSync(file: string, label = file, maxBytes = MAX_JSON_BYTES): unknown {
  return parseJsonText(jsonTextOf(readFileBoundedSync(file, label, maxBytes, 'JSON'), label), label);
}

/**
 * The text of a JSON file's bytes: UTF-8, or UTF-16 with its byte order mark (what Windows
 * PowerShell's `>` and Notepad's "Unicode" write), decoded; other bytes with NULs are binary.
 */
export function jsonTextOf(buf: Buffer, label: string): string {
  const le = buf[0] === 0xff && buf[1] === 0xfe;
  const be = buf[0] === 0xfe && buf[1] === 0xff;
  if ((le || be) && buf.length % 2 === 0) {
    try {
      return new TextDecoder(le ? 'utf-16le' : 'utf-16be', { fatal: true }).decode(buf);
    } catch {
      throw new InputError(`${label} starts with a UTF-16 byte order mark but is not valid UTF-16 text.`, { source: label, code: 'E_INPUT_BINARY', hint: 'Save it as UTF-8 (in PowerShell: Out-File -Encoding utf8, or Set-Content).' });
    }
  }
  if (buf.includes(0)) throw new InputError(`${label} is binary, not JSON text.`, { source: label, code: 'E_INPUT_BINARY' });
  return buf.toString('utf8');
}

function formatBytes(n: number, round = false): string {
  if (n >= 1048576) return round && n % 1048576 === 0 ? `${n / 1048576} MB` : `${(n / 1048576).toFixed(1)} MB`;
  if (n >= 1024) return round && n % 1024 === 0 ? `${n / 1024} KB` : `${(n / 1024).toFixed(1)} KB`;
  return `${n} bytes`;
}

/** Reads a text file of the user's, bounded like readFileBounded; binary content (NUL bytes) is an InputError. */
export async function readTextFileBounded(file: string, label = file, maxBytes = MAX_TEXT_BYTES): Promise<string> {
  const buf = await readFileBounded(file, label, maxBytes);
  if (buf.includes(0)) throw new InputError(`${label} is binary, not text.`, { source: label, code: 'E_INPUT_BINARY' });
  const text = buf.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Reads and parses a JSON file, bounded like readFileBounded. Missing → InputError (E_INPUT_MISSING) naming it. */
export async function readJsonFile(file: string, label = file, maxBytes = MAX_JSON_BYTES): Promise<unknown> {
  return parseJsonText(jsonTextOf(await readFileBounded(file, label, maxBytes, 'JSON'), label), label);
}

/** Type guard for plain JSON objects. */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Reads an object at a path of keys, or undefined. */
export function getPath(root: unknown, keys: string[]): unknown {
  let cur: unknown = root;
  for (const k of keys) {
    if (!isObject(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}
