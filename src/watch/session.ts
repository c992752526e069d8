import { createTarget } from '../doctor/checks/replays.js';
import { buildDoctorContext, type DoctorContext, type TargetChoice } from '../doctor/context.js';
import { doctorOptions } from '../doctor/run.js';
import { readEnvFile } from '../replay/lambda-env.js';
import { AlexaLinkError, describeError, InputError, UsageError } from '../errors.js';
import { HttpError, type HttpRequest, type HttpResponse } from '../net/http.js';
import { connectWebSocket, type OpenWebSocket } from '../net/websocket.js';
import { isObject } from '../project/json-file.js';
import type { ReplayTarget } from '../replay/targets/types.js';
import type { TargetOutcome } from '../replay/verdict.js';
import { loadCredentials } from '../smapi/credentials.js';
import { onCleanup } from '../ui/lifecycle.js';
import { excerpt } from '../ui/redact.js';
import type { Output } from '../ui/output.js';
import { createAccessTokenSource, type AccessTokenSource } from './access-token.js';
import { answerEvent, failureWords, forwardUnjudged, judgeLive, recognise, replayJson, serviceAnswer, unjudgedResult, type Recognised } from './judge.js';
import { formatLine, LINE_HANG, type LiveLine } from './line.js';
import { INITIAL_NARRATIVE, isSkillEvent, narrate, type Mark, type NarrativeState } from './narrative.js';
import {
  connectHeaders,
  debugBaseUrl,
  debugEndpointUrl,
  explainRejection,
  failureMessage,
  HEARTBEAT_INTERVAL_MS,
  parseServiceMessage,
  SESSION_LIMIT_MS,
  successMessage,
  type DebugRegion,
  type ServiceRequest,
} from './protocol.js';
import { chooseRegion, type RegionChoice } from './region.js';
import { createEnvelopeSaver, type EnvelopeSaver } from './save.js';

/**
 * `alexa-link watch` without the command line: connect to Amazon's skill debugging service with
 * the developer's credentials, route every request to the local skill (doctor's child runner or a
 * local endpoint), answer the service, and show each request as one line with doctor's verdict and
 * the linking story (narrative.ts). Keeps the session alive: heartbeat pings, reconnects with
 * backoff after a drop, a new session before the service's one-hour limit, a new access token
 * through the credential chain when the old one is refused or expires.
 */
export interface WatchOptions {
  cwd: string;
  profile: string | undefined;
  skillId: string | undefined;
  region: DebugRegion | undefined;
  target: Extract<TargetChoice, { kind: 'default' | 'handler' | 'endpoint' }>;
  save: { dir: string; redact: boolean } | undefined;
  maxRequests: number | undefined;
  durationMs: number | undefined;
  /** --env-file: the skill's own settings for the handler child (doctor's Lambda-like environment otherwise). */
  envFile?: string;
}

export interface WatchTiming {
  heartbeatMs: number;
  /** A ping without a pong for this long means the connection is dead. */
  pongTimeoutMs: number;
  sessionLimitMs: number;
  /** Open the next session this long before the limit. */
  renewBeforeMs: number;
  backoffBaseMs: number;
  backoffCapMs: number;
  /** Failed connection attempts in a row before giving up. */
  maxConnectFailures: number;
  handshakeTimeoutMs: number;
  /** Alexa's limit for a skill's answer. */
  skillTimeoutMs: number;
}

export const DEFAULT_TIMING: WatchTiming = {
  heartbeatMs: HEARTBEAT_INTERVAL_MS,
  pongTimeoutMs: 60_000,
  sessionLimitMs: SESSION_LIMIT_MS,
  renewBeforeMs: 2 * 60_000,
  backoffBaseMs: 1000,
  backoffCapMs: 30_000,
  maxConnectFailures: 8,
  handshakeTimeoutMs: 15_000,
  skillTimeoutMs: 8000,
};

export interface WatchDeps {
  out: Output;
  env: NodeJS.ProcessEnv;
  signal?: AbortSignal;
  homeDir?: string;
  timing?: Partial<WatchTiming>;
  now?: () => Date;
  /** HTTP for Login with Amazon (tests). */
  http?: (req: HttpRequest) => Promise<HttpResponse>;
  random?: () => number;
}

export type StopReason = 'max-requests' | 'duration' | 'interrupted' | 'error';

export interface WatchEntry extends ReturnType<typeof replayJson> {
  receivedAt: string;
  label: string;
  marks: Mark[];
  /** The file the envelope was saved to (--save). */
  saved?: string;
}

export interface WatchDocument {
  ok: boolean;
  skillId: string;
  region: DebugRegion;
  target: string;
  stopped: StopReason;
  summary: { requests: number; pass: number; warn: number; fail: number; sessions: number; reconnects: number };
  requests: WatchEntry[];
  saved: { dir: string; tokens: 'kept' | 'removed' } | null;
  error?: { code: string; message: string; hint: string | null };
}

interface Setup {
  skillId: string;
  region: RegionChoice;
  url: string;
  custom: boolean;
  target: ReplayTarget;
  tokens: AccessTokenSource;
  saver: EnvelopeSaver | undefined;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function seconds(ms: number): string {
  if (ms >= 3_600_000 && ms % 3_600_000 === 0) return plural(ms / 3_600_000, 'hour');
  if (ms >= 60_000 && ms % 60_000 === 0) return `${ms / 60_000} min`;
  return ms >= 1000 ? `${Math.round(ms / 100) / 10} s` : `${ms} ms`;
}

/** Reads the project and flags into what a session needs; every problem is reported before connecting. */
async function prepare(options: WatchOptions, deps: WatchDeps, timing: WatchTiming): Promise<Setup> {
  const { out } = deps;
  const ctx: DoctorContext = await buildDoctorContext(
    doctorOptions(options.cwd, { profile: options.profile, skillId: options.skillId, target: options.target, timeoutMs: timing.skillTimeoutMs }),
    {
      env: deps.env,
      ...(deps.homeDir ? { homeDir: deps.homeDir } : {}),
      ...(deps.signal ? { signal: deps.signal } : {}),
      addSecret: (v) => out.addSecret(v),
      debug: (line) => out.debug(line),
      info: (line) => out.info(line),
    },
  );
  if (options.envFile) ctx.skillEnv = await readEnvFile(options.envFile, options.cwd);
  if (!ctx.skillId.ok) {
    throw new UsageError(`watch needs the skill ID: ${ctx.skillId.reason || 'no skill project here'}.`, {
      hint: ctx.skillId.fix ?? 'Run it in the skill project (its .ask/ask-states.json has the ID once deployed), or pass --skill-id amzn1.ask.skill.…',
    });
  }
  const region = chooseRegion(options.region, ctx.manifest.ok ? ctx.manifest.value.endpoints : undefined);
  const { base, custom } = debugBaseUrl(deps.env, region.region);
  const chosen = await createTarget(ctx);
  if ('reason' in chosen) {
    throw new InputError(`watch has no skill to route requests to: ${chosen.reason}.`, { source: '--handler', hint: chosen.fix });
  }
  const tokens = createAccessTokenSource({
    loadCredentials: async () => {
      const creds = await loadCredentials({ env: deps.env, profile: options.profile, ...(deps.homeDir ? { homeDir: deps.homeDir } : {}), now: (deps.now ?? (() => new Date()))() });
      // The ASK CLI refreshed an expired profile: said, as configure and doctor do.
      for (const n of creds.notes ?? []) out.info(n);
      return creds;
    },
    ...(deps.http ? { http: deps.http } : {}),
    addSecret: (v) => out.addSecret(v),
    ...(deps.now ? { now: deps.now } : {}),
    ...(deps.signal ? { signal: deps.signal } : {}),
  });
  try {
    const creds = await ctx.credentials();
    for (const w of creds.ok ? creds.value.warnings : []) out.warn(w);
    // The first token now, so missing credentials stop the watch before anything starts.
    await tokens.current();
  } catch (err) {
    await chosen.target.close();
    throw err;
  }
  let saver: EnvelopeSaver | undefined;
  if (options.save) {
    try {
      saver = await createEnvelopeSaver({ ...options.save, cwd: options.cwd, ...(deps.now ? { now: deps.now() } : {}) });
    } catch (err) {
      await chosen.target.close();
      throw err;
    }
  }
  return { skillId: ctx.skillId.value, region, url: debugEndpointUrl(base, ctx.skillId.value), custom, target: chosen.target, tokens, saver };
}

type CloseInfo = { code: number; reason: string; byUs: boolean };

interface ConnectionEvents {
  closed?: CloseInfo;
  onClose?: (info: CloseInfo) => void;
  onPong?: () => void;
}

interface Pending {
  seq: number;
  at: Date;
  request: ServiceRequest;
  recognised: Recognised;
  work: Promise<{ result: ReturnType<typeof unjudgedResult>; outcome: TargetOutcome } | undefined>;
}

/** Runs a watch until it is stopped; returns the exit code and the --json document (already printed). */
export async function runWatch(options: WatchOptions, deps: WatchDeps): Promise<{ exitCode: 0 | 1 | 130; doc: WatchDocument }> {
  const timing: WatchTiming = { ...DEFAULT_TIMING, ...deps.timing };
  const setup = await prepare(options, deps, timing);
  return new LiveWatch(options, deps, timing, setup).run();
}

class LiveWatch {
  private readonly out: Output;
  private readonly now: () => Date;
  private readonly random: () => number;
  /** Aborted when the watch stops: cancels waits, connection attempts and requests in flight. */
  private readonly stopping = new AbortController();
  private stopReason: StopReason | undefined;
  private fatal: AlexaLinkError | undefined;
  private socket: OpenWebSocket | undefined;
  private received = 0;
  private readonly entries: WatchEntry[] = [];
  private readonly counts = { pass: 0, warn: 0, fail: 0 };
  private narrative: NarrativeState = INITIAL_NARRATIVE;
  /** Reports requests in arrival order, whatever order their answers come in. */
  private reportChain: Promise<void> = Promise.resolve();
  private readonly inFlight = new Set<Promise<unknown>>();
  private sessions = 0;
  private reconnects = 0;

  constructor(
    private readonly options: WatchOptions,
    private readonly deps: WatchDeps,
    private readonly timing: WatchTiming,
    private readonly setup: Setup,
  ) {
    this.out = deps.out;
    this.now = deps.now ?? (() => new Date());
    this.random = deps.random ?? Math.random;
  }

  private stop(reason: StopReason): void {
    if (this.stopReason) return;
    this.stopReason = reason;
    this.stopping.abort();
  }

  async run(): Promise<{ exitCode: 0 | 1 | 130; doc: WatchDocument }> {
    let resolveFinished!: () => void;
    const finished = new Promise<void>((r) => (resolveFinished = r));
    // Ctrl-C, SIGTERM or SIGHUP: the CLI aborts the command's signal, then runs the cleanups; this
    // one waits (briefly) until the socket is closed, the skill's child is gone and the summary
    // (and the --json document) are out.
    const disposeCleanup = onCleanup(async () => {
      this.stop('interrupted');
      await Promise.race([finished, new Promise((r) => setTimeout(r, 4000).unref())]);
    });
    const onAbort = () => this.stop('interrupted');
    if (this.deps.signal?.aborted) this.stop('interrupted');
    this.deps.signal?.addEventListener('abort', onAbort, { once: true });
    const durationTimer = this.options.durationMs !== undefined ? setTimeout(() => this.stop('duration'), this.options.durationMs) : undefined;
    try {
      this.announce();
      await this.connectLoop();
      return await this.finish();
    } finally {
      clearTimeout(durationTimer);
      this.deps.signal?.removeEventListener('abort', onAbort);
      resolveFinished();
      await disposeCleanup();
    }
  }

  private announce(): void {
    const { out } = this;
    const s = this.setup;
    out.info(`${out.errStyle.bold('alexa-link watch')} · skill ${s.skillId} · region ${s.region.region} (${s.region.why})`);
    out.info(`Requests go to ${s.target.description}; each is judged like a doctor replay.`);
    if (s.saver) {
      out.info(
        this.options.save!.redact
          ? `Saving every request envelope to ${s.saver.dir} without tokens (--redact).`
          : `Saving every request envelope to ${s.saver.dir}, tokens kept: the files (mode 0600${s.saver.created ? ', folder 0700' : ''}) hold the linked account's token; --redact leaves tokens out.`,
      );
      if (s.saver.openToOthers)
        out.warn(`${s.saver.dir} already existed and other users can look into it (mode ${s.saver.openToOthers}); alexa-link leaves its mode as it is. The files it saves there are 0600, but others can see their names; a new folder of its own is 0700.`);
    }
    const limits = [
      this.options.maxRequests !== undefined ? `after ${plural(this.options.maxRequests, 'request')}` : undefined,
      this.options.durationMs !== undefined ? `after ${seconds(this.options.durationMs)}` : undefined,
    ].filter(Boolean);
    out.info(out.errStyle.dim(`Stops on Ctrl-C${limits.length ? ` or ${limits.join(' or ')}` : ''}.`));
  }

  // ─── Connections ────────────────────────────────────────────────────────────────────────────

  private backoff(attempt: number): number {
    const ceiling = Math.min(this.timing.backoffCapMs, this.timing.backoffBaseMs * 2 ** Math.max(0, attempt - 1));
    return Math.round(ceiling / 2 + (this.random() * ceiling) / 2);
  }

  private async connectLoop(): Promise<void> {
    const { out } = this;
    let failures = 0;
    let renewedAfter401 = false;
    let firstConnect = true;
    while (!this.stopReason) {
      let token;
      try {
        token = await this.setup.tokens.current();
      } catch (err) {
        return this.giveUp(err);
      }
      out.debug(`connecting to ${this.setup.url}`);
      let outcome;
      // Events of this connection; a close can come before holdSession starts listening.
      const events: ConnectionEvents = {};
      try {
        outcome = await connectWebSocket(this.setup.url, {
          headers: connectHeaders(token.value),
          timeoutMs: this.timing.handshakeTimeoutMs,
          signal: this.stopping.signal,
          handlers: {
            onMessage: (text, socket) => this.onMessage(text, socket),
            onClose: (info) => {
              events.closed = info;
              events.onClose?.(info);
            },
            onPong: () => events.onPong?.(),
          },
        });
      } catch (err) {
        if (this.stopReason) return;
        if (!(err instanceof HttpError)) throw err;
        failures++;
        if (failures >= this.timing.maxConnectFailures) return this.giveUp(err, `after ${plural(failures, 'attempt')}`);
        const wait = this.backoff(failures);
        out.warn(`Cannot reach the debugging service: ${err.message}${err.hint ? ` ${err.hint}` : ''} Trying again in ${seconds(wait)}.`);
        await sleep(wait, this.stopping.signal);
        continue;
      }
      if (!outcome.ok) {
        if (this.stopReason) return;
        const explained = explainRejection({ status: outcome.status, region: this.setup.region.region, skillId: this.setup.skillId, credentials: this.setup.tokens.describe(), custom: this.setup.custom });
        out.debug(`the service answered HTTP ${outcome.status}: ${excerpt(outcome.body, 300)}`);
        if ((outcome.status === 401 || outcome.status === 403) && !renewedAfter401) {
          // Perhaps only expired: try once more with a token fresh from the credential chain.
          renewedAfter401 = true;
          try {
            const renewed = await this.setup.tokens.renew();
            if (renewed.value !== token.value) {
              out.info(out.errStyle.dim(`The service refused the access token (HTTP ${outcome.status}); trying again with a renewed one from ${this.setup.tokens.describe()}.`));
              continue;
            }
          } catch (err) {
            return this.giveUp(err);
          }
        }
        if (outcome.status >= 500) {
          failures++;
          if (failures < this.timing.maxConnectFailures) {
            const wait = this.backoff(failures);
            out.warn(`${explained.message} Trying again in ${seconds(wait)}.`);
            await sleep(wait, this.stopping.signal);
            continue;
          }
        }
        return this.giveUp(new AlexaLinkError(explained.message, { code: `E_DEBUG_${outcome.status}`, hint: explained.hint }));
      }
      failures = 0;
      renewedAfter401 = false;
      this.sessions++;
      const end = await this.holdSession(outcome.socket, events, firstConnect);
      firstConnect = false;
      if (this.stopReason) return;
      if (end.kind === 'renew') continue;
      this.reconnects++;
      failures++;
      const wait = this.backoff(failures);
      out.warn(`The connection to the debugging service dropped (${end.why}); reconnecting in ${seconds(wait)}.`);
      await sleep(wait, this.stopping.signal);
    }
  }

  /** Keeps one session open until it drops, reaches its limit or the watch stops. */
  private holdSession(socket: OpenWebSocket, events: ConnectionEvents, first: boolean): Promise<{ kind: 'renew' } | { kind: 'dropped'; why: string }> {
    const { out, timing } = this;
    this.socket = socket;
    const openedAt = Date.now();
    if (first) {
      out.success(
        'Listening. Open your skill on a device or in the Alexa app signed in as the developer account (or in the developer console\'s Test tab, or with ask dialog); link your account in the Alexa app when the skill asks.',
      );
      out.info(out.errStyle.dim(`The service's sessions last ${seconds(timing.sessionLimitMs)}; alexa-link renews them before they end.`));
    } else {
      out.success(`Connected again (session ${this.sessions}); listening.`);
    }
    return new Promise((resolve) => {
      let intent: 'renew' | 'dead' | undefined;
      let pongTimer: NodeJS.Timeout | undefined;
      const heartbeat = setInterval(() => {
        socket.ping('heartbeat');
        out.debug('heartbeat ping');
        if (!pongTimer) {
          pongTimer = setTimeout(() => {
            intent = 'dead';
            socket.terminate();
          }, timing.pongTimeoutMs);
        }
      }, timing.heartbeatMs);
      events.onPong = () => {
        clearTimeout(pongTimer);
        pongTimer = undefined;
      };
      const renewAt = Math.max(0, timing.sessionLimitMs - timing.renewBeforeMs);
      const renewTimer = setTimeout(() => {
        intent = 'renew';
        out.info(`The debugging session reaches the service's ${seconds(timing.sessionLimitMs)} limit: opening a new one.`);
        void socket.close(1000, 'renewing the session');
      }, renewAt);
      // Stopping: answers still owed to the service go out first (not after Ctrl-C).
      const onStop = () => {
        void this.drain().then(() => socket.close(1000, 'alexa-link watch stopped'));
      };
      this.stopping.signal.addEventListener('abort', onStop, { once: true });
      const onClose = ({ code, reason, byUs }: CloseInfo) => {
        clearInterval(heartbeat);
        clearTimeout(pongTimer);
        clearTimeout(renewTimer);
        this.stopping.signal.removeEventListener('abort', onStop);
        events.onClose = undefined;
        events.onPong = undefined;
        if (this.socket === socket) this.socket = undefined;
        const lived = Date.now() - openedAt;
        if (intent === 'renew') return resolve({ kind: 'renew' });
        if (intent === 'dead') return resolve({ kind: 'dropped', why: `no answer to the heartbeat ping within ${seconds(timing.pongTimeoutMs)}` });
        if (byUs || this.stopReason) return resolve({ kind: 'renew' });
        // Closed by the service near the limit (a shorter limit than documented): a new session, no pause.
        if (lived >= timing.sessionLimitMs * 0.9) {
          out.info(`The service ended the session after ${seconds(lived)} (its limit); opening a new one.`);
          return resolve({ kind: 'renew' });
        }
        resolve({ kind: 'dropped', why: `code ${code}${reason ? `, "${reason}"` : ''}` });
      };
      if (events.closed) onClose(events.closed);
      else events.onClose = onClose;
    });
  }

  private giveUp(err: unknown, after?: string): void {
    if (this.stopReason === 'interrupted') return;
    const e =
      err instanceof AlexaLinkError
        ? after
          ? new AlexaLinkError(`Gave up connecting to the debugging service ${after}: ${err.message}`, { code: err.code, ...(err.hint ? { hint: err.hint } : {}) })
          : err
        : new AlexaLinkError(describeError(err), { code: 'E_WATCH' });
    this.fatal = e;
    this.stop('error');
  }

  // ─── Requests ───────────────────────────────────────────────────────────────────────────────

  private send(socket: OpenWebSocket, text: string, what: string): void {
    if (!socket.isOpen) {
      this.out.warn(`The answer to ${what} could not be sent: the connection had closed.`);
      return;
    }
    socket.send(text).catch((err: unknown) => this.out.warn(`The answer to ${what} could not be sent: ${describeError(err)}`));
  }

  private onMessage(text: string, socket: OpenWebSocket): void {
    const parsed = parseServiceMessage(text);
    if (parsed.kind === 'unusable') {
      this.out.warn(`The debugging service sent ${parsed.reason}; ignored.`);
      if (parsed.requestId) this.send(socket, failureMessage({ version: parsed.version ?? '', requestId: parsed.requestId }, `alexa-link could not read the request: ${parsed.reason}`), 'an unreadable message');
      return;
    }
    const request = parsed.request;
    if (this.stopReason) {
      this.send(socket, failureMessage(request, 'alexa-link watch is stopping'), 'a request after the stop');
      return;
    }
    this.received++;
    const seq = this.received;
    const max = this.options.maxRequests;
    if (max !== undefined && seq > max) {
      this.send(socket, failureMessage(request, 'alexa-link watch is stopping (--max-requests reached)'), 'a request beyond --max-requests');
      return;
    }
    const at = this.now();
    const recognised = recognise(request.payload);
    this.registerTokens(request.payload);
    this.out.debug(`request ${request.requestId}: ${recognised.label}`);
    const work = (async () => {
      const signal = this.stopping.signal;
      let result;
      let outcome;
      if (recognised.judgeable) ({ result, outcome } = await judgeLive(recognised.envelope, this.setup.target, signal));
      else {
        outcome = await forwardUnjudged(request.payload, this.setup.target, signal);
        result = unjudgedResult(recognised, outcome);
      }
      if (this.stopReason === 'interrupted') return undefined;
      const answer = serviceAnswer(outcome);
      this.send(socket, answer.ok ? successMessage(request, answer.response) : failureMessage(request, answer.errorMessage, answer.errorCode), recognised.label);
      return { result, outcome };
    })();
    const pending: Pending = { seq, at, request, recognised, work };
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work)).catch(() => undefined);
    this.reportChain = this.reportChain.then(() => this.report(pending)).catch((err: unknown) => this.out.error(`Could not report a request: ${describeError(err)}`));
  }

  /** Whatever the skill logs with --verbose is scrubbed of the request's credentials. */
  private registerTokens(envelope: unknown): void {
    const visit = (v: unknown): void => {
      if (Array.isArray(v)) return v.forEach(visit);
      if (!isObject(v)) return;
      for (const [k, x] of Object.entries(v)) {
        // `token`: a smart home directive's scope.token.
        if ((k === 'accessToken' || k === 'apiAccessToken' || k === 'consentToken' || k === 'token') && typeof x === 'string') this.out.addSecret(x);
        else visit(x);
      }
    };
    visit(envelope);
  }

  private async report(p: Pending): Promise<void> {
    const done = await p.work;
    if (!done || this.stopReason === 'interrupted') return;
    const { result, outcome } = done;
    const tokenSent = Object.values(result.tokenInEnvelope).some(Boolean);
    const linkAccountCard = result.response.linkAccountCard === true;
    const speech = typeof result.response.speech === 'string' ? result.response.speech : null;
    const told = narrate(this.narrative, { requestType: p.recognised.requestType, tokenSent, linkAccountCard });
    this.narrative = told.state;
    const failure = failureWords(outcome);
    const event = answerEvent(outcome);
    const line: LiveLine = {
      at: p.at,
      label: p.recognised.label,
      token: p.recognised.judgeable ? { ...result.tokenInEnvelope } : undefined,
      answer: { linkAccountCard, speech, ...(event ? { event } : {}), ...(failure ? { failure } : {}) },
      latencyMs: result.latencyMs,
      verdict: result.verdict,
      marks: told.marks,
      explanation: result.explanation,
    };
    // The request's line wraps under the request, not under the clock.
    formatLine(line, this.out.errStyle).forEach((l, i) => this.out.info(l, i === 0 ? { hang: LINE_HANG } : {}));
    let saved: string | undefined;
    if (this.setup.saver && p.recognised.judgeable) {
      try {
        saved = await this.setup.saver.save(p.recognised.envelope, p.recognised.label);
      } catch (err) {
        this.out.warn(`Could not save the envelope: ${describeError(err)}`);
      }
    }
    this.counts[result.verdict]++;
    this.entries.push({ ...replayJson(result), receivedAt: p.at.toISOString(), label: p.recognised.label, marks: told.marks, ...(saved ? { saved } : {}) });
    if (isSkillEvent(p.recognised.requestType)) this.out.debug(`skill event ${p.recognised.requestType} answered`);
    if (this.options.maxRequests !== undefined && this.entries.length >= this.options.maxRequests) this.stop('max-requests');
  }

  // ─── The end ────────────────────────────────────────────────────────────────────────────────

  /** Waits for requests still being answered: at most one skill deadline, not at all after Ctrl-C. */
  private async drain(): Promise<void> {
    if (this.stopReason === 'interrupted' || this.inFlight.size === 0) return;
    await Promise.race([Promise.allSettled([...this.inFlight]), new Promise((r) => setTimeout(r, this.timing.skillTimeoutMs + 1000).unref())]);
  }

  private async finish(): Promise<{ exitCode: 0 | 1 | 130; doc: WatchDocument }> {
    const { out } = this;
    const reason = this.stopReason ?? 'error';
    await this.drain();
    await Promise.race([this.reportChain, new Promise((r) => setTimeout(r, reason === 'interrupted' ? 200 : 2000).unref())]);
    if (this.socket) await this.socket.close(1000, 'alexa-link watch stopped');
    await this.setup.target.close();

    const n = this.entries.length;
    const doc: WatchDocument = {
      ok: this.counts.fail === 0 && !this.fatal && reason !== 'interrupted',
      skillId: this.setup.skillId,
      region: this.setup.region.region,
      target: this.setup.target.description,
      stopped: reason,
      summary: { requests: n, ...this.counts, sessions: this.sessions, reconnects: this.reconnects },
      requests: this.entries,
      saved: this.setup.saver ? { dir: this.setup.saver.dir, tokens: this.options.save!.redact ? 'removed' : 'kept' } : null,
      ...(this.fatal ? { error: { code: this.fatal.code, message: this.fatal.message, hint: this.fatal.hint ?? null } } : {}),
    };
    if (this.fatal && n === 0) {
      // Nothing was watched: an ordinary error (message, hint, exit code; --json gets its error document).
      throw this.fatal;
    }
    if (this.fatal) {
      out.error(this.fatal.message);
      if (this.fatal.hint) out.info(`  ${this.fatal.hint}`);
    }
    const why: Record<StopReason, string> = {
      'max-requests': `after ${plural(n, 'request')} (--max-requests)`,
      duration: `after ${seconds(this.options.durationMs ?? 0)} (--duration)`,
      interrupted: 'on Ctrl-C',
      error: 'on the error above',
    };
    const parts = [`${this.counts.pass} passed`];
    if (this.counts.warn) parts.push(`${this.counts.warn} warned`);
    if (this.counts.fail) parts.push(`${this.counts.fail} failed`);
    const extra = [this.reconnects ? plural(this.reconnects, 'reconnect') : undefined, this.sessions > 1 ? `${this.sessions} sessions` : undefined].filter(Boolean);
    const summary = `Stopped ${why[reason]}: ${plural(n, 'request')}${n ? `, ${parts.join(', ')}` : ''}${extra.length ? ` · ${extra.join(', ')}` : ''}.`;
    if (this.counts.fail) out.error(summary);
    else out.info(summary);
    if (this.setup.saver && this.setup.saver.count()) {
      out.info(`Saved ${plural(this.setup.saver.count(), 'envelope')} in ${this.setup.saver.dir}; replay them with: alexa-link doctor --only replays --envelopes ${this.setup.saver.dir}`);
    }
    out.result(doc);
    const exitCode = reason === 'interrupted' ? 130 : this.fatal || this.counts.fail ? 1 : 0;
    return { exitCode, doc };
  }
}
