import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { AccountLinkingPayload } from '../../src/linking/config.js';
import { normalizeRemote } from '../../src/linking/config.js';
import { diffLinking, renderDiff, verifyPushed } from '../../src/linking/diff.js';
import type { HttpRequest, HttpResponse } from '../../src/net/http.js';
import { postTokenRequest, type TokenPostOutcome } from '../../src/oauth/token-exchange.js';
import { judgeTokenResponse, type JudgeContext } from '../../src/oauth/token-response.js';
import { getAccountLinking, putAccountLinking } from '../../src/smapi/account-linking.js';
import { createSmapi } from '../../src/smapi/client.js';
import { SmapiError, smapiMessages, toSmapiError } from '../../src/smapi/errors.js';
import { resolveCredentials } from '../../src/smapi/credentials.js';
import { RUNS, countInputs, fuzzPeerAnswers, jsonishText, mutated, printFuzzReport } from './support.js';

/**
 * What network peers answer: the provider's token endpoint (judged by Alexa's rules) and SMAPI
 * (through the real ask-smapi-sdk and our ApiClient, then the diff configure shows). Any status,
 * headers and body: the judge returns steps and never throws, and no token it was given appears
 * whole in them; SMAPI's answers come back as a configuration or as a typed error (exit 1, with
 * a diagnosis), never as a TypeError out of the SDK or the diff.
 */
const GOOD_TOKEN = { access_token: 'eyJhbGciOiJSUzI1NiJ9.fuzz-access-token-value', token_type: 'Bearer', expires_in: 3600, refresh_token: 'fuzz-refresh-token-value-0123456789', scope: 'openid offline_access' };
const GOOD_LINKING = {
  accountLinkingResponse: {
    type: 'AUTH_CODE',
    authorizationUrl: 'https://auth.example.com/authorize',
    accessTokenUrl: 'https://auth.example.com/token',
    clientId: 'client',
    scopes: ['openid', 'offline_access'],
    domains: ['cdn.example.com'],
    accessTokenScheme: 'HTTP_BASIC',
    defaultTokenExpirationInSeconds: 3600,
    skipOnEnablement: 'false',
    authorizationUrlsByPlatform: [{ platformType: 'iOS', platformAuthorizationUrl: 'https://a.example.com' }],
  },
};
const LOCAL: AccountLinkingPayload = {
  type: 'AUTH_CODE',
  authorizationUrl: 'https://auth.example.com/authorize',
  accessTokenUrl: 'https://auth.example.com/token',
  clientId: 'client',
  scopes: ['openid', 'offline_access', 'profile'],
  accessTokenScheme: 'HTTP_BASIC',
};

const status = fc.oneof(fc.constantFrom(200, 200, 200, 201, 204, 301, 302, 400, 401, 403, 404, 409, 412, 429, 500, 502, 503), fc.integer({ min: 100, max: 599 }));
const contentType = fc.oneof(fc.constantFrom('application/json', 'application/json;charset=UTF-8', 'application/vnd.api+json', 'text/html; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', ''), fc.string({ maxLength: 20 }));
const headers = fc.record(
  {
    'content-type': contentType,
    location: fc.oneof(fc.constant('/loop'), fc.webUrl(), fc.string({ maxLength: 20 })),
    'retry-after': fc.oneof(fc.constantFrom('0', '1', 'Wed, 21 Oct 2015 07:28:00 GMT'), fc.string({ maxLength: 10 })),
    etag: fc.string({ maxLength: 20 }),
  },
  { requiredKeys: [] },
);
const body = (valid: unknown) =>
  fc.oneof(
    jsonishText(valid),
    mutated(valid).map((d) => JSON.stringify(d) ?? ''),
    fc.constantFrom('', '<!DOCTYPE html><html><title>Login</title></html>', 'access_token=abc&token_type=bearer', 'null', '[]', '"text"'),
  );
const answer = (valid: unknown): fc.Arbitrary<Pick<HttpResponse, 'status' | 'headers' | 'body'>> => fc.record({ status, headers, body: body(valid) });

function response(a: Pick<HttpResponse, 'status' | 'headers' | 'body'>, url: string): HttpResponse {
  return { ...a, bytes: Buffer.byteLength(a.body), ms: 12, url, redirects: [] };
}

afterAll(() => printFuzzReport('Answers of network peers'));

describe(`fuzz: token endpoint answers (${RUNS} inputs per generator)`, () => {
  const ctx = fc.record({
    grant: fc.constantFrom('authorization_code' as const, 'refresh_token' as const),
    tokenUrl: fc.oneof(fc.constantFrom('https://auth.example.com/oauth/token', 'http://127.0.0.1:8080/token', 'https://127.0.0.1:8443/token'), fc.string({ maxLength: 20 })),
    authorizationUrl: fc.oneof(fc.constant('https://auth.example.com/authorize'), fc.string({ maxLength: 20 })),
    scheme: fc.constantFrom('HTTP_BASIC' as const, 'REQUEST_BODY_CREDENTIALS' as const),
    defaultTokenExpirationInSeconds: fc.option(fc.integer({ min: -10, max: 100_000 }), { nil: undefined }),
    sentRefreshToken: fc.option(fc.string(), { nil: undefined }),
  });

  /** The secrets the answer carried as JSON strings, which no step may print whole. */
  function carriedTokens(text: string): string[] {
    try {
      const j = JSON.parse(text) as Record<string, unknown>;
      if (!j || typeof j !== 'object') return [];
      return [j.access_token, j.refresh_token, j.id_token].filter((v): v is string => typeof v === 'string' && v.length >= 12);
    } catch {
      return [];
    }
  }

  it('judgeTokenResponse on any status, headers and body (through postTokenRequest)', async () => {
    await fuzzPeerAnswers(
      'token endpoint answer (postTokenRequest + judgeTokenResponse)',
      fc.tuple(answer(GOOD_TOKEN), ctx, fc.option(answer({ error: 'invalid_client' }), { nil: undefined })),
      async ([a, c, other]) => {
        const send = async (req: HttpRequest) => response(a, req.url);
        const outcome = await postTokenRequest({ tokenUrl: c.tokenUrl, clientId: 'client', clientSecret: 'fuzz-client-secret', scheme: c.scheme, send }, { grant_type: c.grant, code: 'x' });
        const judgeCtx: JudgeContext = { ...c } as JudgeContext;
        if (c.defaultTokenExpirationInSeconds === undefined) delete judgeCtx.defaultTokenExpirationInSeconds;
        if (c.sentRefreshToken === undefined) delete judgeCtx.sentRefreshToken;
        if (other) judgeCtx.otherSchemeAnswer = await postTokenRequest({ tokenUrl: c.tokenUrl, clientId: 'client', clientSecret: 's', scheme: c.scheme === 'HTTP_BASIC' ? 'REQUEST_BODY_CREDENTIALS' : 'HTTP_BASIC', send: async (req) => response(other, req.url) }, { grant_type: c.grant });
        return { judgement: judgeTokenResponse(outcome, judgeCtx), text: a.body, otherText: other?.body ?? '' };
      },
      (_input, { judgement, text, otherText }) => {
        expect(judgement.steps.length).toBeGreaterThan(0);
        for (const s of judgement.steps) {
          expect(s.id).toMatch(/^[a-z]+(-[a-z]+)*$/);
          expect(['pass', 'warn', 'fail']).toContain(s.status);
          expect(s.detail.length).toBeGreaterThan(0);
          for (const secret of [...carriedTokens(text), ...carriedTokens(otherText)]) {
            expect(s.detail).not.toContain(secret);
            expect(s.fix).not.toContain(secret);
          }
        }
        expect(judgement.ok).toBe(!judgement.steps.some((s) => s.status === 'fail'));
        if (judgement.ok) expect(judgement.tokens?.accessToken).toBeTruthy();
      },
    );
  });

  it('judgeTokenResponse on network failures of every kind', () => {
    const kinds = ['refused', 'timeout', 'dns', 'reset', 'unreachable', 'tls-self-signed', 'tls-expired', 'tls-hostname', 'tls-untrusted', 'tls-other', 'too-large', 'redirect-loop', 'too-many-redirects', 'aborted', 'bad-url', 'other'] as const;
    fc.assert(
      fc.property(fc.constantFrom(...kinds), fc.string(), ctx, (kind, message, c) => {
        const outcome = { ok: false, scheme: c.scheme, kind, message: message || 'x', hint: undefined, ms: 10 } as unknown as TokenPostOutcome;
        const j = judgeTokenResponse(outcome, { grant: c.grant, tokenUrl: c.tokenUrl, scheme: c.scheme });
        expect(j.ok).toBe(false);
        expect(j.steps.some((s) => s.status === 'fail')).toBe(true);
      }),
      { numRuns: RUNS },
    );
    countInputs('token endpoint network failure (judgeTokenResponse)', RUNS);
  });
});

describe(`fuzz: SMAPI answers (${RUNS} inputs per generator)`, () => {
  const credentials = resolveCredentials({ env: { ASK_ACCESS_TOKEN: 'Atza|fuzz-smapi-token', ASK_SMAPI_SERVER_BASE_URL: 'http://127.0.0.1:9', ASK_LWA_TOKEN_HOST: 'http://127.0.0.1:9' }, now: new Date() });
  const SKILL = 'amzn1.ask.skill.f0220000-0000-4000-8000-000000000001';
  const noSleep = async () => undefined;

  it('GET account linking through ask-smapi-sdk and our ApiClient, then the diff (normalizeRemote, diffLinking, renderDiff, verifyPushed)', async () => {
    await fuzzPeerAnswers(
      'SMAPI get-account-linking answer (SDK + normalizeRemote + diff)',
      fc.array(answer(GOOD_LINKING), { minLength: 1, maxLength: 4 }),
      async (answers) => {
        let i = 0;
        const smapi = await createSmapi(credentials, { send: async (req) => response(answers[Math.min(i++, answers.length - 1)]!, req.url), sleep: noSleep, timeoutMs: 1000 });
        const remote = await getAccountLinking(smapi, SKILL, 'development');
        const diff = diffLinking(LOCAL, remote.payload, { secret: 'provided' });
        renderDiff(diff);
        verifyPushed(LOCAL, remote.payload);
        return { remote, requests: i };
      },
      (_answers, { requests }) => {
        // Bounded retries: at most the first attempt and three more.
        expect(requests).toBeLessThanOrEqual(4);
      },
    );
  });

  it('PUT account linking: any answer is success or a typed error', async () => {
    await fuzzPeerAnswers(
      'SMAPI update-account-linking answer (SDK)',
      answer({ message: 'Request is not valid.', violations: [{ code: 'INVALID_REQUEST_PARAMETER', message: 'clientId is required.' }] }),
      async (a) => {
        const smapi = await createSmapi(credentials, { send: async (req) => response(a, req.url), sleep: noSleep, timeoutMs: 1000, retries: 1 });
        return putAccountLinking(smapi, SKILL, 'development', LOCAL, 'etag');
      },
      () => undefined,
    );
  });

  it('normalizeRemote then the diff on any JSON body', () => {
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), mutated(GOOD_LINKING), mutated(GOOD_LINKING.accountLinkingResponse)), (b) => {
        const remote = normalizeRemote(b);
        const diff = diffLinking(LOCAL, remote, { secret: 'absent' });
        for (const line of renderDiff(diff)) expect(typeof line).toBe('string');
        verifyPushed(LOCAL, remote);
      }),
      { numRuns: RUNS },
    );
    countInputs('SMAPI body (normalizeRemote + diffLinking)', RUNS);
  });

  it('toSmapiError on any ServiceError the SDK could throw', () => {
    const serviceError = fc.record({ statusCode: fc.integer({ min: 0, max: 999 }), response: fc.oneof(fc.jsonValue(), mutated({ message: 'm', violations: [{ message: 'v' }] }), mutated({ error: 'invalid_grant', error_description: 'd' })), headers: fc.array(fc.record({ key: fc.constantFrom('x-alexa-link-attempts', 'x-alexa-link-peer', 'location', 'etag'), value: fc.string({ maxLength: 10 }) }), { maxLength: 4 }) });
    fc.assert(
      fc.property(serviceError, fc.constantFrom(undefined, SKILL), (e, skillId) => {
        const err = Object.assign(new Error('Unknown error'), { name: 'ServiceError', ...e });
        const typed = toSmapiError(err, { action: 'read the account-linking configuration', skillId, stage: 'development', credentialSource: 'environment', lwaEndpoint: 'https://api.amazon.com' });
        expect(typed).toBeInstanceOf(SmapiError);
        expect(typed.exitCode).toBe(1);
        expect(typed.message).toMatch(/^(Could not read the account-linking configuration|Login with Amazon refused to issue an SMAPI access token)/);
        smapiMessages(e.response);
      }),
      { numRuns: RUNS },
    );
    countInputs('SMAPI error (toSmapiError)', RUNS);
  });
});
