import type { Style } from '../ui/color.js';
import { PAYLOAD_FIELDS, type AccountLinkingPayload } from './config.js';

/**
 * Field-by-field difference between the local account-linking configuration (accountLinking.json)
 * and the remote one (SMAPI GET). Pure. The client secret is never compared or shown: SMAPI never
 * returns it, so its row only says whether one is set locally and whether a push sends it.
 * `configure` shows it before pushing; `doctor` reuses it to report drift.
 */
export type FieldStatus = 'unchanged' | 'added' | 'changed' | 'removed' | 'secret';

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
}

export interface LinkingDiff {
  /** Whether the remote stage has any account linking at all. */
  remoteExists: boolean;
  /** Every field set on either side (secret row included when relevant), in SMAPI's field order. */
  fields: FieldChange[];
  /** Whether a push would change anything besides (re)sending the secret. */
  changed: boolean;
}

export interface DiffOptions {
  /**
   * Whether a client secret will be sent with a push ("provided"), is unknown locally ("absent"),
   * or the secret row should be left out (doctor drift without a secret).
   */
  secret: 'provided' | 'absent' | 'omit';
}

/** Fields whose order carries no meaning (Alexa treats them as sets). */
const SET_FIELDS = new Set(['domains', 'scopes', 'redirectUrls']);
const SECRET_FIELD = 'clientSecret';

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

export function diffLinking(local: AccountLinkingPayload, remote: AccountLinkingPayload | undefined, opts: DiffOptions): LinkingDiff {
  const l = local as Record<string, unknown>;
  const r = (remote ?? {}) as Record<string, unknown>;
  const fields: FieldChange[] = [];
  const keys = fieldOrder([...Object.keys(l), ...Object.keys(r)].filter((k) => k !== SECRET_FIELD));
  for (const field of keys) {
    const lv = l[field];
    const rv = r[field];
    const inLocal = present(lv);
    const inRemote = present(rv);
    if (!inLocal && !inRemote) continue;
    if (inLocal && !inRemote) fields.push({ field, status: 'added', local: lv });
    else if (!inLocal && inRemote) fields.push({ field, status: 'removed', remote: rv, note: 'not in accountLinking.json' });
    else if (sameValue(field, lv, rv)) fields.push({ field, status: 'unchanged', local: lv, remote: rv });
    else fields.push({ field, status: 'changed', local: lv, remote: rv });
  }
  const secretSet = opts.secret === 'provided' || present(l[SECRET_FIELD]);
  if (opts.secret !== 'omit' && (secretSet || local.type === 'AUTH_CODE')) {
    fields.splice(secretIndex(fields), 0, {
      field: SECRET_FIELD,
      status: 'secret',
      local: secretSet ? 'set' : 'not set',
      remote: 'unknown',
      note: secretSet ? 'SMAPI never returns it; will be sent' : 'SMAPI never returns it; not given, so a push cannot send it',
    });
  }
  return {
    remoteExists: remote !== undefined,
    fields,
    changed: fields.some((f) => f.status === 'added' || f.status === 'changed' || f.status === 'removed'),
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
 * After a push: the fields that were sent but do not read back the same (the secret excluded,
 * fields SMAPI adds by itself ignored).
 */
export function verifyPushed(sent: AccountLinkingPayload, after: AccountLinkingPayload | undefined): FieldChange[] {
  const s = sent as Record<string, unknown>;
  const a = (after ?? {}) as Record<string, unknown>;
  const out: FieldChange[] = [];
  for (const field of fieldOrder(Object.keys(s))) {
    if (field === SECRET_FIELD || !present(s[field])) continue;
    if (!present(a[field])) out.push({ field, status: 'removed', local: s[field], note: 'sent but not read back' });
    else if (!sameValue(field, s[field], a[field])) out.push({ field, status: 'changed', local: s[field], remote: a[field], note: 'reads back differently' });
  }
  return out;
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
 *   * clientSecret: set (SMAPI never returns it; will be sent)
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
      case 'secret':
        return style.cyan(`* ${f.field}: ${String(f.local)} (${f.note ?? 'never shown'})`);
      case 'unchanged':
        return style.dim(`  ${f.field}: ${show(f.local)}`);
    }
  });
}
