import type { Envelope, ReplayItem, TokenChange } from './envelopes.js';
import { builtinLaunch } from './kinds/custom.js';
import type { ProbeMode } from './kinds/types.js';
import { DEFAULT_REGION, lambdaEnvironment } from './lambda-env.js';
import { copiesOf, measureReplayThroughput, type ReplayThroughput } from './runner.js';
import { EndpointTarget } from './targets/endpoint.js';
import { DEFAULT_MEMORY_MB, HandlerTarget, parseHandlerSpec } from './targets/handler.js';

/**
 * Entry points for bench/: replay N copies of an envelope (the built-in LaunchRequest by default)
 * against a running endpoint or a Lambda handler, and report throughput and peak memory.
 * Envelopes are generated lazily and only verdict counts are kept, so memory stays flat.
 */
export interface ReplayBenchOptions {
  count: number;
  /** Requests in flight at once (default 32). */
  concurrency?: number;
  envelope?: Envelope;
  /** Items to replay instead of `count` copies of `envelope`. */
  items?: Iterable<ReplayItem> | AsyncIterable<ReplayItem>;
  token?: TokenChange;
  probes?: ProbeMode;
  /** Per-request limit (default 8000 ms, Alexa's). */
  timeoutMs?: number;
}

/** Replays against `target`, then closes it. */
async function benchTarget(target: EndpointTarget | HandlerTarget, opts: ReplayBenchOptions): Promise<ReplayThroughput> {
  try {
    return await measureReplayThroughput({
      target,
      items: opts.items ?? copiesOf(opts.envelope ?? builtinLaunch({ skillId: undefined, locale: 'en-US' }), opts.count),
      concurrency: opts.concurrency ?? 32,
      ...(opts.token ? { token: opts.token } : {}),
      ...(opts.probes ? { probes: opts.probes } : {}),
    });
  } finally {
    await target.close();
  }
}

export function benchEndpointReplay(url: string, opts: ReplayBenchOptions): Promise<ReplayThroughput> {
  return benchTarget(new EndpointTarget(url, { timeoutMs: opts.timeoutMs ?? 8000 }), opts);
}

/** `handler` is "file[#export]" relative to `cwd`. */
export function benchHandlerReplay(handler: string, cwd: string, opts: ReplayBenchOptions): Promise<ReplayThroughput> {
  const spec = parseHandlerSpec(handler, cwd);
  const env = lambdaEnvironment(process.env, { region: DEFAULT_REGION, functionName: 'alexa-link-bench', memoryMb: DEFAULT_MEMORY_MB, taskRoot: spec.cwd });
  // Children as doctor's default --concurrency starts (one invocation each at a time, as Lambda).
  return benchTarget(new HandlerTarget(spec, { timeoutMs: opts.timeoutMs ?? 8000, env, concurrency: 4 }), opts);
}
