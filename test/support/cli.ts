import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const BIN = fileURLToPath(new URL('../../bin/alexa-link.js', import.meta.url));

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface RunCliOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  input?: string;
  timeoutMs?: number;
  /** Node binary to run the CLI with (other Node versions in CI). */
  node?: string;
  /**
   * Execute bin/alexa-link.js itself, through its shebang, as npx and an installed bin do
   * (default: `node -- bin/alexa-link.js`; the `--` keeps Node from reading our flags, such as
   * --env-file, as its own).
   */
  direct?: boolean;
  /** Called with the child once spawned (to send signals). */
  onSpawn?: (child: import('node:child_process').ChildProcess) => void;
  /** Run as this user and group (root only: tests of what an unprivileged user may do). */
  uid?: number;
  gid?: number;
}

/**
 * Columns the spawned CLI wraps its text to unless a test sets COLUMNS: wide, so a message a test
 * matches stays on one line. The tests of layout (test/e2e/output-layout.test.ts) set their own
 * widths (60, 80, 120) and check that nothing is wider.
 */
export const TEST_COLUMNS = '1000';

/** Spawns the built CLI like a user would, with NO_COLOR=1, and collects its output. */
export function runCli(args: string[], opts: RunCliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', CI: process.env.CI ?? '', COLUMNS: TEST_COLUMNS, ...opts.env };
    if (opts.env && 'COLUMNS' in opts.env && opts.env.COLUMNS === undefined) delete env.COLUMNS;
    if (!opts.env || !('FORCE_COLOR' in opts.env)) delete env.FORCE_COLOR;
    // Node 22+ warns on stderr when both are set, even empty: leave an empty one out.
    for (const k of ['NO_COLOR', 'FORCE_COLOR']) if (env[k] === '') delete env[k];
    const [command, argv] = opts.direct ? [BIN, args] : [opts.node ?? process.execPath, ['--', BIN, ...args]];
    const child = spawn(command, argv, {
      cwd: opts.cwd,
      env,
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(opts.uid !== undefined ? { uid: opts.uid } : {}),
      ...(opts.gid !== undefined ? { gid: opts.gid } : {}),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`alexa-link ${args.join(' ')} timed out after ${opts.timeoutMs ?? 60000} ms\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, opts.timeoutMs ?? 60000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    opts.onSpawn?.(child);
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
}
