import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

/** What the demo left in TMPDIR (Node 22+ keeps its compile cache there too; that is Node's). */
async function leftovers(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => n !== 'node-compile-cache');
}

/** Each run gets its own TMPDIR, so what the demo leaves behind is visible. */
const dirs: string[] = [];
async function tmpdir(): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), 'al-demo-test-'));
  dirs.push(d);
  return d;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

interface DemoJson {
  ok: boolean;
  steps: Array<{ id: string; ok: boolean }>;
  project: string | null;
  login: { ok: boolean; steps: Array<{ id: string; status: string }> };
  replays: Array<{ source: string; verdict: string; response: { linkAccountCard: boolean; speech: string | null }; tokenInEnvelope: { context: boolean } }>;
}

describe('alexa-link demo', () => {
  it('runs the whole chain: the skill asks to link without a token and greets the demo user with one', async () => {
    const tmp = await tmpdir();
    const r = await runCli(['--json', 'demo'], { env: { TMPDIR: tmp }, timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as DemoJson;
    expect(doc.ok).toBe(true);
    expect(doc.steps.map((s) => [s.id, s.ok])).toEqual([
      ['provider', true],
      ['init', true],
      ['login', true],
      ['replay-no-token', true],
      ['replay-session-token', true],
    ]);
    const unlinked = doc.replays.filter((x) => !x.tokenInEnvelope.context);
    const linked = doc.replays.filter((x) => x.tokenInEnvelope.context);
    expect(unlinked.length).toBeGreaterThan(0);
    expect(unlinked.every((x) => x.response.linkAccountCard)).toBe(true);
    expect(linked.length).toBeGreaterThan(0);
    for (const x of linked) expect(x.response.speech).toContain('Ada Lovelace');
    expect(r.stderr).toContain('Completing the provider');
    // Nothing left behind: the temporary project is removed, and the report names none.
    expect(doc.project).toBeNull();
    expect(await leftovers(tmp)).toEqual([]);
  });

  it('--keep leaves the scaffolded skill with its session (0600), and no token is printed whole', async () => {
    const tmp = await tmpdir();
    const r = await runCli(['demo', '--keep'], { env: { TMPDIR: tmp }, timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Demo passed');
    const kept = (await readdir(tmp)).filter((n) => n.startsWith('alexa-link-demo-'));
    expect(kept).toHaveLength(1);
    const project = path.join(tmp, kept[0]!, 'demo-skill');
    const sessionPath = path.join(project, '.alexa-link', 'session.json');
    expect((await stat(sessionPath)).mode & 0o777).toBe(0o600);
    const session = JSON.parse(await readFile(sessionPath, 'utf8')) as { tokens: { accessToken: string; refreshToken: string } };
    for (const secret of [session.tokens.accessToken, session.tokens.refreshToken]) {
      expect(secret.length).toBeGreaterThan(10);
      expect(r.stdout + r.stderr).not.toContain(secret);
    }
    expect(r.stderr).toContain('sign-in done');
  });

  it('Ctrl-C stops it with exit 130 and removes what it made', async () => {
    const tmp = await tmpdir();
    let sent = false;
    const r = await runCli(['demo'], {
      env: { TMPDIR: tmp },
      timeoutMs: 60_000,
      onSpawn: (child) => {
        child.stderr?.on('data', (c: Buffer) => {
          if (!sent && c.toString().includes('[3/5]')) {
            sent = true;
            child.kill('SIGINT');
          }
        });
      },
    });
    expect(sent).toBe(true);
    expect(r.code).toBe(130);
    expect(r.stderr).toContain('Interrupted');
    expect(await leftovers(tmp)).toEqual([]);
  });

  it('rejects a bad flag value with exit 2', async () => {
    const r = await runCli(['demo', '--language', 'cobol']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--language must be javascript or typescript');
  });
});
