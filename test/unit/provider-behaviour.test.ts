import { describe, expect, it } from 'vitest';
import { pkceFromConfig } from '../../src/linking/pkce-config.js';
import { checkLinkingConfig } from '../../src/linking/rules.js';
import { issuedByLetsEncrypt } from '../../src/oauth/certificate-authority.js';
import { discoveryUrls, judgeDiscovery, parseDiscovery } from '../../src/oauth/discovery.js';
import { jwtTimes } from '../../src/oauth/jwt.js';
import { resolveLoginPkce } from '../../src/oauth/login-pkce.js';
import { isPkceRequiredError, newPkce, s256Challenge } from '../../src/oauth/pkce.js';
import { tokenUrlParamsStep } from '../../src/oauth/login-flow.js';
import { jwtExpiryStep, judgeInvalidRefreshAnswer, probeRefreshBehaviour, type RefreshProbe } from '../../src/oauth/refresh-behaviour.js';
import type { TokenHttpAnswer, TokenPostOutcome } from '../../src/oauth/token-exchange.js';
import { judgeTokenResponse, type TokenFields } from '../../src/oauth/token-response.js';
import { HttpError } from '../../src/net/http.js';

const answer = (status: number, body: unknown, ms = 20): TokenHttpAnswer => {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { ok: true, scheme: 'HTTP_BASIC', status, headers: { 'content-type': 'application/json' }, body: text, ms, ...(json === undefined ? {} : { json }) };
};
const failure = (): TokenPostOutcome => {
  const error = new HttpError('timeout', 'https://a/token', 'a did not answer within 10000 ms.', undefined, 10000);
  return { ok: false, scheme: 'HTTP_BASIC', kind: 'timeout', message: error.message, hint: undefined, ms: 10000, error };
};

/** A JWT with the given claims (unsigned: the code only decodes). */
function jwt(claims: Record<string, unknown>): string {
  const b = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b({ alg: 'RS256', typ: 'at+jwt' })}.${b(claims)}.c2lnbmF0dXJl`;
}

describe('PKCE', () => {
  it('S256 matches RFC 7636 Appendix B', () => {
    expect(s256Challenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
    const p = newPkce();
    expect(p.verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(p.challenge).toBe(s256Challenge(p.verifier));
    expect(p.method).toBe('S256');
  });

  it.each<[string, Record<string, unknown>, ReturnType<typeof pkceFromConfig>]>([
    ['none', {}, undefined],
    ['the third-party block', { pkceConfiguration: { status: 'ENABLED', codeChallengeMethod: 'S256' } }, { field: 'accountLinkingRequest.pkceConfiguration', enabled: true, method: 'S256' }],
    ['disabled', { pkceConfiguration: { status: 'DISABLED' } }, { field: 'accountLinkingRequest.pkceConfiguration', enabled: false }],
    ['a boolean', { pkceEnabled: true }, { field: 'accountLinkingRequest.pkceEnabled', enabled: true }],
    ['a string', { pkce: 'ENABLED' }, { field: 'accountLinkingRequest.pkce', enabled: true }],
    ['an object with enabled', { pkceSettings: { enabled: false } }, { field: 'accountLinkingRequest.pkceSettings', enabled: false }],
    ['unreadable', { pkceConfiguration: { flavour: 'strict' } }, { field: 'accountLinkingRequest.pkceConfiguration', enabled: undefined }],
  ])('pkceFromConfig: %s', (_name, extra, want) => {
    expect(pkceFromConfig({ type: 'AUTH_CODE', ...extra })).toEqual(want);
  });

  it('the rules warn about a PKCE block they cannot read, and a method other than S256', () => {
    const rules = (extra: Record<string, unknown>) => checkLinkingConfig({ type: 'IMPLICIT', authorizationUrl: 'https://a.example.com/auth', clientId: 'c', ...extra }).map((f) => f.rule);
    expect(rules({ pkceConfiguration: { flavour: 'x' } })).toContain('pkce-unreadable');
    expect(rules({ pkceConfiguration: { status: 'ENABLED', codeChallengeMethod: 'plain' } })).toContain('pkce-method');
    expect(rules({ pkceConfiguration: { status: 'ENABLED', codeChallengeMethod: 'S256' } })).not.toContain('pkce-method');
  });

  it.each<[boolean, Record<string, unknown>, boolean, string | undefined]>([
    [false, {}, false, undefined],
    [true, {}, true, 'pass'],
    [false, { pkceConfiguration: { status: 'ENABLED' } }, true, 'pass'],
    [false, { pkceConfiguration: { status: 'DISABLED' } }, false, 'pass'],
    [false, { pkceConfiguration: { x: 1 } }, false, 'warn'],
    [true, { pkceConfiguration: { status: 'DISABLED' } }, true, 'warn'],
    // "plain": Alexa supports S256, and login sends S256; said, not done silently.
    [false, { pkceConfiguration: { status: 'ENABLED', codeChallengeMethod: 'plain' } }, true, 'warn'],
    [true, { pkceConfiguration: { status: 'ENABLED', codeChallengeMethod: 'plain' } }, true, 'warn'],
    [false, { pkceConfiguration: { status: 'ENABLED', codeChallengeMethod: 'S256' } }, true, 'pass'],
  ])('login with --pkce=%s and %j: PKCE on = %s, step %s', (flag, extra, on, step) => {
    const r = resolveLoginPkce(flag, { type: 'AUTH_CODE', ...extra });
    expect(Boolean(r.pkce)).toBe(on);
    expect(r.step?.status).toBe(step);
    if (r.step) expect(r.step.id).toBe('pkce');
  });

  it('login says what it sends when the PKCE block names "plain"', () => {
    const r = resolveLoginPkce(false, { type: 'AUTH_CODE', ...{ pkceConfiguration: { status: 'ENABLED', codeChallengeMethod: 'plain' } } });
    expect(r.pkce?.method).toBe('S256');
    expect(r.step?.detail).toMatch(/accountLinkingRequest\.pkceConfiguration names codeChallengeMethod "plain", but Alexa supports S256: alexa-link sends code_challenge_method=S256 \(as Alexa would\), not "plain"/);
    expect(r.step?.fix).toMatch(/codeChallengeMethod to "S256"/);
  });

  it.each([
    ['invalid_request', 'Authorization Server policy requires PKCE to be used for this request', true],
    ['invalid_request', 'code_challenge required', true],
    ['invalid_grant', 'missing code_verifier', true],
    ['invalid_request', 'missing redirect_uri', false],
    ['access_denied', undefined, false],
  ])('isPkceRequiredError(%s, %s) = %s', (e, d, want) => {
    expect(isPkceRequiredError(e, d)).toBe(want);
  });
});

describe('JWT access tokens: exp against expires_in (decoded only)', () => {
  it('reads only the time claims; opaque tokens are not JWTs', () => {
    expect(jwtTimes(jwt({ sub: 'someone', email: 'x@example.com', exp: 2000, iat: 1000, secret: 's' }))).toEqual({ exp: 2000, iat: 1000 });
    expect(jwtTimes('Atza|opaque-token')).toBeUndefined();
    expect(jwtTimes('a.b.c')).toBeUndefined();
  });

  const at = new Date(1_000_000 * 1000);
  const tokens = (claims: Record<string, unknown>, expiresIn: number | undefined): TokenFields => ({ accessToken: jwt(claims), ...(expiresIn !== undefined ? { expiresIn, expiresInSource: 'expires_in' as const } : {}) });
  it.each<[string, Record<string, unknown>, number | undefined, 'pass' | 'warn' | 'fail' | undefined, RegExp?]>([
    ['agree', { iat: 1_000_000, exp: 1_003_600 }, 3600, 'pass', /lives 3600 s; expires_in says 3600 s/],
    ['within a minute', { iat: 1_000_000, exp: 1_003_630 }, 3600, 'pass'],
    ['the token dies sooner than expires_in says', { iat: 1_000_000, exp: 1_000_400 }, 3600, 'fail', /lives 400 s, but expires_in says 3600 s: Alexa keeps sending it for 3200 s after it expired/],
    ['the token lives longer', { iat: 1_000_000, exp: 1_007_200 }, 3600, 'warn', /3600 s longer than expires_in/],
    ['below 360 s', { iat: 1_000_000, exp: 1_000_300 }, 300, 'fail', /at least 360 s/],
    ['no iat: counted from arrival', { exp: 1_003_600 }, 3600, 'pass', /no iat/],
    ['no exp', { iat: 1 }, 3600, undefined],
  ])('%s', (_name, claims, expiresIn, status, detail) => {
    const step = jwtExpiryStep('authorization_code', tokens(claims, expiresIn), at);
    expect(step?.status).toBe(status);
    if (step) {
      expect(step.id).toBe('token-jwt-expiry');
      expect(step.detail).not.toMatch(/someone|example\.com/);
    }
    if (detail) expect(step!.detail).toMatch(detail);
  });

  it('the refresh has its own step id', () => {
    expect(jwtExpiryStep('refresh_token', tokens({ iat: 1_000_000, exp: 1_003_600 }, 3600), at)!.id).toBe('refresh-jwt-expiry');
  });
});

describe('an invalid refresh token must get HTTP 400 invalid_grant', () => {
  it.each<[string, TokenPostOutcome, 'pass' | 'fail', RegExp]>([
    ['400 invalid_grant', answer(400, { error: 'invalid_grant' }), 'pass', /refused with HTTP 400/],
    ['500', answer(500, { error: 'server_error' }), 'fail', /got HTTP 500 \{"error":"server_error"\} \(not a 400 invalid_grant\)/],
    ['401 invalid_grant', answer(401, { error: 'invalid_grant' }), 'fail', /invalid_grant, but with HTTP 401 instead of 400/],
    ['200 with tokens', answer(200, { access_token: 'a-token-that-must-not-show-0123456789', token_type: 'Bearer' }), 'fail', /it was accepted/],
    ['no answer', failure(), 'fail', /did not answer within 10000 ms/],
  ])('%s', (_name, outcome, status, detail) => {
    const s = judgeInvalidRefreshAnswer(outcome);
    expect(s.id).toBe('refresh-invalid-token');
    expect(s.status).toBe(status);
    expect(s.detail).toMatch(detail);
    expect(s.detail).not.toContain('a-token-that-must-not-show-0123456789');
  });
});

describe('rotation, replay and the next refresh (scripted provider answers)', () => {
  const ok = (access: string, refresh?: string) => answer(200, { access_token: access, token_type: 'Bearer', expires_in: 3600, ...(refresh ? { refresh_token: refresh } : {}) });
  const bad = answer(400, { error: 'invalid_grant' });
  function probe(script: Record<string, TokenPostOutcome | TokenPostOutcome[]>): RefreshProbe & { sent: string[] } {
    const sent: string[] = [];
    const queues = new Map(Object.entries(script).map(([k, v]) => [k, Array.isArray(v) ? [...v] : [v]]));
    return {
      sent,
      async refresh(rt) {
        sent.push(rt);
        const q = queues.get(rt) ?? queues.get('*')!;
        return q.length > 1 ? q.shift()! : q[0]!;
      },
      judge: (o, s) => judgeTokenResponse(o, { grant: 'refresh_token', tokenUrl: 'https://a.example.com/token', scheme: 'HTTP_BASIC', sentRefreshToken: s }),
    };
  }
  const ids = (steps: { id: string; status: string }[]) => steps.map((s) => `${s.id}:${s.status}`);

  it('no rotation: the same refresh token works again', async () => {
    const p = probe({ R0: ok('A2', 'R0'), '*': bad });
    const r = await probeRefreshBehaviour(p, 'R0', { accessToken: 'A1', refreshToken: 'R0', expiresIn: 3600 });
    expect(ids(r.steps)).toEqual(['refresh-invalid-token:pass', 'refresh-rotation:pass', 'refresh-second:pass']);
    expect(r.steps[1]!.detail).toMatch(/does not rotate/);
    expect(r.latest?.accessToken).toBe('A2');
    expect(p.sent).toEqual(['alexa-link-made-up-refresh-token-0000000000000000', 'R0']);
  });

  it('rotation with a reuse interval: the replay works, the newest token too', async () => {
    const p = probe({ R0: ok('A2', 'R1b'), R1: ok('A3', 'R2'), '*': bad });
    const r = await probeRefreshBehaviour(p, 'R0', { accessToken: 'A1', refreshToken: 'R1', expiresIn: 3600 });
    expect(ids(r.steps)).toEqual(['refresh-invalid-token:pass', 'refresh-rotation:pass', 'refresh-replay:pass', 'refresh-second:pass']);
    expect(r.latest).toMatchObject({ accessToken: 'A3', refreshToken: 'R2' });
    expect(r.grantRevoked).toBe(false);
  });

  it('rotation, replay refused but the grant kept: a warning', async () => {
    const p = probe({ R0: bad, R1: ok('A3', 'R2'), '*': bad });
    const r = await probeRefreshBehaviour(p, 'R0', { accessToken: 'A1', refreshToken: 'R1', expiresIn: 3600 });
    expect(ids(r.steps)).toEqual(['refresh-invalid-token:pass', 'refresh-rotation:pass', 'refresh-replay:warn', 'refresh-second:pass']);
    expect(r.steps[2]!.detail).toMatch(/grant itself stayed valid/);
  });

  it('rotation with reuse detection (the whole grant revoked on replay): a failure', async () => {
    const p = probe({ R0: bad, R1: bad, '*': bad });
    const r = await probeRefreshBehaviour(p, 'R0', { accessToken: 'A1', refreshToken: 'R1', expiresIn: 3600 });
    expect(ids(r.steps)).toEqual(['refresh-invalid-token:pass', 'refresh-rotation:pass', 'refresh-replay:fail', 'refresh-second:fail']);
    expect(r.steps[2]!.detail).toMatch(/revoked the whole grant/);
    expect(r.grantRevoked).toBe(true);
    expect(r.latest).toBeUndefined();
  });

  it('a second refresh that fails is a failure', async () => {
    const p = probe({ R0: answer(500, 'oops'), '*': bad });
    const r = await probeRefreshBehaviour(p, 'R0', { accessToken: 'A1', refreshToken: 'R0', expiresIn: 3600 });
    expect(ids(r.steps)).toEqual(['refresh-invalid-token:pass', 'refresh-rotation:pass', 'refresh-second:fail']);
  });
});

describe('discovery document', () => {
  it.each([
    ['https://auth.example.com/authorize', ['https://auth.example.com/.well-known/openid-configuration', 'https://auth.example.com/.well-known/oauth-authorization-server']],
    ['https://dev-1.okta.com/oauth2/default/v1/authorize', ['https://dev-1.okta.com/oauth2/default/.well-known/openid-configuration', 'https://dev-1.okta.com/.well-known/openid-configuration', 'https://dev-1.okta.com/.well-known/oauth-authorization-server/oauth2/default']],
  ])('discoveryUrls(%s)', (url, want) => {
    expect(discoveryUrls(url)).toEqual(want);
  });

  const doc = parseDiscovery('https://a.example.com/.well-known/openid-configuration', {
    issuer: 'https://a.example.com',
    authorization_endpoint: 'https://a.example.com/authorize',
    token_endpoint: 'https://a.example.com/oauth/token',
    code_challenge_methods_supported: ['S256'],
    token_endpoint_auth_methods_supported: ['client_secret_post'],
    grant_types_supported: ['authorization_code'],
  })!;
  it('judges PKCE, the client authentication method, the refresh grant and the URLs', () => {
    const f = judgeDiscovery(doc, { authorizationUrl: 'https://a.example.com/authorize?audience=x', accessTokenUrl: 'https://other.example.com/token', accessTokenScheme: 'HTTP_BASIC', pkceOn: false });
    const text = f.map((x) => `${x.status}: ${x.detail}`).join('\n');
    expect(text).toMatch(/pass: PKCE: supported \(code_challenge_methods_supported lists S256\); Amazon recommends enabling PKCE/);
    expect(text).toMatch(/fail: Token endpoint client authentication: the provider supports client_secret_post, not client_secret_basic/);
    expect(f.find((x) => x.status === 'fail')!.fix).toContain('"accessTokenScheme": "REQUEST_BODY_CREDENTIALS"');
    expect(text).toMatch(/warn: grant_types_supported lists authorization_code, without refresh_token/);
    expect(text).toMatch(/warn: The configured URLs differ from the discovery document: accessTokenUrl is https:\/\/other\.example\.com\/token, the document names https:\/\/a\.example\.com\/oauth\/token/);
    expect(text).not.toMatch(/authorizationUrl is/);
  });
  it('PKCE on for the skill and not advertised: a warning', () => {
    const f = judgeDiscovery({ url: 'u', authorization_endpoint: 'https://a/x' }, { pkceOn: true });
    expect(f.some((x) => x.status === 'warn' && /does not list code_challenge_methods_supported/.test(x.detail))).toBe(true);
  });
  it('no token_endpoint_auth_methods_supported means client_secret_basic (RFC 8414)', () => {
    const f = judgeDiscovery({ url: 'u', token_endpoint: 'https://a/t' }, { accessTokenScheme: 'REQUEST_BODY_CREDENTIALS', pkceOn: false });
    expect(f.find((x) => x.status === 'fail')!.detail).toMatch(/supports client_secret_basic \(the default/);
  });
});

describe("Let's Encrypt", () => {
  it.each([
    [{ issuerOrg: "Let's Encrypt", issuer: 'R10' }, true],
    [{ issuer: "Let's Encrypt Authority X3" }, true],
    [{ issuerOrg: 'Amazon', issuer: 'Amazon RSA 2048 M02' }, false],
    [{}, false],
  ])('issuedByLetsEncrypt(%j) = %s', (info, want) => {
    expect(issuedByLetsEncrypt(info)).toBe(want);
  });
});

describe("Alexa's parameters baked into a token URL (login's token-url-params)", () => {
  it.each<[string, string | undefined, RegExp | undefined]>([
    ['https://a.example.com/token', undefined, undefined],
    ['https://a.example.com/token?api-version=2', undefined, undefined],
    ['https://a.example.com/token?client_id=c&code=x', undefined, /accessTokenUrl carries client_id, code/],
    ['https://a.example.com/token', 'https://a.example.com/r?state=s&scope=x', /reciprocalAccessTokenUrl carries state, scope/],
  ])('%s (reciprocal %s)', (tokenUrl, reciprocal, want) => {
    const step = tokenUrlParamsStep({ tokenUrl, ...(reciprocal ? { reciprocalAccessTokenUrl: reciprocal } : {}) });
    if (!want) expect(step).toBeUndefined();
    else expect(step).toMatchObject({ id: 'token-url-params', status: 'fail', detail: expect.stringMatching(want) });
  });
});
