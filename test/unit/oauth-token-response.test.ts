import { describe, expect, it } from 'vitest';
import { HttpError } from '../../src/net/http.js';
import type { TokenHttpAnswer, TokenNetworkFailure } from '../../src/oauth/token-exchange.js';
import { judgeTokenResponse, needsSchemeRetry, isLocalCertificateFailure, summarize, type JudgeContext, type Step } from '../../src/oauth/token-response.js';

const PUBLIC = 'https://auth.example.com/oauth/token';
const LOCAL = 'http://127.0.0.1:4000/token';

function answer(status: number, body: unknown, opts: { ct?: string; ms?: number; scheme?: TokenHttpAnswer['scheme']; headers?: Record<string, string> } = {}): TokenHttpAnswer {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const a: TokenHttpAnswer = {
    ok: true,
    scheme: opts.scheme ?? 'HTTP_BASIC',
    status,
    headers: { 'content-type': opts.ct ?? (typeof body === 'string' ? 'text/plain' : 'application/json; charset=utf-8'), ...opts.headers },
    body: text,
    ms: opts.ms ?? 120,
  };
  try {
    a.json = JSON.parse(text);
  } catch {
    // not JSON
  }
  if (PUBLIC.startsWith('https')) a.tls = { authorized: true, subject: 'auth.example.com', issuer: 'Some CA', validTo: 'Jan 1 00:00:00 2099 GMT' };
  return a;
}

function failure(kind: TokenNetworkFailure['kind'], message: string, ms = 50): TokenNetworkFailure {
  const error = new HttpError(kind, PUBLIC, message, 'a hint', ms);
  return { ok: false, scheme: 'HTTP_BASIC', kind, message, hint: 'a hint', ms, error };
}

const GOOD = { access_token: 'a'.repeat(40), token_type: 'Bearer', expires_in: 3600, refresh_token: 'r'.repeat(40), scope: 'profile' };

function ctx(over: Partial<JudgeContext> = {}): JudgeContext {
  return { grant: 'authorization_code', tokenUrl: PUBLIC, scheme: 'HTTP_BASIC', ...over };
}

function step(steps: Step[], id: string): Step {
  const s = steps.find((x) => x.id === id);
  if (!s) throw new Error(`no step ${id} in ${steps.map((x) => x.id).join(', ')}`);
  return s;
}

describe('judgeTokenResponse: a good answer', () => {
  it('passes every rule and returns the tokens', () => {
    const j = judgeTokenResponse(answer(200, GOOD), ctx());
    expect(j.ok).toBe(true);
    expect(j.steps.map((s) => [s.id, s.status])).toEqual([
      ['token-endpoint-url', 'pass'],
      ['token-endpoint-tls', 'pass'],
      ['token-exchange', 'pass'],
      ['token-latency', 'pass'],
      ['token-json', 'pass'],
      ['token-access-token', 'pass'],
      ['token-token-type', 'pass'],
      ['token-lifetime', 'pass'],
      ['refresh-token-present', 'pass'],
    ]);
    expect(j.tokens).toEqual({ accessToken: GOOD.access_token, tokenType: 'Bearer', expiresIn: 3600, expiresInSource: 'expires_in', refreshToken: GOOD.refresh_token, scope: 'profile' });
    for (const s of j.steps) expect(s.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it('uses refresh- ids for the refresh grant and tells a rotated refresh token', () => {
    const j = judgeTokenResponse(answer(200, { ...GOOD, refresh_token: 'new-one-xxxxxxxx' }), ctx({ grant: 'refresh_token', sentRefreshToken: GOOD.refresh_token }));
    expect(j.steps.map((s) => s.id)).toEqual(['refresh-endpoint-tls', 'refresh-exchange', 'refresh-latency', 'refresh-json', 'refresh-access-token', 'refresh-token-type', 'refresh-lifetime', 'refresh-new-refresh-token']);
    expect(step(j.steps, 'refresh-new-refresh-token').detail).toMatch(/rotated/);
  });
});

describe('judgeTokenResponse: each rule', () => {
  it.each<[string, TokenHttpAnswer, Partial<JudgeContext>, string, Step['status'], RegExp]>([
    ['token_type case-insensitive', answer(200, { ...GOOD, token_type: 'bearer' }), {}, 'token-token-type', 'pass', /bearer/],
    ['token_type missing', answer(200, { ...GOOD, token_type: undefined }), {}, 'token-token-type', 'fail', /no token_type/],
    ['token_type mac', answer(200, { ...GOOD, token_type: 'mac' }), {}, 'token-token-type', 'fail', /"mac"/],
    ['no access_token', answer(200, { ...GOOD, access_token: undefined }), {}, 'token-access-token', 'fail', /no access_token/],
    ['an OAuth error with HTTP 200 (GitHub-style)', answer(200, { error: 'bad_verification_code', error_description: 'The code passed is incorrect or expired.' }), {}, 'token-access-token', 'fail', /HTTP 200 carrying an OAuth error.*bad_verification_code.*RFC 6749 §5.2/],
    ['expires_in 300', answer(200, { ...GOOD, expires_in: 300 }), {}, 'token-lifetime', 'fail', /300 s.*at least 360/],
    ['expires_in 360 is enough', answer(200, { ...GOOD, expires_in: 360 }), {}, 'token-lifetime', 'pass', /360/],
    ['expires_in as string', answer(200, { ...GOOD, expires_in: '3600' }), {}, 'token-lifetime', 'warn', /string/],
    ['expires_in nonsense', answer(200, { ...GOOD, expires_in: 'soon' }), {}, 'token-lifetime', 'fail', /not a number/],
    ['no expires_in, no default', answer(200, { ...GOOD, expires_in: undefined }), {}, 'token-lifetime', 'fail', /defaultTokenExpirationInSeconds/],
    ['no expires_in, default 3600', answer(200, { ...GOOD, expires_in: undefined }), { defaultTokenExpirationInSeconds: 3600 }, 'token-lifetime', 'warn', /3600 s/],
    ['no expires_in, default 100', answer(200, { ...GOOD, expires_in: undefined }), { defaultTokenExpirationInSeconds: 100 }, 'token-lifetime', 'fail', /100 s, below/],
    ['no refresh_token', answer(200, { ...GOOD, refresh_token: undefined }), {}, 'refresh-token-present', 'fail', /users must link again/],
    ['no refresh_token from Auth0: offline_access hint', answer(200, { ...GOOD, refresh_token: undefined }), { tokenUrl: 'https://t.eu.auth0.com/oauth/token', authorizationUrl: 'https://t.eu.auth0.com/authorize' }, 'refresh-token-present', 'fail', /offline_access/],
    ['JSON with a text content-type', answer(200, GOOD, { ct: 'text/plain' }), {}, 'token-json', 'warn', /content-type is "text\/plain"/],
    ['HTML page with 200', answer(200, '<!DOCTYPE html><html><body><h1>Sign in</h1></body></html>', { ct: 'text/html' }), {}, 'token-json', 'fail', /HTML page.*Sign in/],
    ['form-encoded answer', answer(200, 'access_token=abc&token_type=bearer', { ct: 'application/x-www-form-urlencoded' }), {}, 'token-json', 'fail', /form-encoded/],
    ['slow answer', answer(200, GOOD, { ms: 5200 }), {}, 'token-latency', 'fail', /5200 ms.*4500 ms/],
    ['latency limit injectable', answer(200, GOOD, { ms: 60 }), { latencyLimitMs: 50 }, 'token-latency', 'fail', /60 ms/],
    ['plain http public URL', answer(200, GOOD), { tokenUrl: 'http://auth.example.com/token' }, 'token-endpoint-url', 'fail', /not HTTPS/],
    ['port 8443 public URL', answer(200, GOOD), { tokenUrl: 'https://auth.example.com:8443/token' }, 'token-endpoint-url', 'fail', /port 8443/],
    ['loopback http is a rehearsal', answer(200, GOOD), { tokenUrl: LOCAL }, 'token-endpoint-url', 'warn', /local rehearsal/],
    ['refresh answer without refresh_token', answer(200, { ...GOOD, refresh_token: undefined }), { grant: 'refresh_token' }, 'refresh-new-refresh-token', 'warn', /no refresh_token/],
    ['refresh answer without expires_in', answer(200, { ...GOOD, expires_in: undefined }), { grant: 'refresh_token' }, 'refresh-lifetime', 'fail', /No expires_in/],
  ])('%s', (_name, a, c, id, status, detail) => {
    const j = judgeTokenResponse(a, ctx(c));
    const s = step(j.steps, id);
    expect(s.status).toBe(status);
    expect(`${s.detail} ${s.fix}`).toMatch(detail);
    if (status !== 'pass') expect(s.fix).not.toBe('');
    expect(j.ok).toBe(!j.steps.some((x) => x.status === 'fail'));
  });
});

describe('judgeTokenResponse: the refresh-token fix for a generic provider', () => {
  it('says what to change at the provider, without repeating itself', () => {
    const fix = step(judgeTokenResponse(answer(200, { ...GOOD, refresh_token: undefined }), ctx()).steps, 'refresh-token-present').fix;
    expect(fix).toBe('Make the provider issue refresh tokens. Enable the refresh-token grant for this client at the provider; many issue one only for a scope such as offline_access.');
  });
});

describe('judgeTokenResponse: explained failures', () => {
  it.each<[string, TokenHttpAnswer, Partial<JudgeContext>, RegExp, RegExp]>([
    ['invalid_client', answer(401, { error: 'invalid_client', error_description: 'client authentication failed' }), {}, /refused the client credentials/, /accessTokenScheme/],
    ['invalid_grant on the code', answer(400, { error: 'invalid_grant', error_description: 'grant request is invalid' }), {}, /already used or expired, or redirect_uri differs/, /redirect URLs/],
    ['invalid_grant on refresh', answer(400, { error: 'invalid_grant' }), { grant: 'refresh_token' }, /refresh token.*revoked/, /long lifetime/],
    ['unauthorized_client on refresh', answer(400, { error: 'unauthorized_client' }), { grant: 'refresh_token' }, /may not use the refresh_token grant/, /Refresh Token grant/],
    ['PKCE required', answer(400, { error: 'invalid_request', error_description: 'code_verifier required' }), {}, /malformed/, /PKCE/],
    ['HTML error page', answer(404, '<html><head><title>Not Found</title></head><body>Nope</body></html>', { ct: 'text/html' }), {}, /HTML page/, /web page/],
    ['redirect', answer(302, '', { headers: { location: 'https://auth.example.com/login' } }), {}, /redirects to https:\/\/auth.example.com\/login/, /final token endpoint/],
    ['server error', answer(502, 'Bad gateway'), {}, /HTTP 502/, /logs/],
    ['other status without OAuth body', answer(403, 'forbidden'), {}, /HTTP 403 without an OAuth error body/, /RFC 6749/],
  ])('%s', (_name, a, c, detail, fix) => {
    const j = judgeTokenResponse(a, ctx(c));
    const id = (c.grant ?? 'authorization_code') === 'authorization_code' ? 'token-exchange' : 'refresh-exchange';
    const s = step(j.steps, id);
    expect(s.status).toBe('fail');
    expect(s.detail).toMatch(detail);
    expect(s.fix).toMatch(fix);
    expect(j.ok).toBe(false);
    expect(j.tokens).toBeUndefined();
  });

  it('says the other scheme works when the retry with it succeeded, and judges that answer', () => {
    const refused = answer(401, { error: 'invalid_client' }, { scheme: 'HTTP_BASIC' });
    const j = judgeTokenResponse(refused, ctx({ otherSchemeAnswer: answer(200, GOOD, { scheme: 'REQUEST_BODY_CREDENTIALS' }) }));
    const s = step(j.steps, 'token-client-auth-scheme');
    expect(s.status).toBe('fail');
    expect(s.detail).toMatch(/refused the credentials sent as HTTP Basic.*accepted the same request with request body credentials/);
    expect(s.fix).toBe('Set "accessTokenScheme": "REQUEST_BODY_CREDENTIALS" in accountLinking.json and push it with alexa-link configure.');
    expect(step(j.steps, 'token-exchange').status).toBe('pass');
    expect(step(j.steps, 'refresh-token-present').status).toBe('pass');
    expect(j.ok).toBe(false);
    expect(j.tokens?.accessToken).toBe(GOOD.access_token);
  });

  it('blames the credentials when both schemes are refused', () => {
    const j = judgeTokenResponse(answer(401, { error: 'invalid_client' }), ctx({ otherSchemeAnswer: answer(401, { error: 'invalid_client' }, { scheme: 'REQUEST_BODY_CREDENTIALS' }) }));
    expect(step(j.steps, 'token-client-auth-scheme').detail).toMatch(/both schemes.*client ID or the client secret is wrong/);
  });

  it('recommends the other scheme when it gets past client authentication but the code fails', () => {
    const j = judgeTokenResponse(answer(401, { error: 'invalid_client' }), ctx({ otherSchemeAnswer: answer(400, { error: 'invalid_grant' }, { scheme: 'REQUEST_BODY_CREDENTIALS' }) }));
    const s = step(j.steps, 'token-client-auth-scheme');
    expect(s.detail).toMatch(/gets past client authentication/);
    expect(s.fix).toMatch(/REQUEST_BODY_CREDENTIALS/);
  });

  it.each<[string, TokenNetworkFailure, Partial<JudgeContext>, string, RegExp]>([
    ['timeout', failure('timeout', 'auth.example.com did not answer within 10000 ms.', 10000), {}, 'token-exchange', /gives up after 4.5 s/],
    ['refused', failure('refused', 'Connection refused by auth.example.com: nothing is listening there.'), {}, 'token-exchange', /Connection refused/],
    ['self-signed certificate', failure('tls-self-signed', 'auth.example.com presents a self-signed TLS certificate.'), {}, 'token-endpoint-tls', /self-signed/],
    ['expired certificate', failure('tls-expired', "auth.example.com's TLS certificate has expired."), {}, 'token-endpoint-tls', /expired/],
  ])('network failure: %s', (_name, f, c, id, detail) => {
    const j = judgeTokenResponse(f, ctx(c));
    expect(step(j.steps, id).status).toBe('fail');
    expect(step(j.steps, id).detail).toMatch(detail);
    expect(step(j.steps, 'token-exchange').status).toBe('fail');
    expect(j.ok).toBe(false);
  });

  it('an untrusted certificate on a loopback rehearsal is a warning, and the answer is judged', () => {
    const local = 'https://127.0.0.1:4443/token';
    const bad: TokenNetworkFailure = { ...failure('tls-self-signed', '127.0.0.1:4443 presents a self-signed TLS certificate.'), error: new HttpError('tls-self-signed', local, 'x', undefined, 1) };
    const j = judgeTokenResponse(answer(200, GOOD), ctx({ tokenUrl: local, untrustedCertificate: bad }));
    expect(step(j.steps, 'token-endpoint-tls')).toMatchObject({ status: 'warn' });
    expect(step(j.steps, 'token-endpoint-tls').detail).toMatch(/Alexa would refuse it/);
    expect(step(j.steps, 'token-endpoint-url').status).toBe('warn');
    expect(j.ok).toBe(true);
  });
});

describe('helpers', () => {
  it('needsSchemeRetry only for invalid_client', () => {
    expect(needsSchemeRetry(answer(401, { error: 'invalid_client' }))).toBe(true);
    expect(needsSchemeRetry(answer(400, { error: 'invalid_grant' }))).toBe(false);
    expect(needsSchemeRetry(answer(200, GOOD))).toBe(false);
    expect(needsSchemeRetry(failure('timeout', 'x'))).toBe(false);
  });

  it('isLocalCertificateFailure only for TLS failures on loopback URLs', () => {
    expect(isLocalCertificateFailure(failure('tls-self-signed', 'x'), 'https://127.0.0.1:9/token')).toBe(true);
    expect(isLocalCertificateFailure(failure('tls-self-signed', 'x'), PUBLIC)).toBe(false);
    expect(isLocalCertificateFailure(failure('refused', 'x'), 'https://127.0.0.1:9/token')).toBe(false);
  });

  it('summarize counts statuses', () => {
    const s: Step[] = [
      { id: 'a', title: '', status: 'pass', detail: '', fix: '' },
      { id: 'b', title: '', status: 'warn', detail: '', fix: '' },
      { id: 'c', title: '', status: 'fail', detail: '', fix: '' },
    ];
    expect(summarize(s)).toEqual({ ok: false, pass: 1, warn: 1, fail: 1 });
    expect(summarize(s.slice(0, 2)).ok).toBe(true);
  });
});
