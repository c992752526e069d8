import { AlexaLinkError, describeError } from '../../errors.js';
import { MIN_TOKEN_LIFETIME_SECONDS } from '../../linking/rules.js';
import { request, type HttpRequest } from '../../net/http.js';
import { readSession, secondsLeft, writeSession, SESSION_FILE, type LoginSession } from '../../oauth/session.js';
import { otherScheme, refreshAccessToken, type TokenEndpointConfig } from '../../oauth/token-exchange.js';
import { isLocalCertificateFailure, judgeTokenResponse, needsSchemeRetry, type JudgeContext, type Step, type TokenFields } from '../../oauth/token-response.js';
import { jwtExpiryStep, probeRefreshBehaviour } from '../../oauth/refresh-behaviour.js';
import type { DoctorContext } from '../context.js';
import { fold, type Finding } from '../probe.js';
import type { Check, CheckOutcome } from '../types.js';

/**
 * The tokens the last `alexa-link login` saved: an access token that lives at least 360 s, a
 * refresh token (without one Alexa unlinks users at expiry), and a refresh that still works now
 * (done like Alexa does it, at the token URL accountLinking.json names, and judged by the same
 * rules as login), followed by the provider behaviours that unlink users later (oauth/
 * refresh-behaviour.ts; each finding starts with its step id: refresh-invalid-token,
 * refresh-rotation, refresh-replay, refresh-second, refresh-jwt-expiry). The newest working tokens
 * are saved back so the session stays usable.
 */
export function judgeSavedSession(session: LoginSession, opts: { now: Date; linking?: { clientId?: string; accessTokenUrl?: string } }): Finding[] {
  const out: Finding[] = [];
  const t = session.tokens;
  if (t.expiresIn < MIN_TOKEN_LIFETIME_SECONDS) {
    out.push({ status: 'fail', detail: `The access token lives ${t.expiresIn} s; Alexa requires at least ${MIN_TOKEN_LIFETIME_SECONDS} s.`, fix: `Configure the provider to issue access tokens that live at least ${MIN_TOKEN_LIFETIME_SECONDS} s (3600 is common).` });
  } else out.push({ status: 'pass', detail: `Access token lifetime ${t.expiresIn} s (at least ${MIN_TOKEN_LIFETIME_SECONDS} s).` });
  if (!t.refreshToken) {
    out.push({ status: 'fail', detail: 'The provider issued no refresh token: Alexa unlinks users when the access token expires.', fix: 'Make the provider issue refresh tokens (offline_access scope, access_type=offline for Google, the Refresh Token grant enabled for the client), then alexa-link login again.' });
  } else out.push({ status: 'pass', detail: 'A refresh token was issued.' });
  if (!session.refresh.ok) {
    out.push({ status: 'fail', detail: `The refresh during alexa-link login (${session.refresh.at}) did not pass Alexa's rules.`, fix: 'See the refresh steps of alexa-link login; fix the provider and log in again.' });
  }
  const left = secondsLeft(session, opts.now);
  if (left <= 0) out.push({ status: 'warn', detail: `The saved access token expired ${-left} s ago (${t.expiresAt}); --token session replays send an expired token unless it is refreshed.`, fix: 'Run alexa-link login again (or let doctor refresh it: set the client secret variable).' });
  const l = opts.linking;
  if (l && sessionIsStale(session, l)) {
    out.push({
      status: 'warn',
      detail: `The session is stale: it was made with ${session.provider.clientId} at ${session.provider.tokenUrl}, but accountLinking.json now says ${l.clientId ?? '?'} at ${l.accessTokenUrl ?? '?'}. Its tokens are not refreshed: alexa-link sends the client secret only to the token URL accountLinking.json names.`,
      fix: 'Run alexa-link login again so the session matches the configuration.',
    });
  }
  return out;
}

/** The session was made for another client or token URL than accountLinking.json names now. */
export function sessionIsStale(session: LoginSession, linking: { clientId?: string; accessTokenUrl?: string }): boolean {
  return session.provider.clientId !== linking.clientId || session.provider.tokenUrl !== linking.accessTokenUrl;
}

export const sessionTokens: Check<DoctorContext> = {
  id: 'session-tokens',
  title: 'Saved login tokens: valid and refreshable',
  needs: ['project'],
  async run(ctx, info): Promise<CheckOutcome> {
    if (!ctx.project.ok) return { status: 'skip', detail: ctx.project.reason };
    const root = ctx.project.value.root;
    let session: LoginSession | undefined;
    try {
      session = await readSession(root);
    } catch (err) {
      return { status: 'fail', detail: describeError(err), fix: err instanceof AlexaLinkError && err.hint ? err.hint : 'Run alexa-link login again.' };
    }
    if (!session) return { status: 'skip', detail: `No ${SESSION_FILE}: run alexa-link login to test the provider as Alexa and save tokens for replays.` };
    ctx.deps.addSecret?.(session.tokens.accessToken);
    if (session.tokens.refreshToken) ctx.deps.addSecret?.(session.tokens.refreshToken);
    const findings = judgeSavedSession(session, { now: ctx.now(), ...(ctx.linking.ok ? { linking: ctx.linking.value } : {}) });

    const refreshToken = session.tokens.refreshToken;
    if (!refreshToken) return fold(findings);
    if (ctx.options.offline) {
      findings.push({ status: 'pass', detail: 'Refresh not tried now: --offline.' });
      return fold(findings);
    }
    if (!ctx.clientSecret) {
      findings.push({ status: 'pass', detail: `Refresh not tried now: set ${ctx.options.clientSecretEnv} to the client secret to check that refreshing still works.` });
      return fold(findings);
    }
    // The secret goes only where accountLinking.json says: never to a URL read from session.json.
    if (!ctx.linking.ok || !ctx.linking.value.accessTokenUrl) {
      findings.push({ status: 'pass', detail: 'Refresh not tried now: accountLinking.json names no token URL to confirm the session\'s against (see linking-config).' });
      return fold(findings);
    }
    const linking = ctx.linking.value;
    if (sessionIsStale(session, linking)) return fold(findings);
    const tokenUrl = linking.accessTokenUrl!;
    const http = ctx.deps.http ?? request;
    const cfg = (scheme: TokenEndpointConfig['scheme'], insecure: boolean): TokenEndpointConfig => ({
      tokenUrl,
      clientId: linking.clientId ?? session!.provider.clientId,
      clientSecret: ctx.clientSecret!,
      scheme,
      timeoutMs: Math.min(info.timeoutMs, 10_000),
      signal: info.signal,
      send: (req: HttpRequest) => http(insecure ? { ...req, insecure: true } : req),
      ...(ctx.deps.ca ? { ca: ctx.deps.ca } : {}),
      ...(ctx.deps.debug ? { trace: ctx.deps.debug } : {}),
    });
    const scheme = linking.accessTokenScheme ?? session.provider.accessTokenScheme;
    const judgeCtx: JudgeContext = { grant: 'refresh_token', tokenUrl, authorizationUrl: linking.authorizationUrl ?? session.provider.authorizationUrl, scheme, sentRefreshToken: refreshToken };
    if (ctx.linking.ok && ctx.linking.value.defaultTokenExpirationInSeconds !== undefined) judgeCtx.defaultTokenExpirationInSeconds = ctx.linking.value.defaultTokenExpirationInSeconds;
    let outcome = await refreshAccessToken(cfg(scheme, false), refreshToken);
    let insecure = false;
    if (isLocalCertificateFailure(outcome, tokenUrl)) {
      judgeCtx.untrustedCertificate = outcome;
      insecure = true;
      outcome = await refreshAccessToken(cfg(scheme, true), refreshToken);
    }
    if (needsSchemeRetry(outcome)) judgeCtx.otherSchemeAnswer = await refreshAccessToken(cfg(otherScheme(scheme), insecure), refreshToken);
    const judged = judgeTokenResponse(outcome, judgeCtx);
    const failed = judged.steps.filter((s) => s.status === 'fail');
    const warned = judged.steps.filter((s) => s.status === 'warn');
    if (failed.length) {
      findings.push({ status: 'fail', detail: `Refreshing now, as Alexa will: ${failed.map((s) => s.detail).join(' ')}`, fix: [...new Set(failed.map((s) => s.fix).filter(Boolean))].join('\n') });
      return fold(findings);
    }
    for (const w of warned) findings.push({ status: 'warn', detail: `Refresh: ${w.detail}`, ...(w.fix ? { fix: w.fix } : {}) });
    const fresh = judged.tokens;
    if (fresh) {
      const register = (t: TokenFields) => {
        ctx.deps.addSecret?.(t.accessToken);
        if (t.refreshToken) ctx.deps.addSecret?.(t.refreshToken);
      };
      register(fresh);
      const stepFinding = (st: Step): Finding => ({ status: st.status, detail: `${st.id}: ${st.detail}`, ...(st.fix ? { fix: st.fix } : {}) });
      const refreshedAt = ctx.now();
      const jwt = jwtExpiryStep('refresh_token', fresh, refreshedAt);
      const rotated = fresh.refreshToken !== undefined && fresh.refreshToken !== refreshToken;
      findings.push({ status: 'pass', detail: `Refreshing now, as Alexa will, works (${judged.answer?.ms ?? '?'} ms); the new access token lives ${fresh.expiresIn ?? session.tokens.expiresIn} s${rotated ? ', and the refresh token was rotated' : ''}.` });
      if (jwt) findings.push(stepFinding(jwt));
      // The same endpoint, client authentication and certificate handling as the refresh that passed.
      const usedScheme = judged.answer?.scheme ?? scheme;
      const { untrustedCertificate: _reported, otherSchemeAnswer: _tried, ...judgeBase } = judgeCtx;
      const behaviour = await probeRefreshBehaviour(
        {
          refresh: (rt) => refreshAccessToken(cfg(usedScheme, insecure), rt),
          judge: (o, sentToken) => judgeTokenResponse(o, { ...judgeBase, scheme: usedScheme, sentRefreshToken: sentToken }),
          onSecret: (v) => ctx.deps.addSecret?.(v),
        },
        refreshToken,
        fresh,
      );
      findings.push(...behaviour.steps.map(stepFinding));
      const latest: TokenFields | undefined = behaviour.latest ?? (behaviour.grantRevoked ? undefined : { ...fresh, refreshToken: fresh.refreshToken ?? refreshToken });
      const now = ctx.now();
      if (latest) {
        ctx.freshAccessToken = latest.accessToken;
        const expiresIn = latest.expiresIn ?? session.tokens.expiresIn;
        const updated: LoginSession = {
          ...session,
          tokens: {
            ...session.tokens,
            accessToken: latest.accessToken,
            ...(latest.tokenType ? { tokenType: latest.tokenType } : {}),
            expiresIn,
            expiresAt: new Date(now.getTime() + expiresIn * 1000).toISOString(),
            ...(latest.refreshToken ? { refreshToken: latest.refreshToken } : {}),
          },
          refresh: { ok: true, at: now.toISOString() },
        };
        // A provider that rotates refresh tokens invalidates the old one: keep the session usable.
        await writeSession(root, updated);
      } else {
        await writeSession(root, { ...session, refresh: { ok: false, at: now.toISOString() } });
        findings.push({ status: 'warn', detail: `The saved session no longer works: the provider revoked the grant while its refresh behaviour was probed (see refresh-replay); ${SESSION_FILE} is kept but marked as failed.`, fix: 'Fix the provider, then run alexa-link login again.' });
      }
    }
    return fold(findings);
  },
};
