import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { startConnectProxy, type TestProxy } from '../support/connect-proxy.js';
import { startSmapiStandin, type SmapiStandin } from '../support/smapi-standin.js';

/**
 * A proxy-only network, through the built CLI: SMAPI at a host name that only the proxy can reach
 * (smapi.proxy-test.invalid never resolves), the proxy on 127.0.0.1 routing it to the stand-in.
 */
const FIXTURES = fileURLToPath(new URL('../fixtures/projects/', import.meta.url));
const SKILL = 'amzn1.ask.skill.55555555-aaaa-bbbb-cccc-000000000005';
const TOKEN = 'Atza|proxy-e2e-access-token-0000000';
const HOST = 'smapi.proxy-test.invalid';
let standin: SmapiStandin;
let proxy: TestProxy;
let project: string;
const temps: string[] = [];

beforeEach(async () => {
  standin = await startSmapiStandin({ accessTokens: [TOKEN], skills: [{ skillId: SKILL }] });
  standin.setLinking(SKILL, 'development', {
    type: 'AUTH_CODE',
    authorizationUrl: 'https://auth.example.com/authorize',
    accessTokenUrl: 'https://auth.example.com/oauth/token',
    clientId: 'proxied-client',
    scopes: ['openid', 'offline_access'],
    accessTokenScheme: 'HTTP_BASIC',
  });
  const port = Number(new URL(standin.env().ASK_SMAPI_SERVER_BASE_URL!).port);
  proxy = await startConnectProxy((host, p) => (host === HOST && p === port ? { host: '127.0.0.1', port } : undefined));
  const dir = await mkdtemp(path.join(os.tmpdir(), 'al-proxy-'));
  temps.push(dir);
  project = path.join(dir, 'skill');
  await cp(path.join(FIXTURES, 'v2-console'), project, { recursive: true });
});
afterEach(async () => {
  const v = standin.violations();
  await standin.close();
  await proxy.close();
  expect(v).toEqual([]);
});
afterAll(async () => {
  for (const t of temps) await rm(t, { recursive: true, force: true });
});

function env(extra: Record<string, string>): Record<string, string> {
  const base = new URL(standin.env().ASK_SMAPI_SERVER_BASE_URL!);
  const clear = Object.fromEntries(['HTTPS_PROXY', 'https_proxy', 'HTTP_PROXY', 'http_proxy', 'NO_PROXY', 'no_proxy', 'ALL_PROXY', 'all_proxy'].map((k) => [k, '']));
  return { HOME: '/nonexistent-home', ASK_ACCESS_TOKEN: TOKEN, ASK_VENDOR_ID: '', ...standin.env(), ...clear, ASK_SMAPI_SERVER_BASE_URL: `http://${HOST}:${base.port}`, ...extra };
}

describe('HTTP_PROXY / NO_PROXY (built CLI)', () => {
  it.each(['HTTP_PROXY', 'http_proxy'])('%s: every SMAPI request goes through the proxy, and --verbose says so', async (name) => {
    const r = await runCli(['--verbose', 'configure', '--pull'], { cwd: project, env: env({ [name]: proxy.url }) });
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(await readFile(path.join(project, 'accountLinking.json'), 'utf8')) as { accountLinkingRequest: { clientId: string } }).accountLinkingRequest.clientId).toBe('proxied-client');
    expect(proxy.records.map((x) => `${x.method} ${x.target}`)).toContain(`GET http://${HOST}:${new URL(standin.env().ASK_SMAPI_SERVER_BASE_URL!).port}/v1/skills/${SKILL}/stages/development/accountLinkingClient`);
    expect(r.stderr).toContain(`Requests to ${HOST}:`);
    expect(r.stderr).toContain(`go through the proxy ${proxy.url}`);
    expect(r.stderr).not.toContain(TOKEN);
  });

  it('NO_PROXY takes a host out: it is then asked directly (and does not resolve)', async () => {
    const r = await runCli(['configure', '--pull', '--timeout', '3s'], { cwd: project, env: env({ HTTP_PROXY: proxy.url, NO_PROXY: HOST }) });
    expect(r.code).toBe(1);
    expect(proxy.records).toEqual([]);
    expect(r.stderr).toMatch(/resolve/i);
  });
});
