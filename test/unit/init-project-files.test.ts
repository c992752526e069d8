import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkLinkingConfig } from '../../src/linking/rules.js';
import { PROVIDER_IDS, PROVIDERS, type ProviderId } from '../../src/linking/providers.js';
import { parseManifest } from '../../src/project/skill-project.js';
import { resolveInitOptions, type InitAnswers, type InitOptions } from '../../src/scaffold/init-options.js';
import {
  alexaRegionFor,
  awsRegionFor,
  buildProjectFiles,
  fillTokens,
  HANDLER_FOR,
  README_TOKENS,
  type ScaffoldFile,
} from '../../src/scaffold/project-files.js';
import { readTemplateDir, readTemplateSet, TEMPLATES_ROOT } from '../../src/scaffold/templates.js';
import { expectedProjectFiles, removeTempDirs, tempDir } from '../support/skill-project.js';

const CWD = '/work/projects';
const DOMAIN: Partial<Record<ProviderId, string>> = {
  auth0: 'my-tenant.us.auth0.com',
  okta: 'dev-123456.okta.com',
  cognito: 'my-app.auth.us-east-1.amazoncognito.com',
};

function optionsFor(provider: ProviderId, extra: InitAnswers = {}): InitOptions {
  const a: InitAnswers = { dir: 'linked-helper', clientId: 'client-123', provider, ...extra };
  if (DOMAIN[provider]) a.domain = DOMAIN[provider];
  if (provider === 'generic') Object.assign(a, { authorizationUrl: 'https://id.example.com/oauth/authorize', tokenUrl: 'https://id.example.com/oauth/token' });
  return resolveInitOptions(a, CWD);
}

function fileMap(files: ScaffoldFile[]): Map<string, ScaffoldFile> {
  return new Map(files.map((f) => [f.path, f]));
}
// any: the assertions walk deep into generated JSON; a wrong path fails the expectation anyway.
function jsonOf(files: Map<string, ScaffoldFile>, p: string): Record<string, any> {
  const f = files.get(p);
  if (!f) throw new Error(`${p} was not generated`);
  return JSON.parse(f.content) as Record<string, any>;
}

afterAll(removeTempDirs);

describe('buildProjectFiles', () => {
  for (const language of ['javascript', 'typescript'] as const) {
    it.each(PROVIDER_IDS)(`${language}, %s: the template's files with the answers set`, async (provider) => {
      const o = optionsFor(provider, { language, locales: ['en-US', 'de-DE'] });
      const { files, warnings, next } = buildProjectFiles(o, await readTemplateSet(language), { relativeDir: 'linked-helper', install: false });
      expect(files.map((f) => f.path)).toEqual(await expectedProjectFiles(language, ['en-US', 'de-DE']));
      expect(warnings).toEqual([]);
      const byPath = fileMap(files);

      const resources = jsonOf(byPath, 'ask-resources.json');
      expect(resources.profiles.default.skillMetadata.src).toBe('./skill-package');
      expect(resources.profiles.default.code.default.src).toBe('./lambda');
      expect(resources.profiles.default.skillInfrastructure).toEqual({
        type: '@ask-cli/lambda-deployer',
        userConfig: { runtime: 'nodejs20.x', handler: HANDLER_FOR[language], awsRegion: 'us-east-1' },
      });

      const manifest = parseManifest(jsonOf(byPath, 'skill-package/skill.json'), 'skill.json');
      expect(manifest.locales).toEqual(['en-US', 'de-DE']);
      expect(manifest.endpoints).toEqual([]); // ask deploy's Lambda deployer writes the ARN
      expect(manifest.manifest.publishingInformation).toMatchObject({ locales: { 'en-US': { name: 'Linked Helper' } } });

      for (const locale of ['en-US', 'de-DE']) {
        const model = jsonOf(byPath, `skill-package/interactionModels/custom/${locale}.json`).interactionModel.languageModel;
        expect(model.invocationName).toBe('linked helper');
        const intents = (model.intents as { name: string; samples: string[] }[]).map((i) => i.name);
        expect(intents).toEqual(['WhoAmIIntent', 'AMAZON.HelpIntent', 'AMAZON.CancelIntent', 'AMAZON.StopIntent', 'AMAZON.NavigateHomeIntent', 'AMAZON.FallbackIntent']);
        expect(model.intents[0].samples.length).toBeGreaterThan(2);
      }
      expect(jsonOf(byPath, 'skill-package/interactionModels/custom/de-DE.json').interactionModel.languageModel.intents[0].samples).toContain('wer bin ich');

      const linking = jsonOf(byPath, 'accountLinking.json');
      expect(Object.keys(linking)).toEqual(['accountLinkingRequest']);
      const payload = linking.accountLinkingRequest;
      expect(payload).toMatchObject({
        type: 'AUTH_CODE',
        authorizationUrl: o.authorizationUrl,
        accessTokenUrl: o.tokenUrl,
        clientId: 'client-123',
        scopes: PROVIDERS[provider].scopes,
        accessTokenScheme: PROVIDERS[provider].scheme,
        domains: PROVIDERS[provider].domains(DOMAIN[provider]),
      });
      expect(payload).not.toHaveProperty('clientSecret');
      const findings = checkLinkingConfig(payload, { fromFile: true, allowLocal: o.allowLocal });
      expect(findings.filter((f) => f.severity === 'error')).toEqual([]);

      const config = jsonOf(byPath, 'lambda/skill-config.json');
      expect(config).toEqual({ skillName: 'Linked Helper', provider, userinfoUrl: o.userinfoUrl, nameFields: PROVIDERS[provider].nameFields, endpointPath: '/' });

      const pkg = jsonOf(byPath, 'lambda/package.json');
      expect(pkg.name).toBe('linked-helper');
      expect(Object.keys(pkg.dependencies)).toEqual(['ask-sdk-core', 'ask-sdk-model']);
      expect(Object.keys(pkg.devDependencies)).toEqual(expect.arrayContaining(['ask-sdk-express-adapter', 'express']));
      expect(pkg.scripts.test).toMatch(/node --test/);

      const readme = byPath.get('README.md')!.content;
      expect(readme).not.toMatch(/\{\{/);
      expect(readme).toContain('# Linked Helper');
      expect(readme).toContain(PROVIDERS[provider].label);
      expect(readme).not.toContain('cd linked-helper'); // the README lives inside the project
      expect(next.map((s) => s.command)).toEqual([
        'cd linked-helper',
        '(cd lambda && npm install && npm test)',
        'ask deploy',
        'export ALEXA_LINK_CLIENT_SECRET=<client secret>',
        'npx alexa-link configure',
        'npx alexa-link login',
        'npx alexa-link doctor --token session',
      ]);

      const gitignore = byPath.get('.gitignore')!.content;
      for (const entry of ['node_modules/', '.alexa-link/', '.env']) expect(gitignore.split('\n')).toContain(entry);
    });
  }

  it('sets the HTTPS endpoint, drops the Lambda deployer and makes the runner a runtime dependency', async () => {
    const o = optionsFor('auth0', { endpoint: 'https', endpointUrl: 'https://skill.example.com/alexa' });
    const byPath = fileMap(buildProjectFiles(o, await readTemplateSet('javascript'), { relativeDir: 'x', install: false }).files);
    expect(jsonOf(byPath, 'skill-package/skill.json').manifest.apis.custom.endpoint).toEqual({ uri: 'https://skill.example.com/alexa', sslCertificateType: 'Trusted' });
    const profile = jsonOf(byPath, 'ask-resources.json').profiles.default;
    expect(profile.skillInfrastructure).toBeUndefined();
    expect(profile.code.default.src).toBe('./lambda');
    const pkg = jsonOf(byPath, 'lambda/package.json');
    expect(Object.keys(pkg.dependencies)).toEqual(['ask-sdk-core', 'ask-sdk-express-adapter', 'ask-sdk-model', 'express']);
    expect(pkg.devDependencies).toEqual({});
    expect(byPath.get('README.md')!.content).toContain('https://skill.example.com/alexa');
  });

  it('keeps the build hook executable for the TypeScript variant', async () => {
    const o = optionsFor('lwa', { language: 'typescript' });
    const byPath = fileMap(buildProjectFiles(o, await readTemplateSet('typescript'), { relativeDir: 'x', install: false }).files);
    expect(byPath.get('hooks/build.sh')!.mode).toBe(0o755);
    expect(byPath.get('lambda/src/skill.ts')!.mode).toBe(0o644);
  });

  it('warns when a locale has no built-in sample utterances', async () => {
    const o = optionsFor('lwa', { locales: ['ar-SA'] });
    const { warnings } = buildProjectFiles(o, await readTemplateSet('javascript'), { relativeDir: 'x', install: false });
    expect(warnings.join('\n')).toMatch(/No ar-SA sample utterances/);
  });

  it('writes the Lambda into the AWS region of the first locale', () => {
    expect(awsRegionFor('en-US')).toBe('us-east-1');
    expect(awsRegionFor('de-DE')).toBe('eu-west-1');
    expect(awsRegionFor('ja-JP')).toBe('us-west-2');
  });
});

describe('templates', () => {
  it('README.md uses only known tokens, and all of them (the smart home README all but the invocation name)', async () => {
    const readme = await readFile(path.join(TEMPLATES_ROOT, 'base', 'README.md'), 'utf8');
    const used = [...readme.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]);
    expect(new Set(used)).toEqual(new Set(README_TOKENS));
    const smartHome = await readFile(path.join(TEMPLATES_ROOT, 'smart-home-base', 'README.md'), 'utf8');
    expect(new Set([...smartHome.matchAll(/\{\{(\w+)\}\}/g)].map((m) => m[1]))).toEqual(new Set(README_TOKENS.filter((t) => t !== 'invocation')));
    expect(fillTokens('{{name}} {{unknown}}', Object.fromEntries(README_TOKENS.map((t) => [t, 'X'])) as never)).toBe('X {{unknown}}');
  });

  it('every JSON template parses', async () => {
    for (const variant of ['base', 'javascript', 'typescript', 'smart-home-base', 'smart-home-javascript', 'smart-home-typescript']) {
      for (const f of await readTemplateDir(path.join(TEMPLATES_ROOT, variant))) {
        if (f.path.endsWith('.json')) expect(() => JSON.parse(f.content), `${variant}/${f.path}`).not.toThrow();
      }
    }
  });

  it('refuses a template set that has a file in both base and a language folder', async () => {
    const root = await tempDir('al-tpl-');
    for (const dir of ['base', 'javascript']) {
      await mkdir(path.join(root, dir), { recursive: true });
      await writeFile(path.join(root, dir, 'README.md'), 'x');
    }
    await expect(readTemplateSet('javascript', root)).rejects.toThrow(/README.md exist in both/);
    for (const dir of ['smart-home-base', 'smart-home-typescript']) {
      await mkdir(path.join(root, dir), { recursive: true });
      await writeFile(path.join(root, dir, 'README.md'), 'x');
    }
    await expect(readTemplateSet('typescript', root, 'smart-home')).rejects.toThrow(/README.md exist in both templates\/smart-home-base and templates\/smart-home-typescript/);
  });

  it('the smart home skill has no runtime dependencies, and its TypeScript build tools are the versions installed here', async () => {
    const js = JSON.parse((await readTemplateDir(path.join(TEMPLATES_ROOT, 'smart-home-javascript'))).find((f) => f.path === 'lambda/package.json')!.content);
    const ts = JSON.parse((await readTemplateDir(path.join(TEMPLATES_ROOT, 'smart-home-typescript'))).find((f) => f.path === 'lambda/package.json')!.content);
    expect(js.dependencies).toBeUndefined();
    expect(js.devDependencies).toBeUndefined();
    expect(ts.dependencies).toBeUndefined();
    const custom = JSON.parse((await readTemplateDir(path.join(TEMPLATES_ROOT, 'typescript'))).find((f) => f.path === 'lambda/package.json')!.content);
    for (const [name, range] of Object.entries(ts.devDependencies as Record<string, string>)) {
      expect(range, name).toBe(custom.devDependencies[name]);
      const installed = JSON.parse(await readFile(path.join('node_modules', name, 'package.json'), 'utf8')).version as string;
      expect(installed.split('.')[0], name).toBe(range.replace('^', '').split('.')[0]);
    }
  });

  it('ships the same runtime dependency ranges for both languages, satisfied by the versions installed here', async () => {
    const js = JSON.parse((await readTemplateDir(path.join(TEMPLATES_ROOT, 'javascript'))).find((f) => f.path === 'lambda/package.json')!.content);
    const ts = JSON.parse((await readTemplateDir(path.join(TEMPLATES_ROOT, 'typescript'))).find((f) => f.path === 'lambda/package.json')!.content);
    expect(ts.dependencies).toEqual(js.dependencies);
    for (const [name, range] of Object.entries({ ...js.dependencies, ...js.devDependencies } as Record<string, string>)) {
      const installed = JSON.parse(await readFile(path.join('node_modules', name, 'package.json'), 'utf8')).version as string;
      const [major, minor] = installed.split('.').map(Number);
      const [rMajor, rMinor] = range.replace('^', '').split('.').map(Number);
      expect(major, name).toBe(rMajor);
      expect(minor! >= rMinor!, `${name} ${installed} satisfies ${range}`).toBe(true);
    }
  });
});

describe('buildProjectFiles --type smart-home', () => {
  for (const language of ['javascript', 'typescript'] as const) {
    it.each(PROVIDER_IDS)(`${language}, %s: the smart home template with the answers set`, async (provider) => {
      const extra: InitAnswers = { language, skillType: 'smart-home', locales: ['en-US'] };
      if (provider === 'generic') Object.assign(extra, { userinfoUrl: 'https://id.example.com/oauth/userinfo', scopes: ['devices:control'] });
      const o = optionsFor(provider, extra);
      const templates = await readTemplateSet(language, TEMPLATES_ROOT, 'smart-home');
      const { files, warnings, next } = buildProjectFiles(o, templates, { relativeDir: 'linked-helper', install: false });
      expect(files.map((f) => f.path)).toEqual(await expectedProjectFiles(language, ['en-US'], 'smart-home'));
      expect(files.some((f) => f.path.startsWith('skill-package/interactionModels/'))).toBe(false);
      expect(warnings).toEqual([]);
      const byPath = fileMap(files);

      const manifest = jsonOf(byPath, 'skill-package/skill.json').manifest;
      expect(manifest.apis).toEqual({ smartHome: { protocolVersion: '3' } }); // ask deploy writes the Lambda ARN
      expect(manifest.publishingInformation.category).toBe('SMART_HOME');
      expect(manifest.publishingInformation.locales['en-US']).toMatchObject({ name: 'Linked Helper', examplePhrases: ['Alexa, discover my devices', 'Alexa, turn on virtual switch', 'Alexa, turn off virtual switch'] });
      expect(parseManifest(jsonOf(byPath, 'skill-package/skill.json'), 'skill.json').endpoints).toEqual([]);

      const resources = jsonOf(byPath, 'ask-resources.json').profiles.default;
      expect(resources.code).toEqual({ default: { src: './lambda' } });
      expect(resources.skillInfrastructure.userConfig).toEqual({ runtime: 'nodejs20.x', handler: HANDLER_FOR[language], awsRegion: 'us-east-1' });

      const payload = jsonOf(byPath, 'accountLinking.json').accountLinkingRequest;
      expect(payload.type).toBe('AUTH_CODE');
      expect(payload.scopes).toEqual(provider === 'generic' ? ['devices:control'] : PROVIDERS[provider].scopes);
      expect(payload.scopes.length).toBeGreaterThan(0);
      expect(payload).not.toHaveProperty('clientSecret');
      expect(checkLinkingConfig(payload, { fromFile: true, allowLocal: o.allowLocal }).filter((f) => f.severity === 'error')).toEqual([]);

      const config = jsonOf(byPath, 'lambda/skill-config.json');
      expect(config).toMatchObject({ skillName: 'Linked Helper', provider, userinfoUrl: o.userinfoUrl, device: { endpointId: 'virtual-switch-1', friendlyName: 'Virtual Switch' } });
      expect(config).not.toHaveProperty('nameFields');

      const pkg = jsonOf(byPath, 'lambda/package.json');
      expect(pkg.name).toBe('linked-helper');
      expect(pkg.dependencies).toBeUndefined(); // a plain Lambda handler: no SDK at run time
      expect(pkg.scripts.test).toMatch(/node --test/);

      const readme = byPath.get('README.md')!.content;
      expect(readme).not.toMatch(/\{\{/);
      expect(readme).toContain('# Linked Helper');
      expect(readme).toContain('Send Alexa Events');
      expect(readme).toContain('`directive.endpoint.scope.token`');
      expect(readme).toContain('apis.smartHome.endpoint');
      expect(next.map((s) => s.command)).toEqual([
        'cd linked-helper',
        '(cd lambda && npm install && npm test)',
        'ask deploy',
        'export ALEXA_LINK_CLIENT_SECRET=<client secret>',
        'npx alexa-link configure',
        'npx alexa-link login',
        'npx alexa-link doctor --token session',
      ]);
      expect(next.at(-1)!.note).toMatch(/Discover and TurnOn/);
    });
  }

  it('gives each further Alexa region of the locales a code entry, so ask deploy creates a Lambda function there', async () => {
    expect(['en-US', 'de-DE', 'ja-JP', 'en-IN', 'pt-BR'].map(alexaRegionFor)).toEqual(['NA', 'EU', 'FE', 'EU', 'NA']);
    const o = optionsFor('lwa', { skillType: 'smart-home', locales: ['de-DE', 'en-GB', 'en-US', 'ja-JP'] });
    const { files, warnings } = buildProjectFiles(o, await readTemplateSet('javascript', TEMPLATES_ROOT, 'smart-home'), { relativeDir: 'x', install: false });
    const byPath = fileMap(files);
    const profile = jsonOf(byPath, 'ask-resources.json').profiles.default;
    expect(profile.code).toEqual({ default: { src: './lambda' }, NA: { src: './lambda' }, FE: { src: './lambda' } });
    expect(profile.skillInfrastructure.userConfig.awsRegion).toBe('eu-west-1');
    expect(byPath.get('README.md')!.content).toMatch(/Alexa regions NA, FE/);
    expect(warnings).toEqual(['The example phrases in skill.json are English; translate them for de-DE, ja-JP before you submit the skill.']);
    // A custom skill keeps one function, as before.
    const custom = buildProjectFiles(optionsFor('lwa', { locales: ['de-DE', 'en-US'] }), await readTemplateSet('javascript'), { relativeDir: 'x', install: false });
    expect(jsonOf(fileMap(custom.files), 'ask-resources.json').profiles.default.code).toEqual({ default: { src: './lambda' } });
  });
});
