/**
 * Secrets (client secrets, access and refresh tokens) are never shown whole: first characters
 * and length only. `redactText` scrubs known secrets and well-known secret-bearing patterns out
 * of free text such as HTTP traces.
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

/**
 * Replaces every known secret value and every secret-looking field in `text` with its redacted
 * form. `secrets` are exact values to scrub wherever they appear (including URL-encoded).
 */
export function redactText(text: string, secrets: Iterable<string | undefined> = []): string {
  let out = text;
  const values = [...secrets].filter((s): s is string => typeof s === 'string' && s.length >= 4);
  // Longest first, so a secret that contains another is replaced whole.
  values.sort((a, b) => b.length - a.length);
  for (const value of values) {
    out = replaceAll(out, value, redact(value));
    const encoded = encodeURIComponent(value);
    if (encoded !== value) out = replaceAll(out, encoded, redact(value));
  }
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
