import { randomUUID } from 'node:crypto';
import type { Attempt, ProbeEvidence, ReplayEvidence } from '../evidence.js';
import { speechFailure } from '../failure-text.js';
import { joinFix, judgeTargetFailure, loggedError, quote, withCommonHints, worse } from '../verdict.js';
import { ensureObject, isObject, isoSeconds, jsonClone, madeUpToken, objectAt, text, typeWord } from './common.js';
import type { BuiltinInput, BuiltinRequest, CodeInfo, Judgement, ProbeMode, ProbeSpec, RequestDocument, RequestFacts, SkillKind, TokenPresence } from './types.js';

/**
 * Custom skills (reference §4.1): request envelopes {version, session?, context, request}. The
 * account-linking token travels at context.System.user.accessToken (where Alexa's SDK reads it,
 * Alexa.getAccountLinkingAccessToken) and, when there is a session, again at
 * session.user.accessToken; Alexa sends requests without a session too (AudioPlayer and
 * PlaybackController requests, skill events), so a skill that reads the session's copy breaks
 * there. A linked user's answer is speech; an unlinked user's is speech with a LinkAccount card.
 */

export const PLACEHOLDER_SKILL_ID = 'amzn1.ask.skill.00000000-0000-0000-0000-000000000000';
const TEST_USER_ID = 'amzn1.ask.account.ALEXALINKDOCTORTESTUSER';


/** The answer in the fields the verdict and the report use. */
export interface CustomAnswer extends Record<string, unknown> {
  linkAccountCard: boolean;
  /** Speech without SSML tags, cut short; null when there is none. */
  speech: string | null;
  /** The reprompt, when there is one. */
  reprompt?: string;
  /** Another card's type (Simple, Standard, AskForPermissionsConsent). */
  card?: string;
  /** Types of the directives in the answer (Dialog.Delegate, AudioPlayer.Play…). */
  directives?: string[];
  shouldEndSession?: boolean;
  /** The SDK that made the answer (ask-node/2.14.0 …, ask-nodejs/1.0.25 …). */
  userAgent?: string;
}

// ─── The document ─────────────────────────────────────────────────────────────────────────────

function contextSystem(doc: RequestDocument): Record<string, unknown> | undefined {
  return objectAt(doc, ['context', 'System']);
}

function requestOf(doc: RequestDocument): Record<string, unknown> {
  return isObject(doc.request) ? doc.request : {};
}

function intentName(doc: RequestDocument): string | undefined {
  return text(objectAt(doc, ['request', 'intent'])?.name);
}

const TOKEN_FIELD = 'accessToken';

function problems(doc: unknown): string[] {
  const out: string[] = [];
  if (!isObject(doc)) return [`expected a request envelope (a JSON object with "context" and "request"), found ${typeWord(doc)}`];
  if (doc.version !== undefined && typeof doc.version !== 'string') out.push(`version must be a string like "1.0", not ${typeWord(doc.version)}`);
  const request = doc.request;
  if (request === undefined) out.push('request is missing');
  else if (!isObject(request)) out.push(`request must be an object, not ${typeWord(request)}`);
  else {
    if (typeof request.type !== 'string' || request.type === '') out.push(`request.type must be a string such as "LaunchRequest", not ${request.type === undefined ? 'missing' : typeWord(request.type)}`);
    if (request.locale !== undefined && typeof request.locale !== 'string') out.push(`request.locale must be a string, not ${typeWord(request.locale)}`);
    if (request.timestamp !== undefined && typeof request.timestamp !== 'string') out.push(`request.timestamp must be an ISO 8601 string, not ${typeWord(request.timestamp)}`);
    if (request.requestId !== undefined && typeof request.requestId !== 'string') out.push(`request.requestId must be a string, not ${typeWord(request.requestId)}`);
    if (request.type === 'IntentRequest' && !isObject(request.intent)) out.push('request.intent must be an object for an IntentRequest');
    else if (request.type === 'IntentRequest' && typeof (request.intent as Record<string, unknown>).name !== 'string') out.push('request.intent.name must be a string');
  }
  const userProblems = (user: unknown, where: string) => {
    if (user === undefined) return;
    if (!isObject(user)) out.push(`${where} must be an object, not ${typeWord(user)}`);
    // A null token is how some tools write "no token": accepted as absent.
    else if (user.accessToken !== undefined && user.accessToken !== null && typeof user.accessToken !== 'string') out.push(`${where}.accessToken must be a string, not ${typeWord(user.accessToken)}`);
  };
  const context = doc.context;
  const session = doc.session;
  if (context === undefined) {
    // The old format (before 2016) had no context; the session carried everything. Replayable.
    if (!isObject(session)) out.push('context is missing (Alexa always sends context.System)');
  } else if (!isObject(context)) out.push(`context must be an object, not ${typeWord(context)}`);
  else if (!isObject(context.System)) out.push('context.System must be an object');
  else {
    userProblems(context.System.user, 'context.System.user');
    if (context.System.application !== undefined && !isObject(context.System.application)) out.push('context.System.application must be an object');
  }
  if (session !== undefined && session !== null) {
    if (!isObject(session)) out.push(`session must be an object when present, not ${typeWord(session)}`);
    else userProblems(session.user, 'session.user');
  }
  return out;
}

function normalise(doc: RequestDocument): RequestDocument {
  const nulls = [objectAt(doc, ['context', 'System', 'user']), objectAt(doc, ['session', 'user'])].some((u) => u !== undefined && u.accessToken === null);
  if (!nulls && doc.session !== null) return doc;
  const copy = jsonClone(doc);
  if (copy.session === null) delete copy.session;
  for (const u of [objectAt(copy, ['context', 'System', 'user']), objectAt(copy, ['session', 'user'])]) if (u && u.accessToken === null) delete u.accessToken;
  return copy;
}

function notes(doc: RequestDocument): string[] {
  if (!isObject(doc.context)) {
    return ['This envelope has no context (an old format): Alexa sends context.System with every request today, and Alexa.getAccountLinkingAccessToken reads the token there; alexa-link set the token in session.user only, as this format carried it.'];
  }
  return [];
}

function placesOf(doc: RequestDocument): string[] {
  const out: string[] = [];
  if (contextSystem(doc)) out.push('context');
  if (isObject(doc.session)) out.push('session');
  return out;
}

function userAt(doc: RequestDocument, place: string): Record<string, unknown> | undefined {
  return place === 'context' ? objectAt(doc, ['context', 'System', 'user']) : place === 'session' ? objectAt(doc, ['session', 'user']) : undefined;
}

function readToken(doc: RequestDocument, place: string): string | undefined {
  return text(userAt(doc, place)?.[TOKEN_FIELD]);
}

function tokenIn(doc: RequestDocument): TokenPresence {
  return { context: readToken(doc, 'context') !== undefined, session: readToken(doc, 'session') !== undefined };
}

function withToken(doc: RequestDocument, token: string | undefined, places?: readonly string[]): RequestDocument {
  const copy = jsonClone(doc);
  const wanted = new Set(places ?? placesOf(copy));
  for (const place of placesOf(copy)) {
    const user = place === 'context' ? ensureObject(copy, ['context', 'System', 'user']) : ensureObject(copy, ['session', 'user']);
    if (token !== undefined && wanted.has(place)) user[TOKEN_FIELD] = token;
    else delete user[TOKEN_FIELD];
  }
  // AlexaSkillEvent.SkillAccountLinked repeats the new token in request.body (ask-sdk-model AccountLinkedBody).
  const request = requestOf(copy);
  if (request.type === 'AlexaSkillEvent.SkillAccountLinked') {
    const body = ensureObject(request, ['body']);
    if (token !== undefined && wanted.has('context')) body[TOKEN_FIELD] = token;
    else delete body[TOKEN_FIELD];
  }
  return copy;
}

function refresh(doc: RequestDocument, now: Date): RequestDocument {
  const request = isObject(doc.request) ? doc.request : (doc.request = {});
  request.requestId = `amzn1.echo-api.request.${randomUUID()}`;
  request.timestamp = isoSeconds(now);
  return doc;
}

/** Requests Alexa expects no spoken answer to: an empty response is right. */
const ANSWER_OPTIONAL = /^(?:SessionEndedRequest|AudioPlayer\.|AlexaSkillEvent\.|System\.ExceptionEncountered|PlaybackController\.|Messaging\.)/;
/** Intents that need no linked account: no LinkAccount card is expected there. */
const NO_ACCOUNT_INTENTS = new Set(['AMAZON.HelpIntent', 'AMAZON.StopIntent', 'AMAZON.CancelIntent', 'AMAZON.FallbackIntent', 'AMAZON.NavigateHomeIntent']);

function applicationIdOf(doc: RequestDocument): string | undefined {
  return text(objectAt(doc, ['context', 'System', 'application'])?.applicationId) ?? text(objectAt(doc, ['session', 'application'])?.applicationId);
}

function facts(doc: RequestDocument): RequestFacts {
  const type = text(requestOf(doc).type) ?? '(no request type)';
  const intent = intentName(doc);
  const answerOptional = ANSWER_OPTIONAL.test(type);
  const applicationId = applicationIdOf(doc);
  return {
    type,
    label: intent ? `${type} ${intent}` : type,
    answerOptional,
    needsNoAccount: answerOptional || (intent !== undefined && NO_ACCOUNT_INTENTS.has(intent)),
    ...(applicationId ? { applicationId } : {}),
    placeholderSkillId: applicationId === PLACEHOLDER_SKILL_ID,
    hasSession: isObject(doc.session),
    hasContext: contextSystem(doc) !== undefined,
  };
}

function secrets(doc: RequestDocument): string[] {
  const sys = contextSystem(doc);
  const values = [
    readToken(doc, 'context'),
    readToken(doc, 'session'),
    text(sys?.apiAccessToken),
    text(objectAt(sys, ['person'])?.accessToken),
    text(objectAt(doc, ['request', 'body'])?.accessToken),
  ];
  return [...new Set(values.filter((v): v is string => v !== undefined))];
}

// ─── Built-in requests ────────────────────────────────────────────────────────────────────────

/** --request names and what they build. */
export const CUSTOM_BUILTINS = ['launch', 'intent', 'session-ended', 'playback-started', 'skill-linked'] as const;

interface Base {
  skillId: string | undefined;
  locale: string;
}

function baseEnvelope(opts: Base, request: Record<string, unknown> & { type: string }, session: 'new' | 'ongoing' | 'none', now = new Date()): RequestDocument {
  const applicationId = opts.skillId ?? PLACEHOLDER_SKILL_ID;
  const env: RequestDocument = {
    version: '1.0',
    context: {
      System: {
        application: { applicationId },
        user: { userId: TEST_USER_ID },
        device: { deviceId: 'amzn1.ask.device.ALEXALINKDOCTOR', supportedInterfaces: {} },
        apiEndpoint: 'https://api.amazonalexa.com',
      },
    },
    request: {
      requestId: `amzn1.echo-api.request.${randomUUID()}`,
      timestamp: isoSeconds(now),
      locale: opts.locale,
      ...request,
    },
  };
  if (session !== 'none') {
    env.session = {
      new: session === 'new',
      sessionId: `amzn1.echo-api.session.${randomUUID()}`,
      application: { applicationId },
      attributes: {},
      user: { userId: TEST_USER_ID },
    };
  }
  // Key order as Alexa sends it (version, session, context, request), for readable saved copies.
  const { version, session: s, context, request: r } = env;
  return s ? { version, session: s, context, request: r } : { version, context, request: r };
}

export function builtinLaunch(opts: Base): RequestDocument {
  return baseEnvelope(opts, { type: 'LaunchRequest', shouldLinkResultBeReturned: false }, 'new');
}

export function builtinIntent(opts: Base & { intent: { name: string; slots: Record<string, string | undefined> } }): RequestDocument {
  const slots: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(opts.intent.slots)) {
    slots[name] = value === undefined ? { name, confirmationStatus: 'NONE' } : { name, value, confirmationStatus: 'NONE', source: 'USER' };
  }
  const hasSlots = Object.keys(slots).length > 0;
  return baseEnvelope(opts, { type: 'IntentRequest', dialogState: 'STARTED', intent: { name: opts.intent.name, confirmationStatus: 'NONE', ...(hasSlots ? { slots } : {}) } }, 'ongoing');
}

export function builtinSessionEnded(opts: Base): RequestDocument {
  return baseEnvelope(opts, { type: 'SessionEndedRequest', reason: 'USER_INITIATED' }, 'ongoing');
}

/** AudioPlayer.PlaybackStarted: no session; the player's state in context.AudioPlayer. */
export function builtinPlaybackStarted(opts: Base): RequestDocument {
  const env = baseEnvelope(opts, { type: 'AudioPlayer.PlaybackStarted', token: 'alexa-link-stream-1', offsetInMilliseconds: 0 }, 'none');
  (env.context as Record<string, unknown>).AudioPlayer = { token: 'alexa-link-stream-1', offsetInMilliseconds: 0, playerActivity: 'PLAYING' };
  return env;
}

/** AlexaSkillEvent.SkillAccountLinked: no session; the new token in context (and request.body). */
export function builtinSkillLinked(opts: Base, now = new Date()): RequestDocument {
  return baseEnvelope(opts, { type: 'AlexaSkillEvent.SkillAccountLinked', body: {}, eventCreationTime: isoSeconds(now), eventPublishingTime: isoSeconds(now) }, 'none', now);
}

/** Example values of Amazon's built-in slot types, for slots whose type has no values in the model. */
const BUILTIN_SLOT_VALUES: Record<string, string> = {
  'AMAZON.NUMBER': '3',
  'AMAZON.FOUR_DIGIT_NUMBER': '1234',
  'AMAZON.Ordinal': 'first',
  'AMAZON.DATE': '2024-06-01',
  'AMAZON.TIME': '10:00',
  'AMAZON.DURATION': 'PT10M',
  'AMAZON.FirstName': 'Ada',
  'AMAZON.Person': 'Ada Lovelace',
  'AMAZON.City': 'Seattle',
  'AMAZON.US_CITY': 'Seattle',
  'AMAZON.Country': 'France',
  'AMAZON.US_STATE': 'Washington',
  'AMAZON.Color': 'blue',
  'AMAZON.Food': 'pizza',
  'AMAZON.PhoneNumber': '2065550100',
  'AMAZON.Language': 'English',
};

interface ModelIntent {
  name: string;
  slots: Array<{ name: string; type?: string }>;
  samples: string[];
}

function modelIntents(model: unknown): { intents: ModelIntent[]; types: Map<string, string[]> } {
  const lm = objectAt(model, ['interactionModel', 'languageModel']);
  const intents: ModelIntent[] = [];
  const types = new Map<string, string[]>();
  if (!lm) return { intents, types };
  for (const i of Array.isArray(lm.intents) ? lm.intents : []) {
    if (!isObject(i) || typeof i.name !== 'string') continue;
    const slots = (Array.isArray(i.slots) ? i.slots : []).filter((s): s is Record<string, unknown> & { name: string } => isObject(s) && typeof s.name === 'string').map((s) => ({ name: s.name, ...(typeof s.type === 'string' ? { type: s.type } : {}) }));
    const samples = (Array.isArray(i.samples) ? i.samples : []).filter((s): s is string => typeof s === 'string');
    intents.push({ name: i.name, slots, samples });
  }
  for (const t of Array.isArray(lm.types) ? lm.types : []) {
    if (!isObject(t) || typeof t.name !== 'string' || !Array.isArray(t.values)) continue;
    const values = t.values.map((v) => (isObject(v) && isObject(v.name) && typeof v.name.value === 'string' ? v.name.value : undefined)).filter((v): v is string => Boolean(v));
    types.set(t.name, values);
  }
  return { intents, types };
}

/** A value for a slot: the first value of its type in the model, an example of a built-in type, or a sample's literal words. */
function slotValue(slot: { name: string; type?: string }, intent: ModelIntent, types: Map<string, string[]>): string | undefined {
  const fromType = slot.type ? types.get(slot.type)?.[0] : undefined;
  if (fromType) return fromType;
  if (slot.type && BUILTIN_SLOT_VALUES[slot.type]) return BUILTIN_SLOT_VALUES[slot.type];
  // AMAZON.SearchQuery and the like: the literal words of a sample that holds only this slot.
  const sample = intent.samples.find((s) => s.includes(`{${slot.name}}`));
  const literal = sample?.replace(/\{[^}]+\}/g, ' ').replace(/\s+/g, ' ').trim();
  return literal || undefined;
}

/**
 * The intent the built-in IntentRequest uses: WhoAmIIntent when the model has it, else the first
 * custom (non AMAZON.*) intent; its slots filled from the model.
 */
export function pickIntent(model: unknown, wanted?: string): { name: string; slots: Record<string, string | undefined> } | undefined {
  const { intents, types } = modelIntents(model);
  const chosen = wanted ? intents.find((i) => i.name === wanted) : (intents.find((i) => i.name === 'WhoAmIIntent') ?? intents.find((i) => !i.name.startsWith('AMAZON.')));
  if (!chosen) return undefined;
  const slots: Record<string, string | undefined> = {};
  for (const s of chosen.slots) slots[s.name] = slotValue(s, chosen, types);
  return { name: chosen.name, slots };
}

function builtins(input: BuiltinInput): BuiltinRequest[] {
  const base = { skillId: input.skillId, locale: input.locale };
  const wanted = input.requests.length ? input.requests : ['launch', 'intent'];
  const out: BuiltinRequest[] = [];
  for (const name of wanted) {
    switch (name) {
      case 'launch':
        out.push({ source: 'builtin:launch', document: builtinLaunch(base) });
        break;
      case 'intent': {
        let intent: { name: string; slots: Record<string, string | undefined> } | undefined;
        if (input.intent) {
          // --intent NAME: the model's slots for it (when it has the intent), then the --slot values.
          const fromModel = pickIntent(input.interactionModel, input.intent.name);
          intent = { name: input.intent.name, slots: { ...(fromModel?.slots ?? {}), ...input.intent.slots } };
        } else intent = pickIntent(input.interactionModel);
        if (intent) out.push({ source: `builtin:intent:${intent.name}`, document: builtinIntent({ ...base, intent }) });
        break;
      }
      case 'session-ended':
        out.push({ source: 'builtin:session-ended', document: builtinSessionEnded(base) });
        break;
      case 'playback-started':
        out.push({ source: 'builtin:playback-started', document: builtinPlaybackStarted(base) });
        break;
      case 'skill-linked':
        out.push({ source: 'builtin:skill-linked', document: builtinSkillLinked(base) });
        break;
    }
  }
  return out;
}

// ─── The answer ───────────────────────────────────────────────────────────────────────────────

const MAX_SPEECH = 300;

function plain(os: unknown): string | undefined {
  if (!isObject(os)) return undefined;
  let t: string | undefined;
  if (typeof os.ssml === 'string') t = os.ssml.replace(/<[^>]*>/g, ' ');
  else if (typeof os.text === 'string') t = os.text;
  if (t === undefined) return undefined;
  t = t.replace(/\s+/g, ' ').trim();
  return t.length > MAX_SPEECH ? `${t.slice(0, MAX_SPEECH)}…` : t;
}

/** Speech text of a skill response: SSML without tags, or plain text. */
export function speechOf(response: unknown): string | null {
  return plain(objectAt(response, ['response', 'outputSpeech'])) ?? null;
}

export function hasLinkAccountCard(response: unknown): boolean {
  return objectAt(response, ['response', 'card'])?.type === 'LinkAccount';
}

function summarize(response: unknown): CustomAnswer {
  const r = objectAt(response, ['response']);
  const out: CustomAnswer = { linkAccountCard: hasLinkAccountCard(response), speech: speechOf(response) };
  if (!r) return out;
  const reprompt = plain(objectAt(r, ['reprompt', 'outputSpeech']));
  if (reprompt) out.reprompt = reprompt;
  const card = objectAt(r, ['card']);
  if (card && typeof card.type === 'string' && card.type !== 'LinkAccount') out.card = card.type;
  if (Array.isArray(r.directives)) {
    const types = r.directives.map((d) => (isObject(d) && typeof d.type === 'string' ? d.type : '?')).slice(0, 10);
    if (types.length) out.directives = types;
  }
  if (typeof r.shouldEndSession === 'boolean') out.shouldEndSession = r.shouldEndSession;
  const ua = isObject(response) && typeof response.userAgent === 'string' ? response.userAgent.slice(0, 120) : undefined;
  if (ua) out.userAgent = ua;
  return out;
}

function isResponse(response: unknown, f: RequestFacts): boolean {
  // Lambda's null (a callback handler that ended without calling back) is no answer, which these requests need none of.
  if (response === null) return f.answerOptional;
  if (!isObject(response)) return false;
  return isObject(response.response) || f.answerOptional;
}

/** An answer that says nothing and does nothing. */
function isEmpty(a: CustomAnswer): boolean {
  return !a.speech && !a.linkAccountCard && !a.card && !a.directives?.length;
}

// ─── Styles, and the code to change in each ───────────────────────────────────────────────────

export type CustomStyle = 'ask-sdk-v2' | 'alexa-sdk-v1' | 'raw' | 'unknown';

function style(code: CodeInfo | undefined, answer: CustomAnswer | undefined): CustomStyle {
  const ua = answer?.userAgent ?? '';
  if (/^ask-node\//.test(ua)) return 'ask-sdk-v2';
  if (/^ask-nodejs\//.test(ua)) return 'alexa-sdk-v1';
  if (code) {
    if (code.requires.some((m) => m === 'ask-sdk-core' || m === 'ask-sdk' || m.startsWith('ask-sdk-core/') || m === 'ask-sdk-v1adapter')) return 'ask-sdk-v2';
    if (code.requires.some((m) => m === 'alexa-sdk' || m.startsWith('alexa-sdk/'))) return 'alexa-sdk-v1';
    return 'raw';
  }
  return 'unknown';
}

const READ_TOKEN: Record<CustomStyle, string> = {
  'ask-sdk-v2': 'Alexa.getAccountLinkingAccessToken(handlerInput.requestEnvelope) (that is handlerInput.requestEnvelope.context.System.user.accessToken)',
  'alexa-sdk-v1': 'this.event.context.System.user.accessToken',
  raw: 'event.context.System.user.accessToken',
  unknown: 'context.System.user.accessToken (with ask-sdk: Alexa.getAccountLinkingAccessToken(handlerInput.requestEnvelope))',
};

const SESSION_READ: Record<CustomStyle, string> = {
  'ask-sdk-v2': 'handlerInput.requestEnvelope.session.user.accessToken',
  'alexa-sdk-v1': 'this.event.session.user.accessToken',
  raw: 'event.session.user.accessToken',
  unknown: 'session.user.accessToken',
};

const LINK_ANSWER: Record<CustomStyle, string> = {
  'ask-sdk-v2': "handlerInput.responseBuilder.speak('Please link your account in the Alexa app.').withLinkAccountCard().getResponse()",
  'alexa-sdk-v1': "this.emit(':tellWithLinkAccountCard', 'Please link your account in the Alexa app.')",
  raw: "a response with speech asking to link and card: { type: 'LinkAccount' }",
  unknown: 'speech asking to link and a LinkAccount card (ask-sdk: responseBuilder.withLinkAccountCard())',
};

const ERROR_PATH: Record<CustomStyle, string> = {
  'ask-sdk-v2': 'the request handler and its ErrorHandler (addErrorHandlers)',
  'alexa-sdk-v1': "the intent's handler and its 'Unhandled' handler",
  raw: 'the handler',
  unknown: "the skill's handler",
};

export function readTokenFix(s: CustomStyle): string {
  return `Read the token at ${READ_TOKEN[s]}, not at ${SESSION_READ[s]}: Alexa sends requests without a session (AudioPlayer, PlaybackController, skill events) and the session's copy is missing there.`;
}

// ─── Probes ───────────────────────────────────────────────────────────────────────────────────

function probes(doc: RequestDocument, mode: ProbeMode): ProbeSpec[] {
  if (mode === 'none') return [];
  const t = tokenIn(doc);
  const token = readToken(doc, 'context') ?? readToken(doc, 'session');
  if (!token) return [];
  const out: ProbeSpec[] = [];
  if (t.context && t.session) out.push({ id: 'context-only', title: 'token in context only', make: (d) => withToken(d, token, ['context']) });
  if (mode === 'all') {
    out.push({ id: 'no-token', title: 'no token', make: (d) => withToken(d, undefined) });
    const fake = madeUpToken(token);
    const places = Object.entries(t).filter(([, v]) => v).map(([k]) => k);
    out.push({ id: 'made-up-token', title: 'a made-up token of the same shape', make: (d) => withToken(d, fake, places) });
  }
  return out;
}

// ─── The verdict ──────────────────────────────────────────────────────────────────────────────

function where(t: TokenPresence): string {
  if (t.context && t.session) return 'context.System.user and session.user';
  if (t.context) return 'context.System.user only';
  return 'session.user only';
}

function tokenSent(t: TokenPresence): boolean {
  return Boolean(t.context || t.session);
}

type Outcome = { ok: true; answer: CustomAnswer; loggedError: string } | { ok: false; why: string; quoteText: string; failed: Judgement | undefined };

/** What an attempt came to: a usable answer (possibly with a logged error), or a failure with its evidence. */
function outcomeOf(a: Attempt<CustomAnswer>, f: RequestFacts, targetName: string): Outcome {
  const failed = judgeTargetFailure(a, targetName);
  if (failed) return { ok: false, why: 'failed', quoteText: failed.explanation, failed };
  const answer = a.answer!;
  const logged = loggedError(a);
  const intent = f.label.startsWith('IntentRequest ') ? f.label.slice('IntentRequest '.length) : undefined;
  // An answer with a LinkAccount card asks to link, whatever its words ("Sorry, I can't reach your
  // calendar until you link your account"): the verdict judges the card, not the apology.
  const said = answer.linkAccountCard ? undefined : speechFailure(answer.speech, intent);
  if (said) return { ok: false, why: said.why, quoteText: `it said ${quote(answer.speech!)} (${said.why})${logged ? ` and logged ${quote(logged)}` : ''}`, failed: undefined };
  if (!f.answerOptional && isEmpty(answer)) {
    return { ok: false, why: 'empty', quoteText: `it answered with nothing: no speech, no card and no directive${logged ? `, and logged ${quote(logged)}` : ''}`, failed: undefined };
  }
  return { ok: true, answer, loggedError: logged };
}

function judgeMain(e: ReplayEvidence<CustomAnswer>, s: CustomStyle): Judgement {
  const f = e.request;
  const sent = tokenSent(e.tokenIn);
  const o = outcomeOf(e, f, e.targetName);
  if (!o.ok && o.failed) {
    const j = o.failed;
    if (e.error && (e.error.kind === 'threw' || e.error.kind === 'crash')) {
      if (sent && !e.tokenIn.session && e.tokenIn.context && /\b(session|user|accessToken)\b/.test(e.error.message)) {
        return {
          verdict: 'fail',
          explanation: `${j.explanation} This envelope has no session (Alexa omits it for requests such as AudioPlayer events and skill events), so a skill that reads session.user.accessToken breaks here: read the token at context.System.user.accessToken (Alexa.getAccountLinkingAccessToken in ask-sdk-core).`,
          fix: readTokenFix(s),
        };
      }
      if (f.hasSession === false && readsMissingSession(e)) {
        return {
          verdict: 'fail',
          explanation: `${j.explanation} ${f.label} comes without a session (Alexa does not send one with ${f.type}), and the skill reads event.session: the user and the token are in context.System.user (context.System.user.accessToken; Alexa.getAccountLinkingAccessToken in ask-sdk-core), which Alexa sends with every request.`,
          fix: `Read the user and the token from ${READ_TOKEN[s]}, not from ${SESSION_READ[s]}, and do not expect event.session on requests such as AudioPlayer and PlaybackController events and skill events.`,
        };
      }
      if (!sent && /accessToken|\buser\b/.test(e.error.message)) {
        return {
          verdict: 'fail',
          explanation: `${j.explanation} The envelope carried no token: the skill must expect a missing accessToken (user not linked) and answer with a LinkAccount card instead of failing.`,
          fix: `Check for a missing token before using it and answer with ${LINK_ANSWER[s]}.`,
        };
      }
      if (sent) {
        return {
          verdict: 'fail',
          explanation: `The token arrived (in ${where(e.tokenIn)}) and the skill failed while handling the request: ${j.explanation}`,
          fix: joinFix(j.fix, `Look at ${ERROR_PATH[s]}: the error above shows where it fails. When the provider rejects the token (401), answer with ${LINK_ANSWER[s]}.`)!,
        };
      }
      if (e.error.kind === 'threw' && !j.fix) {
        return { ...j, fix: `Look at ${ERROR_PATH[s]}: the error above shows where it fails, and answer with speech instead of failing (a user who has not linked: ${LINK_ANSWER[s]}).` };
      }
    }
    return j;
  }
  if (!o.ok) {
    if (f.answerOptional) {
      // Alexa speaks no answer to skill events, AudioPlayer events or a SessionEndedRequest: nobody
      // hears this, but the skill had no proper way to handle the request.
      return {
        verdict: 'warn',
        explanation: `${sent ? `The token arrived (in ${where(e.tokenIn)}); ` : ''}the skill's answer to ${f.label} reads as a failure: ${o.quoteText}. Alexa does not speak answers to ${f.type}, so no user hears it, but the skill has no handler for it, or one that fails.`,
        fix: `Handle ${f.type} in ${ERROR_PATH[s]} (an empty response is the right answer to it).`,
      };
    }
    if (sent) {
      return {
        verdict: 'fail',
        explanation: `The token arrived (in ${where(e.tokenIn)}) and the skill failed while using it: ${o.quoteText}.`,
        fix: `Look at what ${ERROR_PATH[s]} do with the token (the call to your provider or API) and at the logs. Never speak raw errors or values that may be missing; when the provider rejects the token (401), answer with ${LINK_ANSWER[s]}.`,
      };
    }
    return {
      verdict: 'fail',
      explanation: `No token (a user who has not linked) and the skill failed instead of asking to link: ${o.quoteText}.`,
      fix: `Check for a missing token first (${READ_TOKEN[s]}) and answer with ${LINK_ANSWER[s]}.`,
    };
  }
  const answer = o.answer;
  if (sent && answer.linkAccountCard) {
    const sessionless = e.tokenIn.session ? '' : ' This envelope carries no session token: a skill that reads session.user.accessToken sees no token here.';
    return {
      verdict: 'fail',
      explanation:
        `A token was sent (in ${where(e.tokenIn)}) and the skill still asks to link: it reads or validates the token wrongly.` +
        ` Look at where it reads the token (Alexa reads context.System.user.accessToken; Alexa.getAccountLinkingAccessToken) and how it validates it (a userinfo call answering 401 means the token is expired or revoked: see session-tokens).${sessionless}`,
      fix: `Read the token at ${READ_TOKEN[s]}; when the provider answers 401 the token is expired or revoked (alexa-link login again for a fresh one).`,
    };
  }
  if (sent) {
    if (o.loggedError) {
      return {
        verdict: 'warn',
        explanation: `The token arrived (in ${where(e.tokenIn)}) and the skill answered, but it logged an error while handling the request: ${quote(o.loggedError)}.`,
        fix: `Look at that error in ${ERROR_PATH[s]}: an answer that hides a failure misleads the user.`,
      };
    }
    return { verdict: 'pass', explanation: `The token arrived (in ${where(e.tokenIn)}) and the skill answered without asking to link.` };
  }
  if (answer.linkAccountCard) return { verdict: 'pass', explanation: 'No token: the skill answers with a LinkAccount card, as it should for a user who has not linked.' };
  if (f.type === 'SessionEndedRequest') return { verdict: 'pass', explanation: 'No token, and a SessionEndedRequest needs no answer.' };
  if (f.needsNoAccount) return { verdict: 'pass', explanation: `No token, and ${f.label} needs no linked account: no LinkAccount card is expected.` };
  if (o.loggedError) {
    return {
      verdict: 'warn',
      explanation: `No token, no LinkAccount card, and the skill logged an error: ${quote(o.loggedError)}.`,
      fix: `Check for a missing token first (${READ_TOKEN[s]}) and answer with ${LINK_ANSWER[s]}.`,
    };
  }
  return {
    verdict: 'warn',
    explanation:
      'No token and no LinkAccount card: if this request needs the linked account, the skill should answer with speech asking to link and a LinkAccount card (responseBuilder.withLinkAccountCard()).',
    fix: `Answer a user who has not linked with ${LINK_ANSWER[s]}.`,
  };
}

/** What the probes add: findings with their own verdict, explanation and fix. */
function judgeProbes(e: ReplayEvidence<CustomAnswer>, s: CustomStyle, main: Judgement): Judgement[] {
  const out: Judgement[] = [];
  const f = e.request;
  // Nobody hears the answer to a skill event, an AudioPlayer event or a SessionEndedRequest: what
  // the probes would find there (no LinkAccount card, an unhandled request) is not a linking bug.
  if (f.answerOptional) return out;
  const mainOutcome = outcomeOf(e, f, e.targetName);
  const mainAnswered = mainOutcome.ok && !mainOutcome.answer.linkAccountCard;
  const probe = (id: string) => e.probes.find((p) => p.id === id);
  const po = (p: ProbeEvidence<CustomAnswer>) => outcomeOf(p, f, e.targetName);

  const ctxOnly = probe('context-only');
  if (ctxOnly && mainAnswered) {
    const o = po(ctxOnly);
    if (!o.ok || o.answer.linkAccountCard) {
      const what = o.ok ? 'asked to link (LinkAccount card)' : `failed: ${o.quoteText}`;
      out.push({
        verdict: 'warn',
        explanation: `With the token in context.System.user only (as Alexa sends requests without a session, and where Alexa.getAccountLinkingAccessToken reads it), the skill ${what}: it reads the token from session.user.accessToken only.`,
        fix: readTokenFix(s),
      });
    }
  }

  const noToken = probe('no-token');
  let noTokenAsksToLink = false;
  let noTokenSame = false;
  if (noToken && (main.verdict !== 'fail' || mainAnswered)) {
    const o = po(noToken);
    if (!o.ok) {
      out.push({
        verdict: 'fail',
        explanation: `Without a token (a user who has not linked) the skill failed instead of asking to link: ${o.quoteText.replace(/\.$/, '')}.`,
        fix: `Check for a missing token first (${READ_TOKEN[s]}) and answer with ${LINK_ANSWER[s]}.`,
      });
    } else if (o.answer.linkAccountCard) noTokenAsksToLink = true;
    else if (mainOutcome.ok && o.answer.speech === mainOutcome.answer.speech) noTokenSame = true;
    else if (!f.needsNoAccount) {
      out.push({
        verdict: 'warn',
        explanation: `Without a token the skill answers ${o.answer.speech ? quote(o.answer.speech) : 'without speech'} and no LinkAccount card: a user who has not linked is not asked to link.`,
        fix: `Answer a user who has not linked with ${LINK_ANSWER[s]}.`,
      });
    }
  }

  const fake = probe('made-up-token');
  if (fake && mainAnswered && mainOutcome.ok && main.verdict === 'pass') {
    const o = po(fake);
    const realToken = e.tokenOrigin === 'session' || e.tokenOrigin === 'env';
    if (o.ok && !o.answer.linkAccountCard && o.answer.speech === mainOutcome.answer.speech && !noTokenSame && (noTokenAsksToLink || !noToken) && realToken) {
      out.push({
        verdict: 'warn',
        explanation: `A made-up token of the same shape got the same answer (${quote(o.answer.speech ?? '')}) as the real token from ${e.tokenOrigin === 'session' ? 'alexa-link login' : 'the environment'}: the skill may not validate tokens.`,
        fix: 'Validate the token: call your provider with it (its userinfo endpoint, or your API) and treat a 401 as "not linked", answering with a LinkAccount card.',
      });
    } else if (!o.ok && realToken) {
      out.push({
        verdict: 'warn',
        explanation: `With a made-up (invalid) token the skill failed instead of asking to link again: ${o.quoteText.replace(/\.$/, '')}.`,
        fix: `When the provider rejects a token (401: expired or revoked), answer with ${LINK_ANSWER[s]}.`,
      });
    }
  }
  return out;
}

/** A handler reading a smart home directive (event.directive.header…) out of a custom skill's envelope fails like this. */
const READS_DIRECTIVE = /\breading '(?:directive|header|endpoint)'|\bdirective is (?:not defined|undefined)|\b(?:event|request)\.directive\b/;

/**
 * Whether the evidence shows a smart home handler sent a custom skill's request: it answered with
 * a smart home event, or it failed reading the directive's header. Then the custom skill's fixes
 * are beside the point: the request was of the wrong kind.
 */
export function smartHomeHandlerEvidence(e: ReplayEvidence<CustomAnswer>): string | undefined {
  for (const a of [e, ...e.probes]) {
    if (a.answerOfKind === 'smart-home') return 'it answered with an Alexa event ({"event": {"header": …}}), as a smart home skill does';
    const said = [a.error?.message, a.thrown ? `${a.thrown.name}: ${a.thrown.message}` : undefined].filter((t): t is string => Boolean(t));
    const hit = said.find((t) => READS_DIRECTIVE.test(t));
    if (hit) return `it failed reading a smart home directive (${quote(hit.length > 120 ? `${hit.slice(0, 120)}…` : hit)})`;
  }
  return undefined;
}

/** A TypeError from reading a property of the missing session (event.session.user, .attributes, .new…). */
function readsMissingSession(e: ReplayEvidence<CustomAnswer>): boolean {
  const said = [e.error?.message, e.thrown ? `${e.thrown.name}: ${e.thrown.message}` : undefined];
  return said.some((t) => t !== undefined && /Cannot read propert(?:y|ies) of undefined \(reading '(?:user|attributes|new|sessionId|application)'\)|Cannot read propert(?:y|ies) of undefined[^\n]*\bsession\b|\bsession is (?:undefined|not defined)\b|reading 'session'/.test(t));
}

/** The skill failed reading context.System (Alexa.getAccountLinkingAccessToken and the like) of an envelope that has none. */
function failsOnMissingContext(e: ReplayEvidence<CustomAnswer>): boolean {
  const said = [e.error?.message, e.thrown ? `${e.thrown.name}: ${e.thrown.message}\n${e.thrown.stack ?? ''}` : undefined, e.answer?.speech ?? undefined, ...e.logs.map((l) => l.text)];
  return said.some((t) => t !== undefined && /Cannot read propert(?:y|ies) of undefined \(reading 'System'\)|\bgetAccountLinkingAccessToken\b[^\n]*(?:TypeError|undefined)|(?:TypeError|undefined)[\s\S]{0,400}\bgetAccountLinkingAccessToken\b/.test(t));
}

function judge(e: ReplayEvidence<CustomAnswer>): Judgement {
  const s = (e.style as CustomStyle) in READ_TOKEN ? (e.style as CustomStyle) : 'unknown';
  if (e.request.hasContext === false && failsOnMissingContext(e)) {
    // Not the skill's bug: Alexa has sent context.System with every request for years; the
    // envelope predates it, and the SDK's helpers read it unconditionally.
    return withCommonHints(
      {
        verdict: 'warn',
        explanation: `The skill failed reading context.System, which this envelope does not have: it predates \`context\`, which Alexa always sends today (Alexa.getAccountLinkingAccessToken and the SDK's other helpers read it). That is the old capture's doing, not a bug of the skill.`,
        fix: 'Replay a current capture (ask dialog --save-skill-io <file>) or the built-in requests (doctor without --envelopes); nothing to change in the skill for this.',
      },
      e,
      e.answer?.speech ?? undefined,
    );
  }
  const main = judgeMain(e, s);
  let verdict = main.verdict;
  let explanation = main.explanation;
  let fix = main.fix;
  for (const finding of judgeProbes(e, s, main)) {
    verdict = worse(verdict, finding.verdict);
    explanation += ` ${finding.explanation}`;
    fix = joinFix(fix, finding.fix);
  }
  const smartHome = verdict === 'pass' ? undefined : smartHomeHandlerEvidence(e);
  if (smartHome) {
    return withCommonHints(
      {
        verdict: 'fail',
        explanation: `This looks like a smart home skill's handler: ${smartHome}. alexa-link sent it a custom skill's ${e.request.label}, which a smart home handler cannot read.`,
        fix: 'Replay smart home directives instead: alexa-link doctor --request discover (also accept-grant, report-state, turn-on); a project with skill.json declares the skill as apis.smartHome.',
      },
      e,
    );
  }
  if (verdict === 'pass') fix = undefined;
  return withCommonHints(fix ? { verdict, explanation, fix } : { verdict, explanation }, e, e.answer?.speech ?? undefined);
}

/** The probe summary the report shows, in a few words: "asks to link", "same answer", "failed". */
export function probeWords(p: ProbeEvidence, main: Attempt): string {
  if (p.error) return `failed (${p.error.kind})`;
  const a = p.answer as CustomAnswer | undefined;
  if (!a) return 'no skill response';
  if (a.linkAccountCard) return 'asks to link';
  const m = main.answer as CustomAnswer | undefined;
  if (m && a.speech === m.speech) return 'same answer';
  return a.speech ? `answered ${quote(a.speech)}` : 'answered without speech';
}

export const customKind: SkillKind<CustomAnswer> = {
  id: 'custom',
  title: 'custom skill',
  manifestApi: 'custom',
  builtinNames: CUSTOM_BUILTINS,
  recognises(doc) {
    return isObject(doc) && !('directive' in doc) && ('request' in doc || 'context' in doc || 'session' in doc);
  },
  problems,
  normalise,
  notes,
  tokenPlaces: [
    { id: 'context', field: 'context.System.user.accessToken' },
    { id: 'session', field: 'session.user.accessToken' },
  ],
  tokenIn,
  readToken,
  withToken,
  refresh,
  facts,
  secrets,
  builtins,
  summarize,
  isResponse,
  style,
  probes,
  judge,
};

