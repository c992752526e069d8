// Install footprint of the packed package: npm pack, install the tarball into an empty folder,
// measure the size on disk and count the installed packages.
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ROOT, run, type Figure } from './lib.js';

async function du(dir: string): Promise<number> {
  let total = 0;
  const entries = await readdir(dir, { withFileTypes: true });
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += await du(p);
    else if (e.isFile()) total += (await stat(p)).size;
  }
  return total;
}

async function countPackages(nodeModules: string): Promise<number> {
  let n = 0;
  for (const e of await readdir(nodeModules, { withFileTypes: true })) {
    if (!e.isDirectory() || e.name.startsWith('.')) continue;
    if (e.name.startsWith('@')) {
      n += (await readdir(path.join(nodeModules, e.name), { withFileTypes: true })).filter((x) => x.isDirectory()).length;
    } else n++;
    const nested = path.join(nodeModules, e.name, 'node_modules');
    try {
      n += await countPackages(nested);
    } catch {
      // no nested node_modules
    }
  }
  return n;
}

export async function benchFootprint(): Promise<Figure[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'al-footprint-'));
  try {
    const { stdout } = await run('npm', ['pack', '--silent', '--pack-destination', dir], { cwd: ROOT });
    const tgz = path.join(dir, stdout.trim().split('\n').pop() ?? '');
    const tarball = (await stat(tgz)).size;
    const app = path.join(dir, 'app');
    await run('mkdir', ['-p', app]);
    await run('npm', ['init', '-y'], { cwd: app });
    await run('npm', ['install', '--omit=dev', '--no-audit', '--no-fund', tgz], { cwd: app });
    const nm = path.join(app, 'node_modules');
    const bytes = await du(nm);
    const packages = await countPackages(nm);
    const mb = bytes / 1e6;
    return [
      { name: 'packed tarball', unit: 'MB', median: tarball / 1e6 },
      { name: 'installed size (node_modules)', unit: 'MB', median: mb, goal: '< 8 MB (ASK CLI: 206 MB)', met: mb < 8 },
      { name: 'installed packages', unit: 'packages', median: packages, goal: '< 50 (ASK CLI: 506)', met: packages < 50 },
    ];
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
