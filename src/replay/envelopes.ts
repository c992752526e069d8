import { randomUUID } from 'node:crypto';
import { InputError } from '../errors.js';
import { isObject } from '../project/json-file.js';

/**
 * Alexa request envelopes (reference §4.1): validating what users hand us, building the built-in
 * LaunchRequest and IntentRequest, reading and setting the account-linking token (both at
 * context.System.user.accessToken and session.user.accessToken), and refreshing timestamp and
 * requestId (the SDK rejects requests older than 150 s).
 */
export type Envelope = Record<string, unknown> & {
  version?: string;
  session?: Record<string, unknown>;
  context: Record<string, unknown>;
  request: Record<string, unknown> & { type: string };
};

/** Where the account-linking token sits in an envelope. */
export interface TokenPlaces {
  context: boolean;
  session: boolean;
}

/** What happens to the token in an envelope before it is sent. */
export type TokenChange = { kind: 'keep' } | { kind: 'set'; token: string | undefined };

/** An envelope ready to replay, with where it came from. */
export interface SourcedEnvelope {
  /** e.g. `builtin:launch`, `envelopes/launch.json`, `dialog.json#3`. */
  source: string;
  envelope: Envelope;
  /** Overrides the run's token change for this envelope (the built-in unlinked baseline). */
  token?: TokenChange;
}

export const PLACEHOLDER_SKILL_ID = 'amzn1.ask.skill.00000000-0000-0000-0000-000000000000';

function typeWord(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v}`;
}

/**
 * The problems that make `doc` unusable as a request envelope, as `field: what is wrong` lines.
 * Only what a replay relies on is required; everything else is passed through untouched.
 */
export function envelopeProblems(doc: unknown): string[] {
  const problems: string[] = [];
  if (!isObject(doc)) return [`expected a request envelope (a JSON object with "context" and "request"), found ${typeWord(doc)}`];
  if (doc.version !== undefined && typeof doc.version !== 'string') problems.push(`version must be a string like "1.0", not ${typeWord(doc.version)}`);
  const request = doc.request;
  if (request === undefined) problems.push('request is missing');
  else if (!isObject(request)) problems.push(`request must be an object, not ${typeWord(request)}`);
  else {
    if (typeof request.type !== 'string' || request.type === '') problems.push(`request.type must be a string such as "LaunchRequest", not ${request.type === undefined ? 'missing' : typeWord(request.type)}`);
    if (request.locale !== undefined && typeof request.locale !== 'string') problems.push(`request.locale must be a string, not ${typeWord(request.locale)}`);
    if (request.timestamp !== undefined && typeof request.timestamp !== 'string') problems.push(`request.timestamp must be an ISO 8601 string, not ${typeWord(request.timestamp)}`);
    if (request.requestId !== undefined && typeof request.requestId !== 'string') problems.push(`request.requestId must be a string, not ${typeWord(request.requestId)}`);
    if (request.type === 'IntentRequest' && !isObject(request.intent)) problems.push('request.intent must be an object for an IntentRequest');
    else if (request.type === 'IntentRequest' && typeof (request.intent as Record<string, unknown>).name !== 'string') problems.push('request.intent.name must be a string');
  }
  const context = doc.context;
  if (context === undefined) problems.push('context is missing (Alexa always sends context.System)');
  else if (!isObject(context)) problems.push(`context must be an object, not ${typeWord(context)}`);
  else if (!isObject(context.System)) problems.push('context.System must be an object');
  else {
    const sys = context.System;
    if (sys.user !== undefined && !isObject(sys.user)) problems.push(`context.System.user must be an object, not ${typeWord(sys.user)}`);
    else if (isObject(sys.user) && sys.user.accessToken !== undefined && typeof sys.user.accessToken !== 'string') {
      problems.push(`context.System.user.accessToken must be a string, not ${typeWord(sys.user.accessToken)}`);
    }
    if (sys.application !== undefined && !isObject(sys.application)) problems.push('context.System.application must be an object');
  }
  const session = doc.session;
  if (session !== undefined) {
    if (!isObject(session)) problems.push(`session must be an object when present, not ${typeWord(session)}`);
    else if (session.user !== undefined && !isObject(session.user)) problems.push(`session.user must be an object, not ${typeWord(session.user)}`);
    else if (isObject(session.user) && session.user.accessToken !== undefined && typeof session.user.accessToken !== 'string') {
      problems.push(`session.user.accessToken must be a string, not ${typeWord(session.user.accessToken)}`);
    }
  }
  return problems;
}

export function isEnvelopeLike(doc: unknown): boolean {
  return isObject(doc) && isObject(doc.request) && 'context' in doc;
}

/** Validates one envelope; a problem is an InputError naming the source and every problem. */
export function validateEnvelope(doc: unknown, source: string): Envelope {
  const problems = envelopeProblems(doc);
  if (problems.length) {
    throw new InputError(`${source} is not a usable request envelope:\n${problems.map((p) => `  - ${p}`).join('\n')}`, {
      source,
      code: 'E_INPUT_ENVELOPE',
      hint: 'An envelope is the JSON Alexa POSTs to the skill: {"version": "1.0", "context": {"System": {…}}, "request": {"type": …}, "session": {…}}.',
    });
  }
  return doc as Envelope;
}

/** Where the envelope carries an account-linking token. */
export function tokenPlaces(env: Envelope): TokenPlaces {
  return {
    context: typeof contextUser(env)?.accessToken === 'string' && contextUser(env)!.accessToken !== '',
    session: typeof sessionUser(env)?.accessToken === 'string' && sessionUser(env)!.accessToken !== '',
  };
}

/** The token Alexa's SDK reads (context.System.user.accessToken), else the session's. */
export function envelopeToken(env: Envelope): string | undefined {
  const c = contextUser(env)?.accessToken;
  if (typeof c === 'string' && c) return c;
  const s = sessionUser(env)?.accessToken;
  return typeof s === 'string' && s ? s : undefined;
}

function contextUser(env: Envelope): Record<string, unknown> | undefined {
  const sys = (env.context as Record<string, unknown>).System;
  return isObject(sys) && isObject(sys.user) ? sys.user : undefined;
}

function sessionUser(env: Envelope): Record<string, unknown> | undefined {
  return isObject(env.session) && isObject(env.session.user) ? env.session.user : undefined;
}

/** The token modes of --token. */
export type TokenMode = { kind: 'keep' } | { kind: 'none' } | { kind: 'session' } | { kind: 'env'; variable: string };

/** Parses --token; anything else is a usage error naming the flag. */
export function parseTokenMode(value: string | undefined): TokenMode {
  if (value === undefined || value === 'keep') return { kind: 'keep' };
  if (value === 'none') return { kind: 'none' };
  if (value === 'session') return { kind: 'session' };
  const m = /^env:([A-Za-z_][A-Za-z0-9_]*)$/.exec(value);
  if (m) return { kind: 'env', variable: m[1]! };
  throw new InputError(`--token: "${value}" is not keep, none, session or env:VAR.`, {
    source: '--token',
    code: 'E_USAGE',
    hint: 'keep: leave envelopes as they are; none: remove the token; session: the token from alexa-link login; env:VAR: the token in environment variable VAR.',
  });
}

export function describeTokenMode(mode: TokenMode): string {
  switch (mode.kind) {
    case 'keep':
      return 'tokens as in the envelopes';
    case 'none':
      return 'tokens removed';
    case 'session':
      return 'the token from .alexa-link/session.json';
    case 'env':
      return `the token from $${mode.variable}`;
  }
}

/**
 * A copy of the envelope with the token set (a string) or removed (undefined) in both places
 * Alexa puts it: context.System.user and, when there is a session, session.user.
 */
export function withToken(env: Envelope, token: string | undefined): Envelope {
  const copy = structuredClone(env);
  const sys = copy.context.System as Record<string, unknown>;
  const user: Record<string, unknown> = isObject(sys.user) ? sys.user : {};
  sys.user = user;
  if (token === undefined) delete user.accessToken;
  else user.accessToken = token;
  if (isObject(copy.session)) {
    const su: Record<string, unknown> = isObject(copy.session.user) ? copy.session.user : {};
    copy.session.user = su;
    if (token === undefined) delete su.accessToken;
    else su.accessToken = token;
  }
  return copy;
}

/** New requestId and a current timestamp (mutates; call on a copy). */
export function refreshEnvelope(env: Envelope, now: Date = new Date()): Envelope {
  env.request.requestId = `amzn1.echo-api.request.${randomUUID()}`;
  env.request.timestamp = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  return env;
}

/** What the built-in envelopes need from the project. */
export interface BuiltinOptions {
  skillId: string | undefined;
  locale: string;
  /** The intent for the IntentRequest (WhoAmIIntent or the first custom intent), with its slot names. */
  intent?: { name: string; slots: string[] };
}

function baseEnvelope(opts: BuiltinOptions, request: Record<string, unknown> & { type: string }, newSession: boolean): Envelope {
  const applicationId = opts.skillId ?? PLACEHOLDER_SKILL_ID;
  const userId = 'amzn1.ask.account.ALEXALINKDOCTORTESTUSER';
  return {
    version: '1.0',
    session: {
      new: newSession,
      sessionId: `amzn1.echo-api.session.${randomUUID()}`,
      application: { applicationId },
      attributes: {},
      user: { userId },
    },
    context: {
      System: {
        application: { applicationId },
        user: { userId },
        device: { deviceId: 'amzn1.ask.device.ALEXALINKDOCTOR', supportedInterfaces: {} },
        apiEndpoint: 'https://api.amazonalexa.com',
      },
    },
    request: {
      requestId: `amzn1.echo-api.request.${randomUUID()}`,
      timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
      locale: opts.locale,
      ...request,
    },
  };
}

export function builtinLaunch(opts: BuiltinOptions): Envelope {
  return baseEnvelope(opts, { type: 'LaunchRequest', shouldLinkResultBeReturned: false }, true);
}

export function builtinIntent(opts: BuiltinOptions & { intent: { name: string; slots: string[] } }): Envelope {
  const slots: Record<string, unknown> = {};
  for (const s of opts.intent.slots) slots[s] = { name: s, confirmationStatus: 'NONE' };
  return baseEnvelope(
    opts,
    {
      type: 'IntentRequest',
      dialogState: 'STARTED',
      intent: { name: opts.intent.name, confirmationStatus: 'NONE', ...(opts.intent.slots.length ? { slots } : {}) },
    },
    false,
  );
}

/**
 * The intent the built-in IntentRequest uses: WhoAmIIntent when the model has it, else the first
 * custom (non AMAZON.*) intent.
 */
export function pickIntent(model: unknown): { name: string; slots: string[] } | undefined {
  const intents = isObject(model) && isObject(model.interactionModel) && isObject(model.interactionModel.languageModel) ? model.interactionModel.languageModel.intents : undefined;
  if (!Array.isArray(intents)) return undefined;
  const named = intents.filter((i): i is Record<string, unknown> & { name: string } => isObject(i) && typeof i.name === 'string');
  const chosen = named.find((i) => i.name === 'WhoAmIIntent') ?? named.find((i) => !i.name.startsWith('AMAZON.'));
  if (!chosen) return undefined;
  const slots = Array.isArray(chosen.slots) ? chosen.slots.filter((s): s is { name: string } => isObject(s) && typeof s.name === 'string').map((s) => s.name) : [];
  return { name: chosen.name, slots };
}

/** A short label for the request: "LaunchRequest", "IntentRequest WhoAmIIntent". */
export function requestLabel(env: Envelope): string {
  const intent = isObject(env.request.intent) && typeof env.request.intent.name === 'string' ? env.request.intent.name : undefined;
  return intent ? `IntentRequest ${intent}` : env.request.type;
}
