import { describe, expect, it } from 'vitest';
import type { AccountLinkingPayload } from '../../src/linking/config.js';
import { checkLinkingConfig, hasErrors } from '../../src/linking/rules.js';

const good: AccountLinkingPayload = {
  type: 'AUTH_CODE',
  authorizationUrl: 'https://auth.example.com/authorize',
  accessTokenUrl: 'https://auth.example.com/oauth/token',
  clientId: 'abc123',
  scopes: ['profile'],
  accessTokenScheme: 'HTTP_BASIC',
};

describe('checkLinkingConfig', () => {
  it('accepts a complete AUTH_CODE configuration', () => {
    expect(checkLinkingConfig(good, { fromFile: true })).toEqual([]);
  });

  // Each invalid configuration from the reference, the rule it breaks, and words of the fix.
  const cases: Array<[string, AccountLinkingPayload, string, RegExp]> = [
    ['missing type', { ...good, type: undefined }, 'type-required', /AUTH_CODE/],
    ['bad type', { ...good, type: 'CODE' as never }, 'type-valid', /AUTH_CODE/],
    ['missing authorizationUrl', { ...good, authorizationUrl: undefined }, 'authorization-url-required', /authorization endpoint/],
    ['relative authorizationUrl', { ...good, authorizationUrl: '/authorize' }, 'url-valid', /full URL/],
    ['http authorizationUrl', { ...good, authorizationUrl: 'http://auth.example.com/a' }, 'url-https', /HTTPS on port 443/],
    ['port 8443', { ...good, accessTokenUrl: 'https://auth.example.com:8443/token' }, 'url-port-443', /:8443/],
    ['missing clientId', { ...good, clientId: undefined }, 'client-id-required', /client ID/],
    ['clientSecret in file', { ...good, clientSecret: 's3cr3t' }, 'client-secret-in-file', /ALEXA_LINK_CLIENT_SECRET/],
    ['AUTH_CODE without accessTokenUrl', { ...good, accessTokenUrl: undefined }, 'access-token-url-required', /token endpoint/],
    ['AUTH_CODE without scheme', { ...good, accessTokenScheme: undefined }, 'access-token-scheme-required', /HTTP_BASIC/],
    ['bad scheme', { ...good, accessTokenScheme: 'BASIC' as never }, 'access-token-scheme-valid', /REQUEST_BODY_CREDENTIALS/],
    ['lifetime under 360 s', { ...good, defaultTokenExpirationInSeconds: 300 }, 'default-expiration-min', /360/],
    ['lifetime zero', { ...good, defaultTokenExpirationInSeconds: 0 }, 'default-expiration-positive', /seconds/],
    ['16 domains', { ...good, domains: Array.from({ length: 16 }, (_, i) => `d${i}.example.com`) }, 'domains-max', /only the domains/],
    ['domain as URL', { ...good, domains: ['https://cdn.example.com/x'] }, 'domain-bare-host', /"cdn\.example\.com"/],
    ['16 scopes', { ...good, scopes: Array.from({ length: 16 }, (_, i) => `s${i}`) }, 'scopes-max', /only the scopes/],
    ['space-joined scopes', { ...good, scopes: ['openid profile'] }, 'scope-single', /\["openid","profile"\]/],
    ['Auth0 without offline_access', { ...good, authorizationUrl: 'https://t.us.auth0.com/authorize', accessTokenUrl: 'https://t.us.auth0.com/oauth/token', scopes: ['openid'] }, 'refresh-offline-access', /offline_access/],
    ['Okta without offline_access', { ...good, authorizationUrl: 'https://dev-1.okta.com/oauth2/default/v1/authorize', accessTokenUrl: 'https://dev-1.okta.com/oauth2/default/v1/token' }, 'refresh-offline-access', /offline_access/],
    ['Google without access_type=offline', { ...good, authorizationUrl: 'https://accounts.google.com/o/oauth2/v2/auth', accessTokenUrl: 'https://oauth2.googleapis.com/token' }, 'refresh-google-offline', /access_type=offline/],
    ['Alexa params in authorizationUrl', { ...good, authorizationUrl: 'https://auth.example.com/a?client_id=x&redirect_uri=y' }, 'authorization-url-reserved-params', /client_id, redirect_uri/],
    ['Alexa params in accessTokenUrl', { ...good, accessTokenUrl: 'https://auth.example.com/token?grant_type=authorization_code&client_id=x&code=y' }, 'token-url-reserved-params', /Remove client_id, code, grant_type from accessTokenUrl/],
    ['a secret in accessTokenUrl', { ...good, accessTokenUrl: 'https://auth.example.com/token?client_secret=s' }, 'token-url-reserved-params', /client_secret/],
    ['Alexa params in reciprocalAccessTokenUrl', { ...good, reciprocalAccessTokenUrl: 'https://auth.example.com/reciprocal?state=s&redirect_uri=r&scope=x&response_type=code' }, 'token-url-reserved-params', /Remove state, redirect_uri, response_type, scope from reciprocalAccessTokenUrl/],
    ['reciprocalAccessTokenUrl over http', { ...good, reciprocalAccessTokenUrl: 'http://auth.example.com/reciprocal' }, 'url-https', /HTTPS on port 443/],
    ['reciprocalAccessTokenUrl on another port', { ...good, reciprocalAccessTokenUrl: 'https://auth.example.com:8443/reciprocal' }, 'url-port-443', /:8443/],
    ['IMPLICIT has no refresh', { type: 'IMPLICIT', authorizationUrl: good.authorizationUrl, clientId: 'x' }, 'implicit-no-refresh', /AUTH_CODE/],
    ['bad platform', { ...good, authorizationUrlsByPlatform: [{ platformType: 'ios' as never, platformAuthorizationUrl: 'https://a.example.com' }] }, 'platform-type-valid', /"iOS"/],
    ['bad voice forward', { ...good, voiceForwardAccountLinking: 'ON' as never }, 'voice-forward-valid', /ENABLED/],
  ];

  it.each(cases)('%s → %s', (_name, payload, rule, fix) => {
    const findings = checkLinkingConfig(payload, { fromFile: true });
    const f = findings.find((x) => x.rule === rule);
    expect(f, JSON.stringify(findings, null, 2)).toBeDefined();
    expect(f!.fix).toMatch(fix);
    expect(f!.field).toMatch(/^accountLinkingRequest\./);
  });

  it('Alexa\'s parameters baked into a token URL are errors; a provider\'s own parameters are fine', () => {
    expect(checkLinkingConfig({ ...good, accessTokenUrl: 'https://auth.example.com/token?code=x' }).find((f) => f.rule === 'token-url-reserved-params')?.severity).toBe('error');
    expect(checkLinkingConfig({ ...good, accessTokenUrl: 'https://auth.example.com/token?api-version=2' })).toEqual([]);
  });

  it('rules that break linking are errors, refresh hints are warnings', () => {
    expect(hasErrors(checkLinkingConfig({ ...good, accessTokenUrl: 'http://x.example.com/t' }))).toBe(true);
    const auth0 = checkLinkingConfig({ ...good, authorizationUrl: 'https://t.auth0.com/authorize', accessTokenUrl: 'https://t.auth0.com/oauth/token' });
    expect(hasErrors(auth0)).toBe(false);
    expect(auth0.map((f) => f.rule)).toContain('refresh-offline-access');
  });

  it('loopback http URLs are only warnings in a local rehearsal', () => {
    const local = { ...good, authorizationUrl: 'http://127.0.0.1:3000/auth', accessTokenUrl: 'http://localhost:3000/token' };
    expect(hasErrors(checkLinkingConfig(local))).toBe(true);
    const rehearsal = checkLinkingConfig(local, { allowLocal: true });
    expect(hasErrors(rehearsal)).toBe(false);
    expect(rehearsal.filter((f) => f.rule === 'url-https')).toHaveLength(2);
  });

  it('a clientSecret passed at push time (not from a file) is fine', () => {
    expect(checkLinkingConfig({ ...good, clientSecret: 'x' })).toEqual([]);
  });
});

describe('checkLinkingConfig by skill type (manifest apis)', () => {
  const lwa: AccountLinkingPayload = { ...good, authorizationUrl: 'https://www.amazon.com/ap/oa', accessTokenUrl: 'https://api.amazon.com/auth/o2/token' };
  const implicit: AccountLinkingPayload = { type: 'IMPLICIT', authorizationUrl: good.authorizationUrl, clientId: 'x', scopes: ['profile'] };
  const rulesOf = (p: AccountLinkingPayload, skillTypes?: string[]) =>
    checkLinkingConfig(p, { fromFile: true, ...(skillTypes ? { skillTypes } : {}) })
      .filter((f) => f.rule.startsWith('skill-type') || f.rule.startsWith('voice-forward-'))
      .map((f) => `${f.severity} ${f.rule}`);

  it.each<[string, AccountLinkingPayload, string[] | undefined, string[]]>([
    ['a custom skill may use IMPLICIT', implicit, ['custom'], []],
    ['a smart home skill may not', implicit, ['smartHome'], ['error skill-type-auth-code']],
    ['nor a video skill', implicit, ['video'], ['error skill-type-auth-code']],
    ['nor a skill that is custom and smart home', implicit, ['custom', 'smartHome'], ['error skill-type-auth-code']],
    ['a smart home skill needs a scope', { ...good, scopes: [] }, ['smartHome'], ['error skill-type-scopes']],
    ['a custom skill does not', { ...good, scopes: [] }, ['custom'], []],
    ['without a manifest, no type rules', implicit, undefined, []],
    ['a type alexa-link does not check adds none', implicit, ['householdList'], []],
    ['voice-forward with Login with Amazon on a custom skill', { ...lwa, voiceForwardAccountLinking: 'ENABLED' }, ['custom'], []],
    ['voice-forward with another provider', { ...good, voiceForwardAccountLinking: 'ENABLED' }, ['custom'], ['error voice-forward-lwa']],
    ['voice-forward with another provider, type unknown', { ...good, voiceForwardAccountLinking: 'ENABLED' }, undefined, ['error voice-forward-lwa']],
    ['voice-forward on a smart home skill', { ...lwa, voiceForwardAccountLinking: 'ENABLED' }, ['smartHome'], ['error voice-forward-custom']],
    ['voice-forward DISABLED is fine anywhere', { ...good, voiceForwardAccountLinking: 'DISABLED' }, ['smartHome'], []],
  ])('%s', (_name, payload, skillTypes, expected) => {
    expect(rulesOf(payload, skillTypes)).toEqual(expected);
  });

  it('names the type and says what to do', () => {
    const [auth] = checkLinkingConfig(implicit, { skillTypes: ['smartHome', 'video'] }).filter((f) => f.rule === 'skill-type-auth-code');
    expect(auth!.message).toBe('type is IMPLICIT, but smart home and video skills must use AUTH_CODE (the implicit grant is for custom skills only).');
    expect(auth!.field).toBe('accountLinkingRequest.type');
    const [scopes] = checkLinkingConfig({ ...good, scopes: [] }, { skillTypes: ['smartHome'] }).filter((f) => f.rule === 'skill-type-scopes');
    expect(scopes!.message).toBe('scopes is empty, but smart home skills need at least one scope.');
    const [vf] = checkLinkingConfig({ ...good, voiceForwardAccountLinking: 'ENABLED' }, { skillTypes: ['custom'] }).filter((f) => f.rule === 'voice-forward-lwa');
    expect(vf!.fix).toMatch(/DISABLED/);
  });

  it('an HTTP token URL stays an error for a smart home skill (a warning only in a local rehearsal)', () => {
    const http = { ...good, accessTokenUrl: 'http://auth.example.com/token' };
    expect(checkLinkingConfig(http, { skillTypes: ['smartHome'] }).find((f) => f.rule === 'url-https')?.severity).toBe('error');
  });
});
