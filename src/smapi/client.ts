import type { runtime, services } from 'ask-smapi-model';
import { CancelledError } from '../errors.js';
import { HttpError, request as httpRequest, type HttpRequest, type HttpResponse } from '../net/http.js';
import { excerpt, redactText } from '../ui/redact.js';
import { processSecrets, SecretSet } from '../ui/secrets.js';
import type { SmapiCredentials } from './credentials.js';
import { ATTEMPTS_HEADER, PEER_HEADER, SmapiBadResponseError, toSmapiError, type SmapiCallContext } from './errors.js';

/**
 * The SMAPI client: ask-smapi-sdk's CustomSmapiClientBuilder with our own ApiClient, because the
 * SDK's default one has no timeouts, no retries, and sends the Login with Amazon token request
 * without URL-encoding it (reference §0.6, §0.7, §2.5). ask-smapi-sdk and ask-smapi-model are
 * loaded here, with import(), only when a command talks to SMAPI.
 */
export type SmapiClient = services.skillManagement.SkillManagementServiceClient;
type ApiClientRequest = runtime.ApiClientRequest;
type ApiClientResponse = runtime.ApiClientResponse;
export type HeaderList = Array<{ key: string; value: string }>;

export const DEFAULT_SMAPI_TIMEOUT_MS = 15_000;
export const DEFAULT_RETRIES = 3;
export const DEFAULT_BACKOFF_BASE_MS = 500;
export const DEFAULT_BACKOFF_CAP_MS = 8_000;
/** A Retry-After longer than this is not waited for; the 429 is reported instead. */
export const DEFAULT_MAX_RETRY_AFTER_MS = 30_000;
const RETRY_STATUSES = new Set([429, 500, 502, 503, 504]);
/** GET /v1/skills/{skillId}/credentials: the skill's Alexa client ID and secret (getSkillCredentialsV1). */
const SKILL_CREDENTIALS_PATH = /^\/v1\/skills\/[^/]+\/credentials\/?$/;
const TRACE_BODY_CHARS = 4_000;

export interface RetryPolicy {
  /** Retries after the first attempt (so at most retries + 1 requests). */
  retries: number;
  backoffBaseMs: number;
  backoffCapMs: number;
  maxRetryAfterMs: number;
}

export interface ApiClientOptions extends Partial<RetryPolicy> {
  /** Per attempt: connect, send and read the whole answer. */
  timeoutMs?: number;
  /** One line per request, response and retry; already redacted. */
  trace?: (line: string) => void;
  /** Exact values to scrub from traces (tokens, client secrets). */
  secrets?: Iterable<string>;
  /** Called with secrets learnt on the way (an access token Login with Amazon issued). */
  onSecret?: (value: string) => void;
  /** The refresh-token credentials, so the SDK's unencoded token request can be rebuilt exactly. */
  lwaCredentials?: { clientId: string; clientSecret: string; refreshToken: string } | undefined;
  signal?: AbortSignal | undefined;
  /** Injected for tests: the HTTP call, sleeping, randomness, the clock. */
  send?: (req: HttpRequest) => Promise<HttpResponse>;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

/** Milliseconds to wait for a Retry-After value (delta seconds or an HTTP date), or undefined. */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const v = value.trim();
  if (/^\d+(\.\d+)?$/.test(v)) return Math.round(Number(v) * 1000);
  const at = Date.parse(v);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/** Exponential backoff with jitter: a random wait in [½, 1] × min(cap, base × 2^attempt). */
export function backoffDelay(attempt: number, policy: Pick<RetryPolicy, 'backoffBaseMs' | 'backoffCapMs'>, random: () => number): number {
  const ceiling = Math.min(policy.backoffCapMs, policy.backoffBaseMs * 2 ** attempt);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

/** Whether a request may be sent again without changing the outcome. */
function isIdempotent(method: string, isTokenRequest: boolean): boolean {
  return isTokenRequest || ['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS'].includes(method.toUpperCase());
}

const LWA_TOKEN_PATH = /^\/auth\/o2\/token\/?$/i;

export function isLwaTokenRequest(url: string, method: string): boolean {
  try {
    return method.toUpperCase() === 'POST' && LWA_TOKEN_PATH.test(new URL(url).pathname);
  } catch {
    return false;
  }
}

/**
 * The SDK builds the token request as "grant_type=…&client_secret=…&client_id=…&refresh_token=…"
 * by plain concatenation: a secret or token with `+`, `&`, `=` or `%` arrives corrupted. Rebuild
 * it as a correctly encoded form. With the known credentials the raw body is matched exactly;
 * otherwise the SDK's fixed field order is used (client_id and grant_type never contain `&`).
 */
export function reencodeLwaTokenBody(raw: string, known?: { clientId: string; clientSecret: string; refreshToken: string }): string {
  if (known) {
    const sdkBody = `grant_type=refresh_token&client_secret=${known.clientSecret}&client_id=${known.clientId}&refresh_token=${known.refreshToken}`;
    if (raw === sdkBody) {
      return new URLSearchParams({ grant_type: 'refresh_token', client_id: known.clientId, client_secret: known.clientSecret, refresh_token: known.refreshToken }).toString();
    }
  }
  const m = /^grant_type=([^&]*)&client_secret=([\s\S]*)&client_id=([^&]*)&(refresh_token|scope)=([\s\S]*)$/.exec(raw);
  if (!m) return raw;
  const [, grantType, clientSecret, clientId, lastKey, lastValue] = m;
  const params = new URLSearchParams();
  params.set('grant_type', grantType!);
  params.set('client_id', clientId!);
  params.set('client_secret', clientSecret!);
  params.set(lastKey!, lastValue!);
  return params.toString();
}

function headersToRecord(headers: HeaderList): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { key, value } of headers) {
    const k = key.toLowerCase();
    out[k] = out[k] === undefined ? value : `${out[k]}, ${value}`;
  }
  return out;
}

function headersToList(headers: HttpResponse['headers']): HeaderList {
  const out: HeaderList = [];
  for (const [key, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) out.push({ key: key.toLowerCase(), value: v });
  }
  return out;
}

function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new CancelledError());
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CancelledError());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}


/** Our runtime.ApiClient: timeouts, bounded retries with backoff, encoded token requests, traces. */
export class SmapiApiClient implements runtime.ApiClient {
  private readonly policy: RetryPolicy;
  private readonly secrets: SecretSet;
  private readonly opts: ApiClientOptions;

  constructor(opts: ApiClientOptions = {}) {
    this.opts = opts;
    this.policy = {
      retries: opts.retries ?? DEFAULT_RETRIES,
      backoffBaseMs: opts.backoffBaseMs ?? DEFAULT_BACKOFF_BASE_MS,
      backoffCapMs: opts.backoffCapMs ?? DEFAULT_BACKOFF_CAP_MS,
      maxRetryAfterMs: opts.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS,
    };
    this.secrets = SecretSet.from(opts.secrets ?? []);
  }

  /** Its own secrets and the running command's (the client secret a PUT carries, for one). */
  private known(): SecretSet {
    return SecretSet.union(this.secrets, processSecrets);
  }

  private scrub(text: string): string {
    return redactText(text, this.known());
  }

  /** A body for the trace: redacted before it is cut at TRACE_BODY_CHARS, so no part of a secret shows at the cut. */
  private traceBody(body: string): string {
    return excerpt(body, TRACE_BODY_CHARS, { secrets: this.known(), total: true });
  }

  private trace(line: string): void {
    this.opts.trace?.(this.scrub(line));
  }

  private learnSkillCredentials(body: string): void {
    try {
      const creds = (JSON.parse(body) as { skillMessagingCredentials?: { clientId?: unknown; clientSecret?: unknown } } | null)?.skillMessagingCredentials;
      this.learnSecret(creds?.clientId);
      this.learnSecret(creds?.clientSecret);
    } catch {
      /* not JSON: the trace shows it as it is, and the SDK call fails on it */
    }
  }

  private learnSecret(value: unknown): void {
    if (typeof value === 'string' && value.length >= 4 && !this.secrets.values().includes(value)) {
      this.secrets.add(value);
      this.opts.onSecret?.(value);
    }
  }

  async invoke(req: ApiClientRequest): Promise<ApiClientResponse> {
    const send = this.opts.send ?? httpRequest;
    const sleep = this.opts.sleep ?? defaultSleep;
    const random = this.opts.random ?? Math.random;
    const now = this.opts.now ?? Date.now;
    const tokenRequest = isLwaTokenRequest(req.url, req.method);
    const headers = headersToRecord(req.headers);
    let url = req.url;
    let body = req.body;
    if (tokenRequest) {
      const u = new URL(url);
      u.pathname = '/auth/o2/token';
      url = u.href;
      if (body !== undefined && /x-www-form-urlencoded/i.test(headers['content-type'] ?? '')) {
        body = reencodeLwaTokenBody(body, this.opts.lwaCredentials);
        headers['content-type'] = 'application/x-www-form-urlencoded';
      }
      headers.accept = 'application/json';
    }
    const label = tokenRequest ? 'LWA' : 'SMAPI';
    const maxAttempts = this.policy.retries + 1;
    for (let attempt = 1; ; attempt++) {
      this.trace(`${label} → ${req.method} ${url}${attempt > 1 ? ` (attempt ${attempt}/${maxAttempts})` : ''}`);
      for (const name of ['authorization', 'if-match', 'content-type']) {
        if (headers[name] !== undefined) this.trace(`  ${name}: ${headers[name]}`);
      }
      if (body !== undefined) this.trace(`  body: ${this.traceBody(body)}`);
      let res: HttpResponse;
      try {
        res = await send({
          url,
          method: req.method,
          headers,
          ...(body !== undefined ? { body } : {}),
          timeoutMs: this.opts.timeoutMs ?? DEFAULT_SMAPI_TIMEOUT_MS,
          ...(this.opts.signal ? { signal: this.opts.signal } : {}),
        });
      } catch (err) {
        const retryable = err instanceof HttpError && err.kind === 'reset' && isIdempotent(req.method, tokenRequest);
        this.trace(`${label} ✖ ${err instanceof Error ? err.message : String(err)}`);
        if (err instanceof HttpError && err.kind === 'aborted') throw new CancelledError();
        if (!retryable || attempt >= maxAttempts) throw err;
        const wait = backoffDelay(attempt - 1, this.policy, random);
        this.trace(`${label} retrying in ${wait} ms`);
        await sleep(wait, this.opts.signal);
        continue;
      }
      const etag = res.headers.etag;
      this.trace(`${label} ← ${res.status} (${res.ms} ms)${etag ? ` etag: ${String(etag)}` : ''}`);
      // The skill's Alexa client credentials are never shown, not even in a trace: learnt before it.
      if (res.body && !tokenRequest && SKILL_CREDENTIALS_PATH.test(new URL(url).pathname)) this.learnSkillCredentials(res.body);
      if (res.body) this.trace(`  body: ${this.traceBody(res.body)}`);
      // A 429 was not processed, so any method may be sent again; a 5xx only when idempotent.
      const retryable = res.status === 429 || (RETRY_STATUSES.has(res.status) && isIdempotent(req.method, tokenRequest));
      if (retryable && attempt < maxAttempts) {
        const retryAfter = parseRetryAfter(typeof res.headers['retry-after'] === 'string' ? res.headers['retry-after'] : undefined, now());
        if (retryAfter === undefined || retryAfter <= this.policy.maxRetryAfterMs) {
          const wait = retryAfter ?? backoffDelay(attempt - 1, this.policy, random);
          this.trace(`${label} ${res.status}: retrying in ${wait} ms${retryAfter !== undefined ? ' (Retry-After)' : ''}`);
          await sleep(wait, this.opts.signal);
          continue;
        }
        this.trace(`${label} ${res.status}: Retry-After asks for ${retryAfter} ms, more than the ${this.policy.maxRetryAfterMs} ms alexa-link waits`);
      }
      let parsed: unknown;
      if (res.body.trim() !== '') {
        try {
          parsed = JSON.parse(res.body);
        } catch {
          throw new SmapiBadResponseError(res.status, url, typeof res.headers['content-type'] === 'string' ? res.headers['content-type'] : undefined, excerpt(res.body, 200, { secrets: this.known() }));
        }
      }
      if (tokenRequest && typeof parsed === 'object' && parsed !== null) {
        this.learnSecret((parsed as Record<string, unknown>).access_token);
        this.learnSecret((parsed as Record<string, unknown>).refresh_token);
      }
      const list = headersToList(res.headers);
      list.push({ key: ATTEMPTS_HEADER, value: String(attempt) });
      list.push({ key: PEER_HEADER, value: tokenRequest ? 'lwa' : 'smapi' });
      return { statusCode: res.status, headers: list, body: res.body.trim() === '' ? '' : res.body };
    }
  }
}

/** SMAPI's SDK, loaded on first use. */
type SmapiSdk = typeof import('ask-smapi-sdk');
let sdkPromise: Promise<SmapiSdk> | undefined;
export function loadSmapiSdk(): Promise<SmapiSdk> {
  // The package is CommonJS: its exports are on `default` when imported from ESM.
  sdkPromise ??= import('ask-smapi-sdk').then((m) => ((m as { default?: SmapiSdk }).default ?? m) as SmapiSdk);
  return sdkPromise;
}

export interface SmapiClientOptions extends Omit<ApiClientOptions, 'secrets' | 'lwaCredentials'> {
  userAgent?: string;
}

/** A connected client plus what error messages need to know about it. */
export interface Smapi {
  client: SmapiClient;
  credentials: SmapiCredentials;
  /** Values of a header in an SDK response (keys are lower-case). */
  header(headers: HeaderList, name: string): string | undefined;
  /** Runs one SDK call and turns whatever it throws into a readable SmapiError. */
  call<T>(ctx: Omit<SmapiCallContext, 'credentialSource' | 'credentialDescription' | 'lwaEndpoint'>, fn: (client: SmapiClient) => Promise<T>): Promise<T>;
}

/** AccessTokenConfig is not exported from ask-smapi-sdk's root (reference §0.5). */
interface AccessTokenConfig {
  clientId: string;
  clientSecret: string;
  accessToken: string;
}

export async function createSmapi(credentials: SmapiCredentials, opts: SmapiClientOptions = {}): Promise<Smapi> {
  const sdk = await loadSmapiSdk();
  const auth = credentials.auth;
  const apiClient = new SmapiApiClient({
    ...opts,
    secrets: credentials.secrets,
    lwaCredentials: auth.kind === 'refresh-token' ? { clientId: auth.clientId, clientSecret: auth.clientSecret, refreshToken: auth.refreshToken } : undefined,
  });
  // The custom builder methods first: the base methods return the base type (reference §0.4).
  const builder = new sdk.CustomSmapiClientBuilder()
    .withApiEndpoint(credentials.endpoints.api)
    .withAuthEndpoint(credentials.endpoints.lwa)
    .withApiClient(apiClient)
    .withCustomUserAgent(opts.userAgent ?? 'alexa-link');
  const configured =
    auth.kind === 'refresh-token'
      ? builder.withRefreshTokenConfig({ clientId: auth.clientId, clientSecret: auth.clientSecret, refreshToken: auth.refreshToken })
      : // With an access token the SDK never calls Login with Amazon, so the client fields are unused.
        builder.withAccessTokenConfig({ clientId: 'unused', clientSecret: 'unused', accessToken: auth.accessToken } satisfies AccessTokenConfig);
  const client = configured.client();
  return {
    client,
    credentials,
    header: (headers, name) => sdk.getValueFromHeader(headers, name.toLowerCase())[0],
    async call(ctx, fn) {
      try {
        return await fn(client);
      } catch (err) {
        throw toSmapiError(err, { ...ctx, credentialSource: credentials.source, credentialDescription: credentials.description, lwaEndpoint: credentials.endpoints.lwa });
      }
    },
  };
}
