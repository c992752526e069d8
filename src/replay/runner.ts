import { describeLoadError, isFailedSource, type Envelope, type FailedSource, type ReplayItem, type SourcedEnvelope, type TokenChange } from './envelopes.js';
import type { Attempt, LogLine, ProbeEvidence, ReplayEvidence, TargetOutcome, TokenOrigin } from './evidence.js';
import { DETAIL_LIMIT } from './evidence.js';
import { jsonClone } from './kinds/common.js';
import { KINDS, kindOf } from './kinds/index.js';
import type { AnswerSummary, CodeInfo, Judgement, ProbeMode, RequestDocument, RequestFacts, SkillKind, TokenPresence, Verdict } from './kinds/types.js';
import type { ReplayTarget } from './targets/types.js';

/**
 * Replays envelopes against a target with bounded concurrency. Envelopes are pulled from an
 * (async) iterable as workers free up, and only a small summary of each answer is kept, so memory
 * stays flat however many envelopes go through. Each replay gathers its evidence (the answer, the
 * skill's logs, its error, the probes' answers) and asks the envelope's skill kind for the verdict.
 */
export interface ProbeResult {
  id: string;
  title: string;
  tokenInEnvelope: TokenPresence;
  status: number | null;
  latencyMs: number;
  response: AnswerSummary;
  error?: { kind: string; message: string };
  logs: LogLine[];
}

export interface ReplayResult {
  source: string;
  /** The skill kind's id (custom). */
  kind: string;
  /** The request's type (LaunchRequest). */
  request: string;
  /** "IntentRequest WhoAmIIntent". */
  label: string;
  /** The intent of an IntentRequest (text report). */
  intent?: string;
  tokenInEnvelope: TokenPresence;
  status: number | null;
  latencyMs: number;
  /** The answer in the kind's few fields (custom: linkAccountCard, speech…). */
  response: AnswerSummary;
  verdict: Verdict;
  explanation: string;
  fix?: string;
  /** Everything the verdict was computed from. */
  evidence: ReplayEvidence;
}

/**
 * A replay past the first DETAIL_LIMIT of a large run kept as verdict, source and status only: a
 * pass, or a failure or warning beyond the first DETAIL_PER_PROBLEM with the same problem, which
 * names the first of those (`sameAs`) for the explanation and fix.
 */
export interface CompactReplayResult {
  compact: true;
  source: string;
  request: string;
  label: string;
  tokenInEnvelope: TokenPresence;
  status: number | null;
  latencyMs: number;
  verdict: Verdict;
  /** A failure or warning: the source of the first replay with the same problem, kept in full. */
  sameAs?: string;
}

/**
 * Past the first DETAIL_LIMIT replays, failures and warnings keep their full detail for this many
 * replays of each problem (the same fix, else the same explanation); the others are compact and
 * name the first (100,000 files against a skill that always asks to link stay in bounded memory).
 */
export const DETAIL_PER_PROBLEM = 10;

/** Distinct problems followed; a run with more keeps the failures of further problems compact. */
const MAX_PROBLEMS = 1000;

/** The problem a failure or warning is grouped by in the report: its fix, else its explanation. */
export function problemKey(r: Pick<ReplayResult, 'fix' | 'explanation'>): string {
  return r.fix ?? r.explanation;
}

/**
 * Per problem: how many replays had it, and the first one's source in input order (replays finish
 * out of order: a later envelope may finish first). Bounded to MAX_PROBLEMS problems.
 */
export class ProblemTracker {
  private readonly seen = new Map<string, { count: number; first: string; firstIndex: number }>();
  /** Every source that was a problem's first at some moment → that problem (few: at most one per finish that came early). */
  private readonly firsts = new Map<string, string>();

  /** Records a failure or warning; whether to keep its full detail, and the first with this problem so far. */
  record(r: ReplayResult, index = Number.MAX_SAFE_INTEGER, keptWhole = false): { full: boolean; first?: string } {
    const key = problemKey(r);
    let p = this.seen.get(key);
    if (!p) {
      if (this.seen.size >= MAX_PROBLEMS) return { full: keptWhole };
      p = { count: 0, first: r.source, firstIndex: index };
      this.seen.set(key, p);
      this.firsts.set(r.source, key);
    }
    p.count++;
    const full = keptWhole || p.count <= DETAIL_PER_PROBLEM;
    // An earlier envelope that finished later becomes the first, when its detail is kept (a summary must name one that has it).
    if (full && index < p.firstIndex) {
      p.first = r.source;
      p.firstIndex = index;
      this.firsts.set(r.source, key);
    }
    return { full, first: p.first };
  }

  /** The first replay (in input order) of the problem whose first was `source` when a result named it. */
  firstOf(source: string): string {
    const key = this.firsts.get(source);
    return (key !== undefined ? this.seen.get(key)?.first : undefined) ?? source;
  }
}

export type StoredReplay = ReplayResult | CompactReplayResult;

export function isCompact(r: StoredReplay): r is CompactReplayResult {
  return 'compact' in r;
}

export type { TokenChange } from './envelopes.js';

export interface ReplayOneOptions {
  target: ReplayTarget;
  token: TokenChange;
  signal?: AbortSignal;
  now?: () => Date;
  /** Probes per token-bearing envelope (default none: the watch command's live requests). */
  probes?: ProbeMode;
  /** Where a `set` token came from (alexa-link login, an environment variable). */
  tokenOrigin?: TokenOrigin;
  /** doctor --offline (explains the skill's failed network calls). */
  offline?: boolean;
  /** Called with every secret value in the envelopes sent, to register with the redactor. */
  onSecret?: (value: string) => void;
  /** The skill's code (for its style), when the caller knows it better than the target. */
  code?: CodeInfo;
  /** Counts every request sent (the envelope and its probes), for throughput figures. */
  onSent?: () => void;
}

export interface ReplayOptions extends ReplayOneOptions {
  concurrency: number;
  /** Called for each result as it arrives (progress), with its position in the input. */
  onResult?: (result: ReplayResult, index: number) => void;
}

/** The envelope as it will be sent: token applied, ids and timestamp fresh. Never mutates the input. */
export function prepareEnvelope(envelope: Envelope, token: TokenChange, now: Date = new Date(), kind?: SkillKind): Envelope {
  const k = kind ?? kindOf(envelope);
  if (!k) return jsonClone(envelope);
  const copy = token.kind === 'set' ? k.withToken(envelope, token.token) : jsonClone(envelope);
  return k.refresh(copy, now);
}

function anyToken(t: TokenPresence): boolean {
  return Object.values(t).some(Boolean);
}

/** Errors after which probing is pointless: nothing reached the skill's request handling. */
const NO_PROBES_AFTER = new Set(['load', 'timeout', 'network', 'verification', 'smapi', 'input']);

function toAttempt(kind: SkillKind, facts: RequestFacts, tokenIn: TokenPresence, o: TargetOutcome): Attempt {
  const a: Attempt = { tokenIn, status: o.status, latencyMs: Math.round(o.latencyMs), logs: o.logs ?? [], logsDropped: o.logsDropped ?? 0 };
  if (o.error) a.error = o.error;
  if (o.bodyExcerpt) a.bodyExcerpt = o.bodyExcerpt;
  if (o.note) a.note = o.note;
  if (o.thrown) a.thrown = o.thrown;
  if (!o.error && o.response !== undefined) {
    if (kind.isResponse(o.response, facts)) a.answer = kind.summarize(o.response);
    else {
      a.notAResponse = true;
      const other = KINDS.find((k) => k !== kind && k.isResponse(o.response, facts));
      if (other) a.answerOfKind = other.id;
    }
  }
  return a;
}

async function send(target: ReplayTarget, kind: SkillKind, doc: RequestDocument, opts: ReplayOneOptions): Promise<TargetOutcome> {
  if (opts.signal?.aborted) return { status: null, latencyMs: 0, error: { kind: 'network', message: 'Not sent: interrupted.' } };
  const secrets = kind.secrets(doc);
  for (const s of secrets) opts.onSecret?.(s);
  opts.onSent?.();
  return target.send(doc, opts.signal, { secrets });
}

/** What to do about a file that did not load: its own hint, else a step for the kind of problem. */
export function loadFix(item: FailedSource): string {
  if (item.loadError.hint) return item.loadError.hint;
  const m = item.loadError.message;
  const leaveOut = `or leave ${item.source} out of --envelopes`;
  if (/ not found\.?$|does not exist/.test(m)) return `Check the path (a typo, or a file that was moved), ${leaveOut}.`;
  if (/\bis binary\b/.test(m)) return `Pass the JSON text of a request envelope (saved as UTF-8), ${leaveOut}.`;
  if (/permission denied/.test(m)) return `Make it readable by you (chmod u+r), ${leaveOut}.`;
  if (/not a regular file|is a directory|symbolic link/.test(m)) return `Pass the envelope file itself, ${leaveOut}.`;
  if (/files over|more than/.test(m)) return `Split it into smaller files (one envelope, or an array of them, each), ${leaveOut}.`;
  return `Fix it so it holds the request envelope Alexa sends to the skill (as the explanation says), ${leaveOut}.`;
}

function failedResult(item: FailedSource): ReplayResult {
  const explanation = describeLoadError(item);
  const evidence: ReplayEvidence = {
    kind: 'unknown',
    request: { type: '(not loaded)', label: '(not loaded)', answerOptional: false, needsNoAccount: false, placeholderSkillId: false },
    tokenIn: {},
    status: null,
    latencyMs: 0,
    logs: [],
    logsDropped: 0,
    error: { kind: 'input', message: item.loadError.message, ...(item.loadError.hint ? { hint: item.loadError.hint } : {}) },
    tokenOrigin: 'none',
    style: 'unknown',
    targetName: '',
    offline: false,
    probes: [],
    notes: [],
  };
  return {
    source: item.source,
    kind: 'unknown',
    request: '(not loaded)',
    label: '(not loaded)',
    tokenInEnvelope: {},
    status: null,
    latencyMs: 0,
    response: {},
    verdict: 'fail',
    explanation,
    fix: loadFix(item),
    evidence,
  };
}

/** Replays one envelope (and its probes) and judges the evidence. */
export async function replayOne(item: ReplayItem, opts: ReplayOneOptions): Promise<ReplayResult> {
  if (isFailedSource(item)) return failedResult(item);
  const kind = item.kind ?? kindOf(item.envelope);
  if (!kind) return failedResult({ source: item.source, loadError: { message: 'not a request of any skill kind alexa-link knows.' } });
  const now = opts.now?.() ?? new Date();
  const change = item.token ?? opts.token;
  const prepared = prepareEnvelope(item.envelope, change, now, kind);
  const facts = kind.facts(prepared);
  const tokenIn = kind.tokenIn(prepared);
  const main = toAttempt(kind, facts, tokenIn, await send(opts.target, kind, prepared, opts));

  const probes: ProbeEvidence[] = [];
  const mode = opts.probes ?? 'none';
  if (mode !== 'none' && anyToken(tokenIn) && !(main.error && NO_PROBES_AFTER.has(main.error.kind))) {
    for (const spec of kind.probes(prepared, mode)) {
      if (opts.signal?.aborted) break;
      const doc = kind.refresh(spec.make(prepared), opts.now?.() ?? new Date());
      const outcome = await send(opts.target, kind, doc, opts);
      probes.push({ id: spec.id, title: spec.title, ...toAttempt(kind, facts, kind.tokenIn(doc), outcome) });
    }
  }

  let tokenOrigin: TokenOrigin = 'none';
  if (anyToken(tokenIn)) tokenOrigin = change.kind === 'set' ? (opts.tokenOrigin ?? 'env') : 'envelope';
  const code = opts.code ?? (await opts.target.codeInfo?.());
  const answered = main.answer ?? probes.find((p) => p.answer)?.answer;
  const evidence: ReplayEvidence = {
    ...main,
    kind: kind.id,
    request: facts,
    tokenOrigin,
    style: kind.style(code, answered),
    targetName: opts.target.name,
    offline: Boolean(opts.offline),
    probes,
    notes: item.notes ?? [],
  };
  const judged: Judgement = kind.judge(evidence);
  const result: ReplayResult = {
    source: item.source,
    kind: kind.id,
    request: facts.type,
    label: facts.label,
    tokenInEnvelope: tokenIn,
    status: main.status,
    latencyMs: main.latencyMs,
    response: main.answer ?? kind.summarize(undefined),
    verdict: judged.verdict,
    explanation: judged.explanation,
    evidence,
  };
  if (judged.fix) result.fix = judged.fix;
  if (facts.label !== facts.type && facts.label.startsWith(`${facts.type} `)) result.intent = facts.label.slice(facts.type.length + 1);
  return result;
}

/** One shared object per distinct token placement, so compact records of a large run do not each hold their own. */
const presences = new Map<string, TokenPresence>();
function internPresence(t: TokenPresence): TokenPresence {
  const key = Object.entries(t)
    .map(([k, v]) => `${k}=${v ? 1 : 0}`)
    .join(',');
  let shared = presences.get(key);
  if (!shared) {
    shared = Object.freeze({ ...t });
    if (presences.size < 64) presences.set(key, shared);
  }
  return shared;
}

/**
 * What to keep of a result: everything (the first `detailLimit`, and the first DETAIL_PER_PROBLEM
 * failures or warnings of each problem), or a compact record.
 */
export function storeResult(r: ReplayResult, index: number, detailLimit: number, problems: ProblemTracker = new ProblemTracker()): StoredReplay {
  const problem = r.verdict === 'pass' ? undefined : problems.record(r, index, index < detailLimit);
  if (index < detailLimit || problem?.full) return r;
  const sameAs = problem?.first !== undefined && problem.first !== r.source ? { sameAs: problem.first } : {};
  return { compact: true, source: r.source, request: r.request, label: r.label, tokenInEnvelope: internPresence(r.tokenInEnvelope), status: r.status, latencyMs: r.latencyMs, verdict: r.verdict, ...sameAs };
}

/**
 * Replays every item; calls onResult as each finishes. Returns the results in input order (full
 * for the first `detailLimit` and for the first DETAIL_PER_PROBLEM failures or warnings of each
 * problem, compact for the others),
 * or none when `collect` is false (benchmarks: only counts are kept).
 */
export async function replayEnvelopes(
  source: Iterable<ReplayItem> | AsyncIterable<ReplayItem>,
  opts: ReplayOptions & { collect?: boolean; detailLimit?: number },
): Promise<{ results: StoredReplay[]; counts: Record<Verdict, number>; count: number; sent: number }> {
  const collect = opts.collect !== false;
  const detailLimit = opts.detailLimit ?? DETAIL_LIMIT;
  const results: StoredReplay[] = [];
  const problems = new ProblemTracker();
  const counts: Record<Verdict, number> = { pass: 0, warn: 0, fail: 0 };
  const it = (async function* () {
    yield* source as AsyncIterable<ReplayItem>;
  })();
  let index = 0;
  let sent = 0;
  const onSent = () => {
    sent++;
    opts.onSent?.();
  };
  let pulling: Promise<unknown> = Promise.resolve();
  // One pull at a time: async generators queue next() calls anyway, and a source that throws must reject once.
  const next = () => {
    const p = pulling.then(() => it.next());
    pulling = p.catch(() => undefined);
    return p;
  };
  const worker = async () => {
    for (;;) {
      const n = await next();
      if (n.done) return;
      const i = index++;
      const r = await replayOne(n.value, { ...opts, onSent });
      counts[r.verdict]++;
      if (collect) results[i] = storeResult(r, i, detailLimit, problems);
      opts.onResult?.(r, i);
    }
  };
  const workers = Math.max(1, Math.floor(opts.concurrency));
  await Promise.all(Array.from({ length: workers }, worker));
  // A summary names the first replay of its problem in input order, known only now.
  if (collect) for (const r of results) if (isCompact(r) && r.sameAs !== undefined) r.sameAs = problems.firstOf(r.sameAs);
  return { results, counts, count: index, sent };
}

/** Aggregates for a throughput benchmark. */
export interface ReplayThroughput {
  count: number;
  /** Requests sent, probes included. */
  sent: number;
  ms: number;
  perSecond: number;
  counts: Record<Verdict, number>;
  /** Highest resident set size seen while replaying (sampled). */
  peakRssBytes: number;
}

/**
 * Replays the items against the target and reports throughput (requests sent per second, probes
 * included) and peak memory. For bench/.
 */
export async function measureReplayThroughput(opts: {
  target: ReplayTarget;
  items: Iterable<ReplayItem> | AsyncIterable<ReplayItem>;
  concurrency: number;
  token?: TokenChange;
  probes?: ProbeMode;
}): Promise<ReplayThroughput> {
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 25);
  const started = performance.now();
  try {
    const { counts, count, sent } = await replayEnvelopes(opts.items, {
      target: opts.target,
      token: opts.token ?? { kind: 'keep' },
      concurrency: opts.concurrency,
      probes: opts.probes ?? 'none',
      collect: false,
    });
    const ms = performance.now() - started;
    peak = Math.max(peak, process.memoryUsage().rss);
    return { count, sent, ms: Math.round(ms), perSecond: Math.round((sent / ms) * 1000), counts, peakRssBytes: peak };
  } finally {
    clearInterval(sampler);
  }
}

/** `count` copies of one envelope, generated lazily (each replay refreshes ids and timestamp). */
export function* copiesOf(envelope: Envelope, count: number): Generator<SourcedEnvelope> {
  for (let i = 0; i < count; i++) yield { source: `bench#${i + 1}`, envelope };
}
