import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { request } from '../../src/net/http.js';
import { createSmapi, type Smapi } from '../../src/smapi/client.js';
import { resolveCredentials } from '../../src/smapi/credentials.js';
import { disableSkill, enableSkill, isSkillEnabled } from '../../src/smapi/enablement.js';
import { SmapiError } from '../../src/smapi/errors.js';
import { invokeSkill } from '../../src/smapi/invocation.js';
import { simulateUtterance, tokenInRequest } from '../../src/smapi/simulation.js';
import { getSkillManifest, listVendors } from '../../src/smapi/skill.js';
import { startSmapiStandin, type SmapiStandin } from '../support/smapi-standin.js';

const SKILL = 'amzn1.ask.skill.aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const TOKEN = 'Atza|standin-test-token-0123456789';
const USER_TOKEN = 'user-linked-access-token-abcdef';

/** A tiny skill: greets a linked user, asks an unlinked one to link (LinkAccount card). */
function startSkill(): Promise<{ url: string; received: unknown[]; close: () => Promise<void> }> {
  const received: unknown[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      const env = JSON.parse(body) as { context?: { System?: { user?: { accessToken?: string } } } };
      received.push(env);
      const token = env.context?.System?.user?.accessToken;
      const answer = token
        ? { version: '1.0', response: { outputSpeech: { type: 'SSML', ssml: '<speak>Hello, linked user.</speak>' } } }
        : { version: '1.0', response: { outputSpeech: { type: 'PlainText', text: 'Please link your account.' }, card: { type: 'LinkAccount' } } };
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer));
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
        received,
        close: () => new Promise<void>((r) => server.close(() => r())),
      }),
    ),
  );
}

describe('SMAPI stand-in validates requests against Amazon\'s spec', () => {
  let standin: SmapiStandin;
  beforeEach(async () => {
    standin = await startSmapiStandin({ accessTokens: [TOKEN], skills: [{ skillId: SKILL }] });
  });
  afterEach(async () => {
    await standin.close();
  });

  const send = (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) =>
    request({
      url: `${standin.url}${path}`,
      method,
      headers: { authorization: `Bearer ${TOKEN}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
  const linkingPath = `/v1/skills/${SKILL}/stages/development/accountLinkingClient`;

  it.each([
    ['a flat (unwrapped) account-linking body', 'PUT', linkingPath, { type: 'AUTH_CODE', clientId: 'x' }, {}, /body must NOT have additional properties \("type"\)/],
    ['a misspelt field inside the wrapper', 'PUT', linkingPath, { accountLinkingRequest: { type: 'AUTH_CODE', clientID: 'x' } }, {}, /body\/accountLinkingRequest must NOT have additional properties \("clientID"\)/],
    ['a wrong enum value', 'PUT', linkingPath, { accountLinkingRequest: { type: 'auth_code' } }, {}, /body\/accountLinkingRequest\/type must be equal to one of the allowed values/],
    ['a number where the spec wants an integer', 'PUT', linkingPath, { accountLinkingRequest: { defaultTokenExpirationInSeconds: 1.5 } }, {}, /defaultTokenExpirationInSeconds must be integer/],
    ['a missing body', 'PUT', linkingPath, undefined, {}, /no body; the spec requires "accountLinkingRequest"/],
    ['a body that is not JSON', 'PUT', linkingPath, '{not json', {}, /body is not JSON/],
    ['a body without Content-Type application/json', 'PUT', linkingPath, '{"accountLinkingRequest":{}}', { 'content-type': 'text/plain' }, /Content-Type "text\/plain"/],
    ['no Authorization header', 'GET', linkingPath, undefined, { authorization: '' }, /no "Authorization: Bearer <token>" header/],
    ['a path the spec does not have', 'GET', '/v1/skills/x/accountLinking', undefined, {}, /no such path in SMAPI's spec/],
    ['a method the spec does not have here', 'POST', linkingPath, { accountLinkingRequest: {} }, {}, /has no POST here \(only GET, PUT, DELETE\)/],
    ['a query parameter the spec does not know', 'GET', '/v1/vendors?vendorId=M1', undefined, {}, /query parameter "vendorId" is not in the spec/],
    ['a simulation without its required input', 'POST', `/v2/skills/${SKILL}/stages/development/simulations`, { device: { locale: 'en-US' } }, {}, /must have required property 'input'/],
    ['an invocation with an unknown endpoint region', 'POST', `/v2/skills/${SKILL}/stages/development/invocations`, { endpointRegion: 'XX', skillRequest: { body: {} } }, {}, /endpointRegion must be equal to one of the allowed values/],
  ])('records %s as a violation and answers 4xx', async (_name, method, path, body, headers, violation) => {
    const res = await send(method, path, body, headers);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(standin.violations().join('\n')).toMatch(violation);
  });

  it('accepts a well-formed wrapped body and answers 204 with an ETag', async () => {
    const res = await send('PUT', linkingPath, {
      accountLinkingRequest: { type: 'AUTH_CODE', authorizationUrl: 'https://a.example.com/auth', accessTokenUrl: 'https://a.example.com/token', clientId: 'c', clientSecret: 's', accessTokenScheme: 'HTTP_BASIC', domains: ['a.example.com'], authorizationUrlsByPlatform: [{ platformType: 'iOS', platformAuthorizationUrl: 'https://a.example.com/ios' }] },
    });
    expect(res.status).toBe(204);
    expect(res.headers.etag).toMatch(/^[0-9a-f]{16}$/);
    expect(standin.violations()).toEqual([]);
  });

  it('answers 412 when If-Match differs, 400 with violations for SMAPI\'s own rules, 400 for the live stage', async () => {
    const ok = { type: 'AUTH_CODE', authorizationUrl: 'https://a.example.com/auth', accessTokenUrl: 'https://a.example.com/token', clientId: 'c', clientSecret: 's', accessTokenScheme: 'HTTP_BASIC' };
    expect((await send('PUT', linkingPath, { accountLinkingRequest: ok }, { 'if-match': 'stale' })).status).toBe(412);
    const bad = await send('PUT', linkingPath, { accountLinkingRequest: { ...ok, clientSecret: undefined } });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toEqual({ message: 'Account linking information is not valid.', violations: [{ code: 'INVALID_REQUEST_PARAMETER', message: 'clientSecret is required for AUTH_CODE.' }] });
    const live = await send('PUT', `/v1/skills/${SKILL}/stages/live/accountLinkingClient`, { accountLinkingRequest: ok });
    expect(live.status).toBe(400);
    expect(standin.violations()).toEqual([]);
  });

  it('flags a fault the spec does not document for the operation', async () => {
    standin.fault('getVendorListV1', { status: 404 });
    await send('GET', '/v1/vendors');
    expect(standin.violations().join('\n')).toMatch(/getVendorListV1 does not document HTTP 404/);
  });

  it.each([
    ['the write-only clientSecret in a GET answer', 'getAccountLinkingInfoV1', { status: 200, body: { type: 'AUTH_CODE', clientSecret: 's' } }, /getAccountLinkingInfoV1 .*answer HTTP 200: body must NOT have additional properties \("clientSecret"\)/],
    ['the write-only skipOnEnablement in a GET answer', 'getAccountLinkingInfoV1', { status: 200, body: { type: 'AUTH_CODE', skipOnEnablement: 'true' } }, /additional properties \("skipOnEnablement"\)/],
    ['the write-only reciprocalAccessTokenUrl in a GET answer', 'getAccountLinkingInfoV1', { status: 200, body: { reciprocalAccessTokenUrl: 'https://a.example.com/r' } }, /additional properties \("reciprocalAccessTokenUrl"\)/],
    ['the documentation\'s wrapper where the spec has the flat answer', 'getAccountLinkingInfoV1', { status: 200, body: { accountLinkingResponse: { type: 'AUTH_CODE' } } }, /additional properties \("accountLinkingResponse"\)/],
    ['a wrong enum value in an answer', 'getAccountLinkingInfoV1', { status: 200, body: { accessTokenScheme: 'BASIC' } }, /body\/accessTokenScheme must be equal to one of the allowed values/],
    ['an error answer without its required message', 'getVendorListV1', { status: 500, body: { code: 'X' } }, /getVendorListV1 .*answer HTTP 500: body must have required property 'message'/],
    ['a 412 whose message is not a string', 'updateAccountLinkingInfoV1', { status: 412, body: { message: 412 } }, /updateAccountLinkingInfoV1 .*answer HTTP 412: body\/message must be string/],
  ])('records %s as a violation (answers are checked against the spec too)', async (_name, operation, fault, violation) => {
    standin.fault(operation, fault);
    if (operation === 'updateAccountLinkingInfoV1') await send('PUT', linkingPath, { accountLinkingRequest: { type: 'IMPLICIT', authorizationUrl: 'https://a.example.com/auth', clientId: 'c' } });
    else await send('GET', operation === 'getVendorListV1' ? '/v1/vendors' : linkingPath);
    expect(standin.violations().join('\n')).toMatch(violation);
  });

  it('GET answers only what the spec\'s AccountLinkingResponse has, flat, with an ETag', async () => {
    const full = {
      type: 'AUTH_CODE', authorizationUrl: 'https://a.example.com/auth', accessTokenUrl: 'https://a.example.com/token', clientId: 'c', clientSecret: 's', accessTokenScheme: 'HTTP_BASIC',
      domains: ['a.example.com'], scopes: ['x'], defaultTokenExpirationInSeconds: 3600, reciprocalAccessTokenUrl: 'https://a.example.com/reciprocal', redirectUrls: ['https://app.example.com/r'],
      authorizationUrlsByPlatform: [{ platformType: 'iOS', platformAuthorizationUrl: 'https://a.example.com/ios' }], skipOnEnablement: true, voiceForwardAccountLinking: 'ENABLED',
    };
    expect((await send('PUT', linkingPath, { accountLinkingRequest: full })).status).toBe(204);
    const res = await send('GET', linkingPath);
    const { clientSecret: _s, skipOnEnablement: _k, reciprocalAccessTokenUrl: _r, ...readable } = full;
    expect(JSON.parse(res.body)).toEqual(readable);
    expect(res.headers.etag).toMatch(/^[0-9a-f]{16}$/);
    expect(standin.violations()).toEqual([]);
  });

  it('a SMAPI "of tomorrow" (linkingExtensions) accepts a field the installed spec lacks and shows it when readable', async () => {
    await standin.close();
    standin = await startSmapiStandin({ accessTokens: [TOKEN], skills: [{ skillId: SKILL }], linkingExtensions: [{ field: 'pkceConfiguration', schema: { type: 'object' }, readable: true }] });
    const body = { accountLinkingRequest: { type: 'IMPLICIT', authorizationUrl: 'https://a.example.com/auth', clientId: 'c', pkceConfiguration: { status: 'ENABLED' } } };
    expect((await send('PUT', linkingPath, body)).status).toBe(204);
    expect(JSON.parse((await send('GET', linkingPath)).body)).toEqual(body.accountLinkingRequest);
    expect(standin.violations()).toEqual([]);
  });

  it('the LWA endpoint accepts /auth/O2/token (the SDK\'s path) and rejects a wrong client', async () => {
    const res = await request({ url: `${standin.url}/auth/O2/token`, method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'grant_type=refresh_token&client_id=nobody&client_secret=x&refresh_token=y' });
    expect(res.status).toBe(401);
    expect(JSON.parse(res.body)).toMatchObject({ error: 'invalid_client' });
  });
});

describe('simulation, invocation, enablement, manifest and vendors through the real SDK', () => {
  let standin: SmapiStandin;
  let skill: Awaited<ReturnType<typeof startSkill>>;
  let smapi: Smapi;

  beforeAll(async () => {
    skill = await startSkill();
  });
  afterAll(async () => {
    await skill.close();
  });
  beforeEach(async () => {
    standin = await startSmapiStandin({
      accessTokens: [TOKEN],
      vendors: [{ id: 'M2VENDOR0001', name: 'Me' }],
      skills: [{ skillId: SKILL, skillEndpoint: skill.url, userAccessToken: USER_TOKEN, manifest: { manifest: { apis: { custom: { endpoint: { uri: 'https://skill.example.com/alexa' } } } } } }],
    });
    smapi = await createSmapi(resolveCredentials({ env: { ASK_ACCESS_TOKEN: TOKEN, ...standin.env() }, now: new Date() }));
  });
  afterEach(async () => {
    const v = standin.violations();
    await standin.close();
    expect(v).toEqual([]);
  });

  it('enables, reads and disables testing', async () => {
    expect(await isSkillEnabled(smapi, SKILL)).toBe(false);
    await enableSkill(smapi, SKILL);
    expect(await isSkillEnabled(smapi, SKILL)).toBe(true);
    expect(standin.isEnabled(SKILL, 'development')).toBe(true);
    await disableSkill(smapi, SKILL);
    expect(await isSkillEnabled(smapi, SKILL)).toBe(false);
  });

  it('simulates an utterance: polls with backoff until SUCCESSFUL and returns the envelope Alexa sent, with the linked token', async () => {
    await enableSkill(smapi, SKILL);
    const waits: number[] = [];
    const out = await simulateUtterance(smapi, SKILL, {
      utterance: 'open my linked skill',
      locale: 'en-US',
      pollBaseMs: 10,
      pollFactor: 2,
      sleep: async (ms) => {
        waits.push(ms);
        await new Promise((r) => setTimeout(r, ms));
      },
    });
    expect(out.status).toBe('SUCCESSFUL');
    expect(out.polls).toBeGreaterThanOrEqual(2); // IN_PROGRESS once, then SUCCESSFUL
    expect(waits.slice(0, 2)).toEqual([10, 20]);
    expect(out.invocations).toHaveLength(1);
    const inv = out.invocations[0]!;
    expect(inv.endpoint).toBe(skill.url);
    expect((inv.request as { request: { type: string } }).request.type).toBe('LaunchRequest');
    expect(tokenInRequest(inv.request)).toEqual({ context: true, session: true });
    expect(inv.response).toMatchObject({ response: { outputSpeech: { ssml: '<speak>Hello, linked user.</speak>' } } });
    expect(out.alexaResponses).toEqual([{ type: 'Speech', caption: 'Hello, linked user.' }]);
    expect(skill.received).toContainEqual(inv.request);
    const posted = JSON.parse(standin.requests('simulateSkillV2')[0]!.body) as unknown;
    expect(posted).toEqual({ input: { content: 'open my linked skill' }, device: { locale: 'en-US' }, session: { mode: 'FORCE_NEW_SESSION' } });
  });

  it('a simulation for a user without a linked token shows no token and the LinkAccount card', async () => {
    standin.setSkill(SKILL, { userAccessToken: '' });
    await enableSkill(smapi, SKILL);
    const out = await simulateUtterance(smapi, SKILL, { utterance: 'who am i', locale: 'en-GB', pollBaseMs: 5, sleep: (ms) => new Promise((r) => setTimeout(r, ms)) });
    const inv = out.invocations[0]!;
    expect(tokenInRequest(inv.request)).toEqual({ context: false, session: false });
    expect((inv.request as { request: { type: string; intent: { name: string } } }).request).toMatchObject({ type: 'IntentRequest', intent: { name: 'AMAZON.FallbackIntent' }, locale: 'en-GB' });
    expect(inv.response).toMatchObject({ response: { card: { type: 'LinkAccount' } } });
  });

  it('simulation without enablement: SMAPI\'s 403 as a readable error', async () => {
    const err = await simulateUtterance(smapi, SKILL, { utterance: 'open it', locale: 'en-US', pollBaseMs: 1 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SmapiError);
    expect((err as SmapiError).message).toMatch(/Could not start a simulation of "open it" for skill .* \(403\)\. SMAPI says: .*not enabled/);
  });

  it('gives up polling after maxPolls', async () => {
    standin.setSkill(SKILL, { skillEndpoint: 'http://127.0.0.1:9/' });
    await enableSkill(smapi, SKILL);
    for (let i = 0; i < 3; i++) standin.fault('getSkillSimulationV2', { status: 200, body: { id: 'x', status: 'IN_PROGRESS' } });
    const err = await simulateUtterance(smapi, SKILL, { utterance: 'open it', locale: 'en-US', pollBaseMs: 1, maxPolls: 3 }).catch((e: unknown) => e);
    expect((err as SmapiError).code).toBe('E_SIMULATION_TIMEOUT');
  });

  it('invokes the skill endpoint with an envelope and returns what was sent and answered', async () => {
    await enableSkill(smapi, SKILL);
    const envelope = { version: '1.0', context: { System: { user: { userId: 'u', accessToken: 'replayed-token' } } }, request: { type: 'LaunchRequest', requestId: 'r1', timestamp: new Date().toISOString(), locale: 'en-US' } };
    const out = await invokeSkill(smapi, SKILL, envelope);
    expect(out.status).toBe('SUCCESSFUL');
    expect(out.requestSent).toEqual(envelope);
    expect(out.response).toMatchObject({ response: { outputSpeech: { ssml: '<speak>Hello, linked user.</speak>' } } });
    expect(out.endpoint).toBe(skill.url);
    expect(JSON.parse(standin.requests('invokeSkillEndPointV2')[0]!.body)).toEqual({ endpointRegion: 'default', skillRequest: { body: envelope } });
  });

  it('an unreachable skill endpoint: FAILED with the reason', async () => {
    standin.setSkill(SKILL, { skillEndpoint: 'http://127.0.0.1:9/' });
    await enableSkill(smapi, SKILL);
    const out = await invokeSkill(smapi, SKILL, { version: '1.0', request: { type: 'LaunchRequest' } }, { region: 'NA' });
    expect(out.status).toBe('FAILED');
    expect(out.error).toMatch(/could not be reached/);
  });

  it('reads the remote manifest with its ETag, and the vendors', async () => {
    const m = await getSkillManifest(smapi, SKILL);
    expect(m.envelope.manifest?.apis?.custom?.endpoint?.uri).toBe('https://skill.example.com/alexa');
    expect(m.etag).toMatch(/^[0-9a-f]+$/);
    expect(await listVendors(smapi)).toEqual([{ id: 'M2VENDOR0001', name: 'Me', roles: ['ROLE_ADMINISTRATOR'] }]);
  });
});
