// Start-up: `alexa-link --version` and `--help` against bare `node -e 0`, same machine, same run.
import { BIN, stats, timeProcess, type Figure } from './lib.js';

export async function benchStartup({ runs = 15 } = {}): Promise<Figure[]> {
  const node = process.execPath;
  const cases: Array<[string, string[]]> = [
    ['node -e 0', ['-e', '0']],
    ['alexa-link --version', [BIN, '--version']],
    ['alexa-link --help', [BIN, '--help']],
  ];
  for (const [, args] of cases) for (let i = 0; i < 3; i++) timeProcess(node, args);
  // Interleaved, so a busy moment of the machine lands on all three alike.
  const samples = cases.map(() => [] as number[]);
  for (let i = 0; i < runs; i++) cases.forEach(([, args], k) => samples[k]!.push(timeProcess(node, args)));
  const [bare, version, help] = samples.map(stats) as [ReturnType<typeof stats>, ReturnType<typeof stats>, ReturnType<typeof stats>];
  return [
    { name: 'node -e 0', unit: 'ms', ...bare },
    { name: 'alexa-link --version', unit: 'ms', ...version, ratio: version.median / bare.median, goal: '< 1.3x node', met: version.median / bare.median < 1.3 },
    { name: 'alexa-link --help', unit: 'ms', ...help, ratio: help.median / bare.median, goal: '< 1.5x node', met: help.median / bare.median < 1.5 },
  ];
}
