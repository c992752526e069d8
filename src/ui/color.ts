import { randomBytes } from 'node:crypto';
import { Chalk } from 'chalk';

/**
 * Colour is on only when the stream is a TTY, `--no-color` was not given and NO_COLOR is unset
 * or empty (chalk does not honour NO_COLOR by itself). FORCE_COLOR=1..3 forces it on.
 */
export function colorLevel(opts: {
  flag: boolean;
  env: NodeJS.ProcessEnv;
  isTTY: boolean | undefined;
}): 0 | 1 | 2 | 3 {
  if (!opts.flag) return 0;
  if (opts.env.NO_COLOR !== undefined && opts.env.NO_COLOR !== '') return 0;
  const force = opts.env.FORCE_COLOR;
  if (force !== undefined && force !== '') {
    if (force === '0' || force === 'false') return 0;
    const n = Number(force);
    return n >= 1 && n <= 3 ? (n as 1 | 2 | 3) : 1;
  }
  if (!opts.isTTY) return 0;
  if (opts.env.TERM === 'dumb') return 0;
  if (opts.env.COLORTERM === 'truecolor' || opts.env.COLORTERM === '24bit') return 3;
  return /256/.test(opts.env.TERM ?? '') ? 2 : 1;
}

/**
 * alexa-link's own styling, kept apart from text that comes from outside.
 *
 * Every line Output writes is neutralised (src/ui/text.ts): an ESC in it becomes the visible
 * `\x1b`. Our own colours must survive that, so a style does not put escape sequences into the
 * string: it puts markers, made of private-use characters around a random nonce that exists only
 * in this process and is never printed. Output neutralises the whole line first (the markers are
 * not control characters, so they pass) and then turns the markers into chalk's SGR sequences,
 * or removes them when the stream has no colour. Text from outside cannot forge a marker: it would
 * have to know the nonce. And nothing can be forgotten: whatever is not a marker is neutralised.
 *
 * A style applied with colour off (level 0) returns the text unchanged.
 */
export type StyleName = 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'cyan';
export type Style = Record<StyleName, (text: string) => string>;

const STYLE_NAMES: readonly StyleName[] = ['bold', 'dim', 'red', 'green', 'yellow', 'cyan'];
const NONCE = randomBytes(12).toString('base64url');
const START = '\uE000';
const END = '\uE001';
const marker = (name: StyleName, close: boolean) => `${START}${NONCE}${close ? '/' : ''}${name}${END}`;
const MARKER = new RegExp(`${START}${NONCE}(/?)(${STYLE_NAMES.join('|')})${END}`, 'g');

/** The style markers in a text (they take no room on the terminal: src/ui/wrap.ts skips them when measuring). */
export function styleMarkerPattern(): RegExp {
  return new RegExp(MARKER.source, 'g');
}

/** SGR open and close sequences, as chalk writes them. */
const SGR: Record<StyleName, { open: string; close: string }> = (() => {
  const chalk = new Chalk({ level: 1 });
  const out = {} as Record<StyleName, { open: string; close: string }>;
  for (const name of STYLE_NAMES) {
    const [open = '', close = ''] = chalk[name]('\u0000').split('\u0000');
    out[name] = { open, close };
  }
  return out;
})();

/**
 * Styles whose closing sequence is shared (bold and dim both end with SGR 22; the colours with 39):
 * an inner style's close would end the outer one too, so the outer one is reopened after it, as
 * chalk does.
 */
const SAME_CLOSE: Record<StyleName, StyleName[]> = Object.fromEntries(
  STYLE_NAMES.map((n) => [n, STYLE_NAMES.filter((m) => SGR[m].close === SGR[n].close)]),
) as Record<StyleName, StyleName[]>;

const PLAIN: Style = Object.fromEntries(STYLE_NAMES.map((n) => [n, (text: string) => text])) as Style;

function styleWith(name: StyleName): (text: string) => string {
  const open = marker(name, false);
  const close = marker(name, true);
  return (text: string) => {
    let inner = String(text);
    for (const other of SAME_CLOSE[name]) inner = inner.split(marker(other, true)).join(marker(other, true) + open);
    // Each line styled on its own, so a pager or a terminal that resets per line keeps it.
    inner = inner.replace(/\n/g, `${close}\n${open}`);
    return open + inner + close;
  };
}

const MARKED: Style = Object.fromEntries(STYLE_NAMES.map((n) => [n, styleWith(n)])) as Style;

/** The styles for a stream: markers when it has colour, plain text otherwise. */
export function makeStyle(level: 0 | 1 | 2 | 3): Style {
  return level === 0 ? PLAIN : MARKED;
}

/** Turns style markers into SGR sequences (colour on) or removes them (colour off). */
export function renderStyles(text: string, level: 0 | 1 | 2 | 3): string {
  if (!text.includes(START)) return text;
  return text.replace(MARKER, (_m, close: string, name: StyleName) => (level === 0 ? '' : close ? SGR[name].close : SGR[name].open));
}
