import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import { afterAll, describe, expect, it } from 'vitest';
import type { DoctorJson } from '../../src/doctor/report.js';
import { runCli } from '../support/cli.js';

/**
 * The built CLI replaying envelopes against skills with typical bugs (--handler, in a child
 * process), rejecting malformed envelope files and bad flags with exit 2, and cleaning up its
 * child process on Ctrl-C.
 */
const FIXTURES = fileURLToPath(new URL('../fixtures', import.meta.url));
const SKILLS = path.join(FIXTURES, 'skills');
const ENVELOPES = path.join(FIXTURES, 'envelopes');
const temps: string[] = [];
afterAll(async () => {
  for (const t of temps) await rm(t, { recursive: true, force: true });
});

async function emptyDir(): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), 'al-replay-'));
  temps.push(d);
  return d;
}

const TOKEN = 'Atza|e2e-replay-token-0123456789abcdef';
/** A token the good fixture accepts: it validates tokens (an HMAC signature, as a skill checking JWTs would). */
const SIGNED = (createRequire(import.meta.url)(path.join(SKILLS, 'good/index.js')) as { signToken: () => string }).signToken();
const env = { HOME: '/nonexistent-home', E2E_TOKEN: TOKEN, SIGNED_TOKEN: SIGNED };

async function replay(args: string[], timeoutMs = 30_000) {
  const cwd = await emptyDir();
  const r = await runCli(['--json', 'doctor', '--only', 'replays', ...args], { cwd, env, timeoutMs });
  const doc = r.stdout ? (JSON.parse(r.stdout) as DoctorJson) : undefined;
  return { ...r, doc };
}

describe('replays against skills with typical bugs (--handler)', () => {
  it.each<[string, string[], 'pass' | 'fail', RegExp]>([
    ['a correct skill, with a token', [`${SKILLS}/good/index.js`, '--token', 'env:SIGNED_TOKEN'], 'pass', /token arrived/],
    ['always returns a LinkAccount card', [`${SKILLS}/always-link/index.js`, '--token', 'env:E2E_TOKEN'], 'fail', /still asks to link: it reads or validates the token wrongly/],
    ['throws', [`${SKILLS}/throws/index.js`, '--token', 'env:E2E_TOKEN'], 'fail', /The handler failed: database connection refused/],
    ['hangs', [`${SKILLS}/hangs/index.js`, '--timeout', '1000ms', '--token', 'env:E2E_TOKEN'], 'fail', /did not answer within 1000 ms: it hangs/],
    ['crashes the process', [`${SKILLS}/crashes/index.js`, '--token', 'env:E2E_TOKEN'], 'fail', /handler process crashed: boom outside the promise chain/],
  ])('%s', async (_name, [handler, ...rest], verdict, explanation) => {
    const r = await replay(['--handler', handler!, ...rest]);
    expect(r.code).toBe(verdict === 'pass' ? 0 : 1);
    const launch = r.doc!.replays.find((x) => x.source === 'builtin:launch')!;
    expect(launch.verdict).toBe(verdict);
    expect(launch.explanation).toMatch(explanation);
    expect(r.stdout + r.stderr).not.toContain(TOKEN);
    expect(r.stdout + r.stderr).not.toContain(SIGNED);
  });

  it('reads the token only from session.user: diagnosed on a request without a session', async () => {
    const r = await replay(['--handler', `${SKILLS}/session-only/index.js`, '--envelopes', `${ENVELOPES}/launch-linked.json`, `${ENVELOPES}/intent-no-session.json`]);
    expect(r.code).toBe(1);
    const [withSession, without] = r.doc!.replays;
    // With a session it answers, but the placement probe (token in context only) shows the bug.
    expect(withSession).toMatchObject({ source: expect.stringContaining('launch-linked.json'), tokenInEnvelope: { context: true, session: true }, verdict: 'warn' });
    expect(withSession!.explanation).toMatch(/reads the token from session\.user\.accessToken only/);
    expect(without).toMatchObject({ source: expect.stringContaining('intent-no-session.json'), tokenInEnvelope: { context: true, session: false }, verdict: 'fail' });
    expect(without!.explanation).toMatch(/no session[\s\S]*read the token at context\.System\.user\.accessToken/);
  });

  it('replays the request from an ask dialog --save-skill-io file and a SMAPI simulation result, with --token none', async () => {
    const r = await replay(['--handler', `${SKILLS}/good/index.js`, '--token', 'none', '--envelopes', `${ENVELOPES}/dialog-save-skill-io.json`, `${ENVELOPES}/simulation-result.json`]);
    expect(r.code).toBe(0);
    expect(r.doc!.replays).toHaveLength(2);
    for (const x of r.doc!.replays) expect(x).toMatchObject({ tokenInEnvelope: { context: false, session: false }, response: { linkAccountCard: true }, verdict: 'pass' });
  });

  it('a folder of envelopes against an ESM handler with a named export', async () => {
    const dir = await emptyDir();
    for (const f of ['launch-linked.json', 'unlinked-array.json']) await writeFile(path.join(dir, f), await readFile(path.join(ENVELOPES, f)));
    const r = await replay(['--handler', `${SKILLS}/esm-async/handler.js#main`, '--envelopes', dir, '--concurrency', '3']);
    expect(r.code).toBe(0);
    expect(r.doc!.replays.map((x) => [path.basename(x.source), x.verdict, x.response.linkAccountCard])).toEqual([
      ['launch-linked.json', 'pass', false],
      ['unlinked-array.json#1', 'pass', true],
      ['unlinked-array.json#2', 'pass', true],
    ]);
    expect(r.doc!.replays[0]!.response.speech).toBe('Hello from ESM.');
  });

  it('a folder holding malformed files replays the good ones; each bad file is one failed replay naming the file and the problem', async () => {
    const r = await replay(['--handler', `${SKILLS}/any-token/index.js`, '--envelopes', ENVELOPES]);
    expect(r.code).toBe(1);
    const bySource = new Map(r.doc!.replays.map((x) => [path.basename(x.source), x]));
    expect(bySource.get('launch-linked.json')).toMatchObject({ verdict: 'pass' });
    expect(bySource.get('binary.json')).toMatchObject({ verdict: 'fail', request: '(not loaded)', explanation: expect.stringMatching(/malformed\/binary\.json is binary, not JSON text/) });
    expect(bySource.get('truncated.json')!.explanation).toMatch(/truncated\.json is not valid JSON at line \d+/);
    expect(bySource.get('not-an-envelope.json')!.explanation).toMatch(/ask dialog replay file/);
    // Every failed row of a bad file says what to do.
    for (const x of r.doc!.replays.filter((x) => x.request === '(not loaded)')) expect(x.fix, x.source).toMatch(/\w/);
    expect(bySource.get('binary.json')!.fix).toMatch(/JSON text of a request envelope \(saved as UTF-8\)/);
    const text = await runCli(['doctor', '--only', 'replays', '--handler', `${SKILLS}/any-token/index.js`, '--envelopes', ENVELOPES], { cwd: await emptyDir(), env });
    expect(text.code).toBe(1);
    // One line per replay; the explanation once, below.
    expect(text.stdout).toMatch(/✖ \S*malformed\/wrong-types\.json +not loaded · \S*wrong-types\.json is not a usable request envelope/);
    expect(text.stdout).toMatch(/✖ Replay \S*malformed\/wrong-types\.json\n +\S*wrong-types\.json is not a usable request envelope:\n +- version must be a string/);
    const full = await runCli(['doctor', '-v', '--only', 'replays', '--handler', `${SKILLS}/any-token/index.js`, '--envelopes', ENVELOPES], { cwd: await emptyDir(), env });
    expect(full.stdout).toMatch(/✖ \S*malformed\/wrong-types\.json +not loaded\n +\S*wrong-types\.json is not a usable request envelope/);
  });

  it('a missing path, a dangling link and an array with one bad item in --envelopes are failed rows; a UTF-16 file replays', async () => {
    const dir = await emptyDir();
    const good = JSON.parse(await readFile(path.join(ENVELOPES, 'launch-linked.json'), 'utf8')) as unknown;
    await writeFile(path.join(dir, 'mixed.json'), JSON.stringify([good, { hello: 1 }]));
    await writeFile(path.join(dir, 'utf16.json'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(JSON.stringify(good, null, 2), 'utf16le')]));
    await symlink(path.join(dir, 'gone.json'), path.join(dir, 'dangling.json'));
    const args = ['doctor', '--only', 'replays', '--handler', `${SKILLS}/any-token/index.js`, '--envelopes', 'mixed.json', 'missing.json', 'dangling.json', 'utf16.json'];
    const r = await runCli(['--json', ...args], { cwd: dir, env });
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as DoctorJson;
    expect(doc.replays.map((x) => `${x.source} ${x.verdict}`)).toEqual(['mixed.json#1 pass', 'mixed.json#2 fail', 'missing.json fail', 'dangling.json fail', 'utf16.json pass']);
    expect(doc.replays[1]).toMatchObject({ request: '(not loaded)', explanation: expect.stringMatching(/mixed\.json item 2 is not a request envelope/), fix: expect.stringMatching(/\w/) });
    expect(doc.replays[2]).toMatchObject({ explanation: '--envelopes: missing.json not found.', fix: expect.stringMatching(/Check the path/) });
    expect(doc.replays[3]!.explanation).toMatch(/dangling\.json is a symbolic link to \S*gone\.json, which does not exist/);
    const text = await runCli(args, { cwd: dir, env });
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/✖ missing\.json +not loaded · --envelopes: missing\.json not found/);
  });

  it('past the first 1,000 replays, failures that repeat a problem are kept as a summary naming the first (bounded memory when everything fails)', async () => {
    const dir = await emptyDir();
    const good = JSON.parse(await readFile(path.join(ENVELOPES, 'launch-linked.json'), 'utf8')) as unknown;
    await mkdir(path.join(dir, 'envelopes'));
    for (let i = 0; i < 1030; i++) await writeFile(path.join(dir, 'envelopes', `${String(i).padStart(4, '0')}.json`), JSON.stringify(good));
    const args = ['doctor', '--only', 'replays', '--handler', `${SKILLS}/always-link/index.js`, '--envelopes', 'envelopes', '--probes', 'none'];
    const r = await runCli(['--json', ...args], { cwd: dir, env, timeoutMs: 120_000 });
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as { checks: Array<{ detail: string; fix?: string }>; replays: Array<{ source: string; verdict: string; compact?: true; sameAs?: string }> };
    expect(doc.replays).toHaveLength(1030);
    expect(doc.replays.every((x) => x.verdict === 'fail')).toBe(true);
    const compact = doc.replays.filter((x) => x.compact);
    expect(compact).toHaveLength(30);
    expect(compact[0]).toMatchObject({ source: path.join('envelopes', '1000.json'), sameAs: doc.replays[0]!.source });
    expect(doc.checks[0]!.detail).toMatch(/30 failures and warnings past the first 1,000 replays repeat a problem already shown 10 times: they are kept as a summary/);
    expect(doc.checks[0]!.fix).toMatch(/^envelopes\/0000\.json, envelopes\/0001\.json, envelopes\/0002\.json and 1,027 more: /);
    const text = await runCli(args, { cwd: dir, env, timeoutMs: 120_000 });
    expect(text.stdout).toContain('… and 30 more failures and warnings that repeat a problem below (--json lists each)');
    expect(text.stdout).toMatch(/✖ 1,030 replays \(envelopes\/0000\.json, envelopes\/0001\.json, envelopes\/0002\.json and 1,027 more\)/);
  }, 240_000);

  it('a handler with no token and no LinkAccount card is a warning, not a failure', async () => {
    const dir = await emptyDir();
    await writeFile(path.join(dir, 'h.mjs'), "export const handler = async () => ({ version: '1.0', response: { outputSpeech: { type: 'PlainText', text: 'Hi' } } });\n");
    const r = await runCli(['--json', 'doctor', '--only', 'replays', '--handler', 'h.mjs'], { cwd: dir, env });
    const doc = JSON.parse(r.stdout) as DoctorJson;
    expect(doc.replays[0]!.verdict).toBe('warn');
    expect(doc.checks[0]!.status).toBe('warn');
    expect(r.code).toBe(0);
  });
});

describe('when nothing at all loads, exit 2 naming the file and what is wrong', () => {
  it.each<[string, RegExp]>([
    ['truncated.json', /truncated\.json is not valid JSON at line \d+, column \d+: unexpected end of input/],
    ['wrong-types.json', /wrong-types\.json is not a usable request envelope:[\s\S]*version must be a string[\s\S]*request\.type must be a string[\s\S]*accessToken must be a string/],
    ['binary.json', /binary\.json is binary, not JSON text/],
    ['not-an-envelope.json', /ask dialog replay file/],
  ])('%s', async (file, message) => {
    const r = await replay(['--handler', `${SKILLS}/good/index.js`, '--envelopes', path.join(ENVELOPES, 'malformed', file)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).not.toMatch(/\n\s+at .*\.js:\d+/);
    expect(r.doc).toMatchObject({ ok: false, error: { code: expect.stringMatching(/^E_INPUT/) } });
  });

  it('a 50 MB file', async () => {
    const dir = await emptyDir();
    await writeFile(path.join(dir, 'huge.json'), Buffer.alloc(50 * 1024 * 1024, 0x20));
    const r = await runCli(['doctor', '--only', 'replays', '--handler', `${SKILLS}/good/index.js`, '--envelopes', 'huge.json'], { cwd: dir, env });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/huge\.json is 50\.0 MB; JSON files over 20 MB are not read/);
  });
});

describe('bad flags are usage errors (exit 2)', () => {
  it.each<[string, string[], RegExp]>([
    ['an unknown --only id lists the known ones', ['--only', 'replays', 'nope'], /--only: unknown check "nope"[\s\S]*Known checks: project-files, manifest-endpoint/],
    ['a bad --token', ['--token', 'bogus'], /--token: "bogus" is not keep, none, session or env:VAR/],
    ['--token env: with the variable unset', ['--token', 'env:NOT_SET_ANYWHERE'], /the environment variable NOT_SET_ANYWHERE is not set/],
    ['--token session without a login', ['--token', 'session'], /--token session needs the skill project/],
    ['two targets', ['--endpoint', 'http://127.0.0.1:1/', '--handler', 'x.js'], /--endpoint and --handler both choose/],
    ['a missing handler file', ['--handler', 'nope.js'], /--handler: nope\.js not found/],
    ['a bad --endpoint', ['--endpoint', 'ftp://x'], /must be an http:\/\/ or https:\/\/ URL/],
    ['a bad --timeout', ['--timeout', '0'], /--timeout: 0 is 0ms, under 100ms: too short for anything to answer/],
    ['--timeout under 100 ms', ['--timeout', '50ms'], /--timeout: 50ms is 50ms, under 100ms[\s\S]*A bare number is in seconds/],
    ['--simulate with --offline', ['--offline', '--simulate', 'open my skill'], /--simulate and --offline contradict each other/],
    ['--smapi with --offline', ['--offline', '--smapi'], /--smapi and --offline contradict each other/],
    ['a bad --concurrency', ['--concurrency', 'many'], /--concurrency: "many"/],
    ['a missing envelope file', ['--envelopes', 'missing.json'], /--envelopes: missing\.json not found/],
  ])('%s', async (_name, args, message) => {
    const cwd = await emptyDir();
    const r = await runCli(['doctor', ...args], { cwd, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });
});

/** 'gone', or the process state letter from /proc (Linux), or 'running' where /proc is unavailable. */
function processState(pid: number): string {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  } catch {
    try {
      process.kill(pid, 0);
      return 'running';
    } catch {
      return 'gone';
    }
  }
}

describe('Ctrl-C', () => {
  it('exits 130 and stops the handler child process', async () => {
    const cwd = await emptyDir();
    const pidFile = path.join(cwd, 'child.pid');
    let sent = false;
    // The skill sees only a Lambda-like environment: its own settings come from --env-file.
    await writeFile(path.join(cwd, 'skill.env'), `HANG_PID_FILE=${pidFile}\n`);
    const r = await runCli(['doctor', '--only', 'replays', '--handler', `${SKILLS}/hangs/index.js`, '--timeout', '60s', '--env-file', 'skill.env'], {
      cwd,
      env,
      onSpawn: (child) => {
        const poll = setInterval(() => {
          if (existsSync(pidFile) && !sent) {
            sent = true;
            clearInterval(poll);
            child.kill('SIGINT');
          }
        }, 50);
        child.on('exit', () => clearInterval(poll));
      },
    });
    expect(sent).toBe(true);
    expect(r.code).toBe(130);
    const pid = Number(await readFile(pidFile, 'utf8'));
    // The hanging skill's process is gone: reaped by doctor before it exited, so not even a zombie.
    expect(processState(pid)).toBe('gone');
  });
});
