/**
 * The secrets this run knows (client secrets, tokens, codes), in every encoding alexa-link itself
 * produces of them, so a secret echoed back in any of those shapes is recognised:
 *  - as is;
 *  - URL-encoded (encodeURIComponent: query strings, traces of URLs);
 *  - form-encoded (application/x-www-form-urlencoded, + for a space: the token request body);
 *  - JSON-escaped (inside a JSON string: the SMAPI PUT body, --json documents);
 *  - inside the HTTP Basic credential, base64 of `id:secret` and of `urlencode(id):urlencode(secret)`
 *    (RFC 6749 §2.3.1, what alexa-link sends), when the client ID is given;
 *  - base64 and base64url of the secret itself (a skill logging Buffer.from(token).toString('base64')).
 * And in part: any run of PART_RUN characters or more of a secret of PART_MIN_SECRET characters or
 * more (a skill logging token.slice(0, 30)), found through the secret's PART_RUN-character windows.
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

export type EncodingKind = 'raw' | 'url' | 'form' | 'json' | 'basic' | 'base64';

/** A run this long of a long secret is redacted wherever it appears (in part: token.slice(0, 30)). */
export const PART_RUN = 12;
/** Secrets at least this long are also recognised in part (shorter ones: a run of 12 would be most of them). */
export const PART_MIN_SECRET = 24;
/**
 * The windows indexed: half a run, so a scan that looks up every PART_STEP-th position of a text
 * still lands inside any run of PART_RUN characters (six times fewer look-ups than every position).
 */
export const PART_STEP = PART_RUN / 2;

/** Every encoding of `value` alexa-link produces, with its kind. */
export function secretEncodings(value: string, opts: SecretOptions = {}): Array<{ kind: EncodingKind; text: string }> {
  const out: Array<{ kind: EncodingKind; text: string }> = [
    { kind: 'raw', text: value },
    { kind: 'url', text: encodeURIComponent(value) },
    { kind: 'form', text: formEncode(value) },
    { kind: 'json', text: jsonEscape(value) },
  ];
  const b64 = base64(value);
  out.push({ kind: 'base64', text: b64 });
  out.push({ kind: 'base64', text: b64.replace(/=+$/, '') });
  out.push({ kind: 'base64', text: b64.replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_') });
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

/** A text a window occurs in: a long secret, or its base64. */
export interface SecretPart {
  /** The raw secret or its base64 encoding, as it may appear in part. */
  text: string;
  secret: string;
}

export class SecretSet {
  private readonly byText = new Map<string, SecretEncoding>();
  private sorted: SecretEncoding[] | undefined;
  /** Every PART_STEP-character window of the long secrets (and of their base64), to find runs of them. */
  private readonly windows = new Map<string, SecretPart[]>();
  private readonly windowed = new Set<string>();

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
    if (value.length >= PART_MIN_SECRET && !this.windowed.has(value)) {
      this.windowed.add(value);
      for (const text of [value, base64(value)]) {
        const part = { text, secret: value };
        for (let i = 0; i + PART_STEP <= text.length; i++) {
          const w = text.slice(i, i + PART_STEP);
          const list = this.windows.get(w);
          if (!list) this.windows.set(w, [part]);
          else if (!list.some((p) => p.text === text)) list.push(part);
        }
      }
    }
  }

  /** The secrets (or base64 of them) that hold this PART_STEP-character window. */
  partsWith(window: string): readonly SecretPart[] | undefined {
    return this.windows.get(window);
  }

  /** Whether any secret is long enough to be recognised in part. */
  get hasParts(): boolean {
    return this.windows.size > 0;
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
    for (const s of sets) {
      for (const e of s.byText.values()) if (!out.byText.has(e.text)) out.byText.set(e.text, e);
      for (const v of s.windowed) out.windowed.add(v);
      for (const [w, parts] of s.windows) {
        const list = out.windows.get(w);
        if (!list) out.windows.set(w, [...parts]);
        else for (const p of parts) if (!list.some((q) => q.text === p.text)) list.push(p);
      }
    }
    return out;
  }
}

/** The secrets of the running command (the CLI's Output registers into it). */
export const processSecrets = new SecretSet();
