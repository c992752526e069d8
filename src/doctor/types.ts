import type { ProposedEdit } from '../linking/edits.js';

/**
 * Doctor checks are data: an id, a title and a `run` that returns a status with a detail and a
 * fix. They never print; the runner isolates and times them, the report renders the results.
 */
export type CheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

/** What a check's `run` returns. */
export interface CheckOutcome {
  status: CheckStatus;
  /** What was found, in plain words. */
  detail: string;
  /** One line for the compact report, when the detail's first sentence is not the point (a warning found after a long list). */
  summary?: string;
  /** What to do about it (for warn and fail). */
  fix?: string;
  /** The hop of the linking flow this outcome is about, when it is not the check's usual one (report diagram). */
  hop?: HopId;
  /** Changes to accountLinking.json that fix what was found, when a machine can make them (doctor --fix applies them). */
  edits?: ProposedEdit[];
}

/**
 * The hops of the linking flow, in order: 1 the Alexa app opens the authorization URL, 2 the
 * provider redirects back to Alexa with a code, 3 Alexa posts the code to the token endpoint,
 * 4 the token endpoint answers with tokens, 5 Alexa sends the skill a request with the token,
 * 6 the skill answers.
 */
/** Hops of the linking flow's diagram (report.ts HOPS; 7 is a smart home skill's AcceptGrant). */
export type HopId = 1 | 2 | 3 | 4 | 5 | 6 | 7;

/** A finished check as the report sees it. */
export interface CheckResult extends CheckOutcome {
  id: string;
  title: string;
  /** Wall time of the check. */
  ms: number;
  /** Stack of a crashed check; shown only with --verbose, never in --json. */
  stack?: string;
}

/** What a running check may look at besides its context. */
export interface CheckRunInfo {
  /** Results of the checks named in `needs` (all finished before this one started). */
  results: ReadonlyMap<string, CheckResult>;
  /** Aborted when the check's time is up or the user pressed Ctrl-C. */
  signal: AbortSignal;
  /** Milliseconds this check may take. */
  timeoutMs: number;
}

export interface Check<C> {
  /** Stable kebab-case id (used by --only and in --json). */
  id: string;
  title: string;
  /** Skipped with --offline. A function when it depends on the options (a local endpoint is not "network"). */
  needsNetwork?: boolean | ((ctx: C) => boolean);
  /**
   * Check ids that must finish first, and context parts that must have loaded. A needed part that
   * failed to load skips this check with the part's reason.
   */
  needs?: readonly string[];
  /** Check ids to wait for when they run, without depending on their outcome (ordering only). */
  after?: readonly string[];
  /** Overrides the per-check --timeout (replays and the simulation take longer by nature). */
  timeoutMs?: (ctx: C, base: number) => number;
  run(ctx: C, info: CheckRunInfo): Promise<CheckOutcome>;
}

/** A part of the context loaded before the checks: its value, or why it is not there. */
export type Part<T> = { ok: true; value: T } | { ok: false; reason: string; fix?: string };

export const ok = <T>(value: T): Part<T> => ({ ok: true, value });
export const missing = <T>(reason: string, fix?: string): Part<T> => (fix ? { ok: false, reason, fix } : { ok: false, reason });

export const STATUS_ORDER: Record<CheckStatus, number> = { fail: 3, warn: 2, pass: 1, skip: 0 };

/** The worse of two statuses (fail > warn > pass > skip). */
export function worst(a: CheckStatus, b: CheckStatus): CheckStatus {
  return STATUS_ORDER[a] >= STATUS_ORDER[b] ? a : b;
}
