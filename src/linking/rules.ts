import {
  LINKING_TYPES,
  parseNotes,
  PLATFORM_TYPES,
  TOKEN_SCHEMES,
  unknownFields,
  VOICE_FORWARD,
  type AccountLinkingPayload,
} from './config.js';
import type { LinkingEdit } from './edits.js';
import { pkceFromConfig } from './pkce-config.js';
import { detectProvider, PROVIDERS } from './providers.js';
import { skillTypeFindings } from './skill-type-rules.js';

/**
 * The static rules Alexa applies to an account-linking configuration (reference §1.2 and §5).
 * Pure: a payload in, findings out. `configure` stops on errors; `doctor` reports them all.
 */
export type Severity = 'error' | 'warning';

export interface Finding {
  /** Stable kebab-case rule id. */
  rule: string;
  severity: Severity;
  /** The field the finding is about, as `accountLinkingRequest.<field>`. */
  field: string;
  message: string;
  fix: string;
  /** The change to accountLinking.json that fixes it, when a machine can make it (doctor --fix). */
  edit?: LinkingEdit;
}

export interface RuleOptions {
  /**
   * Allow http:// and loopback hosts on any port (a local rehearsal such as `demo`): the HTTPS and
   * port-443 rules become warnings.
   */
  allowLocal?: boolean;
  /** The file is on disk (then clientSecret in it is an error: secrets never go into files). */
  fromFile?: boolean;
  /**
   * The skill's types, the keys of manifest.apis (custom, smartHome, video…), when known: smart home
   * and video skills have stricter rules (skill-type-rules.ts).
   */
  skillTypes?: readonly string[];
}

export const MIN_TOKEN_LIFETIME_SECONDS = 360;
export const MAX_DOMAINS = 15;
export const MAX_SCOPES = 15;
/** Query parameters Alexa adds to the authorization URL itself. */
export const ALEXA_AUTHORIZE_PARAMS = ['client_id', 'response_type', 'state', 'scope', 'redirect_uri'];
/**
 * Parameters of Alexa's own requests that must not be baked into accessTokenUrl or
 * reciprocalAccessTokenUrl: the authorization request's (state, client_id, redirect_uri,
 * response_type, scope), the code, and the token request's form fields. Alexa sends its values in
 * the form body; a second copy in the query string makes providers refuse the request or use the
 * wrong one, and a client_secret there is a leaked secret.
 */
export const ALEXA_TOKEN_URL_PARAMS = ['state', 'client_id', 'redirect_uri', 'response_type', 'scope', 'code', 'grant_type', 'refresh_token', 'client_secret', 'code_verifier'];

const F = (f: string) => `accountLinkingRequest.${f}`;

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h) || h.endsWith('.localhost');
}

/** Rules for an URL field that Alexa calls or opens: absolute, HTTPS, port 443. */
function urlFindings(field: string, value: string | undefined, label: string, opts: RuleOptions, out: Finding[]): URL | undefined {
  if (value === undefined) return undefined;
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    out.push({
      rule: 'url-valid',
      severity: 'error',
      field: F(field),
      message: `${label} "${value}" is not an absolute URL.`,
      fix: `Set ${field} to a full URL such as https://auth.example.com/…`,
    });
    return undefined;
  }
  const local = isLoopbackHost(u.hostname);
  const sev: Severity = opts.allowLocal && local ? 'warning' : 'error';
  if (u.protocol !== 'https:') {
    out.push({
      rule: 'url-https',
      severity: sev,
      field: F(field),
      message: `${label} uses ${u.protocol.replace(':', '')}; Alexa only uses HTTPS.`,
      fix: `Serve ${field} over HTTPS on port 443${local ? ' (this loopback address only works for a local rehearsal)' : ''}.`,
    });
  } else if (u.port !== '' && u.port !== '443') {
    out.push({
      rule: 'url-port-443',
      severity: sev,
      field: F(field),
      message: `${label} uses port ${u.port}; Alexa only connects to port 443.`,
      fix: `Serve it on the standard HTTPS port and drop ":${u.port}" from ${field}.`,
    });
  }
  if (u.username || u.password) {
    out.push({
      rule: 'url-no-credentials',
      severity: 'error',
      field: F(field),
      message: `${label} contains a user name or password.`,
      fix: `Remove the credentials from ${field}; the client secret is sent per accessTokenScheme.`,
    });
  }
  if (u.hash) {
    out.push({
      rule: 'url-no-fragment',
      severity: 'warning',
      field: F(field),
      message: `${label} has a #fragment, which is never sent to the server.`,
      fix: `Remove "${u.hash}" from ${field}.`,
    });
  }
  return u;
}

/**
 * The rules for one URL field on its own (what init's wizard checks as each URL is typed):
 * absolute, HTTPS on port 443, no credentials; for authorizationUrl none of the parameters Alexa
 * adds; for the token URLs none of Alexa's own parameters.
 */
export function checkUrlField(field: 'authorizationUrl' | 'accessTokenUrl' | 'reciprocalAccessTokenUrl', value: string, opts: RuleOptions = {}): Finding[] {
  const out: Finding[] = [];
  const u = urlFindings(field, value, field, opts, out);
  if (u && field === 'authorizationUrl') {
    const reserved = ALEXA_AUTHORIZE_PARAMS.filter((k) => u.searchParams.has(k));
    if (reserved.length) {
      out.push({
        rule: 'authorization-url-reserved-params',
        severity: 'error',
        field: F(field),
        message: `authorizationUrl carries ${reserved.join(', ')}; Alexa adds these itself.`,
        fix: `Leave ${reserved.join(', ')} out; keep only provider-specific parameters (e.g. access_type=offline).`,
      });
    }
  }
  if (field !== 'authorizationUrl') tokenUrlParams(field, u, out);
  return out;
}

/** The value init writes when no client ID was given yet; configure and doctor refuse it. */
export const CLIENT_ID_PLACEHOLDER = 'REPLACE_WITH_YOUR_CLIENT_ID';

const HOSTNAME = /^(?=.{1,253}$)(?:\*\.)?(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/i;

export function checkLinkingConfig(p: AccountLinkingPayload, opts: RuleOptions = {}): Finding[] {
  const out: Finding[] = [];
  const type = p.type;

  if (type === undefined) {
    out.push({ rule: 'type-required', severity: 'error', field: F('type'), message: 'type is missing.', fix: 'Set type to "AUTH_CODE" (recommended; required for smart home) or "IMPLICIT".' });
  } else if (!LINKING_TYPES.includes(type)) {
    out.push({ rule: 'type-valid', severity: 'error', field: F('type'), message: `type "${type}" is not AUTH_CODE or IMPLICIT.`, fix: 'Set type to "AUTH_CODE" or "IMPLICIT" (upper case).' });
  }

  if (!p.authorizationUrl) {
    out.push({ rule: 'authorization-url-required', severity: 'error', field: F('authorizationUrl'), message: 'authorizationUrl is missing.', fix: "Set authorizationUrl to your provider's authorization endpoint (HTTPS, port 443)." });
  }
  const authUrl = urlFindings('authorizationUrl', p.authorizationUrl || undefined, 'authorizationUrl', opts, out);
  if (authUrl) {
    const reserved = ALEXA_AUTHORIZE_PARAMS.filter((k) => authUrl.searchParams.has(k));
    if (reserved.length) {
      out.push({
        rule: 'authorization-url-reserved-params',
        severity: 'warning',
        field: F('authorizationUrl'),
        message: `authorizationUrl already carries ${reserved.join(', ')}; Alexa adds these itself, so the provider receives them twice.`,
        fix: `Remove ${reserved.join(', ')} from the URL; keep only provider-specific parameters (e.g. access_type=offline).`,
        edit: { kind: 'query', field: 'authorizationUrl', remove: reserved },
      });
    }
  }

  if (p.clientId === CLIENT_ID_PLACEHOLDER) {
    const preset = PROVIDERS[detectProvider(p.authorizationUrl, p.accessTokenUrl)];
    out.push({
      rule: 'client-id-placeholder',
      severity: 'error',
      field: F('clientId'),
      message: `clientId is still ${CLIENT_ID_PLACEHOLDER}, the placeholder alexa-link init wrote.`,
      fix: `Create a client at ${preset.label}: ${preset.clientSetup} Then put its client ID in accountLinkingRequest.clientId.`,
    });
  } else if (!p.clientId) {
    out.push({ rule: 'client-id-required', severity: 'error', field: F('clientId'), message: 'clientId is missing.', fix: 'Set clientId to the client ID of the app you registered at your provider.' });
  } else if (/\s/.test(p.clientId)) {
    out.push({ rule: 'client-id-whitespace', severity: 'error', field: F('clientId'), message: 'clientId contains white space.', fix: 'Copy the client ID again without spaces or line breaks.' });
  }

  if (p.clientSecret !== undefined && opts.fromFile) {
    out.push({
      rule: 'client-secret-in-file',
      severity: 'error',
      field: F('clientSecret'),
      message: 'clientSecret is written in the file; secrets must not live in the project.',
      fix: 'Delete clientSecret from the file and pass it at push time in ALEXA_LINK_CLIENT_SECRET (or --client-secret-env <VAR>); rotate it at the provider if the file was ever committed.',
    });
  }

  if (type === 'AUTH_CODE') {
    if (!p.accessTokenUrl) {
      out.push({ rule: 'access-token-url-required', severity: 'error', field: F('accessTokenUrl'), message: 'accessTokenUrl is required for AUTH_CODE.', fix: "Set accessTokenUrl to your provider's token endpoint (HTTPS, port 443)." });
    }
    tokenUrlParams('accessTokenUrl', urlFindings('accessTokenUrl', p.accessTokenUrl || undefined, 'accessTokenUrl', opts, out), out);
    if (p.accessTokenScheme === undefined) {
      out.push({ rule: 'access-token-scheme-required', severity: 'error', field: F('accessTokenScheme'), message: 'accessTokenScheme is required for AUTH_CODE.', fix: 'Set accessTokenScheme to "HTTP_BASIC" (credentials in an Authorization header) or "REQUEST_BODY_CREDENTIALS" (in the form body), whichever your token endpoint accepts.' });
    }
  }
  if (p.accessTokenScheme !== undefined && !TOKEN_SCHEMES.includes(p.accessTokenScheme)) {
    out.push({ rule: 'access-token-scheme-valid', severity: 'error', field: F('accessTokenScheme'), message: `accessTokenScheme "${p.accessTokenScheme}" is not HTTP_BASIC or REQUEST_BODY_CREDENTIALS.`, fix: 'Set accessTokenScheme to "HTTP_BASIC" or "REQUEST_BODY_CREDENTIALS".' });
  }

  if (type === 'IMPLICIT') {
    const notUsed = (['accessTokenUrl', 'accessTokenScheme', 'defaultTokenExpirationInSeconds', 'clientSecret'] as const).filter((k) => p[k] !== undefined);
    if (notUsed.length) {
      out.push({ rule: 'implicit-unused-fields', severity: 'warning', field: F(notUsed[0]!), message: `${notUsed.join(', ')} ${notUsed.length === 1 ? 'is' : 'are'} ignored with the IMPLICIT grant.`, fix: 'Remove them, or switch type to AUTH_CODE.' });
    }
    out.push({ rule: 'implicit-no-refresh', severity: 'warning', field: F('type'), message: 'IMPLICIT grant has no refresh token: users are unlinked when the access token expires, and only custom skills may use it.', fix: 'Use AUTH_CODE with a provider that issues refresh tokens.' });
  }

  if (p.defaultTokenExpirationInSeconds !== undefined) {
    const s = p.defaultTokenExpirationInSeconds;
    if (!Number.isInteger(s) || s <= 0) {
      out.push({ rule: 'default-expiration-positive', severity: 'error', field: F('defaultTokenExpirationInSeconds'), message: `defaultTokenExpirationInSeconds ${s} is not a positive whole number of seconds.`, fix: 'Set it to the lifetime of your access tokens in seconds (at least 360), or remove it if your token endpoint returns expires_in.' });
    } else if (s < MIN_TOKEN_LIFETIME_SECONDS) {
      out.push({ rule: 'default-expiration-min', severity: 'error', field: F('defaultTokenExpirationInSeconds'), message: `defaultTokenExpirationInSeconds is ${s}; Alexa requires access tokens to live at least ${MIN_TOKEN_LIFETIME_SECONDS} seconds.`, fix: `Issue tokens that live at least ${MIN_TOKEN_LIFETIME_SECONDS} s and set the value to match (3600 is common).` });
    }
  }

  const domains = p.domains ?? [];
  if (domains.length > MAX_DOMAINS) {
    out.push({ rule: 'domains-max', severity: 'error', field: F('domains'), message: `domains lists ${domains.length} entries; Alexa allows at most ${MAX_DOMAINS}.`, fix: 'Keep only the domains your login page actually loads content from.' });
  }
  domains.forEach((d, i) => {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(d) || d.includes('/')) {
      out.push({ rule: 'domain-bare-host', severity: 'error', field: F(`domains[${i}]`), message: `domain "${d}" must be a bare host name, not a URL.`, fix: `Write it as "${d.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '').split('/')[0]}".` });
    } else if (!HOSTNAME.test(d)) {
      out.push({ rule: 'domain-valid', severity: 'error', field: F(`domains[${i}]`), message: `domain "${d}" is not a valid host name.`, fix: 'Use a host name such as "cdn.example.com".' });
    }
  });
  const dupDomains = domains.filter((d, i) => domains.indexOf(d) !== i);
  if (dupDomains.length) {
    out.push({ rule: 'domains-unique', severity: 'warning', field: F('domains'), message: `domains lists ${[...new Set(dupDomains)].join(', ')} more than once.`, fix: 'Remove the duplicates.' });
  }

  // The domains the provider's own sign-in page loads content from (presets that know them).
  const detected = detectProvider(p.authorizationUrl, p.accessTokenUrl);
  const providerDomains = PROVIDERS[detected].domains(undefined).filter((d) => !(p.domains ?? []).includes(d));
  if (providerDomains.length) {
    out.push({
      rule: 'domains-provider',
      severity: 'warning',
      field: F('domains'),
      message: `${PROVIDERS[detected].label}'s sign-in page loads content from ${providerDomains.join(', ')}, which ${providerDomains.length === 1 ? 'is' : 'are'} not in domains; Alexa asks for every domain the login page loads content from.`,
      fix: `Add ${providerDomains.map((d) => `"${d}"`).join(', ')} to domains.`,
      edit: { kind: 'add', field: 'domains', values: providerDomains },
    });
  }
  const scopes = p.scopes ?? [];
  if (scopes.length > MAX_SCOPES) {
    out.push({ rule: 'scopes-max', severity: 'error', field: F('scopes'), message: `scopes lists ${scopes.length} entries; Alexa allows at most ${MAX_SCOPES}.`, fix: 'Request only the scopes the skill needs.' });
  }
  scopes.forEach((s, i) => {
    if (s.trim() === '') {
      out.push({ rule: 'scope-empty', severity: 'error', field: F(`scopes[${i}]`), message: 'an empty scope.', fix: 'Remove the empty entry.' });
    } else if (/\s/.test(s)) {
      out.push({ rule: 'scope-single', severity: 'error', field: F(`scopes[${i}]`), message: `scope "${s}" contains white space; Alexa joins scopes with spaces itself.`, fix: `Split it into separate entries: ${JSON.stringify(s.trim().split(/\s+/))}.` });
    }
  });

  for (const field of ['redirectUrls'] as const) {
    (p[field] ?? []).forEach((u, i) => urlFindings(`${field}[${i}]`, u, `${field}[${i}]`, { ...opts }, out));
  }
  if (p.reciprocalAccessTokenUrl !== undefined) tokenUrlParams('reciprocalAccessTokenUrl', urlFindings('reciprocalAccessTokenUrl', p.reciprocalAccessTokenUrl, 'reciprocalAccessTokenUrl', opts, out), out);
  (p.authorizationUrlsByPlatform ?? []).forEach((pl, i) => {
    if (!PLATFORM_TYPES.includes(pl.platformType)) {
      out.push({ rule: 'platform-type-valid', severity: 'error', field: F(`authorizationUrlsByPlatform[${i}].platformType`), message: `platformType "${pl.platformType}" is not iOS or Android.`, fix: 'Use "iOS" or "Android" (exact case).' });
    }
    urlFindings(`authorizationUrlsByPlatform[${i}].platformAuthorizationUrl`, pl.platformAuthorizationUrl, 'platformAuthorizationUrl', opts, out);
  });
  if (p.voiceForwardAccountLinking !== undefined && !VOICE_FORWARD.includes(p.voiceForwardAccountLinking)) {
    out.push({ rule: 'voice-forward-valid', severity: 'error', field: F('voiceForwardAccountLinking'), message: `voiceForwardAccountLinking "${p.voiceForwardAccountLinking}" is not ENABLED or DISABLED.`, fix: 'Use "ENABLED" or "DISABLED", or remove the field.' });
  }

  out.push(...skillTypeFindings(p, opts.skillTypes));
  if (type === 'AUTH_CODE') out.push(...refreshHints(p));

  for (const key of unknownFields(p)) {
    out.push({
      rule: 'unknown-field',
      severity: 'warning',
      field: F(key),
      message: `"${key}" is not in Amazon's published model (ask-smapi-model's SMAPI spec); SMAPI may refuse it. alexa-link keeps it, compares it and sends it as written.`,
      fix: `If SMAPI refuses the push, check "${key}" against Amazon's account-linking documentation, or remove it.`,
    });
  }
  const pkce = pkceFromConfig(p);
  if (pkce && pkce.enabled === undefined) {
    out.push({
      rule: 'pkce-unreadable',
      severity: 'warning',
      field: pkce.field,
      message: `${pkce.field} does not say ENABLED or DISABLED in a way alexa-link can read, so alexa-link login cannot tell whether Alexa sends the PKCE parameters.`,
      fix: 'Write {"status": "ENABLED"} (or "DISABLED"), or run alexa-link login --pkce to test with PKCE.',
    });
  }
  if (pkce?.method !== undefined && pkce.method !== 'S256') {
    out.push({
      rule: 'pkce-method',
      severity: 'warning',
      field: pkce.field,
      message: `${pkce.field} names the code challenge method "${pkce.method}"; Alexa sends code_challenge_method=S256.`,
      fix: 'Use "S256" and make sure the provider accepts it.',
    });
  }
  for (const n of parseNotes(p)) {
    if (n.rule === 'unknown-field') continue; // reported above, from the payload itself
    out.push({ rule: n.rule, severity: 'warning', field: n.field, message: n.message, fix: n.fix });
  }
  return out;
}

/** Alexa's own parameters baked into a token URL: an error (ALEXA_TOKEN_URL_PARAMS). */
function tokenUrlParams(field: string, u: URL | undefined, out: Finding[]): void {
  if (!u) return;
  const baked = ALEXA_TOKEN_URL_PARAMS.filter((k) => u.searchParams.has(k));
  if (!baked.length) return;
  out.push({
    rule: 'token-url-reserved-params',
    severity: 'error',
    field: F(field),
    message: `${field} carries ${baked.join(', ')} in its query string; Alexa sends ${baked.length === 1 ? 'this' : 'these'} itself in the form body of its token requests, so the provider gets two values (or a secret in a URL that ends up in logs).`,
    fix: `Remove ${baked.join(', ')} from ${field}; keep only the token endpoint's own URL.`,
    edit: { kind: 'query', field: field as 'accessTokenUrl' | 'reciprocalAccessTokenUrl', remove: baked },
  });
}

/** Provider-specific rules about refresh tokens (without them users are unlinked at expiry). */
export function refreshHints(p: AccountLinkingPayload): Finding[] {
  const out: Finding[] = [];
  const provider = detectProvider(p.authorizationUrl, p.accessTokenUrl);
  const scopes = p.scopes ?? [];
  if ((provider === 'auth0' || provider === 'okta') && !scopes.includes('offline_access')) {
    out.push({
      rule: 'refresh-offline-access',
      severity: 'warning',
      field: F('scopes'),
      message: `${PROVIDERS[provider].label} issues no refresh token without the offline_access scope; users will be unlinked when the first access token expires.`,
      fix: `Add "offline_access" to scopes. ${PROVIDERS[provider].refreshHint}`,
      edit: { kind: 'add', field: 'scopes', values: ['offline_access'] },
    });
  }
  if (provider === 'google' && p.authorizationUrl) {
    let params: URLSearchParams | undefined;
    try {
      params = new URL(p.authorizationUrl).searchParams;
    } catch {
      params = undefined;
    }
    if (params && params.get('access_type') !== 'offline') {
      out.push({
        rule: 'refresh-google-offline',
        severity: 'warning',
        field: F('authorizationUrl'),
        message: 'Google issues no refresh token without access_type=offline in the authorization URL.',
        fix: 'Append ?access_type=offline&prompt=consent to authorizationUrl (Alexa adds the other parameters).',
        edit: { kind: 'query', field: 'authorizationUrl', set: { access_type: 'offline', prompt: 'consent' } },
      });
    } else if (params && params.get('prompt') !== 'consent') {
      out.push({
        rule: 'refresh-google-consent',
        severity: 'warning',
        field: F('authorizationUrl'),
        message: 'Without prompt=consent Google returns a refresh token only on the first consent; a user who links again gets none.',
        fix: 'Append prompt=consent to authorizationUrl.',
        edit: { kind: 'query', field: 'authorizationUrl', set: { prompt: 'consent' } },
      });
    }
  }
  if (provider === 'google' && p.accessTokenScheme === 'REQUEST_BODY_CREDENTIALS') {
    out.push({
      rule: 'google-scheme',
      severity: 'warning',
      field: F('accessTokenScheme'),
      message: 'With Google, token refresh has been reported to work only with HTTP_BASIC.',
      fix: 'Set accessTokenScheme to "HTTP_BASIC".',
    });
  }
  return out;
}

export function hasErrors(findings: Finding[]): boolean {
  return findings.some((f) => f.severity === 'error');
}
