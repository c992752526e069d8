import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { onCleanup } from '../../ui/lifecycle.js';
import type { Envelope } from '../envelopes.js';
import { MAX_LOG_BYTES, MAX_LOG_LINES, type LogLine, type TargetOutcome } from '../evidence.js';
import type { ChildMessage, SerializedError } from '../handler-child.js';
import type { CodeInfo } from '../kinds/types.js';
import type { ReplayTarget, SendHints } from './types.js';
import { InputError } from '../../errors.js';
import { isObject, readFileBounded, readJsonFile, readTextFileBounded } from '../../project/json-file.js';

/**
 * `--handler <file[#export]>`: the skill's Lambda handler, run in child processes, so a crash or a
 * hang in the skill cannot take doctor down. Like Lambda's containers, each child handles ONE
 * invocation at a time and is reused for the next (warm: module-level state persists between
 * invocations, as in Lambda, but concurrent requests never share it); up to `concurrency` children
 * run at once, started as they are needed. A hang past the timeout kills its child (and only its
 * own invocation fails); the next envelope gets a fresh one.
 */
export interface HandlerSpec {
  /** Absolute path of the handler file. */
  file: string;
  exportName: string;
  /** Working directory of the child (the code root, like Lambda's /var/task). */
  cwd: string;
  /** How the user named it, for the report. */
  label: string;
}

export interface HandlerTargetOptions {
  /** Per-envelope limit (Alexa waits 8 s for a skill). */
  timeoutMs: number;
  /** Limit for loading the handler (require of the SDK, etc.). */
  loadTimeoutMs?: number;
  /** The child's whole environment (a Lambda-like one: see lambda-env.ts); nothing else is passed. */
  env?: NodeJS.ProcessEnv;
  /** Each line the skill writes to its stdout/stderr file descriptors directly (shown with --verbose). */
  onLog?: (line: string) => void;
  /** The Lambda function's memory: the child's heap limit (default 512 MB). */
  memoryMb?: number;
  /** For the context object (functionName, invokedFunctionArn). */
  functionName?: string;
  region?: string;
  /** Largest answer accepted, in bytes of JSON (default 24 KB, Alexa's limit for a custom skill's response). */
  maxResponseBytes?: number;
  /** Invocations at once: up to this many children, each serving one at a time (default 1). */
  concurrency?: number;
  /** doctor --offline: the skill's connections and look-ups to hosts other than this machine fail. */
  offline?: boolean;
}

export const DEFAULT_MEMORY_MB = 512;
/** Alexa refuses a custom skill response larger than 24 kilobytes (Request and Response JSON Reference, "Response format"). */
export const ALEXA_RESPONSE_LIMIT_BYTES = 24 * 1024;

/** Path of the compiled child entry; from the TypeScript sources (tests), the built one in dist/. */
export function childEntryPath(): string {
  const sibling = fileURLToPath(new URL('../handler-child.js', import.meta.url));
  if (existsSync(sibling)) return sibling;
  const here = fileURLToPath(import.meta.url);
  const built = path.resolve(path.dirname(here), '../../../dist/replay/handler-child.js');
  if (existsSync(built)) return built;
  throw new Error(`handler-child.js is missing (looked at ${sibling} and ${built}); run the build (npx tsc -p tsconfig.build.json).`);
}

interface Job {
  id: number;
  envelope: Envelope;
  secrets: readonly string[];
  resolve: (o: TargetOutcome) => void;
  timer?: NodeJS.Timeout;
  started: number;
}

interface Worker {
  child: ChildProcess;
  ready: Promise<LoadFailure | undefined>;
  /** The invocation it is handling (one at a time, as a Lambda container). */
  job: Job | undefined;
  stderrTail: string[];
  lastCrash?: SerializedError;
  /** Loaded and served (or serving) invocations. */
  loaded: boolean;
  /** Set when we kill it on purpose, so its exit is not reported as a crash. */
  retired: boolean;
}

interface LoadFailure extends SerializedError {
  logs?: LogLine[];
}

/** Said of a callback handler that never called back: what Lambda made of it. */
const NO_CALLBACK_NOTE =
  "The handler returned without calling its callback (or context.succeed/done): Lambda ends such an invocation with null once the event loop is empty, and that null is the answer Alexa got.";

const PENDING_FIX =
  'Close what stays open once the answer is ready (end the database pool, clear the keep-alive timer, destroy the socket), or set context.callbackWaitsForEmptyEventLoop = false before calling back, so Lambda answers at once and freezes the rest until the next invocation.';

/** "2 timers, 1 socket: Timeout ×2, TCPSocketWrap": the pending work a child reported, in words and in Node's names. */
export function describePending(kinds: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const k of kinds) counts.set(k, (counts.get(k) ?? 0) + 1);
  const words = new Map<string, number>();
  for (const [k, n] of counts) {
    const w = k === 'Timeout' ? 'timer' : k === 'Immediate' ? 'immediate' : /^(?:TCP|Pipe|TTY|TLS|UDP)/.test(k) ? (/Server/.test(k) ? 'server' : 'socket') : /Req|Wrap$/.test(k) ? 'pending request' : 'handle';
    words.set(w, (words.get(w) ?? 0) + n);
  }
  const said = [...words].map(([w, n]) => `${n} ${w}${n === 1 ? '' : 's'}`).join(', ');
  const named = [...counts].map(([k, n]) => (n > 1 ? `${k} ×${n}` : k)).join(', ');
  return `${said}: ${named}`;
}

const TAIL_LINES = 20;
const TAIL_LINE_CHARS = 500;

/**
 * The hint for a module the skill requires that is not installed. aws-sdk (v2) came with Lambda's
 * Node.js runtimes up to nodejs16.x, so old skills never listed it; it is not on this machine.
 */
export function missingModuleHint(module: string, codeDirLabel: string): string {
  if (module === 'aws-sdk' || module.startsWith('aws-sdk/')) {
    return (
      `The skill needs aws-sdk (v2), which Lambda's Node.js runtimes up to nodejs16.x provided (Node.js 18 and newer runtimes, and this machine, do not).` +
      ` For local replays install it in ${codeDirLabel}: npm install --no-save aws-sdk@2. For Lambda's current runtimes, move to the AWS SDK v3 packages (@aws-sdk/client-…) and list them in package.json.`
    );
  }
  return `Install the skill's dependencies (npm install in ${codeDirLabel}).`;
}

function missingModule(message: string): string | undefined {
  const m = /Cannot find (?:module|package) '([^']+)'/.exec(message);
  if (!m || m[1]!.startsWith('.') || path.isAbsolute(m[1]!)) return undefined;
  return m[1]!;
}

function describeLoadError(e: SerializedError, spec: HandlerSpec): { message: string; hint: string } {
  const codeDir = path.relative(process.cwd(), spec.cwd) || '.';
  const missing = missingModule(e.message);
  if (missing) return { message: `Could not load the handler ${spec.label}: ${e.message.split('\n')[0]}`, hint: missingModuleHint(missing, codeDir) };
  if (e.code === 'ERR_MODULE_NOT_FOUND' || /Cannot find module/.test(e.message)) {
    return { message: `Could not load the handler ${spec.label}: ${e.message.split('\n')[0]}`, hint: 'Check the path given to --handler (build TypeScript code first).' };
  }
  if (e.code === 'ERR_UNKNOWN_FILE_EXTENSION' && /\.(c|m)?tsx?$/.test(spec.file)) {
    return {
      message: `Could not load the handler ${spec.label}: Node cannot run TypeScript source`,
      hint: 'Build it first (npm run build in the code folder) and pass the compiled file to --handler, such as lambda/dist/src/index.js.',
    };
  }
  if (e.name === 'ExportNotFound') {
    // The module loaded; the export named after # is not a function in it.
    const file = spec.label.includes('#') ? spec.label.slice(0, spec.label.lastIndexOf('#')) : spec.label;
    return {
      message: `The handler ${spec.label} is not there: ${e.message.split('\n')[0]}`,
      hint: `Name the exported function after # (--handler ${file}#<function>), as Lambda's handler setting does (file.function), or export "${spec.exportName}" from ${file}.`,
    };
  }
  return { message: `Could not load the handler ${spec.label}: ${e.name}: ${e.message.split('\n')[0]}`, hint: 'Fix that error: it happens when the module is loaded, before any request.' };
}

/** Children not yet exited: their process groups are killed when doctor itself exits. */
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

/** Kills the child's whole process group (the skill's own child processes too); ignores a group already gone. */
function killGroup(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, 'SIGKILL');
  } catch {
    try {
      child.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

/** package.json is read bounded, like every file of the user's (a FIFO or /dev/zero must not hang doctor). */
const PACKAGE_JSON_MAX = 1024 * 1024;

/**
 * The package.json Node itself reads when it loads the handler: the nearest one above the file
 * (its "type" makes a .js file CommonJS or ESM). Node reads it whole, unbounded: a link to
 * /dev/zero grew the handler's process to gigabytes, and a FIFO hung it, both reported as a load
 * timeout. Checked first with the bounded reader's rules (a regular file, at most 1 MB, at most the
 * one link): otherwise an InputError naming it. A folder or a dangling link there Node skips too.
 */
export async function checkPackageScope(file: string): Promise<void> {
  const { lstat } = await import('node:fs/promises');
  for (let dir = path.dirname(path.resolve(file)); ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'package.json');
    const st = await lstat(candidate).catch(() => undefined);
    if (st && !st.isDirectory()) {
      try {
        await readFileBounded(candidate, candidate, PACKAGE_JSON_MAX);
        return;
      } catch (err) {
        if (!(err instanceof InputError) || err.code !== 'E_INPUT_MISSING') {
          throw new InputError(`${err instanceof Error ? err.message.replace(/\.$/, '') : String(err)}: Node reads it whole when it loads the handler ${path.basename(file)}, so it is not loaded.`, {
            source: candidate,
            code: err instanceof InputError && err.code ? err.code : 'E_INPUT_NOT_FILE',
            hint: 'Make it a regular package.json file (or remove it).',
          });
        }
      }
    }
    if (path.dirname(dir) === dir || path.basename(dir) === 'node_modules') return;
  }
}

const REQUIRE = /\brequire\(\s*['"]([^'"\n]+)['"]\s*\)|\bfrom\s+['"]([^'"\n]+)['"]|\bimport\(\s*['"]([^'"\n]+)['"]\s*\)|^\s*import\s+['"]([^'"\n]+)['"]/gm;

/** Modules the handler file requires or imports, following its own relative requires a little way, and its package.json dependencies. */
export async function readCodeInfo(file: string, root: string): Promise<CodeInfo> {
  const requires = new Set<string>();
  const seen = new Set<string>();
  const visit = async (f: string, depth: number) => {
    if (seen.has(f) || seen.size >= 30) return;
    seen.add(f);
    let text: string;
    try {
      text = await readTextFileBounded(f, f, 2 * 1024 * 1024);
    } catch {
      return;
    }
    const local: string[] = [];
    for (const m of text.matchAll(REQUIRE)) {
      const spec = m[1] ?? m[2] ?? m[3] ?? m[4];
      if (!spec) continue;
      if (spec.startsWith('.')) local.push(spec);
      else if (!spec.startsWith('node:')) requires.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!);
    }
    if (depth >= 2) return;
    for (const l of local) {
      const base = path.resolve(path.dirname(f), l);
      for (const candidate of [base, `${base}.js`, `${base}.cjs`, `${base}.mjs`, path.join(base, 'index.js')]) {
        if (existsSync(candidate)) {
          await visit(candidate, depth + 1);
          break;
        }
      }
    }
  };
  await visit(file, 0);
  // The nearest package.json between the handler and the code root: what it depends on.
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    try {
      const doc = await readJsonFile(path.join(dir, 'package.json'), 'package.json', PACKAGE_JSON_MAX);
      const deps = isObject(doc) && isObject(doc.dependencies) ? doc.dependencies : {};
      for (const name of Object.keys(deps)) requires.add(name);
      break;
    } catch {
      /* none here */
    }
    if (dir === root || path.dirname(dir) === dir || !dir.startsWith(root)) break;
  }
  return { requires: [...requires].sort() };
}

export class HandlerTarget implements ReplayTarget {
  readonly name = 'the handler';
  readonly description: string;
  readonly usesNetwork = false;
  private readonly spec: HandlerSpec;
  private readonly opts: HandlerTargetOptions;
  /** Every live child; `idle` those loaded and free for the next invocation. */
  private readonly workers = new Set<Worker>();
  private idle: Worker[] = [];
  /** Invocations waiting for a child (all `concurrency` are busy). */
  private readonly queue: Job[] = [];
  private nextId = 1;
  private loadError: LoadFailure | undefined;
  private closed = false;
  private code: Promise<CodeInfo> | undefined;
  private readonly disposeCleanup: () => Promise<void>;
  /** Restarts after a crash or a hang (for the report and tests). */
  restarts = 0;

  constructor(spec: HandlerSpec, opts: HandlerTargetOptions) {
    this.spec = spec;
    this.opts = opts;
    this.description = `handler ${spec.label}`;
    this.disposeCleanup = onCleanup(() => this.kill());
  }

  codeInfo(): Promise<CodeInfo> {
    this.code ??= readCodeInfo(this.spec.file, this.spec.cwd);
    return this.code;
  }

  private get memoryMb(): number {
    return this.opts.memoryMb ?? DEFAULT_MEMORY_MB;
  }

  private spawn(): Worker {
    const child = fork(childEntryPath(), [], {
      cwd: this.spec.cwd,
      env: { ...(this.opts.env ?? process.env) },
      execArgv: [`--max-old-space-size=${this.memoryMb}`],
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'json',
      // Its own process group, so it and whatever the skill starts can be killed together.
      detached: true,
    });
    liveChildren.add(child);
    if (!exitHookInstalled) {
      // One hook for every child (not one listener each: --concurrency 64 would pass Node's listener limit).
      exitHookInstalled = true;
      process.once('exit', () => {
        for (const c of liveChildren) killGroup(c);
      });
    }
    const worker: Worker = {
      child,
      job: undefined,
      loaded: false,
      stderrTail: [],
      retired: false,
      ready: Promise.resolve(undefined),
    };
    const onLines = (stream: NodeJS.ReadableStream | null) => {
      if (!stream) return;
      let buf = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        buf += chunk;
        // A skill writing without newlines cannot grow this: keep the end only.
        if (buf.length > 64 * 1024) buf = buf.slice(-TAIL_LINE_CHARS);
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, i).slice(0, TAIL_LINE_CHARS);
          buf = buf.slice(i + 1);
          worker.stderrTail.push(line);
          if (worker.stderrTail.length > TAIL_LINES) worker.stderrTail.shift();
          this.opts.onLog?.(line);
        }
      });
    };
    onLines(child.stdout);
    onLines(child.stderr);
    worker.ready = new Promise<LoadFailure | undefined>((resolve) => {
      const loadTimeout = this.opts.loadTimeoutMs ?? Math.max(10_000, this.opts.timeoutMs);
      const timer = setTimeout(() => {
        resolve({ name: 'LoadTimeout', message: `loading the handler took longer than ${loadTimeout} ms` });
        worker.retired = true;
        killGroup(child);
      }, loadTimeout);
      const onMessage = (msg: ChildMessage) => {
        if (msg.type === 'ready') {
          clearTimeout(timer);
          resolve(undefined);
        } else if (msg.type === 'load-error') {
          clearTimeout(timer);
          resolve({ ...msg.error, logs: msg.logs });
        }
      };
      child.on('message', onMessage);
      child.once('exit', (code, signal) => {
        clearTimeout(timer);
        resolve(worker.lastCrash ?? { name: 'Exit', message: `the handler process exited while loading (${signal ?? `exit code ${code}`})${worker.stderrTail.length ? `: ${worker.stderrTail.slice(-3).join(' / ')}` : ''}` });
      });
    });
    child.on('message', (msg: ChildMessage) => this.onMessage(worker, msg));
    child.on('exit', (code, signal) => this.onExit(worker, code, signal));
    child.on('error', () => {
      /* 'exit' follows and reports it */
    });
    child.send({
      type: 'load',
      file: this.spec.file,
      exportName: this.spec.exportName,
      lambda: { functionName: this.opts.functionName ?? 'alexa-link-replay', memoryMb: this.memoryMb, region: this.opts.region ?? 'us-east-1' },
      maxResponseBytes: this.opts.maxResponseBytes ?? ALEXA_RESPONSE_LIMIT_BYTES,
      maxLogLines: MAX_LOG_LINES,
      maxLogBytes: MAX_LOG_BYTES,
      ...(this.opts.offline ? { offline: true } : {}),
    });
    this.workers.add(worker);
    return worker;
  }

  private get maxWorkers(): number {
    return Math.max(1, Math.floor(this.opts.concurrency ?? 1));
  }

  /** Takes the child out of service and kills its group (its exit is then not a crash). */
  private retire(worker: Worker): void {
    worker.retired = true;
    this.workers.delete(worker);
    this.idle = this.idle.filter((w) => w !== worker);
    killGroup(worker.child);
  }

  /** The invocation on `worker` is over: the child takes the next waiting one, or waits idle. */
  private release(worker: Worker): void {
    worker.job = undefined;
    const alive = !worker.retired && worker.child.exitCode === null && worker.child.signalCode === null;
    if (!alive) {
      this.workers.delete(worker);
      this.pump();
      return;
    }
    const next = this.queue.shift();
    if (next) this.run(worker, next);
    else this.idle.push(worker);
  }

  /** Starts waiting invocations on children freed or newly allowed. */
  private pump(): void {
    while (this.queue.length && this.workers.size < this.maxWorkers && !this.closed) void this.dispatch(this.queue.shift()!);
  }

  private onMessage(worker: Worker, msg: ChildMessage): void {
    if (msg.type === 'crash') {
      worker.lastCrash = msg.error;
      return;
    }
    if (msg.type !== 'result') return;
    const job = worker.job;
    if (!job || job.id !== msg.id) return;
    clearTimeout(job.timer);
    // Lambda starts a fresh environment after a timeout; the pending work must not leak into the next invocation.
    if (!msg.ok && msg.pending) this.retire(worker);
    this.release(worker);
    const logs = { logs: msg.logs, logsDropped: msg.logsDropped };
    if (msg.ok) {
      job.resolve({ status: 200, latencyMs: msg.ms, response: msg.response, ...logs, ...(msg.noCallback ? { note: NO_CALLBACK_NOTE } : {}) });
      return;
    }
    const e = msg.error;
    if (msg.pending) {
      job.resolve({
        status: null,
        latencyMs: msg.ms,
        ...logs,
        error: {
          kind: 'timeout',
          message: `The handler called back with its answer, but left work pending (${describePending(msg.pending)}) until the ${this.opts.timeoutMs} ms limit: with context.callbackWaitsForEmptyEventLoop true (the default), Lambda sends the answer only once the event loop is empty, so this invocation times out and Alexa says there was a problem with the skill's response.`,
          hint: PENDING_FIX,
        },
      });
      return;
    }
    if (msg.tooLarge) {
      const kb = (n: number) => `${Math.round((n / 1024) * 10) / 10} KB`;
      job.resolve({
        status: null,
        latencyMs: msg.ms,
        ...logs,
        error: {
          kind: 'too-large',
          message: `The handler answered with ${kb(msg.tooLarge.bytes)} (${msg.tooLarge.bytes} bytes) of JSON: Alexa refuses a skill response larger than ${kb(msg.tooLarge.limit)} (${msg.tooLarge.limit} bytes), and the user hears that the skill had a problem. Keep session attributes, directives (APL documents) and speech small.`,
        },
      });
      return;
    }
    const missing = missingModule(e.message);
    const hint = missing ? missingModuleHint(missing, path.relative(process.cwd(), this.spec.cwd) || '.') : undefined;
    job.resolve({
      status: null,
      latencyMs: msg.ms,
      ...logs,
      thrown: e,
      error: { kind: 'threw', message: `The handler failed: ${e.name && e.name !== 'Error' ? `${e.name}: ` : ''}${e.message}.`.replace(/\.\.$/, '.'), ...(hint ? { hint } : {}) },
    });
  }

  private onExit(worker: Worker, code: number | null, signal: NodeJS.Signals | null): void {
    liveChildren.delete(worker.child);
    // Whatever the skill started in the child's group goes with it.
    killGroup(worker.child);
    this.workers.delete(worker);
    this.idle = this.idle.filter((w) => w !== worker);
    const job = worker.job;
    worker.job = undefined;
    if (!job) {
      // One that died while loading: its loader reports it (and a load failure stops the others).
      if (worker.loaded) this.pump();
      return;
    }
    clearTimeout(job.timer);
    if (worker.retired) {
      // Stopped on purpose (Ctrl-C, close) while this envelope was in flight.
      job.resolve({ status: null, latencyMs: Date.now() - job.started, error: { kind: 'crash', message: 'The handler process was stopped while this envelope was in flight.' } });
      this.pump();
      return;
    }
    const outOfMemory = worker.stderrTail.some((l) => /heap out of memory|Reached heap limit|Allocation failed/i.test(l));
    const how = outOfMemory
      ? `it ran out of memory: its heap limit is ${this.memoryMb} MB (the Lambda function's memory setting; --memory <MB> to change it), and Lambda ends an invocation that needs more the same way`
      : worker.lastCrash
        ? `${worker.lastCrash.name && worker.lastCrash.name !== 'Error' ? `${worker.lastCrash.name}: ` : ''}${worker.lastCrash.message}`
        : `it exited with ${signal ?? `code ${code}`}${worker.stderrTail.length ? ` (${worker.stderrTail.slice(-3).join(' / ')})` : ''}`;
    this.restarts++;
    job.resolve({
      status: null,
      latencyMs: Date.now() - job.started,
      ...(worker.lastCrash ? { thrown: worker.lastCrash } : {}),
      error: { kind: 'crash', message: `The handler process crashed: ${how}. In Lambda this ends the invocation with an error and Alexa says there was a problem with the skill's response.` },
    });
    this.pump();
  }

  private async dispatch(job: Job): Promise<void> {
    // Closed (or killed on Ctrl-C) while this envelope waited: no new child for it.
    if (this.closed) {
      job.resolve({ status: null, latencyMs: Date.now() - job.started, error: { kind: 'crash', message: 'The handler process was stopped while this envelope was in flight.' } });
      return;
    }
    if (this.loadError) return this.failLoad(job, this.loadError);
    const idle = this.idle.pop();
    if (idle) return this.run(idle, job);
    if (this.workers.size >= this.maxWorkers) {
      this.queue.push(job);
      return;
    }
    // Counted in `workers` while it loads, so the next job starts another child (up to the limit).
    const w = this.spawn();
    const err = await w.ready;
    if (err) {
      this.loadError ??= err;
      this.retire(w);
      this.failLoad(job, err);
      // The module is the same for every child: the waiting envelopes get the same answer.
      for (const waiting of this.queue.splice(0)) this.failLoad(waiting, err);
      return;
    }
    if (w.child.exitCode !== null || w.child.signalCode !== null || w.retired) {
      this.workers.delete(w);
      return this.dispatch(job);
    }
    w.loaded = true;
    this.run(w, job);
  }

  private failLoad(job: Job, err: LoadFailure): void {
    const { message, hint } = describeLoadError(err, this.spec);
    job.resolve({ status: null, latencyMs: 0, logs: err.logs ?? [], error: { kind: 'load', message, hint } });
  }

  /** Sends the invocation to a free child and starts its timer. */
  private run(w: Worker, job: Job): void {
    if (w.retired || w.child.exitCode !== null || w.child.signalCode !== null) {
      this.workers.delete(w);
      void this.dispatch(job);
      return;
    }
    job.started = Date.now();
    w.job = job;
    job.timer = setTimeout(() => {
      if (w.job !== job) return;
      w.job = undefined;
      job.resolve({
        status: null,
        latencyMs: Date.now() - job.started,
        error: {
          kind: 'timeout',
          message: `The handler did not answer within ${this.opts.timeoutMs} ms: it hangs (a callback never called, a promise never settled, or a call without a timeout). Alexa gives up after 8 s.`,
        },
      });
      this.restarts++;
      this.retire(w);
      this.pump();
    }, this.opts.timeoutMs);
    try {
      w.child.send({ type: 'invoke', id: job.id, event: job.envelope, timeoutMs: this.opts.timeoutMs, ...(job.secrets.length ? { secrets: job.secrets } : {}) });
    } catch {
      /* the child died; its exit reports the job */
    }
  }

  send(envelope: Envelope, _signal?: AbortSignal, hints?: SendHints): Promise<TargetOutcome> {
    if (this.closed) return Promise.reject(new Error('HandlerTarget is closed'));
    return new Promise<TargetOutcome>((resolve) => {
      const job: Job = { id: this.nextId++, envelope, secrets: hints?.secrets ?? [], resolve, started: Date.now() };
      void this.dispatch(job);
    });
  }

  /** Fails the invocations still waiting for a child (closing). */
  private dropQueue(): void {
    for (const job of this.queue.splice(0)) job.resolve({ status: null, latencyMs: Date.now() - job.started, error: { kind: 'crash', message: 'The handler process was stopped while this envelope was in flight.' } });
  }

  /** Ctrl-C: kill every child's group and wait (briefly) until they are gone, so they are reaped, not left zombies. */
  private async kill(): Promise<void> {
    this.closed = true;
    this.dropQueue();
    const all = [...this.workers];
    this.workers.clear();
    this.idle = [];
    await Promise.all(
      all.map(async (w) => {
        w.retired = true;
        if (w.child.exitCode === null && w.child.signalCode === null) {
          const exited = new Promise<void>((resolve) => w.child.once('exit', () => resolve()));
          killGroup(w.child);
          await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 1000).unref())]);
        } else killGroup(w.child);
      }),
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    this.dropQueue();
    const all = [...this.workers];
    this.workers.clear();
    this.idle = [];
    await Promise.all(
      all.map(async (w) => {
        w.retired = true;
        if (w.child.exitCode === null && w.child.signalCode === null) {
          const exited = new Promise<void>((resolve) => w.child.once('exit', () => resolve()));
          w.child.disconnect?.();
          const t = setTimeout(() => killGroup(w.child), 1000);
          await exited;
          clearTimeout(t);
        }
        killGroup(w.child);
      }),
    );
    await this.disposeCleanup();
  }
}

/** Parses --handler <file[#export]> (default export name: handler). */
export function parseHandlerSpec(value: string, cwd: string): HandlerSpec {
  const hash = value.lastIndexOf('#');
  const file = hash > 0 ? value.slice(0, hash) : value;
  const exportName = hash > 0 ? value.slice(hash + 1) || 'handler' : 'handler';
  const abs = path.resolve(cwd, file);
  return { file: abs, exportName, cwd: path.dirname(abs), label: value.includes('#') ? value : `${value}#${exportName}` };
}

/**
 * The skill's handler in its code folder (ask-resources.json code.default.src), the way Lambda
 * finds it: the deployer's `handler` setting ("index.handler" → index.js, export handler), else
 * package.json "main", else index.js; for TypeScript code, the compiled file (dist/ or build/).
 */
export async function findHandlerInCodeDir(
  codeDir: string,
  opts: {
    handlerSetting?: string | undefined;
    root: string;
    /** Where the code folder was named, for messages (default: ask-resources.json code.default.src). */
    codeFrom?: string | undefined;
    /** Where the handler setting was read, for messages (default: ask-resources.json skillInfrastructure.userConfig.handler). */
    handlerFrom?: string | undefined;
  },
): Promise<{ spec: HandlerSpec } | { reason: string; fix: string }> {
  const { stat } = await import('node:fs/promises');
  const rel = (p: string) => path.relative(opts.root, p) || '.';
  const isFile = async (p: string) => {
    try {
      return (await stat(p)).isFile();
    } catch {
      return false;
    }
  };
  try {
    if (!(await stat(codeDir)).isDirectory()) throw new Error('not a directory');
  } catch {
    const from = opts.codeFrom ?? 'code.default.src in ask-resources.json';
    return { reason: `the code folder ${rel(codeDir)} (${from}) does not exist`, fix: `Point ${opts.codeFrom ?? 'code.default.src'} at the skill code, or pass --handler <file[#export]>.` };
  }
  const spec = (file: string, exportName: string): { spec: HandlerSpec } => ({ spec: { file, exportName, cwd: codeDir, label: `${rel(file)}#${exportName}` } });
  const withExt = async (base: string) => {
    for (const ext of ['', '.js', '.mjs', '.cjs']) if (await isFile(base + ext)) return base + ext;
    return undefined;
  };
  const tsSources = (await isFile(path.join(codeDir, 'tsconfig.json'))) || (await isFile(path.join(codeDir, 'src', 'index.ts'))) || (await isFile(path.join(codeDir, 'index.ts')));
  const notBuilt = { reason: `the TypeScript code in ${rel(codeDir)} is not built (no compiled handler found)`, fix: `Build it first (npm run build in ${rel(codeDir)}), or pass --handler <compiled file>.` };

  if (opts.handlerSetting) {
    const dot = opts.handlerSetting.lastIndexOf('.');
    const fileBase = dot > 0 ? opts.handlerSetting.slice(0, dot) : opts.handlerSetting;
    const exportName = dot > 0 ? opts.handlerSetting.slice(dot + 1) : 'handler';
    const found = await withExt(path.join(codeDir, fileBase));
    if (found) return spec(found, exportName);
    if (tsSources) {
      for (const out of ['dist', 'build', 'out']) {
        const compiled = await withExt(path.join(codeDir, out, fileBase));
        if (compiled) return spec(compiled, exportName);
      }
      return notBuilt;
    }
    return {
      reason: `the Lambda handler "${opts.handlerSetting}" (${opts.handlerFrom ?? 'skillInfrastructure.userConfig.handler'}) names ${rel(path.join(codeDir, fileBase))}.js, which does not exist`,
      fix: `Fix the handler setting (${opts.handlerFrom ?? 'ask-resources.json skillInfrastructure.userConfig.handler'}), or pass --handler <file[#export]>.`,
    };
  }
  try {
    const pkg = await readJsonFile(path.join(codeDir, 'package.json'), 'package.json', PACKAGE_JSON_MAX);
    if (isObject(pkg) && typeof pkg.main === 'string') {
      const found = await withExt(path.join(codeDir, pkg.main));
      if (found) return spec(found, 'handler');
      if (tsSources) return notBuilt;
    }
  } catch {
    /* no package.json, or not JSON: fall through */
  }
  const index = await withExt(path.join(codeDir, 'index'));
  if (index) return spec(index, 'handler');
  if (tsSources) {
    for (const out of ['dist', 'build', 'out']) {
      const compiled = await withExt(path.join(codeDir, out, 'index'));
      if (compiled) return spec(compiled, 'handler');
    }
    return notBuilt;
  }
  return { reason: `no handler found in ${rel(codeDir)} (no handler setting, package.json main or index.js)`, fix: 'Pass --handler <file[#export]>, or --endpoint <url> for a running skill.' };
}
