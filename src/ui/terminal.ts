/**
 * What the terminal in front of us can show: how wide it is, and whether it can draw Unicode
 * symbols. Pure (the streams and environment come in), so every part that writes (Output,
 * commander's help, prompts) decides the same way.
 */

/** The slice of a stream these decisions read. */
export interface StreamShape {
  isTTY?: boolean;
  columns?: number;
}

/** Narrower than this, nothing reads well; text is wrapped as if the terminal were this wide. */
export const MIN_WIDTH = 20;
export const DEFAULT_WIDTH = 80;

function positive(n: unknown): number | undefined {
  const v = typeof n === 'string' ? Number(n.trim()) : n;
  return typeof v === 'number' && Number.isInteger(v) && v > 0 ? v : undefined;
}

/**
 * The width to wrap a stream's text to: the terminal's columns when the stream is a terminal;
 * otherwise COLUMNS (what a shell exports, and what a test or a pager asks for); otherwise 80.
 */
export function terminalWidth(stream: StreamShape | undefined, env: NodeJS.ProcessEnv): number {
  const fromTty = stream?.isTTY ? positive(stream.columns) : undefined;
  const width = fromTty ?? positive(env.COLUMNS) ?? DEFAULT_WIDTH;
  return Math.max(MIN_WIDTH, width);
}

/**
 * Whether the terminal can show Unicode symbols (✔ ⚠ ✖ → │). Not on TERM=dumb (a bare serial
 * console, Emacs' shell), nor when the locale says the terminal's character set is not UTF-8: the
 * first of LC_ALL, LC_CTYPE, LANG that is set decides (POSIX's order); C and POSIX are ASCII.
 * With none of them set (Windows, a bare container) Unicode is assumed: terminals today show it.
 */
export function supportsUnicode(env: NodeJS.ProcessEnv): boolean {
  if (env.TERM === 'dumb') return false;
  const locale = [env.LC_ALL, env.LC_CTYPE, env.LANG].find((v) => v !== undefined && v !== '');
  if (locale === undefined) return true;
  return /utf-?8/i.test(locale);
}

/**
 * The symbols alexa-link draws, and what each becomes on a terminal without Unicode. Only these
 * change: icons, arrows, box drawing and the few typographic marks used as separators; every
 * other character (a skill's name, a provider's message) is left as it is.
 */
export const ASCII_FALLBACK: Readonly<Record<string, string>> = {
  '✔': '+',
  '✓': '+',
  '⚠': '!',
  '✖': 'x',
  '✗': 'x',
  '·': '.',
  '•': '*',
  '…': '...',
  '→': '->',
  '←': '<-',
  '⇒': '=>',
  '▶': '>',
  '◀': '<',
  '▸': '>',
  '─': '-',
  '━': '-',
  '│': '|',
  '┃': '|',
  '├': '+',
  '┤': '+',
  '┼': '+',
  '┌': '+',
  '┐': '+',
  '└': '+',
  '┘': '+',
  '┬': '+',
  '┴': '+',
  '—': '-',
  '–': '-',
  '“': '"',
  '”': '"',
  '‘': "'",
  '’': "'",
  '≥': '>=',
  '≤': '<=',
  '↳': '->',
  '−': '-',
  '×': 'x',
  '§': 'section ',
};

const FALLBACK_CHARS = new RegExp(`[${Object.keys(ASCII_FALLBACK).join('')}]`, 'gu');

/** The text with alexa-link's symbols in ASCII (see ASCII_FALLBACK). */
export function toAscii(text: string): string {
  return text.replace(FALLBACK_CHARS, (c) => ASCII_FALLBACK[c] ?? c);
}

/** What the terminal of one stream can show. */
export interface TerminalCaps {
  width: number;
  unicode: boolean;
}

export function terminalCaps(stream: StreamShape | undefined, env: NodeJS.ProcessEnv): TerminalCaps {
  return { width: terminalWidth(stream, env), unicode: supportsUnicode(env) };
}
