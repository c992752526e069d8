import { describe, expect, it } from 'vitest';
import { makeStyle, renderStyles, styleMarkerPattern } from '../../src/ui/color.js';
import { collectingOutput } from '../../src/ui/output.js';
import { supportsUnicode, terminalWidth, toAscii } from '../../src/ui/terminal.js';
import { displayWidth, hangingIndent, wrapLine, wrapText } from '../../src/ui/wrap.js';

describe('terminalWidth', () => {
  it.each([
    ['a terminal: its columns', { isTTY: true, columns: 132 }, { COLUMNS: '60' }, 132],
    ['a terminal without columns: COLUMNS', { isTTY: true }, { COLUMNS: '60' }, 60],
    ['not a terminal: COLUMNS', { isTTY: false, columns: 132 }, { COLUMNS: '60' }, 60],
    ['not a terminal, no COLUMNS: 80', { isTTY: false }, {}, 80],
    ['no stream at all: 80', undefined, {}, 80],
    ['COLUMNS that is not a number: 80', {}, { COLUMNS: 'wide' }, 80],
    ['COLUMNS 0: 80', {}, { COLUMNS: '0' }, 80],
    ['a tiny terminal is read as 20', { isTTY: true, columns: 8 }, {}, 20],
  ])('%s', (_name, stream, env, width) => {
    expect(terminalWidth(stream, env)).toBe(width);
  });
});

describe('supportsUnicode', () => {
  it.each([
    [{}, true],
    [{ LANG: 'en_US.UTF-8' }, true],
    [{ LANG: 'C.UTF-8' }, true],
    [{ LANG: 'de_DE.utf8' }, true],
    [{ LANG: 'C' }, false],
    [{ LANG: 'POSIX' }, false],
    [{ LC_ALL: 'C' }, false],
    [{ LC_ALL: 'C', LANG: 'en_US.UTF-8' }, false],
    [{ LC_ALL: 'en_US.UTF-8', LANG: 'C' }, true],
    [{ LC_CTYPE: 'C', LANG: 'en_US.UTF-8' }, false],
    [{ LC_ALL: '', LANG: 'en_US.UTF-8' }, true],
    [{ LANG: 'en_US.ISO-8859-1' }, false],
    [{ TERM: 'dumb', LANG: 'en_US.UTF-8' }, false],
    [{ TERM: 'xterm-256color', LANG: 'en_US.UTF-8' }, true],
  ])('%j → %s', (env, unicode) => {
    expect(supportsUnicode(env)).toBe(unicode);
  });
});

describe('toAscii', () => {
  it('turns icons, arrows and box drawing into ASCII and leaves other text alone', () => {
    expect(toAscii('✔ ok ⚠ warn ✖ fail · — “q” → x ├──▶│ café 私')).toBe('+ ok ! warn x fail . - "q" -> x +-->| café 私');
  });
  it('leaves ASCII text unchanged', () => {
    const text = 'alexa-link doctor --only linking-config (2/3 checks passed)';
    expect(toAscii(text)).toBe(text);
  });
});

describe('displayWidth', () => {
  it.each([
    ['ascii', 'hello', 5],
    ['accents precomposed', 'café', 4],
    ['combining accent', 'cafe\u0301', 4],
    ['wide East Asian', '私の', 4],
    ['emoji', 'a🙂b', 4],
    ['empty', '', 0],
  ])('%s', (_name, text, width) => {
    expect(displayWidth(text)).toBe(width);
  });
  it('style markers take no room', () => {
    const style = makeStyle(1);
    expect(displayWidth(style.red('✖') + ' ' + style.bold('x'), styleMarkerPattern())).toBe(3);
  });
});

describe('hangingIndent', () => {
  it.each([
    ['plain prose hangs under its indent', '    some words go here and more', 4],
    ['an icon: under the text after it', ' ✖ something failed here and more', 3],
    ['a bullet', '  - an item of a list', 4],
    ['an arrow', '      → fix this', 8],
    ['a number', '1. first', 3],
    ['two columns: under the second', '  --timeout <duration>  time limit per check', 24],
    ['an icon, then two columns', ' ✔ linking-config    Linking configuration rules', 21],
    ['a second column too far right is ignored', `${' '.repeat(2)}${'x'.repeat(50)}  description`, 2],
    ['a word with a dash is no bullet', '--flag description text', 0],
  ])('%s', (_name, line, hang) => {
    expect(hangingIndent(line, 80)).toBe(hang);
  });
});

describe('wrapLine / wrapText', () => {
  it('leaves a line that fits alone, spacing and all', () => {
    expect(wrapLine(' ✔ id    title   detail', 40)).toEqual([' ✔ id    title   detail']);
  });

  it('breaks at spaces, with a hanging indent', () => {
    const line = ' ✖ The token endpoint answered HTML instead of JSON, so Alexa cannot read the tokens it sent back.';
    expect(wrapLine(line, 40)).toEqual([
      ' ✖ The token endpoint answered HTML',
      '   instead of JSON, so Alexa cannot read',
      '   the tokens it sent back.',
    ]);
  });

  it('never breaks a URL or a path; one longer than the line stands alone', () => {
    const url = 'https://auth.example.com/oauth2/v1/authorize?client_id=abc&response_type=code';
    const lines = wrapLine(`Open ${url} to sign in, then come back.`, 40);
    expect(lines).toEqual(['Open', url, 'to sign in, then come back.']);
    const path = '/home/someone/projects/my-skill/.alexa-link/backups/2024-01-01T00-00-00.json';
    expect(wrapText(`  Backup written to ${path}.`, 30).split('\n')).toEqual(['  Backup written to', `  ${path}.`]);
  });

  it('no line is wider than the width unless it is one unbreakable word', () => {
    const text = 'word '.repeat(50) + 'https://example.com/' + 'a'.repeat(80) + ' and more words after it to wrap';
    for (const width of [20, 33, 60, 80]) {
      for (const l of wrapText(text, width).split('\n')) {
        if (displayWidth(l) > width) expect(l.trim()).not.toContain(' ');
      }
    }
  });

  it('keeps line breaks and wraps each line on its own', () => {
    expect(wrapText('short\n  a second line that is longer than twenty', 20)).toBe('short\n  a second line that\n  is longer than\n  twenty');
  });

  it('measures wide characters by their columns', () => {
    expect(wrapLine('私の スキル 名前 です です', 10)).toEqual(['私の', 'スキル', '名前 です', 'です']);
  });

  it('style markers do not count, and survive the break', () => {
    const style = makeStyle(1);
    const line = `${style.red('✖')} ${style.bold('linking-config')} the authorization URL is not HTTPS on port 443`;
    const wrapped = wrapText(line, 30, { zeroWidth: styleMarkerPattern() });
    expect(renderStyles(wrapped, 0)).toBe('✖ linking-config the\n  authorization URL is not\n  HTTPS on port 443');
    expect(renderStyles(wrapped, 1)).toContain('\x1b[31m✖\x1b[39m');
  });
});

describe('Output wraps and falls back to ASCII', () => {
  it('wraps stdout and stderr to their own widths', () => {
    const { out, stdout, stderr } = collectingOutput({ stdoutWidth: 30, stderrWidth: 50 });
    const text = 'The provider answered the made-up code with an OAuth error in JSON, as it should.';
    out.print(text);
    out.info(text);
    expect(stdout()).toBe('The provider answered the\nmade-up code with an OAuth\nerror in JSON, as it should.\n');
    expect(stderr()).toBe('The provider answered the made-up code with an\nOAuth error in JSON, as it should.\n');
  });

  it('leaves preformatted text alone', () => {
    const { out, stdout } = collectingOutput({ stdoutWidth: 20 });
    out.print('    const token = handlerInput.requestEnvelope.context.System.user.accessToken;', { preformatted: true });
    expect(stdout()).toBe('    const token = handlerInput.requestEnvelope.context.System.user.accessToken;\n');
  });

  it('writes symbols in ASCII when the terminal has no Unicode', () => {
    const { out, stderr } = collectingOutput({ unicode: false });
    out.success('done → next');
    out.warn('careful');
    out.error('broken');
    expect(stderr()).toBe('+ done -> next\n! careful\nx broken\n');
    expect(out.symbol('✔')).toBe('+');
  });

  it('wraps after redaction and neutralising: a secret is never split across lines unredacted', () => {
    const secret = 'Atza|IwEBIJ-abcdefghijklmnopqrstuvwxyz0123456789abcdefghijkl';
    const { out, stdout } = collectingOutput({ stdoutWidth: 24 });
    out.addSecret(secret);
    out.print(`the token ${secret} and \x1b[2J more words here`);
    expect(stdout()).not.toContain(secret.slice(10));
    expect(stdout()).toContain('\\x1b[2J');
  });
});
