// `npm run bench`: measures each figure on this machine, prints a table (median of several runs,
// with min and max) and writes the same to bench/results/latest.json. Pass suite names to run
// only some: `npm run bench -- startup replay`.
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ROOT, printTable, type Figure } from './lib.js';

const SUITES: Record<string, () => Promise<Figure[]>> = {
  startup: async () => (await import('./startup.js')).benchStartup(),
  footprint: async () => (await import('./footprint.js')).benchFootprint(),
  commands: async () => (await import('./commands.js')).benchCommands(),
  replay: async () => (await import('./replay.js')).benchReplay(),
  'replay-files': async () => (await import('./replay-files.js')).benchReplayFiles(),
};

const wanted = process.argv.slice(2);
const names = wanted.length ? wanted : Object.keys(SUITES);
for (const n of names) {
  if (!SUITES[n]) {
    console.error(`unknown suite "${n}"; suites: ${Object.keys(SUITES).join(', ')}`);
    process.exit(2);
  }
}

const figures: Array<Figure & { suite: string }> = [];
for (const name of names) {
  process.stderr.write(`bench: ${name}…\n`);
  try {
    for (const f of await SUITES[name]!()) figures.push({ suite: name, ...f });
  } catch (err) {
    console.error(`bench: ${name} failed: ${err instanceof Error ? err.message : String(err)}`);
    figures.push({ suite: name, name: `${name} (failed)`, unit: '', median: NaN, met: false });
  }
}
printTable(figures);
const result = {
  date: new Date().toISOString(),
  machine: {
    cpu: os.cpus()[0]?.model,
    cores: os.cpus().length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.release()}`,
    node: process.version,
    loadAverage: os.loadavg().map((n) => Math.round(n * 100) / 100),
  },
  figures,
};
await mkdir(path.join(ROOT, 'bench', 'results'), { recursive: true });
await writeFile(path.join(ROOT, 'bench', 'results', 'latest.json'), JSON.stringify(result, null, 2) + '\n');
console.log('\nwritten to bench/results/latest.json');
if (figures.some((f) => Number.isNaN(f.median))) process.exitCode = 1;
