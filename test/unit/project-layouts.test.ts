import { chmod, chown, cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parseSamTemplate } from '../../src/project/layouts/sam.js';
import { parseServerlessConfig } from '../../src/project/layouts/serverless.js';
import { parseV1Config } from '../../src/project/layouts/ask-cli-v1.js';
import { loadProject, readInteractionModels, readManifest, readSkillIdInfo } from '../../src/project/skill-project.js';
import { parseYamlText } from '../../src/project/yaml-file.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/projects/', import.meta.url));
const temps: string[] = [];
afterAll(async () => {
  for (const t of temps) await rm(t, { recursive: true, force: true });
});

async function copyFixture(name: string): Promise<string> {
  const parent = await mkdtemp(path.join(os.tmpdir(), 'al-layout-'));
  temps.push(parent);
  const dir = path.join(parent, name);
  await cp(path.join(FIXTURES, name), dir, { recursive: true });
  return dir;
}

describe('project layouts (each fixture, from a sub-folder where the layout has one)', () => {
  it.each<[string, string, Record<string, unknown>, string | undefined]>([
    ['v1', 'lambda/custom', { layout: 'ask-cli-v1', manifestPath: 'skill.json', modelsDir: 'models', codeDir: 'lambda/custom', lambda: { handler: 'index.handler', runtime: 'nodejs18.x', region: 'us-east-1' }, deploy: 'lambda' }, 'amzn1.ask.skill.11111111-aaaa-bbbb-cccc-000000000001'],
    ['hosted', 'lambda', { layout: 'ask-cli-v2-hosted', manifestPath: 'skill-package/skill.json', modelsDir: 'skill-package/interactionModels/custom', codeDir: 'lambda', lambda: { handler: 'index.handler' }, deploy: 'hosted' }, 'amzn1.ask.skill.22222222-aaaa-bbbb-cccc-000000000002'],
    ['sam', 'src', { layout: 'sam', manifestPath: 'skill-package/skill.json', codeDir: 'src', lambda: { handler: 'app.lambdaHandler', runtime: 'nodejs20.x', memoryMB: 256 }, deploy: 'sam' }, 'amzn1.ask.skill.33333333-aaaa-bbbb-cccc-000000000003'],
    ['serverless', 'src', { layout: 'serverless', manifestPath: 'skill-package/skill.json', codeDir: '.', lambda: { handler: 'src/handler.skill', runtime: 'nodejs20.x', region: 'eu-west-1', memoryMB: 512 }, deploy: 'serverless' }, 'amzn1.ask.skill.44444444-aaaa-bbbb-cccc-000000000004'],
    ['plain', '.', { layout: 'plain', manifestPath: undefined, codeDir: '.', deploy: 'unknown' }, undefined],
    ['v2-console', 'skill-package', { layout: 'ask-cli-v2', codeDir: 'lambda', lambda: { handler: 'index.handler', runtime: 'nodejs20.x', region: 'eu-west-1' }, deploy: 'lambda' }, 'amzn1.ask.skill.55555555-aaaa-bbbb-cccc-000000000005'],
  ])('%s', async (name, sub, expected, skillId) => {
    const root = await copyFixture(name);
    const p = await loadProject(path.join(root, sub));
    const rel = (v: string | undefined) => (v === undefined ? undefined : path.relative(root, v) || '.');
    const { lambda, ...rest } = expected;
    expect({ ...p, root: rel(p.root), manifestPath: rel(p.manifestPath), modelsDir: rel(p.modelsDir), codeDir: rel(p.codeDir) }).toMatchObject({ ...rest, root: '.' });
    if (lambda) expect(p.lambda).toMatchObject(lambda as object);
    expect((await readSkillIdInfo(p)).skillId).toBe(skillId);
    if (p.manifestPath) expect((await readManifest(p)).locales).toEqual(['en-US']);
    if (name !== 'plain') expect((await readInteractionModels(p)).map((m) => [m.locale, m.error])).toEqual([['en-US', undefined]]);
  });

  it('says "not deployed from this checkout" when .ask/ask-states.json is missing', async () => {
    const root = await copyFixture('v2-console');
    await rm(path.join(root, '.ask'), { recursive: true });
    const info = await readSkillIdInfo(await loadProject(root));
    expect(info.skillId).toBeUndefined();
    expect(info.missing).toMatch(/^not deployed from this checkout \(\.ask\/ask-states\.json is missing; .*usually git-ignored/);
  });

  it('reads a v1 clone without .ask/config (skill.json beside models/) as v1 with no skill ID', async () => {
    const root = await copyFixture('v1');
    await rm(path.join(root, '.ask'), { recursive: true });
    const p = await loadProject(root);
    expect(p.layout).toBe('ask-cli-v1');
    expect(path.relative(root, p.codeDir!)).toBe('lambda/custom');
    expect(p.codeFrom).toMatch(/sourceDir/);
    expect((await readSkillIdInfo(p)).missing).toMatch(/not deployed from this checkout/);
  });

  it('reads a v1 smart home skill: skill.json at the root whose endpoint names its code folder (sourceDir), no models', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'al-layout-v1-sh-'));
    temps.push(root);
    await writeFile(path.join(root, 'skill.json'), JSON.stringify({ manifest: { apis: { smartHome: { endpoint: { sourceDir: 'lambda/smarthome' } } }, manifestVersion: '1.0' } }));
    await mkdir(path.join(root, 'lambda', 'smarthome'), { recursive: true });
    await writeFile(path.join(root, 'lambda', 'smarthome', 'index.js'), 'exports.handler = async () => ({});\n');
    const p = await loadProject(root);
    expect(p.layout).toBe('ask-cli-v1');
    expect(path.relative(root, p.codeDir!)).toBe('lambda/smarthome');
    expect(p.codeFrom).toBe('skill.json manifest.apis.smartHome.endpoint.sourceDir');
  });

  it('reads a v1 project whose .ask/config is broken JSON: manifest, models and code still found, the problem noted', async () => {
    const root = await copyFixture('v1');
    // One closing brace too many, as in a public v1 sample.
    await writeFile(path.join(root, '.ask', 'config'), '{ "deploy_settings": { "default": { "skill_id": "" } } }\n}\n');
    const p = await loadProject(root);
    expect(p.layout).toBe('ask-cli-v1');
    expect(path.relative(root, p.manifestPath!)).toBe('skill.json');
    expect(path.relative(root, p.codeDir!)).toBe('lambda/custom');
    expect(p.notes.join('\n')).toMatch(/\.ask\/config is not valid JSON at line 2, column 1[\s\S]*no skill ID or deploy settings from it/);
    await expect(readSkillIdInfo(p)).rejects.toThrow(/\.ask\/config is not valid JSON/);
  });
});

describe('walking up to the project root', () => {
  it('stops at a parent folder that belongs to another user, and says so', async () => {
    const parent = await mkdtemp(path.join(os.tmpdir(), 'al-walk-'));
    temps.push(parent);
    await cp(path.join(FIXTURES, 'v2-console'), parent, { recursive: true });
    const child = path.join(parent, 'mine');
    await mkdir(child);
    // Planted by someone else: the folder with ask-resources.json is not ours.
    const other = { uid: (process.getuid?.() ?? 0) + 4242 };
    await expect(loadProject(child, 'default', { owner: other })).rejects.toThrow(/No skill project in .*mine.*Stopped looking at .*al-walk-.*: it belongs to another user \(uid \d+\)/s);
    // The same tree owned by us is found.
    expect((await loadProject(child)).root).toBe(parent);
    if (process.getuid?.() === 0) {
      // As root: a folder owned by another uid stops the walk for real.
      await chown(parent, 4242, 4242);
      await expect(loadProject(child)).rejects.toThrow(/Stopped looking at .*: it belongs to another user \(uid 4242\)/s);
      await writeFile(path.join(child, 'index.js'), 'exports.handler = async () => ({});');
      const plain = await loadProject(child);
      expect(plain.layout).toBe('plain');
      expect(plain.walkStoppedAt).toBe(parent);
    }
  });
});

describe('a project found above whose files belong to another user (issue 15)', () => {
  // Needs root to give files away (CI runs the suite as root, as the walk-up test above does).
  it.runIf(process.getuid?.() === 0)('is not used when found by walking up, even in a folder of ours; the folder named is used, saying whose it is', async () => {
    // A root-owned folder everyone may write in (like /tmp/x), a project planted in it by uid 4242.
    const shared = await mkdtemp(path.join(os.tmpdir(), 'al-plant-'));
    temps.push(shared);
    await cp(path.join(FIXTURES, 'v2-console'), shared, { recursive: true });
    await chmod(shared, 0o1777);
    const child = path.join(shared, 'mine');
    await mkdir(child);
    await chown(path.join(shared, 'ask-resources.json'), 4242, 4242);
    await expect(loadProject(child)).rejects.toThrow(/Did not use the ASK CLI v2 project at .*al-plant-\w+: ask-resources\.json belongs to another user \(uid 4242\), and its code would run as you/s);
    // The code folder alone is enough.
    await chown(path.join(shared, 'ask-resources.json'), 0, 0);
    await chown(path.join(shared, 'lambda'), 4242, 4242);
    await expect(loadProject(child)).rejects.toThrow(/Did not use .*: lambda belongs to another user \(uid 4242\)/s);
    // A plain folder of code where the user is, with where the walk stopped.
    await writeFile(path.join(child, 'index.js'), 'exports.handler = async () => ({});');
    const plain = await loadProject(child);
    expect(plain.layout).toBe('plain');
    expect(plain.walkStoppedAt).toBe(path.join(shared, 'lambda'));
    // Named explicitly (--cwd): used, and the note says whose the code is.
    const named = await loadProject(shared);
    expect(named.root).toBe(shared);
    expect(named.notes.join('\n')).toMatch(/lambda belongs to another user \(uid 4242\): its code runs as you/);
    // Ours again: found from below.
    await chown(path.join(shared, 'lambda'), 0, 0);
    expect((await loadProject(child)).root).toBe(shared);
  });
});

describe('layout parsers (pure)', () => {
  it('reads CloudFormation short-form tags without breaking, and picks the AlexaSkill function', async () => {
    const doc = await parseYamlText('Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      CodeUri: !Sub "${X}/src"\n      Handler: index.handler\n      Role: !GetAtt R.Arn\n      Events:\n        A:\n          Type: AlexaSkill\n          Properties:\n            SkillId: !Ref SkillIdParam\n', 't.yaml');
    const t = parseSamTemplate(doc, 't.yaml');
    expect(t.functions).toEqual([{ name: 'F', handler: 'index.handler', alexa: true }]);
    await expect(parseYamlText('a: [1, 2', 'bad.yaml')).rejects.toThrow(/bad\.yaml is not valid YAML at line \d/);
    expect(() => parseSamTemplate({ Resources: 3 }, 't.yaml')).toThrow(/"Resources" is missing or not a mapping/);
  });
  it('reads SkillId: !Ref <Parameter> from the parameter\'s Default (a literal skill ID only)', async () => {
    const yaml = (def: string) =>
      `Parameters:\n  SkillIdParam:\n    Type: String\n    Default: ${def}\nResources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: index.handler\n      Events:\n        A:\n          Type: AlexaSkill\n          Properties:\n            SkillId: !Ref SkillIdParam\n`;
    const t = parseSamTemplate(await parseYamlText(yaml('amzn1.ask.skill.66666666-aaaa-bbbb-cccc-000000000006'), 't.yaml'), 't.yaml');
    expect(t.functions[0]).toMatchObject({ skillId: 'amzn1.ask.skill.66666666-aaaa-bbbb-cccc-000000000006', skillIdParam: 'SkillIdParam' });
    expect(parseSamTemplate(await parseYamlText(yaml('"${Other}"'), 't.yaml'), 't.yaml').functions[0]!.skillId).toBeUndefined();
  });
  it('reads Serverless functions, leaving values made of variables alone', () => {
    const c = parseServerlessConfig({ provider: { runtime: 'nodejs20.x', region: '${opt:region}' }, functions: { a: { handler: 'h.main', events: [{ alexaSkill: 'amzn1.ask.skill.1' }] } } }, 's.yml');
    expect(c).toEqual({ functions: [{ name: 'a', handler: 'h.main', runtime: 'nodejs20.x', alexa: true, skillId: 'amzn1.ask.skill.1' }] });
  });
  it('rejects a malformed v1 skill_id, naming the file and field', () => {
    expect(() => parseV1Config({ deploy_settings: { default: { skill_id: 42 } } }, '.ask/config', 'default')).toThrow(/\.ask\/config: deploy_settings\.default\.skill_id must be a skill ID/);
    expect(parseV1Config({ deploy_settings: {} }, '.ask/config', 'default')).toEqual({ skillId: undefined, lambda: [], hosted: false });
  });
});
