import { Chalk, type ChalkInstance } from 'chalk';

/**
 * Colour is on only when the stream is a TTY, `--no-color` was not given and NO_COLOR is unset
 * or empty (chalk does not honour NO_COLOR by itself). FORCE_COLOR=1..3 forces it on.
 */
export function colorLevel(opts: {
  flag: boolean;
  env: NodeJS.ProcessEnv;
  isTTY: boolean | undefined;
}): 0 | 1 | 2 | 3 {
  if (!opts.flag) return 0;
  if (opts.env.NO_COLOR !== undefined && opts.env.NO_COLOR !== '') return 0;
  const force = opts.env.FORCE_COLOR;
  if (force !== undefined && force !== '') {
    if (force === '0' || force === 'false') return 0;
    const n = Number(force);
    return n >= 1 && n <= 3 ? (n as 1 | 2 | 3) : 1;
  }
  if (!opts.isTTY) return 0;
  if (opts.env.TERM === 'dumb') return 0;
  if (opts.env.COLORTERM === 'truecolor' || opts.env.COLORTERM === '24bit') return 3;
  return /256/.test(opts.env.TERM ?? '') ? 2 : 1;
}

export function makeStyle(level: 0 | 1 | 2 | 3): ChalkInstance {
  return new Chalk({ level });
}

export type Style = ChalkInstance;
