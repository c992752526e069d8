import path from 'node:path';
import { InputError } from '../../errors.js';
import { describeTokenMode, shortTokenMode, tokenOriginOf, type ReplayItem, type SourcedEnvelope, type TokenChange } from '../../replay/envelopes.js';
import { UsageError } from '../../errors.js';
import { planBuiltins, type BuiltinPlan } from '../../replay/kinds/index.js';
import type { AnswerSummary, BuiltinRequest, ProbeMode } from '../../replay/kinds/types.js';
import { DEFAULT_REGION, lambdaEnvironment } from '../../replay/lambda-env.js';
import { DETAIL_LIMIT } from '../../replay/evidence.js';
import { periodicCollector } from '../../replay/memory.js';
import { DETAIL_PER_PROBLEM, isCompact, problemKey, replayEnvelopes, type ReplayResult, type StoredReplay } from '../../replay/runner.js';
import { streamEnvelopes } from '../../replay/sources.js';
import { EndpointTarget } from '../../replay/targets/endpoint.js';
import { checkPackageScope, DEFAULT_MEMORY_MB, findHandlerInCodeDir, HandlerTarget, parseHandlerSpec, type HandlerSpec } from '../../replay/targets/handler.js';
import { SmapiTarget } from '../../replay/targets/smapi.js';
import type { ReplayTarget } from '../../replay/targets/types.js';
import { isLoopbackUrl } from '../probe.js';
import { lambdaHandlerSetting, lambdaMemoryMb, lambdaRegion, lambdaRuntime, manifestApis, verificationSwitch, type DoctorContext } from '../context.js';
import type { Check, CheckOutcome } from '../types.js';

/**
 * Replays request envelopes against the skill (its Lambda handler, an endpoint, or through SMAPI)
 * and says, per envelope, whether the token arrived and what the skill did with it, with the
 * probes that tell token bugs apart. The results go to ctx.replays for the report; this check's
 * status sums them up.
 */

/** Alexa gives a skill 8 s. */
export const SKILL_DEADLINE_MS = 8000;

export function replayTimeoutMs(ctx: DoctorContext): number {
  return Math.min(ctx.options.timeoutMs, SKILL_DEADLINE_MS);
}

/** The locale the built-in envelopes use: the manifest's first, else the first interaction model's. */
export function builtinLocale(ctx: DoctorContext): string {
  if (ctx.manifest.ok && ctx.manifest.value.locales[0]) return ctx.manifest.value.locales[0];
  if (ctx.interactionModels.ok && ctx.interactionModels.value[0]) return ctx.interactionModels.value[0].locale;
  return 'en-US';
}

/** --probes, else all for built-ins and files and none through SMAPI (each probe costs Amazon calls there). */
export function probeMode(ctx: DoctorContext): ProbeMode {
  if (ctx.options.probes) return ctx.options.probes;
  return ctx.options.target.kind === 'smapi' ? 'none' : 'all';
}

/**
 * Which kinds' built-ins the run replays (planBuiltins): a --request name picks its kind, which the
 * manifest must declare; without names, those of each kind the manifest declares. A name that fits
 * no kind of this skill is a usage error (exit 2), thrown before anything runs.
 */
export function builtinPlan(ctx: DoctorContext): BuiltinPlan {
  const requests = [...(ctx.options.requests ?? [])];
  const intentOnly = ctx.options.intent && !requests.includes('intent') ? ctx.options.intent.name : undefined;
  if (intentOnly) requests.push('intent');
  const plan = planBuiltins(manifestApis(ctx), requests, intentOnly);
  if ('error' in plan) throw new UsageError(plan.error, { hint: plan.hint });
  return plan;
}

/**
 * The built-in requests of the project's skill kinds: for a custom skill LaunchRequest and an
 * IntentRequest with its slots filled from the interaction model by default, for a smart home
 * skill AcceptGrant, Discover, ReportState and TurnOn; or those --request and --intent name. When
 * the run supplies a token, each is also replayed without one, to show the skill asking to link.
 */
export function builtinItems(ctx: DoctorContext, token: TokenChange): BuiltinItem[] {
  const locale = builtinLocale(ctx);
  const models = ctx.interactionModels.ok ? ctx.interactionModels.value : [];
  const model = (models.find((m) => m.locale === locale) ?? models.find((m) => m.model !== undefined))?.model;
  const supplies = token.kind === 'set' && token.token !== undefined;
  const items: BuiltinItem[] = [];
  for (const { kind, requests } of builtinPlan(ctx).groups) {
    // A kind SMAPI skill invocation cannot carry (smart home) is left to the handler (the check says so).
    if (ctx.options.target.kind === 'smapi' && kind.notThroughSmapi) continue;
    const built = kind.builtins({
      skillId: ctx.skillId.ok ? ctx.skillId.value : undefined,
      locale,
      interactionModel: model,
      requests,
      ...(ctx.options.intent && requests.includes('intent') ? { intent: ctx.options.intent } : {}),
    });
    for (const b of built) {
      const after = b.after ? { after: b.after } : {};
      if (supplies) items.push({ source: `${b.source}-unlinked`, envelope: b.document, kind, token: { kind: 'set', token: undefined }, ...after });
      items.push({ source: b.source, envelope: b.document, kind, ...after });
    }
  }
  return items;
}

/** A built-in replay; one made from an earlier built-in's answer says so (BuiltinRequest.after). */
export type BuiltinItem = SourcedEnvelope & { after?: BuiltinRequest['after'] };

/**
 * The answers of the replays so far, for built-ins made from an earlier one's answer: a smart home
 * TurnOn waits for Discover's. Fed by the runner's onResult.
 */
export function answerBoard() {
  const entries = new Map<string, { promise: Promise<AnswerSummary | undefined>; resolve: (a: AnswerSummary | undefined) => void }>();
  const entry = (source: string) => {
    let e = entries.get(source);
    if (!e) {
      let resolve!: (a: AnswerSummary | undefined) => void;
      const promise = new Promise<AnswerSummary | undefined>((r) => (resolve = r));
      e = { promise, resolve };
      entries.set(source, e);
    }
    return e;
  };
  return {
    // Only built-ins are waited for: the answers of 100,000 envelope files must not pile up here.
    record: (r: ReplayResult) => {
      if (r.source.startsWith('builtin:')) entry(r.source).resolve(r.evidence.answer);
    },
    wait: (source: string) => entry(source).promise,
  };
}
export type AnswerBoard = ReturnType<typeof answerBoard>;

/** The envelopes to replay: the built-ins (unless files are given without --request/--intent), then the files, streamed. */
export async function* replayItems(ctx: DoctorContext, token: TokenChange, answers?: AnswerBoard): AsyncGenerator<ReplayItem> {
  const explicitBuiltins = Boolean(ctx.options.requests?.length || ctx.options.intent);
  if (!ctx.envelopePlan.labels.length || explicitBuiltins) {
    const items = builtinItems(ctx, token);
    const sources = new Set(items.map((i) => i.source));
    for (const { after, ...item } of items) {
      // Waits only for a built-in of this run (it comes first); without a board, the fallback document.
      if (after && answers && sources.has(after.source)) yield { ...item, envelope: after.make(await answers.wait(after.source)) };
      else yield item;
    }
  }
  if (ctx.envelopePlan.labels.length) yield* streamEnvelopes(ctx.envelopePlan);
}

/** The Lambda-like environment and limits of the handler child (issue 15: none of doctor's own credentials). */
function handlerOptions(ctx: DoctorContext, spec: HandlerSpec) {
  const memoryMb = ctx.options.memoryMb ?? lambdaMemoryMb(ctx) ?? DEFAULT_MEMORY_MB;
  const region = ctx.options.region ?? lambdaRegion(ctx) ?? DEFAULT_REGION;
  const functionName = 'alexa-link-replay';
  const runtime = lambdaRuntime(ctx);
  const env = lambdaEnvironment(ctx.env, { region, functionName, memoryMb, taskRoot: spec.cwd, ...(runtime ? { runtime } : {}) }, ctx.skillEnv);
  const debug = ctx.deps.debug;
  return {
    timeoutMs: replayTimeoutMs(ctx),
    env,
    memoryMb,
    region,
    functionName,
    // One invocation per child at a time, as Lambda: --concurrency replays at once means as many children.
    concurrency: ctx.options.concurrency,
    offline: ctx.options.offline,
    ...(debug ? { onLog: (l: string) => debug(`skill: ${l}`) } : {}),
  };
}

/** The target chosen by the flags (or the project's Lambda code), or why there is none. */
export async function createTarget(ctx: DoctorContext): Promise<{ target: ReplayTarget } | { reason: string; fix: string }> {
  const t = ctx.options.target;
  const timeoutMs = replayTimeoutMs(ctx);
  const debug = ctx.deps.debug;
  switch (t.kind) {
    case 'endpoint': {
      const vs = await verificationSwitch(ctx);
      return {
        target: new EndpointTarget(t.url, {
          timeoutMs,
          ...(vs ? { verificationSwitch: vs } : {}),
          ...(ctx.deps.ca ? { ca: ctx.deps.ca } : {}),
          ...(ctx.deps.http ? { http: ctx.deps.http } : {}),
          ...(debug ? { trace: debug } : {}),
        }),
      };
    }
    case 'handler': {
      const spec = parseHandlerSpec(t.spec, ctx.options.cwd);
      await checkPackageScope(spec.file);
      return { target: new HandlerTarget(spec, handlerOptions(ctx, spec)) };
    }
    case 'smapi': {
      if (!ctx.skillId.ok) return { reason: `--smapi needs the skill ID: ${ctx.skillId.reason}`, fix: ctx.skillId.fix ?? 'Pass --skill-id.' };
      const smapi = await ctx.smapi();
      if (!smapi.ok) return { reason: `--smapi: ${smapi.reason}`, fix: smapi.fix ?? 'Set up SMAPI credentials (see alexa-link configure).' };
      return { target: new SmapiTarget(smapi.value, ctx.skillId.value, { stage: ctx.options.stage }) };
    }
    case 'default': {
      if (!ctx.project.ok) return { reason: `no skill project to find the handler in (${ctx.project.reason})`, fix: 'Pass --handler <file[#export]> or --endpoint <url>.' };
      const p = ctx.project.value;
      if (!p.codeDir) return { reason: p.codeMissing ?? `the ${p.layoutName} names no code folder`, fix: 'Pass --handler <file[#export]> or --endpoint <url>.' };
      const found = await findHandlerInCodeDir(p.codeDir, { handlerSetting: lambdaHandlerSetting(ctx), root: p.root, codeFrom: p.codeFrom, handlerFrom: p.lambda.from });
      if ('reason' in found) return (await pythonSkill(p.codeDir, p.root, p.lambda.handler, lambdaRuntime(ctx))) ?? found;
      await checkPackageScope(found.spec.file);
      return { target: new HandlerTarget(found.spec, handlerOptions(ctx, found.spec)) };
    }
  }
}

/**
 * A Python skill (an Alexa-hosted Python template's lambda/lambda_function.py, a python runtime, or
 * a handler setting naming a .py file) when no Node.js handler was found: alexa-link runs only
 * Node.js handlers, so the way to replay it is a local server and --endpoint.
 */
async function pythonSkill(codeDir: string, root: string, handler: string | undefined, runtime: string | undefined): Promise<{ reason: string; fix: string } | undefined> {
  const { stat } = await import('node:fs/promises');
  const exists = (p: string) => stat(p).then((s) => s.isFile(), () => false);
  const dot = handler ? handler.lastIndexOf('.') : -1;
  const candidates = [...(handler ? [`${dot > 0 ? handler.slice(0, dot) : handler}.py`] : []), 'lambda_function.py'];
  let file: string | undefined;
  for (const c of candidates) {
    if (await exists(path.join(codeDir, c))) {
      file = c;
      break;
    }
  }
  if (!file && !/^python/i.test(runtime ?? '')) return undefined;
  const shown = file ? path.relative(root, path.join(codeDir, file)) : `${path.relative(root, codeDir) || '.'} (runtime ${runtime})`;
  return {
    reason: `this is a Python skill (${shown}); alexa-link replays only Node.js handlers`,
    fix: 'Serve the skill over HTTP on this machine (for the ASK SDK for Python, flask-ask-sdk\'s SkillAdapter) and pass --endpoint http://127.0.0.1:<port>/<path>; or replay through Alexa with --smapi.',
  };
}

/** The token for the replays, with the session's freshly refreshed one when there is one. */
export function effectiveToken(ctx: DoctorContext, token: TokenChange): TokenChange {
  if (ctx.options.token?.kind === 'session' && ctx.freshAccessToken) return { kind: 'set', token: ctx.freshAccessToken };
  return token;
}

/** Distinct secrets registered with the redactor from the envelopes (a bound: 100,000 captures may hold as many tokens). */
const MAX_REGISTERED_SECRETS = 200;

function plural(n: number, word: string, many = `${word}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? word : many}`;
}

/** The failures and warnings grouped by problem, in input order, with at most three sources named each. */
export function groupProblems(results: readonly StoredReplay[]): { groups: Array<{ key: string; count: number; sources: string[] }>; compacted: number } {
  const groups = new Map<string, { key: string; count: number; sources: string[] }>();
  const keyOf = new Map<string, string>();
  const add = (key: string, source: string) => {
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { key, count: 0, sources: [] }));
    g.count++;
    if (g.sources.length < 3) g.sources.push(source);
  };
  let compacted = 0;
  for (const r of results) {
    if (r.verdict === 'pass' || isCompact(r)) continue;
    keyOf.set(r.source, problemKey(r));
    add(problemKey(r), r.source);
  }
  // Failures kept as a summary count with the problem of the replay they name.
  for (const r of results) {
    if (r.verdict === 'pass' || !isCompact(r)) continue;
    compacted++;
    const key = r.sameAs !== undefined ? keyOf.get(r.sameAs) : undefined;
    add(key ?? 'more distinct problems than one report follows (1,000): --json has each replay', r.source);
  }
  return { groups: [...groups.values()], compacted };
}

function compactedWords(n: number): string {
  return `${plural(n, 'failure or warning', 'failures and warnings')} past the first ${DETAIL_LIMIT.toLocaleString('en-US')} replays ${n === 1 ? 'repeats' : 'repeat'} a problem already shown ${DETAIL_PER_PROBLEM} times: ${n === 1 ? 'it is' : 'they are'} kept as a summary (verdict, source, status, and sameAs naming the first replay with that problem; --json lists each).`;
}

export function replaysCheck(token: TokenChange): Check<DoctorContext> {
  return {
    id: 'replays',
    title: 'Replays: does the token arrive, and what does the skill do with it',
    needsNetwork: (ctx) => {
      const t = ctx.options.target;
      return t.kind === 'smapi' || (t.kind === 'endpoint' && !isLoopbackUrl(t.url));
    },
    // A refreshed session token is used when session-tokens ran first; its outcome does not matter here.
    after: ['session-tokens'],
    timeoutMs: (ctx) => {
      const probes = probeMode(ctx) === 'none' ? 1 : 4;
      // Built-ins: up to 12 (a custom and smart home skill's, each with and without a token).
      const n = Math.max(12, ctx.envelopePlan.labels.length * 2) * probes;
      return replayTimeoutMs(ctx) * 2 * Math.ceil(n / Math.max(1, ctx.options.concurrency)) + 15_000;
    },
    async run(ctx, info): Promise<CheckOutcome> {
      const plan = builtinPlan(ctx);
      const notThroughSmapi = plan.groups.map((g) => g.kind).filter((k) => k.notThroughSmapi);
      if (ctx.options.target.kind === 'smapi' && notThroughSmapi.length && notThroughSmapi.length === plan.groups.length && !ctx.envelopePlan.labels.length) {
        const k = notThroughSmapi[0]!;
        return { status: 'skip', detail: `--smapi does not apply to a ${k.title}: ${k.notThroughSmapi}`, fix: 'Run doctor without --smapi: the built-in requests go to the Lambda handler.' };
      }
      const explicitBuiltins = Boolean(ctx.options.requests?.length || ctx.options.intent);
      if (!plan.groups.length && !ctx.envelopePlan.labels.length) {
        return { status: 'skip', detail: `No replays: ${plan.notes.join('; ') || 'this skill has no built-in requests'}.`, fix: 'Replay captured requests: alexa-link doctor --envelopes <files or folders>.' };
      }
      let chosen;
      try {
        chosen = await createTarget(ctx);
      } catch (err) {
        // A file of the skill's that cannot be read safely (its package.json a device or a FIFO): said as such, not as a crash.
        if (err instanceof InputError) return { status: 'fail', detail: `No replays: ${err.message}`, ...(err.hint ? { fix: err.hint } : {}) };
        throw err;
      }
      if ('reason' in chosen) {
        // Replays through SMAPI were asked for by flag (as --simulate is): not getting them is a
        // failure, not a skip that would let doctor exit 0.
        if (ctx.options.target.kind === 'smapi') return { status: 'fail', detail: `No replays: ${chosen.reason}.`, fix: chosen.fix };
        return { status: 'skip', detail: `Skipped: ${chosen.reason}.`, fix: chosen.fix };
      }
      const target = chosen.target;
      ctx.replayTarget = target.description;
      const registered = new Set<string>();
      const probes = probeMode(ctx);
      // Bounded memory for large runs (100,000 envelope files); nothing to do for a few.
      const collect = ctx.envelopePlan.labels.length > DETAIL_LIMIT ? periodicCollector(3000) : undefined;
      try {
        const answers = answerBoard();
        const { results, counts, count, sent } = await replayEnvelopes(replayItems(ctx, token, answers), {
          target,
          token: effectiveToken(ctx, token),
          tokenOrigin: tokenOriginOf(ctx.replayToken.mode),
          probes,
          offline: ctx.options.offline,
          concurrency: ctx.options.concurrency,
          signal: info.signal,
          onSecret: (v) => {
            if (registered.size < MAX_REGISTERED_SECRETS && !registered.has(v)) {
              registered.add(v);
              ctx.deps.addSecret?.(v);
            }
          },
          onResult: (r) => {
            answers.record(r);
            ctx.deps.debug?.(`replay ${r.source}: ${r.verdict} (${r.latencyMs} ms)`);
            collect?.();
          },
        });
        ctx.replays = results;
        if (count === 0) {
          // Nothing was replayed: never a pass. Asked for by flag, it is a failure (doctor must not exit 0).
          const asked = [...(ctx.options.requests ?? []), ...(ctx.options.intent ? [`--intent ${ctx.options.intent.name}`] : [])];
          const detail = `No replays: ${explicitBuiltins ? `${asked.join(', ')} made no request to send (an IntentRequest needs an intent in the interaction model, or --intent NAME)` : 'there was nothing to replay'}.`;
          return { status: explicitBuiltins ? 'fail' : 'skip', detail, fix: 'Name the intent with --intent NAME, or replay captured requests with --envelopes.' };
        }
        const tokenWords = `${describeTokenMode(ctx.replayToken.mode)}; ${ctx.replayToken.why}`;
        const probeWords = probes === 'none' ? 'no probes' : `probes: ${probes}, ${plural(sent, 'request')} sent in all`;
        const builtinsRan = !ctx.envelopePlan.labels.length || explicitBuiltins;
        const leftToHandler = ctx.options.target.kind === 'smapi' && builtinsRan ? notThroughSmapi.map((k) => ` The ${k.title}'s built-in requests were not sent: ${k.notThroughSmapi}`).join('') : '';
        const counted = `${plural(count, 'replay')} against ${target.description} (${tokenWords}; ${probeWords}): ${counts.pass} passed${counts.warn ? `, ${counts.warn} warned` : ''}${counts.fail ? `, ${counts.fail} failed` : ''}.${leftToHandler}`;
        // One line per distinct fix (else explanation), naming the envelopes it is about.
        const { groups, compacted } = groupProblems(results);
        const fixes = groups.slice(0, 6).map((g) => `${g.sources.length < g.count ? `${g.sources.join(', ')} and ${(g.count - g.sources.length).toLocaleString('en-US')} more` : g.sources.join(', ')}: ${g.key}`);
        const summary = compacted ? `${counted} ${compactedWords(compacted)}` : counted;
        // The report's one line leads with the counts (the target and token mode are in the detail).
        const oneLine = `${counts.pass}/${plural(count, 'replay')} passed${counts.warn ? `, ${counts.warn} warned` : ''}${counts.fail ? `, ${counts.fail} failed` : ''} (${shortTokenMode(ctx.replayToken.mode)}${ctx.options.token === undefined ? ', by default' : ''})`;
        if (counts.fail) return { status: 'fail', detail: summary, summary: oneLine, fix: fixes.join('\n') };
        if (counts.warn) return { status: 'warn', detail: summary, summary: oneLine, fix: fixes.join('\n') };
        return { status: 'pass', detail: summary, summary: oneLine };
      } finally {
        await target.close();
      }
    },
  };
}
