import type { AccessTokenScheme } from '../linking/config.js';
import { HttpError, jsonBody, type HttpRequest, type HttpResponse } from '../net/http.js';

/**
 * The provider's OAuth / OpenID Connect discovery document (OpenID Connect Discovery 1.0's
 * /.well-known/openid-configuration, RFC 8414's /.well-known/oauth-authorization-server), when it
 * publishes one, and what it says about the configuration: PKCE support
 * (code_challenge_methods_supported has S256), the client authentication methods of the token
 * endpoint against accessTokenScheme, the refresh_token grant, and whether the configured URLs are
 * the ones it names. Fetching goes through the injected HTTP client; judging is pure.
 */
export interface DiscoveryDocument {
  /** Where it was found. */
  url: string;
  issuer?: string;
  authorization_endpoint?: string;
  token_endpoint?: string;
  code_challenge_methods_supported?: string[];
  token_endpoint_auth_methods_supported?: string[];
  grant_types_supported?: string[];
}

/** RFC 8414 / OIDC names of the two schemes Alexa can use. */
export const SCHEME_AUTH_METHOD: Record<AccessTokenScheme, string> = {
  HTTP_BASIC: 'client_secret_basic',
  REQUEST_BODY_CREDENTIALS: 'client_secret_post',
};

/**
 * Where to look, at most three places, most specific first: the issuer the authorization URL's
 * path suggests (Okta's /oauth2/default/v1/authorize → /oauth2/default), then the host's root, in
 * both the OIDC and the RFC 8414 form.
 */
export function discoveryUrls(authorizationUrl: string): string[] {
  let u: URL;
  try {
    u = new URL(authorizationUrl);
  } catch {
    return [];
  }
  const segments = u.pathname.split('/').filter(Boolean).slice(0, -1);
  while (segments.length && /^v\d+$/i.test(segments[segments.length - 1]!)) segments.pop();
  const issuerPath = segments.length ? `/${segments.join('/')}` : '';
  const out = [
    ...(issuerPath ? [`${u.origin}${issuerPath}/.well-known/openid-configuration`] : []),
    `${u.origin}/.well-known/openid-configuration`,
    `${u.origin}/.well-known/oauth-authorization-server${issuerPath}`,
  ];
  return [...new Set(out)];
}

function stringList(v: unknown): string[] | undefined {
  return Array.isArray(v) && v.every((x) => typeof x === 'string') ? (v as string[]) : undefined;
}

/** A discovery document from a parsed body, or undefined when it is not one. */
export function parseDiscovery(url: string, body: unknown): DiscoveryDocument | undefined {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return undefined;
  const o = body as Record<string, unknown>;
  if (typeof o.authorization_endpoint !== 'string' && typeof o.token_endpoint !== 'string') return undefined;
  const doc: DiscoveryDocument = { url };
  if (typeof o.issuer === 'string') doc.issuer = o.issuer;
  if (typeof o.authorization_endpoint === 'string') doc.authorization_endpoint = o.authorization_endpoint;
  if (typeof o.token_endpoint === 'string') doc.token_endpoint = o.token_endpoint;
  for (const k of ['code_challenge_methods_supported', 'token_endpoint_auth_methods_supported', 'grant_types_supported'] as const) {
    const list = stringList(o[k]);
    if (list) doc[k] = list;
  }
  return doc;
}

export interface FetchDiscoveryOptions {
  http: (req: HttpRequest) => Promise<HttpResponse>;
  timeoutMs: number;
  ca?: HttpRequest['ca'];
  insecure?: boolean;
  signal?: AbortSignal;
}

/** Looks in discoveryUrls() order and returns the first document found (and where it looked). */
export async function fetchDiscovery(authorizationUrl: string, opts: FetchDiscoveryOptions): Promise<{ doc?: DiscoveryDocument; tried: string[] }> {
  const tried: string[] = [];
  for (const url of discoveryUrls(authorizationUrl)) {
    if (opts.signal?.aborted) break;
    tried.push(url);
    try {
      const res = await opts.http({
        url,
        method: 'GET',
        headers: { accept: 'application/json' },
        timeoutMs: opts.timeoutMs,
        maxBodyBytes: 512 * 1024,
        maxRedirects: 2,
        ...(opts.ca ? { ca: opts.ca } : {}),
        ...(opts.insecure ? { insecure: true } : {}),
        ...(opts.signal ? { signal: opts.signal } : {}),
      });
      if (res.status !== 200) continue;
      const doc = parseDiscovery(url, jsonBody(res));
      if (doc) return { doc, tried };
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      // Unreachable or refused: the authorization-endpoint probe reports the endpoint itself.
      if (err.kind === 'timeout' || err.kind === 'aborted' || err.kind === 'refused') break;
    }
  }
  return { tried };
}

export interface DiscoveryFinding {
  status: 'pass' | 'warn' | 'fail';
  detail: string;
  fix?: string;
}

function sameUrl(a: string, b: string): boolean {
  try {
    const x = new URL(a);
    const y = new URL(b);
    return x.origin === y.origin && x.pathname.replace(/\/+$/, '') === y.pathname.replace(/\/+$/, '');
  } catch {
    return a === b;
  }
}

/** What the document says about the configuration. Pure. */
export function judgeDiscovery(
  doc: DiscoveryDocument,
  config: { authorizationUrl?: string; accessTokenUrl?: string; accessTokenScheme?: AccessTokenScheme; pkceOn: boolean },
): DiscoveryFinding[] {
  const out: DiscoveryFinding[] = [];
  out.push({ status: 'pass', detail: `Discovery document at ${doc.url}${doc.issuer ? ` (issuer ${doc.issuer})` : ''}.` });

  const methods = doc.code_challenge_methods_supported;
  if (methods?.includes('S256')) {
    out.push({ status: 'pass', detail: `PKCE: supported (code_challenge_methods_supported lists S256)${config.pkceOn ? '; PKCE is on for the skill.' : '; Amazon recommends enabling PKCE for the skill.'}` });
  } else if (config.pkceOn) {
    out.push({
      status: 'warn',
      detail: methods ? `PKCE is on for the skill, but code_challenge_methods_supported lists ${methods.join(', ') || 'nothing'}, not S256 (the method Alexa uses).` : 'PKCE is on for the skill, but the discovery document does not list code_challenge_methods_supported: the provider may not support PKCE.',
      fix: 'Check that the provider accepts code_challenge_method=S256 (alexa-link login sends it), or turn PKCE off for the skill.',
    });
  } else {
    out.push({ status: 'pass', detail: `PKCE: ${methods ? `code_challenge_methods_supported lists ${methods.join(', ') || 'nothing'}, not S256` : 'not advertised (no code_challenge_methods_supported)'}; PKCE is off for the skill.` });
  }

  if (config.accessTokenScheme) {
    const want = SCHEME_AUTH_METHOD[config.accessTokenScheme];
    const listed = doc.token_endpoint_auth_methods_supported;
    // RFC 8414 §2: absent means client_secret_basic.
    const effective = listed ?? ['client_secret_basic'];
    if (effective.includes(want)) {
      out.push({ status: 'pass', detail: `Token endpoint client authentication: ${want} (accessTokenScheme ${config.accessTokenScheme}) is supported${listed ? '' : ' (the default when token_endpoint_auth_methods_supported is absent)'}.` });
    } else {
      const other = (Object.entries(SCHEME_AUTH_METHOD) as Array<[AccessTokenScheme, string]>).find(([, m]) => effective.includes(m));
      out.push({
        status: 'fail',
        detail: `Token endpoint client authentication: the provider supports ${effective.join(', ') || 'nothing'}${listed ? '' : ' (the default when token_endpoint_auth_methods_supported is absent)'}, not ${want}, which accessTokenScheme ${config.accessTokenScheme} means: Alexa's code exchange fails.`,
        fix: other ? `Set "accessTokenScheme": "${other[0]}" in accountLinking.json and push it with alexa-link configure.` : 'The provider supports neither of the two client authentication methods Alexa can use (client_secret_basic, client_secret_post).',
      });
    }
  }

  if (doc.grant_types_supported && !doc.grant_types_supported.includes('refresh_token')) {
    out.push({ status: 'warn', detail: `grant_types_supported lists ${doc.grant_types_supported.join(', ')}, without refresh_token: without refresh tokens Alexa unlinks users when the first access token expires.`, fix: 'Enable the refresh token grant at the provider.' });
  }

  const mismatch: string[] = [];
  if (config.authorizationUrl && doc.authorization_endpoint && !sameUrl(config.authorizationUrl, doc.authorization_endpoint)) mismatch.push(`authorizationUrl is ${config.authorizationUrl.split('?')[0]}, the document names ${doc.authorization_endpoint}`);
  if (config.accessTokenUrl && doc.token_endpoint && !sameUrl(config.accessTokenUrl, doc.token_endpoint)) mismatch.push(`accessTokenUrl is ${config.accessTokenUrl}, the document names ${doc.token_endpoint}`);
  if (mismatch.length) {
    out.push({ status: 'warn', detail: `The configured URLs differ from the discovery document: ${mismatch.join('; ')}.`, fix: 'Use the endpoints the provider publishes (a custom domain or a proxy in front of them is fine if it forwards every request unchanged).' });
  } else if (doc.authorization_endpoint || doc.token_endpoint) {
    out.push({ status: 'pass', detail: 'The configured authorization and token URLs are the ones the document names.' });
  }
  return out;
}
