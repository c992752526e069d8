import { jsonEscape, PART_RUN, PART_STEP, processSecrets, SecretSet, type SecretEncoding } from './secrets.js';

/**
 * Secrets (client secrets, access and refresh tokens) are never shown whole: first characters
 * and length only. `redactText` scrubs known secrets (every encoding of them, src/ui/secrets.ts)
 * and well-known secret-bearing patterns out of free text such as HTTP traces; `excerpt` is the
 * one way to cut outside text short: redacted first, so no part of a secret stays at the cut.
 */

/** `eyJh… (812 chars)`. Short values show fewer leading characters so little is revealed. */
export function redact(secret: string | undefined | null): string {
  if (secret === undefined || secret === null) return '(none)';
  const len = secret.length;
  if (len === 0) return '(empty)';
  const shown = len >= 24 ? 4 : len >= 12 ? 2 : 0;
  return `${secret.slice(0, shown)}… (${len} chars)`;
}

/** Only whether a secret is set, for diffs: "set" or "not set". */
export function presence(secret: string | undefined | null): 'set' | 'not set' {
  return secret ? 'set' : 'not set';
}

const SECRET_KEYS = [
  'access_token',
  'refresh_token',
  'id_token',
  'client_secret',
  'clientSecret',
  'accessToken',
  'refreshToken',
  'apiAccessToken',
  'code_verifier',
  'client_confirmation',
  'password',
];

const keyAlternation = SECRET_KEYS.join('|');
/** "key": "value" in JSON. */
const JSON_PAIR = new RegExp(`("(?:${keyAlternation})"\\s*:\\s*")([^"\\\\]*(?:\\\\.[^"\\\\]*)*)(")`, 'g');
/**
 * The same pair inside a JSON string ({"detail": "…\\"access_token\\":\\"…\\"…"}): an answer body quoted
 * in a message, as it appears in a --json document.
 */
const ESCAPED_JSON_PAIR = new RegExp(String.raw`(\\"(?:${keyAlternation})\\"\s*:\s*\\")((?:(?!\\").)*)(\\")`, 'g');
/** key=value in form bodies and query strings; an authorization code counts there too. */
const FORM_PAIR = new RegExp(`((?:^|[?&\\s])(?:${keyAlternation}|code)=)([^&\\s"]+)`, 'g');
/** Authorization: Bearer x / Basic x. */
const AUTH_HEADER = /((?:authorization|proxy-authorization)\s*[:=]\s*"?(?:bearer|basic)\s+)([A-Za-z0-9\-._~+/|=%]+)/gi;

export type SecretSource = SecretSet | Iterable<string | undefined | null>;

/** What replaces one encoding of a secret: its redacted form, itself JSON-escaped inside JSON. */
function replacementFor(e: SecretEncoding): string {
  const shown = redact(e.secret);
  return e.kind === 'json' ? jsonEscape(shown) : shown;
}

/**
 * Replaces every known secret and every secret-looking field in `text` with its redacted form.
 * `secrets` (default: the running command's, `processSecrets`) are scrubbed wherever they appear,
 * in every encoding alexa-link produces of them; plain values are taken with all their encodings.
 */
export function redactText(text: string, secrets: SecretSource = processSecrets): string {
  let out = text;
  const set = secrets instanceof SecretSet ? secrets : setOf(secrets);
  // Longest first, so a secret (or an encoding) that contains another is replaced whole.
  for (const e of set.encodings()) {
    if (out.includes(e.text)) out = replaceAll(out, e.text, replacementFor(e));
  }
  if (set.hasParts && out.length >= PART_RUN) out = redactParts(out, set);
  out = out.replace(JSON_PAIR, (_m, pre: string, value: string, post: string) => pre + maybeRedact(value) + post);
  out = out.replace(ESCAPED_JSON_PAIR, (_m, pre: string, value: string, post: string) => pre + maybeRedact(value) + post);
  // A value the exact pass already turned into "Atza… (38 chars)" is left alone: the patterns
  // below would otherwise stop at "…" and redact the redaction.
  out = out.replace(FORM_PAIR, (m: string, pre: string, value: string, offset: number, whole: string) =>
    followedByRedaction(whole, offset + m.length) ? m : pre + maybeRedact(decodeSafe(value)),
  );
  out = out.replace(AUTH_HEADER, (m: string, pre: string, value: string, offset: number, whole: string) =>
    followedByRedaction(whole, offset + m.length) ? m : pre + maybeRedact(value),
  );
  return out;
}

/**
 * Outside text cut to at most `max` characters (then "…"), redacted BEFORE the cut: a secret
 * straddling the cut would otherwise leave its first part behind, where no later redaction can
 * recognise it. `total` adds the length of the whole text. The one helper for cutting text that
 * came from outside (answer bodies, traces, pasted input).
 */
export function excerpt(text: string, max: number, opts: { secrets?: SecretSource; total?: boolean } = {}): string {
  const clean = redactText(text, opts.secrets ?? processSecrets);
  if (clean.length <= max) return clean;
  let cut = clean.slice(0, max);
  // Never half a surrogate pair.
  if (/[\ud800-\udbff]$/.test(cut)) cut = cut.slice(0, -1);
  return `${cut}…${opts.total ? ` (cut at ${max} of ${text.length} characters)` : ''}`;
}

/** The sets made from plain lists of values, by their values (a handler's log lines reuse one list). */
const fromValues = new Map<string, SecretSet>();

function setOf(values: Iterable<string | undefined | null>): SecretSet {
  const list = [...values].filter((v): v is string => typeof v === 'string');
  const key = list.join('\u0000');
  let set = fromValues.get(key);
  if (!set) {
    set = SecretSet.from(list);
    if (fromValues.size >= 16) fromValues.delete(fromValues.keys().next().value!);
    fromValues.set(key, set);
  }
  return set;
}

/**
 * Runs of PART_RUN or more characters of a long secret (or of its base64), wherever they appear:
 * a skill logging token.slice(0, 30). Every PART_STEP-th position's window is looked up (any run
 * of PART_RUN holds one of them); a hit is extended both ways as far as the text goes on matching
 * the secret, and a run long enough is replaced.
 */
function redactParts(text: string, set: SecretSet): string {
  let out = '';
  let from = 0;
  for (let i = 0; i + PART_STEP <= text.length; ) {
    const window = text.slice(i, i + PART_STEP);
    const parts = set.partsWith(window);
    let start = 0;
    let end = 0;
    let secret = '';
    for (const p of parts ?? []) {
      for (let at = p.text.indexOf(window); at !== -1; at = p.text.indexOf(window, at + 1)) {
        let b = 0;
        while (i - b - 1 >= from && at - b - 1 >= 0 && text[i - b - 1] === p.text[at - b - 1]) b++;
        let f = PART_STEP;
        while (i + f < text.length && at + f < p.text.length && text[i + f] === p.text[at + f]) f++;
        if (b + f >= PART_RUN && b + f > end - start) {
          start = i - b;
          end = i + f;
          secret = p.secret;
        }
      }
    }
    if (end === 0) {
      i += PART_STEP;
      continue;
    }
    // Shown as the secret is (its first characters and length): the same words as a whole one.
    out += `${text.slice(from, start)}${redact(secret)}`;
    from = end;
    i = end;
  }
  return from === 0 ? text : out + text.slice(from);
}

function followedByRedaction(text: string, at: number): boolean {
  return /^…? \(\d+ chars\)/.test(text.slice(at, at + 24));
}

function maybeRedact(value: string): string {
  // Already redacted by the exact-value pass.
  if (/… \(\d+ chars\)$/.test(value)) return value;
  return redact(value);
}

function replaceAll(haystack: string, needle: string, replacement: string): string {
  return haystack.split(needle).join(replacement);
}

function decodeSafe(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
}

/**
 * Deep copy of a JSON-like value with the values of secret-bearing keys redacted. For `--json`
 * output and saved diagnostics that must not carry secrets.
 */
export function redactObject<T>(value: T): T {
  return redactDeep(value) as T;
}

function redactDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactDeep);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      out[k] = SECRET_KEYS.includes(k) && typeof v === 'string' ? redact(v) : redactDeep(v);
    }
    return out;
  }
  return value;
}
