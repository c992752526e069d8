import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DoctorJson } from '../../src/doctor/report.js';
import { request } from '../../src/net/http.js';
import { runCli, type CliResult } from '../support/cli.js';
import { startFaultyServer, type Fault, type FaultyServer, type FaultyServerOptions } from '../support/faulty-server.js';
import { callbackFor, runLoginDriven } from './login-driver.js';
import { faultProject, removeProjects, SECRET, SKILL, VENDOR } from './peers.js';

/**
 * A few cases of the fault matrix per peer through the built CLI, as a user meets them: the exit
 * code, the words of the diagnosis, the wall time, no stack trace and no "Internal error", and
 * nothing sent that should not have been. TLS cases trust the test CA through NODE_EXTRA_CA_CERTS,
 * as a developer with a corporate CA would.
 */
const TIMEOUT_MS = 600;
/** Spawning node and loading the CLI on a busy two-core machine, on top of the timeouts. */
const CLI_SLACK_MS = 6000;

let caFile: string;
let caDir: string;
const servers: FaultyServer[] = [];

beforeAll(async () => {
  const s = await startFaultyServer({ fault: 'tls-expired' });
  caDir = await mkdtemp(path.join(os.tmpdir(), 'al-fault-ca-'));
  caFile = path.join(caDir, 'ca.pem');
  await writeFile(caFile, s.ca);
  await s.close();
});
afterAll(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await removeProjects();
  await rm(caDir, { recursive: true, force: true });
});

async function faulty(fault: Fault, normal: Omit<FaultyServerOptions, 'fault'> = {}): Promise<FaultyServer> {
  const s = await startFaultyServer({ fault, ...normal });
  servers.push(s);
  return s;
}

const BASE_ENV = {
  HOME: '/nonexistent-home',
  ASK_ACCESS_TOKEN: '',
  ASK_REFRESH_TOKEN: '',
  ASK_LWA_CLIENT_ID: '',
  ASK_LWA_CLIENT_CONFIRMATION: '',
  ASK_DEFAULT_PROFILE: '',
  ASK_VENDOR_ID: VENDOR,
  ALEXA_LINK_CLIENT_SECRET: SECRET,
};

function expectClean(r: CliResult): void {
  const all = r.stdout + r.stderr;
  expect(all, all).not.toMatch(/Internal error|The check crashed|\n\s+at .*:\d+:\d+/);
  expect(r.signal).toBeNull();
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await fn();
  return { value, ms: Date.now() - started };
}

describe('provider authorization endpoint (doctor --only authorization-endpoint)', () => {
  it('no answer: exit 1, "did not answer within 600 ms", within the timeout', async () => {
    const s = await faulty('hang');
    const cwd = await faultProject(s.origin);
    const { value: r, ms } = await timed(() => runCli(['--json', 'doctor', '--only', 'authorization-endpoint', '--timeout', `${TIMEOUT_MS}ms`], { cwd, env: BASE_ENV }));
    expectClean(r);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as DoctorJson;
    expect(doc.checks.find((c) => c.id === 'authorization-endpoint')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/GET authorizationUrl: 127\.0\.0\.1:\d+ did not answer within 600 ms/) });
    expect(ms).toBeLessThan(TIMEOUT_MS + CLI_SLACK_MS);
    expect(s.requests.length).toBeLessThanOrEqual(3);
  });

  it('a redirect loop: exit 1, the text report says it redirected more than 5 times', async () => {
    const s = await faulty('redirect-loop');
    const cwd = await faultProject(s.origin);
    const r = await runCli(['doctor', '--only', 'authorization-endpoint', '--timeout', `${TIMEOUT_MS}ms`], { cwd, env: BASE_ENV });
    expectClean(r);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/redirected more than 5 times/);
    expect(s.requests.length).toBeLessThanOrEqual(18);
  });
});

describe('provider token endpoint', () => {
  /** login against a token endpoint at `s`, the callback delivered with a made-up code. */
  async function login(s: FaultyServer, extraEnv: NodeJS.ProcessEnv = {}) {
    const cwd = await faultProject(s.origin);
    const started = Date.now();
    const r = await runLoginDriven(['--json', '--port', '0', '--timeout', '30'], {
      cwd,
      env: { ...BASE_ENV, ...extraEnv },
      timeoutMs: 60_000,
      whenUrl: async (url) => {
        const res = await request({ url: callbackFor(url, 'made-up-code-for-the-fault-matrix'), timeoutMs: 5000 });
        expect(res.status).toBe(200);
      },
    });
    expect(r.driveError).toBeUndefined();
    const doc = JSON.parse(r.stdout) as { ok: boolean; steps: Array<{ id: string; status: string; detail: string }>; session: string | null };
    return { r, doc, ms: Date.now() - started, cwd };
  }

  it.each<[Fault, string, RegExp]>([
    ['not-json', 'token-json', /The answer is an HTML page, not JSON: "502 Bad Gateway/],
    ['server-error', 'token-exchange', /HTTP 503: the provider failed while handling the code exchange/],
    ['redirect-loop', 'token-exchange', /HTTP 302: the token endpoint redirects to \/loop-b; Alexa does not follow redirects/],
    ['huge-body', 'token-exchange', /sent more than 1048576 bytes; alexa-link stopped reading/],
  ])('login, token endpoint %s: exit 1, step %s says why, one request, no session', async (fault, step, words) => {
    const s = await faulty(fault);
    const { r, doc, cwd } = await login(s);
    expectClean(r);
    expect(r.code).toBe(1);
    expect(doc.ok).toBe(false);
    expect(doc.steps.find((x) => x.id === step)).toMatchObject({ status: 'fail', detail: expect.stringMatching(words) });
    expect(doc.session).toBeNull();
    expect(s.requests.filter((q) => q.method === 'POST')).toHaveLength(1);
    await expect(readdir(path.join(cwd, '.alexa-link'))).rejects.toThrow();
  });

  it('login, an expired certificate on a loopback token endpoint: a warning naming it, and the rehearsal goes on', async () => {
    const s = await faulty('tls-expired', { okBody: { access_token: 'fault-cli-access-token-0123456789', token_type: 'Bearer', expires_in: 3600, refresh_token: 'fault-cli-refresh-token-0123456789' } });
    const { r, doc } = await login(s, { NODE_EXTRA_CA_CERTS: caFile });
    expectClean(r);
    expect(doc.steps.find((x) => x.id === 'token-endpoint-tls')).toMatchObject({ status: 'warn', detail: expect.stringMatching(/TLS certificate has expired\. This loopback rehearsal went on without checking it; Alexa would refuse it/) });
    // The rehearsal went on past the certificate; this stand-in then accepts any refresh token,
    // even a made-up one, which is the only thing that fails.
    expect(doc.steps.filter((x) => x.status === 'fail').map((x) => x.id)).toEqual(['refresh-invalid-token']);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).not.toContain('fault-cli-access-token-0123456789');
  });

  it('doctor --only token-endpoint, a slow drip: exit 1 within the timeout', async () => {
    const s = await faulty('drip');
    const cwd = await faultProject(s.origin);
    const { value: r, ms } = await timed(() => runCli(['--json', 'doctor', '--only', 'token-endpoint', '--timeout', `${TIMEOUT_MS}ms`], { cwd, env: BASE_ENV }));
    expectClean(r);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as DoctorJson;
    expect(doc.checks.find((c) => c.id === 'token-endpoint')!.detail).toMatch(/POST accessTokenUrl: 127\.0\.0\.1:\d+ did not finish answering within 600 ms: after HTTP 200 it sent only \d+ bytes of body \(a slow drip\)/);
    expect(ms).toBeLessThan(TIMEOUT_MS + CLI_SLACK_MS);
    expect(s.requests).toHaveLength(1);
  });
});

describe('skill endpoint (doctor --endpoint)', () => {
  it.each<[Fault, RegExp]>([
    ['hang', /127\.0\.0\.1:\d+ did not answer within 600 ms\. Alexa gives up on a skill after 8 s/],
    ['tls-wrong-host', /TLS certificate is for another host name/],
    ['reset', /closed the connection before answering completely \(ECONNRESET\)/],
  ])('%s: exit 1, the replay fails with the diagnosis', async (fault, words) => {
    const s = await faulty(fault);
    const cwd = await faultProject('https://provider.example.com');
    const { value: r, ms } = await timed(() =>
      runCli(['--json', 'doctor', '--endpoint', `${s.origin}/alexa`, '--only', 'replays', '--timeout', `${TIMEOUT_MS}ms`], { cwd, env: { ...BASE_ENV, NODE_EXTRA_CA_CERTS: caFile } }),
    );
    expectClean(r);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as DoctorJson;
    expect(doc.replays.length).toBeGreaterThan(0);
    for (const replay of doc.replays) expect(replay).toMatchObject({ verdict: 'fail', explanation: expect.stringMatching(words) });
    expect(ms).toBeLessThan(TIMEOUT_MS + CLI_SLACK_MS);
    expect(s.requests.length).toBeLessThanOrEqual(doc.replays.length);
  });
});

describe('SMAPI and Login with Amazon (configure)', () => {
  async function configureProject(): Promise<string> {
    const cwd = await faultProject('https://auth.example.com');
    await mkdir(path.join(cwd, '.ask'));
    await writeFile(path.join(cwd, '.ask', 'ask-states.json'), JSON.stringify({ askcliStatesVersion: '2020-03-31', profiles: { default: { skillId: SKILL } } }));
    return cwd;
  }

  it.each<[Fault, RegExp, number]>([
    ['not-json', /127\.0\.0\.1:\d+ answered HTTP 200 with "text\/html; charset=utf-8" that is not JSON/, 1],
    ['huge-body', /sent more than 5242880 bytes; alexa-link stopped reading/, 1],
    ['hang', /127\.0\.0\.1:\d+ did not answer within 600 ms/, 1],
    ['tls-expired', /TLS certificate has expired/, 0],
  ])('SMAPI %s: exit 1 with the diagnosis, no PUT, no backup', async (fault, words, requests) => {
    const s = await faulty(fault);
    const cwd = await configureProject();
    const { value: r, ms } = await timed(() =>
      runCli(['configure', '--yes', '--timeout', `${TIMEOUT_MS}ms`], { cwd, env: { ...BASE_ENV, ASK_ACCESS_TOKEN: 'Atza|fault-cli-token', ASK_SMAPI_SERVER_BASE_URL: s.origin, NODE_EXTRA_CA_CERTS: caFile } }),
    );
    expectClean(r);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(words);
    expect(r.stderr).not.toContain('Call to service failed');
    expect(ms).toBeLessThan(TIMEOUT_MS + CLI_SLACK_MS);
    expect(s.requests).toHaveLength(requests);
    expect(s.requests.filter((q) => q.method === 'PUT')).toHaveLength(0);
    await expect(readdir(path.join(cwd, '.alexa-link'))).rejects.toThrow();
  });

  it.each<[Fault, RegExp]>([
    ['redirect-loop', /Login with Amazon \(127\.0\.0\.1:\d+, ASK_LWA_TOKEN_HOST\) answered HTTP 302, a redirect to \/loop-b, instead of a token/],
    ['tls-self-signed', /127\.0\.0\.1:\d+ presents a self-signed TLS certificate/],
  ])('Login with Amazon %s: exit 1 naming Login with Amazon, the secrets nowhere', async (fault, words) => {
    const s = await faulty(fault);
    const cwd = await configureProject();
    const r = await runCli(['configure', '--yes', '--timeout', `${TIMEOUT_MS}ms`], {
      cwd,
      env: {
        ...BASE_ENV,
        ASK_REFRESH_TOKEN: 'Atzr|fault-cli-refresh-token',
        ASK_LWA_CLIENT_ID: 'amzn1.application-oa2-client.faultcli',
        ASK_LWA_CLIENT_CONFIRMATION: 'fault-cli-lwa-secret',
        ASK_LWA_TOKEN_HOST: s.origin,
        ASK_SMAPI_SERVER_BASE_URL: 'http://127.0.0.1:9',
      },
    });
    expectClean(r);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(words);
    for (const secret of ['Atzr|fault-cli-refresh-token', 'fault-cli-lwa-secret', SECRET]) expect(r.stderr + r.stdout).not.toContain(secret);
    expect(s.requests.length).toBeLessThanOrEqual(1);
  });
});
