// Start-up: `alexa-link --version` and `--help` against bare `node -e 0`, same machine, same run.
import { BIN, stats, timeProcess } from './lib.js';

export async function benchStartup({ runs = 15 } = {}) {
  const node = process.execPath;
  const measure = (args, expectStatus = 0) => {
    for (let i = 0; i < 3; i++) timeProcess(node, args, { expectStatus });
    const samples = [];
    // Interleaving would be fairer still, but one block each after warm-up keeps caches equal.
    for (let i = 0; i < runs; i++) samples.push(timeProcess(node, args, { expectStatus }));
    return stats(samples);
  };
  const bare = measure(['-e', '0']);
  const version = measure([BIN, '--version']);
  const help = measure([BIN, '--help']);
  return [
    { name: 'node -e 0', unit: 'ms', ...bare },
    { name: 'alexa-link --version', unit: 'ms', ...version, ratio: version.median / bare.median, goal: '< 1.3x node', met: version.median / bare.median < 1.3 },
    { name: 'alexa-link --help', unit: 'ms', ...help, ratio: help.median / bare.median, goal: '< 1.5x node', met: help.median / bare.median < 1.5 },
  ];
}
