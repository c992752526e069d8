// `npm run bench`: measures each figure on this machine, prints a table and writes
// bench/results/latest.json. Pass suite names to run only some: `node bench/run.js startup`.
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ROOT, printTable } from './lib.js';

const SUITES = {
  startup: async () => (await import('./startup.js')).benchStartup(),
  footprint: async () => (await import('./footprint.js')).benchFootprint(),
};

const wanted = process.argv.slice(2);
const names = wanted.length ? wanted : Object.keys(SUITES);
for (const n of names) if (!SUITES[n]) {
  console.error(`unknown suite "${n}"; suites: ${Object.keys(SUITES).join(', ')}`);
  process.exit(2);
}

const figures = [];
for (const name of names) {
  process.stderr.write(`bench: ${name}…\n`);
  try {
    for (const f of await SUITES[name]()) figures.push({ suite: name, ...f });
  } catch (err) {
    console.error(`bench: ${name} failed: ${err instanceof Error ? err.message : err}`);
    figures.push({ suite: name, name: `${name} (failed)`, unit: '', median: NaN, met: false });
  }
}
printTable(figures);
const result = {
  date: new Date().toISOString(),
  machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, memoryGiB: Math.round(os.totalmem() / 2 ** 30), platform: `${os.platform()} ${os.release()}`, node: process.version },
  figures,
};
await mkdir(path.join(ROOT, 'bench', 'results'), { recursive: true });
await writeFile(path.join(ROOT, 'bench', 'results', 'latest.json'), JSON.stringify(result, null, 2) + '\n');
console.log(`\nwritten to bench/results/latest.json`);
if (figures.some((f) => Number.isNaN(f.median))) process.exitCode = 1;
