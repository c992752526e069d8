import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROVIDER_IDS, PROVIDERS, type ProviderId } from '../../src/linking/providers.js';
import { checkLinkingConfig } from '../../src/linking/rules.js';
import { loadProject, readLinkingFile, readManifest } from '../../src/project/skill-project.js';
import { runCli } from '../support/cli.js';
import { buildEnvelope, expectedProjectFiles, filesUnder, lendNodeModules, readAnswer, readJson, removeTempDirs, tempDir } from '../support/skill-project.js';
import { DEMO_USER, startLocalProvider } from '../../src/demo/local-provider.js';
import { obtainTokens } from '../../src/demo/auto-login.js';

const DOMAIN_FLAGS: Partial<Record<ProviderId, string[]>> = {
  auth0: ['--domain', 'my-tenant.us.auth0.com'],
  okta: ['--domain', 'https://dev-123456.okta.com/'],
  cognito: ['--domain', 'my-app.auth.eu-west-1.amazoncognito.com'],
  generic: ['--authorization-url', 'https://id.example.com/oauth/authorize', '--token-url', 'https://id.example.com/oauth/token', '--userinfo-url', 'https://id.example.com/me'],
};

interface InitJson {
  ok: boolean;
  dir: string;
  files: string[];
  warnings: string[];
  next: string[];
  install: string;
  skill: { name: string; invocation: string; provider: string; language: string };
}

afterAll(removeTempDirs);

describe('alexa-link init (built binary)', () => {
  let work: string;
  beforeAll(async () => {
    work = await tempDir('al-init-e2e-');
  });

  it('done means: init my-skill --yes --provider lwa --client-id X --invocation "my linked skill"', async () => {
    const cwd = await tempDir('al-init-done-');
    const r = await runCli(['init', 'my-skill', '--yes', '--provider', 'lwa', '--client-id', 'X', '--invocation', 'my linked skill'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('Created "My Skill" (invocation name "my linked skill") in my-skill');
    expect(r.stdout).toContain('Next steps:');
    expect(r.stdout).toContain('npx alexa-link configure');
    const dir = path.join(cwd, 'my-skill');
    expect(await filesUnder(dir)).toEqual(await expectedProjectFiles('javascript', ['en-US']));

    // Laid out as `ask deploy` reads it, and as the other commands read it.
    const project = await loadProject(dir);
    expect(project.skillPackageDir).toBe(path.join(dir, 'skill-package'));
    expect(project.codeDir).toBe(path.join(dir, 'lambda'));
    const resources = await readJson<{ profiles: { default: { skillInfrastructure: { type: string; userConfig: Record<string, string> } } } }>(project.resourcesPath!);
    expect(resources.profiles.default.skillInfrastructure.type).toBe('@ask-cli/lambda-deployer');
    expect(resources.profiles.default.skillInfrastructure.userConfig).toMatchObject({ runtime: 'nodejs20.x', handler: 'index.handler' });
    expect(existsSync(path.join(dir, 'lambda', 'index.js'))).toBe(true);
    const manifest = await readManifest(project);
    expect(manifest.locales).toEqual(['en-US']);
    const linking = await readLinkingFile(project.linkingPath);
    expect(linking).toMatchObject({ type: 'AUTH_CODE', clientId: 'X', authorizationUrl: 'https://www.amazon.com/ap/oa', accessTokenScheme: 'HTTP_BASIC' });
    expect(linking.clientSecret).toBeUndefined();
    const model = await readJson<{ interactionModel: { languageModel: { invocationName: string } } }>(
      path.join(dir, 'skill-package/interactionModels/custom/en-US.json'),
    );
    expect(model.interactionModel.languageModel.invocationName).toBe('my linked skill');
    expect(await readdir(cwd)).toEqual(['my-skill']); // no temporary directory left

    // Its skill asks to link without a token and greets a user linked at a real OAuth provider.
    // Login with Amazon is not reachable from a test, so USERINFO_URL points the skill at a local one.
    await lendNodeModules(path.join(dir, 'lambda'));
    const provider = await startLocalProvider();
    const saved = process.env.USERINFO_URL;
    try {
      const { handler } = createRequire(path.join(dir, 'lambda', 'package.json'))('./index.js') as { handler: (e: unknown, c: unknown) => Promise<unknown> };
      const unlinked = readAnswer(await handler(buildEnvelope(), {}));
      expect(unlinked.linkAccountCard).toBe(true);
      process.env.USERINFO_URL = provider.userinfoUrl;
      const tokens = await obtainTokens({ provider, client: provider.clients.basic, scopes: ['openid', 'profile'] });
      const linked = readAnswer(await handler(buildEnvelope({ intent: 'WhoAmIIntent', accessToken: tokens.access_token }), {}));
      expect(linked.linkAccountCard).toBe(false);
      expect(linked.speech).toContain(`Hello, ${DEMO_USER.name}!`);
    } finally {
      if (saved === undefined) delete process.env.USERINFO_URL;
      else process.env.USERINFO_URL = saved;
      await provider.close();
    }
  });

  for (const language of ['javascript', 'typescript'] as const) {
    it.each(PROVIDER_IDS)(`--json, ${language}, provider %s: the template tree with the answers in it`, async (provider) => {
      const dir = `${provider}-${language}`;
      const r = await runCli(
        ['--json', 'init', dir, '--yes', '--provider', provider, '--client-id', `client-${provider}`, '--invocation', 'linked helper', '--language', language, '--locale', 'en-US', '--locale', 'en-GB', ...(DOMAIN_FLAGS[provider] ?? [])],
        { cwd: work },
      );
      expect(r.code, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout) as InitJson;
      expect(doc).toMatchObject({ ok: true, dir: path.join(work, dir), install: 'skipped', skill: { provider, language, invocation: 'linked helper' } });
      expect(doc.next).toContain('npx alexa-link doctor --token session');
      const expected = await expectedProjectFiles(language, ['en-US', 'en-GB']);
      expect(doc.files).toEqual(expected);
      expect(await filesUnder(doc.dir)).toEqual(expected);

      const linking = await readLinkingFile(path.join(doc.dir, 'accountLinking.json'));
      const urls = PROVIDERS[provider].urls(DOMAIN_FLAGS[provider]?.[1]?.replace(/^https:\/\/|\/$/g, ''));
      expect(linking).toMatchObject({
        type: 'AUTH_CODE',
        clientId: `client-${provider}`,
        authorizationUrl: urls?.authorizationUrl ?? 'https://id.example.com/oauth/authorize',
        accessTokenUrl: urls?.tokenUrl ?? 'https://id.example.com/oauth/token',
        scopes: PROVIDERS[provider].scopes,
      });
      expect(checkLinkingConfig(linking, { fromFile: true }).filter((f) => f.severity === 'error')).toEqual([]);
      const config = await readJson(path.join(doc.dir, 'lambda', 'skill-config.json'));
      expect(config.userinfoUrl).toBe(urls?.userinfoUrl ?? 'https://id.example.com/me');
      const resources = await readJson<{ profiles: { default: { skillInfrastructure: { userConfig: { handler: string; awsRegion: string } } } } }>(
        path.join(doc.dir, 'ask-resources.json'),
      );
      expect(resources.profiles.default.skillInfrastructure.userConfig.handler).toBe(language === 'typescript' ? 'dist/src/index.handler' : 'index.handler');
      if (language === 'typescript') expect((await stat(path.join(doc.dir, 'hooks', 'build.sh'))).mode & 0o111).not.toBe(0);
    });
  }

  it('an HTTPS endpoint goes into skill.json and ask-resources.json has no Lambda deployer', async () => {
    const r = await runCli(['init', 'self-hosted', '--yes', '--client-id', 'c', '--invocation', 'linked helper', '--endpoint-url', 'https://skill.example.com/alexa'], { cwd: work });
    expect(r.code, r.stderr).toBe(0);
    const project = await loadProject(path.join(work, 'self-hosted'));
    expect((await readManifest(project)).endpoints).toEqual([
      { api: 'custom', region: 'default', uri: 'https://skill.example.com/alexa', sslCertificateType: 'Trusted', field: 'manifest.apis.custom.endpoint' },
    ]);
    expect((await readJson<{ profiles: { default: Record<string, unknown> } }>(project.resourcesPath!)).profiles.default.skillInfrastructure).toBeUndefined();
    // The generated local server answers on the URL's path (/alexa), not only on /.
    expect((await readJson<{ endpointPath: string }>(path.join(work, 'self-hosted', 'lambda', 'skill-config.json'))).endpointPath).toBe('/alexa');
    await lendNodeModules(path.join(work, 'self-hosted', 'lambda'));
    const require = createRequire(path.join(work, 'self-hosted', 'lambda', 'local-server.js'));
    const { createApp } = require('./local-server.js') as { createApp: (o: { verify: boolean }) => { listen: (port: number, host: string, cb: () => void) => import('node:http').Server } };
    const server = await new Promise<import('node:http').Server>((resolve) => {
      const s = createApp({ verify: false }).listen(0, '127.0.0.1', () => resolve(s));
    });
    try {
      const port = (server.address() as import('node:net').AddressInfo).port;
      const res = await fetch(`http://127.0.0.1:${port}/alexa`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(buildEnvelope()) });
      expect(res.status).toBe(200);
      expect(readAnswer(await res.json()).linkAccountCard).toBe(true);
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('names with spaces and non-ASCII letters work', async () => {
    const r = await runCli(['init', 'Mein Kaffee ü', '--yes', '--name', 'Café Crème Helfer', '--client-id', 'c', '--locale', 'de-DE', '--invocation', 'kaffee begleiter'], { cwd: work });
    expect(r.code, r.stderr).toBe(0);
    const dir = path.join(work, 'Mein Kaffee ü');
    const manifest = await readJson<{ manifest: { publishingInformation: { locales: Record<string, { name: string; examplePhrases: string[] }> } } }>(
      path.join(dir, 'skill-package', 'skill.json'),
    );
    expect(manifest.manifest.publishingInformation.locales['de-DE']!.name).toBe('Café Crème Helfer');
    expect(manifest.manifest.publishingInformation.locales['de-DE']!.examplePhrases[0]).toBe('Alexa, öffne kaffee begleiter');
    expect((await readJson(path.join(dir, 'lambda', 'package.json'))).name).toBe('cafe-creme-helfer');
    expect(r.stdout).toContain("cd 'Mein Kaffee ü'");
  });

  it.each([
    [['--yes'], /Missing a value for --client-id/],
    [['--yes', '--provider', 'okta', '--client-id', 'c'], /Missing a value for --domain \(your Okta org domain/],
    [['--provider', 'generic', '--client-id', 'c'], /Missing values for --authorization-url, --token-url/],
    [['--yes', '--client-id', 'c', '--endpoint', 'https'], /Missing a value for --endpoint-url/],
  ])('without a TTY, a missing required value exits 2 naming the flag: %j', async (flags, message) => {
    const cwd = await tempDir('al-init-missing-');
    const r = await runCli(['init', 'linked-helper', ...flags], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(r.stdout).toBe('');
    expect(await readdir(cwd)).toEqual([]);
  });

  it('an invalid invocation name exits 2 with the rule, and writes nothing', async () => {
    const cwd = await tempDir('al-init-invocation-');
    const r = await runCli(['init', 'x', '--yes', '--client-id', 'c', '--invocation', 'Ask Alexa'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--invocation "Ask Alexa" must be lower case/);
    expect(r.stderr).toMatch(/wake word "alexa"/);
    expect(r.stderr).toMatch(/launch phrases such as "ask"/);
    expect(await readdir(cwd)).toEqual([]);
  });

  it('a configuration the linking rules reject exits 2 with the rule, and writes nothing', async () => {
    const cwd = await tempDir('al-init-rules-');
    const r = await runCli(
      ['--json', 'init', 'x', '--yes', '--client-id', 'c', '--invocation', 'linked helper', '--provider', 'generic', '--authorization-url', 'https://id.example.com:8443/auth', '--token-url', 'https://id.example.com/token'],
      { cwd },
    );
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout) as { ok: boolean; error: { code: string; message: string } };
    expect(doc.ok).toBe(false);
    expect(doc.error.code).toBe('E_LINKING_RULES');
    expect(doc.error.message).toMatch(/authorizationUrl uses port 8443; Alexa only connects to port 443/);
    expect(await readdir(cwd)).toEqual([]);
  });

  it('an unknown provider is a usage error (exit 2)', async () => {
    const r = await runCli(['init', 'x', '--yes', '--client-id', 'c', '--provider', 'keycloak'], { cwd: work });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/Allowed choices are lwa, auth0, okta, cognito, google, generic/);
  });

  it('refuses a non-empty directory (exit 1, nothing touched); --force writes and keeps other files', async () => {
    const cwd = await tempDir('al-init-force-');
    const dir = path.join(cwd, 'busy');
    await mkdir(dir);
    await writeFile(path.join(dir, 'README.md'), 'my notes');
    await writeFile(path.join(dir, 'keep.txt'), 'keep');
    const refused = await runCli(['init', 'busy', '--yes', '--client-id', 'c', '--invocation', 'linked helper'], { cwd });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/busy is not empty \(README.md, keep.txt\); nothing was written/);
    expect(refused.stderr).toMatch(/--force/);
    expect(refused.stderr).not.toMatch(/Writing \d+ files/);
    expect(await readdir(dir)).toEqual(['README.md', 'keep.txt']);
    expect(await readdir(cwd)).toEqual(['busy']);

    const forced = await runCli(['--json', 'init', 'busy', '--yes', '--client-id', 'c', '--invocation', 'linked helper', '--force'], { cwd });
    expect(forced.code, forced.stderr).toBe(0);
    const doc = JSON.parse(forced.stdout) as InitJson & { overwritten: string[] };
    expect(doc.overwritten).toEqual(['README.md']);
    expect(doc.warnings.join('\n')).toMatch(/Replaced 1 existing file: README.md/);
    expect(await readFile(path.join(dir, 'keep.txt'), 'utf8')).toBe('keep');
    expect(await readFile(path.join(dir, 'README.md'), 'utf8')).toMatch(/^# Busy/);
    expect(await readdir(cwd)).toEqual(['busy']);
  });

  it('--install runs npm install in lambda/ and reports a failure without losing the project (offline, empty cache)', async () => {
    const cwd = await tempDir('al-init-install-');
    const cache = await tempDir('al-npm-cache-');
    const r = await runCli(['--json', 'init', 'p', '--yes', '--client-id', 'c', '--invocation', 'linked helper', '--install'], {
      cwd,
      env: { npm_config_offline: 'true', npm_config_cache: cache, npm_config_update_notifier: 'false' },
      timeoutMs: 90_000,
    });
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as InitJson & { installError: string };
    expect(doc).toMatchObject({ ok: false, install: 'failed' });
    expect(doc.installError).toMatch(/npm install exited with code/);
    expect(r.stderr).toMatch(/npm install failed in lambda\//);
    expect(await filesUnder(path.join(cwd, 'p'))).toEqual(expect.arrayContaining(doc.files));
  });

  it('init --help lists every flag', async () => {
    const r = await runCli(['init', '--help']);
    expect(r.code).toBe(0);
    for (const flag of ['--type', '--name', '--invocation', '--locale', '--provider', '--domain', '--authorization-url', '--token-url', '--userinfo-url', '--client-id', '--scope', '--scheme', '--language', '--endpoint', '--endpoint-url', '--install', '--no-install', '--force', '--yes']) {
      expect(r.stdout).toContain(flag);
    }
  });
});
