// Small helpers for the benchmarks: timing, statistics, child processes, the results table.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const BIN = fileURLToPath(new URL('../bin/alexa-link.js', import.meta.url));

export function stats(samples) {
  const s = [...samples].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { median, min: s[0], max: s[s.length - 1], runs: s.length };
}

/** Wall time of a child process, in ms. */
export function timeProcess(cmd, args, opts = {}) {
  const t = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: 'ignore', ...opts });
  const ms = Number(process.hrtime.bigint() - t) / 1e6;
  if (r.status !== (opts.expectStatus ?? 0)) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}`);
  return ms;
}

/** Runs `fn` `runs` times after `warmup` runs, returning the timings in ms. */
export async function sample(fn, { runs = 9, warmup = 2 } = {}) {
  for (let i = 0; i < warmup; i++) await fn();
  const out = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    await fn();
    out.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return out;
}

export function run(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve({ stdout, stderr }) : reject(new Error(`${cmd} ${args.join(' ')} exited ${code}\n${stderr}`))));
  });
}

const fmt = (n, unit) => (unit === 'ms' ? n.toFixed(1) : unit === 'MB' ? n.toFixed(2) : unit === '/s' ? Math.round(n).toString() : String(Math.round(n * 100) / 100));

/** Prints the results as a table on stdout. */
export function printTable(figures) {
  const rows = figures.map((f) => [
    f.name,
    `${fmt(f.median, f.unit)} ${f.unit}`,
    f.min === undefined ? '' : `${fmt(f.min, f.unit)}–${fmt(f.max, f.unit)}`,
    f.ratio === undefined ? '' : `${f.ratio.toFixed(2)}x`,
    f.goal ?? '',
    f.met === undefined ? '' : f.met ? 'met' : 'MISSED',
  ]);
  const head = ['figure', 'median', 'min–max', 'ratio', 'goal', ''];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  console.log(line(head));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const r of rows) console.log(line(r));
}
