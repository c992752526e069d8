// Helpers for the benchmarks: timing, statistics, child processes, the results table.
import { spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** The repository root (this file runs from dist-bench/bench/). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = fileURLToPath(new URL('../../bin/alexa-link.js', import.meta.url));

export interface Figure {
  name: string;
  unit: string;
  median: number;
  min?: number;
  max?: number;
  runs?: number;
  ratio?: number;
  goal?: string;
  met?: boolean;
  note?: string;
}

export interface Stats {
  median: number;
  min: number;
  max: number;
  runs: number;
}

export function stats(samples: number[]): Stats {
  const s = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { median, min: s[0]!, max: s[s.length - 1]!, runs: s.length };
}

/** Wall time of a child process, in ms; throws when it exits with another status. */
export function timeProcess(cmd: string, args: string[], opts: SpawnOptions & { expectStatus?: number } = {}): number {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: 'ignore', ...opts });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== (opts.expectStatus ?? 0)) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}`);
  return ms;
}

/** Runs `fn` `runs` times after `warmup` runs, returning the timings in ms. */
export async function sample(fn: (i: number) => Promise<unknown>, { runs = 9, warmup = 2 } = {}): Promise<number[]> {
  for (let i = 0; i < warmup; i++) await fn(-1 - i);
  const out: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    await fn(i);
    out.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return out;
}

/** Spawns a command and collects its output; rejects on a non-zero exit. */
export function run(cmd: string, args: string[], opts: SpawnOptions = {}): Promise<{ stdout: string; stderr: string; ms: number }> {
  return new Promise((resolve, reject) => {
    const t = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - t) / 1e6;
      if (code === 0) resolve({ stdout, stderr, ms });
      else reject(new Error(`${cmd} ${args.join(' ')} exited ${code}\n${stderr.slice(-2000)}`));
    });
  });
}

/** A timed figure from samples, with a goal "under `limit`". */
export function timed(name: string, samples: number[], limit?: { ms: number; goal: string }): Figure {
  const s = stats(samples);
  const f: Figure = { name, unit: 'ms', ...s };
  if (limit) {
    f.goal = limit.goal;
    f.met = s.median < limit.ms;
  }
  return f;
}

function fmt(n: number, unit: string): string {
  if (Number.isNaN(n)) return 'n/a';
  if (unit === 'ms') return n.toFixed(1);
  if (unit === 'MB') return n.toFixed(2);
  if (unit === '/s') return Math.round(n).toString();
  return String(Math.round(n * 100) / 100);
}

/** Prints the results as a table on stdout. */
export function printTable(figures: Figure[]): void {
  const rows = figures.map((f) => [
    f.name,
    `${fmt(f.median, f.unit)} ${f.unit}`,
    f.min === undefined || f.max === undefined ? '' : `${fmt(f.min, f.unit)}–${fmt(f.max, f.unit)}`,
    f.ratio === undefined ? '' : `${f.ratio.toFixed(2)}x`,
    f.goal ?? '',
    f.met === undefined ? '' : f.met ? 'met' : 'MISSED',
  ]);
  const head = ['figure', 'median', 'min–max', 'ratio', 'goal', ''];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
  for (const f of figures) if (f.note) console.log(`  note: ${f.name}: ${f.note}`);
}
