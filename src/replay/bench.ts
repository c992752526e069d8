import { builtinLaunch, type Envelope, type TokenChange } from './envelopes.js';
import { measureReplayThroughput, type ReplayThroughput } from './runner.js';
import { EndpointTarget } from './targets/endpoint.js';
import { HandlerTarget, parseHandlerSpec } from './targets/handler.js';

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
  token?: TokenChange;
  /** Per-request limit (default 8000 ms, Alexa's). */
  timeoutMs?: number;
}

/** Replays against `target`, then closes it. */
async function benchTarget(target: EndpointTarget | HandlerTarget, opts: ReplayBenchOptions): Promise<ReplayThroughput> {
  try {
    return await measureReplayThroughput({
      target,
      envelope: opts.envelope ?? builtinLaunch({ skillId: undefined, locale: 'en-US' }),
      count: opts.count,
      concurrency: opts.concurrency ?? 32,
      ...(opts.token ? { token: opts.token } : {}),
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
  return benchTarget(new HandlerTarget(parseHandlerSpec(handler, cwd), { timeoutMs: opts.timeoutMs ?? 8000 }), opts);
}
