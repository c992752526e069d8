import { isObject } from '../project/json-file.js';
import type { TokenPlaces } from './envelopes.js';

/**
 * What a replay means: given where the envelope carried a token and what came back, a verdict and
 * an explanation in plain words (design, "Verdicts"). Pure.
 */
export type Verdict = 'pass' | 'warn' | 'fail';

export type FailureKind = 'timeout' | 'crash' | 'threw' | 'network' | 'http' | 'not-json' | 'load' | 'smapi' | 'verification';

/** What a target reports for one envelope. */
export interface TargetOutcome {
  /** HTTP status (endpoint, SMAPI), 200 when a handler returned, null when nothing came back. */
  status: number | null;
  latencyMs: number;
  /** The parsed skill response. */
  response?: unknown;
  error?: { kind: FailureKind; message: string; hint?: string };
  /** Start of a non-JSON or error body, for explanations. */
  bodyExcerpt?: string;
  /** Something the target noticed on the way (added to the explanation). */
  note?: string;
}

export interface ResponseSummary {
  linkAccountCard: boolean;
  speech: string | null;
}

export interface Judgement {
  verdict: Verdict;
  explanation: string;
  response: ResponseSummary;
}

export interface JudgeInput {
  requestType: string;
  tokenInEnvelope: TokenPlaces;
  /** The envelope has a session object (requests such as AudioPlayer events have none). */
  hasSession: boolean;
  outcome: TargetOutcome;
  /** What to call the target in explanations: "the handler", "the endpoint". */
  targetName: string;
  /** How to turn request verification off on the target (for a 400 from a verifying endpoint). */
  verificationSwitch?: string;
}

const MAX_SPEECH = 300;

/** Speech text of a skill response: SSML without tags, or plain text. */
export function speechOf(response: unknown): string | null {
  const r = isObject(response) && isObject(response.response) ? response.response : undefined;
  const os = r && isObject(r.outputSpeech) ? r.outputSpeech : undefined;
  if (!os) return null;
  let text: string | undefined;
  if (typeof os.ssml === 'string') text = os.ssml.replace(/<[^>]*>/g, ' ');
  else if (typeof os.text === 'string') text = os.text;
  if (text === undefined) return null;
  text = text.replace(/\s+/g, ' ').trim();
  return text.length > MAX_SPEECH ? `${text.slice(0, MAX_SPEECH)}…` : text;
}

export function hasLinkAccountCard(response: unknown): boolean {
  const r = isObject(response) && isObject(response.response) ? response.response : undefined;
  return Boolean(r && isObject(r.card) && r.card.type === 'LinkAccount');
}

export function summarizeResponse(response: unknown): ResponseSummary {
  return { linkAccountCard: hasLinkAccountCard(response), speech: speechOf(response) };
}

/** The endpoint refused an unsigned or stale request (ask-sdk-express-adapter and similar verifiers). */
export function isVerificationRejection(status: number | null, body: string | undefined): 'signature' | 'timestamp' | undefined {
  if (status !== 400 && status !== 401 && status !== 403) return undefined;
  const b = body ?? '';
  if (/Timestamp verification failed|Timestamp is not present/i.test(b)) return 'timestamp';
  if (/Request verification failed|Missing Certificate|Missing Signature|SignatureCertChainUrl|Signature-256|signature (?:is )?invalid|invalid signature|body and signature does not match/i.test(b)) return 'signature';
  return undefined;
}

function where(t: TokenPlaces): string {
  if (t.context && t.session) return 'context.System.user and session.user';
  if (t.context) return 'context.System.user only';
  return 'session.user only';
}

export function judgeReplay(input: JudgeInput): Judgement {
  const j = judgeOutcome(input);
  return input.outcome.note ? { ...j, explanation: `${j.explanation} ${input.outcome.note}` } : j;
}

function judgeOutcome(input: JudgeInput): Judgement {
  const { outcome, tokenInEnvelope: t, targetName } = input;
  const tokenSent = t.context || t.session;
  const empty: ResponseSummary = { linkAccountCard: false, speech: null };

  if (outcome.error) {
    const e = outcome.error;
    const response = outcome.response === undefined ? empty : summarizeResponse(outcome.response);
    if (e.kind === 'verification') {
      return { verdict: 'fail', response, explanation: e.message };
    }
    // The error's own message (often Node's, without a full stop) is the first sentence.
    let explanation = endSentence(e.message);
    if (e.kind === 'threw' || e.kind === 'crash') {
      if (tokenSent && !input.hasSession && /\b(session|user|accessToken)\b/.test(e.message)) {
        explanation += ` This envelope has no session (Alexa omits it for requests such as AudioPlayer events), so a skill that reads session.user.accessToken breaks here: read the token at context.System.user.accessToken (Alexa.getAccountLinkingAccessToken in ask-sdk-core).`;
      } else if (!tokenSent && /accessToken|\buser\b/.test(e.message)) {
        explanation += ' The envelope carried no token: the skill must expect a missing accessToken (user not linked) and answer with a LinkAccount card instead of failing.';
      }
    }
    if (e.hint) explanation += ` ${e.hint}`;
    return { verdict: 'fail', response, explanation };
  }

  if (outcome.status !== null && (outcome.status < 200 || outcome.status >= 300)) {
    const excerpt = outcome.bodyExcerpt ? `: ${outcome.bodyExcerpt}` : '';
    return { verdict: 'fail', response: empty, explanation: `${capital(targetName)} answered HTTP ${outcome.status}${excerpt}.` };
  }

  const resp = outcome.response;
  if (!isObject(resp) || (!isObject(resp.response) && input.requestType !== 'SessionEndedRequest')) {
    return {
      verdict: 'fail',
      response: empty,
      explanation: `${capital(targetName)} did not return a skill response (expected {"version": "1.0", "response": {…}}).`,
    };
  }
  const response = summarizeResponse(resp);

  if (tokenSent && response.linkAccountCard) {
    const sessionless = !input.hasSession ? ' This envelope has no session: a skill that reads session.user.accessToken sees no token here.' : '';
    return {
      verdict: 'fail',
      response,
      explanation:
        `A token was sent (in ${where(t)}) and the skill still asks to link: it reads or validates the token wrongly.` +
        ` Look at where it reads the token (Alexa reads context.System.user.accessToken; Alexa.getAccountLinkingAccessToken) and how it validates it (a userinfo call answering 401 means the token is expired or revoked: see session-tokens).${sessionless}`,
    };
  }
  if (tokenSent) {
    return { verdict: 'pass', response, explanation: `The token arrived (in ${where(t)}) and the skill answered without asking to link.` };
  }
  if (response.linkAccountCard) {
    return { verdict: 'pass', response, explanation: 'No token: the skill answers with a LinkAccount card, as it should for a user who has not linked.' };
  }
  if (input.requestType === 'SessionEndedRequest') {
    return { verdict: 'pass', response, explanation: 'No token, and a SessionEndedRequest needs no answer.' };
  }
  return {
    verdict: 'warn',
    response,
    explanation:
      'No token and no LinkAccount card: if this request needs the linked account, the skill should answer with speech asking to link and a LinkAccount card (responseBuilder.withLinkAccountCard()).',
  };
}

function endSentence(s: string): string {
  return /[.!?]$/.test(s.trimEnd()) ? s : `${s.trimEnd()}.`;
}

function capital(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
