import { describe, expect, it } from 'vitest';
import { colorLevel } from '../../src/ui/color.js';
import { collectingOutput } from '../../src/ui/output.js';
import { redact, redactObject, redactText } from '../../src/ui/redact.js';
import { createPrompter } from '../../src/ui/prompt.js';
import { UsageError } from '../../src/errors.js';
import { durationHelp, formatDuration, parseDuration } from '../../src/ui/duration.js';

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
    expect(JSON.parse(stdout())).toEqual({ schemaVersion: 1, ok: true });
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
  const rule = { flag: '--timeout', minMs: 100, maxMs: 600_000 };
  const long = { flag: '--timeout', minMs: 100, maxMs: 3_600_000 };
  it.each([
    ['a bare number is seconds', '30', rule, 30_000],
    ['1500ms', '1500ms', rule, 1500],
    ['30s', '30s', rule, 30_000],
    ['2m', '2m', rule, 120_000],
    ['1.5s', '1.5s', rule, 1500],
    ['0.5 (seconds)', '0.5', rule, 500],
    ['300 (seconds)', '300', long, 300_000],
    ['500ms', '500ms', long, 500],
    ['upper case unit, spaces', ' 5M ', long, 300_000],
    ['1h', '1h', long, 3_600_000],
    ['exactly 100ms', '100ms', rule, 100],
  ] as const)('%s → %i ms', (_name, value, r, expected) => {
    expect(parseDuration(value, r)).toBe(expected);
  });
  it.each([
    ['soon', /--timeout: "soon" is not a duration; write 30, 30s, 1500ms or 5m \(a bare number is in seconds\)/],
    ['-5', /is not a duration/],
    ['5d', /is not a duration/],
    ['50ms', /--timeout: 50ms is 50ms, under 100ms: too short for anything to answer, so probably a mistake/],
    ['0', /--timeout: 0 is 0ms, under 100ms/],
    ['0.05', /--timeout: 0.05 is 50ms, under 100ms/],
    ['11m', /--timeout: 11m is out of range; it must be between 100ms and 10m/],
    ['601', /out of range/],
  ])('%s is a usage error naming the flag', (value, message) => {
    expect(() => parseDuration(value, rule)).toThrow(UsageError);
    expect(() => parseDuration(value, rule)).toThrow(message);
  });
  it('under 100ms is refused even where a command would allow less', () => {
    expect(() => parseDuration('99ms', { flag: '--x', minMs: 1, maxMs: 1000 })).toThrow(/under 100ms/);
  });
  it('the hint says a bare number is seconds', () => {
    try {
      parseDuration('30ms', rule);
      expect.unreachable();
    } catch (err) {
      expect((err as UsageError).hint).toMatch(/A bare number is in seconds \(--timeout 30 waits 30 seconds\)/);
    }
  });
  it.each([
    [100, '100ms'],
    [1500, '1500ms'],
    [30_000, '30s'],
    [300_000, '5m'],
    [3_600_000, '1h'],
  ])('formatDuration(%i) = %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
  it('every help line says the same about units', () => {
    expect(durationHelp(10_000)).toBe('seconds, or with a unit: 1500ms, 30s, 5m (default: 10s)');
  });
});
