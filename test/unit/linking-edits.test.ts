import { describe, expect, it } from 'vitest';
import type { AccountLinkingPayload } from '../../src/linking/config.js';
import { applyEdit, applyEdits, changes, describeEdit, editQuery, type LinkingEdit } from '../../src/linking/edits.js';
import { checkLinkingConfig } from '../../src/linking/rules.js';

describe('editQuery keeps the rest of the URL byte for byte', () => {
  it.each<[string, string, Record<string, string>, string[], string]>([
    ['adds to a URL without a query', 'https://accounts.google.com/o/oauth2/v2/auth', { access_type: 'offline', prompt: 'consent' }, [], 'https://accounts.google.com/o/oauth2/v2/auth?access_type=offline&prompt=consent'],
    ['replaces a value in place', 'https://a.test/auth?access_type=online&hl=de', { access_type: 'offline' }, [], 'https://a.test/auth?access_type=offline&hl=de'],
    ['sets one and keeps the other', 'https://a.test/auth?access_type=offline', { prompt: 'consent' }, [], 'https://a.test/auth?access_type=offline&prompt=consent'],
    ['removes parameters, keeps the others and their encoding', 'https://a.test/token?client_id=x&tenant=a%2Fb&client_secret=s', {}, ['client_id', 'client_secret'], 'https://a.test/token?tenant=a%2Fb'],
    ['removes the last one: no dangling ?', 'https://a.test/token?grant_type=authorization_code', {}, ['grant_type'], 'https://a.test/token'],
    ['keeps a fragment', 'https://a.test/auth?state=1#x', {}, ['state'], 'https://a.test/auth#x'],
    ['a repeated parameter: the first takes the value, the repeats go', 'https://a.test/auth?prompt=none&x=1&prompt=login', { prompt: 'consent' }, [], 'https://a.test/auth?prompt=consent&x=1'],
    ['an encoded name is matched decoded', 'https://a.test/token?client%5Fsecret=s&keep=1', {}, ['client_secret'], 'https://a.test/token?keep=1'],
  ])('%s', (_name, url, set, remove, expected) => {
    expect(editQuery(url, set, remove)).toBe(expected);
  });
});

describe('applyEdit / applyEdits', () => {
  const base: AccountLinkingPayload = { type: 'AUTH_CODE', authorizationUrl: 'https://a.test/auth', accessTokenUrl: 'https://a.test/token', clientId: 'c', scopes: ['openid'], accessTokenScheme: 'REQUEST_BODY_CREDENTIALS' };
  it.each<[string, LinkingEdit, Partial<AccountLinkingPayload>, string]>([
    ['set the scheme', { kind: 'set', field: 'accessTokenScheme', value: 'HTTP_BASIC' }, { accessTokenScheme: 'HTTP_BASIC' }, 'set accessTokenScheme to "HTTP_BASIC"'],
    ['add a scope', { kind: 'add', field: 'scopes', values: ['offline_access'] }, { scopes: ['openid', 'offline_access'] }, 'add "offline_access" to scopes'],
    ['add domains to a missing list', { kind: 'add', field: 'domains', values: ['google.com', 'googleapis.com'] }, { domains: ['google.com', 'googleapis.com'] }, 'add "google.com", "googleapis.com" to domains'],
    ['query set', { kind: 'query', field: 'authorizationUrl', set: { prompt: 'consent' } }, { authorizationUrl: 'https://a.test/auth?prompt=consent' }, 'set prompt=consent in authorizationUrl'],
    ['query remove', { kind: 'query', field: 'accessTokenUrl', remove: ['client_secret'] }, {}, 'remove client_secret in accessTokenUrl'],
  ])('%s', (_name, edit, expected, words) => {
    expect(applyEdit(base, edit)).toEqual({ ...base, ...expected });
    expect(describeEdit(edit)).toBe(words);
  });
  it('leaves the payload it was given alone', () => {
    const copy = structuredClone(base);
    applyEdit(base, { kind: 'add', field: 'scopes', values: ['x'] });
    expect(base).toEqual(copy);
  });
  it('an edit already made, or proposed twice, changes nothing and is not counted', () => {
    const add: LinkingEdit = { kind: 'add', field: 'scopes', values: ['openid'] };
    expect(changes(base, add)).toBe(false);
    const twice = applyEdits(base, [
      { by: 'refresh-offline-access', edit: { kind: 'add', field: 'scopes', values: ['offline_access'] } },
      { by: 'refresh-offline-access', edit: { kind: 'add', field: 'scopes', values: ['offline_access'] } },
    ]);
    expect(twice.applied).toHaveLength(1);
    expect(twice.payload.scopes).toEqual(['openid', 'offline_access']);
  });
});

describe('the linking rules carry the edit that fixes them, and the edit fixes them', () => {
  const google: AccountLinkingPayload = { type: 'AUTH_CODE', authorizationUrl: 'https://accounts.google.com/o/oauth2/v2/auth?access_type=offline&prompt=consent', accessTokenUrl: 'https://oauth2.googleapis.com/token', clientId: 'c', scopes: ['openid'], accessTokenScheme: 'HTTP_BASIC', domains: ['google.com', 'googleapis.com'] };
  const auth0: AccountLinkingPayload = { type: 'AUTH_CODE', authorizationUrl: 'https://t.us.auth0.com/authorize', accessTokenUrl: 'https://t.us.auth0.com/oauth/token', clientId: 'c', scopes: ['openid', 'offline_access'], accessTokenScheme: 'HTTP_BASIC' };
  it.each<[string, AccountLinkingPayload, string]>([
    ['Auth0 without offline_access', { ...auth0, scopes: ['openid', 'profile'] }, 'refresh-offline-access'],
    ['Okta without offline_access', { ...auth0, authorizationUrl: 'https://dev-1.okta.com/oauth2/default/v1/authorize', accessTokenUrl: 'https://dev-1.okta.com/oauth2/default/v1/token', scopes: ['openid'] }, 'refresh-offline-access'],
    ['Google without access_type=offline', { ...google, authorizationUrl: 'https://accounts.google.com/o/oauth2/v2/auth' }, 'refresh-google-offline'],
    ['Google without prompt=consent', { ...google, authorizationUrl: 'https://accounts.google.com/o/oauth2/v2/auth?access_type=offline' }, 'refresh-google-consent'],
    ['Google without its domains', { ...google, domains: ['google.com'] }, 'domains-provider'],
    ["Alexa's parameters in authorizationUrl", { ...auth0, authorizationUrl: 'https://t.us.auth0.com/authorize?client_id=c&state=abc&audience=api' }, 'authorization-url-reserved-params'],
    ["Alexa's parameters in accessTokenUrl", { ...auth0, accessTokenUrl: 'https://t.us.auth0.com/oauth/token?grant_type=authorization_code&client_secret=s' }, 'token-url-reserved-params'],
    ["Alexa's parameters in reciprocalAccessTokenUrl", { ...auth0, reciprocalAccessTokenUrl: 'https://t.us.auth0.com/reciprocal?code=x' }, 'token-url-reserved-params'],
  ])('%s', (_name, payload, rule) => {
    const found = checkLinkingConfig(payload).filter((f) => f.rule === rule);
    expect(found).toHaveLength(1);
    expect(found[0]!.edit).toBeDefined();
    const fixed = applyEdits(payload, [{ by: rule, edit: found[0]!.edit! }]).payload;
    expect(checkLinkingConfig(fixed).map((f) => f.rule)).not.toContain(rule);
    // Nothing else got worse.
    expect(checkLinkingConfig(fixed).length).toBeLessThan(checkLinkingConfig(payload).length);
  });
  it('a Google configuration as init writes it draws no domains warning', () => {
    expect(checkLinkingConfig(google).map((f) => f.rule)).not.toContain('domains-provider');
  });
  it('a problem a machine cannot fix carries no edit', () => {
    const found = checkLinkingConfig({ ...auth0, authorizationUrl: 'http://t.us.auth0.com/authorize' });
    expect(found.find((f) => f.rule === 'url-https')?.edit).toBeUndefined();
  });
});
