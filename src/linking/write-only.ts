import { randomBytes, scrypt as scryptCallback } from 'node:crypto';
import { PAYLOAD_FIELDS, type AccountLinkingPayload } from './config.js';

/**
 * The fields of the account-linking configuration SMAPI takes but never shows again, and how
 * alexa-link still knows whether one of them changed since it last pushed it. Pure, apart from the
 * hashing (node:crypto).
 *
 * Amazon's SMAPI spec (ask-smapi-model 1.23.0 and 1.24.0 alike) has three fields in the PUT payload
 * (AccountLinkingRequestPayload) that its GET answer (AccountLinkingResponse) lacks: clientSecret,
 * skipOnEnablement and reciprocalAccessTokenUrl. A field Amazon has added since (one alexa-link does
 * not know) is treated the same way when the GET does not show it. Comparing such a field with
 * the GET would report a successful push as "not read back" and show drift forever; so they are
 * compared with a salted hash of the value last pushed from this project instead
 * (.alexa-link/push-record.json, mode 0600), valid only while the remote configuration has the
 * ETag that push left behind. Without such a record, or when someone changed the configuration
 * since (another ETag), their state is unknown and a push sends them.
 */

/** The fields of AccountLinkingResponse: what SMAPI's GET can show. */
export const READABLE_FIELDS: readonly string[] = [
  'type',
  'authorizationUrl',
  'domains',
  'clientId',
  'scopes',
  'accessTokenUrl',
  'accessTokenScheme',
  'defaultTokenExpirationInSeconds',
  'redirectUrls',
  'authorizationUrlsByPlatform',
  'voiceForwardAccountLinking',
];

/** Fields of the PUT payload that the GET never returns. */
export const WRITE_ONLY_FIELDS: readonly string[] = Object.keys(PAYLOAD_FIELDS).filter((f) => !READABLE_FIELDS.includes(f));

export const SECRET_FIELD = 'clientSecret';

/**
 * Whether a field can only be compared by hash: a known write-only field, or a field alexa-link
 * does not know that the remote configuration (as read) does not show.
 */
export function isWriteOnly(field: string, remote: Record<string, unknown> | undefined): boolean {
  if (WRITE_ONLY_FIELDS.includes(field)) return true;
  if (field in PAYLOAD_FIELDS) return false;
  return !(remote && field in remote);
}

/** What alexa-link remembers of one push: salted hashes of the values the GET cannot show. */
export interface PushRecord {
  version: 1;
  skillId: string;
  stage: string;
  /** The remote configuration's ETag right after the push; the record is valid while it holds. */
  etag?: string;
  /** Hex salt of the hashes. */
  salt: string;
  /** Field → hex scrypt hash of [field, canonical value]. */
  hashes: Record<string, string>;
  pushedAt: string;
}

/** Canonical JSON: object keys sorted, so {"a":1,"b":2} and {"b":2,"a":1} hash alike. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

/**
 * scrypt (N=2^14): slow enough that a record never makes a weak client secret cheap to guess, and
 * ~50 ms per field here.
 */
export function hashValue(field: string, value: unknown, salt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    scryptCallback(canonical([field, value]), Buffer.from(salt, 'hex'), 32, { N: 16384, r: 8, p: 1 }, (err, key) => (err ? reject(err) : resolve(key.toString('hex'))));
  });
}

export function newSalt(): string {
  return randomBytes(16).toString('hex');
}

/** The payload's fields that only a hash can track, given what the GET showed after the push. */
export function writeOnlyValues(sent: AccountLinkingPayload, remoteAfter: AccountLinkingPayload | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const r = remoteAfter as Record<string, unknown> | undefined;
  for (const [field, value] of Object.entries(sent as Record<string, unknown>)) {
    if (value === undefined || value === null) continue;
    if (isWriteOnly(field, r)) out[field] = value;
  }
  return out;
}

/** The record of a push: hashes of every value sent that the GET cannot show. */
export async function makePushRecord(opts: {
  skillId: string;
  stage: string;
  sent: AccountLinkingPayload;
  remoteAfter: AccountLinkingPayload | undefined;
  etag: string | undefined;
  now: Date;
  salt?: string;
}): Promise<PushRecord> {
  const salt = opts.salt ?? newSalt();
  const hashes: Record<string, string> = {};
  for (const [field, value] of Object.entries(writeOnlyValues(opts.sent, opts.remoteAfter))) hashes[field] = await hashValue(field, value, salt);
  const record: PushRecord = { version: 1, skillId: opts.skillId, stage: opts.stage, salt, hashes, pushedAt: opts.now.toISOString() };
  if (opts.etag) record.etag = opts.etag;
  return record;
}

/**
 * - unchanged: the same value as the last push (by hash);
 * - changed: another value than the last push;
 * - added: set now, not sent at the last push;
 * - removed: sent at the last push, not set now (a push replaces the whole configuration);
 * - unknown: no valid record to compare with (never pushed from here, or changed remotely since).
 */
export type WriteOnlyState = 'unchanged' | 'changed' | 'added' | 'removed' | 'unknown';

export interface WriteOnlyComparison {
  field: string;
  state: WriteOnlyState;
  /** Why the state is what it is, in words. */
  reason: string;
}

export interface CompareOptions {
  /** The remote configuration as read now (undefined: nothing configured remotely). */
  remote: AccountLinkingPayload | undefined;
  /** Its ETag now. */
  remoteEtag: string | undefined;
  record: PushRecord | undefined;
  /**
   * Whether the client secret is known now. When it is not (doctor without the secret, a dry
   * run), the secret is not compared at all.
   */
  secretKnown: boolean;
}

/** Compares the write-only values about to be sent (or configured) with the record of the last push. */
export async function compareWriteOnly(local: AccountLinkingPayload, opts: CompareOptions): Promise<WriteOnlyComparison[]> {
  const remote = opts.remote as Record<string, unknown> | undefined;
  const values = writeOnlyValues(local, opts.remote);
  if (!opts.secretKnown) delete values[SECRET_FIELD];
  const record = opts.record;
  const out: WriteOnlyComparison[] = [];
  let invalid: string | undefined;
  if (!opts.remote) invalid = 'nothing is configured remotely';
  else if (!record) invalid = 'no record of an earlier push from this project';
  else if (record.etag !== undefined && opts.remoteEtag !== undefined && record.etag !== opts.remoteEtag) invalid = 'the remote configuration changed since the last push from this project (another ETag)';
  if (invalid !== undefined || !record) {
    for (const field of Object.keys(values)) out.push({ field, state: 'unknown', reason: invalid ?? 'no record' });
    return out;
  }
  for (const [field, value] of Object.entries(values)) {
    const recorded = record.hashes[field];
    if (recorded === undefined) out.push({ field, state: 'added', reason: 'not sent at the last push' });
    else if ((await hashValue(field, value, record.salt)) === recorded) out.push({ field, state: 'unchanged', reason: 'the same as at the last push (compared by hash)' });
    else out.push({ field, state: 'changed', reason: 'changed since the last push (compared by hash)' });
  }
  for (const field of Object.keys(record.hashes)) {
    if (field in values) continue;
    if (field === SECRET_FIELD && !opts.secretKnown) continue;
    // A field the GET now shows is compared with the GET, not the record.
    if (remote && field in remote && !WRITE_ONLY_FIELDS.includes(field)) continue;
    out.push({ field, state: 'removed', reason: 'sent at the last push, no longer in accountLinking.json' });
  }
  return out;
}

/**
 * The known write-only fields (skipOnEnablement, reciprocalAccessTokenUrl; not the secret) that
 * accountLinking.json does not set and whose remote value nobody knows: no valid record of a push
 * from here says they were absent (a file written by configure --pull, say, where the GET could not
 * show them). A PUT replaces the whole configuration, so a push sends them absent: a value set in
 * the console is reset to Alexa's default. With a valid record, an absent field was absent at the
 * last push too (or compareWriteOnly reports it "removed"). Pure.
 */
export function unknownAbsentWriteOnly(local: AccountLinkingPayload, opts: Pick<CompareOptions, 'remote' | 'remoteEtag' | 'record'>): string[] {
  if (!opts.remote) return [];
  const record = opts.record;
  const valid = record !== undefined && !(record.etag !== undefined && opts.remoteEtag !== undefined && record.etag !== opts.remoteEtag);
  if (valid) return [];
  const l = local as Record<string, unknown>;
  return WRITE_ONLY_FIELDS.filter((f) => f !== SECRET_FIELD && (l[f] === undefined || l[f] === null));
}

/** What a push sends for a write-only field accountLinking.json leaves out. */
export const ABSENT_DEFAULTS: Record<string, string> = {
  skipOnEnablement: 'false: users enabling the skill are asked to link first',
  reciprocalAccessTokenUrl: 'none: no reciprocal authorization code',
};

/** Whether a comparison means a push would (or may) change the remote configuration. */
export function writeOnlyChanges(state: WriteOnlyState): boolean {
  return state !== 'unchanged';
}
