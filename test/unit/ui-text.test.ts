import { describe, expect, it } from 'vitest';
import { makeStyle, renderStyles } from '../../src/ui/color.js';
import { collectingOutput } from '../../src/ui/output.js';
import { hasControl, jsonForTerminal, neutralizeControl } from '../../src/ui/text.js';

describe('neutralizeControl', () => {
  it.each([
    ['plain text', 'Hello, linked user. ✔ café', 'Hello, linked user. ✔ café'],
    ['CSI clear screen', 'a\x1b[2Jb', 'a\\x1b[2Jb'],
    ['SGR colour from outside', '\x1b[31mred\x1b[0m', '\\x1b[31mred\\x1b[0m'],
    ['OSC 8 hyperlink with BEL', '\x1b]8;;https://evil/\x07click\x1b]8;;\x07', '\\x1b]8;;https://evil/\\x07click\\x1b]8;;\\x07'],
    ['OSC 8 hyperlink with ST', '\x1b]8;;https://evil/\x1b\\click', '\\x1b]8;;https://evil/\\x1b\\click'],
    ['OSC 0 window title', '\x1b]0;pwned\x07', '\\x1b]0;pwned\\x07'],
    ['lone CR', 'real\rFAKE', 'real\\x0dFAKE'],
    ['CRLF is a line break', 'one\r\ntwo', 'one\ntwo'],
    ['LF and TAB stay', 'a\tb\nc', 'a\tb\nc'],
    ['NUL, BS, VT, FF', '\x00\x08\x0b\x0c', '\\x00\\x08\\x0b\\x0c'],
    ['DEL', 'x\x7fy', 'x\\x7fy'],
    ['C1 CSI and NEL', '\x9b31m\x85', '\\x9b31m\\x85'],
    ['bidi override and isolates', '\u202eabc\u202c \u2066d\u2069 \u202a\u202b\u202d\u2067\u2068', '\\u202eabc\\u202c \\u2066d\\u2069 \\u202a\\u202b\\u202d\\u2067\\u2068'],
    ['line and paragraph separators', 'one\u2028two\u2029three', 'one\\u2028two\\u2029three'],
    ['implicit bidi marks stay', 'a\u200eb\u200fc\u061cd', 'a\u200eb\u200fc\u061cd'],
    ['non-BMP text stays', 'emoji 🙂 and 𝔘', 'emoji 🙂 and 𝔘'],
  ])('%s', (_name, input, expected) => {
    expect(neutralizeControl(input)).toBe(expected);
  });

  it('escapes line breaks too for one-line fields', () => {
    expect(neutralizeControl('a\nb\r\nc\rd', { newlines: 'escape' })).toBe('a\\x0ab\\x0d\\x0ac\\x0dd');
  });

  it('its output holds no control character but LF and TAB (every BMP code point)', () => {
    let all = '';
    for (let c = 0; c < 0x10000; c++) if (c < 0xd800 || c > 0xdfff) all += String.fromCharCode(c);
    const out = neutralizeControl(all);
    expect(hasControl(out)).toBe(false);
    expect(out.replace(/[^\n\t]/g, '')).toBe('\t\n');
  });
});

describe('jsonForTerminal', () => {
  it('keeps the exact strings and writes DEL, C1, bidi controls and U+2028/9 as \\u escapes', () => {
    const value = { s: 'a\x1b[2J\x07\r\x7f\x9b\u202e\u2028\u2029\u2066z' };
    const json = jsonForTerminal(value, 2);
    expect(JSON.parse(json)).toEqual(value);
    // Only the line breaks of the indentation remain raw.
    expect(json).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]/);
    expect(json).toContain('\\u001b[2J\\u0007\\r\\u007f\\u009b\\u202e\\u2028\\u2029\\u2066');
  });
});

describe('styles: markers that only Output turns into colours', () => {
  it('with colour off, a style returns the text unchanged', () => {
    expect(makeStyle(0).red('x')).toBe('x');
  });

  it('renders to chalk SGR sequences, nested styles reopened like chalk does', () => {
    const s = makeStyle(1);
    expect(renderStyles(s.red('x'), 1)).toBe('\x1b[31mx\x1b[39m');
    expect(renderStyles(s.dim(`a ${s.bold('b')} c`), 1)).toBe('\x1b[2ma \x1b[1mb\x1b[22m\x1b[2m c\x1b[22m');
    expect(renderStyles(s.green('a\nb'), 1)).toBe('\x1b[32ma\x1b[39m\n\x1b[32mb\x1b[39m');
    expect(renderStyles(s.red('x'), 0)).toBe('x');
  });

  it('Output keeps its own colours and neutralises escape sequences inside styled text from outside', () => {
    const { out, stdout, stderr } = collectingOutput({ stdoutColor: 1, stderrColor: 1 });
    const hostile = 'desc \x1b[2J\x1b]8;;https://evil/\x07link\x1b]8;;\x07\rX';
    out.print(`${out.style.green('✔')} ${out.style.dim(hostile)}`);
    out.error(hostile);
    expect(stdout()).toBe('\x1b[32m✔\x1b[39m \x1b[2mdesc \\x1b[2J\\x1b]8;;https://evil/\\x07link\\x1b]8;;\\x07\\x0dX\x1b[22m\n');
    expect(stderr()).toBe('\x1b[31m✖\x1b[39m desc \\x1b[2J\\x1b]8;;https://evil/\\x07link\\x1b]8;;\\x07\\x0dX\n');
  });

  it('text from outside cannot forge a marker', () => {
    const { out, stdout } = collectingOutput({ stdoutColor: 1 });
    // The marker characters without this process's nonce, and a guessed nonce, stay inert text.
    out.print('\uE000red\uE001x\uE000/red\uE001 \uE000AAAAAAAAAAAAAAAA/red\uE001');
    expect(stdout()).not.toMatch(/\x1b/);
  });

  it('with colour off the markers disappear and hostile ESC is still neutralised', () => {
    const { out, stdout } = collectingOutput({ stdoutColor: 0 });
    out.print(`${makeStyle(1).red('a')} \x1b[2J`);
    expect(stdout()).toBe('a \\x1b[2J\n');
  });

  it('--json: the document keeps exact strings, safe for a terminal', () => {
    const { out, stdout } = collectingOutput({ json: true });
    const doc = { detail: 'x\x1b[2J\x9b\u202e' };
    out.result(doc);
    expect(JSON.parse(stdout())).toEqual({ schemaVersion: 1, ...doc });
    expect(stdout()).not.toMatch(/[\x1b\x9b\u202e]/);
  });
});
