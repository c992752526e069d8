/**
 * A skill kind (custom, smart home, video…) is everything about a kind of Alexa skill that a
 * replay needs to know: which documents are requests of this kind, where the account-linking
 * token travels in them, how to refresh their ids, the built-in requests made from the project,
 * what a good answer looks like, and which probes tell token bugs apart. The runner, the verdict,
 * the report, the envelope sources and the replays check ask the kind instead of branching on it;
 * a new kind is one new module registered in kinds/index.ts.
 */
import type { ReplayEvidence } from '../evidence.js';

/** A parsed request document (a custom skill's envelope, a smart home directive…). */
export type RequestDocument = Record<string, unknown>;

/** One place a kind carries the account-linking token. */
export interface TokenPlace {
  /** Stable id, used in --json (`tokenInEnvelope: {context, session}` for custom skills). */
  id: string;
  /** Where it is, for explanations: "context.System.user.accessToken". */
  field: string;
}

/** Whether each of the kind's token places holds a token (keyed by TokenPlace.id). */
export type TokenPresence = Record<string, boolean>;

/** What the verdict needs to know about a request, independent of its kind's shape. */
export interface RequestFacts {
  /** The request's type: "LaunchRequest", "Alexa.Discovery.Discover". */
  type: string;
  /** Short label for the report: "IntentRequest WhoAmIIntent", "Alexa.PowerController.TurnOn". */
  label: string;
  /** Alexa expects no answer the user hears (SessionEndedRequest, AudioPlayer events, skill events): an empty answer is right. */
  answerOptional: boolean;
  /** A request that needs no linked account (Help, Stop, Cancel…): no LinkAccount card is expected without a token. */
  needsNoAccount: boolean;
  /** The skill ID the request names, when the kind has one. */
  applicationId?: string;
  /** The request names alexa-link's placeholder skill ID (no skill ID was known). */
  placeholderSkillId: boolean;
  /** Whether the document has a session (custom skills: Alexa sends none with AudioPlayer or skill events). */
  hasSession?: boolean;
  /** Whether the document has context.System (custom skills: envelopes of the old format have none). */
  hasContext?: boolean;
}

/** What the built-in requests are made from: the project, as the doctor context knows it. */
export interface BuiltinInput {
  skillId: string | undefined;
  locale: string;
  /** The interaction model for that locale (parsed JSON), when there is one. */
  interactionModel: unknown;
  /** --intent NAME with its --slot values. */
  intent?: { name: string; slots: Record<string, string> };
  /** --request values (kind-specific names such as launch, intent, session-ended). */
  requests: readonly string[];
}

/** A built-in request, before any token change. */
export interface BuiltinRequest {
  /** `builtin:launch`, `builtin:intent:WhoAmIIntent`. */
  source: string;
  document: RequestDocument;
  /**
   * Made from the answer to an earlier built-in of the same run (its `source`), such as a smart
   * home control directive for the endpoint Discover returned: the replays wait for that answer.
   * `document` above is what is sent when that answer has nothing to offer.
   */
  after?: { source: string; make(answer: AnswerSummary | undefined): RequestDocument };
}

/**
 * One arrow of the linking flow's diagram between Alexa and the skill (after the token exchange),
 * for a kind whose requests differ from the custom skill's. Lifelines: 2 is Alexa, 4 the skill.
 */
export interface FlowHop {
  /** Stable hop id (HopId in the doctor report); checks name it. */
  id: number;
  from: number;
  to: number;
  label: string;
  /** Request types (RequestFacts.type) whose replays judge this hop rather than the answer hop. */
  requestTypes?: readonly string[];
}

/** One probe: the same request sent again with the token moved, removed or replaced. */
export interface ProbeSpec {
  /** Stable id: `context-only`, `no-token`, `made-up-token`. */
  id: string;
  /** For the report: "token in context only". */
  title: string;
  /** The document to send, made from the document as given (never mutates it). */
  make(asGiven: RequestDocument): RequestDocument;
}

/** `--probes`: none, the placement probes only, or all. */
export type ProbeMode = 'none' | 'placement' | 'all';

/** What the handler's code shows about how it is written (modules it requires). */
export interface CodeInfo {
  /** Module specifiers the handler file requires or imports (`ask-sdk-core`, `alexa-sdk`…). */
  requires: readonly string[];
}

/** The verdict on one replay, with the evidence quoted in plain words. */
export type Verdict = 'pass' | 'warn' | 'fail';

export interface Judgement {
  verdict: Verdict;
  explanation: string;
  /** What to change, naming the code for the skill's style (warn and fail). */
  fix?: string;
}

/** A kind-specific summary of the skill's answer: small, JSON-able, no secrets. */
export type AnswerSummary = Record<string, unknown>;

export interface SkillKind<A extends AnswerSummary = AnswerSummary> {
  /** `custom`, `smart-home`. */
  readonly id: string;
  /** "custom skill". */
  readonly title: string;
  /** The key of this kind under manifest.apis in skill.json (`custom`, `smartHome`). */
  readonly manifestApi: string;
  /** The names --request accepts for this kind's built-in requests. */
  readonly builtinNames: readonly string[];
  /** Whether a parsed document is a request of this kind (even a broken one, so its problems can be listed). */
  recognises(doc: unknown): boolean;
  /** Why `doc` cannot be replayed, as `field: what is wrong` lines (empty: usable). */
  problems(doc: unknown): string[];
  /**
   * The document as replays use it: tolerated oddities of real captures made regular (a null
   * token is no token). Returns a copy when it changes anything; never mutates `doc`.
   */
  normalise(doc: RequestDocument): RequestDocument;
  /** Remarks about a usable document (an old format Alexa no longer sends…). */
  notes(doc: RequestDocument): string[];
  readonly tokenPlaces: readonly TokenPlace[];
  tokenIn(doc: RequestDocument): TokenPresence;
  readToken(doc: RequestDocument, place: string): string | undefined;
  /**
   * A copy with the token set (a string) or removed (undefined) in `places` (default: every place
   * this request carries a token in as Alexa sends it); the other places are emptied.
   */
  withToken(doc: RequestDocument, token: string | undefined, places?: readonly string[]): RequestDocument;
  /** Fresh request ids and timestamps, so a replay is not rejected as stale. Mutates: call on a copy. */
  refresh(doc: RequestDocument, now: Date): RequestDocument;
  facts(doc: RequestDocument): RequestFacts;
  /** Every secret value in the document (tokens, API access tokens), to register with the redactor. */
  secrets(doc: RequestDocument): string[];
  /** The built-in requests made from the project (no token in them). */
  builtins(input: BuiltinInput): BuiltinRequest[];
  /** The skill's answer in a few fields. */
  summarize(response: unknown): A;
  /** Whether the target's answer is a response of this kind at all (else: not a skill response). */
  isResponse(response: unknown, facts: RequestFacts): boolean;
  /** The skill's style (SDK) from its code and its answer, for fixes that name the code to change. */
  style(code: CodeInfo | undefined, answer: A | undefined): string;
  /** The probes to run for a token-bearing document. */
  probes(doc: RequestDocument, mode: ProbeMode): ProbeSpec[];
  /** The verdict: a pure function of the evidence. */
  judge(evidence: ReplayEvidence<A>): Judgement;
  /** The answer in a few words for the text report ("Discover.Response, 1 endpoint"); the report's own words when absent. */
  describe?(answer: A): string;
  /** The hops between Alexa and the skill in the report's diagram, when they are not the custom skill's request and answer. */
  readonly flow?: readonly FlowHop[];
  /** Why SMAPI skill invocation (--smapi) cannot replay this kind's requests, when it cannot. */
  readonly notThroughSmapi?: string;
}
