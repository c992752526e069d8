import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalProvider, type LocalProvider } from '../../src/demo/local-provider.js';
import type { FixReport } from '../../src/doctor/fix.js';
import type { DoctorJson } from '../../src/doctor/report.js';
import type { AccountLinkingPayload } from '../../src/linking/config.js';
import { runCli } from '../support/cli.js';
import { removeTempDirs, tempDir } from '../support/skill-project.js';

/**
 * doctor --fix through the built CLI: each finding doctor knows how to fix is fixed in
 * accountLinking.json (a diff shown, a copy of the old file kept, configure named as the next
 * step); what it cannot fix stays in the report; without a terminal it needs --yes up front.
 */
let provider: LocalProvider;
beforeAll(async () => {
  provider = await startLocalProvider();
});
afterAll(async () => {
  await provider?.close();
  await removeTempDirs();
});

const ENV = { HOME: '/nonexistent-home', ASK_ACCESS_TOKEN: '', ASK_REFRESH_TOKEN: '', ASK_VENDOR_ID: '', ALEXA_LINK_CLIENT_SECRET: '' };

async function project(payload: AccountLinkingPayload): Promise<string> {
  const dir = await tempDir('al-doctor-fix-');
  await writeFile(path.join(dir, 'ask-resources.json'), JSON.stringify({ askcliResourcesVersion: '2020-03-31', profiles: { default: { skillMetadata: { src: './skill-package' } } } }));
  await mkdir(path.join(dir, 'skill-package'));
  await writeFile(path.join(dir, 'skill-package', 'skill.json'), JSON.stringify({ manifest: { publishingInformation: { locales: { 'en-US': { name: 'Fix Me' } } }, apis: { custom: { endpoint: { uri: 'https://skill.example.com/alexa' } } } } }));
  await writeFile(path.join(dir, 'accountLinking.json'), JSON.stringify({ accountLinkingRequest: payload }, null, 2) + '\n');
  return dir;
}

const readLinking = async (dir: string) => (JSON.parse(await readFile(path.join(dir, 'accountLinking.json'), 'utf8')) as { accountLinkingRequest: AccountLinkingPayload }).accountLinkingRequest;

const auth0: AccountLinkingPayload = { type: 'AUTH_CODE', authorizationUrl: 'https://t.us.auth0.com/authorize', accessTokenUrl: 'https://t.us.auth0.com/oauth/token', clientId: 'c', scopes: ['openid', 'offline_access'], accessTokenScheme: 'HTTP_BASIC' };
const google: AccountLinkingPayload = { type: 'AUTH_CODE', authorizationUrl: 'https://accounts.google.com/o/oauth2/v2/auth?access_type=offline&prompt=consent', accessTokenUrl: 'https://oauth2.googleapis.com/token', clientId: 'c', scopes: ['openid'], accessTokenScheme: 'HTTP_BASIC', domains: ['google.com', 'googleapis.com'] };

describe('doctor --fix --yes on each finding it can fix (offline rules)', () => {
  it.each<[string, AccountLinkingPayload, Partial<AccountLinkingPayload>, RegExp]>([
    ['the scope that makes Auth0 issue refresh tokens', { ...auth0, scopes: ['openid', 'profile'] }, { scopes: ['openid', 'profile', 'offline_access'] }, /~ scopes: \["openid","profile"\] → \["openid","profile","offline_access"\]/],
    ["Google's access_type=offline", { ...google, authorizationUrl: 'https://accounts.google.com/o/oauth2/v2/auth' }, { authorizationUrl: 'https://accounts.google.com/o/oauth2/v2/auth?access_type=offline&prompt=consent' }, /~ authorizationUrl:/],
    ["Google's prompt=consent", { ...google, authorizationUrl: 'https://accounts.google.com/o/oauth2/v2/auth?access_type=offline' }, { authorizationUrl: 'https://accounts.google.com/o/oauth2/v2/auth?access_type=offline&prompt=consent' }, /set prompt=consent in authorizationUrl \(refresh-google-consent\)/],
    ["Alexa's parameters baked into authorizationUrl", { ...auth0, authorizationUrl: 'https://t.us.auth0.com/authorize?client_id=c&audience=api&state=x' }, { authorizationUrl: 'https://t.us.auth0.com/authorize?audience=api' }, /remove client_id, state in authorizationUrl/],
    ["Alexa's parameters baked into accessTokenUrl", { ...auth0, accessTokenUrl: 'https://t.us.auth0.com/oauth/token?grant_type=authorization_code' }, { accessTokenUrl: 'https://t.us.auth0.com/oauth/token' }, /remove grant_type in accessTokenUrl \(token-url-reserved-params\)/],
    ["Alexa's parameters baked into reciprocalAccessTokenUrl", { ...auth0, reciprocalAccessTokenUrl: 'https://t.us.auth0.com/reciprocal?code=abc&v=2' }, { reciprocalAccessTokenUrl: 'https://t.us.auth0.com/reciprocal?v=2' }, /remove code in reciprocalAccessTokenUrl/],
    ["the domains of Google's sign-in page", { ...google, domains: undefined }, { domains: ['google.com', 'googleapis.com'] }, /\+ domains: \["google\.com","googleapis\.com"\]/],
  ])('%s', async (_name, payload, expected, shown) => {
    const dir = await project(payload);
    const before = await readFile(path.join(dir, 'accountLinking.json'), 'utf8');
    const r = await runCli(['doctor', '--offline', '--only', 'linking-config', '--fix', '--yes'], { cwd: dir, env: ENV });
    expect(r.stderr).toMatch(/doctor --fix: 1 change to accountLinking\.json/);
    expect(r.stderr).toMatch(shown);
    expect(r.stderr).toMatch(/✔ Wrote accountLinking\.json \(the old one is in \.alexa-link\/replaced\/[^/]+\/accountLinking\.json\)\. Push it to Alexa: alexa-link configure/);
    expect(await readLinking(dir)).toEqual(JSON.parse(JSON.stringify({ ...payload, ...expected })));
    const stamp = (await readdir(path.join(dir, '.alexa-link', 'replaced')))[0]!;
    expect(await readFile(path.join(dir, '.alexa-link', 'replaced', stamp, 'accountLinking.json'), 'utf8')).toBe(before);
    // Run again: nothing left to fix, linking-config passes (or only warns about something else).
    const again = await runCli(['--json', 'doctor', '--offline', '--only', 'linking-config', '--fix', '--yes'], { cwd: dir, env: ENV });
    const doc = JSON.parse(again.stdout) as DoctorJson & { fix: FixReport };
    expect(doc.fix).toMatchObject({ written: false, changes: [], reason: 'doctor found nothing it can change in accountLinking.json' });
  });

  it('several findings at once: one diff, one write; what it cannot fix stays in the report (exit 1)', async () => {
    const dir = await project({ ...auth0, authorizationUrl: 'http://t.us.auth0.com/authorize?state=x', scopes: ['openid'] });
    const r = await runCli(['--json', 'doctor', '--offline', '--only', 'linking-config', '--fix', '--yes'], { cwd: dir, env: ENV });
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as DoctorJson & { fix: FixReport };
    expect(doc.fix.written).toBe(true);
    expect(doc.fix.changes.map((c) => c.by)).toEqual(['authorization-url-reserved-params', 'refresh-offline-access']);
    expect(await readLinking(dir)).toMatchObject({ authorizationUrl: 'http://t.us.auth0.com/authorize', scopes: ['openid', 'offline_access'] });
    // The http URL is for a person to fix: the check still fails on it.
    const again = JSON.parse((await runCli(['--json', 'doctor', '--offline', '--only', 'linking-config'], { cwd: dir, env: ENV })).stdout) as DoctorJson;
    expect(again.checks.find((c) => c.id === 'linking-config')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/authorizationUrl uses http; Alexa only uses HTTPS/) });
  });

  it('without --yes and without a terminal: exit 2 before anything runs, the file untouched', async () => {
    const dir = await project({ ...auth0, scopes: ['openid'] });
    const before = await readFile(path.join(dir, 'accountLinking.json'), 'utf8');
    const r = await runCli(['doctor', '--offline', '--fix'], { cwd: dir, env: ENV });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/doctor --fix asks before it changes accountLinking\.json, and stdin is not a terminal[\s\S]*Pass --yes/);
    expect(r.stdout).toBe('');
    expect(await readFile(path.join(dir, 'accountLinking.json'), 'utf8')).toBe(before);
  });

  it('--yes without --fix is a usage error', async () => {
    const dir = await project(auth0);
    const r = await runCli(['doctor', '--offline', '--yes'], { cwd: dir, env: ENV });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--yes only answers doctor --fix's question/);
  });
});

describe('doctor --fix after the scheme probe (local oidc-provider)', () => {
  it('sets accessTokenScheme to the one the token endpoint accepted', async () => {
    const client = provider.clients.basic;
    const dir = await project({ type: 'AUTH_CODE', authorizationUrl: provider.authorizationUrl, accessTokenUrl: provider.tokenUrl, clientId: client.clientId, scopes: ['openid', 'offline_access'], accessTokenScheme: 'REQUEST_BODY_CREDENTIALS' });
    const r = await runCli(['--json', 'doctor', '--only', 'token-endpoint-scheme', '--fix', '--yes'], { cwd: dir, env: { ...ENV, ALEXA_LINK_CLIENT_SECRET: client.clientSecret } });
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as DoctorJson & { fix: FixReport };
    expect(doc.checks.find((c) => c.id === 'token-endpoint-scheme')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/refuses REQUEST_BODY_CREDENTIALS[\s\S]*accepts HTTP_BASIC/) });
    expect(doc.fix).toMatchObject({ written: true, changes: [{ check: 'token-endpoint-scheme', by: 'token-endpoint-scheme', change: 'set accessTokenScheme to "HTTP_BASIC"' }] });
    expect(r.stderr).toMatch(/~ accessTokenScheme: "REQUEST_BODY_CREDENTIALS" → "HTTP_BASIC"/);
    expect((await readLinking(dir)).accessTokenScheme).toBe('HTTP_BASIC');
    expect(r.stdout + r.stderr).not.toContain(client.clientSecret);
    // And now the scheme passes.
    const again = JSON.parse((await runCli(['--json', 'doctor', '--only', 'token-endpoint-scheme'], { cwd: dir, env: { ...ENV, ALEXA_LINK_CLIENT_SECRET: client.clientSecret } })).stdout) as DoctorJson;
    expect(again.checks.find((c) => c.id === 'token-endpoint-scheme')!.status).toBe('pass');
  });
});
