import path from 'node:path';
import type { AccessTokenScheme } from '../linking/config.js';
import { ALEXA_TOKEN_URL_PARAMS, isLoopbackHost } from '../linking/rules.js';
import { probeReciprocalUrl } from './reciprocal.js';
import { jwtExpiryStep, probeRefreshBehaviour } from './refresh-behaviour.js';
import { SESSION_FILE, writeSession, type LoginSession } from './session.js';
import { exchangeCode, otherScheme, refreshAccessToken, type TokenEndpointConfig, type TokenPostOutcome } from './token-exchange.js';
import { isLocalCertificateFailure, judgeTokenResponse, needsSchemeRetry, type Grant, type Judgement, type Step, type TokenFields } from './token-response.js';

/**
 * From the provider's callback to the report: exchange the code as Alexa does (with the PKCE
 * code_verifier when PKCE is on), judge the answer, refresh once and judge that, then the provider
 * behaviours that unlink users later (refresh-behaviour.ts: an invalid refresh token, rotation and
 * replay, a second refresh, JWT expiry) and the reciprocal token URL, and save the session. This is
 * the part `npm run bench` times.
 */
export interface LoginSettings {
  authorizationUrl: string;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  scheme: AccessTokenScheme;
  scopes: string[];
  redirectUri: string;
  /** PKCE on: the code_verifier sent with the code (Alexa does so when PKCE is enabled for the skill). */
  codeVerifier?: string;
  /** Checked against the token URL's endpoint rules when set. */
  reciprocalAccessTokenUrl?: string;
  /**
   * Probe the provider behaviours that unlink users later after a refresh that worked (default
   * true): an invalid refresh token, rotation and replay, a second refresh. Off only where the
   * provider is a stand-in that answers every request alike (the network fault matrix).
   */
  behaviourProbes?: boolean;
  defaultTokenExpirationInSeconds?: number;
  /** Alexa's 4.5 s, overridable for tests. */
  latencyLimitMs?: number;
  /** Wait for each token request (default 10 s, longer than Alexa on purpose). */
  requestTimeoutMs?: number;
  ca?: TokenEndpointConfig['ca'];
}

export interface LoginFlowDeps {
  /** The HTTP client (default src/net/http.ts request). */
  send?: TokenEndpointConfig['send'];
  now?: () => Date;
  signal?: AbortSignal;
  trace?: (line: string) => void;
  /** Registers tokens as secrets with the output as soon as they arrive. */
  onSecret?: (value: string) => void;
  /** Where to save the session (a project root); no session is written without it. */
  projectRoot?: string;
}

export interface LoginResult {
  ok: boolean;
  steps: Step[];
  /** The tokens Alexa would store (after the refresh, when it worked). */
  tokens?: TokenFields;
  /** Relative session path, when one was written. */
  session?: string;
  sessionPath?: string;
}

function endpointConfig(s: LoginSettings, deps: LoginFlowDeps, scheme: AccessTokenScheme, insecure = false): TokenEndpointConfig {
  const cfg: TokenEndpointConfig = { tokenUrl: s.tokenUrl, clientId: s.clientId, clientSecret: s.clientSecret, scheme };
  if (s.requestTimeoutMs) cfg.timeoutMs = s.requestTimeoutMs;
  if (s.ca) cfg.ca = s.ca;
  if (insecure) cfg.insecure = true;
  if (deps.signal) cfg.signal = deps.signal;
  if (deps.trace) cfg.trace = deps.trace;
  if (deps.send) cfg.send = deps.send;
  return cfg;
}

/**
 * Sends one token request like Alexa and judges it. When the configured scheme is refused with
 * invalid_client, the same request goes again with the other scheme so the report can say which
 * one works; on a loopback rehearsal with an untrusted certificate, it goes again unchecked.
 */
export async function exchangeAndJudge(
  settings: LoginSettings,
  deps: LoginFlowDeps,
  grant: Grant,
  send: (cfg: TokenEndpointConfig) => Promise<TokenPostOutcome>,
  extra: { sentRefreshToken?: string } = {},
): Promise<Judgement> {
  return (await exchangeJudgeAndTell(settings, deps, grant, send, extra)).judgement;
}

/** exchangeAndJudge, also telling which endpoint configuration got the judged answer. */
async function exchangeJudgeAndTell(
  settings: LoginSettings,
  deps: LoginFlowDeps,
  grant: Grant,
  send: (cfg: TokenEndpointConfig) => Promise<TokenPostOutcome>,
  extra: { sentRefreshToken?: string } = {},
): Promise<{ judgement: Judgement; ctx: Parameters<typeof judgeTokenResponse>[1]; cfg: TokenEndpointConfig }> {
  let insecure = false;
  let outcome = await send(endpointConfig(settings, deps, settings.scheme));
  const ctx: Parameters<typeof judgeTokenResponse>[1] = {
    grant,
    tokenUrl: settings.tokenUrl,
    authorizationUrl: settings.authorizationUrl,
    scheme: settings.scheme,
  };
  if (settings.defaultTokenExpirationInSeconds !== undefined) ctx.defaultTokenExpirationInSeconds = settings.defaultTokenExpirationInSeconds;
  if (settings.latencyLimitMs !== undefined) ctx.latencyLimitMs = settings.latencyLimitMs;
  if (extra.sentRefreshToken) ctx.sentRefreshToken = extra.sentRefreshToken;
  if (isLocalCertificateFailure(outcome, settings.tokenUrl)) {
    ctx.untrustedCertificate = outcome;
    insecure = true;
    outcome = await send(endpointConfig(settings, deps, settings.scheme, true));
  }
  let used = endpointConfig(settings, deps, settings.scheme, insecure);
  if (needsSchemeRetry(outcome)) {
    const otherCfg = endpointConfig(settings, deps, otherScheme(settings.scheme), insecure);
    ctx.otherSchemeAnswer = await send(otherCfg);
    if (ctx.otherSchemeAnswer.ok && ctx.otherSchemeAnswer.status === 200) used = otherCfg;
  }
  return { judgement: judgeTokenResponse(outcome, ctx), ctx, cfg: used };
}

/** Exchanges the code, refreshes once, saves the session; every rule becomes a step. */
export async function completeLogin(code: string, settings: LoginSettings, deps: LoginFlowDeps = {}): Promise<LoginResult> {
  const now = deps.now ?? (() => new Date());
  const steps: Step[] = [];
  const baked = tokenUrlParamsStep(settings);
  if (baked) steps.push(baked);
  const exchange = await exchangeAndJudge(settings, deps, 'authorization_code', (cfg) =>
    exchangeCode(cfg, { code, redirectUri: settings.redirectUri, ...(settings.codeVerifier ? { codeVerifier: settings.codeVerifier } : {}) }),
  );
  steps.push(...exchange.steps);
  let tokens = exchange.tokens;
  const receivedAt = now();
  if (tokens) {
    deps.onSecret?.(tokens.accessToken);
    if (tokens.refreshToken) deps.onSecret?.(tokens.refreshToken);
    const jwt = jwtExpiryStep('authorization_code', tokens, receivedAt);
    if (jwt) steps.push(jwt);
  }

  let refreshOk = false;
  let refreshedAt = receivedAt;
  let grantRevoked = false;
  if (tokens?.refreshToken) {
    const sent = tokens.refreshToken;
    const told = await exchangeJudgeAndTell(settings, deps, 'refresh_token', (cfg) => refreshAccessToken(cfg, sent), { sentRefreshToken: sent });
    const refresh = told.judgement;
    steps.push(...refresh.steps);
    refreshedAt = now();
    if (refresh.tokens) {
      deps.onSecret?.(refresh.tokens.accessToken);
      if (refresh.tokens.refreshToken) deps.onSecret?.(refresh.tokens.refreshToken);
      refreshOk = refresh.ok;
      const jwt = jwtExpiryStep('refresh_token', refresh.tokens, refreshedAt);
      if (jwt) steps.push(jwt);
      // A rotated refresh token replaces the old one; without one in the answer the old one stays.
      tokens = { ...refresh.tokens, refreshToken: refresh.tokens.refreshToken ?? sent };
      if (refresh.ok && settings.behaviourProbes !== false) {
        // The same endpoint, client authentication and certificate handling as the refresh that passed.
        const { untrustedCertificate: _reported, otherSchemeAnswer: _tried, ...judgeBase } = told.ctx;
        const behaviour = await probeRefreshBehaviour(
          {
            refresh: (rt) => refreshAccessToken(told.cfg, rt),
            judge: (outcome, sentToken) => judgeTokenResponse(outcome, { ...judgeBase, sentRefreshToken: sentToken }),
            ...(deps.onSecret ? { onSecret: deps.onSecret } : {}),
          },
          sent,
          refresh.tokens,
        );
        steps.push(...behaviour.steps);
        grantRevoked = behaviour.grantRevoked;
        if (behaviour.latest) {
          tokens = behaviour.latest;
          refreshedAt = now();
        } else if (grantRevoked) refreshOk = false;
      }
    }
  }

  if (settings.reciprocalAccessTokenUrl) {
    steps.push(
      await probeReciprocalUrl(settings.reciprocalAccessTokenUrl, {
        ...(deps.send ? { send: deps.send } : {}),
        ...(settings.ca ? { ca: settings.ca } : {}),
        ...(deps.signal ? { signal: deps.signal } : {}),
        ...(deps.trace ? { trace: deps.trace } : {}),
        ...(settings.latencyLimitMs !== undefined ? { latencyLimitMs: settings.latencyLimitMs } : {}),
        timeoutMs: settings.requestTimeoutMs ?? 10_000,
      }),
    );
  }

  const result: LoginResult = { ok: !steps.some((s) => s.status === 'fail'), steps };
  if (tokens) result.tokens = tokens;
  if (tokens && deps.projectRoot) {
    const issuedAt = refreshOk ? refreshedAt : receivedAt;
    const expiresIn = tokens.expiresIn ?? 0;
    const session: LoginSession = {
      version: 1,
      createdAt: receivedAt.toISOString(),
      provider: {
        authorizationUrl: settings.authorizationUrl,
        tokenUrl: settings.tokenUrl,
        clientId: settings.clientId,
        accessTokenScheme: settings.scheme,
        scopes: settings.scopes,
      },
      redirectUri: settings.redirectUri,
      tokens: {
        accessToken: tokens.accessToken,
        tokenType: tokens.tokenType ?? 'Bearer',
        expiresIn,
        expiresAt: new Date(issuedAt.getTime() + expiresIn * 1000).toISOString(),
      },
      refresh: { ok: refreshOk, at: refreshedAt.toISOString() },
    };
    if (tokens.refreshToken) session.tokens.refreshToken = tokens.refreshToken;
    if (tokens.scope) session.tokens.scope = tokens.scope;
    const file = await writeSession(deps.projectRoot, session);
    result.sessionPath = file;
    result.session = path.relative(deps.projectRoot, file) || SESSION_FILE;
    steps.push(
      grantRevoked
        ? {
            id: 'session-saved',
            title: 'Session: saved for doctor',
            status: 'warn',
            detail: `Tokens saved in ${result.session} (mode 0600), but the provider revoked the grant while alexa-link replayed a rotated refresh token (see refresh-replay): they no longer work.`,
            fix: 'Fix the provider\'s refresh-token reuse setting, then run alexa-link login again.',
          }
        : {
            id: 'session-saved',
            title: 'Session: saved for doctor',
            status: 'pass',
            detail: `Tokens saved in ${result.session} (mode 0600); alexa-link doctor --token session uses them.`,
            fix: '',
          },
    );
  }
  return result;
}

/**
 * token-url-params: Alexa's own parameters baked into accessTokenUrl or reciprocalAccessTokenUrl
 * (the same rule as linking-config's token-url-reserved-params). undefined when there are none.
 */
export function tokenUrlParamsStep(settings: Pick<LoginSettings, 'tokenUrl' | 'reciprocalAccessTokenUrl'>): Step | undefined {
  const found: string[] = [];
  for (const [label, url] of [['accessTokenUrl', settings.tokenUrl], ['reciprocalAccessTokenUrl', settings.reciprocalAccessTokenUrl]] as const) {
    if (!url) continue;
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      continue;
    }
    const params = ALEXA_TOKEN_URL_PARAMS.filter((k) => u.searchParams.has(k));
    if (params.length) found.push(`${label} carries ${params.join(', ')}`);
  }
  if (!found.length) return undefined;
  return {
    id: 'token-url-params',
    title: "Token URLs: none of Alexa's own parameters",
    status: 'fail',
    detail: `${found.join('; ')} in the query string; Alexa sends these itself in the form body of its token requests, so the provider gets two values (or a secret in a URL that ends up in logs).`,
    fix: 'Remove them from the URL in accountLinking.json; keep only the token endpoint\'s own URL.',
  };
}

/** Whether the provider runs on this machine (a local rehearsal). */
export function isLocalRehearsal(settings: Pick<LoginSettings, 'tokenUrl' | 'authorizationUrl'>): boolean {
  const local = (u: string) => {
    try {
      return isLoopbackHost(new URL(u).hostname);
    } catch {
      return false;
    }
  };
  return local(settings.tokenUrl) && local(settings.authorizationUrl);
}
