/**
 * Child-process entry that hosts a skill's Lambda handler for `doctor --handler`, so a crash or a
 * hang in the skill cannot take doctor down. The parent sends {type:'load'} once, then
 * {type:'invoke'} messages over IPC, ONE at a time (the next only after the answer), as Lambda
 * gives a warm container one invocation at a time: module-level state persists between
 * invocations, as in Lambda, but never mixes between requests in flight together.
 *
 * Loads CommonJS and ESM handlers alike (import() of a CommonJS file yields module.exports as the
 * default export), and calls them the way Lambda's Node.js runtime does: (event, context,
 * callback). A returned promise (async handler) answers when it settles, whatever else is still
 * pending. A callback handler (ask-sdk-core's skill.lambda(), alexa-sdk v1, raw handlers) is
 * answered the way callbackWaitsForEmptyEventLoop (true by default) makes Lambda answer: after
 * the callback (or context.succeed/fail/done) once the event loop is empty; with null when the
 * loop empties without any callback; and, when the callback came but work stays pending (a
 * database pool's socket, a keep-alive timer), not at all: Lambda times out, and so does this
 * replay, naming what stayed open. Pending work is what process.getActiveResourcesInfo() lists
 * beyond the child's own baseline (the IPC channel, stdio), counted before the skill loads.
 *
 * With `offline` (doctor --offline), the skill's connections and DNS look-ups to hosts other than
 * this machine fail (offline-net.ts), as they would with no network.
 *
 * What the skill logs (console.*, process.stdout/stderr writes) while handling an invocation is
 * captured per invocation (AsyncLocalStorage, so a timer left from an earlier one doesn't mix in), redacted,
 * control characters shown as escapes (src/ui/text.ts), and bounded (lines and bytes) before it goes to the
 * parent; an answer larger than Alexa accepts is refused here, so the parent never receives it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { format } from 'node:util';
import { neutralizeControl } from '../ui/text.js';
import { redactText } from '../ui/redact.js';
import { cutNetwork } from './offline-net.js';

type LambdaHandler = (event: unknown, context: Record<string, unknown>, callback: (err: unknown, result?: unknown) => void) => unknown;

export interface LoadMessage {
  type: 'load';
  file: string;
  exportName: string;
  /** Lambda settings for the context object. */
  lambda: { functionName: string; memoryMb: number; region: string };
  /** Largest answer sent back, in bytes of JSON (Alexa's response limit). */
  maxResponseBytes: number;
  maxLogLines: number;
  maxLogBytes: number;
  /** doctor --offline: connections and DNS look-ups to hosts other than this machine fail. */
  offline?: boolean;
}
export interface InvokeMessage {
  type: 'invoke';
  id: number;
  event: unknown;
  timeoutMs: number;
  /** Secret values in this event, redacted from what the skill logs. */
  secrets?: string[];
}
type ParentMessage = LoadMessage | InvokeMessage;

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  code?: string;
}

export interface ChildLogLine {
  level: string;
  text: string;
}

export type ChildMessage =
  | { type: 'ready' }
  | { type: 'load-error'; error: SerializedError; logs: ChildLogLine[] }
  | {
      type: 'result';
      id: number;
      ok: true;
      response: unknown;
      ms: number;
      logs: ChildLogLine[];
      logsDropped: number;
      /** A callback handler that never called back: Lambda ended the invocation with null once the event loop was empty. */
      noCallback?: true;
    }
  | {
      type: 'result';
      id: number;
      ok: false;
      error: SerializedError;
      ms: number;
      logs: ChildLogLine[];
      logsDropped: number;
      tooLarge?: { bytes: number; limit: number };
      /** The callback came, but this work stayed pending (resource kinds, as process.getActiveResourcesInfo() names them): Lambda times out. The child is to be replaced. */
      pending?: string[];
    }
  | { type: 'crash'; error: SerializedError };

let settings: LoadMessage | undefined;

/** What one invocation (or the module's loading) logged, bounded. */
class LogBuffer {
  lines: ChildLogLine[] = [];
  bytes = 0;
  dropped = 0;
  constructor(
    readonly secrets: readonly string[],
    private readonly maxLines: number,
    private readonly maxBytes: number,
  ) {}

  add(level: string, raw: string): void {
    const parts = raw.replace(/\r?\n$/, '').split(/\r?\n/);
    for (const part of parts) {
      if (this.lines.length >= this.maxLines || this.bytes >= this.maxBytes) {
        this.dropped++;
        continue;
      }
      // Redacted before it is cut, so a secret straddling the cut cannot show even in part.
      let text = neutralizeControl(redactText(part, this.secrets), { newlines: 'escape' });
      const room = this.maxBytes - this.bytes;
      if (Buffer.byteLength(text) > room) text = `${Buffer.from(text).subarray(0, Math.max(0, room - 3)).toString('utf8').replace(/\uFFFD$/, '')}…`;
      this.bytes += Buffer.byteLength(text);
      this.lines.push({ level, text });
    }
  }
}

const als = new AsyncLocalStorage<LogBuffer>();
/** Output outside any invocation (while loading, or from a timer that lost its invocation). */
let loose = new LogBuffer([], 50, 4096);

function capture(level: string, text: string): void {
  (als.getStore() ?? loose).add(level, text);
}

for (const level of ['log', 'info', 'warn', 'error', 'debug', 'trace'] as const) {
  // eslint-disable-next-line no-console
  console[level] = (...args: unknown[]) => capture(level, level === 'trace' ? `Trace: ${format(...args)}` : format(...args));
}
for (const [stream, level] of [
  [process.stdout, 'stdout'],
  [process.stderr, 'stderr'],
] as const) {
  stream.write = ((chunk: unknown, encoding?: unknown, cb?: unknown) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.isBuffer(chunk) || chunk instanceof Uint8Array ? Buffer.from(chunk).toString(typeof encoding === 'string' ? (encoding as BufferEncoding) : 'utf8') : String(chunk);
    capture(level, text);
    const done = typeof encoding === 'function' ? encoding : cb;
    if (typeof done === 'function') queueMicrotask(() => (done as () => void)());
    return true;
  }) as typeof stream.write;
}

function serialize(err: unknown, secrets: readonly string[] = []): SerializedError {
  // Bounded, so a huge message cannot grow the parent; redacted before it is cut.
  const clean = (s: string) => {
    const t = neutralizeControl(redactText(s, secrets));
    return t.length > 2000 ? `${t.slice(0, 2000)}…` : t;
  };
  if (err instanceof Error) {
    const out: SerializedError = { name: clean(err.name), message: clean(err.message) };
    if (err.stack) out.stack = err.stack.split('\n').slice(0, 12).map(clean).join('\n');
    const code = (err as NodeJS.ErrnoException).code;
    if (typeof code === 'string') out.code = clean(code);
    return out;
  }
  if (typeof err === 'object' && err !== null && typeof (err as { message?: unknown }).message === 'string') {
    return { name: 'Error', message: clean((err as { message: string }).message) };
  }
  let text: string;
  try {
    text = typeof err === 'string' ? err : (JSON.stringify(err) ?? String(err));
  } catch {
    text = String(err);
  }
  return { name: 'Error', message: clean(text.slice(0, 2000)) };
}

function send(msg: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send(msg, undefined, {}, () => resolve());
  });
}

let handler: LambdaHandler | undefined;

async function load(msg: LoadMessage): Promise<void> {
  settings = msg;
  loose = new LogBuffer([], msg.maxLogLines, msg.maxLogBytes);
  if (msg.offline) cutNetwork();
  baseline = countResources();
  const takeLoose = () => {
    const logs = loose.lines;
    loose = new LogBuffer([], msg.maxLogLines, msg.maxLogBytes);
    return logs;
  };
  try {
    const mod = (await import(pathToFileURL(msg.file).href)) as Record<string, unknown>;
    const def = mod.default as Record<string, unknown> | undefined;
    // Own exports only: `toString`, `constructor`… are inherited by every CommonJS exports object.
    const own = (o: unknown, k: string) => o !== null && (typeof o === 'object' || typeof o === 'function') && Object.hasOwn(o, k);
    const candidate = (own(mod, msg.exportName) ? mod[msg.exportName] : undefined) ?? (def && typeof def === 'object' && own(def, msg.exportName) ? def[msg.exportName] : undefined) ?? (msg.exportName === 'default' ? def : undefined);
    if (typeof candidate !== 'function') {
      // The exported functions (what could be a handler); Node 23+ also lists a CommonJS module's
      // whole exports object as "module.exports", which is not a name the user can pass.
      const fnsOf = (o: unknown) => (o !== null && typeof o === 'object' ? Object.keys(o).filter((k) => typeof (o as Record<string, unknown>)[k] === 'function') : []);
      const names = [...new Set([...fnsOf(mod), ...fnsOf(def)])].filter((n) => n !== 'default' && n !== 'module.exports').sort();
      await send({
        type: 'load-error',
        error: {
          name: 'ExportNotFound',
          message: `${msg.file} exports no function "${msg.exportName}"${names.length ? ` (it exports: ${names.join(', ')})` : ''}.`,
        },
        logs: takeLoose(),
      });
      return;
    }
    handler = candidate as LambdaHandler;
    takeLoose();
    await send({ type: 'ready' });
  } catch (err) {
    await send({ type: 'load-error', error: serialize(err), logs: takeLoose() });
  }
}

/** The Lambda context object, with the real method and property names (aws-lambda's Context). */
function lambdaContext(deadline: number, settle: (err: unknown, result?: unknown) => void): Record<string, unknown> {
  const l = settings?.lambda ?? { functionName: 'alexa-link-replay', memoryMb: 512, region: 'us-east-1' };
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: l.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${l.region}:000000000000:function:${l.functionName}`,
    memoryLimitInMB: String(l.memoryMb),
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${l.functionName}`,
    logStreamName: `${new Date().toISOString().slice(0, 10).replace(/-/g, '/')}/[$LATEST]${randomUUID().replace(/-/g, '')}`,
    identity: undefined,
    clientContext: undefined,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: (e: unknown, r: unknown) => settle(e, r),
    fail: (e: unknown) => settle(e ?? new Error('context.fail() was called')),
    succeed: (r: unknown) => settle(null, r),
  };
}

/** Pending work of each kind (process.getActiveResourcesInfo()): timers, sockets, file operations… */
function countResources(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const r of process.getActiveResourcesInfo()) counts.set(r, (counts.get(r) ?? 0) + 1);
  return counts;
}

/** The child's own pending work (the IPC channel, stdio), counted before the skill's module loads. */
let baseline = countResources();

/** The kinds of pending work beyond the baseline, one entry per item ("Timeout", "TCPSocketWrap"); empty when the event loop would be empty in Lambda. */
export function pendingWork(now: ReadonlyMap<string, number>, base: ReadonlyMap<string, number>): string[] {
  const out: string[] = [];
  for (const [kind, n] of now) for (let i = base.get(kind) ?? 0; i < n; i++) out.push(kind);
  return out.sort();
}

/** The child reports pending work this long before the parent's timeout, so its report arrives first. */
function reportMargin(timeoutMs: number): number {
  return Math.min(250, Math.floor(timeoutMs / 4));
}

/** How an invocation ended: the handler's answer, and whether it was the null of an event loop that emptied without a callback. */
interface Settled {
  value: unknown;
  noCallback?: true;
}

/** A callback handler answered but left work pending past the deadline (Lambda: "Task timed out"). */
class PendingWorkError extends Error {
  constructor(readonly pending: string[]) {
    super('work stayed pending after the callback');
    this.name = 'PendingWork';
  }
}

/**
 * Calls `until` once the event loop holds no work beyond the baseline, or `late` at the deadline
 * if it never does. Checked first from an immediate (not pending work while its own callback
 * runs), then from unref'd timers (never pending work), so the check does not count itself.
 */
function whenLoopEmpty(deadline: number, until: () => void, late: (pending: string[]) => void): () => void {
  let stopped = false;
  let wait = 1;
  let timer: NodeJS.Timeout | undefined;
  const check = () => {
    immediate = undefined;
    if (stopped) return;
    const pending = pendingWork(countResources(), baseline);
    if (pending.length === 0) {
      stopped = true;
      until();
    } else if (Date.now() >= deadline) {
      stopped = true;
      late(pending);
    } else {
      timer = setTimeout(check, Math.min(wait, Math.max(1, deadline - Date.now()))).unref();
      wait = Math.min(wait * 2, 25);
    }
  };
  // After the current callbacks (the handler may close its pool right after calling back).
  let immediate: NodeJS.Immediate | undefined = setImmediate(check);
  return () => {
    stopped = true;
    clearTimeout(timer);
    if (immediate) clearImmediate(immediate);
  };
}

function invokeOnce(fn: LambdaHandler, event: unknown, timeoutMs: number): Promise<Settled> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (err: unknown, result: unknown, noCallback?: true) => {
      if (settled) return;
      settled = true;
      stopWatching();
      if (err !== null && err !== undefined) reject(err);
      else resolve(noCallback ? { value: null, noCallback } : { value: result });
    };
    let stopWatching = () => {};
    /** What the handler passed to its callback (or context.succeed/fail/done), the first time. */
    let answered: { err: unknown; result: unknown } | undefined;
    /** async: a promise came back (not waited for the loop); callback: anything else; undefined while the handler runs. */
    let style: 'async' | 'callback' | undefined;
    const context = lambdaContext(deadline, (err, result) => callback(err, result));
    const decide = () => {
      if (settled || style === undefined) return;
      if (answered && (style === 'async' || context.callbackWaitsForEmptyEventLoop === false)) return finish(answered.err, answered.result);
      if (style === 'async') return;
      stopWatching();
      const a = answered;
      stopWatching = a
        ? whenLoopEmpty(
            deadline - reportMargin(timeoutMs),
            () => finish(a.err, a.result),
            (pending) => (context.callbackWaitsForEmptyEventLoop === false ? finish(a.err, a.result) : finish(new PendingWorkError(pending), undefined)),
          )
        : // No callback yet: Lambda ends the invocation with null when the loop empties (a callback meanwhile takes over).
          whenLoopEmpty(deadline, () => finish(null, null, true), () => {});
    };
    const callback = (err: unknown, result?: unknown) => {
      if (answered || settled) return;
      answered = { err, result };
      decide();
    };
    const ret = fn(event, context, callback);
    if (ret && typeof (ret as Promise<unknown>).then === 'function') {
      style = 'async';
      (ret as Promise<unknown>).then(
        (r) => {
          // An async handler that also takes a callback and resolves with nothing answers through the callback.
          if (r === undefined && fn.length >= 3) return;
          finish(null, r);
        },
        (e: unknown) => finish(e ?? new Error('the handler rejected without a reason'), undefined),
      );
    } else style = 'callback';
    decide();
  });
}

async function invoke(msg: InvokeMessage): Promise<void> {
  const started = performance.now();
  const limits = settings ?? { maxLogLines: 50, maxLogBytes: 4096, maxResponseBytes: 24 * 1024 };
  const logs = new LogBuffer(msg.secrets ?? [], limits.maxLogLines, limits.maxLogBytes);
  const ms = () => Math.round(performance.now() - started);
  if (!handler) {
    await send({ type: 'result', id: msg.id, ok: false, error: { name: 'NotLoaded', message: 'the handler is not loaded' }, ms: 0, logs: [], logsDropped: 0 });
    return;
  }
  const fn = handler;
  let settledWith: Settled;
  try {
    settledWith = await als.run(logs, () => invokeOnce(fn, msg.event, msg.timeoutMs));
  } catch (err) {
    const pending = err instanceof PendingWorkError ? { pending: err.pending } : {};
    await send({ type: 'result', id: msg.id, ok: false, error: serialize(err, logs.secrets), ms: ms(), logs: logs.lines, logsDropped: logs.dropped, ...pending });
    return;
  }
  const response = settledWith.value;
  // What Lambda would send back: JSON. An answer that is not JSON, or larger than Alexa accepts, is refused here.
  let json: string | undefined;
  try {
    json = JSON.stringify(response);
  } catch (err) {
    const e = serialize(err);
    await send({ type: 'result', id: msg.id, ok: false, error: { name: 'NotJson', message: `the answer cannot be turned into JSON (${e.message}); Lambda fails the invocation` }, ms: ms(), logs: logs.lines, logsDropped: logs.dropped });
    return;
  }
  const bytes = json === undefined ? 0 : Buffer.byteLength(json);
  if (bytes > limits.maxResponseBytes) {
    await send({
      type: 'result',
      id: msg.id,
      ok: false,
      error: { name: 'TooLarge', message: `the answer is ${bytes} bytes` },
      tooLarge: { bytes, limit: limits.maxResponseBytes },
      ms: ms(),
      logs: logs.lines,
      logsDropped: logs.dropped,
    });
    return;
  }
  await send({ type: 'result', id: msg.id, ok: true, response, ms: ms(), logs: logs.lines, logsDropped: logs.dropped, ...(settledWith.noCallback ? { noCallback: true as const } : {}) });
}

async function crash(err: unknown): Promise<void> {
  await send({ type: 'crash', error: serialize(err, als.getStore()?.secrets ?? []) });
  process.exit(70);
}

process.on('uncaughtException', (err) => void crash(err));
process.on('unhandledRejection', (reason) => void crash(reason));
process.on('disconnect', () => process.exit(0));
process.on('message', (msg: ParentMessage) => {
  if (msg.type === 'load') void load(msg);
  else if (msg.type === 'invoke') void invoke(msg);
});
