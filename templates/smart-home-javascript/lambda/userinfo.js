'use strict';

/**
 * Checks an access token at the provider's userinfo endpoint and learns whose it is. The token
 * goes into the Authorization header and nowhere else: it is never logged and never part of a
 * result or an error message.
 *
 * Results:
 *   { status: 'ok', userId, profile }    200 with a JSON object: the token is good
 *   { status: 'unauthorized', expired, reason }
 *                                        401: the provider does not accept the token; `expired` when
 *                                        its WWW-Authenticate header says the token expired
 *   { status: 'failed', reason }         anything else (timeout, network, 5xx, not JSON)
 */
async function fetchUserinfo(url, accessToken, { timeoutMs = 3000, fetchImpl = globalThis.fetch } = {}) {
  let response;
  try {
    response = await fetchImpl(url, {
      headers: { Authorization: `Bearer ${accessToken}`, Accept: 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    return { status: 'failed', reason: describeFetchError(err, timeoutMs) };
  }
  if (response.status === 401) {
    // RFC 6750: error="invalid_token" covers expired, revoked and unknown tokens alike; only the
    // description can tell an expired one apart, and providers word it differently.
    const challenge = response.headers.get('www-authenticate') || '';
    const expired = /expired/i.test(challenge);
    return {
      status: 'unauthorized',
      expired,
      reason: `the userinfo endpoint answered 401: the access token is ${expired ? 'expired' : 'not valid (expired, revoked or unknown)'}`,
    };
  }
  if (!response.ok) {
    return { status: 'failed', reason: `the userinfo endpoint answered HTTP ${response.status}` };
  }
  let text;
  try {
    text = await response.text();
  } catch (err) {
    return { status: 'failed', reason: describeFetchError(err, timeoutMs) };
  }
  let profile;
  try {
    profile = JSON.parse(text);
  } catch {
    return { status: 'failed', reason: 'the userinfo endpoint did not answer with JSON' };
  }
  if (!profile || typeof profile !== 'object' || Array.isArray(profile)) {
    return { status: 'failed', reason: 'the userinfo endpoint did not answer with a JSON object' };
  }
  const userId = pickUserId(profile);
  if (!userId) {
    return { status: 'failed', reason: 'the userinfo answer has no user ID ("sub" or "user_id")' };
  }
  return { status: 'ok', userId, profile };
}

function describeFetchError(err, timeoutMs) {
  if (err && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return `the userinfo endpoint did not answer within ${timeoutMs} ms`;
  }
  const code = err && err.cause && err.cause.code;
  return `the userinfo endpoint could not be reached (${code || (err && err.message) || 'network error'})`;
}

/** The provider's user ID: OpenID Connect "sub", Login with Amazon "user_id". */
function pickUserId(profile) {
  for (const field of ['sub', 'user_id']) {
    const value = profile[field];
    if ((typeof value === 'string' && value !== '') || typeof value === 'number') return String(value);
  }
  return undefined;
}

module.exports = { fetchUserinfo, pickUserId };
