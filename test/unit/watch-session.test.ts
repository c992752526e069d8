import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { collectingOutput } from '../../src/ui/output.js';
import { runWatch, type WatchDeps, type WatchOptions, type WatchTiming } from '../../src/watch/session.js';
import { liveIntent, liveLaunch, startDebugStandin, type DebugStandin } from '../support/debug-standin.js';
import { startServer, type LocalServer } from '../support/skill-project.js';
import { startSmapiStandin, type SmapiStandin } from '../support/smapi-standin.js';

/**
 * runWatch in-process against the debugging service stand-in (plain ws://), with the session's
 * clocks shortened: heartbeat pings, a connection whose pings go unanswered, the renewal before the
 * one-hour limit, the service ending a session, and an access token renewed through the credential
 * chain (a refresh token exchanged at the Login with Amazon stand-in) after a 401.
 */
const SKILLS = fileURLToPath(new URL('../fixtures/skills', import.meta.url));
const SKILL_ID = 'amzn1.ask.skill.11111111-2222-3333-4444-555555555555';
const DEV_TOKEN = 'Atza|watch-session-developer-token-0123456789';
const USER_TOKEN = 'user-token-watch-session-0123456789abcdef';

const dirs: string[] = [];
const standins: Array<DebugStandin | SmapiStandin | LocalServer> = [];
afterEach(async () => {
  await Promise.all(standins.splice(0).map((s) => s.close()));
});
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function cwd(): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), 'al-watch-session-'));
  dirs.push(d);
  return d;
}

async function debugStandin(extra: Partial<Parameters<typeof startDebugStandin>[0]> = {}): Promise<DebugStandin> {
  const s = await startDebugStandin({ skillId: SKILL_ID, tokens: [DEV_TOKEN], ...extra });
  standins.push(s);
  return s;
}

async function watch(standin: DebugStandin, over: Partial<WatchOptions> = {}, timing: Partial<WatchTiming> = {}, env: NodeJS.ProcessEnv = { ASK_ACCESS_TOKEN: DEV_TOKEN }) {
  const { out, stderr, stdout } = collectingOutput({ json: true });
  const controller = new AbortController();
  const options: WatchOptions = {
    cwd: await cwd(),
    profile: undefined,
    skillId: SKILL_ID,
    region: undefined,
    target: { kind: 'handler', spec: path.join(SKILLS, 'good', 'index.js') },
    save: undefined,
    maxRequests: undefined,
    durationMs: undefined,
    ...over,
  };
  const deps: WatchDeps = { out, env: { ALEXA_LINK_DEBUG_ENDPOINT: standin.url, ...env }, homeDir: '/nonexistent-home', signal: controller.signal, timing: { backoffBaseMs: 50, backoffCapMs: 200, ...timing } };
  const running = runWatch(options, deps);
  return { running, controller, stderr, stdout };
}

describe('runWatch keeps the session alive', () => {
  it('sends heartbeat pings while the connection is open', async () => {
    const s = await debugStandin();
    const w = await watch(s, { durationMs: 1000 }, { heartbeatMs: 100 });
    const { exitCode, doc } = await w.running;
    expect(exitCode).toBe(0);
    expect(doc.stopped).toBe('duration');
    expect(s.connections[0]!.pings).toBeGreaterThanOrEqual(5);
    expect(s.connections[0]!.closeCode).toBe(1000);
  });

  it('a connection whose pings go unanswered is dropped and opened again', async () => {
    const s = await debugStandin({ autoPong: false });
    const w = await watch(s, { durationMs: 1500 }, { heartbeatMs: 100, pongTimeoutMs: 300 });
    await s.waitForConnection(2);
    const { doc } = await w.running;
    expect(w.stderr()).toMatch(/dropped \(no answer to the heartbeat ping within 300 ms\); reconnecting/);
    expect(doc.summary.reconnects).toBeGreaterThanOrEqual(1);
  });

  it('opens a new session before the limit, says so, and answers on it', async () => {
    const s = await debugStandin();
    const w = await watch(s, { maxRequests: 1 }, { sessionLimitMs: 900, renewBeforeMs: 300 });
    await s.waitForConnection(2);
    const answer = await s.request(liveLaunch({ skillId: SKILL_ID }));
    expect(answer.connection).toBe(2);
    const { exitCode, doc } = await w.running;
    expect(exitCode).toBe(0);
    expect(w.stderr()).toMatch(/reaches the service's 900 ms limit: opening a new one/);
    expect(s.connections[0]!.closeCode).toBe(1000);
    expect(doc.summary).toMatchObject({ requests: 1, sessions: 2, reconnects: 0 });
    expect(s.violations()).toEqual([]);
  });

  it('when the service ends the session at its limit, a new one opens without a pause', async () => {
    const s = await debugStandin({ sessionLimitMs: 500 });
    const w = await watch(s, { maxRequests: 1 }, { sessionLimitMs: 540, renewBeforeMs: 10, backoffBaseMs: 5000, backoffCapMs: 5000 });
    await s.waitForConnection(2, 3000);
    await s.request(liveLaunch({ skillId: SKILL_ID }));
    const { doc } = await w.running;
    expect(w.stderr()).toMatch(/The service ended the session after .* \(its limit\); opening a new one/);
    expect(doc.summary.reconnects).toBe(0);
  });

  it('answers requests that arrive together, and reports them in arrival order', async () => {
    const s = await debugStandin();
    const w = await watch(s, { maxRequests: 3 });
    await s.waitForConnection(1);
    const answers = await Promise.all([
      s.request(liveLaunch({ skillId: SKILL_ID })),
      s.request(liveIntent({ skillId: SKILL_ID, intent: 'WhoAmIIntent', accessToken: USER_TOKEN })),
      s.request(liveLaunch({ skillId: SKILL_ID, accessToken: USER_TOKEN })),
    ]);
    expect(answers.map((a) => a.message.type)).toEqual(['SkillResponseSuccessMessage', 'SkillResponseSuccessMessage', 'SkillResponseSuccessMessage']);
    const { doc } = await w.running;
    expect(doc.requests.map((r) => `${r.label} ${r.tokenInEnvelope.context}`)).toEqual(['LaunchRequest false', 'IntentRequest WhoAmIIntent true', 'LaunchRequest true']);
    expect(w.stderr() + w.stdout()).not.toContain(USER_TOKEN);
    expect(s.violations()).toEqual([]);
  });
});

describe('runWatch renews the access token through the credential chain', () => {
  it('after a 401 on reconnect, exchanges the refresh token again and goes on', async () => {
    const smapi = await startSmapiStandin({ lwaClients: [{ clientId: 'amzn1.application-oa2-client.watch', clientSecret: 'watch-client-secret-0123456789', refreshTokens: ['Atzr|watch-refresh-token-0123456789'] }] });
    standins.push(smapi);
    const revoked = new Set<string>();
    const s = await debugStandin({ tokens: [], accepts: (t) => t.startsWith('Atza|standin-') && !revoked.has(t) });
    const env = {
      ASK_REFRESH_TOKEN: 'Atzr|watch-refresh-token-0123456789',
      ASK_LWA_CLIENT_ID: 'amzn1.application-oa2-client.watch',
      ASK_LWA_CLIENT_CONFIRMATION: 'watch-client-secret-0123456789',
      ...smapi.env(),
    };
    const w = await watch(s, { maxRequests: 1 }, {}, env);
    const first = await s.waitForConnection(1);
    revoked.add(first.authorization);
    s.drop();
    const second = await s.waitForConnection(2);
    expect(second.authorization).not.toBe(first.authorization);
    await s.request(liveLaunch({ skillId: SKILL_ID }));
    const { exitCode } = await w.running;
    expect(exitCode).toBe(0);
    expect(s.upgrades.map((u) => u.status)).toEqual([101, 401, 101]);
    expect(smapi.requests('lwaToken')).toHaveLength(2);
    expect(w.stderr()).toMatch(/refused the access token \(HTTP 401\); trying again with a renewed one/);
    expect(w.stderr()).not.toContain(first.authorization);
    expect(w.stderr()).not.toContain('watch-client-secret-0123456789');
  });
});

describe('runWatch with --endpoint', () => {
  it('POSTs each request to the local skill server; an HTTP 500 goes back to the service as a failure with that code', async () => {
    let n = 0;
    const server = await startServer((req, res) => {
      n++;
      if (n === 1) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ version: '1.0', response: { outputSpeech: { type: 'PlainText', text: 'Hello from the server.' } } }));
      } else {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('boom');
      }
    });
    standins.push(server);
    const s = await debugStandin();
    const w = await watch(s, { maxRequests: 2, target: { kind: 'endpoint', url: `${server.url}/` } });
    await s.waitForConnection(1);
    const ok = await s.request(liveLaunch({ skillId: SKILL_ID, accessToken: USER_TOKEN }));
    const failed = await s.request(liveLaunch({ skillId: SKILL_ID, accessToken: USER_TOKEN }));
    const { exitCode, doc } = await w.running;
    expect(JSON.parse(ok.message.responsePayload as string)).toMatchObject({ response: { outputSpeech: { text: 'Hello from the server.' } } });
    expect(failed.message).toMatchObject({ type: 'SkillResponseFailureMessage', errorCode: '500' });
    expect(exitCode).toBe(1);
    expect(doc.target).toBe(`endpoint ${server.url}/`);
    expect(doc.requests.map((r) => [r.status, r.verdict])).toEqual([
      [200, 'pass'],
      [500, 'fail'],
    ]);
    expect(w.stderr()).toMatch(/no answer \(HTTP 500\)/);
    expect(s.violations()).toEqual([]);
  });
});

describe('runWatch with a smart home directive', () => {
  it('judges it with the smart home kind: routed, answered, shown as namespace.name with its verdict', async () => {
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ event: { header: { namespace: 'Alexa.Discovery', name: 'Discover.Response', payloadVersion: '3', messageId: 'm' }, payload: { endpoints: [] } } }));
    });
    standins.push(server);
    const s = await debugStandin();
    const w = await watch(s, { maxRequests: 1, target: { kind: 'endpoint', url: `${server.url}/` } });
    await s.waitForConnection(1);
    const answer = await s.request({ directive: { header: { namespace: 'Alexa.Discovery', name: 'Discover', payloadVersion: '3', messageId: 'm1' }, payload: { scope: { type: 'BearerToken', token: USER_TOKEN } } } });
    const { doc } = await w.running;
    expect(answer.message.type).toBe('SkillResponseSuccessMessage');
    expect(doc.requests[0]).toMatchObject({
      source: 'live',
      request: 'Alexa.Discovery.Discover',
      kind: 'smart-home',
      tokenInEnvelope: { scope: true },
      verdict: 'fail',
      explanation: expect.stringMatching(/^Discover with the token at directive\.payload\.scope\.token: Discover\.Response has no endpoints\. The user hears "no new devices found"\./),
    });
    expect(w.stderr() + w.stdout()).not.toContain(USER_TOKEN);
    expect(w.stderr()).toMatch(/✖ Alexa\.Discovery\.Discover · token: scope · event Alexa\.Discovery\.Discover\.Response · \d+ ms/);
  });
});
