/**
 * The secrets this run knows (client secrets, tokens, codes), in every encoding alexa-link itself
 * produces of them, so a secret echoed back in any of those shapes is recognised:
 *  - as is;
 *  - URL-encoded (encodeURIComponent: query strings, traces of URLs);
 *  - form-encoded (application/x-www-form-urlencoded, + for a space: the token request body);
 *  - JSON-escaped (inside a JSON string: the SMAPI PUT body, --json documents);
 *  - inside the HTTP Basic credential, base64 of `id:secret` and of `urlencode(id):urlencode(secret)`
 *    (RFC 6749 §2.3.1, what alexa-link sends), when the client ID is given.
 * Each encoding maps to the text that replaces it (src/ui/redact.ts).
 *
 * `processSecrets` is the set of the running command: the CLI's Output registers into it, and
 * `redactText`/`excerpt` use it by default, so text cut short anywhere in the process (a provider's
 * answer in a check's detail, a trace) is redacted before the cut, also where the code that cuts
 * never saw the secret.
 */
export const MIN_SECRET_LENGTH = 4;

export interface SecretOptions {
  /** The client ID sent with this secret in an HTTP Basic credential. */
  basicUser?: string;
}

/** application/x-www-form-urlencoded encoding of one value (URLSearchParams: + for a space). */
export function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

/** The inside of a JSON string holding `value`. */
export function jsonEscape(value: string): string {
  return JSON.stringify(value).slice(1, -1);
}

function base64(value: string): string {
  return Buffer.from(value, 'utf8').toString('base64');
}

export type EncodingKind = 'raw' | 'url' | 'form' | 'json' | 'basic';

/** Every encoding of `value` alexa-link produces, with its kind. */
export function secretEncodings(value: string, opts: SecretOptions = {}): Array<{ kind: EncodingKind; text: string }> {
  const out: Array<{ kind: EncodingKind; text: string }> = [
    { kind: 'raw', text: value },
    { kind: 'url', text: encodeURIComponent(value) },
    { kind: 'form', text: formEncode(value) },
    { kind: 'json', text: jsonEscape(value) },
  ];
  if (opts.basicUser !== undefined) {
    out.push({ kind: 'basic', text: base64(`${opts.basicUser}:${value}`) });
    out.push({ kind: 'basic', text: base64(`${formEncode(opts.basicUser)}:${formEncode(value)}`) });
  }
  const seen = new Set<string>();
  return out.filter((e) => e.text.length >= MIN_SECRET_LENGTH && !seen.has(e.text) && (seen.add(e.text), true));
}

export interface SecretEncoding {
  /** The text as it may appear. */
  text: string;
  /** The secret it encodes. */
  secret: string;
  kind: EncodingKind;
}

export class SecretSet {
  private readonly byText = new Map<string, SecretEncoding>();
  private sorted: SecretEncoding[] | undefined;

  /** Registers a secret (shorter than 4 characters: ignored, it would match everywhere). */
  add(value: string | undefined | null, opts: SecretOptions = {}): void {
    if (typeof value !== 'string' || value.length < MIN_SECRET_LENGTH) return;
    for (const e of secretEncodings(value, opts)) {
      // The first registration of a text wins (a raw secret is never re-labelled as an encoding).
      if (!this.byText.has(e.text)) {
        this.byText.set(e.text, { text: e.text, secret: value, kind: e.kind });
        this.sorted = undefined;
      }
    }
  }

  /** Every encoding, longest first, so one that contains another is replaced whole. */
  encodings(): readonly SecretEncoding[] {
    this.sorted ??= [...this.byText.values()].sort((a, b) => b.text.length - a.text.length);
    return this.sorted;
  }

  /** The raw secrets. */
  values(): string[] {
    return [...new Set([...this.byText.values()].map((e) => e.secret))];
  }

  get size(): number {
    return this.byText.size;
  }

  /** A set from plain values (each registered with its encodings). */
  static from(values: Iterable<string | undefined | null>): SecretSet {
    const set = new SecretSet();
    for (const v of values) set.add(v);
    return set;
  }

  /** A snapshot holding the encodings of all the given sets. */
  static union(...sets: SecretSet[]): SecretSet {
    const out = new SecretSet();
    for (const s of sets) for (const e of s.byText.values()) if (!out.byText.has(e.text)) out.byText.set(e.text, e);
    return out;
  }
}

/** The secrets of the running command (the CLI's Output registers into it). */
export const processSecrets = new SecretSet();
