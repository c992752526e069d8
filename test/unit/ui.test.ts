import { describe, expect, it } from 'vitest';
import { colorLevel } from '../../src/ui/color.js';
import { collectingOutput } from '../../src/ui/output.js';
import { redact, redactObject, redactText } from '../../src/ui/redact.js';
import { createPrompter } from '../../src/ui/prompt.js';
import { UsageError } from '../../src/errors.js';
import { parseDuration } from '../../src/ui/duration.js';

const TOKEN = 'Atza|IwEBIJ-abcdefghijklmnopqrstuvwxyz0123456789';

describe('redaction', () => {
  it('shows first characters and length only', () => {
    expect(redact(TOKEN)).toBe(`Atza… (${TOKEN.length} chars)`);
    expect(redact('short')).toBe('… (5 chars)');
    expect(redact(undefined)).toBe('(none)');
  });
  it('scrubs known values, also URL-encoded, and secret-looking fields', () => {
    const text = `token=${encodeURIComponent(TOKEN)} raw ${TOKEN} {"client_secret": "abcdefgh1234", "refresh_token":"Atzr|xyz1234567890"} Authorization: Basic dXNlcjpwYXNzd29yZA== code=SplxlOBeZQQYbYS6WxSbIA`;
    const out = redactText(text, [TOKEN]);
    expect(out).not.toContain(TOKEN);
    expect(out).not.toContain(encodeURIComponent(TOKEN));
    expect(out).not.toContain('abcdefgh1234');
    expect(out).not.toContain('Atzr|xyz1234567890');
    expect(out).not.toContain('dXNlcjpwYXNzd29yZA==');
    expect(out).not.toContain('SplxlOBeZQQYbYS6WxSbIA');
  });
  it('redacts secret keys deep in objects', () => {
    expect(redactObject({ a: { accessToken: TOKEN, keep: 'x' } })).toEqual({ a: { accessToken: `Atza… (${TOKEN.length} chars)`, keep: 'x' } });
  });
});

describe('output', () => {
  it('with --json prints one document on stdout and nothing else there', () => {
    const { out, stdout, stderr } = collectingOutput({ json: true });
    out.print('human text');
    out.info('progress');
    out.result({ ok: true });
    expect(JSON.parse(stdout())).toEqual({ ok: true });
    expect(stderr()).toBe('progress\n');
    expect(() => out.result({})).toThrow(/twice/);
  });
  it('never prints a registered secret whole', () => {
    const { out, stdout, stderr } = collectingOutput();
    out.addSecret(TOKEN);
    out.print(`token ${TOKEN}`);
    out.warn(`again ${TOKEN}`);
    expect(stdout() + stderr()).not.toContain(TOKEN);
  });
});

describe('colour', () => {
  it.each([
    [{ flag: true, env: {}, isTTY: true }, 1],
    [{ flag: false, env: {}, isTTY: true }, 0],
    [{ flag: true, env: { NO_COLOR: '1' }, isTTY: true }, 0],
    [{ flag: true, env: { NO_COLOR: '' }, isTTY: true }, 1],
    [{ flag: true, env: {}, isTTY: false }, 0],
    [{ flag: true, env: { FORCE_COLOR: '1' }, isTTY: false }, 1],
    [{ flag: true, env: { FORCE_COLOR: '0' }, isTTY: true }, 0],
  ])('%j → level %i', (opts, level) => {
    expect(colorLevel(opts)).toBe(level);
  });
});

describe('prompter', () => {
  it('refuses to prompt when not interactive, naming the flag', async () => {
    const p = createPrompter(false);
    await expect(p.input({ message: 'Client ID?', flag: '--client-id' })).rejects.toBeInstanceOf(UsageError);
    await expect(p.select({ message: 'Provider?', flag: '--provider', choices: [{ value: 'lwa' }] })).rejects.toThrow(/--provider/);
  });
});

describe('durations', () => {
  const ms = { flag: '--timeout', bare: 'ms' as const, minMs: 100, maxMs: 600_000 };
  const s = { flag: '--timeout', bare: 's' as const, minMs: 100, maxMs: 3_600_000 };
  it.each([
    ['1500', ms, 1500],
    ['1500ms', ms, 1500],
    ['30s', ms, 30_000],
    ['2m', ms, 120_000],
    ['1.5s', ms, 1500],
    ['300', s, 300_000],
    ['500ms', s, 500],
    [' 5M ', s, 300_000],
  ] as const)('%s → %i ms', (value, rule, expected) => {
    expect(parseDuration(value, rule)).toBe(expected);
  });
  it.each([
    ['soon', /--timeout: "soon" is not a duration; write 1500, 1500ms, 30s or 2m/],
    ['-5', /is not a duration/],
    ['5h', /is not a duration/],
    ['50', /--timeout: 50 is out of range; it must be between 100ms and 10m/],
    ['11m', /out of range/],
  ])('%s is a usage error naming the flag', (value, message) => {
    expect(() => parseDuration(value, ms)).toThrow(UsageError);
    expect(() => parseDuration(value, ms)).toThrow(message);
  });
});
