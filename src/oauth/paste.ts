import { InputError } from '../errors.js';
import { excerpt } from '../ui/redact.js';
import type { CallbackOutcome } from './callback-server.js';

/**
 * `--redirect alexa`: the provider sends the browser to Alexa's own redirect URL, which alexa-link
 * cannot listen on. The user pastes the address they landed on (or just the code); this parses it
 * and checks the state the same way the loopback callback does.
 */
export interface PastedCallback {
  outcome: CallbackOutcome;
  /** A bare code carries no state, so it could not be checked. */
  stateChecked: boolean;
}

const CODE_CHARS = /^[A-Za-z0-9\-._~+/=|%:]+$/;

/** Parses what the user pasted: a full URL, a query string, or a bare code. */
export function parsePastedCallback(text: string, expectedState: string, opts: { expectedRedirectUri?: string } = {}): PastedCallback {
  const input = text.trim().replace(/^['"<]|['">]$/g, '');
  if (input === '') {
    throw new InputError('Nothing was pasted: expected the address the browser landed on, or the code.', { source: 'pasted address' });
  }
  let params: URLSearchParams | undefined;
  let href = input;
  if (/^https?:\/\//i.test(input)) {
    let u: URL;
    try {
      u = new URL(input);
    } catch {
      throw new InputError(`The pasted address is not a valid URL: "${excerpt(input, 80)}".`, { source: 'pasted address' });
    }
    if (opts.expectedRedirectUri) {
      const want = new URL(opts.expectedRedirectUri);
      if (u.origin !== want.origin || u.pathname !== want.pathname) {
        throw new InputError(`The pasted address is ${u.origin}${u.pathname}, not the redirect URL of this login (${want.origin}${want.pathname}).`, {
          source: 'pasted address',
          hint: 'Paste the address of the page the provider sent you to after signing in.',
        });
      }
    }
    // Some providers answer in the fragment; Alexa's code flow uses the query, but accept both.
    const fragment = new URLSearchParams(u.hash.replace(/^#/, ''));
    params = !u.searchParams.has('code') && !u.searchParams.has('error') && (fragment.has('code') || fragment.has('error')) ? fragment : u.searchParams;
    href = u.href;
  } else if (/(^|[?&])(code|error)=/.test(input)) {
    params = new URLSearchParams(input.replace(/^\?/, ''));
  }

  if (!params) {
    if (!CODE_CHARS.test(input) || input.length > 4096) {
      throw new InputError('The pasted text is neither an address nor an authorization code.', {
        source: 'pasted address',
        hint: 'Copy the whole address from the browser\'s address bar after signing in.',
      });
    }
    return { outcome: { kind: 'code', code: input, state: expectedState, url: '', ms: 0 }, stateChecked: false };
  }

  const state = params.get('state');
  const error = params.get('error');
  const code = params.get('code');
  if (state !== expectedState && !(error && state === null)) {
    throw new InputError(
      state === null
        ? 'The pasted address has no state parameter, so it cannot be matched to this login.'
        : 'The state in the pasted address does not match this login (an old tab, or another login).',
      { source: 'pasted address', code: 'E_STATE_MISMATCH', hint: 'Open the address alexa-link printed, sign in, and paste the address you land on.' },
    );
  }
  if (error) {
    const outcome: CallbackOutcome = { kind: 'error', error, url: href, ms: 0 };
    const description = params.get('error_description');
    if (description) outcome.errorDescription = description;
    if (params.get('error_uri')) outcome.errorUri = params.get('error_uri')!;
    if (state !== null) outcome.state = state;
    return { outcome, stateChecked: state !== null };
  }
  if (!code) {
    throw new InputError('The pasted address carries neither a code nor an error.', { source: 'pasted address' });
  }
  return { outcome: { kind: 'code', code, state: state!, url: href, ms: 0 }, stateChecked: true };
}
