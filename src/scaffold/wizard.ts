import path from 'node:path';
import { PROVIDER_IDS, PROVIDERS, normalizeDomain, type ProviderId } from '../linking/providers.js';
import type { Prompter } from '../ui/prompt.js';
import { checkInvocationName, describeInvocationErrors, invocationFromName } from './invocation-name.js';
import {
  DEFAULT_LOCALE,
  DEFAULT_SKILL_NAME,
  isProviderId,
  nameFromDir,
  skillNameProblem,
  providerNeedsDomain,
  slugify,
  splitLocales,
  splitScopes,
  validateHost,
  validateHttpUrl,
  type InitAnswers,
} from './init-options.js';
import { ALEXA_LOCALES, normalizeLocale } from './locales.js';

/**
 * The interactive part of `init`: asks for every answer the flags did not give, in the order a
 * developer thinks about them, each with a default where one makes sense. Every question names
 * its flag (the Prompter says so in non-interactive mode). Pure apart from the prompter.
 */
export async function askInitQuestions(given: InitAnswers, prompter: Prompter, cwd: string): Promise<InitAnswers> {
  const a: InitAnswers = { ...given };
  const valid = (fn: () => void): true | string => {
    try {
      fn();
      return true;
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  };

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
      default: a.dir ? nameFromDir(path.resolve(cwd, a.dir)) : DEFAULT_SKILL_NAME,
      validate: (v) => (v.trim() ? (skillNameProblem(v.trim(), 'The name') ?? true) : 'A skill needs a name.'),
    });
  }
  if (a.dir === undefined) {
    a.dir = await prompter.input({
      message: 'Project directory:',
      flag: '[dir]',
      default: slugify(a.name),
      validate: (v) => (v.trim() ? true : 'Give a directory (. for the current one).'),
    });
  }
  if (a.locales === undefined || a.locales.length === 0) {
    const answer = await prompter.input({
      message: 'Locales (comma-separated):',
      flag: '--locale',
      default: DEFAULT_LOCALE,
      validate: (v) => {
        const bad = splitLocales([v]).filter((l) => !normalizeLocale(l));
        if (splitLocales([v]).length === 0) return 'Give at least one locale.';
        return bad.length ? `Not an Alexa locale: ${bad.join(', ')}. Choose from ${ALEXA_LOCALES.join(', ')}.` : true;
      },
    });
    a.locales = splitLocales([answer]);
  }
  if (a.invocation === undefined && !smartHome) {
    const derived = invocationFromName(a.name);
    a.invocation = await prompter.input({
      message: 'Invocation name (what users say after "Alexa, open"):',
      flag: '--invocation',
      ...(checkInvocationName(derived, a.locales).ok ? { default: derived } : {}),
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
    a.endpointUrl = await prompter.input({
      message: 'HTTPS endpoint URL (port 443):',
      flag: '--endpoint-url',
      validate: (v) => (/^https:\/\//i.test(v.trim()) ? valid(() => validateHttpUrl(v.trim(), '--endpoint-url')) : 'Alexa only calls HTTPS endpoints.'),
    });
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
  const valid = (fn: () => void): true | string => {
    try {
      fn();
      return true;
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  };
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
  if (providerNeedsDomain(provider) && a.domain === undefined && !(a.authorizationUrl && a.tokenUrl)) {
    a.domain = normalizeDomain(
      await prompter.input({
        message: `${preset.label} domain (${preset.domainHelp}, e.g. ${preset.domainExample}):`,
        flag: '--domain',
        validate: (v) => valid(() => validateHost(normalizeDomain(v), '--domain')),
      }),
    );
  }
  if (provider === 'generic') {
    if (a.authorizationUrl === undefined) {
      a.authorizationUrl = await prompter.input({
        message: 'Authorization URL (where Alexa sends the user to log in):',
        flag: '--authorization-url',
        validate: (v) => valid(() => validateHttpUrl(v, '--authorization-url')),
      });
    }
    if (a.tokenUrl === undefined) {
      a.tokenUrl = await prompter.input({
        message: 'Token URL (where Alexa exchanges the code for tokens):',
        flag: '--token-url',
        validate: (v) => valid(() => validateHttpUrl(v, '--token-url')),
      });
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
      validate: (v) => (v.trim() === '' && optional ? true : valid(() => validateHttpUrl(v.trim(), '--userinfo-url'))),
    });
    a.userinfoUrl = answer.trim();
  }
  if (a.clientId === undefined) {
    a.clientId = await prompter.input({
      message: `Client ID of the app you registered at ${preset.label}:`,
      flag: '--client-id',
      validate: (v) => (v.trim() === '' ? 'The client ID is required.' : /\s/.test(v.trim()) ? 'A client ID has no spaces.' : true),
    });
  }
  if (a.scopes === undefined || a.scopes.length === 0) {
    const answer = await prompter.input({
      message: 'Scopes (space-separated):',
      flag: '--scope',
      ...(preset.scopes.length ? { default: preset.scopes.join(' ') } : {}),
      ...(smartHome ? { validate: (v: string) => (splitScopes([v]).length ? true : 'Smart home skills need at least one scope.') } : {}),
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
