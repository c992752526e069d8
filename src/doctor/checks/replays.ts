import { isObject } from '../../project/json-file.js';
import { builtinIntent, builtinLaunch, describeTokenMode, pickIntent, type SourcedEnvelope, type TokenChange } from '../../replay/envelopes.js';
import { replayEnvelopes } from '../../replay/runner.js';
import { EndpointTarget } from '../../replay/targets/endpoint.js';
import { findHandlerInCodeDir, HandlerTarget, parseHandlerSpec } from '../../replay/targets/handler.js';
import { SmapiTarget } from '../../replay/targets/smapi.js';
import type { ReplayTarget } from '../../replay/targets/types.js';
import { isLoopbackUrl } from '../probe.js';
import { lambdaHandlerSetting, verificationSwitch, type DoctorContext } from '../context.js';
import type { Check, CheckOutcome } from '../types.js';

/**
 * Replays request envelopes against the skill (its Lambda handler, an endpoint, or through SMAPI)
 * and says, per envelope, whether the token arrived and what the skill did with it. The results
 * go to ctx.replays for the report; this check's status sums them up.
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

/**
 * The envelopes to replay: the --envelopes files, else the built-in LaunchRequest and
 * IntentRequest. When the token mode supplies a token, the built-ins also include a LaunchRequest
 * without it, to show the skill asking to link.
 */
export function replayItems(ctx: DoctorContext, token: TokenChange): SourcedEnvelope[] {
  if (ctx.envelopeFiles.length) return ctx.envelopeFiles.flatMap((f) => f.envelopes);
  const locale = builtinLocale(ctx);
  const skillId = ctx.skillId.ok ? ctx.skillId.value : undefined;
  const models = ctx.interactionModels.ok ? ctx.interactionModels.value : [];
  const model = (models.find((m) => m.locale === locale) ?? models.find((m) => isObject(m.model)))?.model;
  const intent = pickIntent(model);
  const launch = builtinLaunch({ skillId, locale });
  const items: SourcedEnvelope[] = [];
  const supplies = token.kind === 'set' && token.token !== undefined;
  if (supplies) items.push({ source: 'builtin:launch-unlinked', envelope: launch, token: { kind: 'set', token: undefined } });
  items.push({ source: 'builtin:launch', envelope: launch });
  if (intent) items.push({ source: `builtin:intent:${intent.name}`, envelope: builtinIntent({ skillId, locale, intent }) });
  return items;
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
    case 'handler':
      return { target: new HandlerTarget(parseHandlerSpec(t.spec, ctx.options.cwd), { timeoutMs, env: ctx.env, ...(debug ? { onLog: (l) => debug(`skill: ${l}`) } : {}) }) };
    case 'smapi': {
      if (!ctx.skillId.ok) return { reason: `--smapi needs the skill ID: ${ctx.skillId.reason}`, fix: ctx.skillId.fix ?? 'Pass --skill-id.' };
      const smapi = await ctx.smapi();
      if (!smapi.ok) return { reason: `--smapi: ${smapi.reason}`, fix: smapi.fix ?? 'Set up SMAPI credentials (see alexa-link configure).' };
      return { target: new SmapiTarget(smapi.value, ctx.skillId.value, { stage: ctx.options.stage }) };
    }
    case 'default': {
      if (!ctx.project.ok) return { reason: `no skill project to find the handler in (${ctx.project.reason})`, fix: 'Pass --handler <file[#export]> or --endpoint <url>.' };
      const p = ctx.project.value;
      if (!p.codeDir) return { reason: 'ask-resources.json names no code folder (code.default.src)', fix: 'Pass --handler <file[#export]> or --endpoint <url>.' };
      const found = await findHandlerInCodeDir(p.codeDir, { handlerSetting: lambdaHandlerSetting(ctx), root: p.root });
      if ('reason' in found) return found;
      return { target: new HandlerTarget(found.spec, { timeoutMs, env: ctx.env, ...(debug ? { onLog: (l) => debug(`skill: ${l}`) } : {}) }) };
    }
  }
}

/** The token for the replays, with the session's freshly refreshed one when there is one. */
export function effectiveToken(ctx: DoctorContext, token: TokenChange): TokenChange {
  if (ctx.options.token.kind === 'session' && ctx.freshAccessToken) return { kind: 'set', token: ctx.freshAccessToken };
  return token;
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
      const n = Math.max(3, ctx.envelopeFiles.reduce((s, f) => s + f.envelopes.length, 0));
      return replayTimeoutMs(ctx) * 2 * Math.ceil(n / Math.max(1, ctx.options.concurrency)) + 15_000;
    },
    async run(ctx, info): Promise<CheckOutcome> {
      const chosen = await createTarget(ctx);
      if ('reason' in chosen) {
        // Replays through SMAPI were asked for by flag (as --simulate is): not getting them is a
        // failure, not a skip that would let doctor exit 0.
        if (ctx.options.target.kind === 'smapi') return { status: 'fail', detail: `No replays: ${chosen.reason}.`, fix: chosen.fix };
        return { status: 'skip', detail: `Skipped: ${chosen.reason}.`, fix: chosen.fix };
      }
      const target = chosen.target;
      ctx.replayTarget = target.description;
      const items = replayItems(ctx, token);
      try {
        const { results, counts } = await replayEnvelopes(items, {
          target,
          token: effectiveToken(ctx, token),
          concurrency: ctx.options.concurrency,
          signal: info.signal,
          onResult: (r) => ctx.deps.debug?.(`replay ${r.source}: ${r.verdict} (${r.latencyMs} ms)`),
        });
        ctx.replays = results;
        const total = results.length;
        const tokenWords = describeTokenMode(ctx.options.token);
        const summary = `${total} replay${total === 1 ? '' : 's'} against ${target.description} (${tokenWords}): ${counts.pass} passed${counts.warn ? `, ${counts.warn} warned` : ''}${counts.fail ? `, ${counts.fail} failed` : ''}.`;
        // One line per distinct explanation, naming the envelopes it is about.
        const bySame = new Map<string, string[]>();
        for (const r of results.filter((x) => x.verdict !== 'pass')) bySame.set(r.explanation, [...(bySame.get(r.explanation) ?? []), r.source]);
        const fixes = [...bySame].slice(0, 5).map(([explanation, sources]) => `${sources.length > 3 ? `${sources.slice(0, 3).join(', ')} and ${sources.length - 3} more` : sources.join(', ')}: ${explanation}`);
        if (counts.fail) return { status: 'fail', detail: summary, fix: fixes.join('\n') };
        if (counts.warn) return { status: 'warn', detail: summary, fix: fixes.join('\n') };
        return { status: 'pass', detail: summary };
      } finally {
        await target.close();
      }
    },
  };
}
