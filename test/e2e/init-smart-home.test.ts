import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROVIDER_IDS, PROVIDERS, type ProviderId } from '../../src/linking/providers.js';
import { checkLinkingConfig } from '../../src/linking/rules.js';
import { readLinkingFile } from '../../src/project/skill-project.js';
import { runCli } from '../support/cli.js';
import { expectedProjectFiles, filesUnder, readJson, removeTempDirs, tempDir } from '../support/skill-project.js';

/** `alexa-link init --type smart-home` through the built binary: every preset in both languages, and the refusals. */
const DOMAIN_FLAGS: Partial<Record<ProviderId, string[]>> = {
  auth0: ['--domain', 'my-tenant.us.auth0.com'],
  okta: ['--domain', 'dev-123456.okta.com'],
  cognito: ['--domain', 'my-app.auth.eu-west-1.amazoncognito.com'],
  generic: ['--authorization-url', 'https://id.example.com/oauth/authorize', '--token-url', 'https://id.example.com/oauth/token', '--userinfo-url', 'https://id.example.com/me', '--scope', 'devices'],
};

interface InitJson {
  ok: boolean;
  dir: string;
  files: string[];
  warnings: string[];
  next: string[];
  skill: { type: string; name: string; invocation: string | null; provider: string; language: string; endpoint: string };
}

afterAll(removeTempDirs);

describe('alexa-link init --type smart-home (built binary)', () => {
  let work: string;
  beforeAll(async () => {
    work = await tempDir('al-init-sh-');
  });

  for (const language of ['javascript', 'typescript'] as const) {
    it.each(PROVIDER_IDS)(`--json, ${language}, provider %s: the smart home tree with the answers in it`, async (provider) => {
      const dir = `${provider}-${language}`;
      const r = await runCli(['--json', 'init', dir, '--type', 'smart-home', '--yes', '--provider', provider, '--client-id', `client-${provider}`, '--language', language, ...(DOMAIN_FLAGS[provider] ?? [])], { cwd: work });
      expect(r.code, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout) as InitJson;
      expect(doc).toMatchObject({ ok: true, warnings: [], skill: { type: 'smart-home', invocation: null, provider, language, endpoint: 'lambda' } });
      const expected = await expectedProjectFiles(language, ['en-US'], 'smart-home');
      expect(doc.files).toEqual(expected);
      expect(await filesUnder(doc.dir)).toEqual(expected);

      const manifest = await readJson<{ manifest: { apis: Record<string, unknown> } }>(path.join(doc.dir, 'skill-package', 'skill.json'));
      expect(manifest.manifest.apis).toEqual({ smartHome: { protocolVersion: '3' } });
      const linking = await readLinkingFile(path.join(doc.dir, 'accountLinking.json'));
      expect(linking.type).toBe('AUTH_CODE');
      expect(linking.scopes).toEqual(provider === 'generic' ? ['devices'] : PROVIDERS[provider].scopes);
      expect(checkLinkingConfig(linking, { fromFile: true }).filter((f) => f.severity === 'error')).toEqual([]);
      const config = await readJson(path.join(doc.dir, 'lambda', 'skill-config.json'));
      expect(config.userinfoUrl).toBe(PROVIDERS[provider].urls(DOMAIN_FLAGS[provider]?.[1])?.userinfoUrl ?? 'https://id.example.com/me');
      if (language === 'typescript') expect((await stat(path.join(doc.dir, 'hooks', 'build.sh'))).mode & 0o111).not.toBe(0);
    });
  }

  it('says in text that it made a smart home skill, with next steps', async () => {
    const cwd = await tempDir('al-init-sh-text-');
    const r = await runCli(['init', 'porch-light', '--type', 'smart-home', '--yes', '--client-id', 'c', '--locale', 'en-US', '--locale', 'de-DE'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('Created "Porch Light" (smart home skill) in porch-light');
    expect(r.stderr).toMatch(/example phrases in skill\.json are English; translate them for de-DE/);
    expect(r.stdout).toContain('npx alexa-link doctor --token session');
    const resources = await readJson<{ profiles: { default: { code: Record<string, unknown> } } }>(path.join(cwd, 'porch-light', 'ask-resources.json'));
    expect(resources.profiles.default.code).toEqual({ default: { src: './lambda' }, EU: { src: './lambda' } });
  });

  it.each([
    [['--endpoint', 'https', '--endpoint-url', 'https://skill.example.com/alexa'], /--endpoint https: a smart home skill runs on AWS Lambda/],
    [['--endpoint-url', 'https://skill.example.com/alexa'], /--endpoint-url: a smart home skill runs on AWS Lambda/],
    [
      ['--provider', 'generic', '--authorization-url', 'https://id.example.com/a', '--token-url', 'https://id.example.com/t'],
      /Missing values for --userinfo-url \(a smart home skill checks every access token there\), --scope \(smart home skills need at least one\)/,
    ],
    [['--type', 'video'], /argument 'video' is invalid\. Allowed choices are custom, smart-home/],
  ])('exits 2 naming the flag, writing nothing: %j', async (flags, message) => {
    const cwd = await tempDir('al-init-sh-bad-');
    const r = await runCli(['init', 'x', '--type', 'smart-home', '--yes', '--client-id', 'c', ...flags], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
    expect(await readdir(cwd)).toEqual([]);
  });
});
