import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { parseJsonText, readJsonFile } from '../../src/project/json-file.js';
import { loadProject, parseManifest, readLinkingFile, readSkillId } from '../../src/project/skill-project.js';

async function project(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'al-proj-'));
  for (const [name, body] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), body);
  }
  return dir;
}

const resources = JSON.stringify({
  askcliResourcesVersion: '2020-03-31',
  profiles: { default: { skillMetadata: { src: './skill-package' }, code: { default: { src: './lambda' } } } },
});

describe('JSON files', () => {
  it('names the file, line and column of a syntax error', () => {
    expect(() => parseJsonText('{\n  "a": 1,\n  "b": }\n', 'ask-resources.json')).toThrow(/ask-resources\.json is not valid JSON at line 3, column \d+/);
    expect(() => parseJsonText('{"a": 1', 'x.json')).toThrow(/x\.json is not valid JSON/);
    expect(() => parseJsonText('', 'x.json')).toThrow(/x\.json is empty/);
  });
  it('rejects binary and missing files with an input error', async () => {
    const dir = await project({ 'bin.json': '\u0000\u0001' });
    await expect(readJsonFile(path.join(dir, 'bin.json'), 'bin.json')).rejects.toThrow(/binary/);
    await expect(readJsonFile(path.join(dir, 'nope.json'), 'nope.json')).rejects.toBeInstanceOf(InputError);
  });
});

describe('skill project', () => {
  it('finds the project from a sub-directory and reads its parts', async () => {
    const dir = await project({
      'ask-resources.json': resources,
      '.ask/ask-states.json': JSON.stringify({ askcliStatesVersion: '2020-03-31', profiles: { default: { skillId: 'amzn1.ask.skill.123' } } }),
      'skill-package/skill.json': JSON.stringify({
        manifest: {
          publishingInformation: { locales: { 'en-US': { name: 'x' } } },
          apis: { custom: { endpoint: { uri: 'arn:aws:lambda:us-east-1:1:function:x' }, regions: { EU: { endpoint: { uri: 'https://eu.example.com/' } } } } },
        },
      }),
      'accountLinking.json': JSON.stringify({ accountLinkingRequest: { type: 'AUTH_CODE' } }),
      'lambda/index.js': '',
    });
    const p = await loadProject(path.join(dir, 'lambda'));
    expect(p.root).toBe(dir);
    expect(p.codeDir).toBe(path.join(dir, 'lambda'));
    expect(await readSkillId(p)).toBe('amzn1.ask.skill.123');
    expect(await readLinkingFile(p.linkingPath)).toEqual({ type: 'AUTH_CODE' });
  });
  it('explains a missing project, profile or field', async () => {
    const empty = await project({});
    await expect(loadProject(empty)).rejects.toThrow(/No skill project in .* no ask-resources\.json \(ASK CLI v2\), \.ask\/config or skill\.json \(ASK CLI v1\), template\.yaml \(AWS SAM\) or serverless\.yml/);
    const dir = await project({ 'ask-resources.json': resources });
    await expect(loadProject(dir, 'ci')).rejects.toThrow(/no profile "ci" \(profiles: default\)/);
    const noSrc = await project({ 'ask-resources.json': JSON.stringify({ profiles: { default: {} } }) });
    await expect(loadProject(noSrc)).rejects.toThrow(/skillMetadata\.src is missing/);
  });
  it('reads default and regional endpoints from the manifest', () => {
    const info = parseManifest(
      { manifest: { apis: { custom: { endpoint: { uri: 'https://a.example.com', sslCertificateType: 'Trusted' }, regions: { FE: { endpoint: { uri: 'https://fe.example.com' } } } } } } },
      'skill.json',
    );
    expect(info.endpoints.map((e) => [e.region, e.uri])).toEqual([
      ['default', 'https://a.example.com'],
      ['FE', 'https://fe.example.com'],
    ]);
    expect(() => parseManifest({ manifest: { apis: { custom: { endpoint: { url: 'x' } } } } }, 'skill.json')).toThrow(/endpoint\.uri must be a string/);
  });
  it('reads the skill types (every apis key) and the smart home and video endpoints with their type', () => {
    const arn = 'arn:aws:lambda:us-east-1:210987654321:function:home';
    const info = parseManifest(
      {
        manifest: {
          apis: {
            smartHome: { endpoint: { uri: arn }, regions: { EU: { endpoint: { uri: arn.replace('us-east-1', 'eu-west-1') } } }, protocolVersion: '3' },
            custom: { endpoint: { uri: 'https://a.example.com', sslCertificateType: 'Trusted' } },
            video: { endpoint: { uri: arn } },
            householdList: {},
          },
        },
      },
      'skill.json',
    );
    expect(info.skillTypes).toEqual(['smartHome', 'custom', 'video', 'householdList']);
    expect(info.endpoints.map((e) => `${e.api} ${e.region} ${e.field}`)).toEqual([
      'custom default manifest.apis.custom.endpoint',
      'smartHome default manifest.apis.smartHome.endpoint',
      'smartHome EU manifest.apis.smartHome.regions.EU.endpoint',
      'video default manifest.apis.video.endpoint',
    ]);
    // Amazon's smart home sample names its code folder instead of an endpoint before the first deploy.
    expect(parseManifest({ manifest: { apis: { smartHome: { endpoint: { sourceDir: 'lambda/smarthome' } } } } }, 'skill.json').endpoints).toEqual([]);
    expect(() => parseManifest({ manifest: { apis: { smartHome: { endpoint: { url: 'x' } } } } }, 'skill.json')).toThrow(/manifest\.apis\.smartHome\.endpoint\.uri must be a string \(a Lambda ARN\)/);
    expect(() => parseManifest({ manifest: { apis: ['custom'] } }, 'skill.json')).toThrow(/manifest\.apis must be an object/);
    expect(parseManifest({ manifest: {} }, 'skill.json').skillTypes).toEqual([]);
  });
  it('rejects a malformed skill ID in ask-states.json', async () => {
    const dir = await project({ 'ask-resources.json': resources, '.ask/ask-states.json': JSON.stringify({ profiles: { default: { skillId: 42 } } }) });
    await expect(readSkillId(await loadProject(dir))).rejects.toThrow(/skillId must be a skill ID/);
  });
});
