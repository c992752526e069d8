import { cp, mkdir, mkdtemp, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { DoctorJson } from '../../src/doctor/report.js';
import { runCli } from '../support/cli.js';
import { startSmapiStandin, type SmapiStandin } from '../support/smapi-standin.js';

/**
 * doctor through the built CLI on each project layout alexa-link recognises (fixtures in
 * test/fixtures/projects/): it names the layout and where it found each part, replays the code
 * the layout names, and exits 0 when the skill is fine.
 */
const FIXTURES = fileURLToPath(new URL('../fixtures/projects/', import.meta.url));
const temps: string[] = [];
let standin: SmapiStandin | undefined;
afterEach(async () => {
  if (standin) expect(standin.violations()).toEqual([]);
  await standin?.close();
  standin = undefined;
});
afterAll(async () => {
  for (const t of temps) await rm(t, { recursive: true, force: true });
});

async function copyFixture(name: string): Promise<string> {
  const parent = await mkdtemp(path.join(os.tmpdir(), 'al-e2e-layout-'));
  temps.push(parent);
  const dir = path.join(parent, name);
  await cp(path.join(FIXTURES, name), dir, { recursive: true });
  return dir;
}

const ENV = { HOME: '/nonexistent-home', ASK_ACCESS_TOKEN: '', ASK_REFRESH_TOKEN: '', ASK_VENDOR_ID: '', ASK_DEFAULT_PROFILE: '' };

function check(doc: DoctorJson, id: string) {
  return doc.checks.find((c) => c.id === id)!;
}

describe('doctor on each project layout (built CLI, --offline)', () => {
  it.each<[string, RegExp[], 'pass' | 'warn']>([
    [
      'v1',
      [/^ASK CLI v1 project \(profile default\): found \.ask\/config, skill\.json, accountLinking\.json, models\/en-US\.json\./, /code: lambda\/custom\/ \(\.ask\/config deploy_settings\.default\.resources\.lambda codeUri\), handler index\.handler/, /skill ID: amzn1\.ask\.skill\.11111111-aaaa-bbbb-cccc-000000000001/],
      'pass',
    ],
    [
      'hosted',
      [/^Alexa-hosted skill \(ASK CLI v2\) \(profile default\): found ask-resources\.json, skill-package\/skill\.json, accountLinking\.json/, /code: lambda\/ \(the Alexa-hosted template\)/, /git push deploys it/],
      'pass',
    ],
    [
      'sam',
      [/^AWS SAM project \(profile default\): found template\.yaml, skill-package\/skill\.json/, /code: src\/ \(template\.yaml Resources\.SkillFunction\.Properties\.CodeUri\), handler app\.lambdaHandler .*nodejs20\.x, 256 MB/, /skill ID: amzn1\.ask\.skill\.33333333/],
      'pass',
    ],
    [
      'serverless',
      [/^Serverless Framework project \(profile default\): found serverless\.yml, skill-package\/skill\.json/, /handler src\/handler\.skill \(serverless\.yml functions\.skill\); nodejs20\.x, eu-west-1, 512 MB/, /skill ID: amzn1\.ask\.skill\.44444444/],
      'pass',
    ],
    ['plain', [/^plain folder of skill code: found no project files\./, /manifest: none in this plain folder of skill code/, /code: \.\/ \(package\.json "main"\)/], 'pass'],
    // The developer console's code export: lambda/ beside interactionModels/custom/, no manifest.
    ['console-export', [/^plain folder of skill code: found interactionModels\/custom\/en-US\.json\./, /code: lambda\/ \(package\.json "main"\)/, /interaction models: interactionModels\/custom\/en-US\.json/], 'pass'],
  ])('%s: names the layout and its parts, replays its code, exits 0', async (name, details, projectStatus) => {
    const dir = await copyFixture(name);
    const r = await runCli(['--json', 'doctor', '--offline'], { cwd: dir, env: ENV });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const doc = JSON.parse(r.stdout) as DoctorJson;
    const pf = check(doc, 'project-files');
    expect(pf.status, pf.detail).toBe(projectStatus);
    for (const d of details) expect(pf.detail).toMatch(new RegExp(d.source, 'm'));
    expect(check(doc, 'replays').status).toBe('pass');
    // The built-in LaunchRequest, and an IntentRequest from the model where the layout has one.
    expect(doc.replays.map((x) => x.verdict)).toEqual(name === 'plain' ? ['pass'] : ['pass', 'pass']);
    expect(doc.replays[0]!.response.linkAccountCard).toBe(true);
    if (name !== 'plain') expect(check(doc, 'linking-config').status).not.toBe('fail');
    else expect(check(doc, 'linking-config').status).toBe('skip');
  });

  it('a folder that is no project, with --handler: the replays decide, project-files only warns (exit 0)', async () => {
    const empty = await mkdtemp(path.join(os.tmpdir(), 'al-e2e-empty-'));
    temps.push(empty);
    const plain = await copyFixture('plain');
    const r = await runCli(['--json', 'doctor', '--offline', '--handler', path.join(plain, 'skill.js')], { cwd: empty, env: ENV });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const doc = JSON.parse(r.stdout) as DoctorJson;
    expect(check(doc, 'project-files')).toMatchObject({ status: 'warn', detail: expect.stringMatching(/No skill project in [\s\S]*could not be checked; the replays use what was named on the command line/) });
    expect(check(doc, 'replays').status).toBe('pass');
    // Without anything to replay there is nothing to check at all: a usage error in a few lines (exit 2).
    const bare = await runCli(['--json', 'doctor', '--offline'], { cwd: empty, env: ENV });
    expect(bare.code).toBe(2);
    expect(JSON.parse(bare.stdout)).toMatchObject({ ok: false, error: { code: 'E_NO_PROJECT', message: expect.stringMatching(/^No skill project/) } });
  });
});

describe('doctor --vendor-id', () => {
  it('is checked like configure\'s (exit 2 naming the flag)', async () => {
    const dir = await copyFixture('v2-console');
    const r = await runCli(['doctor', '--offline', '--vendor-id', 'not a vendor'], { cwd: dir, env: ENV });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--vendor-id: "not a vendor" is not an Amazon vendor ID/);
  });
});

describe('an ASK CLI v1 project whose skill.json names the function (endpoint.uri "ask-custom-<name>-default")', () => {
  it('judges the ARN ask deploy recorded in .ask/config; without one: not deployed yet (warn), exit 0', async () => {
    const dir = await copyFixture('v1-deployed');
    const r = await runCli(['--json', 'doctor', '--offline'], { cwd: dir, env: ENV });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const doc = JSON.parse(r.stdout) as DoctorJson;
    expect(check(doc, 'manifest-endpoint')).toMatchObject({
      status: 'pass',
      detail: expect.stringMatching(/Lambda ask-custom-fixture-default in us-east-1 \(manifest\.apis\.custom\.endpoint\.uri names function ask-custom-fixture-default; its ARN arn:aws:lambda:us-east-1:210987654321:function:ask-custom-fixture-default is from \.ask\/config deploy_settings\.default\.resources\.lambda/),
    });
    expect(check(doc, 'replays').status).toBe('pass');

    // Before the first ask deploy: no ARN in .ask/config yet.
    const cfgPath = path.join(dir, '.ask', 'config');
    const cfg = JSON.parse(await readFile(cfgPath, 'utf8')) as { deploy_settings: { default: { resources: { lambda: Array<Record<string, unknown>> } } } };
    for (const l of cfg.deploy_settings.default.resources.lambda) {
      delete l.arn;
      delete l.functionName;
    }
    await writeFile(cfgPath, JSON.stringify(cfg));
    const fresh = await runCli(['--json', 'doctor', '--offline', '--only', 'manifest-endpoint'], { cwd: dir, env: ENV });
    expect(fresh.code, fresh.stderr + fresh.stdout).toBe(0);
    expect(check(JSON.parse(fresh.stdout) as DoctorJson, 'manifest-endpoint')).toMatchObject({
      status: 'warn',
      detail: expect.stringMatching(/uri "ask-custom-fixture-default" names a Lambda function that is not deployed yet: ask deploy \(ASK CLI v1\) creates function ask-custom-fixture-default/),
      fix: expect.stringMatching(/Run ask deploy \(ASK CLI v1\)/),
    });
  });
});

describe('SAM and Serverless projects with skill.json and models/ at the root (the ASK CLI v1 shape)', () => {
  /** The fixture with its skill package moved to the root as skill.json + models/, as many SAM/Serverless repositories keep it. */
  async function rootPackage(name: string): Promise<string> {
    const dir = await copyFixture(name);
    await rename(path.join(dir, 'skill-package', 'skill.json'), path.join(dir, 'skill.json'));
    await mkdir(path.join(dir, 'models'));
    await rename(path.join(dir, 'skill-package', 'interactionModels', 'custom', 'en-US.json'), path.join(dir, 'models', 'en-US.json'));
    await rm(path.join(dir, 'skill-package'), { recursive: true });
    return dir;
  }

  it.each<[string, RegExp]>([
    ['sam', /^AWS SAM project \(profile default\): found template\.yaml, skill\.json, accountLinking\.json, models\/en-US\.json\.[\s\S]*code: src\/ \(template\.yaml/],
    ['serverless', /^Serverless Framework project \(profile default\): found serverless\.yml, skill\.json, accountLinking\.json, models\/en-US\.json\.[\s\S]*handler src\/handler\.skill/],
  ])('%s: found as that layout (not ASK CLI v1), its code replayed, exit 0', async (name, detail) => {
    const dir = await rootPackage(name);
    const r = await runCli(['--json', 'doctor', '--offline'], { cwd: dir, env: ENV });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const doc = JSON.parse(r.stdout) as DoctorJson;
    expect(check(doc, 'project-files').detail).toMatch(detail);
    expect(check(doc, 'replays').status).toBe('pass');
    expect(doc.replays.map((x) => x.verdict)).toEqual(['pass', 'pass']);
  });

  it('a real .ask/config still makes it ASK CLI v1', async () => {
    const dir = await rootPackage('sam');
    await cp(path.join(FIXTURES, 'v1', '.ask'), path.join(dir, '.ask'), { recursive: true });
    const r = await runCli(['--json', 'doctor', '--offline', '--only', 'project-files'], { cwd: dir, env: ENV });
    expect(check(JSON.parse(r.stdout) as DoctorJson, 'project-files').detail).toMatch(/^ASK CLI v1 project/);
  });

  it('SAM: SkillId: !Ref SkillIdParam reads the parameter\'s Default', async () => {
    const dir = await rootPackage('sam');
    const file = path.join(dir, 'template.yaml');
    const text = (await readFile(file, 'utf8'))
      .replace('Parameters:\n', 'Parameters:\n  SkillIdParam:\n    Type: String\n    Default: amzn1.ask.skill.66666666-aaaa-bbbb-cccc-000000000006\n')
      .replace('SkillId: amzn1.ask.skill.33333333-aaaa-bbbb-cccc-000000000003', 'SkillId: !Ref SkillIdParam');
    await writeFile(file, text);
    const r = await runCli(['--json', 'doctor', '--offline', '--only', 'project-files'], { cwd: dir, env: ENV });
    expect(check(JSON.parse(r.stdout) as DoctorJson, 'project-files').detail).toMatch(/skill ID: amzn1\.ask\.skill\.66666666-aaaa-bbbb-cccc-000000000006$/m);
  });
});

describe('when the code cannot be replayed, the replays check names the layout\'s own place', () => {
  it('a SAM template without a function: no word of ask-resources.json', async () => {
    const dir = await copyFixture('sam');
    const file = path.join(dir, 'template.yaml');
    const text = await readFile(file, 'utf8');
    // Only the role and the table are left.
    await writeFile(file, text.replace(/ {2}SkillFunction:[\s\S]*?(?= {2}SkillRole:)/, ''));
    const r = await runCli(['--json', 'doctor', '--offline', '--only', 'replays'], { cwd: dir, env: ENV });
    const replays = check(JSON.parse(r.stdout) as DoctorJson, 'replays');
    expect(replays.status).toBe('skip');
    expect(replays.detail).toMatch(/template\.yaml has no AWS::Serverless::Function to take the code folder from/);
    expect(replays.detail).not.toMatch(/ask-resources\.json/);
  });

  it('an Alexa-hosted Python skill (lambda/lambda_function.py): its handler, and why it is not replayed', async () => {
    const dir = await copyFixture('hosted');
    await rm(path.join(dir, 'lambda', 'index.js'));
    await rm(path.join(dir, 'lambda', 'package.json'));
    await writeFile(path.join(dir, 'lambda', 'lambda_function.py'), 'from ask_sdk_core.skill_builder import SkillBuilder\nsb = SkillBuilder()\nlambda_handler = sb.lambda_handler()\n');
    const r = await runCli(['--json', 'doctor', '--offline', '--only', 'project-files', 'replays'], { cwd: dir, env: ENV });
    const doc = JSON.parse(r.stdout) as DoctorJson;
    expect(check(doc, 'project-files').detail).toMatch(/handler lambda_function\.lambda_handler \(the Alexa-hosted Python template/);
    const replays = check(doc, 'replays');
    expect(replays.detail).toMatch(/this is a Python skill \(lambda\/lambda_function\.py\); alexa-link replays only Node\.js handlers/);
    expect(replays.fix).toMatch(/--endpoint http:\/\/127\.0\.0\.1:<port>/);
    expect(replays.detail + (replays.fix ?? '')).not.toMatch(/ask-resources\.json/);
  });
});

describe('a v2 project whose linking lives in the console (no accountLinking.json)', () => {
  const SKILL = 'amzn1.ask.skill.55555555-aaaa-bbbb-cccc-000000000005';
  const TOKEN = 'Atza|layouts-e2e-access-token-000000';

  it('reads the remote configuration through SMAPI for the checks, and says how to keep it in the project', async () => {
    standin = await startSmapiStandin({ accessTokens: [TOKEN], skills: [{ skillId: SKILL }] });
    standin.setLinking(SKILL, 'development', {
      type: 'AUTH_CODE',
      authorizationUrl: 'https://auth.example.com/authorize',
      accessTokenUrl: 'https://auth.example.com/oauth/token',
      clientId: 'console-client',
      scopes: ['openid', 'offline_access'],
      accessTokenScheme: 'HTTP_BASIC',
      domains: [],
      defaultTokenExpirationInSeconds: 3600,
    });
    const dir = await copyFixture('v2-console');
    const r = await runCli(['--json', 'doctor', '--only', 'project-files', 'linking-config', 'linking-remote-drift', 'replays'], { cwd: dir, env: { ...ENV, ASK_ACCESS_TOKEN: TOKEN, ...standin.env() } });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const doc = JSON.parse(r.stdout) as DoctorJson;
    expect(check(doc, 'project-files')).toMatchObject({
      status: 'warn',
      detail: expect.stringMatching(/linking configuration: none in the project; read from the development stage through SMAPI[\s\S]*Account linking is configured in the console/),
      fix: expect.stringContaining('alexa-link configure --pull keeps it in the project'),
    });
    expect(check(doc, 'linking-config')).toMatchObject({ status: 'pass', detail: expect.stringMatching(/the development configuration read through SMAPI/) });
    expect(check(doc, 'linking-remote-drift').status).toBe('skip');
    expect(standin.requests('getAccountLinkingInfoV1')).toHaveLength(1);
  });

  it('offline, or without credentials: project-files warns with the way to get the file, and doctor does not fail on it', async () => {
    const dir = await copyFixture('v2-console');
    const r = await runCli(['--json', 'doctor', '--offline'], { cwd: dir, env: ENV });
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const pf = check(JSON.parse(r.stdout) as DoctorJson, 'project-files');
    expect(pf.status).toBe('warn');
    expect(pf.detail).toMatch(/accountLinking\.json is not in the project, and --offline does not read the configuration Alexa has/);
    expect(pf.fix).toMatch(/alexa-link configure --pull keeps the console's configuration in accountLinking\.json/);
  });
});
