/**
 * Text wrapped to the terminal's width, the way a person reads it: breaks only at spaces, so a
 * URL, a path, a flag or a token is never cut (one longer than the line stands alone on its own
 * line); continuation lines hang under the text they continue, not under the icon or the label in
 * front of it. Lines that fit are returned unchanged, spacing and all.
 *
 * Pure. Zero-width parts (alexa-link's style markers, see src/ui/color.ts) are passed in as a
 * pattern so they count for nothing when measuring.
 */

export interface WrapOptions {
  /** Parts of the text that take no room on the terminal (style markers). */
  zeroWidth?: RegExp;
  /** Continuation lines start at this column instead of the one found in the line. */
  hang?: number;
}

/** Columns a code point takes on a terminal: 0 for combining marks and joiners, 2 for wide East Asian characters and emoji. */
function codePointWidth(cp: number): number {
  if (cp === 0x200b || cp === 0x200c || cp === 0x200d || cp === 0x2060 || cp === 0xfeff) return 0;
  if ((cp >= 0xfe00 && cp <= 0xfe0f) || (cp >= 0xe0100 && cp <= 0xe01ef)) return 0; // variation selectors
  if (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0x303e) ||
    (cp >= 0x3041 && cp <= 0x33ff) ||
    (cp >= 0x3400 && cp <= 0x4dbf) ||
    (cp >= 0x4e00 && cp <= 0x9fff) ||
    (cp >= 0xa000 && cp <= 0xa4cf) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  ) {
    return 2;
  }
  return 1;
}

const COMBINING = /\p{M}/u;

/** Columns `text` takes on a terminal (after zero-width parts are removed). */
export function displayWidth(text: string, zeroWidth?: RegExp): number {
  const visible = zeroWidth ? text.replace(zeroWidth, '') : text;
  let width = 0;
  for (const ch of visible) {
    if (COMBINING.test(ch)) continue;
    width += codePointWidth(ch.codePointAt(0)!);
  }
  return width;
}

/** Marks a line may start with, after its indent: icons, bullets, "1." — continuation lines hang after them. */
const LEAD_MARK = /^(?:(?!["'])[\p{S}\p{Pd}\p{Po}]{1,3}|x|\d{1,2}[.)])(?= +\S)/u;

/**
 * The column continuation lines of `visible` start at:
 *  - under the second column of a two-column line ("  --flag <x>   what it does", " ✔ id  title"),
 *    when that column starts in the left half;
 *  - else after a leading icon or bullet ("✖ text", "- text", "→ text");
 *  - else under the line's own indent.
 */
export function hangingIndent(visible: string, width: number): number {
  const lead = /^ */.exec(visible)![0].length;
  let textStart = lead;
  const mark = LEAD_MARK.exec(visible.slice(lead));
  if (mark) textStart += mark[0].length + /^ */.exec(visible.slice(lead + mark[0].length))![0].length;
  let hang = displayWidth(visible.slice(0, textStart));
  // A gap of two or more spaces after some text: a second column.
  const gap = / {2,}(?=\S)/.exec(visible.slice(textStart));
  if (gap) {
    const col = displayWidth(visible.slice(0, textStart + gap.index + gap[0].length));
    if (col <= Math.floor(width / 2)) hang = col;
  }
  return hang <= Math.floor(width / 2) ? hang : Math.min(lead, Math.floor(width / 4));
}

/** One line (no LF in it) wrapped to `width`; returns the physical lines. */
export function wrapLine(line: string, width: number, opts: WrapOptions = {}): string[] {
  const zw = opts.zeroWidth;
  const measure = (s: string) => displayWidth(s, zw);
  if (measure(line) <= width) return [line];
  const visible = zw ? line.replace(zw, '') : line;
  const hang = opts.hang ?? hangingIndent(visible, width);
  const lead = /^ */.exec(line)![0];
  // Words and the spaces before them; style markers travel with the word they touch.
  const parts = line.slice(lead.length).match(/ +|[^ ]+/g) ?? [];
  const lines: string[] = [];
  let cur = lead;
  let curWidth = measure(lead);
  let hasWord = false;
  let pendingSpace = '';
  for (const part of parts) {
    if (part.startsWith(' ')) {
      pendingSpace = part;
      continue;
    }
    const w = measure(part);
    if (!hasWord) {
      cur += pendingSpace + part;
      curWidth += measure(pendingSpace) + w;
      hasWord = true;
    } else if (curWidth + pendingSpace.length + w <= width) {
      cur += pendingSpace + part;
      curWidth += pendingSpace.length + w;
    } else {
      lines.push(cur);
      cur = ' '.repeat(hang) + part;
      curWidth = hang + w;
    }
    pendingSpace = '';
  }
  lines.push(cur);
  return lines;
}

/** Every line of `text` wrapped to `width` (existing line breaks kept). */
export function wrapText(text: string, width: number, opts: WrapOptions = {}): string {
  if (!Number.isFinite(width) || width <= 0) return text;
  return text
    .split('\n')
    .flatMap((l) => wrapLine(l, width, opts))
    .join('\n');
}
