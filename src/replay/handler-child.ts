/**
 * Child-process entry that hosts a skill's Lambda handler for `doctor --handler`, so a crash or a
 * hang in the skill cannot take doctor down. The parent sends {type:'load'} once, then any number
 * of {type:'invoke'} messages over IPC; each answer names the invocation it belongs to.
 *
 * Loads CommonJS and ESM handlers alike (import() of a CommonJS file yields module.exports as the
 * default export), and calls them the way Lambda does: (event, context, callback), honouring a
 * returned promise (async handlers) or the callback (ask-sdk-core's skill.lambda()).
 */
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';

type LambdaHandler = (event: unknown, context: Record<string, unknown>, callback: (err: unknown, result?: unknown) => void) => unknown;

interface LoadMessage {
  type: 'load';
  file: string;
  exportName: string;
}
interface InvokeMessage {
  type: 'invoke';
  id: number;
  event: unknown;
  timeoutMs: number;
}
type ParentMessage = LoadMessage | InvokeMessage;

export interface SerializedError {
  name: string;
  message: string;
  stack?: string;
  code?: string;
}

export type ChildMessage =
  | { type: 'ready' }
  | { type: 'load-error'; error: SerializedError }
  | { type: 'result'; id: number; ok: true; response: unknown; ms: number }
  | { type: 'result'; id: number; ok: false; error: SerializedError; ms: number }
  | { type: 'crash'; error: SerializedError };

function serialize(err: unknown): SerializedError {
  if (err instanceof Error) {
    const out: SerializedError = { name: err.name, message: err.message };
    if (err.stack) out.stack = err.stack;
    const code = (err as NodeJS.ErrnoException).code;
    if (typeof code === 'string') out.code = code;
    return out;
  }
  if (typeof err === 'object' && err !== null && typeof (err as { message?: unknown }).message === 'string') {
    return { name: 'Error', message: (err as { message: string }).message };
  }
  return { name: 'Error', message: typeof err === 'string' ? err : JSON.stringify(err) ?? String(err) };
}

function send(msg: ChildMessage): Promise<void> {
  return new Promise((resolve) => {
    if (!process.send) return resolve();
    process.send(msg, undefined, {}, () => resolve());
  });
}

let handler: LambdaHandler | undefined;

async function load(msg: LoadMessage): Promise<void> {
  try {
    const mod = (await import(pathToFileURL(msg.file).href)) as Record<string, unknown>;
    const def = mod.default as Record<string, unknown> | undefined;
    // Own exports only: `toString`, `constructor`… are inherited by every CommonJS exports object.
    const own = (o: unknown, k: string) => o !== null && (typeof o === 'object' || typeof o === 'function') && Object.hasOwn(o, k);
    const candidate = (own(mod, msg.exportName) ? mod[msg.exportName] : undefined) ?? (def && typeof def === 'object' && own(def, msg.exportName) ? def[msg.exportName] : undefined) ?? (msg.exportName === 'default' ? def : undefined);
    if (typeof candidate !== 'function') {
      const names = [...new Set([...Object.keys(mod), ...(def && typeof def === 'object' ? Object.keys(def) : [])])].filter((n) => n !== 'default');
      await send({
        type: 'load-error',
        error: {
          name: 'ExportNotFound',
          message: `${msg.file} exports no function "${msg.exportName}"${names.length ? ` (it exports: ${names.join(', ')})` : ''}.`,
        },
      });
      return;
    }
    handler = candidate as LambdaHandler;
    await send({ type: 'ready' });
  } catch (err) {
    await send({ type: 'load-error', error: serialize(err) });
  }
}

function invokeOnce(fn: LambdaHandler, event: unknown, timeoutMs: number): Promise<unknown> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (err: unknown, result?: unknown) => {
      if (settled) return;
      settled = true;
      if (err !== null && err !== undefined) reject(err);
      else resolve(result);
    };
    const context: Record<string, unknown> = {
      awsRequestId: randomUUID(),
      functionName: 'alexa-link-replay',
      functionVersion: '$LATEST',
      invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:alexa-link-replay',
      memoryLimitInMB: '128',
      logGroupName: '/aws/lambda/alexa-link-replay',
      logStreamName: 'alexa-link-replay',
      callbackWaitsForEmptyEventLoop: true,
      getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
      succeed: (r: unknown) => settle(null, r),
      fail: (e: unknown) => settle(e ?? new Error('context.fail() was called')),
      done: (e: unknown, r: unknown) => settle(e, r),
    };
    const ret = fn(event, context, settle);
    if (ret && typeof (ret as Promise<unknown>).then === 'function') {
      (ret as Promise<unknown>).then(
        (r) => {
          // An async handler that also takes a callback and resolves with nothing answers through the callback.
          if (r === undefined && fn.length >= 3) return;
          settle(null, r);
        },
        (e: unknown) => settle(e ?? new Error('the handler rejected without a reason')),
      );
    }
  });
}

async function invoke(msg: InvokeMessage): Promise<void> {
  const started = performance.now();
  if (!handler) {
    await send({ type: 'result', id: msg.id, ok: false, error: { name: 'NotLoaded', message: 'the handler is not loaded' }, ms: 0 });
    return;
  }
  try {
    const response = await invokeOnce(handler, msg.event, msg.timeoutMs);
    await send({ type: 'result', id: msg.id, ok: true, response, ms: Math.round(performance.now() - started) });
  } catch (err) {
    await send({ type: 'result', id: msg.id, ok: false, error: serialize(err), ms: Math.round(performance.now() - started) });
  }
}

async function crash(err: unknown): Promise<void> {
  await send({ type: 'crash', error: serialize(err) });
  process.exit(70);
}

process.on('uncaughtException', (err) => void crash(err));
process.on('unhandledRejection', (reason) => void crash(reason));
process.on('disconnect', () => process.exit(0));
process.on('message', (msg: ParentMessage) => {
  if (msg.type === 'load') void load(msg);
  else if (msg.type === 'invoke') void invoke(msg);
});
