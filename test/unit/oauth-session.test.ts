import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { parseSession, readSession, secondsLeft, writeSession, type LoginSession } from '../../src/oauth/session.js';

const SESSION: LoginSession = {
  version: 1,
  createdAt: '2030-01-01T00:00:00.000Z',
  provider: {
    authorizationUrl: 'https://auth.example.com/authorize',
    tokenUrl: 'https://auth.example.com/oauth/token',
    clientId: 'client-1',
    accessTokenScheme: 'HTTP_BASIC',
    scopes: ['openid', 'profile'],
  },
  redirectUri: 'http://127.0.0.1:9876/callback',
  tokens: {
    accessToken: 'access-token-value-123456',
    tokenType: 'Bearer',
    expiresIn: 3600,
    expiresAt: '2030-01-01T01:00:00.000Z',
    refreshToken: 'refresh-token-value-123456',
    scope: 'openid profile',
  },
  refresh: { ok: true, at: '2030-01-01T00:00:01.000Z' },
};

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'al-session-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('session.json', () => {
  it('is undefined when missing', async () => {
    expect(await readSession(dir)).toBeUndefined();
  });

  it('round-trips, with a 0700 directory and a 0600 file, and no temp files left', async () => {
    const file = await writeSession(dir, SESSION);
    expect(file).toBe(path.join(dir, '.alexa-link', 'session.json'));
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(file))).mode & 0o777).toBe(0o700);
    expect(await readSession(dir)).toEqual(SESSION);
    expect(await readdir(path.dirname(file))).toEqual(['session.json']);
    expect((await readFile(file, 'utf8')).endsWith('}\n')).toBe(true);
  });

  it('leaves the mode of a .alexa-link folder it did not create alone (the file is 0600 all the same)', async () => {
    await mkdir(path.join(dir, '.alexa-link'), { mode: 0o755 });
    await chmod(path.join(dir, '.alexa-link'), 0o755);
    const file = await writeSession(dir, SESSION);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(path.dirname(file))).mode & 0o777).toBe(0o755);
  });

  it('overwrites an earlier session atomically', async () => {
    await writeSession(dir, SESSION);
    const next = { ...SESSION, tokens: { ...SESSION.tokens, accessToken: 'second-token-abcdef' } };
    await writeSession(dir, next);
    expect((await readSession(dir))?.tokens.accessToken).toBe('second-token-abcdef');
  });

  it('keeps optional fields optional', () => {
    const { refreshToken: _r, scope: _s, ...tokens } = SESSION.tokens;
    expect(parseSession({ ...SESSION, tokens }).tokens).toEqual(tokens);
  });

  it.each<[string, unknown, RegExp]>([
    ['not an object', [], /the file must be a JSON object/],
    ['another version', { ...SESSION, version: 2 }, /version 2 is not supported/],
    ['bad createdAt', { ...SESSION, createdAt: 'yesterday' }, /createdAt must be an ISO date/],
    ['no provider', { ...SESSION, provider: undefined }, /provider must be an object/],
    ['bad scheme', { ...SESSION, provider: { ...SESSION.provider, accessTokenScheme: 'BASIC' } }, /accessTokenScheme must be HTTP_BASIC or REQUEST_BODY_CREDENTIALS/],
    ['scopes not strings', { ...SESSION, provider: { ...SESSION.provider, scopes: [1] } }, /provider.scopes must be an array of strings/],
    ['no access token', { ...SESSION, tokens: { ...SESSION.tokens, accessToken: '' } }, /tokens.accessToken must be a non-empty string/],
    ['expiresIn string', { ...SESSION, tokens: { ...SESSION.tokens, expiresIn: '3600' } }, /tokens.expiresIn must be a number/],
    ['refresh.ok missing', { ...SESSION, refresh: { at: SESSION.refresh.at } }, /refresh.ok must be true or false/],
  ])('refuses %s naming the field', (_name, doc, message) => {
    expect(() => parseSession(doc)).toThrow(InputError);
    expect(() => parseSession(doc)).toThrow(message);
  });

  it('a malformed file is an InputError naming the file', async () => {
    await mkdir(path.join(dir, '.alexa-link'));
    await writeFile(path.join(dir, '.alexa-link', 'session.json'), '{"version": 1,');
    const err = await readSession(dir).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toMatch(/\.alexa-link\/session\.json is not valid JSON/);
    expect((err as InputError).exitCode).toBe(2);
  });

  it('secondsLeft counts down to expiresAt', () => {
    expect(secondsLeft(SESSION, new Date('2030-01-01T00:59:00Z'))).toBe(60);
    expect(secondsLeft(SESSION, new Date('2030-01-01T01:00:10Z'))).toBe(-10);
  });
});
