'use strict';

/**
 * Looks the linked user up at the provider's userinfo endpoint with their access token.
 * The token goes into the Authorization header and nowhere else: it is never logged and never
 * part of a result or an error message.
 *
 * Results:
 *   { status: 'ok', profile }          the provider answered 200 with a JSON object
 *   { status: 'unauthorized', reason } 401: the token expired or was revoked; the user must link again
 *   { status: 'failed', reason }       anything else (timeout, network, 5xx, not JSON)
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
    return { status: 'unauthorized', reason: 'the userinfo endpoint answered 401: the access token is expired or revoked' };
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
  return { status: 'ok', profile };
}

function describeFetchError(err, timeoutMs) {
  if (err && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return `the userinfo endpoint did not answer within ${timeoutMs} ms`;
  }
  const code = err && err.cause && err.cause.code;
  return `the userinfo endpoint could not be reached (${code || (err && err.message) || 'network error'})`;
}

/** The first non-empty string among the provider's name fields, then the e-mail address. */
function pickDisplayName(profile, nameFields) {
  for (const field of [...nameFields, 'email']) {
    const value = profile[field];
    if (typeof value === 'string' && value.trim() !== '') return value.trim();
  }
  return undefined;
}

/** The provider's user ID: OpenID Connect "sub", Login with Amazon "user_id". */
function pickUserId(profile) {
  for (const field of ['sub', 'user_id']) {
    const value = profile[field];
    if ((typeof value === 'string' && value !== '') || typeof value === 'number') return String(value);
  }
  return undefined;
}

module.exports = { fetchUserinfo, pickDisplayName, pickUserId };
