import path from 'node:path';
import { AlexaLinkError, describeError } from '../../errors.js';
import { STATE_DIR, writeUserFile } from '../../project/user-files.js';
import { enableSkill, isSkillEnabled } from '../../smapi/enablement.js';
import { simulateUtterance, tokenInRequest, type SimulationOutcome } from '../../smapi/simulation.js';
import { hasLinkAccountCard, speechOf } from '../../replay/kinds/custom.js';
import type { DoctorContext } from '../context.js';
import { builtinLocale } from './replays.js';
import type { Check, CheckOutcome } from '../types.js';

/**
 * `--simulate "<utterance>"`: Alexa hears the utterance (SMAPI simulation), calls the skill, and
 * the result holds the exact request it sent: whether that carried an accessToken is the
 * definitive answer to "does the token arrive". The request is saved as an envelope file (0600:
 * it holds the token) for later replays with --envelopes.
 */
export const ENVELOPES_DIR = path.join(STATE_DIR, 'envelopes');
export const SIMULATION_MAX_POLLS = 12;

/** Writes the envelope atomically with mode 0600 in a 0700 directory (src/project/user-files.ts); returns the path relative to the project. */
export async function saveEnvelope(projectRoot: string, envelope: Record<string, unknown>, now: Date): Promise<string> {
  const name = `simulation-${now.toISOString().replace(/[:.]/g, '-')}.json`;
  const rel = path.join(ENVELOPES_DIR, name);
  await writeUserFile(projectRoot, rel, JSON.stringify(envelope, null, 2) + '\n', { kind: 'secret', existing: 'replace' });
  return rel;
}

/** What a finished simulation says about the token. Pure. */
export function judgeSimulation(utterance: string, sim: SimulationOutcome): CheckOutcome & { request?: Record<string, unknown> } {
  const said = sim.alexaResponses.map((r) => r.caption).filter(Boolean).join(' ');
  const heard = sim.consideredIntents.length ? ` (intents considered: ${sim.consideredIntents.join(', ')})` : '';
  const inv = sim.invocations.find((i) => i.request);
  if (!inv || !inv.request) {
    return {
      status: 'fail',
      detail: `Alexa did not call the skill for "${utterance}"${sim.error ? `: ${sim.error}` : ''}${said ? `; Alexa said: "${said}"` : ''}${heard}.`,
      fix: 'Use an utterance that opens the skill ("open <invocation name>"), and check that the skill is enabled for testing in the development stage.',
    };
  }
  const places = tokenInRequest(inv.request);
  const where = places.context && places.session ? 'context.System.user and session.user' : places.context ? 'context.System.user' : 'session.user';
  const card = hasLinkAccountCard(inv.response);
  const speech = speechOf(inv.response) ?? (said || undefined);
  const answered = inv.response ? `the skill answered${card ? ' with a LinkAccount card' : ''}${speech ? `: "${speech}"` : ''}` : `the skill gave no answer${sim.error ? ` (${sim.error})` : ''}`;
  if (!places.context && !places.session) {
    return {
      status: 'fail',
      request: inv.request,
      detail: `Alexa sent the skill NO accessToken for "${utterance}"; ${answered}.`,
      fix: 'The developer account used for testing has not linked the skill, or its token expired and Alexa could not refresh it: link it in the Alexa app (Skills → Your Skills → Dev → the skill → Link account), then run --simulate again. If it was linked, check session-tokens (refresh tokens) and token-endpoint.',
    };
  }
  if (card) {
    return {
      status: 'fail',
      request: inv.request,
      detail: `Alexa sent an accessToken (in ${where}) for "${utterance}", and ${answered}: the skill reads or validates the token wrongly.`,
      fix: 'Read the token at context.System.user.accessToken (Alexa.getAccountLinkingAccessToken) and check how the skill validates it.',
    };
  }
  if (!inv.response) {
    return { status: 'fail', request: inv.request, detail: `Alexa sent an accessToken (in ${where}) for "${utterance}", but ${answered}.`, fix: 'Look at the skill logs for this request.' };
  }
  return { status: 'pass', request: inv.request, detail: `Alexa sent an accessToken (in ${where}) for "${utterance}", and ${answered}.` };
}

export const simulation: Check<DoctorContext> = {
  id: 'simulation',
  title: 'Alexa simulation: does Alexa itself send the token',
  needsNetwork: true,
  timeoutMs: (_ctx, base) => Math.max(base, 180_000),
  async run(ctx, info): Promise<CheckOutcome> {
    const utterance = ctx.options.simulate;
    if (!utterance) return { status: 'skip', detail: 'Not asked: pass --simulate "<utterance>" (e.g. "open my skill") to have Alexa itself show whether the token arrives.' };
    const types = ctx.manifest.ok ? ctx.manifest.value.skillTypes : [];
    if (types.length > 0 && !types.includes('custom')) {
      // The simulation reports the custom-skill request Alexa sent; a smart home or video skill gets directives instead.
      return {
        status: 'skip',
        detail: `--simulate does not apply to a ${types.join(' and ')} skill: SMAPI's simulation shows the request a custom skill receives, and this skill receives directives (Discover, TurnOn…) that it cannot show. Nothing was simulated.`,
        fix: 'The replays send those directives with and without the token (alexa-link doctor --token session); to test with Alexa itself, link the skill in the Alexa app and say "discover my devices".',
      };
    }
    if (!ctx.skillId.ok) return { status: 'fail', detail: `--simulate needs the skill ID: ${ctx.skillId.reason}`, ...(ctx.skillId.fix ? { fix: ctx.skillId.fix } : {}) };
    const smapi = await ctx.smapi();
    if (!smapi.ok) return { status: 'fail', detail: `--simulate needs SMAPI: ${smapi.reason}`, ...(smapi.fix ? { fix: smapi.fix } : {}) };
    const skillId = ctx.skillId.value;
    const stage = ctx.options.stage;
    let sim: SimulationOutcome;
    try {
      if (!(await isSkillEnabled(smapi.value, skillId, stage))) await enableSkill(smapi.value, skillId, stage);
      const timing = ctx.deps.smapiTiming;
      sim = await simulateUtterance(smapi.value, skillId, {
        utterance,
        locale: builtinLocale(ctx),
        stage,
        signal: info.signal,
        ...(timing?.pollBaseMs !== undefined ? { pollBaseMs: timing.pollBaseMs } : {}),
        // 12 polls back off to about 80 s in all, well inside this check's 180 s.
        maxPolls: timing?.maxPolls ?? SIMULATION_MAX_POLLS,
      });
    } catch (err) {
      return { status: 'fail', detail: `The simulation failed: ${describeError(err)}`, ...(err instanceof AlexaLinkError && err.hint ? { fix: err.hint } : {}) };
    }
    const judged = judgeSimulation(utterance, sim);
    const { request, ...outcome } = judged;
    if (request && ctx.project.ok) {
      const token = tokenInRequest(request);
      const tok = (request.context as { System?: { user?: { accessToken?: string } } } | undefined)?.System?.user?.accessToken;
      if (tok) ctx.deps.addSecret?.(tok);
      const saved = await saveEnvelope(ctx.project.value.root, request, ctx.now());
      outcome.detail += `\nThe request Alexa sent is saved in ${saved}${token.context || token.session ? ' (mode 0600: it holds the token)' : ''}; replay it with --envelopes ${saved}.`;
    }
    return outcome;
  },
};
