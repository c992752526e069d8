import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CancelledError, InputError, UsageError } from '../../src/errors.js';
import { PROVIDER_IDS, PROVIDERS } from '../../src/linking/providers.js';
import { CLIENT_ID_PLACEHOLDER } from '../../src/linking/rules.js';
import { DEFAULT_SKILL_NAME, nameFromDir, resolveInitOptions, skillNameProblem, slugify, splitScopes, type InitAnswers } from '../../src/scaffold/init-options.js';
import { checkInvocationName, invocationFromName } from '../../src/scaffold/invocation-name.js';
import { planInit } from '../../src/scaffold/run-init.js';
import { askInitQuestions, defaultInvocation, defaultSkillName, runInitWizard } from '../../src/scaffold/wizard.js';
import type { Choice, Prompter } from '../../src/ui/prompt.js';
import { wrapText } from '../../src/ui/wrap.js';

const CWD = path.resolve('/work/projects');

const DOMAIN: Record<string, string> = {
  auth0: 'my-tenant.us.auth0.com',
  okta: 'dev-123456.okta.com',
  cognito: 'my-app.auth.us-east-1.amazoncognito.com',
};

describe('resolveInitOptions', () => {
  it('fills in defaults: directory name → skill name → invocation name, en-US, Lambda, JavaScript, no install', () => {
    const warnings: string[] = [];
    const o = resolveInitOptions({ dir: 'recipe-finder', clientId: 'abc' }, CWD, warnings);
    expect(o).toMatchObject({
      dir: path.join(CWD, 'recipe-finder'),
      name: 'Recipe Finder',
      invocation: 'recipe finder',
      locales: ['en-US'],
      provider: 'lwa',
      authorizationUrl: 'https://www.amazon.com/ap/oa',
      tokenUrl: 'https://api.amazon.com/auth/o2/token',
      userinfoUrl: 'https://api.amazon.com/user/profile',
      scopes: ['profile'],
      scheme: 'HTTP_BASIC',
      language: 'javascript',
      endpoint: 'lambda',
      install: false,
      force: false,
      allowLocal: false,
    });
    expect(warnings).toEqual([]);
  });

  it('names the project directory after the skill when no directory is given', () => {
    expect(resolveInitOptions({ name: 'Weather Buddy', clientId: 'x' }, CWD).dir).toBe(path.join(CWD, 'weather-buddy'));
    expect(resolveInitOptions({ clientId: 'x' }, CWD).dir).toBe(path.join(CWD, 'my-linked-greeter'));
  });

  it.each(PROVIDER_IDS)('builds the %s URLs from its preset', (id) => {
    const answers: InitAnswers = { dir: 'linked-helper', clientId: 'c', provider: id, invocation: 'linked helper' };
    if (DOMAIN[id]) answers.domain = `https://${DOMAIN[id]}/`;
    if (id === 'generic') Object.assign(answers, { authorizationUrl: 'https://id.example.com/authorize', tokenUrl: 'https://id.example.com/token' });
    const o = resolveInitOptions(answers, CWD);
    const expected = PROVIDERS[id].urls(DOMAIN[id]);
    if (expected) {
      expect(o.authorizationUrl).toBe(expected.authorizationUrl);
      expect(o.tokenUrl).toBe(expected.tokenUrl);
      expect(o.userinfoUrl).toBe(expected.userinfoUrl);
    }
    expect(o.scopes).toEqual(PROVIDERS[id].scopes);
    if (DOMAIN[id]) expect(o.domain).toBe(DOMAIN[id]);
  });

  it('reports every missing required flag at once, naming each', () => {
    const run = () => resolveInitOptions({ provider: 'generic', endpoint: 'https' }, CWD);
    expect(run).toThrow(UsageError);
    expect(run).toThrow(/--client-id, --authorization-url, --token-url, --endpoint-url/);
    expect(() => resolveInitOptions({ provider: 'okta', clientId: 'x' }, CWD)).toThrow(/Missing a value for --domain \(your Okta org domain/);
  });

  it.each([
    [{ provider: 'keycloak' }, '--provider'],
    [{ domain: 'not a host' , provider: 'auth0' }, '--domain'],
    [{ locales: ['en-XX'] }, '--locale'],
    [{ locales: [''] }, '--locale'],
    [{ locales: [' , '] }, '--locale'],
    [{ invocation: 'Open Sesame' }, '--invocation'],
    [{ scheme: 'DIGEST' }, '--scheme'],
    [{ language: 'python' }, '--language'],
    [{ endpoint: 'https', endpointUrl: 'http://skill.example.com/' }, '--endpoint-url'],
    [{ endpoint: 'https', endpointUrl: 'https://skill.example.com:8443/' }, '--endpoint-url'],
    [{ endpoint: 'https', endpointUrl: 'https://127.0.0.1/' }, '--endpoint-url'],
    [{ userinfoUrl: 'http://id.example.com/userinfo' }, '--userinfo-url'],
    [{ provider: 'generic', authorizationUrl: 'not a url', tokenUrl: 'https://x.example/t' }, '--authorization-url'],
  ] as [InitAnswers, string][])('rejects %j naming %s', (bad, flag) => {
    try {
      resolveInitOptions({ dir: 'linked-helper', clientId: 'c', ...bad }, CWD);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(InputError);
      expect((err as InputError).exitCode).toBe(2);
      expect((err as InputError).message).toContain(flag);
    }
  });

  it('explains an invocation name derived from the skill name, and how to override it', () => {
    try {
      resolveInitOptions({ dir: 'linked-helper', name: 'Weather', clientId: 'c' }, CWD);
      expect.unreachable();
    } catch (err) {
      expect((err as InputError).message).toMatch(/derived from the skill name .*two words/);
      expect((err as InputError).hint).toContain('--invocation');
    }
  });

  it('normalizes locales, splits scopes, and accepts a loopback userinfo URL (a local provider)', () => {
    const o = resolveInitOptions(
      { dir: 'linked-helper', clientId: 'c', locales: ['en-us,de_DE', 'en-US'], scopes: ['openid profile', 'email,openid'], userinfoUrl: 'http://127.0.0.1:4000/me' },
      CWD,
    );
    expect(o.locales).toEqual(['en-US', 'de-DE']);
    expect(o.scopes).toEqual(['openid', 'profile', 'email']);
    expect(o.userinfoUrl).toBe('http://127.0.0.1:4000/me');
  });

  it('warns about flags that do not apply and a missing userinfo URL', () => {
    const warnings: string[] = [];
    resolveInitOptions(
      { dir: 'linked-helper', clientId: 'c', provider: 'generic', authorizationUrl: 'https://a.example/auth', tokenUrl: 'https://a.example/token', endpointUrl: 'https://x.example/', endpoint: 'lambda' },
      CWD,
      warnings,
    );
    expect(warnings.join('\n')).toMatch(/No userinfo URL/);
    expect(warnings.join('\n')).toMatch(/--endpoint-url is ignored/);
  });

  it('lets a generic provider point at loopback URLs (allowLocal), for demo', () => {
    const o = resolveInitOptions({ dir: 'linked-helper', clientId: 'c', provider: 'generic', authorizationUrl: 'http://127.0.0.1:3001/auth', tokenUrl: 'http://127.0.0.1:3001/token' }, CWD);
    expect(o.allowLocal).toBe(true);
    expect(resolveInitOptions({ dir: 'linked-helper', clientId: 'c', provider: 'auth0', domain: DOMAIN.auth0! }, CWD).allowLocal).toBe(false);
  });

  it('keeps names with spaces and non-ASCII letters', () => {
    const o = resolveInitOptions({ dir: 'Mein Kaffee Skill', clientId: 'c', invocation: 'mein kaffeekonto', locales: ['de-DE'] }, CWD);
    expect(o.dir).toBe(path.join(CWD, 'Mein Kaffee Skill'));
    expect(o.name).toBe('Mein Kaffee Skill');
    expect(resolveInitOptions({ dir: 'linked-helper', name: 'Grüße aus Köln', clientId: 'c', locales: ['de-DE'] }, CWD).invocation).toBe('grüße aus köln');
  });
});

describe('names', () => {
  it.each([
    ['My Linked Skill', 'my-linked-skill'],
    ['Café Crème', 'cafe-creme'],
    ['ハローワールド', 'alexa-skill'],
    ['  --weird__name--  ', 'weird-name'],
  ])('slugify(%j) = %j', (name, slug) => expect(slugify(name)).toBe(slug));

  it.each([
    ['my-skill', 'My Skill'],
    ['/tmp/recipe_finder', 'Recipe Finder'],
    ['grüße', 'Grüße'],
  ])('nameFromDir(%j) = %j', (dir, name) => expect(nameFromDir(dir)).toBe(name));

  it('splits scopes on spaces and commas without duplicates', () => {
    expect(splitScopes(['openid profile', 'offline_access,openid'])).toEqual(['openid', 'profile', 'offline_access']);
  });
});

/**
 * A prompter that answers from a script keyed by flag and records what it was asked. A list of
 * answers is typed one after the other while the question's validation refuses them (as a person
 * types again after the reason); the reasons are kept in `rejected`.
 */
type Scripted = string | boolean | typeof CANCEL;
function scriptedPrompter(script: Record<string, Scripted | Scripted[]>): Prompter & { asked: string[]; defaults: Record<string, unknown>; rejected: Record<string, string[]> } {
  const asked: string[] = [];
  const defaults: Record<string, unknown> = {};
  const rejected: Record<string, string[]> = {};
  const queues = new Map(Object.entries(script).map(([k, v]) => [k, Array.isArray(v) ? [...v] : [v]]));
  const answer = async (flag: string, def: unknown, validate?: (v: string) => true | string | Promise<true | string>) => {
    asked.push(flag);
    defaults[flag] = def;
    for (;;) {
      const queue = queues.get(flag);
      const last = !queue || queue.length <= 1;
      const a = queue ? (queue.length > 1 ? queue.shift() : queue[0]) : def;
      if (a === CANCEL) throw new CancelledError();
      if (a === undefined) throw new Error(`the script has no answer for ${flag}`);
      if (validate && typeof a === 'string') {
        const ok = await validate(a);
        if (ok !== true) {
          (rejected[flag] ??= []).push(ok);
          if (last || rejected[flag].length > 5) throw new Error(`${flag}: ${ok}`);
          continue;
        }
      }
      return a;
    }
  };
  return {
    interactive: true,
    asked,
    defaults,
    rejected,
    input: async (q) => (await answer(q.flag, q.default, q.validate)) as string,
    password: async (q) => (await answer(q.flag, undefined)) as string,
    select: async <T extends string>(q: { flag: string; choices: Choice<T>[]; default?: T }) => (await answer(q.flag, q.default)) as T,
    confirm: async (q) => (await answer(q.flag, q.default)) as boolean,
    checkbox: async <T extends string>(q: { flag: string }) => [await answer(q.flag, undefined)] as T[],
  };
}
const CANCEL = Symbol('cancel');

describe('askInitQuestions (the wizard)', () => {
  it('asks only what the flags did not answer, in order, with defaults', async () => {
    const prompter = scriptedPrompter({ '--client-id': 'client-1', '--domain': 'https://my-tenant.us.auth0.com/', '--provider': 'auth0' });
    const answers = await askInitQuestions({ dir: 'recipe-finder', language: 'typescript' }, prompter, CWD);
    expect(prompter.asked).toEqual([
      '--type',
      '--name',
      '--locale',
      '--invocation',
      '--provider',
      '--domain',
      '--userinfo-url',
      '--client-id',
      '--scope',
      '--scheme',
      '--endpoint',
      '--install',
    ]);
    expect(prompter.defaults['--type']).toBe('custom');
    expect(prompter.defaults['--name']).toBe('Recipe Finder');
    expect(prompter.defaults['--invocation']).toBe('recipe finder');
    expect(prompter.defaults['--userinfo-url']).toBe('https://my-tenant.us.auth0.com/userinfo');
    expect(prompter.defaults['--scope']).toBe('openid profile email offline_access');
    expect(prompter.defaults['--install']).toBe(true);
    const o = resolveInitOptions(answers, CWD);
    expect(o).toMatchObject({ provider: 'auth0', domain: 'my-tenant.us.auth0.com', language: 'typescript', install: true, clientId: 'client-1' });
  });

  it('asks a generic provider for its URLs and the HTTPS endpoint when chosen', async () => {
    const prompter = scriptedPrompter({
      '--provider': 'generic',
      '--authorization-url': 'https://id.example.com/authorize',
      '--token-url': 'https://id.example.com/token',
      '--userinfo-url': '',
      '--client-id': 'c',
      '--scope': 'openid',
      '--endpoint': 'https',
      '--endpoint-url': 'https://skill.example.com/alexa',
      '--install': false,
    });
    const answers = await askInitQuestions({ name: 'Ops Helper' }, prompter, CWD);
    expect(prompter.asked).toContain('--authorization-url');
    expect(prompter.asked).toContain('--endpoint-url');
    expect(prompter.defaults['[dir]']).toBe('ops-helper');
    expect(resolveInitOptions(answers, CWD)).toMatchObject({ endpoint: 'https', endpointUrl: 'https://skill.example.com/alexa', userinfoUrl: '', dir: path.join(CWD, 'ops-helper') });
  });

  it('offers no default invocation name when the derived one breaks a rule', async () => {
    const prompter = scriptedPrompter({ '--invocation': 'weather helper', '--client-id': 'c' });
    await askInitQuestions({ dir: 'weather', name: 'Weather' }, prompter, CWD);
    expect(prompter.defaults['--invocation']).toBeUndefined();
  });

  it('validates answers inline with the invocation rules', async () => {
    const prompter = scriptedPrompter({ '--invocation': 'Open Sesame', '--client-id': 'c' });
    await expect(askInitQuestions({ dir: 'linked-helper' }, prompter, CWD)).rejects.toThrow(/--invocation: .*lower case/);
  });

  it('passes a cancelled prompt on as CancelledError (exit 130)', async () => {
    const prompter = scriptedPrompter({ '--provider': CANCEL });
    const err = await askInitQuestions({ dir: 'linked-helper' }, prompter, CWD).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelledError);
    expect((err as CancelledError).exitCode).toBe(130);
  });
});

describe('init --type smart-home', () => {
  it('resolves a smart home skill: no invocation name, Lambda, the preset scopes and userinfo URL', () => {
    const warnings: string[] = [];
    const o = resolveInitOptions({ skillType: 'smart-home', dir: 'home-switch', clientId: 'abc' }, CWD, warnings);
    expect(o).toMatchObject({
      skillType: 'smart-home',
      name: 'Home Switch',
      invocation: '',
      provider: 'lwa',
      scopes: ['profile'],
      userinfoUrl: 'https://api.amazon.com/user/profile',
      endpoint: 'lambda',
    });
    expect(warnings).toEqual([]);
    expect(resolveInitOptions({ dir: 'recipe-finder', clientId: 'abc' }, CWD).skillType).toBe('custom');
  });

  it('ignores --invocation with a warning (smart home skills have none)', () => {
    const warnings: string[] = [];
    const o = resolveInitOptions({ skillType: 'smart-home', dir: 'home-switch', clientId: 'abc', invocation: 'Not Even Valid' }, CWD, warnings);
    expect(o.invocation).toBe('');
    expect(warnings.join('\n')).toMatch(/--invocation is ignored for a smart home skill/);
  });

  it.each([
    [{ endpoint: 'https', endpointUrl: 'https://skill.example.com/alexa' }, '--endpoint'],
    [{ endpointUrl: 'https://skill.example.com/alexa' }, '--endpoint-url'],
  ] as [InitAnswers, string][])('refuses an HTTPS endpoint %o, naming %s (smart home skills run on Lambda)', (extra, flag) => {
    const err = (() => {
      try {
        resolveInitOptions({ skillType: 'smart-home', dir: 'x', clientId: 'abc', ...extra }, CWD);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toMatch(/runs on AWS Lambda/);
    expect((err as InputError).source).toBe(flag);
  });

  it('needs a userinfo URL and at least one scope: a generic provider without them is told which flags are missing', () => {
    const generic: InitAnswers = { skillType: 'smart-home', dir: 'x', clientId: 'abc', provider: 'generic', authorizationUrl: 'https://id.example.com/authorize', tokenUrl: 'https://id.example.com/token' };
    const err = (() => {
      try {
        resolveInitOptions(generic, CWD);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).message).toMatch(/--userinfo-url \(a smart home skill checks every access token there\)/);
    expect((err as UsageError).message).toMatch(/--scope \(smart home skills need at least one\)/);
    expect((err as UsageError).exitCode).toBe(2);
    const o = resolveInitOptions({ ...generic, userinfoUrl: 'https://id.example.com/userinfo', scopes: ['devices'] }, CWD);
    expect(o).toMatchObject({ scopes: ['devices'], userinfoUrl: 'https://id.example.com/userinfo' });
  });

  it('refuses an unknown --type', () => {
    expect(() => resolveInitOptions({ skillType: 'video', dir: 'x', clientId: 'abc' }, CWD)).toThrow(/--type "video" is not one of custom, smart-home/);
  });

  it('the wizard asks for the type first, then skips the invocation name and the endpoint for a smart home skill', async () => {
    const prompter = scriptedPrompter({ '--type': 'smart-home', '--client-id': 'client-1', '--install': false });
    const answers = await askInitQuestions({ dir: 'home-switch' }, prompter, CWD);
    expect(prompter.asked).toEqual(['--type', '--name', '--locale', '--provider', '--userinfo-url', '--client-id', '--scope', '--scheme', '--language', '--install']);
    expect(resolveInitOptions(answers, CWD)).toMatchObject({ skillType: 'smart-home', endpoint: 'lambda', invocation: '' });
  });

  it('the wizard does not accept an empty userinfo URL or scope list for a smart home skill', async () => {
    const noUserinfo = scriptedPrompter({ '--type': 'smart-home', '--provider': 'generic', '--authorization-url': 'https://id.example.com/a', '--token-url': 'https://id.example.com/t', '--userinfo-url': '' });
    await expect(askInitQuestions({ dir: 'home-hub' }, noUserinfo, CWD)).rejects.toThrow(/--userinfo-url: .*not an absolute URL/);
    const noScope = scriptedPrompter({
      '--type': 'smart-home',
      '--provider': 'generic',
      '--authorization-url': 'https://id.example.com/a',
      '--token-url': 'https://id.example.com/t',
      '--userinfo-url': 'https://id.example.com/u',
      '--client-id': 'c',
      '--scope': ' ',
    });
    await expect(askInitQuestions({ dir: 'home-hub' }, noScope, CWD)).rejects.toThrow(/--scope: Smart home skills need at least one scope/);
  });
});

describe('the wizard checks each answer where it is given', () => {
  const generic = { '--provider': 'generic', '--userinfo-url': '', '--client-id': 'c', '--scope': 'openid', '--endpoint': 'lambda', '--install': false };

  it.each<[string, Record<string, Scripted | Scripted[]>, string, RegExp]>([
    ['an http authorization URL, by Alexa\'s HTTPS rule', { ...generic, '--authorization-url': ['http://id.example.com/authorize', 'https://id.example.com/authorize'], '--token-url': 'https://id.example.com/token' }, '--authorization-url', /authorizationUrl uses http; Alexa only uses HTTPS\. Serve authorizationUrl over HTTPS on port 443/],
    ['an authorization URL on port 8443', { ...generic, '--authorization-url': ['https://id.example.com:8443/authorize', 'https://id.example.com/authorize'], '--token-url': 'https://id.example.com/token' }, '--authorization-url', /uses port 8443; Alexa only connects to port 443/],
    ['an authorization URL carrying Alexa\'s own parameters', { ...generic, '--authorization-url': ['https://id.example.com/authorize?client_id=x&response_type=code', 'https://id.example.com/authorize'], '--token-url': 'https://id.example.com/token' }, '--authorization-url', /carries client_id, response_type; Alexa adds these itself/],
    ['a token URL with the client secret in it', { ...generic, '--authorization-url': 'https://id.example.com/authorize', '--token-url': ['https://id.example.com/token?client_secret=s3cr3t', 'https://id.example.com/token'] }, '--token-url', /accessTokenUrl carries client_secret in its query string/],
    ['a token URL that is no URL', { ...generic, '--authorization-url': 'https://id.example.com/authorize', '--token-url': ['id.example.com/token', 'https://id.example.com/token'] }, '--token-url', /The token URL "id\.example\.com\/token" is not an absolute URL/],
    ['a domain that is no host name', { '--provider': 'auth0', '--domain': ['my tenant', 'my-tenant.us.auth0.com'], '--client-id': 'c', '--endpoint': 'lambda', '--install': false }, '--domain', /The Auth0 domain "my tenant" is not a host name \(expected something like my-tenant\.us\.auth0\.com\)/],
    ['a locale Alexa does not have', { '--locale': ['en-XX', 'en-GB'], '--client-id': 'c', '--endpoint': 'lambda', '--install': false }, '--locale', /Not an Alexa locale: en-XX/],
    ['an invocation name with a launch word', { '--invocation': ['open sesame', 'secret door'], '--client-id': 'c', '--endpoint': 'lambda', '--install': false }, '--invocation', /must not contain launch phrases such as "open"/],
    ['a userinfo URL over http', { '--userinfo-url': ['http://api.example.com/me', 'https://api.example.com/me'], '--client-id': 'c', '--endpoint': 'lambda', '--install': false }, '--userinfo-url', /must use HTTPS: the skill sends the user's access token to it/],
    ['a client ID with a space', { '--client-id': ['abc def', 'abcdef'], '--endpoint': 'lambda', '--install': false }, '--client-id', /A client ID has no spaces/],
    ['an endpoint URL on a loopback address', { '--client-id': 'c', '--endpoint': 'https', '--endpoint-url': ['https://127.0.0.1/alexa', 'https://skill.example.com/alexa'], '--install': false }, '--endpoint-url', /is a loopback address that Alexa cannot reach/],
    ['sixteen scopes', { '--client-id': 'c', '--scope': [Array.from({ length: 16 }, (_, i) => `s${i}`).join(' '), 'profile'], '--endpoint': 'lambda', '--install': false }, '--scope', /That is 16 scopes; Alexa allows at most 15/],
  ])('%s: asked again with the reason', async (_name, script, flag, reason) => {
    const prompter = scriptedPrompter(script);
    const answers = await askInitQuestions({ dir: 'ops-helper', name: 'Ops Helper' }, prompter, CWD);
    expect(prompter.rejected[flag]).toHaveLength(1);
    expect(prompter.rejected[flag]![0]).toMatch(reason);
    expect(() => resolveInitOptions(answers, CWD)).not.toThrow();
  });

  it('a loopback http provider is fine for a generic provider (a local rehearsal)', async () => {
    const prompter = scriptedPrompter({ ...generic, '--authorization-url': 'http://127.0.0.1:8080/authorize', '--token-url': 'http://127.0.0.1:8080/token' });
    await askInitQuestions({ dir: 'ops-helper', name: 'Ops Helper' }, prompter, CWD);
    expect(prompter.rejected).toEqual({});
  });

  it('the client ID may be left empty: a placeholder, and a warning saying where to create one', async () => {
    const prompter = scriptedPrompter({ '--provider': 'google', '--client-id': '', '--endpoint': 'lambda', '--install': false });
    const answers = await askInitQuestions({ dir: 'ops-helper', name: 'Ops Helper' }, prompter, CWD);
    const warnings: string[] = [];
    const o = resolveInitOptions(answers, CWD, warnings);
    expect(o.clientId).toBe(CLIENT_ID_PLACEHOLDER);
    expect(warnings.join('\n')).toMatch(/No client ID yet: accountLinking\.json gets the placeholder REPLACE_WITH_YOUR_CLIENT_ID\. Create a client at Google: in the Google Cloud console \(console\.cloud\.google\.com\/apis\/credentials\)/);
  });

  it('the default skill name passes the tool\'s own rules: its invocation name draws no warning', () => {
    expect(skillNameProblem(DEFAULT_SKILL_NAME)).toBeUndefined();
    const check = checkInvocationName(invocationFromName(DEFAULT_SKILL_NAME), ['en-US']);
    expect(check).toMatchObject({ ok: true, problems: [] });
    const warnings: string[] = [];
    resolveInitOptions({ clientId: 'x' }, CWD, warnings);
    expect(warnings.filter((w) => /Invocation name/.test(w))).toEqual([]);
  });

  it('a folder that is not empty is asked again (without --force)', async () => {
    const cwd = await mkdtemp(path.join(os.tmpdir(), 'al-wizard-dir-'));
    try {
      await mkdir(path.join(cwd, 'taken'));
      await writeFile(path.join(cwd, 'taken', 'notes.txt'), 'mine');
      const prompter = scriptedPrompter({ '[dir]': ['taken', 'fresh'], '--client-id': 'c', '--endpoint': 'lambda', '--install': false });
      const answers = await askInitQuestions({ name: 'Ops Helper' }, prompter, cwd);
      expect(prompter.rejected['[dir]']![0]).toMatch(/taken is not empty \(notes\.txt\)\. An existing skill\? Run alexa-link init --add there instead \(adds account linking, keeps your code\)\. Choose a new folder, or run init --force to write into it/);
      expect(answers.dir).toBe('fresh');
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  });
});

describe('runInitWizard: the answers together, a summary, one confirmation', () => {
  const base = { '--client-id': 'client-1', '--endpoint': 'lambda', '--install': false, '--yes': true };

  async function wizard(given: InitAnswers, script: Record<string, Scripted | Scripted[]>) {
    const cwd = await mkdtemp(path.join(os.tmpdir(), 'al-wizard-plan-'));
    const lines: string[] = [];
    const warnings: string[] = [];
    const prompter = scriptedPrompter(script);
    try {
      const plan = await runInitWizard(given, { prompter, say: (l) => lines.push(l), warn: (l) => warnings.push(l) }, cwd, (a) => planInit(a, { cwd }));
      return { plan, lines, warnings, prompter, cwd };
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  }

  it('shows every answer and the files to write, then asks once', async () => {
    const { plan, lines, prompter } = await wizard({ dir: 'recipe-finder', name: 'Recipe Finder' }, { ...base, '--provider': 'auth0', '--domain': 'my-tenant.us.auth0.com' });
    expect(plan).toBeDefined();
    expect(prompter.asked.filter((f) => f === '--yes')).toHaveLength(1);
    expect(prompter.asked[prompter.asked.length - 1]).toBe('--yes');
    const text = lines.join('\n');
    expect(text).toContain('Summary:');
    for (const row of [
      /Skill name\s+Recipe Finder/,
      /Invocation name\s+recipe finder/,
      /Locales\s+en-US/,
      /Provider\s+Auth0 \(my-tenant\.us\.auth0\.com\)/,
      /Authorization URL\s+https:\/\/my-tenant\.us\.auth0\.com\/authorize/,
      /Token URL\s+https:\/\/my-tenant\.us\.auth0\.com\/oauth\/token/,
      /Userinfo URL\s+https:\/\/my-tenant\.us\.auth0\.com\/userinfo/,
      /Client ID\s+client-1/,
      /Scopes\s+openid profile email offline_access/,
      /Client authentication\s+HTTP_BASIC/,
      /Language\s+JavaScript/,
      /Endpoint\s+AWS Lambda/,
      /npm install in lambda\/\s+no/,
    ]) {
      expect(text).toMatch(row);
    }
    expect(text).toMatch(/Files to write in recipe-finder \(\d+\):\n {2}\.gitignore .*accountLinking\.json.*skill-package\/skill\.json/);
    // Wrapped to a terminal, the list is one column: every line of it starts under the first path.
    const files = lines[lines.findIndex((l) => l.startsWith('Files to write')) + 1]!;
    const wrapped = wrapText(files, 60).split('\n');
    expect(wrapped.length).toBeGreaterThan(2);
    for (const l of wrapped) expect(l).toMatch(/^ {2}\S/);
  });

  it('says no: nothing to write', async () => {
    const { plan } = await wizard({ dir: 'recipe-finder', name: 'Recipe Finder' }, { ...base, '--yes': false });
    expect(plan).toBeUndefined();
  });

  it('an answer the plan refuses is asked again with the reason, the others kept', async () => {
    // A skill name whose derived invocation name breaks a rule ("weather" is one word): asked again.
    const { plan, warnings, prompter } = await wizard({ dir: 'weather', name: 'Weather' }, { ...base, '--invocation': 'weather helper', '--provider': 'lwa' });
    expect(plan?.options.invocation).toBe('weather helper');
    expect(warnings).toEqual([]);
    expect(prompter.asked.filter((f) => f === '--provider')).toHaveLength(1);
  });

  it('a flag value the plan refuses is asked for in the wizard instead of ending it', async () => {
    const { plan, warnings, prompter } = await wizard(
      { dir: 'ops', name: 'Ops Helper', provider: 'generic', authorizationUrl: 'https://id.example.com/authorize', tokenUrl: 'https://id.example.com/token?grant_type=authorization_code' },
      { ...base, '--userinfo-url': '', '--scope': 'openid', '--token-url': 'https://id.example.com/token' },
    );
    expect(warnings[0]).toMatch(/The account-linking configuration would be rejected:[\s\S]*accessTokenUrl carries grant_type/);
    expect(prompter.asked).toContain('--token-url');
    expect(plan?.options.tokenUrl).toBe('https://id.example.com/token');
  });

  it('an empty client ID: the placeholder, the warning before the summary, a summary that shows it', async () => {
    const { plan, lines, warnings } = await wizard({ dir: 'ops', name: 'Ops Helper' }, { ...base, '--client-id': '', '--provider': 'okta', '--domain': 'dev-123456.okta.com' });
    expect(plan?.options.clientId).toBe(CLIENT_ID_PLACEHOLDER);
    expect(warnings.join('\n')).toMatch(/No client ID yet[\s\S]*Create a client at Okta: in the Okta Admin Console/);
    expect(lines.join('\n')).toMatch(/Client ID\s+REPLACE_WITH_YOUR_CLIENT_ID/);
  });
});

describe("the wizard's default names pass the invocation rules with no warning", () => {
  it.each<[string | undefined, string]>([
    ['Cool Skill', 'My Linked Greeter'],
    ['Recipe Finder Skill', 'Recipe Finder'],
    ['Recipe Finder App', 'Recipe Finder'],
    ['Recipe Finder', 'Recipe Finder'],
    ['Skill', 'My Linked Greeter'],
    [undefined, 'My Linked Greeter'],
  ])('defaultSkillName(%j) = %j', (fromDir, name) => {
    expect(defaultSkillName(fromDir)).toBe(name);
    expect(checkInvocationName(invocationFromName(name)).problems).toEqual([]);
  });
  it.each<[string, string | undefined]>([
    ['Recipe Finder', 'recipe finder'],
    ['Trivia Skill Deluxe', 'trivia deluxe'],
    ['Cool Skill', undefined],
    ['Open Sesame', undefined],
  ])('defaultInvocation(%j) = %j', (name, invocation) => {
    expect(defaultInvocation(name, ['en-US'])).toBe(invocation);
  });
});

describe('skill names with invisible characters', () => {
  it.each([
    ['Cool\u200bHelper', /invisible character \(U\+200B ZERO WIDTH SPACE\) at character 5/],
    ['\ufeffCool Helper', /invisible character \(U\+FEFF ZERO WIDTH NO-BREAK SPACE\) at character 1/],
    ['Cool\u200dHelper', /invisible character \(U\+200D ZERO WIDTH JOINER\)/],
    ['Cool\u2062Helper', /invisible character \(U\+2062\)/],
  ])('%j is refused, naming the character', (name, message) => {
    expect(skillNameProblem(name)).toMatch(message);
  });
  it('a name with accents and non-Latin letters is fine', () => {
    expect(skillNameProblem('Café Über 東京')).toBeUndefined();
  });
});
