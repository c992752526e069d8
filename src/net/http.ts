import dns from 'node:dns/promises';
import http from 'node:http';
import os from 'node:os';
import https from 'node:https';
import tls from 'node:tls';
import { NetworkError } from '../errors.js';

/**
 * The one HTTP client every network peer goes through (OAuth provider, skill endpoint, SMAPI,
 * Login with Amazon): a total deadline (so a slow drip of bytes cannot hang us), a body size
 * limit, bounded redirects, and failures turned into specific diagnoses.
 */
export type FailureKind =
  | 'refused'
  | 'timeout'
  | 'dns'
  | 'reset'
  | 'unreachable'
  | 'tls-self-signed'
  | 'tls-expired'
  | 'tls-hostname'
  | 'tls-untrusted'
  | 'tls-other'
  | 'too-large'
  | 'redirect-loop'
  | 'too-many-redirects'
  | 'aborted'
  | 'bad-url'
  /** This machine reaches no host at all (no network, DNS resolves nothing). */
  | 'offline'
  | 'other';

export class HttpError extends NetworkError {
  readonly kind: FailureKind;
  readonly url: string;
  /** Milliseconds from start to failure. */
  readonly ms: number;
  constructor(kind: FailureKind, url: string, message: string, hint: string | undefined, ms: number, cause?: unknown) {
    super(message, { code: `E_HTTP_${kind.toUpperCase().replace(/-/g, '_')}`, hint, cause });
    this.kind = kind;
    this.url = url;
    this.ms = ms;
  }
}

export interface HttpRequest {
  url: string;
  method?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** Total time for connect, send and the whole answer. Default 10 s. */
  timeoutMs?: number;
  /** Largest answer body read; more is a `too-large` failure. Default 5 MiB. */
  maxBodyBytes?: number;
  /** Redirects followed for GET/HEAD (0 = none, the 3xx is returned). Default 0. */
  maxRedirects?: number;
  /** Extra trusted CA certificate(s), PEM (tests with self-signed certificates). */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Accept any certificate (only for inspecting, never for sending secrets). */
  insecure?: boolean;
  signal?: AbortSignal;
  /** Called with one line per request and response (redact before printing). */
  trace?: (line: string) => void;
  /**
   * A keep-alive agent for many requests to one host (doctor's replays); default: a fresh
   * connection per request.
   */
  agent?: http.Agent;
  /** How a name that does not resolve is told from a machine that reaches nothing (tests inject it). */
  reachability?: ReachabilityProbe;
}

/**
 * Before a host name is blamed, whether this machine reaches any host at all: a network interface
 * besides loopback, and DNS that resolves well-known names (the hosts alexa-link talks to anyway).
 */
export interface ReachabilityProbe {
  lookup?: (host: string) => Promise<void>;
  interfaces?: () => NodeJS.Dict<os.NetworkInterfaceInfo[]>;
  hosts?: readonly string[];
  timeoutMs?: number;
}

export const PROBE_HOSTS = ['api.amazonalexa.com', 'api.amazon.com', 'www.amazon.com'] as const;

let reachabilityCache: { at: number; result: { online: boolean; why?: string } } | undefined;

export async function reachesAnyHost(probe: ReachabilityProbe = {}): Promise<{ online: boolean; why?: string }> {
  const cacheable = probe.lookup === undefined && probe.interfaces === undefined;
  if (cacheable && reachabilityCache && Date.now() - reachabilityCache.at < 30_000) return reachabilityCache.result;
  const ifaces = (probe.interfaces ?? os.networkInterfaces)();
  const external = Object.values(ifaces).some((list) => (list ?? []).some((i) => !i.internal));
  let result: { online: boolean; why?: string };
  if (!external) result = { online: false, why: 'it has no network interface besides loopback' };
  else {
    const lookup = probe.lookup ?? (async (h: string) => void (await dns.lookup(h)));
    const timeoutMs = probe.timeoutMs ?? 2000;
    const one = (h: string) =>
      Promise.race([
        lookup(h).then(() => true, () => false),
        new Promise<boolean>((r) => setTimeout(() => r(false), timeoutMs).unref()),
      ]);
    const answers = await Promise.all((probe.hosts ?? PROBE_HOSTS).map(one));
    result = answers.some(Boolean) ? { online: true } : { online: false, why: `DNS resolves no name at all (not even ${(probe.hosts ?? PROBE_HOSTS)[0]})` };
  }
  if (cacheable) reachabilityCache = { at: Date.now(), result };
  return result;
}

/**
 * A DNS or routing failure, re-read: when nothing is reachable, the host name is not to blame.
 * (The WebSocket client, src/net/websocket.ts, asks this too.)
 */
export async function explainUnreachable(err: HttpError, req: Pick<HttpRequest, 'reachability'>): Promise<HttpError> {
  if (err.kind !== 'dns' && err.kind !== 'unreachable') return err;
  const r = await reachesAnyHost(req.reachability).catch(() => ({ online: true }) as { online: boolean; why?: string });
  if (r.online) return err;
  return new HttpError(
    'offline',
    err.url,
    `This machine reaches no host at all: ${r.why}; ${hostOf(err.url)} could not be tried.`,
    `Check the network connection or the proxy settings (HTTPS_PROXY / HTTP_PROXY).${OFFLINE_HINT}`,
    err.ms,
    err,
  );
}

export interface TlsInfo {
  authorized: boolean;
  authorizationError?: string;
  subject?: string;
  /** The issuer's common name. */
  issuer?: string;
  /** The issuer's organisation (O), e.g. "Let's Encrypt". */
  issuerOrg?: string;
  validFrom?: string;
  validTo?: string;
}

export interface HttpResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
  bytes: number;
  ms: number;
  /** The URL that answered (after redirects). */
  url: string;
  redirects: string[];
  tls?: TlsInfo;
}

export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_MAX_BODY = 5 * 1024 * 1024;

/** Only doctor has --offline: the hint names it, not the command that failed (configure, login and watch have none). */
const OFFLINE_HINT = ' Without a network, `alexa-link doctor --offline` still runs the checks that need none.';

const PROXY_VARIABLES = ['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'ALL_PROXY', 'all_proxy'];

/** Loopback hosts never go through a proxy (local servers, the SMAPI stand-in, a local provider). */
export function isLoopbackHostname(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h.endsWith('.localhost') || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || h === '::1' || h === '0:0:0:0:0:0:0:1' || /^::ffff:127\./.test(h);
}

/** The proxy URL with any user:password taken out, for messages. */
export function showProxy(proxy: string): string {
  try {
    const u = new URL(proxy);
    u.username = '';
    u.password = '';
    return u.href.replace(/\/$/, '');
  } catch {
    return 'the proxy';
  }
}

type ProxyLibs = { getProxyForUrl: (url: string) => string; HttpsProxyAgent: typeof import('https-proxy-agent').HttpsProxyAgent; HttpProxyAgent: typeof import('http-proxy-agent').HttpProxyAgent };
let proxyLibs: Promise<ProxyLibs> | undefined;
function loadProxyLibs(): Promise<ProxyLibs> {
  proxyLibs ??= Promise.all([import('proxy-from-env'), import('https-proxy-agent'), import('http-proxy-agent')]).then(([env, https, http]) => ({
    getProxyForUrl: env.getProxyForUrl,
    HttpsProxyAgent: https.HttpsProxyAgent,
    HttpProxyAgent: http.HttpProxyAgent,
  }));
  return proxyLibs;
}

/**
 * The proxy for a URL from HTTPS_PROXY / HTTP_PROXY / ALL_PROXY and NO_PROXY (either case, as
 * curl reads them; proxy-from-env), or undefined. Loopback addresses are never proxied. The
 * proxy libraries load only when such a variable is set.
 */
export async function proxyFor(url: URL): Promise<string | undefined> {
  if (!PROXY_VARIABLES.some((v) => process.env[v])) return undefined;
  if (isLoopbackHostname(url.hostname)) return undefined;
  const { getProxyForUrl } = await loadProxyLibs();
  return getProxyForUrl(url.href) || undefined;
}

let proxyNotice: ((line: string) => void) | undefined;
const noticed = new Set<string>();
/** Receives one line per host the first time a request to it goes through a proxy (the CLI shows it with --verbose). */
export function onProxyUse(fn: ((line: string) => void) | undefined): void {
  proxyNotice = fn;
  noticed.clear();
}

/**
 * The proxy route for a WebSocket URL (ws:// or wss://), read as its http(s) twin: the same
 * variables, NO_PROXY and loopback rule as every other request. A WebSocket needs a tunnel
 * (CONNECT) for ws:// too, so the agent is https-proxy-agent's either way; it emits
 * 'proxyConnect' with the proxy's answer to CONNECT.
 */
export async function webSocketProxy(url: URL): Promise<{ proxy: string; agent: http.Agent } | undefined> {
  const twin = new URL(url.href);
  twin.protocol = url.protocol === 'wss:' ? 'https:' : 'http:';
  const proxy = await proxyFor(twin);
  if (!proxy) return undefined;
  if (proxyNotice && !noticed.has(`${url.host} ${proxy}`)) {
    noticed.add(`${url.host} ${proxy}`);
    proxyNotice(`Connections to ${url.host} go through the proxy ${showProxy(proxy)} (from ${url.protocol === 'wss:' ? 'HTTPS_PROXY' : 'HTTP_PROXY'} or ALL_PROXY; NO_PROXY lists the exceptions).`);
  }
  const libs = await loadProxyLibs();
  return { proxy, agent: new libs.HttpsProxyAgent(proxy) };
}

async function proxyAgent(proxy: string, isHttps: boolean): Promise<http.Agent> {
  const libs = await loadProxyLibs();
  return isHttps ? new libs.HttpsProxyAgent(proxy) : new libs.HttpProxyAgent(proxy);
}

/** The header value as one string. */
export function header(res: Pick<HttpResponse, 'headers'>, name: string): string | undefined {
  const v = res.headers[name.toLowerCase()];
  return Array.isArray(v) ? v.join(', ') : v;
}

/** Parses JSON of an answer, or undefined when it is not JSON. */
export function jsonBody(res: Pick<HttpResponse, 'body'>): unknown {
  try {
    return JSON.parse(res.body);
  } catch {
    return undefined;
  }
}

function cn(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v.join(', ') : v;
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** Turns a low-level error into a diagnosis with a fix. */
export function diagnose(err: unknown, url: string, ms: number, timeoutMs: number, proxy?: string): HttpError {
  if (err instanceof HttpError) return err;
  if (proxy) return diagnoseProxied(err, url, ms, timeoutMs, proxy);
  const e = err as NodeJS.ErrnoException & { reason?: string };
  const code = e?.code ?? '';
  const host = hostOf(url);
  const msg = e?.message ?? String(err);
  switch (code) {
    case 'ECONNREFUSED':
      return new HttpError('refused', url, `Connection refused by ${host}: nothing is listening there.`, 'Check the host and port, and that the server is running.', ms, err);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new HttpError('dns', url, `Cannot resolve ${host} (DNS ${code}).`, 'Check the host name for typos; Alexa must be able to resolve it from the public internet.', ms, err);
    case 'ECONNRESET':
    case 'EPIPE':
      return new HttpError('reset', url, `${host} closed the connection before answering completely (${code}).`, 'Look at the server logs: it crashed or dropped the request.', ms, err);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
      return new HttpError('unreachable', url, `${host} is unreachable (${code}).`, 'Check the network path and firewall.', ms, err);
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
      return new HttpError('tls-self-signed', url, `${host} presents a self-signed TLS certificate.`, 'Alexa only trusts certificates from an Amazon-approved certificate authority; install one (not Let\'s Encrypt, per Amazon\'s account-linking requirements).', ms, err);
    case 'CERT_HAS_EXPIRED':
      return new HttpError('tls-expired', url, `${host}'s TLS certificate has expired.`, 'Renew the certificate.', ms, err);
    case 'CERT_NOT_YET_VALID':
      return new HttpError('tls-expired', url, `${host}'s TLS certificate is not valid yet.`, 'Check the certificate dates and the server clock.', ms, err);
    case 'ERR_TLS_CERT_ALTNAME_INVALID':
      return new HttpError('tls-hostname', url, `${host}'s TLS certificate is for another host name${e.reason ? ` (${e.reason})` : ''}.`, `Use a certificate whose subject alternative names include ${host.split(':')[0]}.`, ms, err);
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'CERT_UNTRUSTED':
      return new HttpError('tls-untrusted', url, `${host}'s TLS certificate is not trusted (${code}).`, 'Serve the full certificate chain, from a certificate authority Amazon trusts.', ms, err);
    case 'ERR_INVALID_URL':
      return new HttpError('bad-url', url, `"${url}" is not a valid URL.`, undefined, ms, err);
  }
  if (/^ERR_TLS|^ERR_SSL|SSL routines|wrong version number/i.test(`${code} ${msg}`)) {
    return new HttpError('tls-other', url, `TLS handshake with ${host} failed: ${msg}`, 'Check that the server speaks HTTPS on this port with a valid certificate.', ms, err);
  }
  if (/socket hang up/i.test(msg)) {
    return new HttpError('reset', url, `${host} closed the connection before answering (socket hang up).`, 'Look at the server logs: it crashed or dropped the request.', ms, err);
  }
  if (e?.name === 'AbortError' || code === 'ABORT_ERR') {
    return new HttpError('aborted', url, `Request to ${host} was cancelled.`, undefined, ms, err);
  }
  return new HttpError('other', url, `Request to ${host} failed: ${msg}`, undefined, ms, err ?? new Error(String(timeoutMs)));
}

/** A failure on the way through a proxy: the proxy itself, or what it said about the host. */
function diagnoseProxied(err: unknown, url: string, ms: number, timeoutMs: number, proxy: string): HttpError {
  const e = err as NodeJS.ErrnoException;
  const code = e?.code ?? '';
  const shown = showProxy(proxy);
  const host = hostOf(url);
  const fix = `Check HTTPS_PROXY / HTTP_PROXY (and NO_PROXY for hosts that must not go through it).${OFFLINE_HINT}`;
  if (code === 'ECONNREFUSED') return new HttpError('refused', url, `The proxy ${shown} refused the connection (nothing listens there); ${host} was not reached.`, fix, ms, err);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return new HttpError('dns', url, `Cannot resolve the proxy's host in ${shown} (DNS ${code}).`, fix, ms, err);
  if (code === 'ECONNRESET' || /socket hang up/i.test(e?.message ?? '')) return new HttpError('reset', url, `The proxy ${shown} closed the connection to ${host} (it may refuse the host, or need credentials).`, fix, ms, err);
  const inner = diagnose(err, url, ms, timeoutMs);
  return new HttpError(inner.kind, url, `${inner.message} (through the proxy ${shown})`, inner.hint, ms, err);
}

function once(req: HttpRequest, url: URL, started: number, deadline: number, via?: { proxy: string; agent: http.Agent }): Promise<HttpResponse> {
  return new Promise<HttpResponse>((resolve, reject) => {
    const isHttps = url.protocol === 'https:';
    const mod = isHttps ? https : http;
    const body = req.body === undefined ? undefined : Buffer.isBuffer(req.body) ? req.body : Buffer.from(req.body, 'utf8');
    const headers: Record<string, string> = { ...(req.headers ?? {}) };
    if (body && !Object.keys(headers).some((k) => k.toLowerCase() === 'content-length')) headers['content-length'] = String(body.length);
    const maxBody = req.maxBodyBytes ?? DEFAULT_MAX_BODY;
    const timeoutMs = req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    let settled = false;
    const options: https.RequestOptions = {
      method: req.method ?? 'GET',
      headers,
      agent: via?.agent ?? req.agent ?? false,
    };
    if (isHttps) {
      if (req.ca) options.ca = req.ca;
      if (req.insecure) options.rejectUnauthorized = false;
    }
    const r = mod.request(url, options);
    // Listen for errors before anything can destroy the request (an already-aborted signal does
    // so synchronously below); an 'error' with no listener would crash the process.
    r.on('error', (err) => fail(err));
    let tlsInfo: TlsInfo | undefined;
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
      r.destroy();
      reject(diagnose(err, url.href, Date.now() - started, timeoutMs, via?.proxy));
    };
    const remaining = Math.max(1, deadline - Date.now());
    // Set once the status line arrived: a server that then sends its body a byte at a time (a slow
    // drip) gets its own words, not "did not answer".
    let answered: { status: number; bytes: number } | undefined;
    const timer = setTimeout(() => {
      fail(
        answered
          ? new HttpError(
              'timeout',
              url.href,
              `${url.host} did not finish answering within ${timeoutMs} ms: after HTTP ${answered.status} it sent only ${answered.bytes} bytes of body (a slow drip).`,
              'The server starts the answer and then sends it very slowly (a stuck upstream or a broken proxy); Alexa gives token endpoints 4.5 s and skills 8 s for the whole answer.',
              Date.now() - started,
            )
          : new HttpError(
              'timeout',
              url.href,
              `${url.host} did not answer within ${timeoutMs} ms.`,
              'The server is slow or stuck; Alexa gives token endpoints 4.5 s and skills 8 s.',
              Date.now() - started,
            ),
      );
    }, remaining);
    const onAbort = () => fail(Object.assign(new Error('aborted'), { name: 'AbortError' }));
    // A proxy that will not open the tunnel answers CONNECT itself: that answer is not the host's.
    r.on('proxyConnect', (res: http.IncomingMessage) => {
      if (!via || url.protocol !== 'https:' || res.statusCode === 200) return;
      const status = `HTTP ${res.statusCode ?? '?'}${res.statusMessage ? ` ${res.statusMessage}` : ''}`;
      fail(
        new HttpError(
          'other',
          url.href,
          `The proxy ${showProxy(via.proxy)} would not connect to ${url.host} (${status}).`,
          res.statusCode === 407
            ? 'The proxy wants credentials: put them in the proxy URL (HTTPS_PROXY=http://user:password@proxy:port).'
            : 'The proxy refuses or cannot reach that host: ask whoever runs it, or list the host in NO_PROXY if it is reachable directly.',
          Date.now() - started,
        ),
      );
    });
    if (req.signal) {
      if (req.signal.aborted) return onAbort();
      req.signal.addEventListener('abort', onAbort, { once: true });
    }
    r.on('socket', (socket) => {
      if (socket instanceof tls.TLSSocket) {
        const capture = () => {
          const cert = socket.getPeerCertificate();
          tlsInfo = {
            authorized: socket.authorized,
            ...(socket.authorizationError ? { authorizationError: String(socket.authorizationError) } : {}),
            ...(cert && cert.subject ? { subject: cn(cert.subject.CN), issuer: cn(cert.issuer?.CN), ...(cert.issuer?.O ? { issuerOrg: cn(cert.issuer.O) } : {}), validFrom: cert.valid_from, validTo: cert.valid_to } : {}),
          };
        };
        // Through a proxy the agent hands over a socket whose handshake is already done.
        const peer = socket.getPeerCertificate();
        if (peer && Object.keys(peer).length) capture();
        else socket.once('secureConnect', capture);
      }
    });
    r.on('response', (res) => {
      const chunks: Buffer[] = [];
      let bytes = 0;
      answered = { status: res.statusCode ?? 0, bytes: 0 };
      const declared = Number(res.headers['content-length']);
      if (Number.isFinite(declared) && declared > maxBody) {
        return fail(new HttpError('too-large', url.href, `${url.host} announced a ${declared}-byte answer; more than the ${maxBody} bytes alexa-link reads.`, 'An OAuth or skill answer is a few kilobytes; check what the server sends.', Date.now() - started));
      }
      res.on('data', (c: Buffer) => {
        bytes += c.length;
        if (answered) answered.bytes = bytes;
        if (bytes > maxBody) {
          return fail(new HttpError('too-large', url.href, `${url.host} sent more than ${maxBody} bytes; alexa-link stopped reading.`, 'An OAuth or skill answer is a few kilobytes; check what the server sends.', Date.now() - started));
        }
        chunks.push(c);
      });
      res.on('error', fail);
      res.on('aborted', () => fail(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })));
      res.on('end', () => {
        if (settled) return;
        if (!res.complete) return fail(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }));
        settled = true;
        clearTimeout(timer);
        req.signal?.removeEventListener('abort', onAbort);
        const out: HttpResponse = {
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: Buffer.concat(chunks).toString('utf8'),
          bytes,
          ms: Date.now() - started,
          url: url.href,
          redirects: [],
        };
        if (tlsInfo) out.tls = tlsInfo;
        resolve(out);
      });
    });
    if (body) r.end(body);
    else r.end();
  });
}

/** Sends one request (following redirects when asked) and reads the whole answer. */
export async function request(req: HttpRequest): Promise<HttpResponse> {
  const started = Date.now();
  const timeoutMs = req.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const deadline = started + timeoutMs;
  let url: URL;
  try {
    url = new URL(req.url);
  } catch (err) {
    throw diagnose(Object.assign(new Error('invalid URL'), { code: 'ERR_INVALID_URL' }), req.url, 0, timeoutMs);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new HttpError('bad-url', req.url, `"${req.url}" is not an http(s) URL.`, undefined, 0);
  }
  const redirects: string[] = [];
  const maxRedirects = req.maxRedirects ?? 0;
  for (;;) {
    const proxy = await proxyFor(url);
    const via = proxy ? { proxy, agent: await proxyAgent(proxy, url.protocol === 'https:') } : undefined;
    if (proxy && proxyNotice && !noticed.has(`${url.host} ${proxy}`)) {
      noticed.add(`${url.host} ${proxy}`);
      proxyNotice(`Requests to ${url.host} go through the proxy ${showProxy(proxy)} (from ${url.protocol === 'https:' ? 'HTTPS_PROXY' : 'HTTP_PROXY'} or ALL_PROXY; NO_PROXY lists the exceptions).`);
    }
    req.trace?.(`→ ${req.method ?? 'GET'} ${url.href}${proxy ? ` (through the proxy ${showProxy(proxy)})` : ''}`);
    let res: HttpResponse;
    try {
      res = await once(req, url, started, deadline, via);
    } catch (err) {
      throw err instanceof HttpError && !via ? await explainUnreachable(err, req) : err;
    }
    req.trace?.(`← ${res.status} ${url.host} (${res.ms} ms, ${res.bytes} bytes)`);
    const location = header(res, 'location');
    const method = (req.method ?? 'GET').toUpperCase();
    if (res.status >= 300 && res.status < 400 && location && maxRedirects > 0 && (method === 'GET' || method === 'HEAD')) {
      const next = new URL(location, url);
      if (next.href === url.href || redirects.includes(next.href)) {
        throw new HttpError('redirect-loop', req.url, `${url.host} redirects in a loop (${[...redirects, url.href, next.href].slice(-3).join(' → ')}).`, 'Fix the redirect rules on the server.', Date.now() - started);
      }
      redirects.push(url.href);
      if (redirects.length > maxRedirects) {
        throw new HttpError('too-many-redirects', req.url, `${hostOf(req.url)} redirected more than ${maxRedirects} times.`, 'Fix the redirect rules on the server.', Date.now() - started);
      }
      url = next;
      continue;
    }
    res.redirects = redirects;
    return res;
  }
}

/**
 * Connects with TLS and reports the certificate without failing on it (doctor's certificate
 * checks). Throws HttpError for network failures.
 */
export async function inspectTls(url: string, opts: { timeoutMs?: number; ca?: string | Buffer } = {}): Promise<TlsInfo & { protocol?: string }> {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  const proxy = parsed ? await proxyFor(parsed) : undefined;
  if (proxy) {
    // Through the proxy's tunnel: one HEAD request that accepts any certificate, to look at it.
    const res = await request({ url, method: 'HEAD', insecure: true, timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, ...(opts.ca ? { ca: opts.ca } : {}) });
    if (!res.tls) throw new HttpError('tls-other', url, `No TLS handshake with ${parsed!.host} through the proxy ${showProxy(proxy)}.`, undefined, res.ms);
    return res.tls;
  }
  try {
    return await inspectTlsDirect(url, opts);
  } catch (err) {
    throw err instanceof HttpError ? await explainUnreachable(err, {}) : err;
  }
}

function inspectTlsDirect(url: string, opts: { timeoutMs?: number; ca?: string | Buffer }): Promise<TlsInfo & { protocol?: string }> {
  const started = Date.now();
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return reject(new HttpError('bad-url', url, `"${url}" is not a valid URL.`, undefined, 0));
    }
    const socket = tls.connect({
      host: u.hostname.replace(/^\[|\]$/g, ''),
      port: Number(u.port || 443),
      servername: /^[\d.]+$|:/.test(u.hostname) ? undefined : u.hostname,
      rejectUnauthorized: false,
      ...(opts.ca ? { ca: opts.ca } : {}),
    });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new HttpError('timeout', url, `${u.host} did not complete a TLS handshake within ${timeoutMs} ms.`, undefined, Date.now() - started));
    }, timeoutMs);
    socket.once('secureConnect', () => {
      clearTimeout(timer);
      const cert = socket.getPeerCertificate();
      let authorizationError = socket.authorizationError ? String(socket.authorizationError) : undefined;
      if (socket.authorized) {
        const hostErr = tls.checkServerIdentity(u.hostname.replace(/^\[|\]$/g, ''), cert);
        if (hostErr) authorizationError = 'ERR_TLS_CERT_ALTNAME_INVALID';
      }
      const info: TlsInfo & { protocol?: string } = {
        authorized: socket.authorized && !authorizationError,
        ...(authorizationError ? { authorizationError } : {}),
        subject: cn(cert?.subject?.CN),
        issuer: cn(cert?.issuer?.CN),
        ...(cert?.issuer?.O ? { issuerOrg: cn(cert.issuer.O) } : {}),
        validFrom: cert?.valid_from,
        validTo: cert?.valid_to,
        protocol: socket.getProtocol() ?? undefined,
      };
      socket.end();
      resolve(info);
    });
    socket.once('error', (err) => {
      clearTimeout(timer);
      reject(diagnose(err, url, Date.now() - started, timeoutMs));
    });
  });
}

/** The diagnosis for a certificate problem code found by inspectTls. */
export function tlsProblem(url: string, info: TlsInfo): HttpError | undefined {
  if (info.authorized) return undefined;
  return diagnose({ code: info.authorizationError ?? 'CERT_UNTRUSTED', message: info.authorizationError ?? 'untrusted' }, url, 0, 0);
}
