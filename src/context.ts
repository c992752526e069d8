import path from 'node:path';
import type { Output } from './ui/output.js';

/** Options every command accepts. */
export interface GlobalOptions {
  json: boolean;
  color: boolean;
  verbose: boolean;
  /** Absolute working directory (from --cwd, else process.cwd()). */
  cwd: string;
}

/**
 * What a command sees of the world. Everything with a side effect comes in here, so tests pass
 * plain objects instead of mocking modules.
 */
export interface CommandContext {
  globals: GlobalOptions;
  out: Output;
  env: NodeJS.ProcessEnv;
  stdinIsTTY: boolean;
  /** Aborted on Ctrl-C; long waits should listen to it. */
  signal: AbortSignal;
}

export function resolveCwd(base: string, cwd: string | undefined): string {
  return cwd ? path.resolve(base, cwd) : base;
}

/** What a command module exports. `define` adds arguments and flags; `run` does the work. */
export interface CommandModule {
  define(cmd: import('commander').Command): void;
  /** Returns the exit code (0 success, 1 failure/problems found); throws typed errors. */
  run(ctx: CommandContext, args: string[], opts: Record<string, unknown>): Promise<number>;
}
