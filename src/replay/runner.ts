import { refreshEnvelope, tokenPlaces, withToken, type Envelope, type SourcedEnvelope, type TokenChange, type TokenPlaces } from './envelopes.js';
import type { ReplayTarget } from './targets/types.js';
import { judgeReplay, type ResponseSummary, type Verdict } from './verdict.js';

/**
 * Replays envelopes against a target with bounded concurrency. Envelopes are pulled from an
 * (async) iterable as workers free up, and only a small summary of each answer is kept, so memory
 * stays flat however many envelopes go through.
 */
export interface ReplayResult {
  source: string;
  /** request.type of the envelope. */
  request: string;
  /** The intent of an IntentRequest (text report only). */
  intent?: string;
  tokenInEnvelope: TokenPlaces;
  status: number | null;
  latencyMs: number;
  response: ResponseSummary;
  verdict: Verdict;
  explanation: string;
}

export type { TokenChange } from './envelopes.js';

export interface ReplayOptions {
  target: ReplayTarget;
  token: TokenChange;
  concurrency: number;
  signal?: AbortSignal;
  /** Called for each result as it arrives (progress), with its position in the input. */
  onResult?: (result: ReplayResult, index: number) => void;
  now?: () => Date;
}

/** The envelope as it will be sent: token applied, timestamp and requestId fresh. Never mutates the input. */
export function prepareEnvelope(envelope: Envelope, token: TokenChange, now: Date = new Date()): Envelope {
  const copy = token.kind === 'set' ? withToken(envelope, token.token) : structuredClone(envelope);
  return refreshEnvelope(copy, now);
}

function intentOf(env: Envelope): string | undefined {
  const intent = env.request.intent as { name?: unknown } | undefined;
  return intent && typeof intent.name === 'string' ? intent.name : undefined;
}

/** Replays one envelope and judges the answer. */
export async function replayOne(item: SourcedEnvelope, opts: Pick<ReplayOptions, 'target' | 'token' | 'signal' | 'now'>): Promise<ReplayResult> {
  const prepared = prepareEnvelope(item.envelope, item.token ?? opts.token, opts.now?.() ?? new Date());
  const places = tokenPlaces(prepared);
  let outcome;
  if (opts.signal?.aborted) {
    outcome = { status: null, latencyMs: 0, error: { kind: 'network' as const, message: 'Not sent: interrupted.' } };
  } else {
    outcome = await opts.target.send(prepared, opts.signal);
  }
  const judged = judgeReplay({
    requestType: prepared.request.type,
    tokenInEnvelope: places,
    hasSession: typeof prepared.session === 'object' && prepared.session !== null,
    outcome,
    targetName: opts.target.name,
  });
  const result: ReplayResult = {
    source: item.source,
    request: prepared.request.type,
    tokenInEnvelope: places,
    status: outcome.status,
    latencyMs: Math.round(outcome.latencyMs),
    response: judged.response,
    verdict: judged.verdict,
    explanation: judged.explanation,
  };
  const intent = intentOf(prepared);
  if (intent) result.intent = intent;
  return result;
}

async function* iterate<T>(source: Iterable<T> | AsyncIterable<T>): AsyncGenerator<T> {
  yield* source as AsyncIterable<T>;
}

/**
 * Replays every envelope; calls onResult as each finishes. Returns the results in input order
 * unless `collect` is false (benchmarks of many thousands: only counts are kept).
 */
export async function replayEnvelopes(
  source: Iterable<SourcedEnvelope> | AsyncIterable<SourcedEnvelope>,
  opts: ReplayOptions & { collect?: boolean },
): Promise<{ results: ReplayResult[]; counts: Record<Verdict, number>; count: number }> {
  const collect = opts.collect !== false;
  const results: ReplayResult[] = [];
  const counts: Record<Verdict, number> = { pass: 0, warn: 0, fail: 0 };
  const it = iterate(source);
  let index = 0;
  const worker = async () => {
    for (;;) {
      const next = await it.next();
      if (next.done) return;
      const i = index++;
      const r = await replayOne(next.value, opts);
      counts[r.verdict]++;
      if (collect) results[i] = r;
      opts.onResult?.(r, i);
    }
  };
  const n = Math.max(1, Math.floor(opts.concurrency));
  await Promise.all(Array.from({ length: n }, worker));
  return { results, counts, count: index };
}

/** Aggregates for a throughput benchmark. */
export interface ReplayThroughput {
  count: number;
  ms: number;
  perSecond: number;
  counts: Record<Verdict, number>;
  /** Highest resident set size seen while replaying (sampled). */
  peakRssBytes: number;
}

/**
 * Replays `count` copies of `envelope` (each with a fresh requestId and timestamp) against the
 * target, generating them lazily, and reports throughput and peak memory. For bench/.
 */
export async function measureReplayThroughput(opts: {
  target: ReplayTarget;
  envelope: Envelope;
  count: number;
  concurrency: number;
  token?: TokenChange;
}): Promise<ReplayThroughput> {
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 25);
  function* copies(): Generator<SourcedEnvelope> {
    for (let i = 0; i < opts.count; i++) yield { source: `bench#${i + 1}`, envelope: opts.envelope };
  }
  const started = performance.now();
  try {
    const { counts, count } = await replayEnvelopes(copies(), {
      target: opts.target,
      token: opts.token ?? { kind: 'keep' },
      concurrency: opts.concurrency,
      collect: false,
    });
    const ms = performance.now() - started;
    peak = Math.max(peak, process.memoryUsage().rss);
    return { count, ms: Math.round(ms), perSecond: Math.round((count / ms) * 1000), counts, peakRssBytes: peak };
  } finally {
    clearInterval(sampler);
  }
}
