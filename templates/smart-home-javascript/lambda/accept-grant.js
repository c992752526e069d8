'use strict';

/**
 * Alexa.Authorization AcceptGrant: Alexa sends it after a user links an account, when the skill
 * has "Send Alexa Events" on. It carries an authorization code for the Alexa event gateway
 * (directive.payload.grant) and the user's access token from your provider
 * (directive.payload.grantee). Answer AcceptGrant.Response, or an ErrorResponse of type
 * ACCEPT_GRANT_FAILED; anything else (or no answer within 8 s) and linking fails for the user.
 */

/** What is wrong with the directive's payload, or undefined when its shape is right. */
function grantShapeProblem(payload) {
  const grant = payload && payload.grant;
  const grantee = payload && payload.grantee;
  if (!grant || typeof grant !== 'object') return 'directive.payload.grant is missing';
  if (grant.type !== 'OAuth2.AuthorizationCode') return `directive.payload.grant.type is ${JSON.stringify(grant.type)}, not "OAuth2.AuthorizationCode"`;
  if (typeof grant.code !== 'string' || grant.code === '') return 'directive.payload.grant.code is missing';
  if (!grantee || typeof grantee !== 'object') return 'directive.payload.grantee is missing';
  if (grantee.type !== 'BearerToken') return `directive.payload.grantee.type is ${JSON.stringify(grantee.type)}, not "BearerToken"`;
  if (typeof grantee.token !== 'string' || grantee.token === '') return 'directive.payload.grantee.token is missing';
  return undefined;
}

/**
 * OPTIONAL STEP: exchange the grant code at Login with Amazon for the tokens that let this skill
 * send events (ChangeReport, asynchronous responses) to the Alexa event gateway for this user.
 * It runs only when ALEXA_CLIENT_ID and ALEXA_CLIENT_SECRET are set. Results:
 *   { status: 'ok', tokens }      LWA answered 200 with access_token and refresh_token
 *   { status: 'refused', reason } anything else; the reason never contains a secret
 */
async function exchangeGrantCode(code, config, { fetchImpl = globalThis.fetch } = {}) {
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    client_id: config.alexaClientId,
    client_secret: config.alexaClientSecret,
  });
  let response;
  try {
    response = await fetchImpl(config.lwaTokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded;charset=UTF-8', Accept: 'application/json' },
      body: body.toString(),
      signal: AbortSignal.timeout(config.lwaTimeoutMs),
    });
  } catch (err) {
    if (err && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
      return { status: 'refused', reason: `Login with Amazon did not answer within ${config.lwaTimeoutMs} ms` };
    }
    const detail = (err && err.cause && err.cause.code) || (err && err.message) || 'network error';
    return { status: 'refused', reason: `Login with Amazon could not be reached (${detail})` };
  }
  let answer;
  try {
    answer = JSON.parse(await response.text());
  } catch {
    answer = undefined;
  }
  if (response.status !== 200) {
    const error = answer && typeof answer.error === 'string' ? `: ${answer.error}` : '';
    return { status: 'refused', reason: `Login with Amazon refused the grant code (HTTP ${response.status}${error})` };
  }
  if (!answer || typeof answer.access_token !== 'string' || typeof answer.refresh_token !== 'string') {
    return { status: 'refused', reason: 'Login with Amazon answered without access_token and refresh_token' };
  }
  return {
    status: 'ok',
    tokens: {
      accessToken: answer.access_token,
      refreshToken: answer.refresh_token,
      expiresAt: Date.now() + (Number(answer.expires_in) > 0 ? Number(answer.expires_in) : 3600) * 1000,
    },
  };
}

/**
 * Event-gateway tokens per user. Like the switch's state this is only memory: store them in a
 * table (encrypted, keyed by your user ID) so the code that sends ChangeReport events can use and
 * refresh them. Never log them.
 */
function createGrantStore() {
  const grants = new Map();
  return {
    save(userId, tokens) {
      grants.set(userId, tokens);
    },
    has(userId) {
      return grants.has(userId);
    },
  };
}

module.exports = { grantShapeProblem, exchangeGrantCode, createGrantStore };
