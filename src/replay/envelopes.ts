import { InputError } from '../errors.js';
import type { TokenOrigin } from './evidence.js';
import { kindOf, kindsWords } from './kinds/index.js';
import { SMART_HOME_V2_HINT, smartHomeV2Message } from './kinds/smart-home.js';
import type { RequestDocument, SkillKind, TokenPresence } from './kinds/types.js';

/**
 * Request documents as replays handle them, whatever the skill kind: where they came from, which
 * kind they are, what happens to their token. What a document looks like inside belongs to its
 * kind (kinds/custom.ts for custom skills' envelopes).
 */
export type Envelope = RequestDocument;
export type { TokenPresence };
/** Where the token sits, per token place of the kind ({context, session} for custom skills). */
export type TokenPlaces = TokenPresence;

/** What happens to the token in an envelope before it is sent. */
export type TokenChange = { kind: 'keep' } | { kind: 'set'; token: string | undefined };

/** An envelope ready to replay, with where it came from. */
export interface SourcedEnvelope {
  /** e.g. `builtin:launch`, `envelopes/launch.json`, `dialog.json#3`. */
  source: string;
  envelope: Envelope;
  /** Its skill kind (found from the document when not given). */
  kind?: SkillKind;
  /** Overrides the run's token change for this envelope (the built-in unlinked replays). */
  token?: TokenChange;
  /** Remarks about the document (an old format…), added to the explanation. */
  notes?: string[];
}

/** A file or document that could not be loaded: replayed as one failed result naming it. */
export interface FailedSource {
  source: string;
  /** The problem; the message usually names the file itself (see describeLoadError). */
  loadError: { message: string; hint?: string };
}

/** "file.json is not valid JSON…": the message as is when it names the file, else prefixed with it. */
export function describeLoadError(item: FailedSource): string {
  const m = item.loadError.message;
  return m.includes(item.source) ? m : `${item.source}: ${m}`;
}

export type ReplayItem = SourcedEnvelope | FailedSource;

export function isFailedSource(item: ReplayItem): item is FailedSource {
  return 'loadError' in item;
}

/** Validates one document: its kind, normalised (a null token is no token). InputError names the source and every problem. */
export function validateRequest(doc: unknown, source: string): { kind: SkillKind; envelope: Envelope; notes: string[] } {
  const kind = kindOf(doc);
  const v2 = kind ? undefined : smartHomeV2Message(doc);
  if (v2) throw new InputError(`${source} is ${v2}.`, { source, code: 'E_INPUT_ENVELOPE', hint: SMART_HOME_V2_HINT });
  if (!kind) {
    throw new InputError(`${source} is not a request envelope (expected a ${kindsWords()} request).`, {
      source,
      code: 'E_INPUT_ENVELOPE',
      hint: 'An envelope is the JSON Alexa POSTs to the skill: {"version": "1.0", "context": {"System": {…}}, "request": {"type": …}, "session": {…}}, or for a smart home skill a directive {"directive": {"header": {"namespace", "name", …}, "payload": {…}}}.',
    });
  }
  const problems = kind.problems(doc);
  if (problems.length) {
    throw new InputError(`${source} is not a usable request envelope:\n${problems.map((p) => `  - ${p}`).join('\n')}`, {
      source,
      code: 'E_INPUT_ENVELOPE',
      hint: 'An envelope is the JSON Alexa POSTs to the skill: {"version": "1.0", "context": {"System": {…}}, "request": {"type": …}, "session": {…}}, or for a smart home skill a directive {"directive": {"header": {"namespace", "name", …}, "payload": {…}}}.',
    });
  }
  const envelope = kind.normalise(doc as RequestDocument);
  return { kind, envelope, notes: kind.notes(envelope) };
}

/** Validates one envelope and returns it (normalised). */
export function validateEnvelope(doc: unknown, source: string): Envelope {
  return validateRequest(doc, source).envelope;
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

/** The --token mode in two or three words, for one-line summaries. */
export function shortTokenMode(mode: TokenMode): string {
  switch (mode.kind) {
    case 'keep':
      return 'tokens as given';
    case 'none':
      return 'no token';
    case 'session':
      return 'login session token';
    case 'env':
      return `token from $${mode.variable}`;
  }
}

/** Where a --token mode's token comes from, for the verdict (a real token from login or the environment). */
export function tokenOriginOf(mode: TokenMode): TokenOrigin {
  switch (mode.kind) {
    case 'session':
      return 'session';
    case 'env':
      return 'env';
    case 'none':
      return 'none';
    case 'keep':
      return 'envelope';
  }
}
