import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';
import { startConnectProxy, type TestProxy } from '../support/connect-proxy.js';
import { liveLaunch, startDebugStandin } from '../support/debug-standin.js';
import { startSmapiStandin, type SmapiStandin } from '../support/smapi-standin.js';
import { makeTestCerts } from '../support/tls.js';

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

describe('HTTPS_PROXY for watch (built CLI)', () => {
  it("watch's WebSocket to the debugging service goes through the CONNECT proxy, and --verbose says so", async () => {
    // The TLS stand-in of the debugging service, as wrong.example.test (never resolves): only the proxy reaches it.
    const certs = makeTestCerts();
    const debug = await startDebugStandin({ skillId: SKILL, tokens: [TOKEN], tls: certs.wrongHost });
    const debugPort = Number(new URL(debug.url).port);
    const tunnel = await startConnectProxy((host, p) => (host === 'wrong.example.test' && p === debugPort ? { host: '127.0.0.1', port: debugPort } : undefined));
    try {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'al-proxy-watch-'));
      temps.push(dir);
      const ca = path.join(dir, 'ca.pem');
      await writeFile(ca, certs.ca.cert);
      const handler = fileURLToPath(new URL('../fixtures/skills/any-token/index.js', import.meta.url));
      const cli = runCli(['--verbose', 'watch', '--skill-id', SKILL, '--handler', handler, '--max-requests', '1'], {
        cwd: dir,
        env: env({ HTTPS_PROXY: tunnel.url, ALEXA_LINK_DEBUG_ENDPOINT: `wss://wrong.example.test:${debugPort}`, NODE_EXTRA_CA_CERTS: ca }),
        timeoutMs: 30_000,
      });
      await debug.waitForConnection(1);
      const answer = await debug.request(liveLaunch({ skillId: SKILL }));
      const r = await cli;
      expect(r.code, r.stderr).toBe(0);
      expect(answer.message.type).toBe('SkillResponseSuccessMessage');
      expect(debug.upgrades.map((u) => [u.status, u.authorization])).toEqual([[101, TOKEN]]);
      expect(tunnel.records.map((x) => `${x.method} ${x.target}`)).toEqual([`CONNECT wrong.example.test:${debugPort}`]);
      expect(JSON.stringify(tunnel.records)).not.toContain(TOKEN);
      expect(r.stderr).toContain(`Connections to wrong.example.test:${debugPort} go through the proxy ${tunnel.url}`);
      expect(r.stderr).not.toContain(TOKEN);
      expect(debug.violations()).toEqual([]);
    } finally {
      await debug.close();
      await tunnel.close();
    }
  });
});
