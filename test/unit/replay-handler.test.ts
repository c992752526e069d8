import { readFile, mkdtemp, writeFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { validateEnvelope, type Envelope } from '../../src/replay/envelopes.js';
import { builtinLaunch, builtinSessionEnded } from '../../src/replay/kinds/custom.js';
import { lambdaEnvironment } from '../../src/replay/lambda-env.js';
import { DETAIL_PER_PROBLEM, isCompact, replayEnvelopes, replayOne, type ReplayResult, type TokenChange } from '../../src/replay/runner.js';
import { groupProblems } from '../../src/doctor/checks/replays.js';
import { findHandlerInCodeDir, HandlerTarget, parseHandlerSpec, readCodeInfo } from '../../src/replay/targets/handler.js';
import { execFileSync } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isLoopbackHost } from '../../src/replay/offline-net.js';

/** Needs the built child entry (dist/replay/handler-child.js): `npx tsc -p tsconfig.build.json`. */
const SKILLS = fileURLToPath(new URL('../fixtures/skills', import.meta.url));
const ENVELOPES = fileURLToPath(new URL('../fixtures/envelopes', import.meta.url));
const targets: HandlerTarget[] = [];
const temps: string[] = [];
afterAll(async () => {
  for (const t of targets) await t.close();
  for (const d of temps) await rm(d, { recursive: true, force: true });
});

function target(spec: string, timeoutMs = 3000): HandlerTarget {
  const t = new HandlerTarget(parseHandlerSpec(spec, SKILLS), { timeoutMs });
  targets.push(t);
  return t;
}

const launch = builtinLaunch({ skillId: undefined, locale: 'en-US' });
const withSessionToken: TokenChange = { kind: 'set', token: 'Atza|a-real-looking-token-0123456789' };
/** A token the good fixture accepts (it checks an HMAC signature, as a skill validating JWTs does). */
const signed: TokenChange = { kind: 'set', token: (createRequire(import.meta.url)(path.join(SKILLS, 'good/index.js')) as { signToken: () => string }).signToken() };
const noToken: TokenChange = { kind: 'set', token: undefined };
async function fixture(name: string): Promise<Envelope> {
  return validateEnvelope(JSON.parse(await readFile(path.join(ENVELOPES, name), 'utf8')), name);
}

describe('HandlerTarget with skills that have typical bugs', () => {
  it.each<[string, string, TokenChange, 'pass' | 'warn' | 'fail', RegExp]>([
    ['good skill, no token', 'good/index.js', noToken, 'pass', /LinkAccount card, as it should/],
    ['good skill, token', 'good/index.js', signed, 'pass', /token arrived/],
    ['good skill, an invalid token: asks to link again', 'good/index.js', withSessionToken, 'fail', /still asks to link/],
    ['accepts any token', 'any-token/index.js', withSessionToken, 'pass', /token arrived/],
    ['always asks to link, token', 'always-link/index.js', withSessionToken, 'fail', /still asks to link: it reads or validates the token wrongly/],
    ['always asks to link, no token', 'always-link/index.js', noToken, 'pass', /not linked/],
    ['throws', 'throws/index.js', withSessionToken, 'fail', /The handler failed: database connection refused/],
    ['callback style without the SDK', 'callback/index.js', withSessionToken, 'pass', /token arrived/],
    ['ESM async handler under another export name', 'esm-async/handler.js#main', noToken, 'pass', /LinkAccount card/],
  ])('%s', async (_name, spec, token, verdict, explanation) => {
    const r = await replayOne({ source: 'builtin:launch', envelope: launch }, { target: target(spec), token });
    expect(r.verdict).toBe(verdict);
    expect(r.explanation).toMatch(explanation);
  });

  it('reads the token only from session.user: fine with a session, crashes without one', async () => {
    const t = target('session-only/index.js');
    const withSession = await replayOne({ source: 'builtin:launch', envelope: launch }, { target: t, token: withSessionToken });
    expect(withSession.verdict).toBe('pass');
    // The placement probe shows it on the same envelope: with the token in context only it asks to link.
    const probed = await replayOne({ source: 'builtin:launch', envelope: launch }, { target: t, token: withSessionToken, probes: 'placement', tokenOrigin: 'session' });
    expect(probed.verdict).toBe('warn');
    expect(probed.explanation).toMatch(/reads the token from session\.user\.accessToken only/);
    expect(probed.evidence.probes.map((p) => [p.id, p.answer?.linkAccountCard])).toEqual([['context-only', true]]);
    const sessionless = await replayOne({ source: 'intent-no-session.json', envelope: await fixture('intent-no-session.json') }, { target: t, token: { kind: 'keep' } });
    expect(sessionless.verdict).toBe('fail');
    expect(sessionless.tokenInEnvelope).toEqual({ context: true, session: false });
    expect(sessionless.explanation).toMatch(/Cannot read properties of undefined \(reading 'user'\)/);
    expect(sessionless.explanation).toMatch(/read the token at context\.System\.user\.accessToken/);
    // A skill that reads the token where Alexa's SDK does answers the same envelope.
    const good = await replayOne({ source: 'intent-no-session.json', envelope: await fixture('intent-no-session.json') }, { target: target('any-token/index.js'), token: { kind: 'keep' } });
    expect(good.verdict).toBe('pass');
    expect(good.response.speech).toMatch(/Your account is linked/);
  });

  it('reuses one child for a batch of envelopes', async () => {
    const t = target('good/index.js');
    const items = Array.from({ length: 40 }, (_, i) => ({ source: `n${i}`, envelope: launch }));
    const { results, counts } = await replayEnvelopes(items, { target: t, token: signed, concurrency: 8 });
    expect(results).toHaveLength(40);
    expect(counts).toEqual({ pass: 40, warn: 0, fail: 0 });
    expect(results.map((r) => r.source)).toEqual(items.map((i) => i.source));
    expect(t.restarts).toBe(0);
  });

  it('a hang is a timeout, the child is replaced and the next envelope is served', async () => {
    const t = target('hangs/index.js', 600);
    const r = await replayOne({ source: 'x', envelope: launch }, { target: t, token: withSessionToken });
    expect(r.verdict).toBe('fail');
    expect(r.explanation).toMatch(/did not answer within 600 ms: it hangs/);
    expect(r.status).toBeNull();
    const again = await replayOne({ source: 'y', envelope: launch }, { target: t, token: withSessionToken });
    expect(again.explanation).toMatch(/did not answer within 600 ms/);
    expect(t.restarts).toBe(2);
  });

  it('a crash outside the promise chain fails the envelope and doctor carries on', async () => {
    const t = target('crashes/index.js');
    const r = await replayOne({ source: 'x', envelope: launch }, { target: t, token: withSessionToken });
    expect(r.verdict).toBe('fail');
    expect(r.explanation).toMatch(/The handler process crashed: boom outside the promise chain/);
    const again = await replayOne({ source: 'y', envelope: launch }, { target: t, token: withSessionToken });
    expect(again.explanation).toMatch(/crashed/);
    expect(t.restarts).toBe(2);
  });

  it('a missing export names what the module exports', async () => {
    const r = await replayOne({ source: 'x', envelope: launch }, { target: target('good/index.js#nope'), token: noToken });
    expect(r.verdict).toBe('fail');
    expect(r.explanation).toMatch(/exports no function "nope" \(it exports: handler, signToken\)/);
  });

  it('a module that cannot load its dependencies says to install them', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'al-nodeps-'));
    temps.push(dir);
    await writeFile(path.join(dir, 'package.json'), '{"type":"commonjs"}');
    await writeFile(path.join(dir, 'index.js'), "const x = require('some-package-that-is-not-installed'); exports.handler = x;");
    const t = new HandlerTarget(parseHandlerSpec(path.join(dir, 'index.js'), dir), { timeoutMs: 3000 });
    targets.push(t);
    const r = await replayOne({ source: 'x', envelope: launch }, { target: t, token: noToken });
    expect(r.verdict).toBe('fail');
    expect(r.explanation).toMatch(/Could not load the handler/);
    expect(r.explanation).toMatch(/npm install/);
  });

  // Node 22.18+ and 24 strip types themselves (process.features.typescript); Node 20 refuses .ts.
  it.skipIf(Boolean((process.features as { typescript?: unknown }).typescript))('TypeScript source says to build it and pass the compiled file', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'al-ts-'));
    temps.push(dir);
    await writeFile(path.join(dir, 'package.json'), '{"type":"module"}');
    await writeFile(path.join(dir, 'index.ts'), 'export const handler = async (): Promise<unknown> => ({});');
    const t = new HandlerTarget(parseHandlerSpec(path.join(dir, 'index.ts'), dir), { timeoutMs: 3000 });
    targets.push(t);
    const r = await replayOne({ source: 'x', envelope: launch }, { target: t, token: noToken });
    expect(r.verdict).toBe('fail');
    expect(r.explanation).toMatch(/Node cannot run TypeScript source\. Build it first .* pass the compiled file to --handler/);
  });

  it("captures what each invocation logged, without mixing concurrent ones, bounded, redacted, control characters escaped", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'al-logs-'));
    temps.push(dir);
    await writeFile(path.join(dir, 'package.json'), '{"type":"commonjs"}');
    await writeFile(
      path.join(dir, 'index.js'),
      `exports.handler = async (event) => {
        const id = event.request.intent ? event.request.intent.name : 'launch';
        const token = event.context.System.user.accessToken;
        console.log('start', id);
        await new Promise((r) => setTimeout(r, 20 + Math.random() * 20));
        process.stdout.write('direct ' + id + '\\n');
        console.error('token is ' + token + ' \\x1b[2J');
        if (id === 'Loud') for (let i = 0; i < 500; i++) console.log('line', i, 'x'.repeat(30));
        setTimeout(() => console.log('late', id), 1);
        return { version: '1.0', response: { outputSpeech: { type: 'PlainText', text: id } } };
      };`,
    );
    const t = new HandlerTarget(parseHandlerSpec(path.join(dir, 'index.js'), dir), { timeoutMs: 3000 });
    targets.push(t);
    const token = 'Atza|secret-token-that-must-not-show-0123';
    const intent = (name: string) => ({ ...launch, request: { type: 'IntentRequest', intent: { name } } });
    const items = ['A', 'B', 'C', 'Loud'].map((n) => ({ source: n, envelope: intent(n) }));
    const { results } = await replayEnvelopes(items, { target: t, token: { kind: 'set', token }, concurrency: 4 });
    for (const r of results as ReplayResult[]) {
      const logs = r.evidence.logs;
      const name = r.source;
      expect(logs[0]).toEqual({ level: 'log', text: `start ${name}` });
      expect(logs).toContainEqual({ level: 'stdout', text: `direct ${name}` });
      const err = logs.find((l) => l.level === 'error')!;
      expect(err.text).toMatch(/^token is Atza… \(\d+ chars\) /);
      expect(err.text).not.toContain(token);
      expect(err.text).toContain('\\x1b[2J');
      expect(logs.some((l) => l.text.includes(name === 'A' ? 'start B' : 'start A'))).toBe(false);
      if (name === 'Loud') {
        expect(logs.length).toBeLessThanOrEqual(50);
        expect(logs.reduce((n, l) => n + Buffer.byteLength(l.text), 0)).toBeLessThanOrEqual(4096);
        expect(r.evidence.logsDropped).toBeGreaterThan(400);
      }
    }
  });

  it('refuses an answer larger than Alexa accepts (24 KB) in the child, and a heap past --memory is an out-of-memory crash', async () => {
    const big = await replayOne({ source: 'x', envelope: launch }, { target: target('too-large/index.js'), token: noToken });
    expect(big.verdict).toBe('fail');
    expect(big.explanation).toMatch(/Alexa refuses a skill response larger than 24 KB \(24576 bytes\)/);
    expect(big.evidence.error?.kind).toBe('too-large');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'al-oom-'));
    temps.push(dir);
    await writeFile(path.join(dir, 'index.js'), 'exports.handler = async () => { const a = []; for (;;) a.push(new Array(1e5).fill(Math.random())); };');
    const t = new HandlerTarget(parseHandlerSpec(path.join(dir, 'index.js'), dir), { timeoutMs: 8000, memoryMb: 64 });
    targets.push(t);
    const oom = await replayOne({ source: 'x', envelope: launch }, { target: t, token: noToken });
    expect(oom.verdict).toBe('fail');
    expect(oom.explanation).toMatch(/ran out of memory: its heap limit is 64 MB/);
  });

  it('runs the handler with only the Lambda-like environment it is given', async () => {
    const env = lambdaEnvironment(
      { PATH: process.env.PATH, HOME: '/home/dev', LANG: 'de_DE.UTF-8', ASK_ACCESS_TOKEN: 'Atza|ask', ALEXA_LINK_CLIENT_SECRET: 's3cret-s3cret', AWS_SECRET_ACCESS_KEY: 'aws', MY_SECRET: 'x' },
      { region: 'eu-west-1', functionName: 'fn', memoryMb: 256, taskRoot: path.join(SKILLS, 'env-echo') },
      { USERINFO_URL: 'http://127.0.0.1:1/userinfo' },
    );
    const t = new HandlerTarget(parseHandlerSpec(path.join(SKILLS, 'env-echo/index.js'), SKILLS), { timeoutMs: 3000, env });
    targets.push(t);
    const r = await replayOne({ source: 'x', envelope: launch }, { target: t, token: noToken });
    const names = String(r.response.speech).replace(/^Variables: |\.$/g, '').split(', ');
    expect(names).toEqual(expect.arrayContaining(['AWS_REGION', 'AWS_LAMBDA_FUNCTION_NAME', 'AWS_EXECUTION_ENV', 'LAMBDA_TASK_ROOT', 'AWS_LAMBDA_FUNCTION_MEMORY_SIZE', 'PATH', 'HOME', 'LANG', 'USERINFO_URL']));
    for (const n of names) expect(n).not.toMatch(/^(ASK_|ALEXA_LINK_|AWS_SECRET|AWS_ACCESS|MY_SECRET)/);
  });

  it('reads the style from the code: the modules the handler requires', async () => {
    expect((await readCodeInfo(path.join(SKILLS, 'alexa-sdk-v1/index.js'), SKILLS)).requires).toContain('alexa-sdk');
    expect((await readCodeInfo(path.join(SKILLS, 'session-only/index.js'), SKILLS)).requires).toContain('ask-sdk-core');
    expect((await readCodeInfo(path.join(SKILLS, 'raw-appid/index.js'), path.join(SKILLS, 'raw-appid'))).requires).toEqual([]);
  });

  it('a package.json that is a FIFO neither hangs the handler search nor the style reading (bounded reads)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'al-fifo-pkg-'));
    temps.push(dir);
    execFileSync('mkfifo', [path.join(dir, 'package.json')]);
    await writeFile(path.join(dir, 'index.js'), "exports.handler = async () => ({ version: '1.0', response: {} });\n");
    const started = Date.now();
    const found = await findHandlerInCodeDir(dir, { root: dir });
    expect(found).toMatchObject({ spec: { file: path.join(dir, 'index.js'), exportName: 'handler' } });
    expect((await readCodeInfo(path.join(dir, 'index.js'), dir)).requires).toEqual([]);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('keeps passes past the first 1,000 compact', async () => {
    const t = target('callback/index.js');
    const items = Array.from({ length: 30 }, (_, i) => ({ source: `n${i}`, envelope: launch }));
    const { results } = await replayEnvelopes(items, { target: t, token: withSessionToken, concurrency: 4, detailLimit: 10 });
    expect(results.filter(isCompact).map((r) => r.source)).toEqual(items.slice(10).map((i) => i.source));
    expect(results[20]).toEqual({ compact: true, source: 'n20', request: 'LaunchRequest', label: 'LaunchRequest', tokenInEnvelope: { context: true, session: true }, status: 200, latencyMs: expect.any(Number), verdict: 'pass' });
  });

  it('keeps failures of the same problem past the first 1,000 compact, naming the first (bounded memory when every replay fails)', async () => {
    const t = target('always-link/index.js');
    const items = Array.from({ length: 40 }, (_, i) => ({ source: `f${i}`, envelope: launch }));
    const { results, counts } = await replayEnvelopes(items, { target: t, token: withSessionToken, concurrency: 1, detailLimit: 5 });
    expect(counts.fail).toBe(40);
    // The first 5 (detailLimit), and the first DETAIL_PER_PROBLEM of the problem, in full; the rest compact.
    expect(results.filter((r) => !isCompact(r)).map((r) => r.source)).toEqual(items.slice(0, DETAIL_PER_PROBLEM).map((i) => i.source));
    expect(results[30]).toEqual({ compact: true, source: 'f30', request: 'LaunchRequest', label: 'LaunchRequest', tokenInEnvelope: { context: true, session: true }, status: 200, latencyMs: expect.any(Number), verdict: 'fail', sameAs: 'f0' });
    const { groups, compacted } = groupProblems(results);
    expect(compacted).toBe(40 - DETAIL_PER_PROBLEM);
    expect(groups).toHaveLength(1);
    expect(groups[0]).toMatchObject({ count: 40, sources: ['f0', 'f1', 'f2'] });
  });

  it('one invocation per child at a time, as in Lambda: module-level token state and an await give the same right verdicts run after run at concurrency 4', async () => {
    const t = new HandlerTarget(parseHandlerSpec('module-token/index.js', SKILLS), { timeoutMs: 3000, concurrency: 4 });
    targets.push(t);
    // Every other envelope without a token: requests in flight together in one process would read each other's.
    const items = Array.from({ length: 24 }, (_, i) => ({ source: `n${i}`, envelope: launch, token: i % 2 ? withSessionToken : noToken }));
    for (let run = 0; run < 3; run++) {
      const { results, counts } = await replayEnvelopes(items, { target: t, token: { kind: 'keep' }, concurrency: 4 });
      expect(counts).toEqual({ pass: 24, warn: 0, fail: 0 });
      expect((results as ReplayResult[]).map((r) => r.response.speech)).toEqual(items.map((_, i) => (i % 2 ? 'Welcome back, your account is linked.' : 'Please link your account in the Alexa app.')));
    }
    expect(t.restarts).toBe(0);
  });

  it('a hang fails only its own invocation: the envelopes on the other children answer', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'al-onehang-'));
    temps.push(dir);
    await writeFile(path.join(dir, 'package.json'), '{"type":"commonjs"}');
    await writeFile(
      path.join(dir, 'index.js'),
      `exports.handler = async (event) => {
        if (event.request.type === 'SessionEndedRequest') return new Promise(() => {});
        await new Promise((r) => setTimeout(r, 100));
        return { version: '1.0', response: { outputSpeech: { type: 'PlainText', text: 'Please link.' }, card: { type: 'LinkAccount' } } };
      };`,
    );
    const t = new HandlerTarget(parseHandlerSpec(path.join(dir, 'index.js'), dir), { timeoutMs: 1000, concurrency: 3 });
    targets.push(t);
    const ended = builtinSessionEnded({ skillId: undefined, locale: 'en-US' });
    const items = [{ source: 'hangs', envelope: ended }, ...Array.from({ length: 6 }, (_, i) => ({ source: `n${i}`, envelope: launch }))];
    const { results } = await replayEnvelopes(items, { target: t, token: noToken, concurrency: 3 });
    expect((results as ReplayResult[]).map((r) => [r.source, r.verdict])).toEqual([['hangs', 'fail'], ...items.slice(1).map((i) => [i.source, 'pass'])]);
    expect((results[0] as ReplayResult).explanation).toMatch(/did not answer within 1000 ms/);
    expect(t.restarts).toBe(1);
  });

  describe('callback handlers and the event loop (callbackWaitsForEmptyEventLoop)', () => {
    const ended = builtinSessionEnded({ skillId: undefined, locale: 'en-US' });

    it('alexa-sdk v1 whose SessionEndedRequest handler only logs: the invocation ends with null when the loop is empty, a pass, not a timeout', async () => {
      const started = Date.now();
      const r = await replayOne({ source: 'x', envelope: ended }, { target: target('alexa-sdk-v1/index.js', 5000), token: withSessionToken });
      expect(r.verdict).toBe('pass');
      expect(r.evidence.error).toBeUndefined();
      expect(r.evidence.note).toMatch(/returned without calling its callback .* Lambda ends such an invocation with null once the event loop is empty/);
      expect(r.evidence.logs).toContainEqual({ level: 'log', text: 'Session ended: USER_INITIATED' });
      expect(Date.now() - started).toBeLessThan(4000);
    });

    it('a raw handler that never calls back for a request that needs an answer: null, a failure that says why', async () => {
      const t = target('callback-loop/index.js#silent', 5000);
      const endedR = await replayOne({ source: 'x', envelope: ended }, { target: t, token: noToken });
      expect(endedR.verdict).toBe('pass');
      const intent = await replayOne({ source: 'y', envelope: { ...launch, request: { type: 'IntentRequest', requestId: 'r', timestamp: new Date().toISOString(), locale: 'en-US', intent: { name: 'WhoAmIIntent' } } } }, { target: t, token: noToken });
      expect(intent.verdict).toBe('fail');
      expect(intent.explanation).toMatch(/did not return a skill response/);
      expect(intent.explanation).toMatch(/returned without calling its callback/);
      expect(intent.evidence.error).toBeUndefined();
    });

    it('calls back but leaves a pool timer open: Lambda would time out; a failure naming what stayed open and the fix, on a fresh child next time', async () => {
      const t = target('callback-loop/index.js#pool', 1200);
      const r = await replayOne({ source: 'x', envelope: launch }, { target: t, token: withSessionToken });
      expect(r.verdict).toBe('fail');
      expect(r.evidence.error?.kind).toBe('timeout');
      expect(r.explanation).toMatch(/called back with its answer, but left work pending \(1 timer: Timeout\) until the 1200 ms limit/);
      expect(r.fix).toMatch(/end the database pool, clear the keep-alive timer.*context\.callbackWaitsForEmptyEventLoop = false/);
      const again = await replayOne({ source: 'y', envelope: launch }, { target: t, token: withSessionToken });
      expect(again.explanation).toMatch(/left work pending \(1 timer: Timeout\)/);
    });

    it('context.callbackWaitsForEmptyEventLoop = false answers at once; work that ends soon after context.succeed only delays the answer', async () => {
      const noWait = await replayOne({ source: 'x', envelope: launch }, { target: target('callback-loop/index.js#poolNoWait', 1200), token: withSessionToken });
      expect(noWait.verdict).toBe('pass');
      expect(noWait.latencyMs).toBeLessThan(500);
      const flushes = await replayOne({ source: 'x', envelope: launch }, { target: target('callback-loop/index.js#flushes', 1200), token: withSessionToken });
      expect(flushes.verdict).toBe('pass');
      expect(flushes.latencyMs).toBeGreaterThanOrEqual(45);
      expect(flushes.evidence.logs).toContainEqual({ level: 'log', text: 'flushed' });
    });
  });

  describe('--offline: the skill cannot reach hosts other than this machine', () => {
    it.each<[string, boolean]>([
      ['localhost', true],
      ['LOCALHOST.', true],
      ['api.localhost', true],
      ['127.0.0.1', true],
      ['127.8.9.10', true],
      ['::1', true],
      ['[::1]', true],
      ['::ffff:127.0.0.1', true],
      ['api.amazon.com', false],
      ['10.0.0.1', false],
      ['::ffff:10.0.0.1', false],
      ['localhost.example.com', false],
    ])('%s is loopback: %s', (host, loopback) => {
      expect(isLoopbackHost(host)).toBe(loopback);
    });

    function providerTarget(url: string, offline: boolean): HandlerTarget {
      const env = lambdaEnvironment({ PATH: process.env.PATH }, { region: 'us-east-1', functionName: 'fn', memoryMb: 256, taskRoot: path.join(SKILLS, 'provider-error') }, { USERINFO_URL: url });
      const t = new HandlerTarget(parseHandlerSpec(path.join(SKILLS, 'provider-error/index.js'), SKILLS), { timeoutMs: 5000, env, offline });
      targets.push(t);
      return t;
    }

    it('a call to an internet host fails at once with ENOTFOUND naming --offline, and the verdict says --offline cut it', async () => {
      const r = await replayOne({ source: 'x', envelope: launch }, { target: providerTarget('https://api.amazon.com/user/profile', true), token: withSessionToken, offline: true });
      expect(r.verdict).toBe('fail');
      expect(r.response.speech).toMatch(/getaddrinfo ENOTFOUND api\.amazon\.com:443 \(cut by alexa-link doctor --offline/);
      expect(r.explanation).toMatch(/network call to api\.amazon\.com failed \(ENOTFOUND\) because doctor ran with --offline, which cuts the skill's calls to hosts other than this machine/);
      expect(r.latencyMs).toBeLessThan(1000);
    });

    it('fetch() and an address are cut too; loopback still answers', async () => {
      const server = http.createServer((_req, res) => res.end(JSON.stringify({ name: 'Ada' })));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      try {
        const port = (server.address() as AddressInfo).port;
        const local = await replayOne({ source: 'x', envelope: launch }, { target: providerTarget(`http://127.0.0.1:${port}/userinfo`, true), token: withSessionToken, offline: true });
        expect(local.response.speech).toBe('Hello, Ada.');
        const byName = await replayOne({ source: 'x', envelope: launch }, { target: providerTarget(`http://localhost:${port}/userinfo`, true), token: withSessionToken, offline: true });
        expect(byName.response.speech).toBe('Hello, Ada.');
        const address = await replayOne({ source: 'x', envelope: launch }, { target: providerTarget('http://192.0.2.10/userinfo', true), token: withSessionToken, offline: true });
        expect(address.response.speech).toMatch(/connect ENETUNREACH 192\.0\.2\.10:80 \(cut by alexa-link doctor --offline/);
      } finally {
        server.close();
      }
      const dir = await mkdtemp(path.join(os.tmpdir(), 'al-fetch-'));
      temps.push(dir);
      await writeFile(path.join(dir, 'package.json'), '{"type":"commonjs"}');
      await writeFile(
        path.join(dir, 'index.js'),
        `const dns = require('node:dns');
        exports.handler = async () => {
          const said = [];
          try { await fetch('https://api.amazon.com/user/profile'); said.push('fetched'); } catch (e) { said.push(e.cause ? e.cause.code + ' ' + e.cause.message : e.message); }
          try { await dns.promises.lookup('api.amazon.com'); said.push('resolved'); } catch (e) { said.push(e.code); }
          said.push((await dns.promises.lookup('localhost')).address ? 'localhost resolves' : 'no');
          return { version: '1.0', response: { outputSpeech: { type: 'PlainText', text: said.join(' | ') } } };
        };`,
      );
      const t = new HandlerTarget(parseHandlerSpec(path.join(dir, 'index.js'), dir), { timeoutMs: 5000, offline: true });
      targets.push(t);
      const r = await replayOne({ source: 'x', envelope: launch }, { target: t, token: noToken });
      expect(r.response.speech).toMatch(/^ENOTFOUND getaddrinfo ENOTFOUND api\.amazon\.com:443 \(cut by alexa-link doctor --offline.*\| ENOTFOUND \| localhost resolves$/);
    });
  });

  it('parseHandlerSpec splits file and export', () => {
    expect(parseHandlerSpec('lambda/index.js', '/p')).toMatchObject({ file: '/p/lambda/index.js', exportName: 'handler', cwd: '/p/lambda' });
    expect(parseHandlerSpec('lambda/app.mjs#main', '/p')).toMatchObject({ file: '/p/lambda/app.mjs', exportName: 'main' });
  });
});
