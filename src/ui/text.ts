/**
 * Text from outside on the terminal. A provider's error_description, a skill's speech, card and
 * logs, an endpoint's error body, a file name: any of them can carry control characters that a
 * terminal obeys (ESC[2J clears the screen, OSC 8 makes a link whose target is not what it shows,
 * OSC 0 retitles the window, a lone CR lets later text overwrite a line, BEL rings) or bidi
 * controls that make text read differently from what it is (Trojan Source, CVE-2021-42574).
 *
 * `neutralizeControl` turns each such character into a visible escape, so the reader sees what
 * was sent instead of the terminal acting on it:
 *  - C0 controls U+0000–U+001F except TAB and LF, DEL U+007F, and C1 controls U+0080–U+009F
 *    (U+009B is a one-byte CSI for terminals that honour 8-bit controls) → `\x1b`, `\x07`, `\x9b`…;
 *  - a CR is kept only as part of CRLF, which becomes LF; a lone CR → `\x0d`;
 *  - the line and paragraph separators U+2028 and U+2029 (some terminals and most editors break
 *    the line there, so a message would read as two) → `\u2028`, `\u2029`;
 *  - the bidi embeddings, overrides and isolates U+202A–U+202E and U+2066–U+2069 → `\u202e`…
 *    The implicit marks (LRM U+200E, RLM U+200F, ALM U+061C) are kept: they occur in ordinary
 *    right-to-left text and cannot reorder text beyond their neighbours.
 * LF is kept unless `newlines: 'escape'` (one-line fields), TAB is kept. A backslash is not
 * doubled: this is for reading, not a format to parse back.
 *
 * Pure, so every part that prints (src/ui/output.ts, prompts, replay logs) uses the same rules.
 */
// One alternation: CRLF first (kept as LF), then every character that is neutralised.
const CONTROL = /\r\n|[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const ANY_CONTROL = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

export interface NeutralizeOptions {
  /** 'keep' (default): LF and CRLF stay line breaks; 'escape': they become \x0a (one-line fields). */
  newlines?: 'keep' | 'escape';
}

function visible(c: string): string {
  const code = c.charCodeAt(0);
  return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

export function neutralizeControl(text: string, opts: NeutralizeOptions = {}): string {
  if (!ANY_CONTROL.test(text)) return text;
  const keep = opts.newlines !== 'escape';
  return text.replace(CONTROL, (c) => {
    if (c === '\r\n') return keep ? '\n' : '\\x0d\\x0a';
    if (c === '\n') return keep ? '\n' : '\\x0a';
    return visible(c);
  });
}

/** Whether `text` holds anything `neutralizeControl` would change (LF and TAB aside). */
export function hasControl(text: string): boolean {
  return /[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/.test(text);
}

/**
 * JSON for a terminal: JSON.stringify escapes C0 controls but leaves DEL, C1 controls, the bidi
 * controls and U+2028/U+2029 raw. They are written as \uXXXX escapes here, so the document stays
 * exactly the same data (the strings parse back unchanged) and nothing in it acts on a terminal.
 */
export function jsonForTerminal(value: unknown, space?: number): string {
  return terminalSafeJson(JSON.stringify(value, null, space));
}

/** The same escaping for JSON text that is already serialized. */
export function terminalSafeJson(json: string): string {
  return json.replace(/[\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
