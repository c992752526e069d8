import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { normalizeRemote, parseAccountLinkingDocument, parseNotes } from '../../src/linking/config.js';
import { detectProvider, PROVIDERS, PROVIDER_IDS } from '../../src/linking/providers.js';
import { alexaRedirectUrl, alexaRedirectUrls, assertVendorId, parseAlexaRedirectUrl } from '../../src/linking/redirect-urls.js';
import { checkLinkingConfig, hasErrors } from '../../src/linking/rules.js';

describe('parseAccountLinkingDocument', () => {
  it('unwraps a valid document', () => {
    expect(parseAccountLinkingDocument({ accountLinkingRequest: { type: 'AUTH_CODE', clientId: 'x' } }, 'a.json')).toEqual({ type: 'AUTH_CODE', clientId: 'x' });
  });
  const bad: Array<[string, unknown, RegExp]> = [
    ['flat payload', { type: 'AUTH_CODE', clientId: 'x' }, /wrapped as \{"accountLinkingRequest"/],
    ['array', [], /expected a JSON object/],
    ['payload not an object', { accountLinkingRequest: 'x' }, /must be an object/],
    ['a boolean written as another string', { accountLinkingRequest: { skipOnEnablement: 'yes' } }, /skipOnEnablement must be true or false \(a JSON boolean\), not the string "yes"/],
    ['string number', { accountLinkingRequest: { defaultTokenExpirationInSeconds: '3600' } }, /whole number.*without quotes/],
    ['scopes as a string', { accountLinkingRequest: { scopes: 'openid profile' } }, /scopes must be an array of strings/],
    ['unknown field with a near miss', { accountLinkingRequest: { clientid: 'x' } }, /did you mean "clientId"\? \(field names are case sensitive\)/],
    ['extra top-level field', { accountLinkingRequest: {}, foo: 1 }, /unexpected top-level field "foo"/],
  ];
  it.each(bad)('%s is rejected naming the field', (_n, doc, msg) => {
    let err: unknown;
    try {
      parseAccountLinkingDocument(doc, 'accountLinking.json');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).exitCode).toBe(2);
    expect((err as Error).message).toContain('accountLinking.json');
    expect((err as Error).message).toMatch(msg);
  });
});

describe('accepted with a warning', () => {
  it.each([
    ['"true"', 'true', true],
    ['"false"', 'false', false],
  ])('skipOnEnablement %s is kept as the boolean, with a note for the rules', (_n, text, value) => {
    const p = parseAccountLinkingDocument({ accountLinkingRequest: { type: 'AUTH_CODE', skipOnEnablement: text } }, 'accountLinking.json');
    expect(p).toEqual({ type: 'AUTH_CODE', skipOnEnablement: value });
    expect(parseNotes(p)).toEqual([expect.objectContaining({ rule: 'skip-on-enablement-string', field: 'accountLinkingRequest.skipOnEnablement', fix: `Write ${text} without quotes.` })]);
    expect(checkLinkingConfig(p).find((f) => f.rule === 'skip-on-enablement-string')).toMatchObject({ severity: 'warning' });
  });

  it('a field Amazon adds tomorrow is kept as written (any JSON), and the rules warn about it', () => {
    const block = { status: 'ENABLED', codeChallengeMethod: 'S256', nested: [1, { a: null }] };
    const p = parseAccountLinkingDocument({ accountLinkingRequest: { type: 'IMPLICIT', pkceConfiguration: block, futureFlag: true } }, 'accountLinking.json');
    expect(p).toEqual({ type: 'IMPLICIT', pkceConfiguration: block, futureFlag: true });
    const warnings = checkLinkingConfig(p).filter((f) => f.rule === 'unknown-field');
    expect(warnings.map((w) => [w.field, w.severity])).toEqual([
      ['accountLinkingRequest.pkceConfiguration', 'warning'],
      ['accountLinkingRequest.futureFlag', 'warning'],
    ]);
    expect(warnings[0]!.message).toMatch(/not in Amazon's published model .*SMAPI may refuse it/);
  });
});

describe('normalizeRemote', () => {
  it('accepts the wrapped GET body and a string skipOnEnablement', () => {
    expect(normalizeRemote({ accountLinkingResponse: { clientId: 'a', skipOnEnablement: 'true' } })).toEqual({ clientId: 'a', skipOnEnablement: true });
  });
  it('accepts the flat body the typings promise', () => {
    expect(normalizeRemote({ clientId: 'a' })).toEqual({ clientId: 'a' });
  });
});

describe('providers', () => {
  it.each(PROVIDER_IDS.filter((p) => p !== 'generic'))('%s preset yields a configuration that passes the rules', (id) => {
    const preset = PROVIDERS[id];
    const urls = preset.urls(preset.domainExample)!;
    const findings = checkLinkingConfig({
      type: 'AUTH_CODE',
      authorizationUrl: urls.authorizationUrl,
      accessTokenUrl: urls.tokenUrl,
      clientId: 'client',
      scopes: preset.scopes,
      accessTokenScheme: preset.scheme,
      domains: preset.domains(preset.domainExample),
    });
    expect(hasErrors(findings)).toBe(false);
    expect(findings.filter((f) => f.rule.startsWith('refresh-'))).toEqual([]);
    expect(detectProvider(urls.authorizationUrl, urls.tokenUrl)).toBe(id);
  });
  it('needs a domain where the provider is tenant-specific', () => {
    expect(PROVIDERS.auth0.urls(undefined)).toBeUndefined();
    expect(PROVIDERS.lwa.urls(undefined)?.tokenUrl).toBe('https://api.amazon.com/auth/o2/token');
  });
});

describe('Alexa redirect URLs', () => {
  it('has one per region', () => {
    expect(alexaRedirectUrls('M2ABC3DEF')).toEqual([
      'https://pitangui.amazon.com/api/skill/link/M2ABC3DEF',
      'https://layla.amazon.com/api/skill/link/M2ABC3DEF',
      'https://alexa.amazon.co.jp/api/skill/link/M2ABC3DEF',
    ]);
    expect(parseAlexaRedirectUrl(alexaRedirectUrl('M2ABC3DEF', 'EU'))).toEqual({ region: 'EU', vendorId: 'M2ABC3DEF' });
    expect(parseAlexaRedirectUrl('https://evil.example.com/api/skill/link/X')).toBeUndefined();
  });
  it('rejects a malformed vendor ID naming the flag', () => {
    expect(() => assertVendorId('m2 abc')).toThrow(/--vendor-id: "m2 abc" is not an Amazon vendor ID/);
  });
});
