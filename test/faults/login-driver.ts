import type { ChildProcess } from 'node:child_process';
import { runCli, type CliResult, type RunCliOptions } from '../support/cli.js';

/**
 * Runs the built `alexa-link login --no-open` and, as soon as it prints the sign-in address, hands
 * it to `whenUrl` (which plays the browser: a real sign-in, or a GET of the callback with a made-up
 * code). Errors of the driver fail the run instead of leaving the CLI waiting.
 */
export async function runLoginDriven(
  args: string[],
  opts: Omit<RunCliOptions, 'onSpawn'> & { whenUrl: (url: string, child: ChildProcess) => Promise<void>; globals?: string[] },
): Promise<CliResult & { driveError?: unknown }> {
  let driving: Promise<void> | undefined;
  let driveError: unknown;
  const result = await runCli([...(opts.globals ?? []), 'login', '--no-open', ...args], {
    ...opts,
    onSpawn: (child) => {
      let stderr = '';
      child.stderr?.on('data', (c: Buffer) => {
        stderr += c.toString('utf8');
        const m = /^ {2}(https?:\/\/\S+)$/m.exec(stderr);
        if (m && !driving) {
          driving = opts.whenUrl(m[1]!, child).catch((err: unknown) => {
            driveError = err;
            child.kill('SIGKILL');
          });
        }
      });
    },
  });
  await driving;
  return driveError === undefined ? result : { ...result, driveError };
}

/** The callback address a provider would send the browser to, for a made-up code. */
export function callbackFor(authorizationUrl: string, code: string): string {
  const u = new URL(authorizationUrl);
  const redirect = new URL(u.searchParams.get('redirect_uri')!);
  redirect.searchParams.set('code', code);
  redirect.searchParams.set('state', u.searchParams.get('state')!);
  return redirect.href;
}
