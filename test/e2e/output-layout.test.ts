import { afterAll, describe, expect, it } from 'vitest';
import { parseConfigureOptions } from '../../src/commands/configure.js';
import { parseDoctorFlags } from '../../src/commands/doctor.js';
import { parseLoginOptions } from '../../src/commands/login.js';
import { displayWidth } from '../../src/ui/wrap.js';
import { runCli } from '../support/cli.js';
import { removeTempDirs, tempDir } from '../support/skill-project.js';

/**
 * Output that fits a terminal (issue 16), through the built CLI: every help page wrapped to 60
 * and 120 columns with the global options at its end, the ASCII fallback (TERM=dumb, LANG=C), and
 * every --timeout in seconds unless it says its unit, under 100 ms refused.
 */
afterAll(removeTempDirs);

const COMMANDS = ['init', 'configure', 'login', 'doctor', 'watch', 'completion', 'demo'];

/** Lines wider than `width` that are not one unbreakable word (a URL or a path) after their indent. */
function tooWide(text: string, width: number): string[] {
  return text.split('\n').filter((l) => displayWidth(l) > width && /\S\s+\S/.test(l.trim()));
}

describe('help fits the terminal and ends with the global options', () => {
  for (const width of [60, 120]) {
    it.each(['', ...COMMANDS])(`%s --help at ${width} columns`, async (command) => {
      const r = await runCli([...(command ? [command] : []), '--help'], { env: { COLUMNS: String(width) } });
      expect(r.code).toBe(0);
      expect(tooWide(r.stdout, width)).toEqual([]);
      if (command) {
        const globals = r.stdout.slice(r.stdout.indexOf('Global Options:'));
        expect(r.stdout).toContain('Global Options:');
        for (const flag of ['--json', '--no-color', '-v, --verbose', '--cwd <dir>']) expect(globals).toContain(flag);
        // After the command's own options, as gh shows inherited flags.
        expect(r.stdout.indexOf('Global Options:')).toBeGreaterThan(r.stdout.indexOf('Options:'));
        expect(globals).not.toContain('--version');
      }
    });
  }

  it('at 60 columns an option whose description does not fit beside it wraps under it, not past the edge', async () => {
    const r = await runCli(['configure', '--help'], { env: { COLUMNS: '60' } });
    expect(r.stdout).toMatch(/ {2}--client-secret-env <VAR> {2}environment variable holding\n {29}the client secret \(default:\n/);
  });

  it('on a very narrow terminal descriptions go under their option', async () => {
    const r = await runCli(['login', '--help'], { env: { COLUMNS: '40' } });
    expect(r.stdout).toMatch(/\n {2}--client-secret-env <VAR>\n {6}environment variable holding the\n/);
    expect(tooWide(r.stdout, 40)).toEqual([]);
  });

  it.each(['configure', 'login', 'doctor', 'demo'])('%s --help says what a bare --timeout number means', async (command) => {
    const r = await runCli([command, '--help']);
    expect(r.stdout.replace(/\s+/g, ' ')).toMatch(/--timeout <duration> .*seconds, or with a unit: 1500ms, 30s, 5m \(default: \d+[sm]\)/);
  });
});

describe('doctor --help lists every check', () => {
  it('from the check list the registry agrees with: each id with its title', async () => {
    const { CHECK_LIST } = await import('../../src/doctor/check-list.js');
    const r = await runCli(['doctor', '--help'], { env: { COLUMNS: '120' } });
    const list = r.stdout.slice(r.stdout.indexOf('Checks (for --only):'));
    for (const c of CHECK_LIST) expect(list).toMatch(new RegExp(`\\n {2}${c.id} +${c.title.replace(/[()]/g, '\\$&')}\\n`));
    expect(list).toContain('  alexa-client-credentials  Alexa client credentials: set for AcceptGrant');
  });
});

describe('text from the command line is neutralised in messages', () => {
  it('U+2028 and U+2029 in a flag value are shown escaped, not as line breaks', async () => {
    const r = await runCli(['doctor', '--skill-id', 'amzn1\u2028two\u2029three'], { cwd: await tempDir('al-ls-') });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('amzn1\\u2028two\\u2029three');
    expect(r.stderr).not.toMatch(/[\u2028\u2029]/);
  });
});

describe('ASCII on a terminal that cannot show Unicode', () => {
  const INIT = ['init', 'p', '--yes', '--client-id', 'c', '--invocation', 'linked helper', '--provider', 'lwa'];
  it.each([
    ['TERM=dumb', { TERM: 'dumb' }],
    ['LANG=C', { LANG: 'C', LC_ALL: '', LC_CTYPE: '' }],
    ['LC_ALL=POSIX', { LC_ALL: 'POSIX', LANG: 'en_US.UTF-8' }],
  ])('%s: icons and arrows in ASCII, the rest unchanged', async (_name, env) => {
    const cwd = await tempDir('al-ascii-');
    const r = await runCli(INIT, { cwd, env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^\+ Created "P Skill"|^\+ Created "/m);
    expect(r.stderr + r.stdout).not.toMatch(/[✔✖⚠→…·│─]/);
  });
  it('a UTF-8 locale keeps the symbols', async () => {
    const cwd = await tempDir('al-unicode-');
    const r = await runCli(INIT, { cwd, env: { LANG: 'en_US.UTF-8', LC_ALL: '', TERM: 'xterm-256color' } });
    expect(r.stderr).toMatch(/^✔ Created "/m);
  });
  it('help is ASCII too', async () => {
    const r = await runCli(['configure', '--help'], { env: { TERM: 'dumb' } });
    expect(r.stdout).toContain('(.alexa-link/backups/...)');
    expect(r.stdout).not.toMatch(/[^\x00-\x7f]/);
  });
});

describe('every --timeout: a bare number is seconds; under 100 ms is refused', () => {
  it('each command reads a bare number as seconds', () => {
    expect(parseDoctorFlags({ timeout: '2' }, { cwd: '/tmp', verbose: false }).timeoutMs).toBe(2000);
    expect(parseConfigureOptions({ timeout: '2' }, '/tmp').timeoutMs).toBe(2000);
    expect(parseLoginOptions({ timeout: '2' }, '/tmp').timeoutMs).toBe(2000);
    expect(parseDoctorFlags({ timeout: '1500ms' }, { cwd: '/tmp', verbose: false }).timeoutMs).toBe(1500);
    expect(parseConfigureOptions({ timeout: '1m' }, '/tmp').timeoutMs).toBe(60_000);
  });

  it.each(['doctor', 'configure', 'login', 'demo'])('%s --timeout 30ms: exit 2 naming the flag, before anything runs', async (command) => {
    const cwd = await tempDir('al-timeout-');
    const r = await runCli([command, '--timeout', '30ms'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/✖ --timeout: 30ms is 30ms, under 100ms: too short for anything to answer, so probably a mistake\.\n {2}A bare number is in seconds \(--timeout 30 waits 30 seconds\)/);
    expect(r.stdout).toBe('');
  });

  it.each(['doctor', 'configure', 'login', 'demo'])('%s --timeout soon: exit 2 saying how to write one', async (command) => {
    const cwd = await tempDir('al-timeout-');
    const r = await runCli([command, '--timeout', 'soon'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--timeout: "soon" is not a duration; write 30, 30s, 1500ms or 5m \(a bare number is in seconds\)/);
  });

  it('doctor --timeout 1 waits one second, not one millisecond (a hanging skill is judged after 1 s)', async () => {
    const cwd = await tempDir('al-timeout-doctor-');
    const { writeFile } = await import('node:fs/promises');
    const path = await import('node:path');
    await writeFile(path.join(cwd, 'hang.cjs'), 'exports.handler = () => new Promise(() => {});\n');
    const started = Date.now();
    const r = await runCli(['--json', 'doctor', '--only', 'replays', '--handler', 'hang.cjs', '--timeout', '1'], { cwd });
    expect(Date.now() - started).toBeGreaterThan(1000);
    const doc = JSON.parse(r.stdout) as { replays: Array<{ explanation: string }> };
    expect(doc.replays[0]!.explanation).toMatch(/did not answer within 1000 ms/);
  });
});
