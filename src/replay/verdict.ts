import type { Attempt, FailureKind, ReplayEvidence } from './evidence.js';
import { firstErrorLog, networkFailure, skillIdRejection } from './failure-text.js';
import { isLoopbackHost } from './offline-net.js';
import type { Judgement, Verdict } from './kinds/types.js';

/**
 * What a replay means: the verdict is a pure function of the evidence (design, "Verdicts from
 * evidence"). Each skill kind judges its own answers (kinds/<kind>.ts, judge()); the pieces every
 * kind shares live here: failures of the target (the handler threw, crashed or hung, the endpoint
 * answered 5xx or something that is not a skill response), and the hints that follow from the
 * evidence whatever the kind (a placeholder skill ID the skill refused, --offline network calls).
 */
export type { Judgement, Verdict } from './kinds/types.js';
export type { FailureKind, TargetOutcome } from './evidence.js';

export const VERDICT_ORDER: Record<Verdict, number> = { pass: 0, warn: 1, fail: 2 };

export function worse(a: Verdict, b: Verdict): Verdict {
  return VERDICT_ORDER[a] >= VERDICT_ORDER[b] ? a : b;
}

const MAX_QUOTE = 160;

/** “text”, cut short, for quoting speech and log lines in explanations. */
export function quote(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return `“${t.length > MAX_QUOTE ? `${t.slice(0, MAX_QUOTE)}…` : t}”`;
}

export function endSentence(s: string): string {
  return /[.!?…”"]$/.test(s.trimEnd()) ? s.trimEnd() : `${s.trimEnd()}.`;
}

export function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** The endpoint refused an unsigned or stale request (ask-sdk-express-adapter and similar verifiers). */
export function isVerificationRejection(status: number | null, body: string | undefined): 'signature' | 'timestamp' | undefined {
  if (status !== 400 && status !== 401 && status !== 403) return undefined;
  const b = body ?? '';
  if (/Timestamp verification failed|Timestamp is not present/i.test(b)) return 'timestamp';
  if (/Request verification failed|Missing Certificate|Missing Signature|SignatureCertChainUrl|Signature-256|signature (?:is )?invalid|invalid signature|body and signature does not match/i.test(b)) return 'signature';
  return undefined;
}

/** The first error line the skill logged, as evidence to quote (empty when none). */
export function loggedError(a: Pick<Attempt, 'logs'>): string {
  const line = firstErrorLog(a.logs);
  return line ? line.text : '';
}

/**
 * The verdict when the target did not produce a usable answer: the handler threw, crashed, hung
 * or could not load; the endpoint failed, answered non-2xx or not JSON; the answer is not a skill
 * response. Undefined when there is an answer for the kind to judge.
 */
/** What to change when the target failed this way and the target gave no hint of its own. */
const FIX_BY_KIND: Partial<Record<FailureKind, string>> = {
  timeout: 'Find the call that never finishes (a callback never called, a promise never settled, a request without a timeout) and give it a deadline well under 8 s.',
  crash: "Catch errors inside the request's promise chain (an error thrown from a timer or an event handler ends the whole process), and answer with an error message instead.",
  'too-large': 'Keep the answer under 24 KB: store large session data elsewhere (DynamoDB, S3) and keep directives (APL documents) and speech small.',
  'not-json': 'Answer with a JSON skill response ({"version": "1.0", "response": {…}}) and Content-Type application/json.',
  http: "Look at the endpoint's logs: it failed while handling the request.",
  verification: 'Replay against a server with request verification off, or through Alexa with --smapi.',
};

export function judgeTargetFailure(a: Attempt, targetName: string): Judgement | undefined {
  if (a.error) {
    const e = a.error;
    const fix = e.hint ?? FIX_BY_KIND[e.kind];
    if (e.kind === 'verification') return { verdict: 'fail', explanation: e.message, ...(fix ? { fix } : {}) };
    let explanation = endSentence(e.message);
    // The handler's own logs often say more than the error (which call failed, and why).
    const logged = loggedError(a);
    if ((e.kind === 'threw' || e.kind === 'crash') && logged && !e.message.includes(logged.slice(0, 60))) explanation += ` It logged: ${quote(logged)}.`;
    if (e.hint) explanation += ` ${e.hint}`;
    return { verdict: 'fail', explanation, ...(fix ? { fix } : {}) };
  }
  if (a.status !== null && (a.status < 200 || a.status >= 300)) {
    const excerpt = a.bodyExcerpt ? `: ${a.bodyExcerpt}` : '';
    return { verdict: 'fail', explanation: `${capital(targetName)} answered HTTP ${a.status}${excerpt}.`, fix: FIX_BY_KIND.http! };
  }
  if (a.notAResponse || a.answer === undefined) {
    return { verdict: 'fail', explanation: `${capital(targetName)} did not return a skill response (expected {"version": "1.0", "response": {…}}).`, fix: 'Return the skill response object ({"version": "1.0", "response": {…}}) from the handler (or pass it to the callback).' };
  }
  return undefined;
}

/** Every text of an attempt the hints look through: the error, the handler's error, the logs. */
function texts(a: Attempt, speech: string | undefined): string[] {
  const out: string[] = [];
  if (a.error) out.push(a.error.message);
  if (a.thrown) out.push(`${a.thrown.name}: ${a.thrown.message}`);
  for (const l of a.logs) out.push(l.text);
  if (speech) out.push(speech);
  return out;
}

/**
 * Adds what follows from the evidence whatever the kind: the skill refused alexa-link's placeholder
 * skill ID (pass --skill-id), its own network calls failed under --offline or without a network,
 * the target's note, the source's notes. `speech` is what the skill said, when the kind has speech.
 */
export function withCommonHints(j: Judgement, e: ReplayEvidence, speech?: string): Judgement {
  let explanation = j.explanation;
  let fix = j.fix;
  const all = [e, ...e.probes];
  const said = all.flatMap((a) => texts(a, a === e ? speech : undefined));
  if (j.verdict !== 'pass') {
    if (e.request.placeholderSkillId && said.some(skillIdRejection)) {
      explanation += ` The skill refused the request's skill ID: alexa-link used a placeholder (${e.request.applicationId}) because it knows no skill ID for this project.`;
      // A skill created before 2016 has a legacy amzn1.echo-sdk-ams.app.… ID: as valid as amzn1.ask.skill.…
      const legacy = said.map((t) => /\bamzn1\.echo-sdk-ams\.app\.[\w.-]*\w/.exec(t)?.[0]).find((id) => id !== undefined);
      fix = joinFix(
        fix,
        legacy
          ? `Pass --skill-id ${legacy} (the ID the skill's own check expects: legacy skills have amzn1.echo-sdk-ams.app.… IDs and newer ones amzn1.ask.skill.…, and both forms are valid), or deploy the skill (ask deploy) so .ask/ask-states.json has it.`
          : "Pass --skill-id with the ID the skill's own check expects (amzn1.ask.skill.…, or amzn1.echo-sdk-ams.app.… for a legacy skill: both forms are valid), or deploy the skill (ask deploy) so .ask/ask-states.json has it.",
      );
    }
    const net = said.map(networkFailure).find((n) => n !== undefined);
    if (net) {
      const where = net.host ? ` to ${net.host}` : '';
      explanation += e.offline && !(net.host && isLoopbackHost(net.host))
        ? ` Its own network call${where} failed (${net.code}) because doctor ran with --offline, which cuts the skill's calls to hosts other than this machine: that part is not a bug of the skill; run without --offline to judge it.`
        : ` Its own network call${where} failed (${net.code}): no network on this machine, a wrong host name, or the service is down.`;
    }
  }
  if (e.note) explanation += ` ${e.note}`;
  for (const n of e.notes) explanation += ` ${n}`;
  return fix === undefined ? { verdict: j.verdict, explanation } : { verdict: j.verdict, explanation, fix };
}

export function joinFix(a: string | undefined, b: string | undefined): string | undefined {
  if (!a) return b;
  if (!b || a.includes(b)) return a;
  return `${a}\n${b}`;
}
