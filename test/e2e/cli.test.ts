import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

describe('alexa-link (built binary)', () => {
  it('--help lists the five commands and exits 0', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['init', 'configure', 'login', 'doctor', 'watch', 'demo']) expect(r.stdout).toMatch(new RegExp(`^\\s+${c}\\b`, 'm'));
    expect(r.stdout).toContain('--json');
    expect(r.stdout).toContain('--no-color');
  });

  it('--version matches package.json', async () => {
    for (const flag of ['--version', '-V']) {
      const r = await runCli([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toBe(pkg.version);
    }
  });

  it('an unknown command exits 2 with a suggestion on stderr', async () => {
    const r = await runCli(['doctr']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain("unknown command 'doctr'");
    expect(r.stderr).toContain('Did you mean doctor?');
  });

  it('an unknown flag exits 2 naming the flag', async () => {
    const r = await runCli(['doctor', '--frobnicate']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("unknown option '--frobnicate'");
  });

  it.each([
    ['an unknown flag', ['--json', 'doctor', '--frobnicate'], "unknown option '--frobnicate'"],
    ['an unknown command', ['--json', 'doctr'], "unknown command 'doctr'"],
    ['a value outside the choices', ['init', 'x', '--provider', 'keycloak', '--json'], "argument 'keycloak' is invalid"],
    ['no command', ['--json'], 'No command given.'],
    ['help for an unknown command', ['--json', 'help', 'nope'], "unknown command 'nope'"],
  ])('with --json, %s still gives one JSON error document (exit 2)', async (_name, args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout) as { ok: boolean; error: { code: string; message: string } };
    expect(doc.ok).toBe(false);
    expect(doc.error.code).toBe('E_USAGE');
    expect(doc.error.message).toContain(message);
  });

  it('--cwd that is not an existing directory is a usage error naming --cwd, and nothing is created', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'al-cwd-'));
    const missing = path.join(dir, 'missing');
    const r = await runCli(['--cwd', missing, 'init', 'x', '--yes', '--client-id', 'c', '--invocation', 'linked helper']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`--cwd ${missing} does not exist.`);
    expect(existsSync(missing)).toBe(false);
    const json = await runCli(['--json', '--cwd', 'missing', 'doctor'], { cwd: dir });
    expect(json.code).toBe(2);
    const doc = JSON.parse(json.stdout) as { error: { code: string; message: string } };
    expect(doc.error).toMatchObject({ code: 'E_USAGE', message: `--cwd missing (${missing}) does not exist.` });
  });

  it.each(['init', 'configure', 'login', 'doctor', 'watch', 'demo'])('%s --help writes every default the same way: (default: value), unquoted', async (name) => {
    const r = await runCli([name, '--help']);
    expect(r.code).toBe(0);
    const help = r.stdout.replace(/\s+/g, ' ');
    expect(help).not.toMatch(/\(default: "/);
    expect(help).not.toMatch(/\(default [^:]/);
  });

  it('no command prints help on stderr and exits 2', async () => {
    const r = await runCli([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('Usage: alexa-link');
  });

  it('--json writes exactly one JSON document on stdout, even on failure', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'al-json-'));
    const r = await runCli(['--json', 'configure', '--dry-run'], { cwd: dir });
    expect(r.code).not.toBe(0);
    const doc = JSON.parse(r.stdout) as { ok: boolean; error?: { message: string } };
    expect(doc.ok).toBe(false);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/); // no stack trace for a known error
  });

  it('NO_COLOR gives no escape codes, FORCE_COLOR gives them', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'al-color-'));
    const plain = await runCli(['configure', '--dry-run'], { cwd: dir });
    expect(plain.stderr).not.toMatch(/\x1b\[/);
    const forced = await runCli(['configure', '--dry-run'], { cwd: dir, env: { NO_COLOR: '', FORCE_COLOR: '1' } });
    expect(forced.stderr).toMatch(/\x1b\[/);
    const flag = await runCli(['--no-color', 'configure', '--dry-run'], { cwd: dir, env: { NO_COLOR: '', FORCE_COLOR: '1' } });
    expect(flag.stderr).not.toMatch(/\x1b\[/);
  });
});
