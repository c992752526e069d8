import { randomInt } from 'node:crypto';

/** Helpers every skill kind uses. */

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function typeWord(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v}`;
}

/** The object at `keys` under `root`, created (as {}) where missing or not an object. */
export function ensureObject(root: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  let at = root;
  for (const k of keys) {
    const next = at[k];
    if (isObject(next)) at = next;
    else {
      const made: Record<string, unknown> = {};
      at[k] = made;
      at = made;
    }
  }
  return at;
}

/** The object at `keys` under `root`, or undefined. */
export function objectAt(root: unknown, keys: readonly string[]): Record<string, unknown> | undefined {
  let at: unknown = root;
  for (const k of keys) {
    if (!isObject(at)) return undefined;
    at = at[k];
  }
  return isObject(at) ? at : undefined;
}

/** A non-empty string, else undefined. */
export function text(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

export function isoSeconds(now: Date): string {
  return now.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = LOWER.toUpperCase();
const DIGITS = '0123456789';

function sameClass(ch: string): string {
  if (LOWER.includes(ch)) return LOWER[randomInt(LOWER.length)]!;
  if (UPPER.includes(ch)) return UPPER[randomInt(UPPER.length)]!;
  if (DIGITS.includes(ch)) return DIGITS[randomInt(DIGITS.length)]!;
  return ch;
}

/**
 * A made-up token of the same shape as `real`: same length, letters for letters, digits for
 * digits, punctuation kept; a known prefix (Login with Amazon's "Atza|") and a JWT's header
 * segment are kept, so a skill that checks only the shape cannot tell. Never equal to `real`.
 */
export function madeUpToken(real: string): string {
  let keep = 0;
  const bar = real.indexOf('|');
  if (bar > 0 && bar <= 8) keep = bar + 1;
  else if (/^eyJ[\w-]*\.[\w-]*\.[\w-]*$/.test(real)) keep = real.indexOf('.') + 1;
  for (let attempt = 0; attempt < 10; attempt++) {
    let out = real.slice(0, keep);
    for (const ch of real.slice(keep)) out += sameClass(ch);
    if (out !== real) return out;
  }
  return `${real.slice(0, keep)}${'x'.repeat(Math.max(1, real.length - keep))}`;
}

/** A deep copy of a JSON document (request documents are parsed JSON: faster than structuredClone for them). */
export function jsonClone<T>(doc: T): T {
  return JSON.parse(JSON.stringify(doc)) as T;
}
