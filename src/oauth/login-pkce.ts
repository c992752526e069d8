import type { AccountLinkingPayload } from '../linking/config.js';
import { pkceFromConfig, pkceMethodWarning } from '../linking/pkce-config.js';
import { isLoopbackHost } from '../linking/rules.js';
import { HttpError, request, type HttpRequest, type HttpResponse } from '../net/http.js';
import { buildAuthorizationUrl, newState } from './authorize-url.js';
import { fetchAuthorize, judgeAuthorizeAnswer } from './authorize-probe.js';
import { isPkceRequiredError, newPkce, type Pkce } from './pkce.js';
import type { Step } from './token-response.js';

/**
 * PKCE in `alexa-link login`: whether Alexa would send the PKCE parameters (accountLinking.json's
 * PKCE block, see linking/pkce-config.ts, or --pkce), the step that says so, and how a provider
 * that requires PKCE is recognised when it is off: its error at the callback, or (asked before the
 * user signs in) its answer to the authorization request.
 */
export interface LoginPkce {
  /** Set when PKCE is on. */
  pkce?: Pkce;
  /** The 'pkce' step, when PKCE is on or the configuration mentions it. */
  step?: Step;
}

const TITLE = 'PKCE: as Alexa sends it';

export function resolveLoginPkce(flag: boolean, payload: AccountLinkingPayload): LoginPkce {
  const config = pkceFromConfig(payload);
  if (flag) {
    const pkce = newPkce();
    const note = config && config.enabled === false ? ` (${config.field} says it is off: the skill's Alexa would send no PKCE parameters until it is enabled)` : '';
    const method = pkceMethodWarning(config);
    const warn = config?.enabled === false || method !== undefined;
    const fixes = [config?.enabled === false ? `Enable PKCE in ${config.field} and push it with alexa-link configure.` : '', method ? `Set ${config!.field}.codeChallengeMethod to "S256".` : ''].filter(Boolean).join(' ');
    return { pkce, step: { id: 'pkce', title: TITLE, status: warn ? 'warn' : 'pass', detail: `PKCE on (--pkce): code_challenge with code_challenge_method=S256 in the authorization request, code_verifier with the code${note}.${method ? ` ${method}` : ''}`, fix: fixes } };
  }
  if (!config) return {};
  if (config.enabled === true) {
    const method = pkceMethodWarning(config);
    if (method) return { pkce: newPkce(), step: { id: 'pkce', title: TITLE, status: 'warn', detail: `PKCE on (${config.field} enables it). ${method}`, fix: `Set ${config.field}.codeChallengeMethod to "S256" and push it with alexa-link configure.` } };
    return { pkce: newPkce(), step: { id: 'pkce', title: TITLE, status: 'pass', detail: `PKCE on (${config.field} enables it): code_challenge with code_challenge_method=S256 in the authorization request, code_verifier with the code, as Alexa sends them.`, fix: '' } };
  }
  if (config.enabled === undefined) {
    return { step: { id: 'pkce', title: TITLE, status: 'warn', detail: `${config.field} is there, but alexa-link cannot read whether it enables PKCE, so this login sends no PKCE parameters.`, fix: 'Run alexa-link login --pkce to test with PKCE.' } };
  }
  return { step: { id: 'pkce', title: TITLE, status: 'pass', detail: `PKCE off (${config.field} disables it): no PKCE parameters, as Alexa sends none.`, fix: '' } };
}

/** The explanation when a provider refuses an authorization request for lack of PKCE. */
export function pkceRequiredExplanation(what: string): { detail: string; fix: string } {
  return {
    detail: `The provider requires PKCE: ${what}. Alexa sends the PKCE parameters only when PKCE is enabled for the skill; without that, every user's linking fails here.`,
    fix: 'Enable PKCE for the skill (the developer console\'s account-linking page, or the PKCE block in accountLinking.json pushed with alexa-link configure), then rerun with PKCE: alexa-link login --pkce.',
  };
}

/** Whether a callback error is a refusal for lack of PKCE (only meaningful when PKCE was off). */
export function isPkceRefusal(error: string, description: string | undefined): boolean {
  return isPkceRequiredError(error, description);
}

export interface PkcePreflightOptions {
  authorizationUrl: string;
  clientId: string;
  redirectUri: string;
  scopes: string[];
  send?: (req: HttpRequest) => Promise<HttpResponse>;
  ca?: HttpRequest['ca'];
  signal?: AbortSignal;
  timeoutMs?: number;
  debug?: (line: string) => void;
}

/**
 * Asks the provider, without a browser, what it does with the authorization request (a state of
 * its own, never completed): resolves with what it said when it refuses the request for lack of
 * PKCE (an error sent back to redirect_uri, or an error page), otherwise undefined. Network
 * trouble also resolves undefined: the browser sign-in then tells.
 */
export async function pkcePreflight(opts: PkcePreflightOptions): Promise<string | undefined> {
  const { url } = buildAuthorizationUrl({ authorizationUrl: opts.authorizationUrl, clientId: opts.clientId, redirectUri: opts.redirectUri, state: newState(), scopes: opts.scopes });
  try {
    const res = await fetchAuthorize(url, opts.redirectUri, {
      timeoutMs: opts.timeoutMs ?? 10_000,
      // A loopback rehearsal's test certificate is reported elsewhere; nothing leaves the machine.
      insecure: isLoopbackHost(new URL(url).hostname),
      http: opts.send ?? request,
      ...(opts.ca ? { ca: opts.ca } : {}),
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    const judged = judgeAuthorizeAnswer(res, opts.redirectUri);
    return judged.verdict === 'pkce-required' ? judged.detail.replace(/^requires PKCE: /, '') : undefined;
  } catch (err) {
    if (err instanceof HttpError) {
      opts.debug?.(`PKCE preflight: ${err.message}`);
      return undefined;
    }
    throw err;
  }
}
