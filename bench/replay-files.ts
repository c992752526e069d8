// doctor replaying 100,000 envelope files from disk against a Lambda handler (a minimal raw
// callback skill, so the figure is alexa-link's own cost), probes off, --json to a pipe: as a
// user runs `alexa-link --json doctor --only replays --envelopes captures/ --probes none`.
// Throughput counts from process start to exit (listing, reading, replaying, the JSON document);
// peak memory is the CLI process's own high-water mark (VmHWM), sampled from /proc.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { BIN, ROOT, type Figure } from './lib.js';

const COUNT = 100_000;

async function writeEnvelopes(dir: string, count: number): Promise<void> {
  const base = JSON.parse(await readFile(path.join(ROOT, 'test/fixtures/envelopes/launch-linked.json'), 'utf8')) as { request: { requestId: string } };
  await mkdir(dir, { recursive: true });
  for (let i = 0; i < count; i += 1000) {
    await Promise.all(
      Array.from({ length: Math.min(1000, count - i) }, (_, j) => {
        base.request.requestId = `amzn1.echo-api.request.bench-${i + j}`;
        return writeFile(path.join(dir, `${String(i + j).padStart(6, '0')}.json`), JSON.stringify(base));
      }),
    );
  }
}

function runDoctor(dir: string): Promise<{ ms: number; peakBytes: number; replays: number; passed: number }> {
  return new Promise((resolve, reject) => {
    const started = process.hrtime.bigint();
    const handler = path.join(ROOT, 'test/fixtures/skills/callback/index.js');
    const child = spawn(process.execPath, ['--', BIN, '--json', 'doctor', '--only', 'replays', '--handler', handler, '--envelopes', 'envelopes', '--probes', 'none'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    let peakKb = 0;
    const poll = setInterval(() => {
      try {
        const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
        if (m) peakKb = Math.max(peakKb, Number(m[1]));
      } catch {
        /* exited */
      }
    }, 50);
    const chunks: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(poll);
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      try {
        const doc = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { replays: Array<{ verdict: string }> };
        resolve({ ms, peakBytes: peakKb * 1024, replays: doc.replays.length, passed: doc.replays.filter((r) => r.verdict === 'pass').length });
      } catch {
        reject(new Error(`doctor exited ${code}: ${stderr.slice(-1000)}`));
      }
    });
  });
}

export async function benchReplayFiles(): Promise<Figure[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'al-bench-files-'));
  try {
    await writeEnvelopes(path.join(dir, 'envelopes'), COUNT);
    const r = await runDoctor(dir);
    if (r.replays !== COUNT || r.passed !== COUNT) throw new Error(`replay-files bench: expected ${COUNT} passes, got ${r.passed}/${r.replays}`);
    const perSecond = (COUNT / r.ms) * 1000;
    const mb = r.peakBytes / 1e6;
    return [
      { name: 'doctor: 100,000 envelope files, handler, probes none (--json)', unit: '/s', median: perSecond, goal: '>= 3,000 /s', met: perSecond >= 3000, note: `${Math.round(r.ms)} ms from start to exit` },
      { name: 'peak memory (RSS), 100,000 envelope files', unit: 'MB', median: mb, goal: '<= 200 MB', met: mb <= 200 },
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
