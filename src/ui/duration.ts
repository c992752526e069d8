import { UsageError } from '../errors.js';

/**
 * Durations on the command line. Every --timeout (and --duration) takes a unit — 1500ms, 30s,
 * 5m, 1h — and a bare number is in SECONDS, in every command, so nothing depends on guessing a
 * unit. A value under 100 ms is refused as a likely mistake (someone meaning seconds who typed
 * ms): no request can be answered that fast.
 */
export interface DurationRule {
  flag: string;
  /** Smallest value accepted (at least LIKELY_MISTAKE_MS). */
  minMs: number;
  maxMs: number;
}

/** Below this a duration is a mistake, whatever the command. */
export const LIKELY_MISTAKE_MS = 100;

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** A duration as people write it: 1500ms, 30s, 5m, 1h. */
export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0 && ms >= 3_600_000) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0 && ms >= 60_000) return `${ms / 60_000}m`;
  if (ms % 1000 === 0 && ms >= 1000) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** The help line's note on units, the same for every --timeout. */
export function durationHelp(defaultMs?: number): string {
  return `seconds, or with a unit: 1500ms, 30s, 5m${defaultMs !== undefined ? ` (default: ${formatDuration(defaultMs)})` : ''}`;
}

export function parseDuration(value: string, rule: DurationRule): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/i.exec(value);
  if (!m) {
    throw new UsageError(`${rule.flag}: "${value}" is not a duration; write 30, 30s, 1500ms or 5m (a bare number is in seconds).`);
  }
  const unit = (m[2] ?? 's').toLowerCase();
  const ms = Math.round(Number(m[1]) * UNIT_MS[unit]!);
  const min = Math.max(rule.minMs, LIKELY_MISTAKE_MS);
  if (ms < LIKELY_MISTAKE_MS) {
    throw new UsageError(`${rule.flag}: ${value.trim()} is ${formatDuration(ms)}, under ${formatDuration(LIKELY_MISTAKE_MS)}: too short for anything to answer, so probably a mistake.`, {
      hint: `A bare number is in seconds (${rule.flag} 30 waits 30 seconds); write a unit to be sure: 1500ms, 30s, 5m.`,
    });
  }
  if (ms < min || ms > rule.maxMs) {
    throw new UsageError(`${rule.flag}: ${value.trim()} is out of range; it must be between ${formatDuration(min)} and ${formatDuration(rule.maxMs)}.`, {
      hint: 'A bare number is in seconds; write a unit to be sure: 1500ms, 30s, 5m.',
    });
  }
  return ms;
}
