import { chmod, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import {
  CredentialsError,
  DEFAULT_LWA_TOKEN_HOST,
  DEFAULT_SMAPI_ENDPOINT,
  loadCredentials,
  resolveCredentials,
  resolveProfile,
  type CliConfigFile,
  type SmapiCredentials,
} from '../../src/smapi/credentials.js';

const NOW = new Date('2030-06-01T12:00:00.000Z');
const inOneHour = '2030-06-01T13:00:00.000Z';
const tenSecondsAgo = '2030-06-01T11:59:50.000Z';
const inThirtySeconds = '2030-06-01T12:00:30.000Z';

function cliConfig(profiles: Record<string, unknown>, mode = 0o600): CliConfigFile {
  return { path: '/home/dev/.ask/cli_config', text: JSON.stringify({ profiles }, null, 2), mode };
}

function profile(accessToken: string, expiresAt: string, vendorId = 'M1CLICONFIG') {
  return { aws_profile: 'default', token: { access_token: accessToken, refresh_token: 'Atzr|cli-refresh', token_type: 'bearer', expires_in: 3600, expires_at: expiresAt }, vendor_id: vendorId };
}

const OWN_CLIENT = { ASK_LWA_CLIENT_ID: 'amzn1.application-oa2-client.own', ASK_LWA_CLIENT_CONFIRMATION: 'own-client-secret' };

type Expect =
  | { kind: 'access-token'; token: string; source: SmapiCredentials['source']; vendor?: string | undefined; warning?: RegExp }
  | { kind: 'refresh-token'; refresh: string; clientId: string; source: SmapiCredentials['source']; vendor?: string | undefined }
  | { error: RegExp[] };

const cases: Array<{ name: string; env: Record<string, string>; file?: CliConfigFile; flag?: string; expect: Expect }> = [
  {
    name: 'environment only: ASK_ACCESS_TOKEN',
    env: { ASK_ACCESS_TOKEN: 'Atza|env-access', ASK_VENDOR_ID: 'M1ENVVENDOR' },
    expect: { kind: 'access-token', token: 'Atza|env-access', source: 'environment', vendor: 'M1ENVVENDOR' },
  },
  {
    name: 'environment only: ASK_REFRESH_TOKEN with the own LWA client',
    env: { ASK_REFRESH_TOKEN: 'Atzr|env-refresh', ...OWN_CLIENT },
    expect: { kind: 'refresh-token', refresh: 'Atzr|env-refresh', clientId: OWN_CLIENT.ASK_LWA_CLIENT_ID, source: 'environment' },
  },
  {
    name: 'environment wins over a valid cli_config',
    env: { ASK_ACCESS_TOKEN: 'Atza|env-access' },
    file: cliConfig({ default: profile('Atza|cli-access', inOneHour) }),
    expect: { kind: 'access-token', token: 'Atza|env-access', source: 'environment', vendor: undefined },
  },
  {
    name: 'ASK_REFRESH_TOKEN without a client falls back to ASK_ACCESS_TOKEN with a warning',
    env: { ASK_REFRESH_TOKEN: 'Atzr|env-refresh', ASK_ACCESS_TOKEN: 'Atza|env-access' },
    expect: { kind: 'access-token', token: 'Atza|env-access', source: 'environment', warning: /only be used with the Login with Amazon client that minted it/ },
  },
  {
    name: 'cli_config only: unexpired access token of the default profile',
    env: {},
    file: cliConfig({ default: profile('Atza|cli-access', inOneHour) }),
    expect: { kind: 'access-token', token: 'Atza|cli-access', source: 'cli_config', vendor: 'M1CLICONFIG' },
  },
  {
    name: 'cli_config: ASK_VENDOR_ID overrides vendor_id',
    env: { ASK_VENDOR_ID: 'M1ENVVENDOR' },
    file: cliConfig({ default: profile('Atza|cli-access', inOneHour) }),
    expect: { kind: 'access-token', token: 'Atza|cli-access', source: 'cli_config', vendor: 'M1ENVVENDOR' },
  },
  {
    name: 'cli_config: --profile picks the profile',
    env: { ASK_DEFAULT_PROFILE: 'other' },
    flag: 'work',
    file: cliConfig({ default: profile('Atza|default', inOneHour), other: profile('Atza|other', inOneHour), work: profile('Atza|work', inOneHour, 'M1WORK') }),
    expect: { kind: 'access-token', token: 'Atza|work', source: 'cli_config', vendor: 'M1WORK' },
  },
  {
    name: 'cli_config: ASK_DEFAULT_PROFILE picks the profile without --profile',
    env: { ASK_DEFAULT_PROFILE: 'other' },
    file: cliConfig({ default: profile('Atza|default', inOneHour), other: profile('Atza|other', inOneHour, 'M1OTHER') }),
    expect: { kind: 'access-token', token: 'Atza|other', source: 'cli_config', vendor: 'M1OTHER' },
  },
  {
    name: 'expired access token with the own LWA client: refresh token of the profile with that client',
    env: { ...OWN_CLIENT },
    file: cliConfig({ default: profile('Atza|cli-access', tenSecondsAgo) }),
    expect: { kind: 'refresh-token', refresh: 'Atzr|cli-refresh', clientId: OWN_CLIENT.ASK_LWA_CLIENT_ID, source: 'cli_config', vendor: 'M1CLICONFIG' },
  },
  {
    name: 'expired access token without an own client: explains refresh-token binding and both fixes',
    env: {},
    file: cliConfig({ default: profile('Atza|cli-access', tenSecondsAgo) }),
    expect: { error: [/expired at 2030-06-01T11:59:50.000Z/, /refresh tokens only work with that client/, /ask smapi get-vendor-list/, /ASK_REFRESH_TOKEN together with ASK_LWA_CLIENT_ID/] },
  },
  {
    name: 'an access token expiring within the skew margin counts as expired',
    env: {},
    file: cliConfig({ default: profile('Atza|cli-access', inThirtySeconds) }),
    expect: { error: [/expired at 2030-06-01T12:00:30.000Z/] },
  },
  {
    name: 'nothing at all: both ways to fix it',
    env: {},
    expect: { error: [/No usable SMAPI credentials/, /no ~\/\.ask\/cli_config/i, /ask configure/, /ASK_ACCESS_TOKEN/, /ASK_LWA_CLIENT_CONFIRMATION/] },
  },
  {
    name: 'ASK_REFRESH_TOKEN alone and no cli_config: says why it was not used',
    env: { ASK_REFRESH_TOKEN: 'Atzr|env-refresh' },
    expect: { error: [/ASK_REFRESH_TOKEN is set but ASK_LWA_CLIENT_ID and ASK_LWA_CLIENT_CONFIRMATION are not/] },
  },
  {
    name: 'a profile that is not in cli_config: lists the profiles',
    env: {},
    flag: 'missing',
    file: cliConfig({ default: profile('Atza|cli-access', inOneHour), work: profile('Atza|w', inOneHour) }),
    expect: { error: [/no profile "missing" \(profiles: default, work\)/, /--profile default/] },
  },
  {
    name: 'a profile without a token',
    env: {},
    file: cliConfig({ default: { aws_profile: 'default', vendor_id: 'M1X' } }),
    expect: { error: [/holds no token/] },
  },
];

describe('resolveCredentials', () => {
  it.each(cases)('$name', ({ env, file, flag, expect: want }) => {
    const run = () => resolveCredentials({ env, profile: flag, cliConfig: file, now: NOW });
    if ('error' in want) {
      let err: unknown;
      try {
        run();
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CredentialsError);
      const text = `${(err as CredentialsError).message}\n${(err as CredentialsError).hint}`;
      for (const re of want.error) expect(text).toMatch(re);
      expect((err as CredentialsError).exitCode).toBe(1);
      return;
    }
    const c = run();
    expect(c.source).toBe(want.source);
    expect(c.auth.kind).toBe(want.kind);
    if (want.kind === 'access-token' && c.auth.kind === 'access-token') {
      expect(c.auth.accessToken).toBe(want.token);
      expect(c.secrets).toContain(want.token);
      if (want.warning) expect(c.warnings.join('\n')).toMatch(want.warning);
      else expect(c.warnings).toEqual([]);
    }
    if (want.kind === 'refresh-token' && c.auth.kind === 'refresh-token') {
      expect(c.auth.refreshToken).toBe(want.refresh);
      expect(c.auth.clientId).toBe(want.clientId);
      expect(c.auth.clientSecret).toBe(OWN_CLIENT.ASK_LWA_CLIENT_CONFIRMATION);
      expect(c.secrets).toEqual(expect.arrayContaining([want.refresh, OWN_CLIENT.ASK_LWA_CLIENT_CONFIRMATION]));
    }
    if ('vendor' in want) expect(c.vendorId).toBe(want.vendor);
    expect(c.endpoints).toEqual({ api: DEFAULT_SMAPI_ENDPOINT, lwa: DEFAULT_LWA_TOKEN_HOST });
    // The description names the source, never a secret.
    for (const s of c.secrets) expect(c.description).not.toContain(s);
  });

  it('honours ASK_SMAPI_SERVER_BASE_URL and ASK_LWA_TOKEN_HOST (trailing slash dropped)', () => {
    const c = resolveCredentials({ env: { ASK_ACCESS_TOKEN: 'Atza|x1', ASK_SMAPI_SERVER_BASE_URL: 'http://127.0.0.1:9/', ASK_LWA_TOKEN_HOST: 'https://lwa.example.test' }, now: NOW });
    expect(c.endpoints).toEqual({ api: 'http://127.0.0.1:9', lwa: 'https://lwa.example.test' });
  });

  it.each([
    ['ASK_SMAPI_SERVER_BASE_URL', 'not a url'],
    ['ASK_LWA_TOKEN_HOST', 'ftp://lwa.example.test'],
  ])('%s=%s is an input error naming the variable', (name, value) => {
    expect(() => resolveCredentials({ env: { ASK_ACCESS_TOKEN: 'Atza|x1', [name]: value }, now: NOW })).toThrow(new RegExp(name));
    try {
      resolveCredentials({ env: { ASK_ACCESS_TOKEN: 'Atza|x1', [name]: value }, now: NOW });
    } catch (err) {
      expect(err).toBeInstanceOf(InputError);
    }
  });

  it('bad JSON in cli_config is an input error naming the file with line and column', () => {
    const file = { path: '/home/dev/.ask/cli_config', text: '{\n  "profiles": {\n    "default": { "token": { "access_token": "x" }, }\n  }\n}\n', mode: 0o600 };
    let err: unknown;
    try {
      resolveCredentials({ env: {}, cliConfig: file, now: NOW });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toMatch(/\/home\/dev\/\.ask\/cli_config is not valid JSON at line 3, column \d+/);
    expect((err as InputError).exitCode).toBe(2);
  });

  it('a cli_config readable by others is a warning, not a failure', () => {
    const c = resolveCredentials({ env: {}, cliConfig: cliConfig({ default: profile('Atza|cli-access', inOneHour) }, 0o644), now: NOW });
    expect(c.auth.kind).toBe('access-token');
    expect(c.warnings.join('\n')).toMatch(/mode 0644.*chmod 600/);
  });

  it('a half-set own LWA client is ignored with a warning', () => {
    const c = resolveCredentials({ env: { ASK_ACCESS_TOKEN: 'Atza|x1', ASK_LWA_CLIENT_ID: 'amzn1.application-oa2-client.own' }, now: NOW });
    expect(c.warnings.join('\n')).toMatch(/ASK_LWA_CLIENT_CONFIRMATION is not/);
  });

  it.each([
    [undefined, {}, 'default'],
    [undefined, { ASK_DEFAULT_PROFILE: 'ci' }, 'ci'],
    ['flag', { ASK_DEFAULT_PROFILE: 'ci' }, 'flag'],
    ['  ', { ASK_DEFAULT_PROFILE: ' ' }, 'default'],
  ])('resolveProfile(%j, %j) = %s', (flag, env, want) => {
    expect(resolveProfile(flag, env)).toBe(want);
  });
});

describe('loadCredentials (reads ~/.ask/cli_config under the home directory)', () => {
  it('reads the file and its mode', async () => {
    const home = await mkdtemp(path.join(os.tmpdir(), 'al-home-'));
    await mkdir(path.join(home, '.ask'));
    const file = path.join(home, '.ask', 'cli_config');
    await writeFile(file, JSON.stringify({ profiles: { default: profile('Atza|from-file', inOneHour) } }));
    await chmod(file, 0o640);
    const c = await loadCredentials({ env: {}, homeDir: home, now: NOW });
    expect(c.auth).toMatchObject({ kind: 'access-token', accessToken: 'Atza|from-file' });
    expect(c.warnings.join('\n')).toMatch(/mode 0640/);
  });

  it('a missing file is "not configured", not a crash', async () => {
    const home = await mkdtemp(path.join(os.tmpdir(), 'al-home-'));
    await expect(loadCredentials({ env: {}, homeDir: home, now: NOW })).rejects.toThrow(/There is no ~\/\.ask\/cli_config/);
  });

  it('does not read the file when the environment decides', async () => {
    const home = await mkdtemp(path.join(os.tmpdir(), 'al-home-'));
    await mkdir(path.join(home, '.ask'));
    await writeFile(path.join(home, '.ask', 'cli_config'), '{ broken');
    const c = await loadCredentials({ env: { ASK_ACCESS_TOKEN: 'Atza|env' }, homeDir: home, now: NOW });
    expect(c.source).toBe('environment');
  });
});
