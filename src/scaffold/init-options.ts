import { access, constants, realpath, stat, statfs } from 'node:fs/promises';
import path from 'node:path';
import { InputError, UsageError } from '../errors.js';
import type { AccessTokenScheme } from '../linking/config.js';
import { CLIENT_ID_PLACEHOLDER, isLoopbackHost } from '../linking/rules.js';
import { normalizeDomain, PROVIDERS, type ProviderId, type ProviderUrls } from '../linking/providers.js';
import { neutralizeControl } from '../ui/text.js';
import { checkInvocationName, describeInvocationErrors, invocationFromName } from './invocation-name.js';
import { ALEXA_LOCALES, normalizeLocale } from './locales.js';

/**
 * The answers `init` works from, complete and validated: what the wizard asks, what the flags
 * give, what `demo` passes in directly. `resolveInitOptions` turns partial answers into this or
 * throws an InputError naming the flag.
 */
export type SkillLanguage = 'javascript' | 'typescript';
export type EndpointKind = 'lambda' | 'https';
/** The kind of skill `init` scaffolds: a custom skill (ask-sdk-core) or a smart home skill (plain Lambda). */
export type SkillType = 'custom' | 'smart-home';

export const LANGUAGES: readonly SkillLanguage[] = ['javascript', 'typescript'];
export const ENDPOINT_KINDS: readonly EndpointKind[] = ['lambda', 'https'];
export const SKILL_TYPES: readonly SkillType[] = ['custom', 'smart-home'];

export interface InitOptions {
  skillType: SkillType;
  /** Absolute project directory. */
  dir: string;
  /** Skill name shown in the Alexa app. */
  name: string;
  /** The custom skill's invocation name; empty for a smart home skill, which has none. */
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
  skillType?: string;
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

/** Passes alexa-link's own rules: its invocation name ("my linked greeter") draws no warning. */
export const DEFAULT_SKILL_NAME = 'My Linked Greeter';
export const DEFAULT_LOCALE = 'en-US';

/** The flag that answers each field, for messages. */
export const FLAG_FOR: Record<keyof InitAnswers, string> = {
  skillType: '--type',
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

/**
 * Characters init refuses in anything it writes into the project: C0 controls (a newline, a tab,
 * ESC…), DEL, C1 controls, the line and paragraph separators U+2028/U+2029, and the bidi
 * embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) that make text read
 * differently from what it is. They never belong in a skill name, a client ID, a scope or a URL,
 * and written into JSON, JavaScript or a README they break or disguise it.
 */
const REFUSED = /[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

const CONTROL_NAMES: Record<number, string> = {
  0x00: 'NUL',
  0x07: 'BEL',
  0x08: 'backspace',
  0x09: 'tab',
  0x0a: 'line feed',
  0x0d: 'carriage return',
  0x1b: 'ESC',
  0x7f: 'DEL',
  0x2028: 'U+2028 LINE SEPARATOR',
  0x2029: 'U+2029 PARAGRAPH SEPARATOR',
  0x202a: 'U+202A LEFT-TO-RIGHT EMBEDDING',
  0x202b: 'U+202B RIGHT-TO-LEFT EMBEDDING',
  0x202c: 'U+202C POP DIRECTIONAL FORMATTING',
  0x202d: 'U+202D LEFT-TO-RIGHT OVERRIDE',
  0x202e: 'U+202E RIGHT-TO-LEFT OVERRIDE',
  0x2066: 'U+2066 LEFT-TO-RIGHT ISOLATE',
  0x2067: 'U+2067 RIGHT-TO-LEFT ISOLATE',
  0x2068: 'U+2068 FIRST STRONG ISOLATE',
  0x2069: 'U+2069 POP DIRECTIONAL ISOLATE',
};

/** A value quoted in a message: on one line, its control characters visible. */
function oneLine(value: string): string {
  return neutralizeControl(value, { newlines: 'escape' });
}

function hex(code: number): string {
  return `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Invisible format characters (Unicode Cf: zero-width space and joiners, soft hyphen, word joiner, BOM…): refused in names. */
const FORMAT = /\p{Cf}/u;
const REFUSED_IN_NAMES = new RegExp(`${REFUSED.source}|${FORMAT.source}`, 'u');

const FORMAT_NAMES: Record<number, string> = {
  0x00ad: 'U+00AD SOFT HYPHEN',
  0x200b: 'U+200B ZERO WIDTH SPACE',
  0x200c: 'U+200C ZERO WIDTH NON-JOINER',
  0x200d: 'U+200D ZERO WIDTH JOINER',
  0x200e: 'U+200E LEFT-TO-RIGHT MARK',
  0x200f: 'U+200F RIGHT-TO-LEFT MARK',
  0x2060: 'U+2060 WORD JOINER',
  0xfeff: 'U+FEFF ZERO WIDTH NO-BREAK SPACE',
};

/**
 * The first refused character in `value`: its name and its 1-based position. With `names`, also
 * the invisible format characters a name must not hide (a skill name "Cool\u200bHelper" reads as
 * "CoolHelper" and is not what users see or say).
 */
export function findControlCharacter(value: string, opts: { names?: boolean } = {}): { name: string; position: number; invisible?: true } | undefined {
  const m = (opts.names ? REFUSED_IN_NAMES : REFUSED).exec(value);
  if (!m) return undefined;
  const code = m[0].codePointAt(0)!;
  const known = CONTROL_NAMES[code] ?? FORMAT_NAMES[code];
  const name = known ? (known.startsWith('U+') ? known : `${known}, ${hex(code)}`) : code >= 0x80 && code <= 0x9f ? `${hex(code)}, a C1 control` : hex(code);
  return { name, position: [...value.slice(0, m.index)].length + 1, ...(REFUSED.test(m[0]) ? {} : { invisible: true as const }) };
}

/** Throws an InputError naming the flag when `value` holds a control or bidi character. */
export function assertPlainText(value: string, flag: string): void {
  const found = findControlCharacter(value);
  if (!found) return;
  throw new InputError(`${flag} "${oneLine(value)}" contains a control character (${found.name}) at character ${found.position}; init writes it into the project's files, where it does not belong.`, {
    source: flag,
    code: 'E_CONTROL_CHARACTER',
    hint: `Type ${flag === '[dir]' ? 'the folder name' : `the value of ${flag}`} again without it (a paste can bring invisible characters along).`,
  });
}

/**
 * The skill name shown in the Alexa app: publishingInformation.locales.<locale>.name. Amazon's
 * schema (ask-smapi-model spec.json) requires at least 2 characters; the developer console and
 * SMAPI accept at most 50.
 */
export const SKILL_NAME_MIN = 2;
export const SKILL_NAME_MAX = 50;

/** A derived name within Amazon's limits: too short → the default name; too long → cut at a word. */
export function fitSkillName(name: string): string {
  const chars = [...name];
  if (chars.length < SKILL_NAME_MIN) return DEFAULT_SKILL_NAME;
  if (chars.length <= SKILL_NAME_MAX) return name;
  const cut = chars.slice(0, SKILL_NAME_MAX + 1).join('');
  const atWord = cut.slice(0, cut.lastIndexOf(' ')).trim();
  return [...atWord].length >= SKILL_NAME_MIN ? atWord : chars.slice(0, SKILL_NAME_MAX).join('').trim();
}

/** Why `name` cannot be a skill name, or undefined. `label` says where it came from. */
export function skillNameProblem(name: string, label = '--name'): string | undefined {
  const found = findControlCharacter(name, { names: true });
  if (found?.invisible) return `${label} "${oneLine(name)}" contains an invisible character (${found.name}) at character ${found.position}; the name would not read as it looks.`;
  if (found) return `${label} "${oneLine(name)}" contains a control character (${found.name}) at character ${found.position}; init writes it into the project's files, where it does not belong.`;
  const length = [...name].length;
  if (length < SKILL_NAME_MIN || length > SKILL_NAME_MAX) {
    return `${label} is ${length} character${length === 1 ? '' : 's'} long; Amazon allows ${SKILL_NAME_MIN} to ${SKILL_NAME_MAX} characters for a skill name (shown in the Alexa app).`;
  }
  return undefined;
}

/** Throws an InputError naming the flag unless `value` is an absolute http(s) URL. */
export function validateHttpUrl(value: string, flag: string): URL {
  // Checked on the text as given: the URL parser silently drops tabs and newlines.
  assertPlainText(value, flag);
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

/** The skill's own HTTPS endpoint: what Alexa can call (HTTPS, port 443, not a loopback address). */
export function validateEndpointUrl(value: string, flag: string): URL {
  const u = validateHttpUrl(value, flag);
  if (u.protocol !== 'https:') throw new InputError(`${flag} "${value}" must use HTTPS: Alexa only calls HTTPS endpoints.`, { source: flag });
  if (u.port !== '' && u.port !== '443') {
    throw new InputError(`${flag} "${value}" uses port ${u.port}; Alexa only calls port 443.`, { source: flag });
  }
  if (isLoopbackHost(u.hostname)) {
    throw new InputError(`${flag} "${value}" is a loopback address that Alexa cannot reach.`, {
      source: flag,
      hint: 'Use a public HTTPS URL (a tunnel such as ngrok works for development).',
    });
  }
  return u;
}

/** The userinfo URL: the skill sends the user's access token there, so HTTPS (or a loopback address). */
export function validateUserinfoUrl(value: string, flag: string): URL {
  const u = validateHttpUrl(value, flag);
  if (u.protocol !== 'https:' && !isLoopbackHost(u.hostname)) {
    throw new InputError(`${flag} "${value}" must use HTTPS: the skill sends the user's access token to it.`, { source: flag });
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

/** A custom skill's invocation name: given or derived from the skill name, checked against Alexa's rules. */
function resolveInvocation(a: InitAnswers, name: string, locales: string[], warnings: string[]): string {
  const check = checkInvocationName(a.invocation ?? invocationFromName(name), locales);
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
  return check.normalized;
}

/**
 * Completes and validates answers. Missing required values are reported together, naming their
 * flags (exit 2); invalid values are InputErrors naming the flag (exit 2). `warnings` collects
 * what is allowed but worth saying.
 */
export function resolveInitOptions(a: InitAnswers, cwd: string, warnings: string[] = []): InitOptions {
  // Everything that ends up in a file, as typed, before anything else looks at it.
  const texts: Array<[keyof InitAnswers, string | undefined]> = [
    ['dir', a.dir],
    ['clientId', a.clientId],
    ['domain', a.domain],
    ['authorizationUrl', a.authorizationUrl],
    ['tokenUrl', a.tokenUrl],
    ['userinfoUrl', a.userinfoUrl],
    ['endpointUrl', a.endpointUrl],
    ['invocation', a.invocation],
    ...(a.scopes ?? []).map((v): [keyof InitAnswers, string] => ['scopes', v]),
    ...(a.locales ?? []).map((v): [keyof InitAnswers, string] => ['locales', v]),
  ];
  for (const [field, value] of texts) if (value !== undefined) assertPlainText(value, FLAG_FOR[field]);
  // The name is trimmed; a blank one falls back to a default below.
  if (a.name !== undefined && a.name.trim() !== '') {
    const problem = skillNameProblem(a.name.trim(), '--name');
    if (problem) {
      throw new InputError(problem, {
        source: '--name',
        code: 'E_SKILL_NAME',
        hint: findControlCharacter(a.name.trim(), { names: true }) ? 'Type the name again without it (a paste can bring invisible characters along).' : `Pass a --name of ${SKILL_NAME_MIN} to ${SKILL_NAME_MAX} characters.`,
      });
    }
  }
  const skillTypeRaw = a.skillType ?? 'custom';
  if (!(SKILL_TYPES as readonly string[]).includes(skillTypeRaw)) {
    throw new InputError(`--type "${skillTypeRaw}" is not one of ${SKILL_TYPES.join(', ')}.`, { source: '--type' });
  }
  const skillType = skillTypeRaw as SkillType;
  const smartHome = skillType === 'smart-home';
  if (smartHome && (a.endpoint === 'https' || (a.endpoint === undefined && a.endpointUrl))) {
    throw new InputError(`${a.endpoint === 'https' ? '--endpoint https' : '--endpoint-url'}: a smart home skill runs on AWS Lambda; Alexa calls no HTTPS endpoint for smart home directives.`, {
      source: a.endpoint === 'https' ? '--endpoint' : '--endpoint-url',
      hint: 'Leave out --endpoint and --endpoint-url: `ask deploy` creates the Lambda function and writes its ARN into skill.json.',
    });
  }
  const providerRaw = a.provider ?? 'lwa';
  if (!isProviderId(providerRaw)) {
    throw new InputError(`--provider "${providerRaw}" is not one of ${Object.keys(PROVIDERS).join(', ')}.`, { source: '--provider' });
  }
  const provider = providerRaw;
  const preset = PROVIDERS[provider];
  const missing: string[] = [];
  if (a.clientId === undefined) missing.push('--client-id');
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
  if (smartHome) {
    // The skill checks every directive's token there; without one it could not tell a linked user from anyone.
    if (!a.userinfoUrl && !preset.urls(domain)?.userinfoUrl && !missing.some((m) => m.startsWith('--domain'))) {
      missing.push('--userinfo-url (a smart home skill checks every access token there)');
    }
    if (splitScopes(a.scopes ?? []).length === 0 && preset.scopes.length === 0) missing.push('--scope (smart home skills need at least one)');
  }
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
    validateUserinfoUrl(userinfoUrl, '--userinfo-url');
  } else if (!smartHome) {
    warnings.push('No userinfo URL (--userinfo-url): the skill will confirm that an account is linked but cannot greet the user by name.');
  }

  let clientId = a.clientId!.trim();
  if (clientId === '') {
    // No client registered yet: a placeholder that configure and doctor refuse, and where to get one.
    clientId = CLIENT_ID_PLACEHOLDER;
    warnings.push(`No client ID yet: accountLinking.json gets the placeholder ${CLIENT_ID_PLACEHOLDER}. Create a client at ${preset.label}: ${preset.clientSetup} Then put its client ID in accountLinkingRequest.clientId before alexa-link configure.`);
  } else if (/\s/.test(clientId)) {
    throw new InputError(`--client-id "${oneLine(clientId)}" contains white space; a client ID has none.`, { source: '--client-id', hint: 'Copy the client ID again without spaces or line breaks.' });
  }

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
  let name = (a.name ?? '').trim() || (a.dir ? nameFromDir(dir) : DEFAULT_SKILL_NAME);
  if (!(a.name ?? '').trim() && a.dir) {
    // Derived, not typed: made to fit Amazon's limits, and said.
    const fitted = fitSkillName(name);
    if (fitted !== name) {
      warnings.push(`The skill name derived from the folder name, "${name}", is ${[...name].length} character${[...name].length === 1 ? '' : 's'} long (Amazon allows ${SKILL_NAME_MIN} to ${SKILL_NAME_MAX}); using "${fitted}". Pass --name to choose it.`);
      name = fitted;
    }
  }
  let invocation = '';
  if (smartHome) {
    if (a.invocation !== undefined) warnings.push('--invocation is ignored for a smart home skill: users talk to their devices, not to the skill.');
  } else {
    invocation = resolveInvocation(a, name, locales, warnings);
  }

  const scopes = a.scopes && a.scopes.length ? splitScopes(a.scopes) : [...preset.scopes];
  if (smartHome && scopes.length === 0) {
    throw new InputError('--scope is empty: smart home skills need at least one scope.', { source: '--scope' });
  }
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
    endpointUrl = validateEndpointUrl(a.endpointUrl!, '--endpoint-url').toString();
  } else if (a.endpointUrl) {
    warnings.push('--endpoint-url is ignored with --endpoint lambda: `ask deploy` sets the Lambda ARN.');
  }

  return {
    skillType,
    dir,
    name,
    invocation,
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

/** Kernel pseudo-filesystems: nothing of a project can be written there. */
const PSEUDO_ROOTS = ['/proc', '/sys'];
// statfs types (linux/magic.h): proc, sysfs, cgroup, cgroup2, debugfs, securityfs, bpf, tracefs.
const PSEUDO_FS_TYPES = new Set([0x9fa0, 0x62656572, 0x27e0eb, 0x63677270, 0x64626720, 0x73636673, 0xcafe4a11, 0x74726163]);

/**
 * Checks that the project folder can be created where it was asked for, and says why not, naming
 * it (exit 2), before anything is written: a parent that is a file, a kernel pseudo-filesystem
 * (/proc, /sys), a folder that cannot be written in. Whether the folder itself may be written
 * into (empty, --force) is the writer's business (src/scaffold/atomic-write.ts).
 */
export async function checkTargetDir(dir: string): Promise<void> {
  const target = path.resolve(dir);
  const underPseudo = (p: string) => PSEUDO_ROOTS.find((r) => p === r || p.startsWith(`${r}/`));
  const pseudoFailure = (where: string) =>
    new InputError(`[dir] ${target} is on ${where}, a kernel pseudo-filesystem: a project cannot be written there.`, {
      source: '[dir]',
      code: 'E_TARGET_DIR',
      hint: 'Choose a folder in your home directory or workspace.',
    });
  const named = underPseudo(target);
  if (named) throw pseudoFailure(named);
  // The nearest part of the path that exists.
  let existing = target;
  let info: Awaited<ReturnType<typeof stat>> | undefined;
  for (;;) {
    try {
      info = await stat(existing);
      break;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM') {
        throw new InputError(`[dir] ${target}: cannot look into ${path.dirname(existing)}: permission denied.`, { source: '[dir]', code: 'E_TARGET_DIR', hint: 'Choose a folder you can write in.' });
      }
      // ENOENT: not there yet; ENOTDIR: something above is a file (found further up); ELOOP, ENAMETOOLONG: said below.
      if (code !== 'ENOENT' && code !== 'ENOTDIR') {
        throw new InputError(`[dir] ${target} cannot be used: ${(err as Error).message}.`, { source: '[dir]', code: 'E_TARGET_DIR', hint: 'Choose another project folder.' });
      }
      const up = path.dirname(existing);
      if (up === existing) return;
      existing = up;
    }
  }
  if (existing !== target && !info.isDirectory()) {
    throw new InputError(`[dir] ${target} cannot be created: ${existing} is a file, not a folder.`, {
      source: '[dir]',
      code: 'E_TARGET_DIR',
      hint: 'Choose a project folder whose parent folders are folders.',
    });
  }
  // Through a symlink, or a pseudo-filesystem mounted elsewhere.
  const real = await realpath(existing).catch(() => existing);
  const reached = underPseudo(real);
  if (reached) throw pseudoFailure(reached);
  const fsType = await statfs(existing).then((s) => s.type, () => undefined);
  if (fsType !== undefined && PSEUDO_FS_TYPES.has(fsType)) throw pseudoFailure(real);
  try {
    await access(existing, constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'EROFS' ? 'it is on a read-only filesystem' : 'permission denied';
    throw new InputError(`[dir] cannot create ${target === existing ? 'files' : path.relative(existing, target) || target} in ${existing}: ${why}.`, {
      source: '[dir]',
      code: 'E_TARGET_DIR',
      hint: 'Choose a folder you can write in.',
    });
  }
}
