import path from 'node:path';
import { InputError, UsageError } from '../errors.js';
import type { AccessTokenScheme } from '../linking/config.js';
import { isLoopbackHost } from '../linking/rules.js';
import { normalizeDomain, PROVIDERS, type ProviderId, type ProviderUrls } from '../linking/providers.js';
import { checkInvocationName, describeInvocationErrors, invocationFromName } from './invocation-name.js';
import { ALEXA_LOCALES, normalizeLocale } from './locales.js';

/**
 * The answers `init` works from, complete and validated: what the wizard asks, what the flags
 * give, what `demo` passes in directly. `resolveInitOptions` turns partial answers into this or
 * throws an InputError naming the flag.
 */
export type SkillLanguage = 'javascript' | 'typescript';
export type EndpointKind = 'lambda' | 'https';

export const LANGUAGES: readonly SkillLanguage[] = ['javascript', 'typescript'];
export const ENDPOINT_KINDS: readonly EndpointKind[] = ['lambda', 'https'];

export interface InitOptions {
  /** Absolute project directory. */
  dir: string;
  /** Skill name shown in the Alexa app. */
  name: string;
  invocation: string;
  locales: string[];
  provider: ProviderId;
  /** Tenant / org / Cognito domain, normalized (no scheme, no trailing slash). */
  domain?: string;
  authorizationUrl: string;
  tokenUrl: string;
  /** Where the skill looks the user up; empty when the provider has none (the skill then greets without a name). */
  userinfoUrl: string;
  clientId: string;
  scopes: string[];
  scheme: AccessTokenScheme;
  language: SkillLanguage;
  endpoint: EndpointKind;
  /** The HTTPS endpoint, when endpoint is https. */
  endpointUrl?: string;
  /** Run npm install in lambda/ afterwards. */
  install: boolean;
  /** Write into a non-empty directory, overwriting files the template brings. */
  force: boolean;
  /** Loopback provider URLs (a local rehearsal such as `demo`) are warnings, not errors. */
  allowLocal: boolean;
}

/** What the flags (or a caller) give; anything missing is asked, defaulted or reported. */
export interface InitAnswers {
  dir?: string;
  name?: string;
  invocation?: string;
  locales?: string[];
  provider?: string;
  domain?: string;
  authorizationUrl?: string;
  tokenUrl?: string;
  userinfoUrl?: string;
  clientId?: string;
  scopes?: string[];
  scheme?: string;
  language?: string;
  endpoint?: string;
  endpointUrl?: string;
  install?: boolean;
  force?: boolean;
  allowLocal?: boolean;
}

export const DEFAULT_SKILL_NAME = 'My Linked Skill';
export const DEFAULT_LOCALE = 'en-US';

/** The flag that answers each field, for messages. */
export const FLAG_FOR: Record<keyof InitAnswers, string> = {
  dir: '[dir]',
  name: '--name',
  invocation: '--invocation',
  locales: '--locale',
  provider: '--provider',
  domain: '--domain',
  authorizationUrl: '--authorization-url',
  tokenUrl: '--token-url',
  userinfoUrl: '--userinfo-url',
  clientId: '--client-id',
  scopes: '--scope',
  scheme: '--scheme',
  language: '--language',
  endpoint: '--endpoint',
  endpointUrl: '--endpoint-url',
  install: '--install',
  force: '--force',
  allowLocal: 'allowLocal',
};

/** "My Café Skill" → "my-cafe-skill"; names without Latin letters fall back to "alexa-skill". */
export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/, '');
  return slug || 'alexa-skill';
}

/** "my-skill" → "My Skill": a readable skill name from a directory name. */
export function nameFromDir(dir: string): string {
  const base = path.basename(path.resolve(dir));
  const words = base.replace(/[-_.]+/g, ' ').trim();
  if (!words) return DEFAULT_SKILL_NAME;
  return words.replace(/(^|\s)(\p{Ll})/gu, (_m, pre: string, c: string) => pre + c.toLocaleUpperCase());
}

/** Scopes from repeated flags or a typed line: "openid profile", "openid,profile". */
export function splitScopes(values: string[]): string[] {
  const out: string[] = [];
  for (const v of values) for (const s of v.split(/[\s,]+/)) if (s && !out.includes(s)) out.push(s);
  return out;
}

export function splitLocales(values: string[]): string[] {
  return values.flatMap((v) => v.split(/[\s,]+/)).filter((v) => v !== '');
}

/** Whether the provider needs --domain to build its URLs. */
export function providerNeedsDomain(provider: ProviderId): boolean {
  return PROVIDERS[provider].domainHelp !== undefined;
}

export function isProviderId(v: string): v is ProviderId {
  return Object.prototype.hasOwnProperty.call(PROVIDERS, v);
}

/** Throws an InputError naming the flag unless `value` is an absolute http(s) URL. */
export function validateHttpUrl(value: string, flag: string): URL {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new InputError(`${flag} "${value}" is not an absolute URL.`, { source: flag, hint: `Pass a full URL such as https://auth.example.com/…` });
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') {
    throw new InputError(`${flag} "${value}" must be an http(s) URL.`, { source: flag });
  }
  return u;
}

const HOST = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?::\d{1,5})?$/i;

/** Throws an InputError naming the flag unless `domain` (already normalized) is a host name. */
export function validateHost(domain: string, flag: string, example = 'auth.example.com'): void {
  if (!HOST.test(domain)) throw new InputError(`${flag} "${domain}" is not a host name (expected something like ${example}).`, { source: flag });
}

/** The project directory: the [dir] argument, else a directory named after the skill. */
export function defaultDir(cwd: string, name: string | undefined): string {
  return path.resolve(cwd, slugify(name ?? DEFAULT_SKILL_NAME));
}

/**
 * Completes and validates answers. Missing required values are reported together, naming their
 * flags (exit 2); invalid values are InputErrors naming the flag (exit 2). `warnings` collects
 * what is allowed but worth saying.
 */
export function resolveInitOptions(a: InitAnswers, cwd: string, warnings: string[] = []): InitOptions {
  const providerRaw = a.provider ?? 'lwa';
  if (!isProviderId(providerRaw)) {
    throw new InputError(`--provider "${providerRaw}" is not one of ${Object.keys(PROVIDERS).join(', ')}.`, { source: '--provider' });
  }
  const provider = providerRaw;
  const preset = PROVIDERS[provider];
  const missing: string[] = [];
  if (!a.clientId) missing.push('--client-id');
  const domain = a.domain ? normalizeDomain(a.domain) : undefined;
  if (providerNeedsDomain(provider) && !domain && !(a.authorizationUrl && a.tokenUrl)) {
    missing.push(`--domain (${preset.domainHelp}, e.g. ${preset.domainExample})`);
  }
  if (provider === 'generic') {
    if (!a.authorizationUrl) missing.push('--authorization-url');
    if (!a.tokenUrl) missing.push('--token-url');
  }
  const endpoint = a.endpoint ?? (a.endpointUrl ? 'https' : 'lambda');
  if (!(ENDPOINT_KINDS as readonly string[]).includes(endpoint)) {
    throw new InputError(`--endpoint "${endpoint}" is not lambda or https.`, { source: '--endpoint' });
  }
  if (endpoint === 'https' && !a.endpointUrl) missing.push('--endpoint-url');
  if (missing.length) {
    throw new UsageError(`Missing ${missing.length === 1 ? 'a value' : 'values'} for ${missing.join(', ')}.`, {
      code: 'E_MISSING_FLAG',
      hint: `Pass ${missing.map((m) => m.split(' ')[0]).join(' ')}, or run in a terminal without --yes to be asked.`,
    });
  }

  if (domain !== undefined) validateHost(domain, '--domain', preset.domainExample);
  if (domain !== undefined && !providerNeedsDomain(provider)) {
    warnings.push(`--domain is ignored for ${preset.label}: its URLs are fixed.`);
  }
  if (provider === 'cognito' && domain && !domain.endsWith('.amazoncognito.com')) {
    warnings.push(`--domain ${domain} is not a *.amazoncognito.com domain; that is fine for a Cognito custom domain, otherwise pass the full domain, e.g. ${preset.domainExample}.`);
  }

  const presetUrls: ProviderUrls | undefined = preset.urls(domain);
  const authorizationUrl = a.authorizationUrl ?? presetUrls?.authorizationUrl ?? '';
  const tokenUrl = a.tokenUrl ?? presetUrls?.tokenUrl ?? '';
  if (a.authorizationUrl) validateHttpUrl(a.authorizationUrl, '--authorization-url');
  if (a.tokenUrl) validateHttpUrl(a.tokenUrl, '--token-url');
  const userinfoUrl = a.userinfoUrl ?? presetUrls?.userinfoUrl ?? '';
  if (userinfoUrl) {
    const u = validateHttpUrl(userinfoUrl, '--userinfo-url');
    if (u.protocol !== 'https:' && !isLoopbackHost(u.hostname)) {
      throw new InputError(`--userinfo-url "${userinfoUrl}" must use HTTPS: the skill sends the user's access token to it.`, { source: '--userinfo-url' });
    }
  } else {
    warnings.push('No userinfo URL (--userinfo-url): the skill will confirm that an account is linked but cannot greet the user by name.');
  }

  const clientId = a.clientId!.trim();

  const localesIn = a.locales && a.locales.length ? splitLocales(a.locales) : [DEFAULT_LOCALE];
  if (localesIn.length === 0) {
    // --locale "" would make a skill with no locale and no interaction model.
    throw new InputError(`--locale is empty: a skill needs at least one locale, such as ${DEFAULT_LOCALE}.`, { source: '--locale' });
  }
  const locales: string[] = [];
  for (const raw of localesIn) {
    const l = normalizeLocale(raw);
    if (!l) {
      throw new InputError(`--locale "${raw}" is not an Alexa locale. Use one of: ${ALEXA_LOCALES.join(', ')}.`, { source: '--locale' });
    }
    if (!locales.includes(l)) locales.push(l);
  }

  const dir = a.dir !== undefined && a.dir !== '' ? path.resolve(cwd, a.dir) : defaultDir(cwd, a.name);
  const name = (a.name ?? '').trim() || (a.dir ? nameFromDir(dir) : DEFAULT_SKILL_NAME);
  const invocationSource = a.invocation ?? invocationFromName(name);
  const check = checkInvocationName(invocationSource, locales);
  if (!check.ok) {
    const derived = a.invocation === undefined;
    throw new InputError(
      derived
        ? `The invocation name "${check.normalized}" derived from the skill name ${describeInvocationErrors(check)}`
        : `--invocation "${check.normalized}" ${describeInvocationErrors(check)}`,
      { source: '--invocation', code: 'E_INVOCATION_NAME', hint: derived ? 'Pass --invocation "<two or more lower-case words>".' : undefined },
    );
  }
  for (const p of check.problems) warnings.push(`Invocation name "${check.normalized}" ${p.message}`);

  const scopes = a.scopes && a.scopes.length ? splitScopes(a.scopes) : [...preset.scopes];
  const scheme = a.scheme ?? preset.scheme;
  if (scheme !== 'HTTP_BASIC' && scheme !== 'REQUEST_BODY_CREDENTIALS') {
    throw new InputError(`--scheme "${scheme}" is not HTTP_BASIC or REQUEST_BODY_CREDENTIALS.`, { source: '--scheme' });
  }
  const language = a.language ?? 'javascript';
  if (!(LANGUAGES as readonly string[]).includes(language)) {
    throw new InputError(`--language "${language}" is not javascript or typescript.`, { source: '--language' });
  }

  let endpointUrl: string | undefined;
  if (endpoint === 'https') {
    const u = validateHttpUrl(a.endpointUrl!, '--endpoint-url');
    if (u.protocol !== 'https:') throw new InputError(`--endpoint-url "${a.endpointUrl}" must use HTTPS: Alexa only calls HTTPS endpoints.`, { source: '--endpoint-url' });
    if (u.port !== '' && u.port !== '443') {
      throw new InputError(`--endpoint-url "${a.endpointUrl}" uses port ${u.port}; Alexa only calls port 443.`, { source: '--endpoint-url' });
    }
    if (isLoopbackHost(u.hostname)) {
      throw new InputError(`--endpoint-url "${a.endpointUrl}" is a loopback address that Alexa cannot reach.`, {
        source: '--endpoint-url',
        hint: 'Use a public HTTPS URL (a tunnel such as ngrok works for development).',
      });
    }
    endpointUrl = u.toString();
  } else if (a.endpointUrl) {
    warnings.push('--endpoint-url is ignored with --endpoint lambda: `ask deploy` sets the Lambda ARN.');
  }

  return {
    dir,
    name,
    invocation: check.normalized,
    locales,
    provider,
    ...(domain !== undefined && providerNeedsDomain(provider) ? { domain } : {}),
    authorizationUrl,
    tokenUrl,
    userinfoUrl,
    clientId,
    scopes,
    scheme,
    language: language as SkillLanguage,
    endpoint: endpoint as EndpointKind,
    ...(endpointUrl ? { endpointUrl } : {}),
    install: a.install ?? false,
    force: a.force ?? false,
    allowLocal: a.allowLocal ?? provider === 'generic',
  };
}
