import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseConfigureOptions, runConfigure, type ConfigureOptions } from '../../src/commands/configure.js';
import { collectingOutput } from '../../src/ui/output.js';
import type { Prompter } from '../../src/ui/prompt.js';
import { startSmapiStandin, type SmapiStandin } from '../support/smapi-standin.js';

/**
 * runConfigure in-process with a scripted prompter (the interactive paths a spawned CLI without a
 * terminal cannot reach) and the real SMAPI client against the stand-in.
 */
const SKILL = 'amzn1.ask.skill.99999999-8888-7777-6666-555555555555';
const TOKEN = 'Atza|configure-unit-token-abcdef012345';
const SECRET = 'prompted-secret-value-0123456789';
const LINKING = {
  type: 'AUTH_CODE',
  authorizationUrl: 'https://login.example.com/oauth2/default/v1/authorize',
  accessTokenUrl: 'https://login.example.com/oauth2/default/v1/token',
  clientId: 'okta-client',
  scopes: ['openid', 'profile', 'offline_access'],
  accessTokenScheme: 'HTTP_BASIC',
};

interface Asked {
  kind: string;
  message: string;
  flag: string;
}

function scriptedPrompter(answers: { password?: string; confirm?: boolean }): { prompter: Prompter; asked: Asked[] } {
  const asked: Asked[] = [];
  const prompter: Prompter = {
    interactive: true,
    async input(q) {
      asked.push({ kind: 'input', message: q.message, flag: q.flag });
      return '';
    },
    async password(q) {
      asked.push({ kind: 'password', message: q.message, flag: q.flag });
      return answers.password ?? '';
    },
    async select(q) {
      asked.push({ kind: 'select', message: q.message, flag: q.flag });
      return q.choices[0]!.value;
    },
    async confirm(q) {
      asked.push({ kind: 'confirm', message: q.message, flag: q.flag });
      return answers.confirm ?? false;
    },
    async checkbox(q) {
      asked.push({ kind: 'checkbox', message: q.message, flag: q.flag });
      return [];
    },
  };
  return { prompter, asked };
}

describe('runConfigure (in-process, scripted prompts)', () => {
  let standin: SmapiStandin;
  let root: string;
  let home: string;

  beforeEach(async () => {
    standin = await startSmapiStandin({ accessTokens: [TOKEN], vendors: [{ id: 'M2ONE0000001' }, { id: 'M2TWO0000002' }], skills: [{ skillId: SKILL }] });
    root = await mkdtemp(path.join(os.tmpdir(), 'al-run-'));
    home = await mkdtemp(path.join(os.tmpdir(), 'al-run-home-'));
    await writeFile(path.join(root, 'ask-resources.json'), JSON.stringify({ askcliResourcesVersion: '2020-03-31', profiles: { default: { skillMetadata: { src: './skill-package' } } } }));
    await mkdir(path.join(root, '.ask'));
    await writeFile(path.join(root, '.ask', 'ask-states.json'), JSON.stringify({ profiles: { default: { skillId: SKILL } } }));
    await writeFile(path.join(root, 'accountLinking.json'), JSON.stringify({ accountLinkingRequest: LINKING }, null, 2));
  });
  afterEach(async () => {
    const v = standin.violations();
    await standin.close();
    expect(v).toEqual([]);
  });

  function options(extra: Record<string, unknown> = {}): ConfigureOptions {
    return parseConfigureOptions(extra, root);
  }
  function env(extra: Record<string, string> = {}): Record<string, string> {
    return { ASK_ACCESS_TOKEN: TOKEN, ...standin.env(), ...extra };
  }

  it('asks for the client secret (hidden, naming --client-secret-env) and for confirmation, then pushes it', async () => {
    const { prompter, asked } = scriptedPrompter({ password: SECRET, confirm: true });
    const { out, stdout, stderr } = collectingOutput({ verbose: true });
    const { exitCode, result } = await runConfigure(options(), { out, env: env(), prompter, homeDir: home });
    expect(exitCode).toBe(0);
    expect(asked.map((a) => [a.kind, a.flag])).toEqual([
      ['password', '--client-secret-env'],
      ['confirm', '--yes'],
    ]);
    expect(asked[0]!.message).toContain('okta-client');
    expect(asked[0]!.message).toContain('ALEXA_LINK_CLIENT_SECRET');
    expect(standin.linking(SKILL)!.payload.clientSecret).toBe(SECRET);
    expect(result).toMatchObject({ ok: true, pushed: true, verified: true, backup: null, vendorId: null, redirectUrls: [] });
    // Two vendors: it cannot guess which one, and says how to choose.
    expect(stderr()).toContain('has 2 vendors (M2ONE0000001, M2TWO0000002); pass --vendor-id');
    for (const text of [stdout(), stderr()]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain(TOKEN);
    }
    expect(stderr()).toContain('SMAPI → PUT');
  });

  it('answering "no" pushes nothing and exits 1', async () => {
    const { prompter } = scriptedPrompter({ password: SECRET, confirm: false });
    const { out, stderr } = collectingOutput();
    const { exitCode, result } = await runConfigure(options(), { out, env: env(), prompter, homeDir: home });
    expect(exitCode).toBe(1);
    expect(result.pushed).toBe(false);
    expect(stderr()).toContain('Cancelled; nothing was pushed.');
    expect(standin.requests('updateAccountLinkingInfoV1')).toHaveLength(0);
  });

  it('an empty answer to the secret prompt is a usage error; nothing is read from SMAPI', async () => {
    const { prompter } = scriptedPrompter({ password: '  ', confirm: true });
    const { out } = collectingOutput();
    await expect(runConfigure(options(), { out, env: env(), prompter, homeDir: home })).rejects.toMatchObject({ exitCode: 2, message: expect.stringContaining('none was entered') });
    expect(standin.requests()).toHaveLength(0);
  });

  it('reports fields that read back differently after the push (exit 1, verified false)', async () => {
    const { prompter } = scriptedPrompter({ confirm: true });
    // The first read passes through (a fault without a status); the read after the PUT returns
    // an older scope list, as if SMAPI dropped a scope.
    standin.fault('getAccountLinkingInfoV1', { delayMs: 1 });
    standin.fault('getAccountLinkingInfoV1', { status: 200, body: { ...LINKING, scopes: ['openid'] } });
    const { out, stderr } = collectingOutput({ json: true });
    const { exitCode, result } = await runConfigure(options({ vendorId: 'M2ONE0000001' }), { out, env: env({ ALEXA_LINK_CLIENT_SECRET: SECRET }), prompter, homeDir: home });
    expect(standin.requests('getAccountLinkingInfoV1').map((r) => r.status)).toEqual([404, 200]);
    expect(exitCode).toBe(1);
    expect(result).toMatchObject({ ok: false, pushed: true, verified: false, mismatches: [{ field: 'scopes', status: 'changed', local: LINKING.scopes, remote: ['openid'] }] });
    expect(stderr()).toContain('SMAPI accepted the push, but a field reads back differently');
    expect(result.redirectUrls[0]).toBe('https://pitangui.amazon.com/api/skill/link/M2ONE0000001');
  });

  it('warnings from the local rules are shown and carried into the result; IMPLICIT sends no secret', async () => {
    await writeFile(
      path.join(root, 'accountLinking.json'),
      JSON.stringify({ accountLinkingRequest: { type: 'IMPLICIT', authorizationUrl: 'https://login.example.com/authorize', clientId: 'implicit-client' } }),
    );
    const { prompter, asked } = scriptedPrompter({ confirm: true });
    const { out, stderr } = collectingOutput();
    const { exitCode, result } = await runConfigure(options({ yes: true }), { out, env: env({ ALEXA_LINK_CLIENT_SECRET: SECRET }), prompter, homeDir: home });
    expect(exitCode).toBe(0);
    expect(asked).toEqual([]);
    expect(stderr()).toContain('only AUTH_CODE sends a client secret, so it is not sent');
    expect(result.warnings.map((w) => w.rule)).toContain('implicit-no-refresh');
    expect(standin.linking(SKILL)!.payload).toEqual({ type: 'IMPLICIT', authorizationUrl: 'https://login.example.com/authorize', clientId: 'implicit-client' });
    expect(result.diff.some((f) => f.field === 'clientSecret')).toBe(false);
  });

  it.each([
    [{ stage: 'Development' }, /--stage must be one of development, certified, live/],
    [{ timeout: 'soon' }, /--timeout: "soon" is not a duration/],
    [{ vendorId: 'not a vendor' }, /--vendor-id: "not a vendor" is not an Amazon vendor ID/],
    [{ profile: ' ' }, /--profile needs a profile name/],
  ])('parseConfigureOptions(%j) is a usage error', (flags, message) => {
    expect(() => parseConfigureOptions(flags, root)).toThrow(message);
  });
});
