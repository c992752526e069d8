import type { AccessTokenScheme, AccountLinkingPayload } from './config.js';

/**
 * Fixes as data: an edit to accountLinking.json that a rule or a check knows to be right (the
 * scheme the token endpoint accepted, the scope that makes the provider issue refresh tokens,
 * Google's access_type/prompt, Alexa's parameters out of a URL, the provider's domains). A check
 * outcome carries its edits; `doctor --fix` collects and applies them. Pure.
 */
export type UrlField = 'authorizationUrl' | 'accessTokenUrl' | 'reciprocalAccessTokenUrl';

export type LinkingEdit =
  /** Set a field to a value. */
  | { kind: 'set'; field: 'accessTokenScheme'; value: AccessTokenScheme }
  /** Add values missing from a list (kept in order; values already there are left alone). */
  | { kind: 'add'; field: 'scopes' | 'domains'; values: string[] }
  /** Change an URL's query string: set parameters (replacing any value) and remove others. */
  | { kind: 'query'; field: UrlField; set?: Record<string, string>; remove?: string[] };

/** An edit with the rule or check that proposed it, and what it does in words. */
export interface ProposedEdit {
  /** The rule (linking rules) or check id that found the problem. */
  by: string;
  edit: LinkingEdit;
}

/** What an edit does, in words: `add "offline_access" to scopes`. */
export function describeEdit(edit: LinkingEdit): string {
  switch (edit.kind) {
    case 'set':
      return `set ${edit.field} to "${edit.value}"`;
    case 'add':
      return `add ${edit.values.map((v) => `"${v}"`).join(', ')} to ${edit.field}`;
    case 'query': {
      const parts: string[] = [];
      if (edit.set && Object.keys(edit.set).length) parts.push(`set ${Object.entries(edit.set).map(([k, v]) => `${k}=${v}`).join('&')}`);
      if (edit.remove?.length) parts.push(`remove ${edit.remove.join(', ')}`);
      return `${parts.join(' and ')} in ${edit.field}`;
    }
  }
}

/**
 * An URL's query edited as text: the rest of the URL (scheme, host, path, the other parameters
 * and their encoding, a fragment) is kept byte for byte, so the diff shows only what changed.
 */
export function editQuery(url: string, set: Record<string, string> = {}, remove: string[] = []): string {
  const hashAt = url.indexOf('#');
  const fragment = hashAt === -1 ? '' : url.slice(hashAt);
  const beforeHash = hashAt === -1 ? url : url.slice(0, hashAt);
  const qAt = beforeHash.indexOf('?');
  const base = qAt === -1 ? beforeHash : beforeHash.slice(0, qAt);
  const query = qAt === -1 ? '' : beforeHash.slice(qAt + 1);
  const nameOf = (pair: string) => {
    const raw = pair.split('=')[0] ?? '';
    try {
      return decodeURIComponent(raw.replace(/\+/g, ' '));
    } catch {
      return raw;
    }
  };
  const encode = (name: string, value: string) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`;
  const done = new Set<string>();
  const pairs: string[] = [];
  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const name = nameOf(pair);
    if (remove.includes(name)) continue;
    const value = set[name];
    if (value === undefined) {
      pairs.push(pair);
      continue;
    }
    // The first occurrence takes the new value in its place; repeats of it go.
    if (!done.has(name)) pairs.push(encode(name, value));
    done.add(name);
  }
  for (const [name, value] of Object.entries(set)) if (!done.has(name)) pairs.push(encode(name, value));
  return `${base}${pairs.length ? `?${pairs.join('&')}` : ''}${fragment}`;
}

/** One edit applied to a payload; the payload is not changed, a new one is returned. */
export function applyEdit(payload: AccountLinkingPayload, edit: LinkingEdit): AccountLinkingPayload {
  const next: AccountLinkingPayload = { ...payload };
  switch (edit.kind) {
    case 'set':
      next[edit.field] = edit.value;
      return next;
    case 'add': {
      const list = [...(payload[edit.field] ?? [])];
      for (const v of edit.values) if (!list.includes(v)) list.push(v);
      next[edit.field] = list;
      return next;
    }
    case 'query': {
      const url = payload[edit.field];
      if (url === undefined) return next;
      next[edit.field] = editQuery(url, edit.set, edit.remove);
      return next;
    }
  }
}

/** Whether applying the edit changes the payload (an edit found twice, or already made, does not). */
export function changes(payload: AccountLinkingPayload, edit: LinkingEdit): boolean {
  return JSON.stringify(applyEdit(payload, edit)) !== JSON.stringify(payload);
}

/** Applies edits in order; returns the new payload and the edits that changed something. */
export function applyEdits(payload: AccountLinkingPayload, edits: readonly ProposedEdit[]): { payload: AccountLinkingPayload; applied: ProposedEdit[] } {
  let current = payload;
  const applied: ProposedEdit[] = [];
  for (const e of edits) {
    if (!changes(current, e.edit)) continue;
    current = applyEdit(current, e.edit);
    applied.push(e);
  }
  return { payload: current, applied };
}
