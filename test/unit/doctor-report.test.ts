import { describe, expect, it } from 'vitest';
import { buildReport, clipMiddle, clipSource, clipToWidth, commandLines, firstSentence, flowEntries, groupBySame, hopsFor, hopStates, nextCommand, renderFlowDiagram, renderFlowList, renderText, toJson, toJsonParts } from '../../src/doctor/report.js';
import { displayWidth } from '../../src/ui/wrap.js';
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
    const text = renderText(buildReport([], [full, compact]), plain, { verbose: true });
    expect(text).toContain('logged:\n       error: TypeError: x\n       … 3 more lines not kept');
    expect(text).toContain('probes: no token → asks to link');
    expect(text).toContain('fix: Read the token at context.');
    expect(text).toContain('… and 1 more replays passed');
    // The compact report: the first evidence on the replay's line, the explanation and fix below.
    const short = renderText(buildReport([], [full, compact]), plain, { verbose: false, width: 110 });
    expect(short).toContain(' ✖ builtin:launch  LaunchRequest · token sent · 200 · fail · threw: The handler failed: x.');
    expect(short).toContain(' ✖ Replay builtin:launch\n   The token arrived and the skill failed.\n   → Read the token at context.');
    expect(short).toContain('   … and 1 more replays passed (--json lists each)');
  });

  it('counts failures kept compact (a large run that fails) with the replay they name', () => {
    const full = replay('fail', { source: 'a.json', explanation: 'A token was sent and the skill still asks to link.', fix: 'Read the token at context.' });
    const repeated = Array.from({ length: 1234 }, (_, i) => ({ compact: true as const, source: `r${i}.json`, request: 'LaunchRequest', label: 'LaunchRequest', tokenInEnvelope: { context: true, session: true }, status: 200, latencyMs: 1, verdict: 'fail' as const, sameAs: 'a.json' }));
    const report = buildReport([], [full, ...repeated]);
    expect(toJson(report).replays[1]).toMatchObject({ compact: true, verdict: 'fail', sameAs: 'a.json' });
    const short = renderText(report, plain, { verbose: false, width: 140 });
    expect(short).toContain('   … and 1,234 more failures and warnings that repeat a problem below (--json lists each)');
    expect(short).toContain(' ✖ 1,235 replays (a.json and 1,234 more)');
    expect(short).not.toContain('more replays passed');
    const long = renderText(report, plain, { verbose: true });
    expect(long).toContain('… and 1,234 more failures and warnings that repeat a problem shown above 10 times');
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

describe('full text report (-v)', () => {
  const text = renderText(buildReport(checks, [replay('pass', { intent: 'WhoAmIIntent', request: 'IntentRequest', label: 'IntentRequest WhoAmIIntent' })], { replayTarget: 'handler lambda/index.js#handler', project: '/p' }), plain, { verbose: true, width: 120 });

  it('lists every check with its symbol and detail', () => {
    expect(text).toMatch(/ ✔ project-files +project-files title \(3 ms\)\n +project-files detail/);
    expect(text).toMatch(/ ⚠ linking-config/);
    expect(text).toMatch(/ ✖ token-endpoint/);
    expect(text).toMatch(/ - linking-remote-drift +linking-remote-drift title \(3 ms\)\n +Skipped: no SMAPI credentials/);
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

  it('ends with N/M checks passed, not counting skipped ones, and the command to run next', () => {
    expect(text.trimEnd().split('\n').slice(-2)).toEqual(['✖ 2/4 checks passed, 1 warning, 1 failed, 1 skipped · 1/1 replays passed', 'Next, after the fix above: alexa-link doctor --only token-endpoint']);
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
    const text = renderText(report, plain, { verbose: true, width: 120 });
    expect(text).toMatch(/✖ 5 {2}AcceptGrant: .* {2}✖ fails here \(replays\)/);
    expect(text).toMatch(/✔ 7 {2}answer: /);
    expect(text).toMatch(/builtin:accept-grant\s+Alexa\.Authorization\.AcceptGrant {2}· {2}token: scope {2}· {2}200 {2}12 ms {2}· {2}Discover\.Response, 1 endpoint/);
  });
});

describe('compact report (the default)', () => {
  const broken = buildReport(
    [
      result('project-files', 'pass', { title: 'Project files: found and valid', detail: 'ASK CLI v2 project (profile default): found ask-resources.json, skill-package/skill.json.\n  manifest: skill-package/skill.json' }),
      result('linking-config', 'warn', {
        title: "Linking configuration: Alexa's rules",
        detail: 'AUTH_CODE with HTTP_BASIC, 1 scope(s).\n⚠ accountLinkingRequest.scopes: Auth0 issues no refresh token without the offline_access scope.',
        summary: '1 warning: Auth0 issues no refresh token without the offline_access scope.',
        fix: 'Add "offline_access" to scopes.',
        edits: [{ by: 'refresh-offline-access', edit: { kind: 'add', field: 'scopes', values: ['offline_access'] } }],
      }),
      result('authorization-endpoint', 'skip', { title: 'Authorization endpoint', detail: 'Skipped: --offline.' }),
      result('token-endpoint', 'skip', { title: 'Token endpoint', detail: 'Skipped: --offline.' }),
      result('token-endpoint-scheme', 'fail', {
        title: 'Client authentication: as accessTokenScheme says',
        detail: 'The token endpoint refuses REQUEST_BODY_CREDENTIALS but accepts HTTP_BASIC: users see "unable to link".',
        fix: 'Set "accessTokenScheme": "HTTP_BASIC" in accountLinking.json.',
        edits: [{ by: 'token-endpoint-scheme', edit: { kind: 'set', field: 'accessTokenScheme', value: 'HTTP_BASIC' } }],
      }),
      result('replays', 'fail', { title: 'Replays: does the token arrive, and what does the skill do with it', detail: '3 replays against handler lambda/index.js#handler: 0 passed, 3 failed.' }),
    ],
    ['builtin:launch', 'builtin:intent:WhoAmIIntent', 'captured/one.json'].map((source) =>
      replay('fail', { source, explanation: 'A token was sent and the skill still asks to link.', fix: 'Read the token at context.System.user.accessToken.', response: { linkAccountCard: true, speech: 'Please link.' } }),
    ),
    { replayTarget: 'handler lambda/index.js#handler', project: '/work/skill' },
  );

  it('at 80 columns: one line per check and replay, problems grouped, the next command', () => {
    expect(renderText(broken, plain, { verbose: false, width: 80 })).toBe(
      [
        'alexa-link doctor  /work/skill',
        '',
        ' ✔ Project files           ASK CLI v2 project (profile default): found…',
        ' ⚠ Linking configuration   1 warning: Auth0 issues no refresh token without…',
        ' - 2 checks skipped (--offline): authorization-endpoint, token-endpoint',
        ' ✖ Client authentication   The token endpoint refuses REQUEST_BODY_CREDENTIALS…',
        ' ✖ Replays                 3 replays against handler lambda/index.js#handler…',
        '',
        'Replays → handler lambda/index.js#handler',
        // The sources give way (built-in requests by their names): status, verdict and evidence fit.
        ' ✖ launch                 LaunchRequest · token sent · 200 · fail · LinkAccount…',
        ' ✖ intent:WhoAmIIntent    LaunchRequest · token sent · 200 · fail · LinkAccount…',
        ' ✖ captured/one.json      LaunchRequest · token sent · 200 · fail · LinkAccount…',
        '',
        'Problems',
        ' ✖ Client authentication: as accessTokenScheme says',
        '   The token endpoint refuses REQUEST_BODY_CREDENTIALS but accepts HTTP_BASIC: users see "unable to link".',
        '   → Set "accessTokenScheme": "HTTP_BASIC" in accountLinking.json.',
        ' ✖ 3 replays (builtin:launch, builtin:intent:WhoAmIIntent, captured/one.json)',
        '   A token was sent and the skill still asks to link.',
        '   → Read the token at context.System.user.accessToken.',
        ' ⚠ Linking configuration: Add "offline_access" to scopes.',
        '',
        'Linking flow',
        ' ⚠ 1 Alexa app → provider: opens the authorization URL (linking-config)',
        ' · 2 provider → Alexa: redirect with a code',
        ' ✖ 3 Alexa → token URL: the code and… ← fails here (token-endpoint-scheme)',
        ' · 4 token URL → Alexa: tokens in JSON, within 4.5 s',
        ' · 5 Alexa → skill: a request with the token',
        ' ✖ 6 skill → Alexa: speech, or a LinkAccount card (replays)',
        '   · = not checked in this run',
        '',
        '✖ 1/4 checks passed, 1 warning, 2 failed, 2 skipped · 0/3 replays passed',
        'Next: alexa-link doctor --fix',
      ].join('\n'),
    );
  });

  it('at 60 columns: nothing wider but the lines Output wraps (problems) and the command to copy', () => {
    const text = renderText(broken, plain, { verbose: false, width: 60, rerun: ['--offline'] });
    const [head] = text.split('\nProblems\n');
    for (const line of head!.split('\n')) expect(displayWidth(line), line).toBeLessThanOrEqual(60);
    // No room for a source beside status, verdict and evidence: the rest goes under it.
    expect(head).toContain(' ✖ builtin:intent:WhoAmIIntent\n     LaunchRequest · token sent · 200 · fail · LinkAccount…\n');
    expect(head).toContain(' - 2 checks skipped (--offline): authorization-endpoint…');
    expect(text).toContain(' ✖ 3 Alexa → token URL: the code and client credentials\n     ← fails here (token-endpoint-scheme)');
    expect(text.split('\n').pop()).toBe('Next: alexa-link doctor --fix --offline');
  });

  it('after --fix wrote the file, the next command pushes it', () => {
    expect(renderText(broken, plain, { verbose: false, fix: { written: true, changes: [{}] } }).split('\n').pop()).toBe('Next: alexa-link configure');
  });

  it('a healthy report: no problems, no next command; skipped checks with one reason on one line', () => {
    const good = buildReport([result('project-files', 'pass', { title: 'Project files: found and valid', detail: 'Found.' }), result('simulation', 'skip', { title: 'Alexa simulation', detail: 'Not asked.' })], []);
    expect(renderText(good, plain, { verbose: false, width: 80 })).toBe(['alexa-link doctor', '', ' ✔ Project files     Found.', ' - Alexa simulation  Not asked.', '', '✔ 1/1 checks passed, 1 skipped'].join('\n'));
  });

  it('in ASCII: the same report with + ! x -> and ... only', () => {
    const text = renderText(broken, plain, { verbose: false, width: 80, unicode: false });
    expect(text).not.toMatch(/[^\x00-\x7f]/);
    expect(text).toContain(' x Client authentication   The token endpoint refuses...');
    expect(text).toContain(' x launch                 LaunchRequest . token sent . 200 . fail . LinkAccou...');
    expect(text).toContain('   -> Set "accessTokenScheme": "HTTP_BASIC" in accountLinking.json.');
    expect(text).toContain(' ! Linking configuration: Add "offline_access" to scopes.');
    expect(text).toContain(' x 3 Alexa -> token URL: the code and... <- fails here (token-endpoint-scheme)');
    expect(text).toContain('x 1/4 checks passed, 1 warning, 2 failed, 2 skipped . 0/3 replays passed');
  });

  it('-v: the full report, with the drawing when the terminal is wide enough', () => {
    const wide = renderText(broken, plain, { verbose: true, width: 120 });
    expect(wide).toContain('├──────────────▶│');
    expect(wide).toContain(' ✖ token-endpoint-scheme   Client authentication: as accessTokenScheme says (3 ms)');
    const narrow = renderText(broken, plain, { verbose: true, width: 80 });
    expect(narrow).not.toContain('├──');
    expect(narrow).toContain(' ✖ 3 Alexa → token URL: the code and… ← fails here (token-endpoint-scheme)');
  });
});

describe('compact layout helpers', () => {
  it.each([
    ['Found it. Then more.', 'Found it.'],
    ['✖ accountLinkingRequest.scopes: no refresh token. Add it.', 'accountLinkingRequest.scopes: no refresh token.'],
    ['Uses api.example.com and v1.2 (e.g. this). Next.', 'Uses api.example.com and v1.2 (e.g. this).'],
    ['\n\nFirst line\nsecond', 'First line'],
  ])('firstSentence(%j) = %j', (text, first) => {
    expect(firstSentence(text)).toBe(first);
  });
  it.each([
    ['short', 10, 'short'],
    ['one two three four', 12, 'one two…'],
    ['https://example.com/a/very/long/path', 12, 'https://exa…'],
  ])('clipToWidth(%j, %i) = %j', (text, width, clipped) => {
    expect(clipToWidth(text, width)).toBe(clipped);
  });
  it('clipMiddle keeps the start and the end', () => {
    expect(clipMiddle('builtin:intent:WhoAmIIntent-unlinked', 20)).toBe('builtin:in…-unlinked');
    expect(clipMiddle('short', 20)).toBe('short');
  });
  it.each([
    ['/work/main/test/fixtures/envelopes/launch-linked.json', 40, '/work/main/test/fixt…/launch-linked.json'],
    ['/work/main/test/fixtures/envelopes/launch-linked.json', 20, '…/launch-linked.json'],
    ['/work/main/test/fixtures/envelopes/launch-linked.json', 14, 'launch-…d.json'],
    ['captured/one.json', 20, 'captured/one.json'],
    ['builtin:intent:WhoAmIIntent-unlinked', 20, 'builtin:in…-unlinked'],
  ])('clipSource(%j, %i) = %j: a path keeps its file name', (source, width, clipped) => {
    expect(clipSource(source, width)).toBe(clipped);
    expect(displayWidth(clipped)).toBeLessThanOrEqual(width);
  });
  it.each<[string, number, string[]]>([
    ['alexa-link doctor --fix', 80, ['Next: alexa-link doctor --fix']],
    // A flag stays with its value; each broken line ends in " \\" and the rest hang under the command.
    ['alexa-link doctor --only replays --endpoint https://skill.example.com/alexa --token none', 58, ['Next: alexa-link doctor --only replays \\', '      --endpoint https://skill.example.com/alexa \\', '      --token none']],
    // A path too long to sit under the command: 4 columns in, alone on its line, never cut.
    ['alexa-link doctor --handler /a/very/long/path/to/the/skill/lambda/custom/index.js --offline', 40, ['Next: alexa-link doctor --handler \\', '    /a/very/long/path/to/the/skill/lambda/custom/index.js \\', '    --offline']],
  ])('commandLines(%j) at %i columns', (command, width, lines) => {
    expect(commandLines('Next: ', command, width)).toEqual(lines);
  });
  it('groupBySame keeps the order of first appearance', () => {
    expect(groupBySame(['a', 'b', 'a', 'c'], (x) => x)).toEqual([
      { key: 'a', items: ['a', 'a'] },
      { key: 'b', items: ['b'] },
      { key: 'c', items: ['c'] },
    ]);
  });
  it('the flow list fits the width it is given', () => {
    for (const width of [40, 60, 80]) for (const l of renderFlowList(hopStates(checks), plain, undefined, { width })) expect(displayWidth(l), l).toBeLessThanOrEqual(width);
  });
  it.each<[string, Partial<CheckResult>[], string | undefined]>([
    ['nothing failed', [{ id: 'a', status: 'warn' }], undefined],
    ['a fixable failure', [{ id: 'token-endpoint-scheme', status: 'fail', edits: [{ by: 'x', edit: { kind: 'set', field: 'accessTokenScheme', value: 'HTTP_BASIC' } }] }], 'alexa-link doctor --fix'],
    ['a failure and a fixable warning', [{ id: 'token-endpoint', status: 'fail' }, { id: 'linking-config', status: 'warn', edits: [{ by: 'x', edit: { kind: 'add', field: 'scopes', values: ['offline_access'] } }] }], 'alexa-link doctor --fix'],
    ['drift', [{ id: 'linking-remote-drift', status: 'fail' }], 'alexa-link configure'],
    ['a broken session', [{ id: 'session-tokens', status: 'fail' }], 'alexa-link login'],
    ['anything else: that check again', [{ id: 'token-endpoint', status: 'fail' }], 'alexa-link doctor --only token-endpoint'],
  ])('next command: %s', (_name, results, next) => {
    expect(nextCommand(buildReport(results.map((r) => result(r.id!, r.status!, r)), []))).toBe(next);
  });
});
