import type { Style } from '../ui/color.js';
import { PAYLOAD_FIELDS, type AccountLinkingPayload } from './config.js';
import { ABSENT_DEFAULTS, isWriteOnly, SECRET_FIELD, writeOnlyChanges, type WriteOnlyComparison, type WriteOnlyState } from './write-only.js';

/**
 * Field-by-field difference between the local account-linking configuration (accountLinking.json)
 * and the remote one (SMAPI GET). Pure. Only what the GET can show is compared with the GET; the
 * fields it never returns (clientSecret, skipOnEnablement, reciprocalAccessTokenUrl, and a field
 * alexa-link does not know that the GET does not show) are "write-only" rows whose state comes from
 * write-only.ts (a hash of the last push). The secret's value is never shown, only "set".
 * `configure` shows the diff before pushing; `doctor` reuses it to report drift.
 */
export type FieldStatus = 'unchanged' | 'added' | 'changed' | 'removed' | 'write-only';

export interface FieldChange {
  /** Field name inside accountLinkingRequest, e.g. "scopes". */
  field: string;
  status: FieldStatus;
  /** Local value (absent when not in accountLinking.json). For the secret: "set" / "not set". */
  local?: unknown;
  /** Remote value (absent when SMAPI has none). For the secret: "unknown". */
  remote?: unknown;
  /** A short explanation, e.g. "will be sent". */
  note?: string;
  /** For write-only rows: how the value compares with the last push (absent: the secret is not given). */
  writeOnly?: WriteOnlyState;
}

export interface LinkingDiff {
  /** Whether the remote stage has any account linking at all. */
  remoteExists: boolean;
  /** Every field set on either side (secret row included when relevant), in SMAPI's field order. */
  fields: FieldChange[];
  /**
   * Whether a push would (or may) change the remote configuration: a readable field differs, or
   * a write-only one is not known to be the same as at the last push.
   */
  changed: boolean;
}

export interface DiffOptions {
  /**
   * Whether a client secret will be sent with a push ("provided"), is unknown locally ("absent"),
   * or the secret row should be left out (doctor drift without a secret).
   */
  secret: 'provided' | 'absent' | 'omit';
  /** The write-only fields compared with the last push (write-only.ts); missing ones are "unknown". */
  writeOnly?: WriteOnlyComparison[];
  /**
   * Write-only fields accountLinking.json leaves out whose remote value is unknown
   * (unknownAbsentWriteOnly): shown as sent absent, so a value set in the console is not reset
   * unseen. They alone do not make a change (a push is not needed for them).
   */
  absentUnknown?: string[];
}

/** Fields whose order carries no meaning (Alexa treats them as sets). */
const SET_FIELDS = new Set(['domains', 'scopes', 'redirectUrls']);

function canonical(field: string, v: unknown): unknown {
  if (Array.isArray(v)) {
    if (SET_FIELDS.has(field)) return [...v].map((x) => JSON.stringify(x)).sort();
    if (field === 'authorizationUrlsByPlatform') return [...v].map((x) => JSON.stringify(sortKeys(x))).sort();
    return v.map((x) => sortKeys(x));
  }
  if (typeof v === 'string' && field === 'defaultTokenExpirationInSeconds' && /^\d+$/.test(v)) return Number(v);
  return sortKeys(v);
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v).sort()) out[k] = sortKeys((v as Record<string, unknown>)[k]);
    return out;
  }
  return v;
}

/** Whether two values of a field mean the same to Alexa. */
export function sameValue(field: string, a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(field, a)) === JSON.stringify(canonical(field, b));
}

/** Absent, null and an empty list all mean "not set" (SMAPI may drop an empty list). */
function present(v: unknown): boolean {
  return v !== undefined && v !== null && !(Array.isArray(v) && v.length === 0);
}

function fieldOrder(keys: Iterable<string>): string[] {
  const known = Object.keys(PAYLOAD_FIELDS);
  const all = [...new Set(keys)];
  return [...known.filter((k) => all.includes(k)), ...all.filter((k) => !known.includes(k)).sort()];
}

const WRITE_ONLY_WORDS: Record<WriteOnlyState, string> = {
  unchanged: 'the same as at the last push',
  changed: 'changed since the last push; will be sent',
  added: 'not sent at the last push; will be sent',
  removed: 'sent at the last push, not in accountLinking.json: a push drops it',
  unknown: 'will be sent',
};

function writeOnlyNote(field: string, c: WriteOnlyComparison | undefined): string {
  const never = field === SECRET_FIELD ? 'SMAPI never returns it' : 'sent, cannot be read back';
  if (!c) return `${never}; no record of the last push, so it will be sent`;
  if (c.state === 'unknown') return `${never}; ${c.reason}, so it will be sent`;
  if (c.state === 'unchanged') return `${never}; ${WRITE_ONLY_WORDS.unchanged} (compared by hash)`;
  return `${never}; ${WRITE_ONLY_WORDS[c.state]}`;
}

export function diffLinking(local: AccountLinkingPayload, remote: AccountLinkingPayload | undefined, opts: DiffOptions): LinkingDiff {
  const l = local as Record<string, unknown>;
  const r = (remote ?? {}) as Record<string, unknown>;
  const compared = new Map((opts.writeOnly ?? []).map((c) => [c.field, c]));
  const fields: FieldChange[] = [];
  const keys = fieldOrder([...Object.keys(l), ...Object.keys(r), ...compared.keys(), ...(opts.absentUnknown ?? [])].filter((k) => k !== SECRET_FIELD));
  for (const field of keys) {
    const lv = l[field];
    const rv = r[field];
    const inLocal = present(lv);
    const inRemote = present(rv);
    if (isWriteOnly(field, remote ? r : undefined) && !inRemote) {
      const c = compared.get(field) ?? (inLocal ? { field, state: 'unknown' as const, reason: 'no record of the last push' } : undefined);
      if (!inLocal && c?.state !== 'removed') {
        if (opts.absentUnknown?.includes(field)) fields.push(absentRow(field));
        continue;
      }
      const row: FieldChange = { field, status: 'write-only', note: writeOnlyNote(field, c) };
      if (inLocal) row.local = lv;
      if (c) row.writeOnly = c.state;
      fields.push(row);
      continue;
    }
    if (!inLocal && !inRemote) continue;
    if (inLocal && !inRemote) fields.push({ field, status: 'added', local: lv });
    else if (!inLocal && inRemote) fields.push({ field, status: 'removed', remote: rv, note: 'not in accountLinking.json' });
    else if (sameValue(field, lv, rv)) fields.push({ field, status: 'unchanged', local: lv, remote: rv });
    else fields.push({ field, status: 'changed', local: lv, remote: rv });
  }
  const secretSet = opts.secret === 'provided' || present(l[SECRET_FIELD]);
  const secretCompared = compared.get(SECRET_FIELD);
  if (opts.secret !== 'omit' && (secretSet || local.type === 'AUTH_CODE' || secretCompared?.state === 'removed')) {
    const row: FieldChange = { field: SECRET_FIELD, status: 'write-only', local: secretSet ? 'set' : 'not set', remote: 'unknown' };
    if (opts.secret === 'provided' || secretCompared?.state === 'removed') {
      const c = secretCompared ?? { field: SECRET_FIELD, state: 'unknown' as const, reason: 'no record of the last push' };
      row.writeOnly = c.state;
      row.note = writeOnlyNote(SECRET_FIELD, c);
    } else {
      row.note = secretSet ? 'SMAPI never returns it; will be sent' : 'SMAPI never returns it; not given, so a push cannot send it';
    }
    fields.splice(secretIndex(fields), 0, row);
  }
  return {
    remoteExists: remote !== undefined,
    fields,
    changed: fields.some((f) => f.status === 'added' || f.status === 'changed' || f.status === 'removed' || (f.status === 'write-only' && f.writeOnly !== undefined && writeOnlyChanges(f.writeOnly))),
  };
}

/** A write-only field the file leaves out and the GET cannot show: a push sends it absent. */
function absentRow(field: string): FieldChange {
  const def = ABSENT_DEFAULTS[field];
  return {
    field,
    status: 'write-only',
    note: `cannot be read back, and not in accountLinking.json: a push sends it absent${def ? ` (${def})` : ''}, resetting a value set in the developer console; if the console has one, add it to accountLinking.json first`,
  };
}

/** The secret row sits where SMAPI's field order puts it (after accessTokenUrl). */
function secretIndex(fields: FieldChange[]): number {
  const order = Object.keys(PAYLOAD_FIELDS);
  const at = order.indexOf(SECRET_FIELD);
  const i = fields.findIndex((f) => {
    const k = order.indexOf(f.field);
    return k === -1 || k > at;
  });
  return i === -1 ? fields.length : i;
}

/**
 * After a push: the fields that were sent and the GET can show, but do not read back the same.
 * Write-only fields (notReadBack) are not compared; fields SMAPI adds by itself are ignored.
 */
export function verifyPushed(sent: AccountLinkingPayload, after: AccountLinkingPayload | undefined): FieldChange[] {
  const s = sent as Record<string, unknown>;
  const a = (after ?? {}) as Record<string, unknown>;
  const out: FieldChange[] = [];
  for (const field of fieldOrder(Object.keys(s))) {
    if (!present(s[field]) || isWriteOnly(field, after ? a : undefined)) continue;
    if (!present(a[field])) out.push({ field, status: 'removed', local: s[field], note: 'sent but not read back' });
    else if (!sameValue(field, s[field], a[field])) out.push({ field, status: 'changed', local: s[field], remote: a[field], note: 'reads back differently' });
  }
  return out;
}

/** The fields that were sent but that the GET cannot show ("sent, cannot be read back"). */
export function notReadBack(sent: AccountLinkingPayload, after: AccountLinkingPayload | undefined): string[] {
  const s = sent as Record<string, unknown>;
  const a = after as Record<string, unknown> | undefined;
  return fieldOrder(Object.keys(s)).filter((f) => present(s[f]) && isWriteOnly(f, a) && !(a && present(a[f])));
}

function show(v: unknown): string {
  return JSON.stringify(v);
}

const PLAIN: Pick<Style, 'green' | 'yellow' | 'red' | 'dim' | 'cyan'> = {
  green: ((s: string) => s) as Style['green'],
  yellow: ((s: string) => s) as Style['yellow'],
  red: ((s: string) => s) as Style['red'],
  dim: ((s: string) => s) as Style['dim'],
  cyan: ((s: string) => s) as Style['cyan'],
};

/**
 * Readable lines, one per field, remote → local (what a push does):
 *   + domains: ["example.com"]
 *   ~ scopes: ["profile"] → ["profile","offline_access"]
 *   - voiceForwardAccountLinking: "ENABLED" (not in accountLinking.json)
 *   * clientSecret: set (SMAPI never returns it; changed since the last push; will be sent)
 *   * skipOnEnablement: true (sent, cannot be read back; the same as at the last push (compared by hash))
 *     clientId: "amzn1…"   (unchanged)
 */
export function renderDiff(diff: LinkingDiff, style: Pick<Style, 'green' | 'yellow' | 'red' | 'dim' | 'cyan'> = PLAIN): string[] {
  return diff.fields.map((f) => {
    switch (f.status) {
      case 'added':
        return style.green(`+ ${f.field}: ${show(f.local)}`);
      case 'changed':
        return style.yellow(`~ ${f.field}: ${show(f.remote)} → ${show(f.local)}`);
      case 'removed':
        return style.red(`- ${f.field}: ${show(f.remote)}${f.note ? ` (${f.note})` : ''}`);
      case 'write-only':
        return style.cyan(`* ${f.field}: ${f.field === SECRET_FIELD ? String(f.local) : f.local === undefined ? '(not set)' : show(f.local)} (${f.note ?? 'cannot be read back'})`);
      case 'unchanged':
        return style.dim(`  ${f.field}: ${show(f.local)}`);
    }
  });
}
