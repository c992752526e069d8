import path from 'node:path';
import { AlexaLinkError, InputError } from '../errors.js';
import { checkUrlField, MAX_SCOPES } from '../linking/rules.js';
import { PROVIDER_IDS, PROVIDERS, normalizeDomain, type ProviderId } from '../linking/providers.js';
import type { Prompter } from '../ui/prompt.js';
import { inspectTarget } from './atomic-write.js';
import { checkInvocationName, describeInvocationErrors, DISCOURAGED_WORDS, invocationFromName } from './invocation-name.js';
import {
  assertPlainText,
  checkTargetDir,
  DEFAULT_LOCALE,
  DEFAULT_SKILL_NAME,
  FLAG_FOR,
  isProviderId,
  nameFromDir,
  providerNeedsDomain,
  skillNameProblem,
  slugify,
  splitLocales,
  splitScopes,
  validateEndpointUrl,
  validateHost,
  validateHttpUrl,
  validateUserinfoUrl,
  type InitAnswers,
} from './init-options.js';
import { ALEXA_LOCALES, normalizeLocale } from './locales.js';
import type { InitPlan } from './run-init.js';

/**
 * The interactive part of `init`: asks for every answer the flags did not give, in the order a
 * developer thinks about them, each with a default where one makes sense, and checks each answer
 * where it is given, with the same rules init applies afterwards (the URLs against Alexa's linking
 * rules, the invocation name, the domain, the locales, the folder): a bad answer is asked again
 * with the reason, never found ten questions later. Every question names its flag (the Prompter
 * says so in non-interactive mode). Pure apart from the prompter.
 */

/** What a validator returns: true, or why the answer cannot be used. */
type Verdict = true | string;

/** Runs a check that throws (InputError) and turns it into a prompt's answer: true or the reason. */
function valid(fn: () => unknown): Verdict {
  try {
    fn();
    return true;
  } catch (err) {
    if (err instanceof AlexaLinkError) return err.hint ? `${err.message} ${err.hint}` : err.message;
    return err instanceof Error ? err.message : String(err);
  }
}

/** A URL field checked against Alexa's linking rules, as the wizard asks for it. */
function linkingUrl(field: 'authorizationUrl' | 'accessTokenUrl', label: string, allowLocal: boolean): (v: string) => Verdict {
  return (v) => {
    const value = v.trim();
    if (value === '') return `Give the ${label}.`;
    const basic = valid(() => validateHttpUrl(value, `The ${label}`));
    if (basic !== true) return basic;
    const errors = checkUrlField(field, value, { allowLocal }).filter((f) => f.severity === 'error');
    return errors.length ? errors.map((f) => `${f.message} ${f.fix}`).join(' ') : true;
  };
}

/** The folder init writes into: creatable, and empty unless --force. */
function projectFolder(cwd: string, force: boolean): (v: string) => Promise<Verdict> {
  return async (v) => {
    const dir = v.trim();
    if (dir === '') return 'Give a directory (. for the current one).';
    const plain = valid(() => assertPlainText(dir, 'The folder name'));
    if (plain !== true) return plain;
    const target = path.resolve(cwd, dir);
    try {
      await checkTargetDir(target);
    } catch (err) {
      return err instanceof Error ? err.message.replace(/^\[dir\] /, '') : String(err);
    }
    const state = await inspectTarget(target).catch(() => undefined);
    if (state?.kind === 'not-a-directory') return `${target} exists and is not a folder.`;
    if (state?.kind === 'not-empty' && !force) {
      const shown = state.entries.slice(0, 3).join(', ') + (state.entries.length > 3 ? ', …' : '');
      return `${target} is not empty (${shown}). An existing skill? Run alexa-link init --add there instead (adds account linking, keeps your code). Choose a new folder, or run init --force to write into it.`;
    }
    return true;
  };
}

/** Words Alexa's rules warn about at the end of a name derived from a folder ("cool-skill", "recipe-app"). */
const TRAILING_DISCOURAGED = /\s+(?:skill|app)$/i;

/**
 * The skill name the wizard offers: the folder's name without a trailing "Skill" or "App" when
 * the invocation name derived from it passes Alexa's rules with no warning; else the default name.
 */
export function defaultSkillName(fromDir: string | undefined, locales: string[] = [DEFAULT_LOCALE]): string {
  if (fromDir !== undefined) {
    for (const name of [fromDir.replace(TRAILING_DISCOURAGED, ''), fromDir]) {
      if (!skillNameProblem(name) && checkInvocationName(invocationFromName(name), locales).problems.length === 0) return name;
    }
  }
  return DEFAULT_SKILL_NAME;
}

/**
 * The invocation name the wizard offers for `name`: derived from it (without the words Alexa's
 * rules warn about, when that still passes), only when it passes with no warning; else none.
 */
export function defaultInvocation(name: string, locales: string[]): string | undefined {
  const derived = invocationFromName(name);
  const without = derived.split(' ').filter((w) => !DISCOURAGED_WORDS.includes(w.toLocaleLowerCase())).join(' ');
  for (const candidate of [derived, without]) {
    if (candidate && checkInvocationName(candidate, locales).problems.length === 0) return candidate;
  }
  return undefined;
}

export async function askInitQuestions(given: InitAnswers, prompter: Prompter, cwd: string): Promise<InitAnswers> {
  const a: InitAnswers = { ...given };

  if (a.skillType === undefined) {
    a.skillType = await prompter.select({
      message: 'Skill type:',
      flag: '--type',
      choices: [
        { value: 'custom', name: 'Custom skill (users open it by its invocation name)' },
        { value: 'smart-home', name: 'Smart home skill (users control devices; linking is mandatory)' },
      ],
      default: 'custom',
    });
  }
  const smartHome = a.skillType === 'smart-home';
  if (a.name === undefined) {
    a.name = await prompter.input({
      message: 'Skill name (shown in the Alexa app):',
      flag: '--name',
      default: defaultSkillName(a.dir ? nameFromDir(path.resolve(cwd, a.dir)) : undefined),
      validate: (v) => (v.trim() ? (skillNameProblem(v.trim(), 'The name') ?? true) : 'A skill needs a name.'),
    });
  }
  if (a.dir === undefined) {
    a.dir = await prompter.input({
      message: 'Project directory:',
      flag: '[dir]',
      default: slugify(a.name),
      validate: projectFolder(cwd, Boolean(a.force)),
    });
  }
  if (a.locales === undefined || a.locales.length === 0) {
    const answer = await prompter.input({
      message: 'Locales (comma-separated):',
      flag: '--locale',
      default: DEFAULT_LOCALE,
      validate: (v) => {
        const all = splitLocales([v]);
        if (all.length === 0) return 'Give at least one locale.';
        const bad = all.filter((l) => !normalizeLocale(l));
        return bad.length ? `Not an Alexa locale: ${bad.join(', ')}. Choose from ${ALEXA_LOCALES.join(', ')}.` : true;
      },
    });
    a.locales = splitLocales([answer]);
  }
  if (a.invocation === undefined && !smartHome) {
    const derived = defaultInvocation(a.name, a.locales);
    a.invocation = await prompter.input({
      message: 'Invocation name (what users say after "Alexa, open"):',
      flag: '--invocation',
      ...(derived !== undefined ? { default: derived } : {}),
      validate: (v) => {
        const check = checkInvocationName(v, a.locales);
        return check.ok ? true : describeInvocationErrors(check);
      },
    });
  }
  await askProviderQuestions(a, prompter, { userinfo: true });
  if (a.language === undefined) {
    a.language = await prompter.select({
      message: 'Skill code language:',
      flag: '--language',
      choices: [
        { value: 'javascript', name: 'JavaScript' },
        { value: 'typescript', name: 'TypeScript' },
      ],
      default: 'javascript',
    });
  }
  if (a.endpoint === undefined && smartHome && a.endpointUrl === undefined) {
    a.endpoint = 'lambda'; // smart home skills run on Lambda only
  }
  if (a.endpoint === undefined) {
    a.endpoint = a.endpointUrl
      ? 'https'
      : await prompter.select({
          message: 'Where the skill code runs:',
          flag: '--endpoint',
          choices: [
            { value: 'lambda', name: 'AWS Lambda (ask deploy creates it)' },
            { value: 'https', name: 'My own HTTPS endpoint' },
          ],
          default: 'lambda',
        });
  }
  if (a.endpoint === 'https' && a.endpointUrl === undefined) {
    a.endpointUrl = (
      await prompter.input({
        message: 'HTTPS endpoint URL (port 443):',
        flag: '--endpoint-url',
        validate: (v) => valid(() => validateEndpointUrl(v.trim(), 'The endpoint URL')),
      })
    ).trim();
  }
  if (a.install === undefined) {
    a.install = await prompter.confirm({ message: 'Run npm install in lambda/ now?', flag: '--install', default: true });
  }
  return a;
}

/**
 * The provider questions alone (init, and init --add, which writes only accountLinking.json and
 * so needs no userinfo URL). Fills `a` in place.
 */
export async function askProviderQuestions(a: InitAnswers, prompter: Prompter, opts: { userinfo: boolean }): Promise<InitAnswers> {
  if (a.provider === undefined) {
    a.provider = await prompter.select<ProviderId>({
      message: 'OAuth provider:',
      flag: '--provider',
      choices: PROVIDER_IDS.map((id) => ({ value: id, name: PROVIDERS[id].label })),
      default: 'lwa',
    });
  }
  const provider: ProviderId = isProviderId(a.provider) ? a.provider : 'generic';
  const preset = PROVIDERS[provider];
  // A generic provider may run on this machine (a rehearsal); Alexa's rules are warnings there.
  const allowLocal = a.allowLocal ?? provider === 'generic';
  if (providerNeedsDomain(provider) && a.domain === undefined && !(a.authorizationUrl && a.tokenUrl)) {
    a.domain = normalizeDomain(
      await prompter.input({
        message: `${preset.label} domain (${preset.domainHelp}, e.g. ${preset.domainExample}):`,
        flag: '--domain',
        validate: (v) => (v.trim() === '' ? `Give ${preset.domainHelp}.` : valid(() => validateHost(normalizeDomain(v), `The ${preset.label} domain`, preset.domainExample))),
      }),
    );
  }
  if (provider === 'generic') {
    if (a.authorizationUrl === undefined) {
      a.authorizationUrl = (
        await prompter.input({
          message: 'Authorization URL (where Alexa sends the user to log in):',
          flag: '--authorization-url',
          validate: linkingUrl('authorizationUrl', 'authorization URL', allowLocal),
        })
      ).trim();
    }
    if (a.tokenUrl === undefined) {
      a.tokenUrl = (
        await prompter.input({
          message: 'Token URL (where Alexa exchanges the code for tokens):',
          flag: '--token-url',
          validate: linkingUrl('accessTokenUrl', 'token URL', allowLocal),
        })
      ).trim();
    }
  }
  // A smart home skill checks every directive's token at userinfo and needs at least one scope.
  const smartHome = a.skillType === 'smart-home';
  if (opts.userinfo && a.userinfoUrl === undefined) {
    const presetUrl = preset.urls(a.domain)?.userinfoUrl;
    const optional = !presetUrl && !smartHome;
    const answer = await prompter.input({
      message: smartHome
        ? 'Userinfo URL (the skill checks every access token here):'
        : optional
          ? 'Userinfo URL (the skill looks the user up here; empty for none):'
          : 'Userinfo URL (the skill looks the user up here):',
      flag: '--userinfo-url',
      ...(presetUrl ? { default: presetUrl } : {}),
      validate: (v) => (v.trim() === '' && optional ? true : valid(() => validateUserinfoUrl(v.trim(), 'The userinfo URL'))),
    });
    a.userinfoUrl = answer.trim();
  }
  if (a.clientId === undefined) {
    a.clientId = (
      await prompter.input({
        message: `Client ID of the app you registered at ${preset.label} (empty if you have none yet):`,
        flag: '--client-id',
        validate: (v) => (/\s/.test(v.trim()) ? 'A client ID has no spaces.' : valid(() => assertPlainText(v.trim(), 'The client ID'))),
      })
    ).trim();
  }
  if (a.scopes === undefined || a.scopes.length === 0) {
    const answer = await prompter.input({
      message: 'Scopes (space-separated):',
      flag: '--scope',
      ...(preset.scopes.length ? { default: preset.scopes.join(' ') } : {}),
      validate: (v) => {
        const scopes = splitScopes([v]);
        if (smartHome && scopes.length === 0) return 'Smart home skills need at least one scope.';
        if (scopes.length > MAX_SCOPES) return `That is ${scopes.length} scopes; Alexa allows at most ${MAX_SCOPES}.`;
        return valid(() => assertPlainText(v, 'The scopes'));
      },
    });
    a.scopes = splitScopes([answer]);
  }
  if (a.scheme === undefined) {
    a.scheme = await prompter.select({
      message: 'How Alexa authenticates at the token URL:',
      flag: '--scheme',
      choices: [
        { value: 'HTTP_BASIC', name: 'HTTP Basic (Authorization header)' },
        { value: 'REQUEST_BODY_CREDENTIALS', name: 'Credentials in the request body' },
      ],
      default: preset.scheme,
    });
  }
  return a;
}

/** Which answer a flag named in an error belongs to (to ask it again). */
export function answerForFlag(flag: string | undefined): keyof InitAnswers | undefined {
  if (!flag) return undefined;
  const entry = (Object.entries(FLAG_FOR) as Array<[keyof InitAnswers, string]>).find(([, f]) => f === flag);
  return entry?.[0];
}

/** The answers that cannot stand once `field` is asked again (a domain belongs to its provider). */
const DEPENDS_ON: Partial<Record<keyof InitAnswers, Array<keyof InitAnswers>>> = {
  provider: ['domain', 'authorizationUrl', 'tokenUrl', 'userinfoUrl', 'scopes', 'scheme'],
  domain: ['userinfoUrl'],
  endpoint: ['endpointUrl'],
};

export interface WizardIO {
  prompter: Prompter;
  /** A line for the person at the terminal (stderr). */
  say(line: string): void;
  warn(line: string): void;
}

const YES_NO = (b: boolean | undefined) => (b ? 'yes' : 'no');

/** Every answer, as the summary before the one confirmation shows it. */
export function describePlan(plan: InitPlan, cwd: string): string[] {
  const o = plan.options;
  const preset = PROVIDERS[o.provider];
  const smartHome = o.skillType === 'smart-home';
  const rows: Array<[string, string]> = [
    ['Skill type', smartHome ? 'smart home' : 'custom'],
    ['Skill name', o.name],
    ...(smartHome ? [] : ([['Invocation name', o.invocation]] as Array<[string, string]>)),
    ['Locales', o.locales.join(', ')],
    ['Provider', `${preset.label}${o.domain ? ` (${o.domain})` : ''}`],
    ['Authorization URL', o.authorizationUrl],
    ['Token URL', o.tokenUrl],
    ['Userinfo URL', o.userinfoUrl || '(none: the skill cannot greet by name)'],
    ['Client ID', o.clientId],
    ['Scopes', o.scopes.join(' ') || '(none)'],
    ['Client authentication', o.scheme],
    ['Language', o.language === 'typescript' ? 'TypeScript' : 'JavaScript'],
    ['Endpoint', o.endpoint === 'https' ? `HTTPS: ${o.endpointUrl}` : 'AWS Lambda (ask deploy creates it)'],
    ['npm install in lambda/', YES_NO(o.install)],
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  const where = path.relative(cwd, o.dir) || '.';
  const files = plan.files.map((f) => f.path).sort();
  const replacing = plan.replacing.length
    ? [`Replaces ${plan.replacing.length} existing file${plan.replacing.length === 1 ? '' : 's'} (--force; each is copied to .alexa-link/replaced/<time>/ first):`, `  ${plan.replacing.join(' ')}`]
    : [];
  return [
    'Summary:',
    ...rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`),
    `Files to write in ${where} (${files.length}):`,
    // One space between paths: two would read as a second column, and the list would wrap under it.
    `  ${files.join(' ')}`,
    ...replacing,
  ];
}

/**
 * The whole wizard: asks what the flags left open, checks the answers together (planInit) and asks
 * again for any answer the plan refuses, shows the summary and the files, and asks once. Returns
 * the plan to write, or undefined when the person says no.
 */
export async function runInitWizard(
  given: InitAnswers,
  io: WizardIO,
  cwd: string,
  plan: (answers: InitAnswers) => Promise<InitPlan>,
): Promise<InitPlan | undefined> {
  let answers: InitAnswers = { ...given };
  for (let round = 0; ; round++) {
    answers = await askInitQuestions(answers, io.prompter, cwd);
    let planned: InitPlan;
    try {
      planned = await plan(answers);
    } catch (err) {
      const field = err instanceof InputError ? answerForFlag(err.source) : undefined;
      // Only what a question can answer again; anything else is the error it is.
      if (!(err instanceof InputError) || !field || round >= 10 || field === 'force' || field === 'allowLocal' || field === 'install') throw err;
      io.warn(err.message);
      io.say(`Asking for that again.`);
      delete answers[field];
      for (const dep of DEPENDS_ON[field] ?? []) delete answers[dep];
      continue;
    }
    if (planned.target.kind === 'not-empty' && !answers.force) {
      io.warn(`${planned.options.dir} is not empty; choose a new folder, or run init --force to write into it.`);
      delete answers.dir;
      continue;
    }
    for (const w of planned.warnings) io.warn(w);
    io.say('');
    for (const line of describePlan(planned, cwd)) io.say(line);
    io.say('');
    const go = await io.prompter.confirm({ message: 'Create the project with these answers?', flag: '--yes', default: true });
    return go ? planned : undefined;
  }
}
