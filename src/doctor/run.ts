import { UsageError } from '../errors.js';
import { readSession, SESSION_FILE } from '../oauth/session.js';
import type { TokenChange } from '../replay/envelopes.js';
import { loadEnvelopeFiles } from '../replay/sources.js';
import type { Output } from '../ui/output.js';
import { doctorChecks } from './checks/index.js';
import { buildDoctorContext, contextPart, type DoctorContext, type DoctorDeps, type DoctorOptions } from './context.js';
import { buildReport, renderText, toJson, type DoctorReport } from './report.js';
import { runChecks, selectChecks } from './runner.js';

/**
 * `alexa-link doctor` without the command-line layer: options in, report out (text on stdout, or
 * the --json document), exit code back (1 when any check or replay fails).
 */
export interface RunDoctorDeps extends Omit<DoctorDeps, 'addSecret' | 'debug'> {
  out: Output;
}

/** The token the replays send, resolved before anything runs (a bad --token is exit 2, nothing half done). */
export async function resolveReplayToken(ctx: DoctorContext, out: Output): Promise<TokenChange> {
  const mode = ctx.options.token;
  switch (mode.kind) {
    case 'keep':
      return { kind: 'keep' };
    case 'none':
      return { kind: 'set', token: undefined };
    case 'env': {
      const value = ctx.env[mode.variable];
      if (!value) {
        throw new UsageError(`--token env:${mode.variable}: the environment variable ${mode.variable} is not set.`, {
          code: 'E_MISSING_TOKEN',
          hint: `Export the access token to send, e.g. ${mode.variable}=<token> alexa-link doctor --token env:${mode.variable}.`,
        });
      }
      out.addSecret(value);
      return { kind: 'set', token: value };
    }
    case 'session': {
      if (!ctx.project.ok) throw new UsageError(`--token session needs the skill project: ${ctx.project.reason}`, { code: 'E_MISSING_TOKEN', hint: 'Run it inside the project (or pass --cwd).' });
      const session = await readSession(ctx.project.value.root);
      if (!session) {
        throw new UsageError(`--token session: there is no ${SESSION_FILE} yet.`, {
          code: 'E_MISSING_TOKEN',
          hint: 'Run alexa-link login first: it signs in at your provider as Alexa would and saves the tokens.',
        });
      }
      out.addSecret(session.tokens.accessToken);
      if (session.tokens.refreshToken) out.addSecret(session.tokens.refreshToken);
      return { kind: 'set', token: session.tokens.accessToken };
    }
  }
}

export async function runDoctor(options: DoctorOptions, deps: RunDoctorDeps): Promise<{ exitCode: 0 | 1; report: DoctorReport }> {
  const { out } = deps;
  // Unknown --only ids are a usage error before anything runs.
  selectChecks(doctorChecks(), options.only, 'project-files');
  const ctx = await buildDoctorContext(options, {
    ...deps,
    addSecret: (v, o) => out.addSecret(v, o),
    debug: (line) => out.debug(line),
  });
  if (options.envelopes.length) ctx.envelopeFiles = await loadEnvelopeFiles(options.envelopes, options.cwd);
  const token = await resolveReplayToken(ctx, out);
  const checks = selectChecks(doctorChecks(token), options.only, 'project-files');

  out.info(out.errStyle.dim(`Running ${checks.length} check${checks.length === 1 ? '' : 's'}${options.offline ? ' (offline)' : ''}…`));
  const results = await runChecks(checks, ctx, {
    concurrency: options.concurrency,
    timeoutMs: options.timeoutMs,
    offline: options.offline,
    part: contextPart,
    ...(deps.signal ? { signal: deps.signal } : {}),
    onResult: (r) => out.debug(`${r.id}: ${r.status} (${r.ms} ms)`),
  });
  const report = buildReport(results, ctx.replays, {
    ...(ctx.replayTarget ? { replayTarget: ctx.replayTarget } : {}),
    ...(ctx.project.ok ? { project: ctx.project.value.root } : {}),
  });
  out.print(renderText(report, out.style, { verbose: options.verbose }));
  out.result(toJson(report));
  return { exitCode: report.ok ? 0 : 1, report };
}

/** Options as the command line's defaults give them, for programmatic callers (demo, bench, tests). */
export function doctorOptions(cwd: string, over: Partial<DoctorOptions> = {}): DoctorOptions {
  return {
    cwd,
    profile: undefined,
    skillId: undefined,
    target: { kind: 'default' },
    envelopes: [],
    token: { kind: 'keep' },
    simulate: undefined,
    offline: false,
    only: undefined,
    timeoutMs: 10_000,
    concurrency: 4,
    clientSecretEnv: 'ALEXA_LINK_CLIENT_SECRET',
    stage: 'development',
    verbose: false,
    ...over,
  };
}
