import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { builtinLaunch } from '../../src/replay/kinds/custom.js';
import { copiesOf, measureReplayThroughput, replayOne } from '../../src/replay/runner.js';
import { EndpointTarget } from '../../src/replay/targets/endpoint.js';
import { benchEndpointReplay, benchHandlerReplay } from '../../src/replay/bench.js';
import { fileURLToPath } from 'node:url';
import { makeTestCerts } from '../support/tls.js';

/** The --endpoint target against real HTTP(S) servers on 127.0.0.1. */
const linkCard = JSON.stringify({ version: '1.0', response: { outputSpeech: { type: 'PlainText', text: 'Please link' }, card: { type: 'LinkAccount' } } });
const greeting = JSON.stringify({ version: '1.0', response: { outputSpeech: { type: 'PlainText', text: 'Hello, Ada' } } });
let base = '';
let connections = 0;
let received: unknown[] = [];
const servers: Array<http.Server | https.Server> = [];

function route(req: http.IncomingMessage, res: http.ServerResponse, body: string): void {
  const json = (status: number, text: string, type = 'application/json'): void => {
    res.writeHead(status, { 'content-type': type }).end(text);
  };
  switch (req.url) {
    case '/skill': {
      const env = JSON.parse(body) as { context: { System: { user: { accessToken?: string } } } };
      received.push(env);
      return json(200, env.context.System.user.accessToken ? greeting : linkCard);
    }
    case '/verifying':
      return json(400, 'AskSdk.Request verification failed Error, Missing Certificate for the skill request', 'text/plain');
    case '/stale':
      return json(400, 'AskSdk.Request verification failed Error, Timestamp verification failed', 'text/plain');
    case '/crash':
      return json(500, 'AskSdk.Skill dispatch failed Error, Unable to find a suitable request handler.', 'text/plain');
    case '/html':
      return json(200, '<html>Bad gateway</html>', 'text/html');
    case '/slow':
      return void setTimeout(() => json(200, greeting), 1500);
    default:
      return json(404, 'Not Found', 'text/plain');
  }
}

function handler(req: http.IncomingMessage, res: http.ServerResponse): void {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (c: string) => (body += c));
  req.on('end', () => route(req, res, body));
}

beforeAll(async () => {
  const server = http.createServer(handler);
  server.on('connection', () => connections++);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => {
  for (const s of servers) s.close();
});

const launch = builtinLaunch({ skillId: undefined, locale: 'en-US' });
const TOKEN = { kind: 'set' as const, token: 'Atza|endpoint-test-token' };

describe('EndpointTarget', () => {
  it.each<[string, string, 'pass' | 'fail', number | null, RegExp]>([
    ['a skill that answers', '/skill', 'pass', 200, /token arrived/],
    ['a verifying endpoint (no signature)', '/verifying', 'fail', 400, /verifies Alexa's request signature[\s\S]*only Alexa can sign[\s\S]*--smapi/],
    ['a verifying endpoint with a clock problem', '/stale', 'fail', 400, /verifies request\.timestamp[\s\S]*clock/],
    ['a 500', '/crash', 'fail', 500, /HTTP 500: AskSdk\.Skill dispatch failed[\s\S]*look at its logs/],
    ['HTML instead of JSON', '/html', 'fail', 200, /not JSON/],
    ['a missing path', '/nope', 'fail', 404, /HTTP 404/],
  ])('%s', async (_name, p, verdict, status, explanation) => {
    const target = new EndpointTarget(`${base}${p}`, { timeoutMs: 3000, verificationSwitch: 'restart it with SKIP_VERIFICATION=1' });
    try {
      const r = await replayOne({ source: 's', envelope: launch }, { target, token: TOKEN });
      expect(r.verdict).toBe(verdict);
      expect(r.status).toBe(status);
      expect(r.explanation).toMatch(explanation);
      if (p === '/verifying') expect(r.explanation).toContain('SKIP_VERIFICATION=1');
    } finally {
      await target.close();
    }
  });

  it('sends the envelope with the token in both places and a fresh timestamp', async () => {
    received = [];
    const target = new EndpointTarget(`${base}/skill`, { timeoutMs: 3000 });
    await replayOne({ source: 's', envelope: launch }, { target, token: TOKEN });
    await target.close();
    const sent = received[0] as { request: { timestamp: string }; session: { user: { accessToken: string } }; context: { System: { user: { accessToken: string } } } };
    expect(sent.context.System.user.accessToken).toBe('Atza|endpoint-test-token');
    expect(sent.session.user.accessToken).toBe('Atza|endpoint-test-token');
    expect(Math.abs(Date.parse(sent.request.timestamp) - Date.now())).toBeLessThan(5000);
  });

  it('a slow skill times out with Alexa\'s limit named', async () => {
    const target = new EndpointTarget(`${base}/slow`, { timeoutMs: 300 });
    const r = await replayOne({ source: 's', envelope: launch }, { target, token: TOKEN });
    await target.close();
    expect(r).toMatchObject({ verdict: 'fail', status: null });
    expect(r.explanation).toMatch(/did not answer within 300 ms[\s\S]*8 s/);
  });

  it('nothing listening is a network diagnosis', async () => {
    const target = new EndpointTarget('http://127.0.0.1:9/', { timeoutMs: 1000 });
    const r = await replayOne({ source: 's', envelope: launch }, { target, token: TOKEN });
    expect(r.explanation).toMatch(/Connection refused by 127\.0\.0\.1:9/);
  });

  it('an HTTPS endpoint with a self-signed certificate says how to trust a development certificate', async () => {
    const certs = makeTestCerts();
    const server = https.createServer({ key: certs.selfSigned.key, cert: certs.selfSigned.cert }, handler);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
    const target = new EndpointTarget(`https://127.0.0.1:${(server.address() as AddressInfo).port}/skill`, { timeoutMs: 2000 });
    const r = await replayOne({ source: 's', envelope: launch }, { target, token: TOKEN });
    await target.close();
    expect(r.verdict).toBe('fail');
    expect(r.explanation).toMatch(/self-signed[\s\S]*NODE_EXTRA_CA_CERTS/);
    // Trusting it (as NODE_EXTRA_CA_CERTS would) makes the same replay pass.
    const trusted = new EndpointTarget(`https://127.0.0.1:${(server.address() as AddressInfo).port}/skill`, { timeoutMs: 2000, ca: certs.selfSigned.cert });
    expect((await replayOne({ source: 's', envelope: launch }, { target: trusted, token: TOKEN })).verdict).toBe('pass');
    await trusted.close();
  });

  it('reuses connections across a batch (throughput), and counts every verdict', async () => {
    const before = connections;
    const target = new EndpointTarget(`${base}/skill`, { timeoutMs: 3000 });
    const r = await measureReplayThroughput({ target, items: copiesOf(launch, 500), concurrency: 8, token: TOKEN });
    await target.close();
    expect(r.count).toBe(500);
    expect(r.counts).toEqual({ pass: 500, warn: 0, fail: 0 });
    expect(r.perSecond).toBeGreaterThan(0);
    expect(r.peakRssBytes).toBeGreaterThan(0);
    expect(connections - before).toBeLessThanOrEqual(8);
  });

  it('bench entry points: N envelopes against an endpoint and against a handler', async () => {
    const viaEndpoint = await benchEndpointReplay(`${base}/skill`, { count: 200, concurrency: 16 });
    expect(viaEndpoint).toMatchObject({ count: 200, counts: { pass: 200, warn: 0, fail: 0 } });
    const skills = fileURLToPath(new URL('../fixtures/skills', import.meta.url));
    const viaHandler = await benchHandlerReplay('any-token/index.js', skills, { count: 200, concurrency: 16, token: TOKEN });
    expect(viaHandler).toMatchObject({ count: 200, counts: { pass: 200, warn: 0, fail: 0 } });
  });
});
