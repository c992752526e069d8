import { randomBytes } from 'node:crypto';
import { UsageError } from '../errors.js';
import { alexaRedirectUrl, type AlexaRegion } from '../linking/redirect-urls.js';
import { ALEXA_AUTHORIZE_PARAMS } from '../linking/rules.js';

/**
 * The authorization URL the way the Alexa app opens it: the configured authorizationUrl with
 * `client_id`, `response_type=code`, `state`, `scope` (space-separated) and `redirect_uri` added,
 * keeping the query parameters already there (Google's `access_type=offline&prompt=consent`); with
 * PKCE on for the skill, `code_challenge` and `code_challenge_method=S256` as well.
 */
export interface AuthorizeRequest {
  authorizationUrl: string;
  clientId: string;
  redirectUri: string;
  state: string;
  scopes: string[];
  /** With PKCE on for the skill, Alexa adds code_challenge and code_challenge_method=S256. */
  pkce?: { challenge: string; method: 'S256' };
}

export interface AuthorizeUrl {
  url: string;
  /** Parameters that were in authorizationUrl and that Alexa replaces with its own. */
  overridden: string[];
}

/** An unguessable state value (Alexa sends an opaque one of its own). */
export function newState(): string {
  return randomBytes(18).toString('base64url');
}

export function buildAuthorizationUrl(req: AuthorizeRequest): AuthorizeUrl {
  let u: URL;
  try {
    u = new URL(req.authorizationUrl);
  } catch {
    throw new UsageError(`authorizationUrl "${req.authorizationUrl}" is not an absolute URL.`, {
      hint: 'Fix accountLinkingRequest.authorizationUrl in accountLinking.json.',
    });
  }
  const own = req.pkce ? [...ALEXA_AUTHORIZE_PARAMS, 'code_challenge', 'code_challenge_method'] : ALEXA_AUTHORIZE_PARAMS;
  const overridden = own.filter((p) => u.searchParams.has(p));
  for (const p of overridden) u.searchParams.delete(p);
  u.searchParams.set('client_id', req.clientId);
  u.searchParams.set('response_type', 'code');
  u.searchParams.set('state', req.state);
  const scope = req.scopes.filter((s) => s.trim() !== '').join(' ');
  if (scope) u.searchParams.set('scope', scope);
  u.searchParams.set('redirect_uri', req.redirectUri);
  if (req.pkce) {
    u.searchParams.set('code_challenge', req.pkce.challenge);
    u.searchParams.set('code_challenge_method', req.pkce.method);
  }
  return { url: u.href, overridden };
}

/** The loopback redirect URL `alexa-link login --redirect loopback` listens on. */
export function loopbackRedirectUrl(port: number): string {
  return `http://127.0.0.1:${port}/callback`;
}

export type RedirectMode = 'loopback' | 'alexa';

/** The redirect_uri for a login: the loopback callback, or Alexa's own for the vendor and region. */
export function redirectUriFor(mode: RedirectMode, opts: { port: number; vendorId?: string; region?: AlexaRegion }): string {
  if (mode === 'loopback') return loopbackRedirectUrl(opts.port);
  if (!opts.vendorId) {
    throw new UsageError('--redirect alexa needs your Amazon vendor ID, and none was found: not in --vendor-id, ASK_VENDOR_ID, the ASK CLI profile (~/.ask/cli_config vendor_id) or SMAPI\'s vendor list.', {
      code: 'E_MISSING_FLAG',
      hint: 'Pass --vendor-id <id> (developer.amazon.com/settings/console/mycid shows it), or set up SMAPI credentials (see alexa-link configure).',
    });
  }
  return alexaRedirectUrl(opts.vendorId, opts.region ?? 'NA');
}
