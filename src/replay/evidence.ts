/**
 * What a replay saw: the evidence a verdict is computed from (design, "Verdicts from evidence").
 * Targets report a TargetOutcome per request sent; the runner adds what it knows about the
 * request (its kind, facts, where the token was, where it came from) and the probes' outcomes.
 * Everything here is plain data: small, JSON-able, secrets already redacted.
 */
import type { AnswerSummary, RequestFacts, TokenPresence } from './kinds/types.js';

export type FailureKind = 'timeout' | 'crash' | 'threw' | 'network' | 'http' | 'not-json' | 'load' | 'smapi' | 'verification' | 'too-large' | 'input';

/** One line the skill wrote while handling a request (console.*, process.stdout/stderr). */
export interface LogLine {
  /** console method (log, info, warn, error, debug, trace), or stdout / stderr for direct writes. */
  level: string;
  /** Redacted, control characters shown as escapes. */
  text: string;
}

/** Bounds on what a skill's logs may take per invocation. */
export const MAX_LOG_LINES = 50;
export const MAX_LOG_BYTES = 4096;

/** The error a handler threw, rejected with or passed to its callback. */
export interface ThrownError {
  name: string;
  message: string;
  stack?: string;
  code?: string;
}

/** What a target reports for one request sent. */
export interface TargetOutcome {
  /** HTTP status (endpoint, SMAPI), 200 when a handler returned, null when nothing came back. */
  status: number | null;
  latencyMs: number;
  /** The parsed skill response. */
  response?: unknown;
  error?: { kind: FailureKind; message: string; hint?: string };
  /** Start of a non-JSON or error body, for explanations. */
  bodyExcerpt?: string;
  /** Something the target noticed on the way (added to the explanation). */
  note?: string;
  /** What the skill logged while handling this request (handler target). */
  logs?: LogLine[];
  /** Lines left out past the bounds. */
  logsDropped?: number;
  /** The handler's own error, when it threw or called back with one. */
  thrown?: ThrownError;
}

/** Where the token sent came from. */
export type TokenOrigin = 'envelope' | 'session' | 'env' | 'none';

/** One request sent and what came back, summarised by the kind. */
export interface Attempt<A extends AnswerSummary = AnswerSummary> {
  tokenIn: TokenPresence;
  status: number | null;
  latencyMs: number;
  /** The answer in the kind's few fields; undefined when no response came back. */
  answer?: A;
  /** The target's answer was not a response of this kind (a bare object, no "response"…). */
  notAResponse?: boolean;
  /** When it was not: the kind whose answer it is (a smart home event answering a LaunchRequest). */
  answerOfKind?: string;
  error?: TargetOutcome['error'];
  bodyExcerpt?: string;
  note?: string;
  logs: LogLine[];
  logsDropped: number;
  thrown?: ThrownError;
}

export interface ProbeEvidence<A extends AnswerSummary = AnswerSummary> extends Attempt<A> {
  /** `context-only`, `no-token`, `made-up-token`. */
  id: string;
  title: string;
}

export interface ReplayEvidence<A extends AnswerSummary = AnswerSummary> extends Attempt<A> {
  /** The skill kind's id. */
  kind: string;
  request: RequestFacts;
  tokenOrigin: TokenOrigin;
  /** The skill's style (ask-sdk-v2, alexa-sdk-v1, raw, unknown). */
  style: string;
  /** "the handler", "the endpoint". */
  targetName: string;
  /** doctor --offline: the skill's own network calls are expected to fail. */
  offline: boolean;
  probes: ProbeEvidence<A>[];
  /** Remarks from the kind or the source (an old envelope format…). */
  notes: string[];
}

/** Replays whose evidence is not kept whole (passes past the first 1,000 in a large run). */
export const DETAIL_LIMIT = 1000;
