import { describe, expect, it } from 'vitest';
import { basicAuthorization, tokenRequest } from '../../src/oauth/token-exchange.js';
import { excerpt, redact, redactText } from '../../src/ui/redact.js';
import { formEncode, jsonEscape, SecretSet, secretEncodings } from '../../src/ui/secrets.js';

const SECRET = 'Se cr"et\\+/=&%!*()~ 42';
const CLIENT = 'client id!';

describe('SecretSet: every encoding alexa-link produces of a secret', () => {
  const set = new SecretSet();
  set.add(SECRET, { basicUser: CLIENT });

  it.each([
    ['as is', SECRET],
    ['encodeURIComponent', encodeURIComponent(SECRET)],
    ['form-encoded (+ for a space)', formEncode(SECRET)],
    ['JSON-escaped', jsonEscape(SECRET)],
    ['Basic base64(id:secret)', Buffer.from(`${CLIENT}:${SECRET}`).toString('base64')],
    ['Basic base64(urlencode(id):urlencode(secret)), what alexa-link sends', basicAuthorization(CLIENT, SECRET).slice('Basic '.length)],
    ["base64 (a skill logging Buffer.from(token).toString('base64'))", Buffer.from(SECRET).toString('base64')],
    ['base64 without padding', Buffer.from(SECRET).toString('base64').replace(/=+$/, '')],
    ['base64url', Buffer.from(SECRET).toString('base64url')],
  ])('%s is redacted', (_kind, shape) => {
    const out = redactText(`before ${shape} after`, set);
    expect(out).not.toContain(shape);
    expect(out).toBe(`before ${_kind === 'JSON-escaped' ? jsonEscape(redact(SECRET)) : redact(SECRET)} after`);
  });

  it('the encodings differ from each other for this secret (the table above tests them all; base64url is unpadded base64 here, no + or /)', () => {
    expect(new Set(secretEncodings(SECRET, { basicUser: CLIENT }).map((e) => e.text)).size).toBe(8);
  });

  describe('a long secret in part: any run of 12 characters or more', () => {
    const TOKEN = 'Atza|IwEBIPartial-redaction-token-0123456789abcdefghijKLMNOP';
    const parts = SecretSet.from([TOKEN]);
    it.each([
      ['token.slice(0, 30)', TOKEN.slice(0, 30)],
      ['token.slice(-12)', TOKEN.slice(-12)],
      ['the middle', TOKEN.slice(10, 40)],
      ["the base64 of the token, cut (Buffer.from(token).toString('base64').slice(0, 40))", Buffer.from(TOKEN).toString('base64').slice(0, 40)],
    ])('%s', (_what, shape) => {
      const out = redactText(`token: ${shape}!`, parts);
      expect(out).toBe(`token: ${redact(TOKEN)}!`);
    });
    it('two runs in one line, and text around them, stay apart', () => {
      expect(redactText(`a=${TOKEN.slice(0, 20)} b=${TOKEN.slice(25, 45)} c=hello`, parts)).toBe(`a=${redact(TOKEN)} b=${redact(TOKEN)} c=hello`);
    });
    it('11 characters are left alone, and so are short secrets in part', () => {
      expect(redactText(`x ${TOKEN.slice(5, 16)} y`, parts)).toBe(`x ${TOKEN.slice(5, 16)} y`);
      const short = 'short-secret-12345678'; // 21 characters
      expect(redactText(`x ${short.slice(0, 15)} y`, SecretSet.from([short]))).toBe(`x ${short.slice(0, 15)} y`);
    });
    it('a plain list of values is redacted in part too (the handler child passes one)', () => {
      expect(redactText(`log ${TOKEN.slice(3, 33)}`, [TOKEN])).toBe(`log ${redact(TOKEN)}`);
    });
  });

  it('what the token request really carries is covered: its Authorization header and its form body', () => {
    for (const scheme of ['HTTP_BASIC', 'REQUEST_BODY_CREDENTIALS'] as const) {
      const req = tokenRequest({ tokenUrl: 'https://a.example/token', clientId: CLIENT, clientSecret: SECRET, scheme }, { grant_type: 'authorization_code', code: 'c' });
      const echoed = `${JSON.stringify(req.headers)} ${String(req.body)}`;
      const out = redactText(echoed, set);
      expect(out).not.toContain(formEncode(SECRET));
      expect(out).not.toContain(basicAuthorization(CLIENT, SECRET).slice(6));
    }
  });

  it('a JSON document with the secret stays valid JSON once redacted', () => {
    const doc = JSON.stringify({ detail: `the provider said "${SECRET}"` }, null, 2);
    const out = redactText(doc, set);
    expect(out).not.toContain(jsonEscape(SECRET));
    expect((JSON.parse(out) as { detail: string }).detail).toBe(`the provider said "${redact(SECRET)}"`);
  });

  it('short values are not registered (they would match everywhere)', () => {
    const s = new SecretSet();
    s.add('abc');
    s.add(undefined);
    s.add('');
    expect(s.size).toBe(0);
  });

  it('union holds the encodings of all sets', () => {
    const a = SecretSet.from(['first-secret-value']);
    const b = SecretSet.from(['second secret value']);
    const u = SecretSet.union(a, b);
    expect(redactText('first-secret-value second+secret+value', u)).toBe(`${redact('first-secret-value')} ${redact('second secret value')}`);
  });
});

describe('excerpt: redacted before it is cut', () => {
  const set = SecretSet.from(['Zq7Vw9Kp3Mx0Hn2Ty5Rb8Lf4Gd6Js1']);

  it.each([10, 12, 15, 20, 25, 30, 35, 40])('a secret straddling a cut at %i leaves no part of it', (n) => {
    const text = `${'x'.repeat(20)}Zq7Vw9Kp3Mx0Hn2Ty5Rb8Lf4Gd6Js1${'y'.repeat(20)}`;
    const out = excerpt(text, n, { secrets: set });
    expect(out.length).toBeLessThanOrEqual(n + 1);
    // At most the four characters the redaction itself shows.
    expect(out).not.toMatch(/Zq7Vw|w9Kp|Js1/);
  });

  it('short text comes back whole (redacted); long text ends with … and, when asked, the total', () => {
    expect(excerpt('short', 10, { secrets: set })).toBe('short');
    expect(excerpt('0123456789abc', 10, { secrets: set })).toBe('0123456789…');
    expect(excerpt('0123456789abc', 10, { secrets: set, total: true })).toBe('0123456789… (cut at 10 of 13 characters)');
  });

  it('never cuts a surrogate pair in half', () => {
    expect(excerpt('abc🙂def', 4, { secrets: set })).toBe('abc…');
  });

  it('secret-looking fields are redacted before the cut too (no closing quote needed)', () => {
    const body = `{"access_token":"${'A'.repeat(40)}","x":1}`;
    expect(excerpt(body, 30, { secrets: new SecretSet() })).not.toMatch(/A{5}/);
  });
});
