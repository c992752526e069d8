import { UsageError } from '../errors.js';

/**
 * Durations on the command line. Every --timeout accepts a unit (1500ms, 30s, 5m); a bare number
 * is in the command's documented unit (milliseconds for request limits, seconds for waiting on a
 * person to sign in).
 */
export interface DurationRule {
  flag: string;
  /** Unit of a bare number. */
  bare: 'ms' | 's';
  minMs: number;
  maxMs: number;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000 };

function show(ms: number): string {
  if (ms % 60_000 === 0 && ms >= 60_000) return `${ms / 60_000}m`;
  if (ms % 1000 === 0 && ms >= 1000) return `${ms / 1000}s`;
  return `${ms}ms`;
}

export function parseDuration(value: string, rule: DurationRule): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m)?\s*$/i.exec(value);
  const example = rule.bare === 'ms' ? '1500, 1500ms, 30s or 2m' : '300, 300s, 5m or 1500ms';
  if (!m) {
    throw new UsageError(`${rule.flag}: "${value}" is not a duration; write ${example} (a bare number is in ${rule.bare === 'ms' ? 'milliseconds' : 'seconds'}).`);
  }
  const unit = (m[2] ?? rule.bare).toLowerCase();
  const ms = Math.round(Number(m[1]) * UNIT_MS[unit]!);
  if (ms < rule.minMs || ms > rule.maxMs) {
    throw new UsageError(`${rule.flag}: ${value.trim()} is out of range; it must be between ${show(rule.minMs)} and ${show(rule.maxMs)}.`);
  }
  return ms;
}
