import type { AccessTokenScheme } from '../linking/config.js';
import { detectProvider, PROVIDERS } from '../linking/providers.js';
import { isLoopbackHost, MIN_TOKEN_LIFETIME_SECONDS } from '../linking/rules.js';
import { header } from '../net/http.js';
import { excerpt } from '../ui/redact.js';
import { issuedByLetsEncrypt, letsEncryptWarning } from './certificate-authority.js';
import type { TokenHttpAnswer, TokenNetworkFailure, TokenPostOutcome } from './token-exchange.js';

/**
 * Judges a token endpoint's answer by the rules Alexa applies (reference §5.2): HTTP 200 within
 * 4.5 s, a JSON body with access_token, token_type bearer, expires_in (else
 * defaultTokenExpirationInSeconds) of at least 360 s, and a refresh_token. Explains the usual
 * failures: the other client authentication scheme, invalid_client, invalid_grant, HTML instead of
 * JSON, certificates, slowness. Pure: answers in, steps out.
 */
export type StepStatus = 'pass' | 'warn' | 'fail';

export interface Step {
  /** Stable kebab-case id. */
  id: string;
  title: string;
  status: StepStatus;
  detail: string;
  /** What to change; empty when there is nothing to do. */
  fix: string;
  ms?: number;
}

/** Alexa waits 4.5 s for the token endpoint. */
export const ALEXA_TOKEN_DEADLINE_MS = 4500;

export type Grant = 'authorization_code' | 'refresh_token';

export interface JudgeContext {
  grant: Grant;
  tokenUrl: string;
  authorizationUrl?: string;
  /** The scheme configured in accountLinking.json (the one the first request used). */
  scheme: AccessTokenScheme;
  defaultTokenExpirationInSeconds?: number;
  /** Override of Alexa's 4.5 s (tests). */
  latencyLimitMs?: number;
  /**
   * When the configured scheme was refused (invalid_client), the answer to the same request sent
   * with the other scheme.
   */
  otherSchemeAnswer?: TokenPostOutcome;
  /**
   * The certificate was not trusted and, this being a loopback rehearsal, the request was sent
   * again without checking it: the failure to report and the answer to judge.
   */
  untrustedCertificate?: TokenNetworkFailure;
  /** The refresh token that was sent (refresh grant), to tell whether it was rotated. */
  sentRefreshToken?: string;
}

/** The fields of a successful answer, as Alexa reads them. */
export interface TokenFields {
  accessToken: string;
  tokenType?: string;
  /** Seconds, from expires_in or the configured default. */
  expiresIn?: number;
  /** Where expiresIn came from. */
  expiresInSource?: 'expires_in' | 'defaultTokenExpirationInSeconds';
  refreshToken?: string;
  scope?: string;
}

export interface Judgement {
  steps: Step[];
  /** Alexa would accept this answer (no step failed). */
  ok: boolean;
  /** Present when the answer carried an access token. */
  tokens?: TokenFields;
  /** The answer that was judged (the other scheme's when that one worked). */
  answer?: TokenHttpAnswer;
}

const SCHEME_WORDS: Record<AccessTokenScheme, string> = {
  HTTP_BASIC: 'HTTP Basic (Authorization header)',
  REQUEST_BODY_CREDENTIALS: 'request body credentials (client_id and client_secret form fields)',
};

function prefix(grant: Grant): string {
  return grant === 'authorization_code' ? 'token' : 'refresh';
}

function exchangeWords(grant: Grant): string {
  return grant === 'authorization_code' ? 'code exchange' : 'refresh';
}

function isLocal(url: string): boolean {
  try {
    return isLoopbackHost(new URL(url).hostname);
  } catch {
    return false;
  }
}

function oauthError(json: unknown): { error: string; description?: string } | undefined {
  if (!json || typeof json !== 'object' || Array.isArray(json)) return undefined;
  const o = json as Record<string, unknown>;
  if (typeof o.error !== 'string') return undefined;
  const out: { error: string; description?: string } = { error: o.error };
  if (typeof o.error_description === 'string') out.description = o.error_description;
  return out;
}

function looksLikeHtml(answer: TokenHttpAnswer): boolean {
  const ct = (header(answer, 'content-type') ?? '').toLowerCase();
  return ct.includes('text/html') || /^\s*(<!doctype html|<html|<head|<body)/i.test(answer.body);
}

function bodyExcerpt(body: string): string {
  // Redacted before it is cut short: a token in an answer with an unexpected status must not show,
  // not even its first 160 characters.
  return excerpt(body.replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim(), 160);
}

function describeOAuthError(e: { error: string; description?: string }): string {
  return e.description ? `${e.error} (${e.description})` : e.error;
}

/** The fix for an OAuth error answer, by error code. */
function explainError(e: { error: string; description?: string }, ctx: JudgeContext): { detail: string; fix: string } {
  const what = describeOAuthError(e);
  switch (e.error) {
    case 'invalid_client':
      return {
        detail: `The provider refused the client credentials: ${what}.`,
        fix: `Check clientId and the client secret (ALEXA_LINK_CLIENT_SECRET), and that accessTokenScheme matches the client's authentication method at the provider (now ${ctx.scheme}).`,
      };
    case 'invalid_grant':
      return ctx.grant === 'authorization_code'
        ? {
            detail: `The provider refused the authorization code: ${what}. Usually the code was already used or expired, or redirect_uri differs from the one in the authorization request.`,
            fix: "Allow Alexa's redirect URLs at the provider exactly as Alexa sends them (https://pitangui.amazon.com/api/skill/link/<vendor>, layla…, alexa.amazon.co.jp…); if the provider requires PKCE, enable PKCE for the skill.",
          }
        : {
            detail: `The provider refused the refresh token: ${what}. It may have expired, been revoked, or been rotated already (refresh-token reuse detection).`,
            fix: 'Give refresh tokens a long lifetime and, with rotation, a reuse interval; Alexa refreshes whenever the access token expires.',
          };
    case 'unauthorized_client':
      return {
        detail: `The client may not use the ${ctx.grant} grant: ${what}.`,
        fix: ctx.grant === 'refresh_token' ? "Allow the Refresh Token grant for this client at the provider (Okta: Grant types → Refresh Token; Auth0: Grant Types → Refresh Token)." : 'Allow the Authorization Code grant for this client at the provider.',
      };
    case 'unsupported_grant_type':
      return { detail: `The provider does not support grant_type=${ctx.grant}: ${what}.`, fix: `Enable the ${ctx.grant} grant at the provider; Alexa needs authorization_code and refresh_token.` };
    case 'invalid_request':
      return {
        detail: `The provider found the request malformed: ${what}.`,
        fix: /code_verifier|pkce/i.test(e.description ?? '')
          ? 'The provider requires PKCE: enable PKCE in the skill\'s account-linking settings, or turn the requirement off for this client.'
          : 'Alexa sends form-encoded grant_type, code, redirect_uri and the client credentials; make the token endpoint accept exactly that.',
      };
    default:
      return { detail: `The provider answered an OAuth error: ${what}.`, fix: 'Look at the provider\'s logs for this request.' };
  }
}

function statusStep(answer: TokenHttpAnswer, ctx: JudgeContext, id: string, title: string): Step {
  const status = answer.status;
  const words = exchangeWords(ctx.grant);
  if (status === 200) {
    return { id, title, status: 'pass', detail: `The provider answered the ${words} with HTTP 200; client credentials sent as ${SCHEME_WORDS[answer.scheme]}.`, fix: '', ms: answer.ms };
  }
  const e = oauthError(answer.json);
  if (e) {
    const { detail, fix } = explainError(e, ctx);
    return { id, title, status: 'fail', detail: `HTTP ${status}. ${detail}`, fix, ms: answer.ms };
  }
  if (status >= 300 && status < 400) {
    const to = header(answer, 'location');
    return {
      id,
      title,
      status: 'fail',
      detail: `HTTP ${status}: the token endpoint redirects${to ? ` to ${to}` : ''}; Alexa does not follow redirects when it POSTs the code.`,
      fix: 'Set accessTokenUrl to the final token endpoint URL (check http vs https and trailing slashes).',
      ms: answer.ms,
    };
  }
  if (looksLikeHtml(answer)) {
    return {
      id,
      title,
      status: 'fail',
      detail: `HTTP ${status} with an HTML page instead of an OAuth answer: "${bodyExcerpt(answer.body)}".`,
      fix: 'accessTokenUrl probably points at a web page (the login page, or a proxy\'s error page), not the token endpoint.',
      ms: answer.ms,
    };
  }
  if (status >= 500) {
    return { id, title, status: 'fail', detail: `HTTP ${status}: the provider failed while handling the ${words}.`, fix: 'Look at the provider\'s logs for this request.', ms: answer.ms };
  }
  return {
    id,
    title,
    status: 'fail',
    detail: `HTTP ${status} without an OAuth error body${answer.body ? `: "${bodyExcerpt(answer.body)}"` : ''}.`,
    fix: 'The token endpoint must answer 200 with the tokens, or 400/401 with {"error": …} per RFC 6749 §5.2.',
    ms: answer.ms,
  };
}

function networkStep(failure: TokenNetworkFailure, ctx: JudgeContext, id: string, title: string): Step {
  const limit = ctx.latencyLimitMs ?? ALEXA_TOKEN_DEADLINE_MS;
  if (failure.kind === 'timeout') {
    return {
      id,
      title,
      status: 'fail',
      detail: `No answer: ${failure.message} Alexa gives up after ${limit / 1000} s.`,
      fix: 'Make the token endpoint answer within a second or two (cold starts, slow user lookups, outbound calls).',
      ms: failure.ms,
    };
  }
  return { id, title, status: 'fail', detail: failure.message, fix: failure.hint ?? 'Check that the token endpoint is reachable from the public internet.', ms: failure.ms };
}

/** The steps about the token URL itself: HTTPS on 443, and a trusted certificate. */
function endpointSteps(ctx: JudgeContext, answer: TokenHttpAnswer | undefined): Step[] {
  const p = prefix(ctx.grant);
  const steps: Step[] = [];
  let u: URL;
  try {
    u = new URL(ctx.tokenUrl);
  } catch {
    return [{ id: `${p}-endpoint-url`, title: 'Token URL: HTTPS on port 443', status: 'fail', detail: `"${ctx.tokenUrl}" is not a URL.`, fix: 'Set accessTokenUrl to the provider\'s token endpoint.' }];
  }
  const local = isLoopbackHost(u.hostname);
  if (ctx.grant === 'authorization_code') {
    const problems: string[] = [];
    if (u.protocol !== 'https:') problems.push(`uses ${u.protocol.replace(':', '')}, not HTTPS`);
    else if (u.port && u.port !== '443') problems.push(`uses port ${u.port}, not 443`);
    steps.push(
      problems.length === 0
        ? { id: 'token-endpoint-url', title: 'Token URL: HTTPS on port 443', status: 'pass', detail: `${u.host} is served over HTTPS on port 443.`, fix: '' }
        : {
            id: 'token-endpoint-url',
            title: 'Token URL: HTTPS on port 443',
            status: local ? 'warn' : 'fail',
            detail: `accessTokenUrl ${problems.join(' and ')}${local ? '; fine for this local rehearsal, but Alexa only calls public HTTPS endpoints on port 443' : '; Alexa only calls HTTPS on port 443'}.`,
            fix: 'Serve the token endpoint over HTTPS on port 443 with a certificate from a public certificate authority.',
          },
    );
  }
  if (u.protocol === 'https:') {
    const bad = ctx.untrustedCertificate;
    if (bad) {
      steps.push({
        id: `${p}-endpoint-tls`,
        title: 'Token endpoint certificate: publicly trusted',
        status: local ? 'warn' : 'fail',
        detail: `${bad.message}${local ? ' This loopback rehearsal went on without checking it; Alexa would refuse it.' : ''}`,
        fix: bad.hint ?? 'Install a certificate from a certificate authority Amazon trusts.',
      });
    } else if (answer?.tls) {
      steps.push({
        id: `${p}-endpoint-tls`,
        title: 'Token endpoint certificate: publicly trusted',
        status: 'pass',
        detail: `Certificate for ${answer.tls.subject ?? u.hostname}, issued by ${answer.tls.issuer ?? 'unknown'}, valid until ${answer.tls.validTo ?? 'unknown'}.`,
        fix: '',
      });
      if (issuedByLetsEncrypt(answer.tls)) {
        const w = letsEncryptWarning('accessTokenUrl', answer.tls);
        steps.push({ id: `${p}-endpoint-ca`, title: 'Token endpoint certificate: from an authority Amazon supports', status: 'warn', detail: w.detail, fix: w.fix });
      }
    }
  }
  return steps;
}

function asNumber(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^\d+$/.test(v.trim())) return Number(v);
  return undefined;
}

/** The rules for a 200 answer's body. */
function bodySteps(answer: TokenHttpAnswer, ctx: JudgeContext): { steps: Step[]; tokens?: TokenFields } {
  const p = prefix(ctx.grant);
  const steps: Step[] = [];
  const ct = (header(answer, 'content-type') ?? '').toLowerCase();
  const jsonType = /application\/([a-z0-9.+-]*\+)?json/.test(ct);
  const obj = answer.json !== undefined && typeof answer.json === 'object' && answer.json !== null && !Array.isArray(answer.json) ? (answer.json as Record<string, unknown>) : undefined;
  if (!obj) {
    const form = /application\/x-www-form-urlencoded/.test(ct) || /^[\w.-]+=[^&]*(&[\w.-]+=[^&]*)*$/.test(answer.body.trim());
    steps.push({
      id: `${p}-json`,
      title: 'Answer: JSON',
      status: 'fail',
      detail: looksLikeHtml(answer)
        ? `The answer is an HTML page, not JSON: "${bodyExcerpt(answer.body)}".`
        : form
          ? 'The answer is form-encoded (access_token=…&…), not JSON; Alexa only reads JSON.'
          : `The answer (${ct || 'no content-type'}) is not a JSON object.`,
      fix: looksLikeHtml(answer)
        ? 'accessTokenUrl probably points at a web page (the login page, or a proxy\'s error page), not the token endpoint.'
        : 'Make the token endpoint answer application/json as RFC 6749 §5.1 requires (some providers need an Accept: application/json header, which Alexa does not send).',
    });
    return { steps };
  }
  steps.push(
    jsonType
      ? { id: `${p}-json`, title: 'Answer: JSON', status: 'pass', detail: `A JSON object (${ct.split(';')[0]}).`, fix: '' }
      : {
          id: `${p}-json`,
          title: 'Answer: JSON',
          status: 'warn',
          detail: `The body is JSON but the content-type is "${ct || 'missing'}".`,
          fix: 'Send Content-Type: application/json with the token answer.',
        },
  );

  const accessToken = typeof obj.access_token === 'string' && obj.access_token !== '' ? obj.access_token : undefined;
  steps.push(
    accessToken
      ? { id: `${p}-access-token`, title: 'Answer: access_token', status: 'pass', detail: `access_token of ${accessToken.length} characters.`, fix: '' }
      : {
          id: `${p}-access-token`,
          title: 'Answer: access_token',
          status: 'fail',
          detail: oauthError(obj)
            ? `HTTP 200 carrying an OAuth error instead of tokens: ${describeOAuthError(oauthError(obj)!)}.`
            : `The answer has no access_token (fields: ${Object.keys(obj).join(', ') || 'none'}).`,
          fix: oauthError(obj)
            ? `${explainError(oauthError(obj)!, ctx).fix} Errors must come with HTTP 400/401 (RFC 6749 §5.2).`
            : 'Return the access token in access_token, as RFC 6749 §5.1 requires.',
        },
  );

  const tokenType = typeof obj.token_type === 'string' ? obj.token_type : undefined;
  steps.push(
    tokenType && tokenType.toLowerCase() === 'bearer'
      ? { id: `${p}-token-type`, title: 'token_type: bearer', status: 'pass', detail: `token_type "${tokenType}".`, fix: '' }
      : {
          id: `${p}-token-type`,
          title: 'token_type: bearer',
          status: 'fail',
          detail: tokenType ? `token_type is "${tokenType}"; Alexa uses bearer tokens only.` : 'The answer has no token_type.',
          fix: 'Return "token_type": "Bearer".',
        },
  );

  const raw = obj.expires_in;
  const fromAnswer = asNumber(raw);
  const fallback = ctx.defaultTokenExpirationInSeconds;
  let expiresIn: number | undefined;
  let expiresInSource: TokenFields['expiresInSource'];
  const min = MIN_TOKEN_LIFETIME_SECONDS;
  if (fromAnswer !== undefined) {
    expiresIn = fromAnswer;
    expiresInSource = 'expires_in';
    const asString = typeof raw === 'string';
    steps.push(
      fromAnswer < min
        ? {
            id: `${p}-lifetime`,
            title: `Access token lifetime: at least ${min} s`,
            status: 'fail',
            detail: `expires_in is ${fromAnswer} s; Alexa requires access tokens to live at least ${min} s (6 minutes).`,
            fix: `Raise the access-token lifetime at the provider to at least ${min} s (3600 is common).`,
          }
        : asString
          ? { id: `${p}-lifetime`, title: `Access token lifetime: at least ${min} s`, status: 'warn', detail: `expires_in is the string "${raw}", not a number.`, fix: 'Send expires_in as a JSON number.' }
          : { id: `${p}-lifetime`, title: `Access token lifetime: at least ${min} s`, status: 'pass', detail: `expires_in is ${fromAnswer} s.`, fix: '' },
    );
  } else if (raw !== undefined) {
    steps.push({
      id: `${p}-lifetime`,
      title: `Access token lifetime: at least ${min} s`,
      status: 'fail',
      detail: `expires_in is ${JSON.stringify(raw)}, not a number of seconds.`,
      fix: 'Send expires_in as a JSON number of seconds.',
    });
  } else if (fallback !== undefined) {
    expiresIn = fallback;
    expiresInSource = 'defaultTokenExpirationInSeconds';
    steps.push(
      fallback < min
        ? {
            id: `${p}-lifetime`,
            title: `Access token lifetime: at least ${min} s`,
            status: 'fail',
            detail: `No expires_in; defaultTokenExpirationInSeconds is ${fallback} s, below Alexa's ${min} s minimum.`,
            fix: `Set defaultTokenExpirationInSeconds to the real lifetime (at least ${min} s), or return expires_in.`,
          }
        : {
            id: `${p}-lifetime`,
            title: `Access token lifetime: at least ${min} s`,
            status: 'warn',
            detail: `No expires_in; Alexa uses defaultTokenExpirationInSeconds (${fallback} s). If the real lifetime is shorter, requests carry expired tokens until then.`,
            fix: 'Return expires_in from the token endpoint (both on the code exchange and on refresh).',
          },
    );
  } else {
    steps.push({
      id: `${p}-lifetime`,
      title: `Access token lifetime: at least ${min} s`,
      status: 'fail',
      detail: 'No expires_in and no defaultTokenExpirationInSeconds in accountLinking.json: Alexa cannot tell when to refresh.',
      fix: 'Return expires_in from the token endpoint, or set defaultTokenExpirationInSeconds to the access-token lifetime.',
    });
  }

  const refreshToken = typeof obj.refresh_token === 'string' && obj.refresh_token !== '' ? obj.refresh_token : undefined;
  if (ctx.grant === 'authorization_code') {
    const preset = PROVIDERS[detectProvider(ctx.authorizationUrl, ctx.tokenUrl)];
    steps.push(
      refreshToken
        ? { id: 'refresh-token-present', title: 'Answer: refresh_token', status: 'pass', detail: `refresh_token of ${refreshToken.length} characters.`, fix: '' }
        : {
            id: 'refresh-token-present',
            title: 'Answer: refresh_token',
            status: 'fail',
            detail: `No refresh_token: when the access token expires${expiresIn ? ` (after ${expiresIn} s)` : ''} Alexa stops sending it and users must link again.`,
            fix: `Make the provider issue refresh tokens. ${preset.refreshHint}`,
          },
    );
  } else {
    steps.push(
      refreshToken
        ? {
            id: 'refresh-new-refresh-token',
            title: 'Refresh answer: refresh_token',
            status: 'pass',
            detail: refreshToken === ctx.sentRefreshToken ? 'The same refresh_token came back.' : 'A new (rotated) refresh_token came back; Alexa stores it.',
            fix: '',
          }
        : {
            id: 'refresh-new-refresh-token',
            title: 'Refresh answer: refresh_token',
            status: 'warn',
            detail: 'The refresh answer has no refresh_token; Alexa should keep the old one, but some clients drop the link when none comes back.',
            fix: 'Return the refresh token (the same or a new one) in every refresh answer.',
          },
    );
  }

  if (!accessToken) return { steps };
  const tokens: TokenFields = { accessToken };
  if (tokenType) tokens.tokenType = tokenType;
  if (expiresIn !== undefined) tokens.expiresIn = expiresIn;
  if (expiresInSource) tokens.expiresInSource = expiresInSource;
  if (refreshToken) tokens.refreshToken = refreshToken;
  if (typeof obj.scope === 'string') tokens.scope = obj.scope;
  return { steps, tokens };
}

/** The client authentication scheme step, when the configured one was refused. */
function schemeStep(first: TokenHttpAnswer, other: TokenPostOutcome, ctx: JudgeContext): Step {
  const id = `${prefix(ctx.grant)}-client-auth-scheme`;
  const title = 'Client authentication: as accessTokenScheme says';
  const alt = other.scheme;
  if (other.ok && other.status === 200) {
    return {
      id,
      title,
      status: 'fail',
      detail: `The provider refused the credentials sent as ${SCHEME_WORDS[ctx.scheme]} (HTTP ${first.status} invalid_client) and accepted the same request with ${SCHEME_WORDS[alt]}.`,
      fix: `Set "accessTokenScheme": "${alt}" in accountLinking.json and push it with alexa-link configure.`,
      ms: first.ms,
    };
  }
  const otherError = other.ok ? oauthError(other.json) : undefined;
  if (other.ok && otherError?.error === 'invalid_client') {
    return {
      id,
      title,
      status: 'fail',
      detail: `The provider refused the client credentials with both schemes (invalid_client): the client ID or the client secret is wrong.`,
      fix: 'Check clientId in accountLinking.json and the secret in ALEXA_LINK_CLIENT_SECRET against the provider\'s client settings.',
      ms: first.ms,
    };
  }
  return {
    id,
    title,
    status: 'fail',
    detail: `The provider refused the credentials sent as ${SCHEME_WORDS[ctx.scheme]} (invalid_client). With ${SCHEME_WORDS[alt]} it answered ${other.ok ? `HTTP ${other.status}${otherError ? ` ${describeOAuthError(otherError)}` : ''}` : other.message}, so that scheme gets past client authentication${other.ok && otherError?.error === 'invalid_grant' ? ' (the code itself was then refused)' : ''}.`,
    fix: other.ok && otherError?.error !== 'invalid_client' ? `Set "accessTokenScheme": "${alt}" in accountLinking.json and push it with alexa-link configure.` : 'Check the client ID, the secret and the scheme at the provider.',
    ms: first.ms,
  };
}

/**
 * Judges one token answer (code exchange or refresh). `outcome` is the answer to the request sent
 * with the configured scheme (or its network failure).
 */
export function judgeTokenResponse(outcome: TokenPostOutcome, ctx: JudgeContext): Judgement {
  const p = prefix(ctx.grant);
  const exchangeId = `${p}-exchange`;
  const exchangeTitle = ctx.grant === 'authorization_code' ? 'Code exchange: HTTP 200 with tokens' : 'Refresh: HTTP 200 with tokens';
  if (!outcome.ok) {
    const steps = endpointSteps(ctx, undefined);
    if (outcome.kind.startsWith('tls-') && !steps.some((s) => s.id === `${p}-endpoint-tls`)) {
      steps.push({ id: `${p}-endpoint-tls`, title: 'Token endpoint certificate: publicly trusted', status: 'fail', detail: outcome.message, fix: outcome.hint ?? 'Install a certificate from a certificate authority Amazon trusts.', ms: outcome.ms });
    }
    steps.push(networkStep(outcome, ctx, exchangeId, exchangeTitle));
    return { steps: titled(steps, ctx.grant), ok: false };
  }

  const steps: Step[] = [];
  let judged: TokenPostOutcome = outcome;
  const firstError = oauthError(outcome.json);
  if (outcome.status !== 200 && firstError?.error === 'invalid_client' && ctx.otherSchemeAnswer) {
    steps.push(schemeStep(outcome, ctx.otherSchemeAnswer, ctx));
    if (ctx.otherSchemeAnswer.ok && ctx.otherSchemeAnswer.status === 200) judged = ctx.otherSchemeAnswer;
  }
  if (!judged.ok) {
    return { steps: titled([...endpointSteps(ctx, undefined), ...steps, networkStep(judged, ctx, exchangeId, exchangeTitle)], ctx.grant), ok: false };
  }
  const answer: TokenHttpAnswer = judged;
  steps.unshift(...endpointSteps(ctx, answer));
  steps.push(statusStep(answer, ctx, exchangeId, exchangeTitle));

  const limit = ctx.latencyLimitMs ?? ALEXA_TOKEN_DEADLINE_MS;
  steps.push(
    answer.ms <= limit
      ? { id: `${p}-latency`, title: `Answer time: within ${limit / 1000} s`, status: 'pass', detail: `Answered in ${answer.ms} ms.`, fix: '', ms: answer.ms }
      : {
          id: `${p}-latency`,
          title: `Answer time: within ${limit / 1000} s`,
          status: 'fail',
          detail: `Answered in ${answer.ms} ms; Alexa gives up after ${limit} ms and the user sees "We were unable to link at this time".`,
          fix: 'Make the token endpoint answer within a second or two (cold starts, slow user lookups, outbound calls).',
          ms: answer.ms,
        },
  );

  let tokens: TokenFields | undefined;
  if (answer.status === 200) {
    const body = bodySteps(answer, ctx);
    steps.push(...body.steps);
    tokens = body.tokens;
  } else if (looksLikeHtml(answer)) {
    steps.push({
      id: `${p}-json`,
      title: 'Answer: JSON',
      status: 'fail',
      detail: `The answer is an HTML page, not JSON: "${bodyExcerpt(answer.body)}".`,
      fix: 'accessTokenUrl probably points at a web page (the login page, or a proxy\'s error page), not the token endpoint.',
    });
  }
  const judgement: Judgement = { steps: titled(steps, ctx.grant), ok: !steps.some((s) => s.status === 'fail'), answer };
  if (tokens) judgement.tokens = tokens;
  return judgement;
}

/** Refresh steps say so in their titles, so the report tells them from the code exchange's. */
function titled(steps: Step[], grant: Grant): Step[] {
  if (grant !== 'refresh_token') return steps;
  return steps.map((s) => (s.title.startsWith('Refresh') ? s : { ...s, title: `Refresh: ${s.title}` }));
}

/** Whether the configured scheme was refused with invalid_client: the caller retries with the other. */
export function needsSchemeRetry(outcome: TokenPostOutcome): boolean {
  return outcome.ok && outcome.status !== 200 && oauthError(outcome.json)?.error === 'invalid_client';
}

/** Whether the failure is a certificate problem on a loopback host: the caller may retry unchecked. */
export function isLocalCertificateFailure(outcome: TokenPostOutcome, tokenUrl: string): outcome is TokenNetworkFailure {
  return !outcome.ok && outcome.kind.startsWith('tls-') && isLocal(tokenUrl);
}

/** Step counts and the overall verdict. */
export function summarize(steps: Step[]): { ok: boolean; pass: number; warn: number; fail: number } {
  const count = (s: StepStatus) => steps.filter((x) => x.status === s).length;
  return { ok: count('fail') === 0, pass: count('pass'), warn: count('warn'), fail: count('fail') };
}
