import path from 'node:path';
import { InputError, UsageError } from '../errors.js';
import { readSession, secondsLeft, SESSION_FILE } from '../oauth/session.js';
import { describeLoadError, type TokenChange, type TokenMode } from '../replay/envelopes.js';
import { readEnvFile } from '../replay/lambda-env.js';
import { findLoadable, planEnvelopeFiles } from '../replay/sources.js';
import type { Output } from '../ui/output.js';
import type { Prompter } from '../ui/prompt.js';
import { doctorChecks } from './checks/index.js';
import { builtinPlan } from './checks/replays.js';
import { kindForManifestApis } from '../replay/kinds/index.js';
import { buildDoctorContext, contextPart, manifestApis, type DoctorContext, type DoctorDeps, type DoctorOptions } from './context.js';
import { applyDoctorFixes, type FixReport } from './fix.js';
import { buildReport, renderBody, renderFooter, toJsonParts, type DoctorReport, type TextOptions } from './report.js';
import { runChecks, selectChecks } from './runner.js';
import type { Check } from './types.js';

/**
 * `alexa-link doctor` without the command-line layer: options in, report out (text on stdout, or
 * the --json document), exit code back (1 when any check or replay fails).
 */
export interface RunDoctorDeps extends Omit<DoctorDeps, 'addSecret' | 'debug'> {
  out: Output;
  /** --fix: apply the fixes the checks know to accountLinking.json after the report (asking unless yes). */
  fix?: { prompter: Prompter; yes: boolean };
}

/** The token the replays send, and why; resolved before anything runs (a bad --token is exit 2, nothing half done). */
export async function resolveReplayToken(ctx: DoctorContext, out: Output): Promise<{ change: TokenChange; mode: TokenMode; why: string }> {
  const given = ctx.options.token;
  if (given === undefined) {
    // The default: the token alexa-link login saved, while it is valid; else the envelopes as they are.
    if (ctx.project.ok) {
      let session;
      try {
        session = await readSession(ctx.project.value.root);
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        return { change: { kind: 'keep' }, mode: { kind: 'keep' }, why: `default: ${SESSION_FILE} cannot be used (${err.message.replace(/\.$/, '')})` };
      }
      if (session) {
        const left = secondsLeft(session, ctx.now());
        if (left > 0) {
          out.addSecret(session.tokens.accessToken);
          if (session.tokens.refreshToken) out.addSecret(session.tokens.refreshToken);
          const minutes = Math.max(1, Math.round(left / 60));
          return { change: { kind: 'set', token: session.tokens.accessToken }, mode: { kind: 'session' }, why: `default: alexa-link login saved a token in ${SESSION_FILE}, valid for ${minutes} more minute${minutes === 1 ? '' : 's'}` };
        }
        return { change: { kind: 'keep' }, mode: { kind: 'keep' }, why: `default: the token in ${SESSION_FILE} expired ${Math.max(1, Math.round(-left / 60))} minutes ago (--token session refreshes it, or alexa-link login)` };
      }
    }
    return { change: { kind: 'keep' }, mode: { kind: 'keep' }, why: `default: no ${SESSION_FILE} with a token (alexa-link login saves one)` };
  }
  switch (given.kind) {
    case 'keep':
      return { change: { kind: 'keep' }, mode: given, why: '--token keep' };
    case 'none':
      return { change: { kind: 'set', token: undefined }, mode: given, why: '--token none' };
    case 'env': {
      const value = ctx.env[given.variable];
      if (!value) {
        throw new UsageError(`--token env:${given.variable}: the environment variable ${given.variable} is not set.`, {
          code: 'E_MISSING_TOKEN',
          hint: `Export the access token to send, e.g. ${given.variable}=<token> alexa-link doctor --token env:${given.variable}.`,
        });
      }
      out.addSecret(value);
      return { change: { kind: 'set', token: value }, mode: given, why: `--token env:${given.variable}` };
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
      return { change: { kind: 'set', token: session.tokens.accessToken }, mode: given, why: '--token session' };
    }
  }
}

export async function runDoctor(options: DoctorOptions, deps: RunDoctorDeps): Promise<{ exitCode: 0 | 1; report: DoctorReport; fix?: FixReport }> {
  const { out } = deps;
  // Unknown --only ids are a usage error before anything runs.
  selectChecks(doctorChecks(), options.only, 'project-files');
  const ctx = await buildDoctorContext(options, {
    ...deps,
    addSecret: (v, o) => out.addSecret(v, o),
    debug: (line) => out.debug(line),
    info: (line) => out.info(line),
  });
  if (options.envelopes.length) {
    ctx.envelopePlan = await planEnvelopeFiles(options.envelopes, options.cwd);
    // Entries of the folders that are not regular files are not read: said, never silently dropped.
    const skipped = ctx.envelopePlan.skipped ?? [];
    const SHOWN = 5;
    if (skipped.length) {
      out.warn(`--envelopes: ${skipped.length === 1 ? 'skipped 1 entry that is' : `skipped ${skipped.length} entries that are`} not a regular file (never read)${skipped.length > SHOWN && !options.verbose ? `; -v names all of them` : ''}:`);
      for (const k of skipped.slice(0, options.verbose ? skipped.length : SHOWN)) out.info(`  ${k.label}: ${k.kind}`);
    }
    // Bad files are failed replays; but when not one envelope loads, the input is wrong: exit 2.
    const loadable = await findLoadable(ctx.envelopePlan);
    if (!loadable.ok) {
      const shown = loadable.failures.slice(0, 5).map((f) => describeLoadError(f));
      const more = ctx.envelopePlan.labels.length > shown.length ? `\n  … and ${ctx.envelopePlan.labels.length - shown.length} more file${ctx.envelopePlan.labels.length - shown.length === 1 ? '' : 's'}` : '';
      const [first] = loadable.failures;
      throw new InputError(
        ctx.envelopePlan.labels.length === 1 ? describeLoadError(first!) : `--envelopes: none of the ${ctx.envelopePlan.labels.length} files holds a usable request envelope:\n${shown.map((l) => `  - ${l}`).join('\n')}${more}`,
        { source: first?.source ?? '--envelopes', code: 'E_INPUT_ENVELOPE', ...(first?.loadError.hint ? { hint: first.loadError.hint } : {}) },
      );
    }
  }
  if (options.envFile) ctx.skillEnv = { ...(await readEnvFile(options.envFile, options.cwd, options.clientSecretEnv)), ...ctx.skillEnv };
  for (const [k, v] of Object.entries(ctx.skillEnv)) if (/SECRET|TOKEN|PASSWORD|PASSWD|API_?KEY|PRIVATE|CREDENTIAL/i.test(k)) out.addSecret(v);
  ctx.replayToken = await resolveReplayToken(ctx, out);
  const checks = selectChecks(doctorChecks(ctx.replayToken.change), options.only, 'project-files');
  assertSomethingToCheck(checks, ctx);
  // A --request name no kind of this skill has is exit 2 before anything runs.
  builtinPlan(ctx);

  out.info(out.errStyle.dim(`Running ${checks.length} check${checks.length === 1 ? '' : 's'}${options.offline ? ' (offline)' : ''}…`));
  const results = await runChecks(checks, ctx, {
    concurrency: options.concurrency,
    timeoutMs: options.timeoutMs,
    offline: options.offline,
    part: contextPart,
    ...(deps.signal ? { signal: deps.signal } : {}),
    onResult: (r) => out.debug(`${r.id}: ${r.status} (${r.ms} ms)`),
  });
  const report = buildReport(reportedResults(results, options.only), ctx.replays, {
    ...(ctx.replayTarget ? { replayTarget: ctx.replayTarget } : {}),
    ...(ctx.project.ok ? { project: ctx.project.value.root } : {}),
    skillKind: reportKind(ctx),
  });
  const text: TextOptions = { verbose: options.verbose, width: out.stdoutWidth, unicode: out.unicode, rerun: rerunArgs(options) };
  if (!out.json) out.print(renderBody(report, out.style, text).join('\n'));
  // --fix after the report (the plan), before the verdict line, as terraform asks after its plan.
  const fix = deps.fix
    ? await applyDoctorFixes(report.checks, ctx.project.ok ? ctx.project.value : undefined, { out, prompter: deps.fix.prompter, yes: deps.fix.yes, ...(deps.now ? { now: deps.now } : {}) })
    : undefined;
  if (fix && !fix.written && fix.reason && fix.reason !== 'declined') out.info(`doctor --fix: ${fix.reason}.`);
  if (!out.json) {
    out.print('');
    // The command to run next is laid out already (broken between arguments, with " \\" to paste as one).
    renderFooter(report, out.style, { ...text, ...(fix ? { fix } : {}) }).forEach((line, i) => out.print(line, { preformatted: i > 0 }));
  }
  await out.resultParts(toJsonParts(report, { ...(fix ? { fix } : {}) }));
  return { exitCode: report.ok ? 0 : 1, report, ...(fix ? { fix } : {}) };
}

/** The kind whose flow the report draws: the manifest's, else (no manifest) the replays' own. */
function reportKind(ctx: DoctorContext): string {
  const apis = manifestApis(ctx);
  if (apis.length) return kindForManifestApis(apis).id;
  for (const r of ctx.replays) if ('kind' in r && r.kind !== 'unknown') return r.kind;
  return kindForManifestApis([]).id;
}

/**
 * --only reports only the checks named: the checks and parts they need run, silently, unless one
 * failed (a broken file is the reason the named check could not run, and doctor must not pass).
 */
export function reportedResults<T extends { id: string; status: string }>(results: readonly T[], only: readonly string[] | undefined): T[] {
  if (!only?.length) return [...results];
  return results.filter((r) => only.includes(r.id) || r.status === 'fail');
}

/**
 * Before anything runs: no project and nothing else to replay against is a usage error, said in a
 * few lines (what is missing, how to make or add a project, --cwd, --handler); and checks that
 * were all asked for by name but need the network, with --offline, leave nothing to check.
 */
export function assertSomethingToCheck(checks: readonly Check<DoctorContext>[], ctx: DoctorContext): void {
  const o = ctx.options;
  if (ctx.projectAbsent && o.target.kind === 'default' && o.envelopes.length === 0 && !o.only) {
    // Where the walk up stopped, when it stopped at another user's folder, is part of what is missing.
    const stopped = !ctx.project.ok ? /Stopped looking at [^:]+: it belongs to another user \(uid \d+\)/.exec(ctx.project.reason)?.[0] : undefined;
    throw new UsageError(`No skill project: no ask-resources.json, skill.json or handler code here.${stopped ? ` ${stopped}.` : ''}`, {
      code: 'E_NO_PROJECT',
      hint: 'New skill: alexa-link init my-skill · existing one: alexa-link init --add\n  Another folder: alexa-link --cwd <dir> doctor\n  A handler alone: alexa-link doctor --handler <file>',
    });
  }
  if (o.offline && o.only?.length) {
    const named = checks.filter((c) => o.only!.includes(c.id));
    const network = named.filter((c) => (typeof c.needsNetwork === 'function' ? c.needsNetwork(ctx) : Boolean(c.needsNetwork)));
    if (named.length && network.length === named.length) {
      throw new UsageError(`Nothing to check offline: ${network.map((c) => c.id).join(', ')} ${network.length === 1 ? 'needs' : 'need'} the network, and --offline skips ${network.length === 1 ? 'it' : 'them'}.`, {
        code: 'E_NOTHING_TO_CHECK',
        hint: `Drop --offline, or name checks that run offline (project-files, manifest-endpoint, linking-config${o.target.kind === 'handler' || o.target.kind === 'default' ? ', replays' : ''}).`,
      });
    }
  }
}

/** The flags the next command keeps: where the replays go and with which token, --offline. */
export function rerunArgs(o: DoctorOptions): string[] {
  const args: string[] = [];
  if (o.target.kind === 'handler') {
    // As short as it can be: relative to where doctor runs.
    const hash = o.target.spec.lastIndexOf('#');
    const file = hash > 0 ? o.target.spec.slice(0, hash) : o.target.spec;
    const rel = path.relative(o.cwd, path.resolve(o.cwd, file));
    args.push('--handler', `${rel.length < file.length && !rel.startsWith('..') ? rel : file}${hash > 0 ? o.target.spec.slice(hash) : ''}`);
  }
  if (o.target.kind === 'endpoint') args.push('--endpoint', o.target.url);
  if (o.target.kind === 'smapi') args.push('--smapi');
  if (o.token) args.push('--token', o.token.kind === 'env' ? `env:${o.token.variable}` : o.token.kind);
  if (o.offline) args.push('--offline');
  return args;
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
    probes: undefined,
    requests: [],
    intent: undefined,
    envFile: undefined,
    region: undefined,
    memoryMb: undefined,
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
