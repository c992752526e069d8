import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHandler } from '../src/smart-home';
import type { AlexaEvent } from '../src/messages';
import { ENDPOINT_ID, buildDirective, discover, acceptGrant, turnOn, turnOff, reportState, startServer, json, recordingLog, type Respond, type TestServer } from './helpers';

const TOKEN = 'test-access-token-0123456789abcdef';
const OTHER_TOKEN = 'second-user-token-9876543210';
const ALEXA_CLIENT_SECRET = 'alexa-client-secret-do-not-log';

const header = (answer: AlexaEvent) => answer.event.header;
const errorType = (answer: AlexaEvent) => (header(answer).name === 'ErrorResponse' ? answer.event.payload.type : undefined);
const power = (answer: AlexaEvent) => answer.context!.properties.find((p) => p.name === 'powerState')!.value;
const endpointOf = (answer: AlexaEvent) => answer.event.payload.endpoints as Record<string, unknown>[];

describe('the smart home skill', () => {
  let userinfo: TestServer;
  let lwa: TestServer;
  let userinfoBehaviour: Respond = () => assert.fail('no behaviour set');
  let lwaBehaviour: Respond = () => assert.fail('no behaviour set');
  before(async () => {
    userinfo = await startServer((req, res, body) => userinfoBehaviour(req, res, body));
    lwa = await startServer((req, res, body) => lwaBehaviour(req, res, body));
  });
  after(async () => {
    await userinfo.close();
    await lwa.close();
  });

  /** The provider knows TOKEN (user-1) and OTHER_TOKEN (user-2) and refuses anything else. */
  const knownTokens: Respond = (req, res) => {
    const auth = req.headers.authorization;
    if (auth === `Bearer ${TOKEN}`) return json(res, 200, { sub: 'user-1', name: 'Ada Lovelace' });
    if (auth === `Bearer ${OTHER_TOKEN}`) return json(res, 200, { sub: 'user-2', name: 'Grace Hopper' });
    return json(res, 401, { error: 'invalid_token' }, { 'www-authenticate': 'Bearer error="invalid_token"' });
  };

  function skillWith(env: NodeJS.ProcessEnv = {}) {
    const logger = recordingLog();
    const handler = createHandler({ env: { USERINFO_URL: `${userinfo.url}/userinfo`, USERINFO_TIMEOUT_MS: '500', ...env }, log: logger });
    return { handler, logger };
  }

  function assertEnvelope(answer: AlexaEvent, namespace: string, name: string) {
    assert.equal(header(answer).namespace, namespace);
    assert.equal(header(answer).name, name);
    assert.equal(header(answer).payloadVersion, '3');
    assert.match(header(answer).messageId, /^[0-9a-f-]{36}$/);
  }

  it('answers Discover with the switch, after checking the token from directive.payload.scope.token', async () => {
    userinfoBehaviour = knownTokens;
    const before = userinfo.requests.length;
    const { handler, logger } = skillWith();
    const answer = await handler(discover(TOKEN));
    assertEnvelope(answer, 'Alexa.Discovery', 'Discover.Response');
    assert.equal(userinfo.requests[before]!.authorization, `Bearer ${TOKEN}`);
    const [endpoint, ...rest] = endpointOf(answer);
    assert.equal(rest.length, 0);
    assert.equal(endpoint!.endpointId, ENDPOINT_ID);
    assert.equal(endpoint!.friendlyName, 'Virtual Switch');
    assert.deepEqual(endpoint!.displayCategories, ['SWITCH']);
    for (const field of ['manufacturerName', 'description']) assert.ok(endpoint![field], `${field} is required`);
    assert.deepEqual(
      (endpoint!.capabilities as { interface: string; version: string }[]).map((c) => `${c.interface} ${c.version}`),
      ['Alexa 3', 'Alexa.PowerController 3', 'Alexa.EndpointHealth 3'],
    );
    assert.ok(!logger.lines.join('\n').includes(TOKEN), 'the token must never be logged');
    assert.match(logger.lines.join('\n'), /Alexa\.Discovery\.Discover; access token present at directive\.payload\.scope\.token/);
  });

  it('answers Discover without a token with INVALID_AUTHORIZATION_CREDENTIAL and does not call userinfo', async () => {
    userinfoBehaviour = () => assert.fail('userinfo must not be called without a token');
    const answer = await skillWith().handler(discover(undefined));
    assertEnvelope(answer, 'Alexa', 'ErrorResponse');
    assert.equal(errorType(answer), 'INVALID_AUTHORIZATION_CREDENTIAL');
    assert.match(String(answer.event.payload.message), /directive\.payload\.scope\.token/);
    assert.equal(answer.event.endpoint, undefined);
  });

  it('answers a token the provider refuses (401) with INVALID_AUTHORIZATION_CREDENTIAL, or EXPIRED_ when it says expired', async () => {
    userinfoBehaviour = knownTokens;
    const { handler, logger } = skillWith();
    assert.equal(errorType(await handler(discover('made-up-token-0000'))), 'INVALID_AUTHORIZATION_CREDENTIAL');
    assert.equal(errorType(await handler(turnOn('made-up-token-0000'))), 'INVALID_AUTHORIZATION_CREDENTIAL');
    userinfoBehaviour = (_req, res) => json(res, 401, {}, { 'www-authenticate': 'Bearer error="invalid_token", error_description="The access token expired"' });
    assert.equal(errorType(await handler(discover(TOKEN))), 'EXPIRED_AUTHORIZATION_CREDENTIAL');
    assert.ok(!logger.lines.join('\n').includes('made-up-token-0000'));
  });

  it('answers INTERNAL_ERROR, without crashing, when the provider fails or cannot be reached', async () => {
    userinfoBehaviour = (_req, res) => json(res, 503, { error: 'unavailable' });
    const { handler, logger } = skillWith();
    assert.equal(errorType(await handler(discover(TOKEN))), 'INTERNAL_ERROR');
    assert.match(logger.lines.join('\n'), /HTTP 503/);
    const unreachable = skillWith({ USERINFO_URL: 'http://127.0.0.1:1/userinfo' });
    assert.equal(errorType(await unreachable.handler(turnOn(TOKEN))), 'INTERNAL_ERROR');
    assert.match(unreachable.logger.lines.join('\n'), /could not be reached/);
  });

  it('turns the switch on and off and reports its state, echoing the correlationToken and endpoint', async () => {
    userinfoBehaviour = knownTokens;
    const { handler } = skillWith();
    const on = turnOn(TOKEN, { correlationToken: 'corr-on' });
    const answer = await handler(on);
    assertEnvelope(answer, 'Alexa', 'Response');
    assert.equal(header(answer).correlationToken, 'corr-on');
    assert.deepEqual(answer.event.endpoint, { endpointId: ENDPOINT_ID });
    assert.equal(power(answer), 'ON');
    assert.equal((answer.context!.properties.find((p) => p.name === 'connectivity')!.value as { value: string }).value, 'OK');

    const report = await handler(reportState(TOKEN, { correlationToken: 'corr-report' }));
    assertEnvelope(report, 'Alexa', 'StateReport');
    assert.equal(header(report).correlationToken, 'corr-report');
    assert.equal(power(report), 'ON');

    // State is per user: another user's switch is still off.
    assert.equal(power(await handler(reportState(OTHER_TOKEN))), 'OFF');
    assert.equal(power(await handler(turnOff(TOKEN))), 'OFF');
    assert.equal(power(await handler(reportState(TOKEN))), 'OFF');
  });

  it('reads the token of a control directive only from directive.endpoint.scope.token', async () => {
    userinfoBehaviour = knownTokens;
    const misplaced = turnOn(TOKEN, { tokenAt: 'payload', correlationToken: 'corr-misplaced' });
    const answer = await skillWith().handler(misplaced);
    assert.equal(errorType(answer), 'INVALID_AUTHORIZATION_CREDENTIAL');
    assert.match(String(answer.event.payload.message), /directive\.endpoint\.scope\.token/);
    assert.equal(header(answer).correlationToken, 'corr-misplaced');
    assert.deepEqual(answer.event.endpoint, { endpointId: ENDPOINT_ID });
  });

  it('answers NO_SUCH_ENDPOINT for an endpoint it does not know, and INVALID_DIRECTIVE for what it does not support', async () => {
    userinfoBehaviour = knownTokens;
    const { handler } = skillWith();
    assert.equal(errorType(await handler(turnOn(TOKEN, { endpointId: 'no-such-lamp' }))), 'NO_SUCH_ENDPOINT');
    const dim = buildDirective({ namespace: 'Alexa.BrightnessController', name: 'SetBrightness', token: TOKEN });
    assert.equal(errorType(await handler(dim)), 'INVALID_DIRECTIVE');
    assert.equal(errorType(await handler(discover(TOKEN, { payloadVersion: '2' }))), 'INVALID_DIRECTIVE');
    assert.equal(errorType(await handler({ version: '1.0', request: { type: 'LaunchRequest' } } as never)), 'INVALID_DIRECTIVE');
  });

  it('accepts a well-formed AcceptGrant whose grantee token the provider knows', async () => {
    userinfoBehaviour = knownTokens;
    lwaBehaviour = () => assert.fail('LWA must not be called without ALEXA_CLIENT_ID and ALEXA_CLIENT_SECRET');
    const { handler } = skillWith();
    const answer = await handler(acceptGrant(TOKEN));
    assertEnvelope(answer, 'Alexa.Authorization', 'AcceptGrant.Response');
    assert.deepEqual(answer.event.payload, {});
  });

  it('answers a malformed AcceptGrant or a refused grantee token with ACCEPT_GRANT_FAILED', async () => {
    userinfoBehaviour = knownTokens;
    const { handler } = skillWith();
    const noCode = acceptGrant(TOKEN, { code: '' });
    const failed = await handler(noCode);
    assertEnvelope(failed, 'Alexa.Authorization', 'ErrorResponse');
    assert.equal(errorType(failed), 'ACCEPT_GRANT_FAILED');
    assert.match(String(failed.event.payload.message), /directive\.payload\.grant\.code/);
    assert.equal(errorType(await handler(acceptGrant(undefined))), 'ACCEPT_GRANT_FAILED');
    assert.equal(errorType(await handler(acceptGrant('made-up-token-0000'))), 'ACCEPT_GRANT_FAILED');
  });

  it('OPTIONAL STEP: exchanges the grant code at LWA with the Alexa client credentials when they are set', async () => {
    userinfoBehaviour = knownTokens;
    lwaBehaviour = (_req, res) => json(res, 200, { access_token: 'Atza|gateway', refresh_token: 'Atzr|gateway', token_type: 'bearer', expires_in: 3600 });
    const before = lwa.requests.length;
    const env = { ALEXA_CLIENT_ID: 'amzn1.application-oa2-client.skill', ALEXA_CLIENT_SECRET, LWA_TOKEN_URL: `${lwa.url}/auth/o2/token`, LWA_TIMEOUT_MS: '500' };
    const { handler, logger } = skillWith(env);
    const answer = await handler(acceptGrant(TOKEN, { code: 'code-from-alexa' }));
    assertEnvelope(answer, 'Alexa.Authorization', 'AcceptGrant.Response');
    const sent = lwa.requests[before]!;
    assert.equal(sent.method, 'POST');
    assert.match(sent.contentType ?? '', /application\/x-www-form-urlencoded/);
    assert.deepEqual(Object.fromEntries(new URLSearchParams(sent.body)), {
      grant_type: 'authorization_code',
      code: 'code-from-alexa',
      client_id: 'amzn1.application-oa2-client.skill',
      client_secret: ALEXA_CLIENT_SECRET,
    });
    assert.ok(!logger.lines.join('\n').includes(ALEXA_CLIENT_SECRET));
    assert.ok(!logger.lines.join('\n').includes('Atza|gateway'));
  });

  it('OPTIONAL STEP: answers ACCEPT_GRANT_FAILED when LWA refuses the code, is unreachable, or only one credential is set', async () => {
    userinfoBehaviour = knownTokens;
    lwaBehaviour = (_req, res) => json(res, 400, { error: 'invalid_grant', error_description: 'The authorization code is invalid' });
    const env = { ALEXA_CLIENT_ID: 'amzn1.application-oa2-client.skill', ALEXA_CLIENT_SECRET, LWA_TOKEN_URL: `${lwa.url}/auth/o2/token` };
    const refused = await skillWith(env).handler(acceptGrant(TOKEN));
    assert.equal(errorType(refused), 'ACCEPT_GRANT_FAILED');
    assert.match(String(refused.event.payload.message), /HTTP 400: invalid_grant/);
    assert.ok(!JSON.stringify(refused).includes(ALEXA_CLIENT_SECRET));
    const unreachable = await skillWith({ ...env, LWA_TOKEN_URL: 'http://127.0.0.1:1/auth/o2/token' }).handler(acceptGrant(TOKEN));
    assert.match(String(unreachable.event.payload.message), /could not be reached/);
    const half = await skillWith({ ALEXA_CLIENT_ID: 'amzn1.application-oa2-client.skill' }).handler(acceptGrant(TOKEN));
    assert.equal(errorType(half), 'ACCEPT_GRANT_FAILED');
  });

  it('exports a Lambda handler that reads USERINFO_URL at run time', async () => {
    userinfoBehaviour = knownTokens;
    const saved = process.env.USERINFO_URL;
    process.env.USERINFO_URL = `${userinfo.url}/userinfo`;
    try {
      const { handler } = require('../src/index') as typeof import('../src/index');
      assert.equal(header(await handler(discover(TOKEN), {})).name, 'Discover.Response');
      assert.equal(errorType(await handler(discover(undefined), {})), 'INVALID_AUTHORIZATION_CREDENTIAL');
    } finally {
      if (saved === undefined) delete process.env.USERINFO_URL;
      else process.env.USERINFO_URL = saved;
    }
  });
});
