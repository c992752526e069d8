import { readFile } from 'node:fs/promises';
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

/** Reads and parses a JSON file. Missing → InputError naming the path; too big or binary → InputError. */
export async function readJsonFile(file: string, label = file): Promise<unknown> {
  let buf: Buffer;
  try {
    buf = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError(`${label} not found.`, { source: label, code: 'E_INPUT_MISSING' });
    if (code === 'EISDIR') throw new InputError(`${label} is a directory, not a JSON file.`, { source: label });
    if (code === 'EACCES') throw new InputError(`${label} cannot be read (permission denied).`, { source: label });
    throw new InputError(`${label} cannot be read: ${(err as Error).message}`, { source: label });
  }
  if (buf.length > MAX_JSON_BYTES) {
    throw new InputError(`${label} is ${(buf.length / 1048576).toFixed(1)} MB; JSON files over ${MAX_JSON_BYTES / 1048576} MB are not read.`, {
      source: label,
      code: 'E_INPUT_TOO_LARGE',
    });
  }
  if (buf.includes(0)) throw new InputError(`${label} is binary, not JSON text.`, { source: label, code: 'E_INPUT_BINARY' });
  return parseJsonText(buf.toString('utf8'), label);
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
