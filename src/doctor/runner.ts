import { UsageError, describeError } from '../errors.js';
import type { Check, CheckOutcome, CheckResult, Part } from './types.js';

/**
 * Runs checks as data: independent checks concurrently (bounded), each under a timeout; a check
 * waits for the checks it needs; a crash becomes a failed check with the error's message; with
 * --offline every check that needs the network is skipped with the reason.
 */
export interface RunChecksOptions<C> {
  /** At most this many checks run at once. */
  concurrency: number;
  /** Per-check time limit in milliseconds (a check may ask for more with `timeoutMs`). */
  timeoutMs: number;
  offline: boolean;
  /** Looks up a context part by name (`needs` entries that are not check ids); undefined when no such part. */
  part?: (ctx: C, name: string) => Part<unknown> | undefined;
  /** Ctrl-C. */
  signal?: AbortSignal;
  /** Called as each check finishes (progress on stderr). */
  onResult?: (result: CheckResult) => void;
  now?: () => number;
}

/**
 * The checks named by --only, plus the checks they need (in declaration order). Unknown ids are a
 * usage error listing the known ones.
 */
export function selectChecks<C>(all: readonly Check<C>[], only: readonly string[] | undefined, partReporter?: string): Check<C>[] {
  if (!only || only.length === 0) return [...all];
  const byId = new Map(all.map((c) => [c.id, c]));
  const unknown = only.filter((id) => !byId.has(id));
  if (unknown.length) {
    throw new UsageError(`--only: unknown check ${unknown.map((u) => `"${u}"`).join(', ')}.`, {
      code: 'E_UNKNOWN_CHECK',
      hint: `Known checks: ${all.map((c) => c.id).join(', ')}.`,
    });
  }
  const wanted = new Set<string>();
  let needsParts = false;
  const add = (id: string) => {
    if (wanted.has(id)) return;
    const c = byId.get(id);
    if (!c) {
      needsParts = true; // a context part, not a check
      return;
    }
    wanted.add(id);
    for (const n of c.needs ?? []) add(n);
  };
  for (const id of only) add(id);
  // A part that failed to load only skips the checks that need it; the check that reports why
  // (a malformed file) comes along, so --only cannot pass on a broken project.
  if (needsParts && partReporter) add(partReporter);
  return all.filter((c) => wanted.has(c.id));
}

/** Throws (a programming error) when `needs` between checks form a cycle. */
export function assertNoCycles<C>(checks: readonly Check<C>[]): void {
  const byId = new Map(checks.map((c) => [c.id, c]));
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (id: string, trail: string[]) => {
    const s = state.get(id);
    if (s === 'done') return;
    if (s === 'visiting') throw new Error(`doctor checks need each other in a cycle: ${[...trail, id].join(' → ')}`);
    state.set(id, 'visiting');
    const c = byId.get(id);
    for (const n of [...(c?.needs ?? []), ...(c?.after ?? [])]) if (byId.has(n)) visit(n, [...trail, id]);
    state.set(id, 'done');
  };
  for (const c of checks) visit(c.id, []);
}

class Semaphore {
  private free: number;
  private readonly waiting: Array<() => void> = [];
  constructor(n: number) {
    this.free = Math.max(1, n);
  }
  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }
  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

function isNetworkCheck<C>(check: Check<C>, ctx: C): boolean {
  const n = check.needsNetwork;
  return typeof n === 'function' ? n(ctx) : Boolean(n);
}

/**
 * How long past its limit a check may take before the runner gives up on it. The network checks
 * give their requests the same limit, so a peer that does not answer is reported in the request's
 * own words ("did not answer within 600 ms", "a slow drip"), not as a check that ran out of time.
 */
export const TIMEOUT_GRACE_MS = 250;

/** Runs one check under its timeout; never throws. */
async function runOne<C>(check: Check<C>, ctx: C, results: ReadonlyMap<string, CheckResult>, timeoutMs: number, outer: AbortSignal | undefined): Promise<CheckOutcome & { stack?: string }> {
  const controller = new AbortController();
  const onOuter = () => controller.abort(outer?.reason);
  outer?.addEventListener('abort', onOuter, { once: true });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<CheckOutcome>((resolve) => {
    timer = setTimeout(() => {
      controller.abort(new Error(`timed out after ${timeoutMs} ms`));
      resolve({
        status: 'fail',
        detail: `Did not finish within ${timeoutMs} ms.`,
        fix: 'A peer is slow or not answering; raise --timeout if it is just slow.',
      });
    }, timeoutMs + TIMEOUT_GRACE_MS);
  });
  try {
    const outcome = await Promise.race([check.run(ctx, { results, signal: controller.signal, timeoutMs }), timedOut]);
    return outcome;
  } catch (err) {
    const stack = err instanceof Error ? err.stack : undefined;
    const out: CheckOutcome & { stack?: string } = { status: 'fail', detail: `The check crashed: ${describeError(err)}` };
    if (stack) out.stack = stack;
    return out;
  } finally {
    clearTimeout(timer);
    outer?.removeEventListener('abort', onOuter);
  }
}

/** Runs the checks and returns their results in declaration order. */
export async function runChecks<C>(checks: readonly Check<C>[], ctx: C, opts: RunChecksOptions<C>): Promise<CheckResult[]> {
  assertNoCycles(checks);
  const now = opts.now ?? Date.now;
  const ids = new Set(checks.map((c) => c.id));
  const sem = new Semaphore(opts.concurrency);
  const finished = new Map<string, CheckResult>();
  const promises = new Map<string, Promise<CheckResult>>();

  const start = (check: Check<C>): Promise<CheckResult> => {
    const existing = promises.get(check.id);
    if (existing) return existing;
    const p = (async (): Promise<CheckResult> => {
      const neededChecks = (check.needs ?? []).filter((n) => ids.has(n));
      const neededParts = (check.needs ?? []).filter((n) => !ids.has(n));
      const waitFor = [...neededChecks, ...(check.after ?? []).filter((n) => ids.has(n))];
      await Promise.all(waitFor.map((n) => start(checks.find((c) => c.id === n)!)));
      const base = { id: check.id, title: check.title };
      const skip = (detail: string, fix?: string): CheckResult => ({ ...base, status: 'skip', detail, ...(fix ? { fix } : {}), ms: 0 });

      if (opts.offline && isNetworkCheck(check, ctx)) return skip('Skipped: it needs the network, and --offline is on.');
      for (const name of neededParts) {
        const part = opts.part?.(ctx, name);
        if (part && !part.ok) return skip(`Skipped: ${part.reason}`, part.fix);
      }
      for (const n of neededChecks) {
        const r = finished.get(n)!;
        if (r.status === 'fail' || r.status === 'skip') {
          return skip(`Skipped: ${n} ${r.status === 'fail' ? 'failed' : 'was skipped'}, and this check builds on it.`);
        }
      }
      await sem.acquire();
      const started = now();
      try {
        if (opts.signal?.aborted) return skip('Skipped: interrupted.');
        const timeoutMs = check.timeoutMs ? check.timeoutMs(ctx, opts.timeoutMs) : opts.timeoutMs;
        const needed = new Map(neededChecks.map((n) => [n, finished.get(n)!]));
        const outcome = await runOne(check, ctx, needed, timeoutMs, opts.signal);
        const result: CheckResult = { ...base, ...outcome, ms: now() - started };
        return result;
      } finally {
        sem.release();
      }
    })().then((r) => {
      finished.set(check.id, r);
      opts.onResult?.(r);
      return r;
    });
    promises.set(check.id, p);
    return p;
  };

  const all = await Promise.all(checks.map(start));
  return all;
}
