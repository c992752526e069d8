import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { buildAuthorizationUrl, loopbackRedirectUrl, newState, redirectUriFor } from '../../src/oauth/authorize-url.js';
import { parsePastedCallback } from '../../src/oauth/paste.js';

describe('buildAuthorizationUrl', () => {
  const base = { clientId: 'my client', redirectUri: 'https://pitangui.amazon.com/api/skill/link/M2ABCDEF', state: 'st/1+2', scopes: ['openid', 'profile', 'offline_access'] };

  it.each<[string, string, Record<string, string>, string[]]>([
    ['plain URL', 'https://auth.example.com/authorize', {}, []],
    ["keeps Google's access_type=offline&prompt=consent", 'https://accounts.google.com/o/oauth2/v2/auth?access_type=offline&prompt=consent', { access_type: 'offline', prompt: 'consent' }, []],
    ['keeps Auth0 audience', 'https://t.auth0.com/authorize?audience=https%3A%2F%2Fapi.example.com', { audience: 'https://api.example.com' }, []],
    ['replaces Alexa parameters already present', 'https://auth.example.com/authorize?client_id=old&response_type=token&x=1', { x: '1' }, ['client_id', 'response_type']],
  ])('%s', (_name, authorizationUrl, kept, overridden) => {
    const { url, overridden: o } = buildAuthorizationUrl({ ...base, authorizationUrl });
    const u = new URL(url);
    expect(`${u.origin}${u.pathname}`).toBe(authorizationUrl.split('?')[0]);
    expect(Object.fromEntries(u.searchParams)).toEqual({
      ...kept,
      client_id: 'my client',
      response_type: 'code',
      state: 'st/1+2',
      scope: 'openid profile offline_access',
      redirect_uri: base.redirectUri,
    });
    // Space-separated scopes, encoded in the query (as + or %20).
    expect(url).toMatch(/scope=openid(\+|%20)profile(\+|%20)offline_access/);
    expect(o).toEqual(overridden);
  });

  it('leaves scope out when there are none', () => {
    const { url } = buildAuthorizationUrl({ ...base, authorizationUrl: 'https://a.example/auth', scopes: [] });
    expect(new URL(url).searchParams.has('scope')).toBe(false);
  });

  it('refuses a URL that is not absolute', () => {
    expect(() => buildAuthorizationUrl({ ...base, authorizationUrl: '/authorize' })).toThrow(UsageError);
  });

  it('makes unguessable states', () => {
    const a = newState();
    expect(a).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(newState()).not.toBe(a);
  });
});

describe('redirect URLs', () => {
  it.each<[Parameters<typeof redirectUriFor>[0], Parameters<typeof redirectUriFor>[1], string]>([
    ['loopback', { port: 9876 }, 'http://127.0.0.1:9876/callback'],
    ['alexa', { port: 1, vendorId: 'M2ABCDEF' }, 'https://pitangui.amazon.com/api/skill/link/M2ABCDEF'],
    ['alexa', { port: 1, vendorId: 'M2ABCDEF', region: 'EU' }, 'https://layla.amazon.com/api/skill/link/M2ABCDEF'],
    ['alexa', { port: 1, vendorId: 'M2ABCDEF', region: 'FE' }, 'https://alexa.amazon.co.jp/api/skill/link/M2ABCDEF'],
  ])('%s %o', (mode, opts, want) => {
    expect(redirectUriFor(mode, opts)).toBe(want);
  });

  it('alexa without a vendor ID names the flag', () => {
    expect(() => redirectUriFor('alexa', { port: 1 })).toThrow(/--vendor-id/);
    // Every place the shared resolver looked is named, so the user knows none of them had it.
    expect(() => redirectUriFor('alexa', { port: 1 })).toThrow(/ASK_VENDOR_ID, the ASK CLI profile \(~\/\.ask\/cli_config vendor_id\) or SMAPI's vendor list/);
    expect(loopbackRedirectUrl(0)).toBe('http://127.0.0.1:0/callback');
  });
});

describe('parsePastedCallback (--redirect alexa)', () => {
  const state = 'good-state';
  const redirect = 'https://pitangui.amazon.com/api/skill/link/M2ABCDEF';

  it.each<[string, string, { kind: string; code?: string; error?: string; errorDescription?: string }, boolean]>([
    ['the full address', `${redirect}?state=good-state&code=SplxlOBeZQQYbYS6WxSbIA`, { kind: 'code', code: 'SplxlOBeZQQYbYS6WxSbIA' }, true],
    ['with quotes and spaces', `  "${redirect}?code=abc&state=good-state"  \n`, { kind: 'code', code: 'abc' }, true],
    ['a query string', '?code=abc&state=good-state', { kind: 'code', code: 'abc' }, true],
    ['a bare code (state cannot be checked)', 'ANd1z9-_.x', { kind: 'code', code: 'ANd1z9-_.x' }, false],
    ['a provider error', `${redirect}?error=access_denied&error_description=User+cancelled&state=good-state`, { kind: 'error', error: 'access_denied', errorDescription: 'User cancelled' }, true],
    ['a fragment answer', `${redirect}#code=frag&state=good-state`, { kind: 'code', code: 'frag' }, true],
  ])('%s', (_name, text, want, checked) => {
    const r = parsePastedCallback(text, state, { expectedRedirectUri: redirect });
    expect(r.outcome).toMatchObject(want);
    expect(r.stateChecked).toBe(checked);
  });

  it.each<[string, string, RegExp]>([
    ['nothing', '   ', /Nothing was pasted/],
    ['a wrong state', `${redirect}?code=abc&state=evil`, /does not match this login/],
    ['no state', `${redirect}?code=abc`, /no state parameter/],
    ['another address', 'https://evil.example/api/skill/link/M2ABCDEF?code=abc&state=good-state', /not the redirect URL of this login/],
    ['neither code nor error', `${redirect}?state=good-state&foo=1`, /neither a code nor an error/],
    ['prose', 'I could not sign in, sorry', /neither an address nor an authorization code/],
  ])('refuses %s with an InputError (exit 2)', (_name, text, message) => {
    let err: unknown;
    try {
      parsePastedCallback(text, state, { expectedRedirectUri: redirect });
    } catch (e) {
      err = e;
    }
    expect(err).toMatchObject({ exitCode: 2, message: expect.stringMatching(message) });
  });
});
