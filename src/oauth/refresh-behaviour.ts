import { MIN_TOKEN_LIFETIME_SECONDS } from '../linking/rules.js';
import { redactText } from '../ui/redact.js';
import { jwtTimes } from './jwt.js';
import type { TokenPostOutcome } from './token-exchange.js';
import type { Judgement, Step, TokenFields } from './token-response.js';

/**
 * The provider behaviours that pass a first login and unlink users later, checked the day the
 * skill is set up (login, after its exchange and refresh; doctor's session-tokens, after its
 * refresh). Each has its own step id:
 * - refresh-invalid-token: a refresh token the provider never issued must get HTTP 400 with
 *   invalid_grant (RFC 6749 §5.2). Alexa unlinks the user on exactly that answer; a 401, a 500 or
 *   a 200 makes it retry or keep a dead link.
 * - refresh-rotation: whether each refresh returns a new refresh token (rotation) or the same.
 * - refresh-replay (rotation only): the previous refresh token used once more within a minute, as
 *   Alexa does when a refresh answer was lost on the way: it still works (a reuse interval), or
 *   gets invalid_grant; and whether the provider then revoked the whole grant (reuse detection),
 *   which unlinks the user even though the newest refresh token never leaked.
 * - refresh-second: the next refresh, with the newest refresh token, still returns a working access
 *   token: Alexa refreshes again and again, not once.
 * - token-jwt-expiry / refresh-jwt-expiry: an access token that is a JWT expires when expires_in says
 *   (its own exp claim, decoded only). Alexa schedules refreshes by expires_in; a token that dies
 *   sooner reaches the skill expired.
 * Network access comes in through `refresh` (same endpoint, client authentication and certificate
 * handling as the refresh that just passed); everything else is pure.
 */
export interface RefreshProbe {
  /** Sends grant_type=refresh_token with this refresh token, exactly as the refresh before it. */
  refresh(refreshToken: string): Promise<TokenPostOutcome>;
  /** Judges a refresh answer by Alexa's rules (token-response.ts). */
  judge(outcome: TokenPostOutcome, sentRefreshToken: string): Judgement;
  /** Registers tokens as secrets as soon as they arrive. */
  onSecret?: (value: string) => void;
}

/** A refresh token no provider issued (long enough to pass format checks). */
export const MADE_UP_REFRESH_TOKEN = 'alexa-link-made-up-refresh-token-0000000000000000';
/** How far exp may differ from expires_in before it matters (clock skew, rounding). */
export const JWT_EXPIRY_TOLERANCE_SECONDS = 60;

function describe(outcome: TokenPostOutcome): string {
  if (!outcome.ok) return outcome.message;
  const body = redactText(outcome.body.replace(/\s+/g, ' ').trim());
  return `HTTP ${outcome.status}${body ? ` ${body.length > 200 ? `${body.slice(0, 200)}…` : body}` : ' with an empty body'}`;
}

function oauthError(outcome: TokenPostOutcome): string | undefined {
  if (!outcome.ok || !outcome.json || typeof outcome.json !== 'object') return undefined;
  const e = (outcome.json as Record<string, unknown>).error;
  return typeof e === 'string' ? e : undefined;
}

function isInvalidGrant(outcome: TokenPostOutcome): boolean {
  return outcome.ok && outcome.status === 400 && oauthError(outcome) === 'invalid_grant';
}

/** refresh-invalid-token: the answer to a refresh token the provider never issued. */
export function judgeInvalidRefreshAnswer(outcome: TokenPostOutcome): Step {
  const id = 'refresh-invalid-token';
  const title = 'Invalid refresh token: HTTP 400 invalid_grant';
  if (isInvalidGrant(outcome)) {
    return { id, title, status: 'pass', detail: 'A made-up refresh token is refused with HTTP 400 {"error": "invalid_grant"}, the answer on which Alexa unlinks a user whose grant is gone.', fix: '', ...(outcome.ok ? { ms: outcome.ms } : {}) };
  }
  const answer = describe(outcome);
  const why = !outcome.ok
    ? 'no answer at all'
    : outcome.status === 200
      ? 'it was accepted'
      : oauthError(outcome) === 'invalid_grant'
        ? `invalid_grant, but with HTTP ${outcome.status} instead of 400`
        : `not a 400 invalid_grant`;
  return {
    id,
    title,
    status: 'fail',
    detail: `A made-up refresh token got ${answer} (${why}). Alexa unlinks a user only on HTTP 400 invalid_grant (RFC 6749 §5.2); with this answer it keeps retrying, or keeps a link that is dead, once a refresh token expires or is revoked.`,
    fix: 'Answer a refresh token that is unknown, expired or revoked with HTTP 400 and {"error": "invalid_grant"}.',
    ms: outcome.ms,
  };
}

/**
 * token-jwt-expiry / refresh-jwt-expiry: expires_in against the JWT's own exp (decoded, never
 * verified). undefined when the access token is not a JWT or carries no exp.
 */
export function jwtExpiryStep(grant: 'authorization_code' | 'refresh_token', tokens: TokenFields, receivedAt: Date): Step | undefined {
  const times = jwtTimes(tokens.accessToken);
  if (!times || times.exp === undefined) return undefined;
  const id = grant === 'authorization_code' ? 'token-jwt-expiry' : 'refresh-jwt-expiry';
  const title = `${grant === 'refresh_token' ? 'Refresh: ' : ''}Access token (JWT) exp: as expires_in says`;
  const issued = times.iat ?? Math.floor(receivedAt.getTime() / 1000);
  const lifetime = Math.round(times.exp - issued);
  const claimed = tokens.expiresIn;
  const source = tokens.expiresInSource === 'defaultTokenExpirationInSeconds' ? 'defaultTokenExpirationInSeconds' : 'expires_in';
  const own = `Its exp claim says it lives ${lifetime} s${times.iat === undefined ? ' (counted from its arrival: no iat)' : ''}`;
  if (lifetime < MIN_TOKEN_LIFETIME_SECONDS) {
    return { id, title, status: 'fail', detail: `${own}; Alexa requires access tokens to live at least ${MIN_TOKEN_LIFETIME_SECONDS} s.`, fix: `Issue access tokens that live at least ${MIN_TOKEN_LIFETIME_SECONDS} s (3600 is common), and say so in expires_in.` };
  }
  if (claimed === undefined) return { id, title, status: 'pass', detail: `${own}; the answer gave no lifetime to compare.`, fix: '' };
  const diff = lifetime - claimed;
  if (diff < -JWT_EXPIRY_TOLERANCE_SECONDS) {
    return {
      id,
      title,
      status: 'fail',
      detail: `${own}, but ${source} says ${claimed} s: Alexa keeps sending it for ${-diff} s after it expired, and a skill that checks exp asks the user to link again.`,
      fix: 'Make expires_in the access token\'s real lifetime (exp − iat), on the code exchange and on every refresh.',
    };
  }
  if (diff > JWT_EXPIRY_TOLERANCE_SECONDS) {
    return {
      id,
      title,
      status: 'warn',
      detail: `${own}, ${diff} s longer than ${source} (${claimed} s): Alexa refreshes earlier than needed; harmless, but the two should agree.`,
      fix: 'Make expires_in the access token\'s real lifetime (exp − iat).',
    };
  }
  return { id, title, status: 'pass', detail: `${own}; ${source} says ${claimed} s (within ${JWT_EXPIRY_TOLERANCE_SECONDS} s).`, fix: '' };
}

export interface RefreshBehaviourResult {
  steps: Step[];
  /** The newest tokens that still work after the probes (what a session should keep). */
  latest?: TokenFields;
  /** The provider revoked the grant while probing: no token from this login works any more. */
  grantRevoked: boolean;
}

/** The next refresh's step, from its judgement (refresh-second). */
function secondStep(outcome: TokenPostOutcome, judged: Judgement, rotating: boolean): Step {
  const id = 'refresh-second';
  const title = 'Next refresh, with the newest refresh token: works';
  const failed = judged.steps.filter((s) => s.status === 'fail');
  if (judged.tokens && !failed.length) {
    const rotatedAgain = rotating && judged.tokens.refreshToken !== undefined;
    return { id, title, status: 'pass', detail: `Refreshing again returned a new access token${judged.tokens.expiresIn !== undefined ? ` (expires_in ${judged.tokens.expiresIn} s)` : ''}${rotatedAgain ? ' and the next refresh token' : ''}: Alexa can keep refreshing.`, fix: '', ...(outcome.ok ? { ms: outcome.ms } : {}) };
  }
  return {
    id,
    title,
    status: 'fail',
    detail: `Refreshing again with the ${rotating ? 'rotated' : 'same'} refresh token got ${describe(outcome)}${failed.length ? `: ${failed.map((s) => s.detail).join(' ')}` : ''}. Alexa refreshes every time the access token expires; the user is unlinked at the second expiry.`,
    fix: [...new Set(failed.map((s) => s.fix).filter(Boolean))].join(' ') || 'Let a refresh token be used for every refresh (or return a new one each time, with rotation).',
    ...(outcome.ok ? { ms: outcome.ms } : {}),
  };
}

/**
 * Probes the behaviours after a refresh that worked: `sent` is the refresh token that refresh
 * used, `refreshed` what it returned.
 */
export async function probeRefreshBehaviour(probe: RefreshProbe, sent: string, refreshed: TokenFields): Promise<RefreshBehaviourResult> {
  const steps: Step[] = [];
  const keep = (t: TokenFields | undefined) => {
    if (!t) return;
    probe.onSecret?.(t.accessToken);
    if (t.refreshToken) probe.onSecret?.(t.refreshToken);
  };

  steps.push(judgeInvalidRefreshAnswer(await probe.refresh(MADE_UP_REFRESH_TOKEN)));

  const newest = refreshed.refreshToken ?? sent;
  const rotating = refreshed.refreshToken !== undefined && refreshed.refreshToken !== sent;
  steps.push({
    id: 'refresh-rotation',
    title: 'Refresh-token rotation',
    status: 'pass',
    detail: rotating
      ? 'The provider rotates refresh tokens: the refresh returned a new one (Alexa stores it and uses it next time).'
      : refreshed.refreshToken
        ? 'The provider does not rotate refresh tokens: the refresh returned the same one.'
        : 'The refresh returned no refresh token; the one from the code exchange stays in use.',
    fix: '',
  });

  let grantRevoked = false;
  if (rotating) {
    const replay = await probe.refresh(sent);
    const replayJudged = replay.ok && replay.status === 200 ? probe.judge(replay, sent) : undefined;
    keep(replayJudged?.tokens);
    // The newest refresh token once more: is the grant still alive after the replay?
    const next = await probe.refresh(newest);
    const nextJudged = probe.judge(next, newest);
    keep(nextJudged.tokens);
    const nextWorks = Boolean(nextJudged.tokens) && !nextJudged.steps.some((s) => s.status === 'fail');
    grantRevoked = !nextWorks && isInvalidGrant(next);
    const id = 'refresh-replay';
    const title = 'Previous refresh token replayed within a minute: works or invalid_grant';
    if (replayJudged?.tokens) {
      steps.push({ id, title, status: 'pass', detail: 'The refresh token just rotated away still works for a moment (a reuse interval): a user whose refresh answer got lost (a timeout, a dropped connection) stays linked when Alexa tries again.', fix: '', ...(replay.ok ? { ms: replay.ms } : {}) });
    } else if (isInvalidGrant(replay) && grantRevoked) {
      steps.push({
        id,
        title,
        status: 'fail',
        detail: 'The replayed refresh token got invalid_grant and the provider revoked the whole grant: the newest refresh token is dead too. When a refresh answer is lost on the way to Alexa (a timeout, a dropped connection), Alexa tries again with the previous token, and this provider then unlinks the user.',
        fix: 'Allow a short reuse interval for rotated refresh tokens (Auth0: Rotation → Reuse Interval; Okta: grace period for refresh token rotation), or turn rotation off for this client.',
      });
    } else if (isInvalidGrant(replay)) {
      steps.push({
        id,
        title,
        status: 'warn',
        detail: 'The replayed refresh token got invalid_grant (the grant itself stayed valid). A user whose refresh answer is lost on the way to Alexa is unlinked when Alexa tries again with the previous token.',
        fix: 'Allow a short reuse interval for rotated refresh tokens (Auth0: Rotation → Reuse Interval; Okta: grace period for refresh token rotation).',
      });
    } else {
      steps.push({ id, title, status: 'fail', detail: `The replayed refresh token got ${describe(replay)}: neither a working answer nor HTTP 400 invalid_grant.`, fix: 'Answer a reused refresh token with new tokens (a reuse interval) or with HTTP 400 invalid_grant.' });
    }
    steps.push(grantRevoked ? { id: 'refresh-second', title: 'Next refresh, with the newest refresh token: works', status: 'fail', detail: `Refreshing with the newest refresh token after the replay got ${describe(next)}: the provider revoked the grant.`, fix: 'See refresh-replay.' } : secondStep(next, nextJudged, true));
    return { steps, ...(nextWorks ? { latest: { ...nextJudged.tokens!, refreshToken: nextJudged.tokens!.refreshToken ?? newest } } : {}), grantRevoked };
  }

  const next = await probe.refresh(newest);
  const nextJudged = probe.judge(next, newest);
  keep(nextJudged.tokens);
  steps.push(secondStep(next, nextJudged, false));
  const works = Boolean(nextJudged.tokens) && !nextJudged.steps.some((s) => s.status === 'fail');
  return { steps, ...(works ? { latest: { ...nextJudged.tokens!, refreshToken: nextJudged.tokens!.refreshToken ?? newest } } : {}), grantRevoked: !works && isInvalidGrant(next) };
}
