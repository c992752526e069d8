import { readFile, mkdtemp, writeFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { builtinLaunch, validateEnvelope, type Envelope } from '../../src/replay/envelopes.js';
import { replayEnvelopes, replayOne, type TokenChange } from '../../src/replay/runner.js';
import { HandlerTarget, parseHandlerSpec } from '../../src/replay/targets/handler.js';

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
const noToken: TokenChange = { kind: 'set', token: undefined };
async function fixture(name: string): Promise<Envelope> {
  return validateEnvelope(JSON.parse(await readFile(path.join(ENVELOPES, name), 'utf8')), name);
}

describe('HandlerTarget with skills that have typical bugs', () => {
  it.each<[string, string, TokenChange, 'pass' | 'warn' | 'fail', RegExp]>([
    ['good skill, no token', 'good/index.js', noToken, 'pass', /LinkAccount card, as it should/],
    ['good skill, token', 'good/index.js', withSessionToken, 'pass', /token arrived/],
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
    const sessionless = await replayOne({ source: 'intent-no-session.json', envelope: await fixture('intent-no-session.json') }, { target: t, token: { kind: 'keep' } });
    expect(sessionless.verdict).toBe('fail');
    expect(sessionless.tokenInEnvelope).toEqual({ context: true, session: false });
    expect(sessionless.explanation).toMatch(/Cannot read properties of undefined \(reading 'user'\)/);
    expect(sessionless.explanation).toMatch(/read the token at context\.System\.user\.accessToken/);
    // The good skill answers the same envelope.
    const good = await replayOne({ source: 'intent-no-session.json', envelope: await fixture('intent-no-session.json') }, { target: target('good/index.js'), token: { kind: 'keep' } });
    expect(good.verdict).toBe('pass');
    expect(good.response.speech).toMatch(/Hello, linked user/);
  });

  it('reuses one child for a batch of envelopes', async () => {
    const t = target('good/index.js');
    const items = Array.from({ length: 40 }, (_, i) => ({ source: `n${i}`, envelope: launch }));
    const { results, counts } = await replayEnvelopes(items, { target: t, token: withSessionToken, concurrency: 8 });
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
    expect(r.explanation).toMatch(/exports no function "nope" \(it exports: handler\)/);
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

  it('parseHandlerSpec splits file and export', () => {
    expect(parseHandlerSpec('lambda/index.js', '/p')).toMatchObject({ file: '/p/lambda/index.js', exportName: 'handler', cwd: '/p/lambda' });
    expect(parseHandlerSpec('lambda/app.mjs#main', '/p')).toMatchObject({ file: '/p/lambda/app.mjs', exportName: 'main' });
  });
});
