import http from 'node:http';
import net from 'node:net';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { startCallbackServer, type CallbackOutcome, type CallbackServer } from '../../src/oauth/callback-server.js';
import { parsePastedCallback } from '../../src/oauth/paste.js';
import { parseSession } from '../../src/oauth/session.js';
import { parseJsonText } from '../../src/project/json-file.js';
import { RUNS, countInputs, fuzzParser, jsonishText, mutated, printFuzzReport } from './support.js';

/**
 * What reaches `alexa-link login` from outside: the provider's redirect to the loopback callback
 * server (the real server, driven over HTTP with any query string and over raw TCP with any
 * request line), the address pasted with --redirect alexa, and .alexa-link/session.json as doctor
 * reads it back. The server answers every request with a status, keeps running, and accepts a
 * callback exactly when its state matches; a pasted address is parsed or refused with an
 * InputError naming it (exit 2); a session file likewise names the file.
 */
const STATE = 'St4te-for-the-fuzzer_0123456789';
const REDIRECT = 'https://pitangui.amazon.com/api/skill/link/M2FUZZVENDOR';
const ALLOWED_STATUS = [200, 400, 404, 405, 409, 413, 414, 431];

/** Percent-encodes the bytes of characters a request line cannot carry, keeping '%' as is (so broken escapes get through). */
function requestTarget(query: string): string {
  return Buffer.from(query, 'utf8')
    .toString('latin1')
    .replace(/[^\x21-\x7e]|#/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
}

/** A query string: random text, or parameters a provider (or an attacker) might send. */
const query = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc
    .record(
      {
        code: fc.oneof(fc.string({ maxLength: 40 }), fc.constant('')),
        state: fc.oneof(fc.constant(STATE), fc.constant(STATE), fc.string({ maxLength: 40 }), fc.constant('')),
        error: fc.oneof(fc.constantFrom('access_denied', 'invalid_scope', 'server_error'), fc.string({ maxLength: 20 })),
        error_description: fc.string({ maxLength: 60 }),
        extra: fc.string({ maxLength: 20 }),
      },
      { requiredKeys: [] },
    )
    .map((p) => new URLSearchParams(Object.entries(p)).toString()),
  fc.webQueryParameters(),
);

function get(agent: http.Agent, port: number, target: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path: target, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** What the server should make of a query: a callback it must accept, or nothing. */
function expected(target: string): { accept: false } | { accept: true; outcome: Partial<CallbackOutcome> } {
  let p: URLSearchParams;
  try {
    p = new URL(target, 'http://127.0.0.1').searchParams;
  } catch {
    return { accept: false };
  }
  const state = p.get('state');
  const error = p.get('error');
  const code = p.get('code');
  // An error counts only with the login's state (issue 15 item 11): without it, anyone could end the login.
  if (state !== STATE) return { accept: false };
  if (error) return { accept: true, outcome: { kind: 'error', error } };
  if (code) return { accept: true, outcome: { kind: 'code', code, state: STATE } };
  return { accept: false };
}

afterAll(() => printFuzzReport('Login input'));

describe(`fuzz: the loopback callback (${RUNS} inputs per generator)`, () => {
  let server: CallbackServer | undefined;
  let agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const fresh = async () => {
    await server?.close();
    agent.destroy();
    agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    server = await startCallbackServer({ port: 0, expectedState: STATE, timeoutMs: 600_000, closeAfterMs: 60_000 });
    return server;
  };
  afterAll(async () => {
    await server?.close();
    agent.destroy();
  });

  it('any query string on GET /callback: a status, the server keeps running, a callback only with the right state', async () => {
    let s = await fresh();
    let accepted = 0;
    await fc.assert(
      fc.asyncProperty(query, async (q) => {
        const target = `/callback?${requestTarget(q)}`;
        const want = expected(target);
        const res = await get(agent, s.port, target);
        expect(ALLOWED_STATUS, `${target} → ${res.status}`).toContain(res.status);
        expect(res.body).not.toMatch(/<script|\n\s+at /);
        if (want.accept) {
          expect(res.status, target).toBe(200);
          await expect(s.wait()).resolves.toMatchObject(want.outcome);
          accepted++;
          s = await fresh();
        } else {
          expect(res.status, target).not.toBe(200);
        }
      }),
      { numRuns: RUNS },
    );
    expect(accepted).toBeGreaterThan(0);
    countInputs('callback query string (real loopback server, HTTP)', RUNS, RUNS - accepted);
  });

  it('any request line over raw TCP: an answer or a closed connection, never a crash', async () => {
    const s = await fresh();
    let refused = 0;
    const line = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 120 }).map((t) => `GET ${t} HTTP/1.1`),
      fc.tuple(fc.constantFrom('GET', 'POST', 'HEAD', 'OPTIONS', 'CONNECT', 'G\u00e9T', ''), fc.string({ unit: 'binary', maxLength: 80 })).map(([m, t]) => `${m} ${t} HTTP/1.1`),
      fc.string({ unit: 'binary', maxLength: 200 }),
      // Absolute-form targets, which the HTTP parser passes on and URL may not parse (GET http://[).
      fc.tuple(fc.constantFrom('http://', 'https://', 'http://127.0.0.1:1', '//', 'ws://'), fc.string({ maxLength: 20 })).map(([a, b]) => `GET ${a}${b.replace(/\s/g, '')} HTTP/1.1`),
    );
    await fc.assert(
      fc.asyncProperty(line, async (l) => {
        const answer = await new Promise<string>((resolve) => {
          const socket = net.connect({ host: '127.0.0.1', port: s.port });
          let buf = '';
          socket.setTimeout(3000, () => socket.destroy());
          socket.on('data', (d) => (buf += d.toString('latin1')));
          socket.on('error', () => undefined);
          socket.on('close', () => resolve(buf));
          socket.on('connect', () => socket.end(`${l}\r\nHost: 127.0.0.1:${s.port}\r\nConnection: close\r\n\r\n`, 'utf8'));
        });
        if (answer) expect(answer).toMatch(/^HTTP\/1\.1 (200|400|404|405|409|413|414|431) /);
        if (!/^HTTP\/1\.1 200 /.test(answer)) refused++;
      }),
      { numRuns: RUNS },
    );
    // Still serving.
    expect((await get(agent, s.port, '/nothing')).status).toBe(404);
    countInputs('callback request line (real loopback server, raw TCP)', RUNS, refused);
  });
});

describe(`fuzz: the pasted redirect address (${RUNS} inputs per generator)`, () => {
  const parse = (text: string) => {
    const r = parsePastedCallback(text, STATE, { expectedRedirectUri: REDIRECT });
    if (r.stateChecked && r.outcome.kind === 'code') expect(r.outcome.state).toBe(STATE);
    if (r.outcome.kind === 'code') expect(r.outcome.code.length).toBeGreaterThan(0);
    return r;
  };
  it('any text, addresses around the redirect URL, bare codes', () => {
    const parser = 'pasted redirect address (parsePastedCallback)';
    fuzzParser(parser, fc.string({ unit: 'binary', maxLength: 300 }), parse, 'pasted');
    const accepted = `${REDIRECT}?code=ANcode-123&state=${STATE}`;
    fuzzParser(parser, fc.tuple(fc.nat({ max: accepted.length }), fc.string({ maxLength: 4 })).map(([n, x]) => accepted.slice(0, n) + x + accepted.slice(n + 1)), parse, 'pasted');
    fuzzParser(parser, fc.tuple(fc.constantFrom(REDIRECT, 'https://layla.amazon.com/api/skill/link/M2FUZZVENDOR', 'http://127.0.0.1:9876/callback', ''), fc.constantFrom('?', '#', '?x=1#'), query).map(([u, sep, q]) => `${u}${sep}${q}`), parse, 'pasted');
    fuzzParser(parser, fc.stringMatching(/^[A-Za-z0-9\-._~+/=|%:]{1,60}$/), parse, 'pasted');
    fuzzParser(parser, fc.tuple(fc.constantFrom(' ', '"', "'", '<', '\n', '\t'), query, fc.constantFrom(' ', '"', '>', '\r\n')).map(([a, q, b]) => `${a}${REDIRECT}?${q}${b}`), parse, 'pasted');
  });
});

describe(`fuzz: .alexa-link/session.json (${RUNS} inputs per generator)`, () => {
  const session = {
    version: 1,
    createdAt: '2024-01-01T00:00:00.000Z',
    provider: { authorizationUrl: 'https://auth.example.com/authorize', tokenUrl: 'https://auth.example.com/token', clientId: 'c', accessTokenScheme: 'HTTP_BASIC', scopes: ['openid'] },
    redirectUri: 'http://127.0.0.1:9876/callback',
    tokens: { accessToken: 'a-token', tokenType: 'Bearer', expiresIn: 3600, expiresAt: '2024-01-01T01:00:00.000Z', refreshToken: 'r-token', scope: 'openid' },
    refresh: { ok: true, at: '2024-01-01T00:00:01.000Z' },
  };
  const LABEL = '.alexa-link/session.json';
  it('mutated sessions and broken text (parseSession)', () => {
    parseSession(session, LABEL);
    const rejected = fuzzParser('.alexa-link/session.json (parseSession)', mutated(session), (d) => parseSession(d, LABEL), LABEL);
    expect(rejected).toBeGreaterThan(0);
    fuzzParser('.alexa-link/session.json (parseSession)', jsonishText(session), (t) => parseSession(parseJsonText(t, LABEL), LABEL), LABEL);
  });
});
