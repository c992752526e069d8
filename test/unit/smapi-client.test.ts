import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { getAccountLinking, putAccountLinking, deleteAccountLinking } from '../../src/smapi/account-linking.js';
import { backoffDelay, createSmapi, isLwaTokenRequest, parseRetryAfter, reencodeLwaTokenBody, type Smapi } from '../../src/smapi/client.js';
import { resolveCredentials, type SmapiCredentials } from '../../src/smapi/credentials.js';
import { SmapiBadResponseError, SmapiError } from '../../src/smapi/errors.js';
import { HttpError } from '../../src/net/http.js';
import { CancelledError } from '../../src/errors.js';
import { startSmapiStandin, type SmapiStandin } from '../support/smapi-standin.js';

const SKILL = 'amzn1.ask.skill.11111111-2222-3333-4444-555555555555';
const TOKEN = 'Atza|unit-access-token-0123456789';
const CONFIG = {
  type: 'AUTH_CODE' as const,
  authorizationUrl: 'https://auth.example.com/authorize',
  accessTokenUrl: 'https://auth.example.com/oauth/token',
  clientId: 'client-abc',
  scopes: ['openid', 'offline_access'],
  accessTokenScheme: 'HTTP_BASIC' as const,
  skipOnEnablement: false,
};
const SECRET = 'client-secret-value-+&=%-xyz';

describe('retry and encoding helpers', () => {
  it.each([
    ['0', 0],
    ['3', 3000],
    ['1.5', 1500],
    [' 2 ', 2000],
    ['Wed, 01 Jun 2030 12:00:05 GMT', 5000],
    ['Wed, 01 Jun 2030 11:00:00 GMT', 0],
    ['soon', undefined],
    [undefined, undefined],
  ])('parseRetryAfter(%j) = %j ms', (value, want) => {
    expect(parseRetryAfter(value, Date.parse('2030-06-01T12:00:00Z'))).toBe(want);
  });

  it.each([
    [0, 0, 250],
    [0, 1, 500],
    [1, 0, 500],
    [2, 1, 2000],
    [10, 1, 8000],
    [10, 0, 4000],
  ])('backoffDelay(attempt %i, random %f) = %i (base 500, cap 8000)', (attempt, r, want) => {
    expect(backoffDelay(attempt, { backoffBaseMs: 500, backoffCapMs: 8000 }, () => r)).toBe(want);
  });

  const known = { clientId: 'amzn1.application-oa2-client.abc', clientSecret: 'se+cr&et=%41', refreshToken: 'Atzr|IwEB+a/b=&c' };
  const sdkBody = `grant_type=refresh_token&client_secret=${known.clientSecret}&client_id=${known.clientId}&refresh_token=${known.refreshToken}`;
  it.each([
    ['with the known credentials', sdkBody, known],
    ['by the SDK field order', sdkBody, undefined],
  ])('reencodeLwaTokenBody %s restores every value exactly', (_name, raw, creds) => {
    const params = new URLSearchParams(reencodeLwaTokenBody(raw, creds));
    expect(Object.fromEntries(params)).toEqual({ grant_type: 'refresh_token', client_id: known.clientId, client_secret: known.clientSecret, refresh_token: known.refreshToken });
  });

  it('leaves a body it does not recognise alone', () => {
    expect(reencodeLwaTokenBody('grant_type=client_credentials&scope=x', undefined)).toBe('grant_type=client_credentials&scope=x');
  });

  it.each([
    ['https://api.amazon.com/auth/O2/token', 'POST', true],
    ['https://api.amazon.com/auth/o2/token', 'post', true],
    ['https://api.amazon.com/auth/o2/token', 'GET', false],
    ['https://api.amazonalexa.com/v1/vendors', 'POST', false],
  ])('isLwaTokenRequest(%s, %s) = %s', (url, method, want) => {
    expect(isLwaTokenRequest(url, method)).toBe(want);
  });
});

describe('SMAPI client against the stand-in', () => {
  let standin: SmapiStandin;
  let trace: string[];
  let waits: number[];

  beforeEach(async () => {
    standin = await startSmapiStandin({
      accessTokens: [TOKEN],
      lwaClients: [{ clientId: 'amzn1.application-oa2-client.own', clientSecret: 'own+secret&=%', refreshTokens: ['Atzr|IwEB+refresh/with=odd&chars%'] }],
      skills: [{ skillId: SKILL }],
    });
    trace = [];
    waits = [];
  });
  afterEach(async () => {
    const v = standin.violations();
    await standin.close();
    expect(v).toEqual([]);
  });

  function creds(env: Record<string, string> = { ASK_ACCESS_TOKEN: TOKEN }): SmapiCredentials {
    return resolveCredentials({ env: { ...env, ...standin.env() }, now: new Date() });
  }
  function connect(c = creds(), extra: Parameters<typeof createSmapi>[1] = {}): Promise<Smapi> {
    return createSmapi(c, {
      trace: (l) => trace.push(l),
      sleep: async (ms) => {
        waits.push(ms);
      },
      random: () => 0.5,
      ...extra,
    });
  }

  it('GET 404 → not configured; PUT wrapped with no If-Match; GET reads it back with an ETag; DELETE', async () => {
    const smapi = await connect();
    expect(await getAccountLinking(smapi, SKILL, 'development')).toEqual({ payload: undefined, etag: undefined });
    const etag = await putAccountLinking(smapi, SKILL, 'development', { ...CONFIG, clientSecret: SECRET });
    const put = standin.requests('updateAccountLinkingInfoV1')[0]!;
    expect(JSON.parse(put.body)).toEqual({ accountLinkingRequest: { ...CONFIG, clientSecret: SECRET } });
    expect(put.headers['if-match']).toBeUndefined();
    expect(standin.linking(SKILL)!.payload.clientSecret).toBe(SECRET);
    const read = await getAccountLinking(smapi, SKILL, 'development');
    // The spec's AccountLinkingResponse has no skipOnEnablement (nor clientSecret): write-only.
    const { skipOnEnablement: _writeOnly, ...readable } = CONFIG;
    expect(read).toEqual({ payload: readable, etag });
    expect(etag).toMatch(/^[0-9a-f]{16}$/);
    await putAccountLinking(smapi, SKILL, 'development', { ...CONFIG, clientSecret: SECRET }, etag);
    expect(standin.requests('updateAccountLinkingInfoV1')[1]!.headers['if-match']).toBe(etag);
    await deleteAccountLinking(smapi, SKILL, 'development');
    expect(standin.linking(SKILL)).toBeUndefined();
  });

  it.each(['flat', 'wrapped'] as const)('reads the %s GET body (the spec\'s flat answer, and the documentation example\'s wrapped one); write-only fields never come back', async (getShape) => {
    await standin.close();
    standin = await startSmapiStandin({ accessTokens: [TOKEN], skills: [{ skillId: SKILL, linking: { development: { ...CONFIG, skipOnEnablement: true, clientSecret: SECRET, reciprocalAccessTokenUrl: 'https://auth.example.com/reciprocal' } } }], getShape });
    const smapi = await connect();
    const read = await getAccountLinking(smapi, SKILL, 'development');
    const { skipOnEnablement: _writeOnly, ...readable } = CONFIG;
    expect(read.payload).toEqual(readable);
    expect(standin.violations()).toEqual([]);
  });

  it('refreshes through Login with Amazon with a correctly encoded form body (+ & = % survive)', async () => {
    const smapi = await connect(creds({ ASK_REFRESH_TOKEN: 'Atzr|IwEB+refresh/with=odd&chars%', ASK_LWA_CLIENT_ID: 'amzn1.application-oa2-client.own', ASK_LWA_CLIENT_CONFIRMATION: 'own+secret&=%' }));
    await getAccountLinking(smapi, SKILL, 'development');
    await getAccountLinking(smapi, SKILL, 'development');
    const lwa = standin.requests('lwaToken');
    expect(lwa).toHaveLength(1); // the token is cached for the second call
    expect(lwa[0]!.path).toBe('/auth/o2/token');
    expect(lwa[0]!.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(lwa[0]!.body))).toEqual({
      grant_type: 'refresh_token',
      client_id: 'amzn1.application-oa2-client.own',
      client_secret: 'own+secret&=%',
      refresh_token: 'Atzr|IwEB+refresh/with=odd&chars%',
    });
    const smapiCalls = standin.requests('getAccountLinkingInfoV1');
    expect(smapiCalls.every((r) => String(r.headers.authorization).startsWith('Bearer Atza|standin-'))).toBe(true);
    // Neither the refresh token, the client secret nor the minted access token shows in the trace.
    const issued = String(smapiCalls[0]!.headers.authorization).slice('Bearer '.length);
    const text = trace.join('\n');
    for (const s of ['Atzr|IwEB+refresh/with=odd&chars%', 'own+secret&=%', issued, encodeURIComponent('own+secret&=%')]) expect(text).not.toContain(s);
    expect(text).toContain('LWA → POST');
  });

  it('a refresh token that belongs to another client: explains the binding', async () => {
    const smapi = await connect(creds({ ASK_REFRESH_TOKEN: 'Atzr|minted-for-ask-cli', ASK_LWA_CLIENT_ID: 'amzn1.application-oa2-client.own', ASK_LWA_CLIENT_CONFIRMATION: 'own+secret&=%' }));
    const err = await getAccountLinking(smapi, SKILL, 'development').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SmapiError);
    expect((err as SmapiError).message).toMatch(/Login with Amazon refused.*invalid_grant/);
    expect((err as SmapiError).hint).toMatch(/only work with the client that minted them/);
  });

  it('429 with Retry-After is retried after the time asked, then succeeds', async () => {
    standin.fault('getAccountLinkingInfoV1', { status: 429, headers: { 'retry-after': '2' } });
    standin.fault('getAccountLinkingInfoV1', { status: 429 });
    const smapi = await connect();
    expect((await getAccountLinking(smapi, SKILL, 'development')).payload).toBeUndefined();
    expect(standin.requests('getAccountLinkingInfoV1').map((r) => r.status)).toEqual([429, 429, 404]);
    expect(waits).toEqual([2000, 750]); // Retry-After, then backoff 1000 × (½ + ½·0.5)
  });

  it('a POST is retried on 429 but not on 5xx', async () => {
    standin.setSkill(SKILL, { enabled: ['development'] });
    standin.fault('invokeSkillEndPointV2', { status: 503 });
    const smapi = await connect();
    const err = await smapi.call({ action: 'invoke', skillId: SKILL }, (c) => c.invokeSkillEndPointV2(SKILL, 'development', { endpointRegion: 'default', skillRequest: { body: {} } })).catch((e: unknown) => e);
    expect((err as SmapiError).status).toBe(503);
    expect(standin.requests('invokeSkillEndPointV2')).toHaveLength(1);
  });

  it('gives up after the retries with the attempt count', async () => {
    for (let i = 0; i < 4; i++) standin.fault('getAccountLinkingInfoV1', { status: 503 });
    const smapi = await connect();
    const err = await getAccountLinking(smapi, SKILL, 'development').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SmapiError);
    expect((err as SmapiError).message).toMatch(/SMAPI failed with HTTP 503 after 4 attempts/);
    expect(waits).toHaveLength(3);
    expect(standin.requests('getAccountLinkingInfoV1')).toHaveLength(4);
  });

  it('does not wait for a Retry-After beyond the cap; reports the 429', async () => {
    standin.fault('getAccountLinkingInfoV1', { status: 429, headers: { 'retry-after': '3600' }, body: { message: 'Rate exceeded' } });
    const smapi = await connect();
    const err = await getAccountLinking(smapi, SKILL, 'development').catch((e: unknown) => e);
    expect((err as SmapiError).code).toBe('E_SMAPI_THROTTLED');
    expect((err as SmapiError).message).toMatch(/throttling requests \(429\)\. SMAPI says: Rate exceeded/);
    expect(waits).toEqual([]);
  });

  it.each([
    [401, { message: 'Token is invalid/expired' }, 'E_SMAPI_UNAUTHORIZED', /did not accept the credentials \(401\) from ASK_ACCESS_TOKEN\. SMAPI says: Token is invalid\/expired/, /ASK_ACCESS_TOKEN to a fresh token/],
    [403, { message: 'Access denied' }, 'E_SMAPI_FORBIDDEN', /does not allow this operation \(403\)/, /must own the skill/],
    [400, { message: 'Account linking information is not valid.', violations: [{ message: 'first problem' }, { message: 'second problem' }] }, 'E_SMAPI_BAD_REQUEST', /rejected the request \(400\)\. SMAPI says: Account linking information is not valid\.\n {2}- first problem\n {2}- second problem/, /Fix the fields/],
    [412, { message: 'Precondition failed.' }, 'E_SMAPI_PRECONDITION', /changed since alexa-link read it \(412 Precondition Failed\); nothing was written/, /Rerun/],
    [404, { message: 'Skill not found' }, 'E_SMAPI_NOT_FOUND', /no skill amzn1\.ask\.skill\.[0-9a-f-]+ with a development stage/, /Check the skill ID/],
  ])('PUT answered %i → a readable error (%s)', async (status, body, code, message, hint) => {
    standin.fault('updateAccountLinkingInfoV1', { status, body });
    const smapi = await connect();
    const err = await putAccountLinking(smapi, SKILL, 'development', { ...CONFIG, clientSecret: SECRET }, 'etag-1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SmapiError);
    expect((err as SmapiError).code).toBe(code);
    expect((err as SmapiError).message).toMatch(message);
    expect((err as SmapiError).hint).toMatch(hint);
    expect((err as SmapiError).exitCode).toBe(1);
  });

  it('a 401 with cli_config credentials says how to refresh them with the ASK CLI', async () => {
    const c = resolveCredentials({
      env: standin.env(),
      cliConfig: { path: '/h/.ask/cli_config', text: JSON.stringify({ profiles: { default: { token: { access_token: 'Atza|revoked-token', expires_at: new Date(Date.now() + 3600_000).toISOString() } } } }), mode: 0o600 },
      now: new Date(),
    });
    const smapi = await connect(c);
    const err = await getAccountLinking(smapi, SKILL, 'development').catch((e: unknown) => e);
    expect((err as SmapiError).status).toBe(401);
    expect((err as SmapiError).hint).toMatch(/ask smapi get-vendor-list/);
  });

  it('a non-JSON answer (a proxy error page) names the status and shows its start', async () => {
    for (let i = 0; i < 4; i++) standin.fault('getAccountLinkingInfoV1', { status: 500, rawBody: '<html><body>Bad gateway from proxy</body></html>' });
    const smapi = await connect();
    const err = await getAccountLinking(smapi, SKILL, 'development').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SmapiBadResponseError);
    expect((err as Error).message).toMatch(/^127\.0\.0\.1:\d+ answered HTTP 500 with "text\/html" that is not JSON: "<html><body>Bad gateway/);
  });

  it('a slow SMAPI times out with http.ts diagnosis, without the SDK prefix', async () => {
    standin.fault('getAccountLinkingInfoV1', { delayMs: 1500 });
    const smapi = await connect(creds(), { timeoutMs: 200 });
    const started = Date.now();
    const err = await getAccountLinking(smapi, SKILL, 'development').catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1400);
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).kind).toBe('timeout');
    expect((err as Error).message).toMatch(/^127\.0\.0\.1:\d+ did not answer within 200 ms\.$/);
  });

  it('Ctrl-C (the abort signal) during a call: CancelledError (exit 130) without the SDK prefix', async () => {
    standin.fault('getAccountLinkingInfoV1', { delayMs: 3000 });
    const controller = new AbortController();
    const smapi = await connect(creds(), { signal: controller.signal });
    setTimeout(() => controller.abort(), 100);
    const err = await getAccountLinking(smapi, SKILL, 'development').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelledError);
    expect((err as CancelledError).message).toBe('Cancelled.');
    expect((err as CancelledError).exitCode).toBe(130);
  });

  it('traces every call with the client secret and token redacted', async () => {
    const smapi = await connect();
    await putAccountLinking(smapi, SKILL, 'development', { ...CONFIG, clientSecret: SECRET });
    const text = trace.join('\n');
    expect(text).toMatch(/SMAPI → PUT http:\/\/127\.0\.0\.1:\d+\/v1\/skills\/.*\/stages\/development\/accountLinkingClient/);
    expect(text).toMatch(/SMAPI ← 204 \(\d+ ms\) etag: [0-9a-f]+/);
    expect(text).toContain('"clientSecret":"clie… (28 chars)"');
    expect(text).toMatch(/^ {2}authorization: Bearer Atza… \(33 chars\)$/m);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(TOKEN);
  });
});
