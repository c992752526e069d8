import { describe, expect, it } from 'vitest';
import { judgeGrantedScopes, splitScopeString } from '../../src/oauth/granted-scopes.js';

describe('judgeGrantedScopes', () => {
  it.each([
    [['openid', 'profile'], 'openid profile', 'pass', /granted openid profile\.$/],
    [['openid', 'profile'], 'profile  openid offline_access', 'pass', /granted openid profile \(and offline_access\)/],
    [['openid', 'profile'], undefined, 'pass', /no scope field: by RFC 6749 §5\.1 the provider granted exactly what was asked \(openid profile\)/],
    [['openid', 'devices:control'], 'openid', 'fail', /did not grant devices:control \(asked for openid devices:control; the token answer says "openid"\)/],
    [['a', 'b'], '', 'fail', /did not grant a b/],
    [[], 'openid', 'fail', /asks for no scope/],
  ] as [string[], string | undefined, string, RegExp][])('asked %j, granted %j → %s', (requested, granted, status, detail) => {
    const step = judgeGrantedScopes(requested, granted);
    expect(step.id).toBe('granted-scopes');
    expect(step.status).toBe(status);
    expect(step.detail).toMatch(detail);
    expect(step.fix === '').toBe(status === 'pass');
  });

  it('splits a scope string on any whitespace, once each', () => {
    expect(splitScopeString(' openid\tprofile  openid ')).toEqual(['openid', 'profile']);
  });
});
