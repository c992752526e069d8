import type { Step } from './token-response.js';

/**
 * Whether the provider granted the scopes accountLinking.json asks for, judged from the token
 * answer's `scope` (RFC 6749 §5.1: the field may be left out when the granted scope is exactly the
 * requested one, and must be there when it differs). Smart home skills need their scopes (they are
 * required in their linking configuration), so `login` checks this for them. Pure.
 */
export function splitScopeString(scope: string): string[] {
  return [...new Set(scope.split(/\s+/).filter((s) => s !== ''))];
}

export function judgeGrantedScopes(requested: string[], granted: string | undefined): Step {
  const base = { id: 'granted-scopes', title: 'Configured scopes granted' };
  const asked = [...new Set(requested)];
  if (asked.length === 0) {
    return { ...base, status: 'fail', detail: 'accountLinking.json asks for no scope; smart home skills need at least one.', fix: 'Add the scopes your device cloud needs to accountLinking.json (scopes) and run alexa-link configure.' };
  }
  if (granted === undefined) {
    return {
      ...base,
      status: 'pass',
      detail: `The token answer has no scope field: by RFC 6749 §5.1 the provider granted exactly what was asked (${asked.join(' ')}).`,
      fix: '',
    };
  }
  const got = new Set(splitScopeString(granted));
  const missing = asked.filter((s) => !got.has(s));
  if (missing.length === 0) {
    return { ...base, status: 'pass', detail: `The provider granted ${asked.join(' ')}${got.size > asked.length ? ` (and ${[...got].filter((s) => !asked.includes(s)).join(' ')})` : ''}.`, fix: '' };
  }
  return {
    ...base,
    status: 'fail',
    detail: `The provider did not grant ${missing.join(' ')} (asked for ${asked.join(' ')}; the token answer says "${granted}"). Calls your skill makes with this token that need ${missing.length === 1 ? 'it' : 'them'} will be refused.`,
    fix: `Allow ${missing.join(' ')} for this client at the provider (and for the user, if consent is per scope), or remove ${missing.length === 1 ? 'it' : 'them'} from accountLinking.json and run alexa-link configure.`,
  };
}
