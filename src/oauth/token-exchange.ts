import type { IncomingHttpHeaders } from 'node:http';
import type { AccessTokenScheme } from '../linking/config.js';
import { isLoopbackHost } from '../linking/rules.js';
import { HttpError, jsonBody, request, type FailureKind, type HttpRequest, type HttpResponse, type TlsInfo } from '../net/http.js';

/**
 * Alexa's side of the token endpoint: POST application/x-www-form-urlencoded with the client
 * credentials per accessTokenScheme (HTTP Basic per RFC 6749 §2.3.1, or client_id and
 * client_secret body fields), timed. Answers are returned as they came (status, headers, body)
 * for token-response.ts to judge; network faults come back as a typed diagnosis, not a throw.
 */
export interface TokenEndpointConfig {
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scheme: AccessTokenScheme;
  /**
   * How long to wait for an answer. Longer than Alexa's 4.5 s on purpose, so a slow endpoint is
   * told apart from a dead one. Default 10 s.
   */
  timeoutMs?: number;
  /** Extra trusted CA (tests with self-signed certificates). */
  ca?: HttpRequest['ca'];
  /**
   * Skip certificate checks. Only for a loopback rehearsal whose certificate was already reported
   * as untrusted: nothing leaves the machine.
   */
  insecure?: boolean;
  signal?: AbortSignal;
  trace?: (line: string) => void;
  /** The HTTP client (tests inject failures through it; defaults to src/net/http.ts request). */
  send?: (req: HttpRequest) => Promise<HttpResponse>;
}

/** The endpoint answered (any status). */
export interface TokenHttpAnswer {
  ok: true;
  scheme: AccessTokenScheme;
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** The parsed body when it is JSON. */
  json?: unknown;
  ms: number;
  tls?: TlsInfo;
}

/** The request never got an answer: refused, timed out, TLS, DNS… */
export interface TokenNetworkFailure {
  ok: false;
  scheme: AccessTokenScheme;
  kind: FailureKind;
  message: string;
  hint: string | undefined;
  ms: number;
  error: HttpError;
}

export type TokenPostOutcome = TokenHttpAnswer | TokenNetworkFailure;

export const TOKEN_REQUEST_TIMEOUT_MS = 10_000;
/** The User-Agent of Alexa's token requests is Apache HttpClient; we say who we are. */
export const USER_AGENT = 'alexa-link (playing Alexa account linking)';

/** application/x-www-form-urlencoded encoding of one value (RFC 6749 Appendix B). */
export function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

/** `Basic base64(urlencode(client_id):urlencode(client_secret))` per RFC 6749 §2.3.1. */
export function basicAuthorization(clientId: string, clientSecret: string): string {
  return `Basic ${Buffer.from(`${formEncode(clientId)}:${formEncode(clientSecret)}`, 'utf8').toString('base64')}`;
}

export function otherScheme(scheme: AccessTokenScheme): AccessTokenScheme {
  return scheme === 'HTTP_BASIC' ? 'REQUEST_BODY_CREDENTIALS' : 'HTTP_BASIC';
}

/** The request that would be sent, without sending it (for --verbose traces and tests). */
export function tokenRequest(cfg: TokenEndpointConfig, params: Record<string, string>): HttpRequest {
  const form = new URLSearchParams(params);
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    'user-agent': USER_AGENT,
  };
  if (cfg.scheme === 'HTTP_BASIC') {
    headers.authorization = basicAuthorization(cfg.clientId, cfg.clientSecret);
  } else {
    form.set('client_id', cfg.clientId);
    form.set('client_secret', cfg.clientSecret);
  }
  const req: HttpRequest = {
    url: cfg.tokenUrl,
    method: 'POST',
    headers,
    body: form.toString(),
    timeoutMs: cfg.timeoutMs ?? TOKEN_REQUEST_TIMEOUT_MS,
    maxBodyBytes: 1024 * 1024,
    maxRedirects: 0,
  };
  if (cfg.ca) req.ca = cfg.ca;
  if (cfg.insecure) req.insecure = true;
  if (cfg.signal) req.signal = cfg.signal;
  if (cfg.trace) req.trace = cfg.trace;
  return req;
}

/**
 * Why a client secret must not go to this URL, or undefined when it may: only over HTTPS, or plain
 * http to a loopback address (a local rehearsal never leaves the machine). Anything else would put
 * the secret on the wire in clear text.
 */
export function cleartextSecretProblem(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined; // the HTTP client reports a bad URL itself
  }
  if (u.protocol === 'https:') return undefined;
  if (u.protocol === 'http:' && isLoopbackHost(u.hostname)) return undefined;
  return `alexa-link did not send the request: ${u.host} is plain ${u.protocol.replace(':', '')}, not a loopback address, and the client secret would cross the network in clear text.`;
}

/**
 * POSTs `params` to the token endpoint with the client credentials per `cfg.scheme`. Never
 * throws for network faults: they come back as `{ok: false, kind, message, hint}`. A request that
 * would carry the client secret over plain http to a non-loopback host is not sent at all (a
 * `bad-url` failure saying why).
 */
export async function postTokenRequest(cfg: TokenEndpointConfig, params: Record<string, string>): Promise<TokenPostOutcome> {
  const send = cfg.send ?? request;
  const cleartext = cfg.clientSecret !== '' ? cleartextSecretProblem(cfg.tokenUrl) : undefined;
  if (cleartext) {
    const error = new HttpError('bad-url', cfg.tokenUrl, cleartext, 'Serve the token endpoint over HTTPS (Alexa only calls HTTPS on port 443), then run this again.', 0);
    return { ok: false, scheme: cfg.scheme, kind: error.kind, message: error.message, hint: error.hint, ms: 0, error };
  }
  try {
    const res = await send(tokenRequest(cfg, params));
    const answer: TokenHttpAnswer = {
      ok: true,
      scheme: cfg.scheme,
      status: res.status,
      headers: res.headers,
      body: res.body,
      ms: res.ms,
    };
    const json = jsonBody(res);
    if (json !== undefined) answer.json = json;
    if (res.tls) answer.tls = res.tls;
    return answer;
  } catch (err) {
    if (err instanceof HttpError) {
      return { ok: false, scheme: cfg.scheme, kind: err.kind, message: err.message, hint: err.hint, ms: err.ms, error: err };
    }
    throw err;
  }
}

/** grant_type=authorization_code with the same redirect_uri as the authorization request. */
export function exchangeCode(cfg: TokenEndpointConfig, grant: { code: string; redirectUri: string; codeVerifier?: string }): Promise<TokenPostOutcome> {
  const params: Record<string, string> = {
    grant_type: 'authorization_code',
    code: grant.code,
    redirect_uri: grant.redirectUri,
  };
  if (grant.codeVerifier) params.code_verifier = grant.codeVerifier;
  return postTokenRequest(cfg, params);
}

/** grant_type=refresh_token, as Alexa does when the access token expires. */
export function refreshAccessToken(cfg: TokenEndpointConfig, refreshToken: string): Promise<TokenPostOutcome> {
  return postTokenRequest(cfg, { grant_type: 'refresh_token', refresh_token: refreshToken });
}
