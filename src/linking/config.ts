import { InputError } from '../errors.js';
import { excerpt } from '../ui/redact.js';

/**
 * The account-linking configuration, exactly SMAPI's AccountLinkingRequestPayload
 * (ask-smapi-model v1.skill.accountLinking). On disk it is wrapped as {"accountLinkingRequest": …},
 * which is what `ask smapi update-account-linking-info --account-linking-request file:…` accepts.
 */
export type AccountLinkingType = 'AUTH_CODE' | 'IMPLICIT';
export type AccessTokenScheme = 'HTTP_BASIC' | 'REQUEST_BODY_CREDENTIALS';
export type PlatformType = 'iOS' | 'Android';
export type VoiceForwardStatus = 'ENABLED' | 'DISABLED';

export interface PlatformAuthorizationUrl {
  platformType: PlatformType;
  platformAuthorizationUrl: string;
}

export interface AccountLinkingPayload {
  type?: AccountLinkingType;
  authorizationUrl?: string;
  domains?: string[];
  clientId?: string;
  scopes?: string[];
  accessTokenUrl?: string;
  clientSecret?: string;
  accessTokenScheme?: AccessTokenScheme;
  defaultTokenExpirationInSeconds?: number;
  reciprocalAccessTokenUrl?: string;
  redirectUrls?: string[];
  authorizationUrlsByPlatform?: PlatformAuthorizationUrl[];
  skipOnEnablement?: boolean;
  voiceForwardAccountLinking?: VoiceForwardStatus;
}

export interface AccountLinkingDocument {
  accountLinkingRequest: AccountLinkingPayload;
}

export const LINKING_TYPES: readonly AccountLinkingType[] = ['AUTH_CODE', 'IMPLICIT'];
export const TOKEN_SCHEMES: readonly AccessTokenScheme[] = ['HTTP_BASIC', 'REQUEST_BODY_CREDENTIALS'];
export const PLATFORM_TYPES: readonly PlatformType[] = ['iOS', 'Android'];
export const VOICE_FORWARD: readonly VoiceForwardStatus[] = ['ENABLED', 'DISABLED'];

type FieldKind = 'string' | 'string[]' | 'integer' | 'boolean' | 'platforms';
/** Every field SMAPI's payload knows, with its JSON type. */
export const PAYLOAD_FIELDS: Record<keyof AccountLinkingPayload, FieldKind> = {
  type: 'string',
  authorizationUrl: 'string',
  domains: 'string[]',
  clientId: 'string',
  scopes: 'string[]',
  accessTokenUrl: 'string',
  clientSecret: 'string',
  accessTokenScheme: 'string',
  defaultTokenExpirationInSeconds: 'integer',
  reciprocalAccessTokenUrl: 'string',
  redirectUrls: 'string[]',
  authorizationUrlsByPlatform: 'platforms',
  skipOnEnablement: 'boolean',
  voiceForwardAccountLinking: 'string',
};

/** A structural problem: the field path and what is wrong with it. */
export interface ShapeProblem {
  field: string;
  message: string;
}

/** Something accepted as written but worth a warning (rules.ts reports these). */
export interface ShapeNote {
  rule: 'unknown-field' | 'skip-on-enablement-string';
  field: string;
  message: string;
  fix: string;
}

/**
 * What parseAccountLinkingDocument accepted with a warning, by the payload it returned (the
 * payload shape stays SMAPI's; the notes travel beside it). rules.ts reads them with
 * `parseNotes(payload)`.
 */
const notesByPayload = new WeakMap<object, ShapeNote[]>();

export function parseNotes(payload: AccountLinkingPayload): ShapeNote[] {
  return notesByPayload.get(payload) ?? [];
}

/** Fields of the payload that are not in Amazon's published model (ask-smapi-model's spec). */
export function unknownFields(payload: AccountLinkingPayload): string[] {
  return Object.keys(payload).filter((k) => !(k in PAYLOAD_FIELDS));
}

function kindOk(kind: FieldKind, v: unknown): boolean {
  switch (kind) {
    case 'string':
      return typeof v === 'string';
    case 'string[]':
      return Array.isArray(v) && v.every((x) => typeof x === 'string');
    case 'integer':
      return typeof v === 'number' && Number.isInteger(v);
    case 'boolean':
      return typeof v === 'boolean';
    case 'platforms':
      return (
        Array.isArray(v) &&
        v.every((x) => typeof x === 'object' && x !== null && !Array.isArray(x))
      );
  }
}

const KIND_WORDS: Record<FieldKind, string> = {
  string: 'a string',
  'string[]': 'an array of strings',
  integer: 'a whole number',
  boolean: 'true or false (a JSON boolean)',
  platforms: 'an array of {"platformType", "platformAuthorizationUrl"} objects',
};

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  if (typeof v === 'string') return `the string ${JSON.stringify(excerpt(v, 40))}`;
  return `a ${typeof v}`;
}

/**
 * Checks the JSON shape of a payload (types of known fields) without judging values; `rules.ts`
 * judges values. Returns problems with `accountLinkingRequest.<field>` paths, and notes for what
 * is accepted with a warning:
 * - a field alexa-link does not know is kept and sent as written (Amazon adds fields, PKCE's for
 *   one, before its published model has them); only a different spelling of a known field
 *   ("clientID") is a problem, since SMAPI has no such field and the known one would be missing;
 * - skipOnEnablement as the string "true" or "false" (Amazon's own documentation sample and the
 *   ASK CLI's old fixture write it so) is accepted and sent as a boolean.
 */
export function inspectShape(payload: Record<string, unknown>, prefix = 'accountLinkingRequest'): { problems: ShapeProblem[]; notes: ShapeNote[] } {
  const problems: ShapeProblem[] = [];
  const notes: ShapeNote[] = [];
  for (const [key, value] of Object.entries(payload)) {
    const kind = PAYLOAD_FIELDS[key as keyof AccountLinkingPayload];
    const field = `${prefix}.${key}`;
    if (!kind) {
      const near = Object.keys(PAYLOAD_FIELDS).find((k) => k.toLowerCase() === key.toLowerCase());
      if (near) {
        problems.push({ field, message: `unknown field "${key}"; did you mean "${near}"? (field names are case sensitive)` });
      } else {
        notes.push({
          rule: 'unknown-field',
          field,
          message: `"${key}" is not in Amazon's published model (ask-smapi-model's SMAPI spec); SMAPI may refuse it. alexa-link keeps it and sends it as written.`,
          fix: `If SMAPI refuses the push, check the spelling of "${key}" against Amazon's account-linking documentation, or remove it.`,
        });
      }
      continue;
    }
    if (value === null) continue; // null is treated as absent
    if (kind === 'boolean' && (value === 'true' || value === 'false')) {
      notes.push({
        rule: 'skip-on-enablement-string',
        field,
        message: `${key} is the string "${value}"; alexa-link sends it as the boolean ${value}, which is what SMAPI's model has.`,
        fix: `Write ${value} without quotes.`,
      });
      continue;
    }
    if (!kindOk(kind, value)) {
      const extra =
        kind === 'boolean' && (value === 'true' || value === 'false')
          ? ` (write ${value} without quotes)`
          : kind === 'integer' && typeof value === 'string' && /^\d+$/.test(value)
            ? ` (write ${value} without quotes)`
            : '';
      problems.push({ field, message: `must be ${KIND_WORDS[kind]}, not ${typeName(value)}${extra}.` });
      continue;
    }
    if (kind === 'platforms') {
      (value as Record<string, unknown>[]).forEach((p, i) => {
        if (typeof p.platformType !== 'string') problems.push({ field: `${field}[${i}].platformType`, message: 'is required (iOS or Android).' });
        if (typeof p.platformAuthorizationUrl !== 'string')
          problems.push({ field: `${field}[${i}].platformAuthorizationUrl`, message: 'is required (an HTTPS URL).' });
      });
    }
  }
  return { problems, notes };
}

/** The problems of inspectShape only. */
export function shapeProblems(payload: Record<string, unknown>, prefix = 'accountLinkingRequest'): ShapeProblem[] {
  return inspectShape(payload, prefix).problems;
}

/**
 * Parses an accountLinking.json document: requires the {"accountLinkingRequest": {…}} wrapper and
 * well-typed fields. Throws InputError naming the file and field.
 */
export function parseAccountLinkingDocument(doc: unknown, source: string): AccountLinkingPayload {
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
    throw new InputError(`${source}: expected a JSON object {"accountLinkingRequest": {…}}, found ${typeName(doc)}.`, { source });
  }
  const obj = doc as Record<string, unknown>;
  if (!('accountLinkingRequest' in obj)) {
    const looksFlat = 'type' in obj || 'authorizationUrl' in obj || 'clientId' in obj;
    throw new InputError(`${source}: the configuration must be wrapped as {"accountLinkingRequest": {…}}.`, {
      source,
      code: 'E_LINKING_UNWRAPPED',
      hint: looksFlat
        ? 'SMAPI answers a bare 400 to a flat payload. Put the fields inside "accountLinkingRequest".'
        : 'See the example in the alexa-link README.',
    });
  }
  const extra = Object.keys(obj).filter((k) => k !== 'accountLinkingRequest');
  const payload = obj.accountLinkingRequest;
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new InputError(`${source}: accountLinkingRequest must be an object, found ${typeName(payload)}.`, { source });
  }
  const { problems, notes } = inspectShape(payload as Record<string, unknown>);
  for (const k of extra) problems.push({ field: k, message: `unexpected top-level field "${k}"; only "accountLinkingRequest" belongs here.` });
  if (problems.length) {
    throw new InputError(`${source} has ${problems.length === 1 ? 'a problem' : `${problems.length} problems`}:\n${problems.map((p) => `  - ${p.field} ${p.message}`).join('\n')}`, {
      source,
      code: 'E_LINKING_SHAPE',
    });
  }
  const clean: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(payload as Record<string, unknown>)) {
    if (v === null) continue;
    clean[k] = PAYLOAD_FIELDS[k as keyof AccountLinkingPayload] === 'boolean' && (v === 'true' || v === 'false') ? v === 'true' : v;
  }
  if (notes.length) notesByPayload.set(clean, notes);
  return clean as AccountLinkingPayload;
}

/** The on-disk form. */
export function toDocument(payload: AccountLinkingPayload): AccountLinkingDocument {
  return { accountLinkingRequest: payload };
}

/**
 * SMAPI's spec (and typings) say the GET body is flat; the documentation's example shows it
 * wrapped ({"accountLinkingResponse": …}); accept both. The spec's answer has no
 * skipOnEnablement; should one come back anyway as the documentation's string "true", it is read
 * as a boolean.
 */
export function normalizeRemote(body: unknown): AccountLinkingPayload {
  const obj = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const inner = (obj.accountLinkingResponse ?? obj) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(inner)) {
    if (v === null || v === undefined) continue;
    if (k === 'skipOnEnablement' && typeof v === 'string') out[k] = v === 'true';
    else out[k] = v;
  }
  return out as AccountLinkingPayload;
}
