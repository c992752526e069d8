import { describe, expect, it } from 'vitest';
import { buildReport, flowEntries, hopsFor, hopStates, renderFlowDiagram, renderText, toJson, toJsonParts } from '../../src/doctor/report.js';
import type { CheckResult } from '../../src/doctor/types.js';
import type { ReplayEvidence } from '../../src/replay/evidence.js';
import type { ReplayResult } from '../../src/replay/runner.js';
import { makeStyle, renderStyles } from '../../src/ui/color.js';

const plain = makeStyle(0);
const result = (id: string, status: CheckResult['status'], extra: Partial<CheckResult> = {}): CheckResult => ({ id, title: `${id} title`, status, detail: `${id} detail`, ms: 3, ...extra });
const evidence = (over: Partial<ReplayEvidence> = {}): ReplayEvidence => ({
  kind: 'custom',
  request: { type: 'IntentRequest', label: 'IntentRequest WhoAmIIntent', answerOptional: false, needsNoAccount: false, placeholderSkillId: false },
  tokenIn: { context: true, session: true },
  status: 200,
  latencyMs: 12,
  answer: { linkAccountCard: false, speech: 'Hello, Ada.' },
  logs: [],
  logsDropped: 0,
  tokenOrigin: 'session',
  style: 'ask-sdk-v2',
  targetName: 'the handler',
  offline: false,
  probes: [],
  notes: [],
  ...over,
});
const replay = (verdict: ReplayResult['verdict'], extra: Partial<ReplayResult> = {}): ReplayResult => ({
  source: 'builtin:launch',
  kind: 'custom',
  request: 'LaunchRequest',
  label: 'LaunchRequest',
  tokenInEnvelope: { context: true, session: true },
  status: 200,
  latencyMs: 12,
  response: { linkAccountCard: false, speech: 'Hello, Ada.' },
  verdict,
  explanation: 'The token arrived.',
  evidence: evidence(),
  ...extra,
});

const checks = [
  result('project-files', 'pass'),
  result('linking-config', 'warn', { fix: 'Add offline_access.' }),
  result('token-endpoint', 'fail', { fix: 'Return JSON.', hop: 4 }),
  result('linking-remote-drift', 'skip', { detail: 'Skipped: no SMAPI credentials' }),
  result('replays', 'pass'),
];

describe('--json', () => {
  it('has exactly the design shape', () => {
    const doc = toJson(buildReport(checks, [replay('pass', { label: 'IntentRequest WhoAmIIntent', request: 'IntentRequest', intent: 'WhoAmIIntent' })]));
    expect(Object.keys(doc)).toEqual(['ok', 'summary', 'checks', 'replays']);
    expect(doc.ok).toBe(false);
    expect(doc.summary).toEqual({ pass: 2, warn: 1, fail: 1, skip: 1 });
    expect(doc.checks[2]).toEqual({ id: 'token-endpoint', title: 'token-endpoint title', status: 'fail', detail: 'token-endpoint detail', fix: 'Return JSON.' });
    expect(doc.checks[0]).not.toHaveProperty('fix');
    expect(doc.checks[0]).not.toHaveProperty('ms');
    expect(Object.keys(doc.replays[0]!)).toEqual(['source', 'request', 'tokenInEnvelope', 'status', 'latencyMs', 'response', 'verdict', 'explanation', 'kind', 'label', 'style', 'logs', 'probes']);
    expect(doc.replays[0]).toMatchObject({ request: 'IntentRequest', label: 'IntentRequest WhoAmIIntent', response: { linkAccountCard: false, speech: 'Hello, Ada.' }, style: 'ask-sdk-v2', logs: [], probes: [] });
  });

  it('carries the evidence: logs, the error, the probes, the fix; a compact record for summarised passes', () => {
    const full = replay('fail', {
      explanation: 'The token arrived and the skill failed.',
      fix: 'Read the token at context.',
      evidence: evidence({
        logs: [{ level: 'error', text: 'TypeError: x' }],
        logsDropped: 3,
        error: { kind: 'threw', message: 'The handler failed: x.' },
        probes: [{ id: 'no-token', title: 'no token', tokenIn: { context: false, session: false }, status: 200, latencyMs: 2, answer: { linkAccountCard: true, speech: 'Link.' }, logs: [], logsDropped: 0 }],
      }),
    });
    const compact = { compact: true as const, source: 'f.json', request: 'LaunchRequest', label: 'LaunchRequest', tokenInEnvelope: { context: false, session: false }, status: 200, latencyMs: 1, verdict: 'pass' as const };
    const doc = toJson(buildReport([], [full, compact]));
    expect(doc.replays[0]).toMatchObject({
      fix: 'Read the token at context.',
      logs: [{ level: 'error', text: 'TypeError: x' }],
      logsDropped: 3,
      error: { kind: 'threw', message: 'The handler failed: x.' },
      probes: [{ id: 'no-token', title: 'no token', tokenInEnvelope: { context: false, session: false }, status: 200, response: { linkAccountCard: true, speech: 'Link.' }, logs: [] }],
    });
    expect(doc.replays[1]).toEqual(compact);
    // Written in parts (large runs), the document is the same text as one JSON.stringify.
    const report = buildReport(checks, [full, compact, ...Array.from({ length: 7 }, (_, i) => ({ ...compact, source: `f${i}.json` }))]);
    expect([...toJsonParts(report, {}, 3)].join('')).toBe(JSON.stringify({ schemaVersion: 1, ...toJson(report) }, null, 2));
    expect([...toJsonParts(buildReport(checks, []))].join('')).toBe(JSON.stringify({ schemaVersion: 1, ...toJson(buildReport(checks, [])) }, null, 2));
    const text = renderText(buildReport([], [full, compact]), plain);
    expect(text).toContain('logged (first error; all with -v):\n       error: TypeError: x');
    expect(text).toContain('probes: no token → asks to link');
    expect(text).toContain('fix: Read the token at context.');
    expect(text).toContain('… and 1 more replays passed');
  });

  it('ok is false when a replay fails even if every check passed', () => {
    expect(buildReport([result('replays', 'pass')], [replay('fail')]).ok).toBe(false);
    expect(buildReport([result('replays', 'warn')], [replay('warn')]).ok).toBe(true);
  });
});

describe('flow diagram', () => {
  it('marks the first failing hop and leaves unchecked hops dim', () => {
    const states = hopStates(checks);
    expect(states[1]).toEqual({ status: 'warn', checks: ['linking-config'] });
    expect(states[4]).toEqual({ status: 'fail', checks: ['token-endpoint'] });
    expect(states[3].status).toBe('unknown');
    expect(states[6].status).toBe('pass');
    const lines = renderFlowDiagram(states, plain);
    const failing = lines.findIndex((l) => l.includes('fails here'));
    expect(lines[failing]).toMatch(/✖ 4 {2}access_token \+ refresh_token in JSON, within 4\.5 s {2}✖ fails here \(token-endpoint\)/);
    // The arrow of hop 4 points from the token endpoint back to Alexa.
    expect(lines[failing + 1]).toMatch(/│◀─+┤/);
    expect(lines.filter((l) => l.includes('fails here'))).toHaveLength(1);
    expect(lines.join('\n')).toMatch(/· 3 {2}POST code/);
  });

  it('names only the checks behind a hop\'s status', () => {
    const states = hopStates([result('token-endpoint', 'warn'), result('token-endpoint-scheme', 'fail'), result('session-tokens', 'pass')]);
    expect(states[3]).toEqual({ status: 'fail', checks: ['token-endpoint-scheme'] });
    expect(states[4]).toEqual({ status: 'pass', checks: [] });
  });

  it('draws every lifeline and fits in 100 columns', () => {
    const lines = renderFlowDiagram(hopStates([]), plain);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(100);
    expect(lines[0]).toMatch(/User \/\s+Provider\s+Alexa\s+Provider\s+Skill/);
    expect(lines[2]!.match(/│/g)).toHaveLength(5);
  });

  it('colours only when the style allows it', () => {
    expect(renderFlowDiagram(hopStates(checks), plain).join('\n')).not.toMatch(/\x1b\[/);
    // Styles are markers until Output renders them for a stream with colour.
    expect(renderStyles(renderFlowDiagram(hopStates(checks), makeStyle(1)).join('\n'), 1)).toMatch(/\x1b\[31m/);
  });
});

describe('text report', () => {
  const text = renderText(buildReport(checks, [replay('pass', { intent: 'WhoAmIIntent', request: 'IntentRequest', label: 'IntentRequest WhoAmIIntent' })], { replayTarget: 'handler lambda/index.js#handler', project: '/p' }), plain);

  it('lists every check with its symbol and detail', () => {
    expect(text).toMatch(/ ✔ project-files +project-files title\n +project-files detail/);
    expect(text).toMatch(/ ⚠ linking-config/);
    expect(text).toMatch(/ ✖ token-endpoint/);
    expect(text).toMatch(/ - linking-remote-drift +linking-remote-drift title\n +Skipped: no SMAPI credentials/);
  });

  it('shows the replays with token placement, status, latency and answer', () => {
    expect(text).toContain('Replays → handler lambda/index.js#handler');
    expect(text).toMatch(/✔ builtin:launch +IntentRequest WhoAmIIntent +· +token: context\+session +· +200 +12 ms +· +speech/);
    expect(text).toContain('"Hello, Ada."');
  });

  it('groups the fixes under the failures first, then the warnings', () => {
    const fixes = text.slice(text.indexOf('How to fix'));
    expect(fixes.indexOf('token-endpoint')).toBeLessThan(fixes.indexOf('linking-config'));
    expect(fixes).toContain('Return JSON.');
  });

  it('ends with N/M checks passed, not counting skipped ones', () => {
    expect(text.trimEnd().split('\n').pop()).toBe('2/4 checks passed, 1 warning, 1 failed, 1 skipped · 1/1 replays passed');
  });

  it('shows timings and a crashed check\'s stack only when verbose', () => {
    const crashed = buildReport([result('x', 'fail', { stack: 'Error: bad\n    at f (x.js:1:1)' })], []);
    expect(renderText(crashed, plain)).not.toContain('at f (x.js');
    expect(renderText(crashed, plain, { verbose: true })).toContain('at f (x.js:1:1)');
    expect(renderText(crashed, plain, { verbose: true })).toContain('(3 ms)');
  });
});

describe('the flow of a smart home skill', () => {
  const sh = (source: string, request: string, verdict: ReplayResult['verdict']): ReplayResult =>
    replay(verdict, { source, kind: 'smart-home', request, label: request, tokenInEnvelope: { scope: true }, response: { event: 'Alexa.Discovery Discover.Response', endpoints: 1 }, evidence: evidence({ kind: 'smart-home' }) });

  it('names AcceptGrant, Discover and the answer, numbered in order', () => {
    const hops = hopsFor('smart-home');
    expect(hops.map((h) => h.id)).toEqual([1, 2, 3, 4, 7, 5, 6]);
    const lines = renderFlowDiagram(hopStates([], hops), plain, hops).join('\n');
    expect(lines).toMatch(/· 5 {2}AcceptGrant: grant code, token at payload\.grantee \(Send Alexa Events on\)/);
    expect(lines).toMatch(/· 6 {2}Discover after linking \(payload\.scope\.token\), then directives \(endpoint\.scope\.token\)/);
    expect(lines).toMatch(/· 7 {2}answer: Discover\.Response, Alexa\.Response; a credential ErrorResponse without a good token/);
    expect(hopsFor('custom').map((h) => h.id)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(hopsFor(undefined)).toBe(hopsFor('custom'));
  });

  it('an AcceptGrant replay judges the AcceptGrant hop, the others the answer hop; alexa-client-credentials the AcceptGrant hop', () => {
    const hops = hopsFor('smart-home');
    const report = buildReport(
      [result('replays', 'fail'), result('alexa-client-credentials', 'pass')],
      [sh('builtin:accept-grant', 'Alexa.Authorization.AcceptGrant', 'fail'), sh('builtin:discover', 'Alexa.Discovery.Discover', 'pass')],
      { skillKind: 'smart-home' },
    );
    const states = hopStates(flowEntries(report, hops), hops);
    expect(states[7]).toEqual({ status: 'fail', checks: ['replays'] });
    expect(states[6].status).toBe('pass');
    const text = renderText(report, plain);
    expect(text).toMatch(/✖ 5 {2}AcceptGrant: .* {2}✖ fails here \(replays\)/);
    expect(text).toMatch(/✔ 7 {2}answer: /);
    expect(text).toMatch(/builtin:accept-grant\s+Alexa\.Authorization\.AcceptGrant {2}· {2}token: scope {2}· {2}200 {2}12 ms {2}· {2}Discover\.Response, 1 endpoint/);
  });
});
