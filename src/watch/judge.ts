import { fullReplayToJson, type FullReplayJson } from '../doctor/report.js';
import { isObject } from '../project/json-file.js';
import type { Envelope } from '../replay/envelopes.js';
import type { ReplayEvidence } from '../replay/evidence.js';
import { kindOf } from '../replay/kinds/index.js';
import type { SkillKind } from '../replay/kinds/types.js';
import { replayOne, type ReplayResult } from '../replay/runner.js';
import type { ReplayTarget } from '../replay/targets/types.js';
import type { TargetOutcome } from '../replay/verdict.js';

/**
 * The one place where `watch` meets doctor's verdict engine. A live request is one more envelope
 * source ("live"): it goes through replayOne with the token kept, the same target, evidence and
 * verdict as a doctor replay. Everything the watch needs from the engine passes through here, so
 * a change of the engine is a change of this file.
 */
export const LIVE_SOURCE = 'live';

export type Recognised =
  | { judgeable: true; envelope: Envelope; kind: SkillKind; label: string; requestType: string }
  /** Routed to the skill and answered, but not something the verdict engine knows how to judge. */
  | { judgeable: false; label: string; requestType: string; reason: string };

/** namespace.name of a smart home directive or event header, if the document has one. */
function headerName(doc: unknown, key: 'directive' | 'event'): string | undefined {
  const part = isObject(doc) ? doc[key] : undefined;
  const header = isObject(part) ? part.header : undefined;
  if (!isObject(header) || typeof header.namespace !== 'string' || typeof header.name !== 'string') return undefined;
  return `${header.namespace}.${header.name}`;
}

/** What a routed payload is, and whether the engine can judge it. Pure. */
export function recognise(payload: unknown): Recognised {
  // The skill kind that recognises the document judges it (kinds/index.ts).
  const kind = kindOf(payload);
  const problems = kind ? kind.problems(payload) : [];
  if (kind && problems.length === 0) {
    const envelope = kind.normalise(payload as Envelope);
    const facts = kind.facts(envelope);
    return { judgeable: true, envelope, kind, label: facts.label, requestType: facts.type };
  }
  const directive = headerName(payload, 'directive');
  if (directive) return { judgeable: false, label: directive, requestType: directive, reason: `not a usable smart home directive (${problems[0] ?? 'no skill kind recognises it'})` };
  return { judgeable: false, label: 'unknown request', requestType: 'unknown', reason: `not a request envelope alexa-link can judge (${problems[0] ?? 'no skill kind recognises it'})` };
}

export interface LiveJudgement {
  result: ReplayResult;
  /** What the target answered, for the answer to the service. */
  outcome: TargetOutcome;
}

/** Passes the one envelope through, keeping what the target said. */
function capturing(target: ReplayTarget, keep: (o: TargetOutcome) => void): ReplayTarget {
  return {
    name: target.name,
    description: target.description,
    usesNetwork: target.usesNetwork,
    async send(envelope, signal, hints) {
      const outcome = await target.send(envelope, signal, hints);
      keep(outcome);
      return outcome;
    },
    ...(target.codeInfo ? { codeInfo: () => target.codeInfo!() } : {}),
    close: () => Promise.resolve(),
  };
}

/** Sends a live envelope to the skill and judges the answer with doctor's engine (token kept, as it arrived). */
export async function judgeLive(envelope: Envelope, target: ReplayTarget, signal?: AbortSignal): Promise<LiveJudgement> {
  let outcome: TargetOutcome | undefined;
  const result = await replayOne({ source: LIVE_SOURCE, envelope }, { target: capturing(target, (o) => (outcome = o)), token: { kind: 'keep' }, ...(signal ? { signal } : {}) });
  return { result, outcome: outcome ?? { status: null, latencyMs: 0, error: { kind: 'network', message: 'Not sent: interrupted.' } } };
}

/** Sends a payload the engine cannot judge to the skill as it is. */
export function forwardUnjudged(payload: unknown, target: ReplayTarget, signal?: AbortSignal): Promise<TargetOutcome> {
  return target.send(payload as Envelope, signal);
}

/** The request's entry in --json: exactly the fields of a replay in doctor's --json. */
export function replayJson(result: ReplayResult): FullReplayJson {
  return fullReplayToJson(result);
}

/** The skill's answer, as the service expects it, or why there is none. */
export function serviceAnswer(outcome: TargetOutcome): { ok: true; response: unknown } | { ok: false; errorCode: string; errorMessage: string } {
  if (!outcome.error && outcome.response !== undefined && (outcome.status === null || (outcome.status >= 200 && outcome.status < 300))) {
    return { ok: true, response: outcome.response };
  }
  const code = outcome.status !== null && outcome.status >= 400 ? String(outcome.status) : '500';
  return { ok: false, errorCode: code, errorMessage: outcome.error?.message ?? `the skill answered HTTP ${outcome.status ?? '(none)'} without a response` };
}

/** Why there was no answer, in two or three words for the progress line. */
export function failureWords(outcome: TargetOutcome): string | undefined {
  if (!outcome.error) return outcome.response === undefined ? 'empty' : undefined;
  switch (outcome.error.kind) {
    case 'timeout':
      return `timeout after ${Math.round(outcome.latencyMs)} ms`;
    case 'threw':
      return 'the skill threw';
    case 'crash':
      return 'the skill process crashed';
    case 'load':
      return 'the handler did not load';
    case 'http':
    case 'verification':
      return outcome.status !== null ? `HTTP ${outcome.status}` : 'HTTP error';
    case 'not-json':
      return 'not JSON';
    default:
      return outcome.error.kind;
  }
}

/** namespace.name of the event a smart home skill answered with. */
export function answerEvent(outcome: TargetOutcome): string | undefined {
  return headerName(outcome.response, 'event');
}

/** The entry for a request the engine cannot judge: a warning that says so, with what came back. */
export function unjudgedResult(recognised: { requestType: string; reason: string }, outcome: TargetOutcome): ReplayResult {
  const answered = serviceAnswer(outcome).ok;
  const explanation = `Not judged: ${recognised.reason}. ${answered ? "The skill's answer went back to Alexa as it was." : `The skill gave no answer: ${outcome.error?.message ?? 'none'}`}`;
  const evidence: ReplayEvidence = {
    kind: 'unknown',
    request: { type: recognised.requestType, label: recognised.requestType, answerOptional: false, needsNoAccount: false, placeholderSkillId: false },
    tokenIn: {},
    status: outcome.status,
    latencyMs: Math.round(outcome.latencyMs),
    logs: outcome.logs ?? [],
    logsDropped: outcome.logsDropped ?? 0,
    ...(outcome.error ? { error: outcome.error } : {}),
    tokenOrigin: 'envelope',
    style: 'unknown',
    targetName: '',
    offline: false,
    probes: [],
    notes: [],
  };
  return {
    source: LIVE_SOURCE,
    kind: 'unknown',
    request: recognised.requestType,
    label: recognised.requestType,
    tokenInEnvelope: { context: false, session: false },
    status: outcome.status,
    latencyMs: Math.round(outcome.latencyMs),
    response: { linkAccountCard: false, speech: null },
    verdict: 'warn',
    explanation,
    evidence,
  };
}
