import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { ProbeEvidence, ReplayEvidence } from '../../src/replay/evidence.js';
import { InputError } from '../../src/errors.js';
import { validateRequest } from '../../src/replay/envelopes.js';
import { envelopesFromDocument } from '../../src/replay/sources.js';
import { customKind, type CustomAnswer } from '../../src/replay/kinds/custom.js';
import { kindForManifestApis, kindOf, kindsForManifestApis, planBuiltins, type BuiltinPlan } from '../../src/replay/kinds/index.js';
import {
  buildDirective,
  smartHomeKind,
  directiveProblems,
  directiveToken,
  discoveredEndpoints,
  judgeSmartHome,
  looksLikeDirective,
  pickControlEndpoint,
  refreshDirective,
  smartHomeV2Message,
  summarizeSmartHomeAnswer,
  tokenFieldOf,
  withDirectiveToken,
  type Directive,
  type SmartHomeAnswerSummary,
  type SmartHomeEvidence,
  type SmartHomeFacts,
} from '../../src/replay/kinds/smart-home.js';

const FIXTURES = new URL('../fixtures/envelopes/smart-home/', import.meta.url);
const fixture = async (name: string) => JSON.parse(await readFile(new URL(name, FIXTURES), 'utf8')) as unknown;

describe('smart home directives', () => {
  it.each([
    ['AcceptGrant', 'directive.payload.grantee.token'],
    ['Discover', 'directive.payload.scope.token'],
    ['TurnOn', 'directive.endpoint.scope.token'],
    ['ReportState', 'directive.endpoint.scope.token'],
  ] as const)('%s carries the token at %s; set, read and remove it there', (which, field) => {
    const bare = buildDirective(which, { endpointId: 'lamp-1' });
    expect(tokenFieldOf(bare)).toBe(field);
    expect(directiveToken(bare)).toBeUndefined();
    const withToken = withDirectiveToken(bare, 'tok-123');
    expect(directiveToken(withToken)).toBe('tok-123');
    const path = field.split('.').slice(0, -1);
    let at: unknown = withToken;
    for (const key of path) at = (at as Record<string, unknown>)[key];
    expect(at).toEqual({ type: 'BearerToken', token: 'tok-123' });
    expect(directiveToken(bare)).toBeUndefined(); // the original is untouched
    const removed = withDirectiveToken(withToken, undefined);
    expect(directiveToken(removed)).toBeUndefined();
    expect(JSON.stringify(removed)).not.toContain('tok-123');
    if (which === 'TurnOn' || which === 'ReportState') {
      expect((removed.directive.endpoint as Record<string, unknown>).endpointId).toBe('lamp-1');
      expect(typeof removed.directive.header.correlationToken).toBe('string');
    }
    if (which === 'AcceptGrant') expect((removed.directive.payload as Record<string, unknown>).grant).toMatchObject({ type: 'OAuth2.AuthorizationCode' });
  });

  it('refreshes the messageId and keeps the correlationToken', () => {
    const d = buildDirective('TurnOn', { token: 't' });
    const before = { ...d.directive.header };
    const after = refreshDirective(structuredClone(d)).directive.header;
    expect(after.messageId).not.toBe(before.messageId);
    expect(after.messageId).toMatch(/^[0-9a-f-]{36}$/);
    expect(after.correlationToken).toBe(before.correlationToken);
    expect(after.payloadVersion).toBe('3');
  });

  it('recognises directive files and says what is wrong with broken ones', async () => {
    for (const name of ['discover.json', 'turn-on.json', 'accept-grant.json']) {
      const doc = await fixture(name);
      expect(looksLikeDirective(doc), name).toBe(true);
      expect(directiveProblems(doc), name).toEqual([]);
      expect(directiveToken(doc as Directive)).toBe('fixture-token-captured-in-lambda-logs');
    }
    expect(looksLikeDirective({ version: '1.0', context: {}, request: { type: 'LaunchRequest' } })).toBe(false);
    expect(directiveProblems({ directive: { header: { namespace: 'Alexa.Discovery' } } })).toEqual(['directive.header.name must be a string such as "Discover", not missing']);
    expect(directiveProblems({ directive: { header: { namespace: 'Alexa', name: 'ReportState', payloadVersion: 3 }, endpoint: { scope: { token: 5 } } } })).toEqual([
      'directive.header.payloadVersion must be the string "3", not a number',
      'directive.endpoint.scope.token must be a string, not a number',
    ]);
    expect(directiveProblems({ directive: { header: { namespace: 'Alexa.Discovery', name: 'Discover' }, payload: { scope: 'tok' } } })).toEqual(['directive.payload.scope must be an object, not a string']);
    expect(directiveProblems([])).toEqual(['expected a smart home directive ({"directive": {"header": …, "payload": …}}), found an array']);
  });

  it('picks the first switchable discovered endpoint for the control built-ins', () => {
    const answer = {
      event: {
        header: { namespace: 'Alexa.Discovery', name: 'Discover.Response', messageId: 'm', payloadVersion: '3' },
        payload: {
          endpoints: [
            { endpointId: 'sensor-1', friendlyName: 'Sensor', capabilities: [{ interface: 'Alexa' }, { interface: 'Alexa.TemperatureSensor' }] },
            { friendlyName: 'No ID' },
            { endpointId: 'plug-2', friendlyName: 'Plug', capabilities: [{ interface: 'Alexa' }, { interface: 'Alexa.PowerController' }] },
          ],
        },
      },
    };
    const endpoints = discoveredEndpoints(answer);
    expect(endpoints.map((e) => e.endpointId)).toEqual(['sensor-1', 'plug-2']);
    expect(pickControlEndpoint(endpoints)?.endpointId).toBe('plug-2');
    expect(pickControlEndpoint(endpoints.slice(0, 1))?.endpointId).toBe('sensor-1');
    expect(pickControlEndpoint([])).toBeUndefined();
    expect(discoveredEndpoints({ nope: true })).toEqual([]);
  });
});

describe('summarizeSmartHomeAnswer', () => {
  it.each([
    [
      'Discover.Response with one complete and one incomplete endpoint',
      { event: { header: { namespace: 'Alexa.Discovery', name: 'Discover.Response', messageId: 'm', payloadVersion: '3' }, payload: { endpoints: [{ endpointId: 'a', friendlyName: 'A', capabilities: [{}] }, { endpointId: 'b' }] } } },
      { event: 'Alexa.Discovery Discover.Response', payloadVersion: '3', messageId: true, endpoints: 2, incompleteEndpoints: ['b (no friendlyName, capabilities)'], endpointIds: ['a', 'b'], switchable: [] },
    ],
    [
      'an Alexa.Response with state',
      {
        event: { header: { namespace: 'Alexa', name: 'Response', messageId: 'm', correlationToken: 'c', payloadVersion: '3' }, endpoint: { endpointId: 'e' }, payload: {} },
        context: { properties: [{ namespace: 'Alexa.PowerController', name: 'powerState', value: 'ON' }, { namespace: 'Alexa.EndpointHealth', name: 'connectivity', value: { value: 'OK' } }] },
      },
      { event: 'Alexa Response', payloadVersion: '3', messageId: true, correlationToken: 'c', endpointId: 'e', properties: ['Alexa.PowerController.powerState=ON', 'Alexa.EndpointHealth.connectivity={"value":"OK"}'] },
    ],
    [
      'an ErrorResponse',
      { event: { header: { namespace: 'Alexa', name: 'ErrorResponse', payloadVersion: '3' }, payload: { type: 'INTERNAL_ERROR', message: 'oops' } } },
      { event: 'Alexa ErrorResponse', payloadVersion: '3', messageId: false, errorType: 'INTERNAL_ERROR', errorMessage: 'oops' },
    ],
    ['a custom-skill response', { version: '1.0', response: { outputSpeech: { type: 'PlainText', text: 'hi' } } }, {}],
    ['nothing', undefined, {}],
  ] as [string, unknown, SmartHomeAnswerSummary][])('%s', (_label, answer, expected) => {
    expect(summarizeSmartHomeAnswer(answer)).toEqual(expected);
  });
});

const ok = { payloadVersion: '3', messageId: true };
const base = { status: 200, latencyMs: 40, targetName: 'the handler' };
const discoverOk: SmartHomeAnswerSummary = { event: 'Alexa.Discovery Discover.Response', endpoints: 1, incompleteEndpoints: [], ...ok };
const invalid: SmartHomeAnswerSummary = { event: 'Alexa ErrorResponse', errorType: 'INVALID_AUTHORIZATION_CREDENTIAL', ...ok };
const expired: SmartHomeAnswerSummary = { event: 'Alexa ErrorResponse', errorType: 'EXPIRED_AUTHORIZATION_CREDENTIAL', ...ok };
const internal: SmartHomeAnswerSummary = { event: 'Alexa ErrorResponse', errorType: 'INTERNAL_ERROR', errorMessage: 'Something went wrong.', ...ok };
const turnedOn: SmartHomeAnswerSummary = { event: 'Alexa Response', correlationToken: 'corr-1', endpointId: 'lamp-1', properties: ['Alexa.PowerController.powerState=ON'], ...ok };
const control = { namespace: 'Alexa.PowerController', name: 'TurnOn', correlationToken: 'corr-1', endpointId: 'lamp-1' };
const report = { namespace: 'Alexa', name: 'ReportState', correlationToken: 'corr-1', endpointId: 'lamp-1' };
const discover = { namespace: 'Alexa.Discovery', name: 'Discover' };
const grant = { namespace: 'Alexa.Authorization', name: 'AcceptGrant' };

type Row = [label: string, evidence: Partial<SmartHomeEvidence> & Pick<SmartHomeEvidence, 'namespace' | 'name' | 'token'>, verdict: 'pass' | 'warn' | 'fail', explanation: RegExp, fix?: RegExp];

const ROWS: Row[] = [
  // Discover
  ['Discover with the token: endpoints', { ...discover, token: 'sent', answer: discoverOk }, 'pass', /^Discover with the token at directive\.payload\.scope\.token: the token arrived and the skill discovered 1 endpoint\.$/],
  ['Discover with the token: no endpoints', { ...discover, token: 'sent', answer: { ...discoverOk, endpoints: 0 } }, 'fail', /Discover\.Response has no endpoints\. The user hears "no new devices found"/, /payload\.endpoints/],
  ['Discover with the token: endpoint without capabilities', { ...discover, token: 'sent', answer: { ...discoverOk, endpoints: 2, incompleteEndpoints: ['b (no capabilities)'] } }, 'fail', /has 2 endpoints, but b \(no capabilities\)/, /endpointId, a friendlyName and capabilities/],
  ['Discover with the token refused', { ...discover, token: 'sent', answer: invalid }, 'fail', /answered Alexa ErrorResponse INVALID_AUTHORIZATION_CREDENTIAL: it did not find or did not accept the token\. Discover carries the token at directive\.payload\.scope\.token/, /Read the token at directive\.payload\.scope\.token/],
  ['Discover with the token: something else', { ...discover, token: 'sent', answer: { event: 'Alexa Response', ...ok } }, 'fail', /answered Alexa Response, not Discover\.Response/],
  ['Discover without a token: credential error', { ...discover, token: 'none', answer: invalid }, 'pass', /^Discover without a token \(nothing at directive\.payload\.scope\.token\): the skill answered INVALID_AUTHORIZATION_CREDENTIAL, so Alexa knows/],
  ['Discover with a made-up token: EXPIRED_', { ...discover, token: 'made-up', answer: expired }, 'pass', /with a made-up token at directive\.payload\.scope\.token: the skill answered EXPIRED_AUTHORIZATION_CREDENTIAL/],
  ['Discover without a token: devices anyway', { ...discover, token: 'none', answer: discoverOk }, 'fail', /as if the user were linked\. It hands out the device list without a valid token/, /Read the token at directive\.payload\.scope\.token and check it at your provider/],
  ['Discover with a made-up token: INTERNAL_ERROR', { ...discover, token: 'made-up', answer: internal }, 'fail', /answered Alexa ErrorResponse INTERNAL_ERROR \("Something went wrong\."\) instead of a credential error\. Alexa then tells the user the device is not responding/, /INVALID_AUTHORIZATION_CREDENTIAL/],
  ['Discover threw', { ...discover, token: 'sent', error: { kind: 'threw', message: "Cannot read properties of undefined (reading 'token')" } }, 'fail', /^Discover with the token at directive\.payload\.scope\.token: Cannot read properties of undefined \(reading 'token'\)\. Alexa finds no devices/],
  // The handler never loaded: the fix is the load's hint (install the module), not advice on answering.
  ['Discover, handler not loaded', { ...discover, token: 'sent', error: { kind: 'load', message: "Could not load the handler index.js#handler: Cannot find module 'aws-sdk'", hint: 'For local replays install it: npm install --no-save aws-sdk@2.' } }, 'fail', /^Could not load the handler index\.js#handler: Cannot find module 'aws-sdk'\. No directive gets an answer: Alexa finds no devices, and AcceptGrant fails/, /^For local replays install it: npm install --no-save aws-sdk@2\.$/],
  // The same explanation for every directive when the handler did not load: the report shows one problem, not one per directive.
  ['AcceptGrant, handler not loaded (the same words as Discover)', { ...grant, token: 'sent', error: { kind: 'load', message: "Could not load the handler index.js#handler: Cannot find module 'aws-sdk'", hint: 'For local replays install it: npm install --no-save aws-sdk@2.' } }, 'fail', /^Could not load the handler index\.js#handler: Cannot find module 'aws-sdk'\. No directive gets an answer: Alexa finds no devices, and AcceptGrant fails while "Send Alexa Events" is on\. For local replays install it: npm install --no-save aws-sdk@2\.$/, /^For local replays install it/],
  // Control and ReportState
  ['TurnOn with the token: Response', { ...control, token: 'sent', answer: turnedOn }, 'pass', /^TurnOn with the token at directive\.endpoint\.scope\.token: the token arrived and the skill answered Response \(Alexa\.PowerController\.powerState=ON\) for the same correlationToken and endpoint\.$/],
  ['ReportState with the token: StateReport', { ...report, token: 'sent', answer: { ...turnedOn, event: 'Alexa StateReport' } }, 'pass', /ReportState with the token at directive\.endpoint\.scope\.token: .*answered StateReport/],
  ['ReportState answered with Response', { ...report, token: 'sent', answer: turnedOn }, 'fail', /answered Alexa Response, not StateReport/],
  ['TurnOn refused although sent (wrong field)', { ...control, token: 'sent', answer: invalid }, 'fail', /Control directives and ReportState carry the token at directive\.endpoint\.scope\.token, not at directive\.payload\.scope\.token like Discover/, /Read the token at directive\.endpoint\.scope\.token/],
  ['TurnOn: correlationToken not echoed', { ...control, token: 'sent', answer: { ...turnedOn, correlationToken: undefined } }, 'fail', /the answer has correlationToken missing \(sent "corr-1"\)\. Alexa cannot match/, /correlationToken/],
  ['TurnOn: other endpoint', { ...control, token: 'sent', answer: { ...turnedOn, endpointId: 'other' } }, 'fail', /event\.endpoint\.endpointId "other" \(sent "lamp-1"\)/],
  ['TurnOn on the placeholder: NO_SUCH_ENDPOINT', { ...control, token: 'sent', placeholderEndpoint: true, answer: { event: 'Alexa ErrorResponse', errorType: 'NO_SUCH_ENDPOINT', ...ok } }, 'warn', /NO_SUCH_ENDPOINT for alexa-link's placeholder endpoint/],
  ['TurnOn on a discovered endpoint: NO_SUCH_ENDPOINT', { ...control, token: 'sent', answer: { event: 'Alexa ErrorResponse', errorType: 'NO_SUCH_ENDPOINT', ...ok } }, 'fail', /answered Alexa ErrorResponse NO_SUCH_ENDPOINT instead of Response\. Alexa tells the user the device is not responding/, /Find out why the skill answered NO_SUCH_ENDPOINT/],
  ['TurnOn with the token: ENDPOINT_UNREACHABLE', { ...control, token: 'sent', answer: { event: 'Alexa ErrorResponse', errorType: 'ENDPOINT_UNREACHABLE', ...ok } }, 'fail', /instead of Response/, /with a valid token it should answer TurnOn with an Alexa\.Response event/],
  ['TurnOn without a token: credential error', { ...control, token: 'none', answer: { ...invalid, correlationToken: 'corr-1', endpointId: 'lamp-1' } }, 'pass', /^TurnOn without a token \(nothing at directive\.endpoint\.scope\.token\): the skill answered INVALID_AUTHORIZATION_CREDENTIAL/],
  // A credential error Alexa cannot match to its directive does not tell Alexa anything.
  ['TurnOn without a token: credential error without the echo', { ...control, token: 'none', answer: invalid }, 'fail', /the skill answered INVALID_AUTHORIZATION_CREDENTIAL, but the answer has correlationToken missing \(sent "corr-1"\) and event\.endpoint\.endpointId missing \(sent "lamp-1"\)\. Alexa cannot match the answer/, /Copy directive\.header\.correlationToken into event\.header\.correlationToken, and directive\.endpoint\.endpointId into event\.endpoint\.endpointId, in ErrorResponses too/],
  ['ReportState with a made-up token: EXPIRED_ with another correlationToken', { ...report, token: 'made-up', answer: { ...expired, correlationToken: 'other', endpointId: 'lamp-1' } }, 'fail', /answered EXPIRED_AUTHORIZATION_CREDENTIAL, but the answer has correlationToken "other" \(sent "corr-1"\)\./],
  // DeferredResponse: allowed for control directives (the Alexa.Response goes to the event gateway), not for ReportState.
  ['TurnOn with the token: DeferredResponse', { ...control, token: 'sent', answer: { event: 'Alexa DeferredResponse', correlationToken: 'corr-1', ...ok } }, 'pass', /^TurnOn with the token at directive\.endpoint\.scope\.token: the token arrived and the skill answered DeferredResponse for the same correlationToken.*the Alexa\.Response the skill sends to the event gateway; alexa-link does not see that one, so it is not checked\.$/],
  ['TurnOn: DeferredResponse without the correlationToken', { ...control, token: 'sent', answer: { event: 'Alexa DeferredResponse', ...ok } }, 'fail', /answered DeferredResponse, but with correlationToken missing \(sent "corr-1"\)/, /correlationToken/],
  ['ReportState with the token: DeferredResponse', { ...report, token: 'sent', answer: { event: 'Alexa DeferredResponse', correlationToken: 'corr-1', ...ok } }, 'fail', /ReportState with the token at directive\.endpoint\.scope\.token: the skill answered DeferredResponse\. .*Alexa expects ReportState to be answered with a StateReport/, /Alexa\.StateReport/],
  ['TurnOn without a token: DeferredResponse', { ...control, token: 'none', answer: { event: 'Alexa DeferredResponse', correlationToken: 'corr-1', ...ok } }, 'fail', /as if the user were linked/],
  ['TurnOn with a made-up token: turned on anyway', { ...control, token: 'made-up', answer: turnedOn }, 'fail', /as if the user were linked\. It acts on the device without a valid token/, /directive\.endpoint\.scope\.token/],
  ['TurnOn without a token: INTERNAL_ERROR', { ...control, token: 'none', answer: internal }, 'fail', /INTERNAL_ERROR .* instead of a credential error/, /Check the token at directive\.endpoint\.scope\.token/],
  ['TurnOn too slow', { ...control, token: 'sent', answer: turnedOn, latencyMs: 9100 }, 'fail', /too late\. It took 9100 ms; Alexa gives up after 8 s/],
  ['TurnOn: timeout', { ...control, token: 'sent', status: null, error: { kind: 'timeout', message: 'The handler did not answer within 8000 ms' } }, 'fail', /did not answer within 8000 ms\. Alexa tells the user the device is not responding/, /Answer within 8 s/],
  ['TurnOn: a custom-skill answer', { ...control, token: 'sent', answer: {} }, 'fail', /did not answer with a smart home event/],
  ['TurnOn: HTTP 502', { ...control, token: 'sent', status: 502, answer: undefined }, 'fail', /the handler answered HTTP 502/],
  ['TurnOn: payloadVersion "2"', { ...control, token: 'sent', answer: { ...turnedOn, payloadVersion: '2' } }, 'warn', /But event\.header\.payloadVersion is "2", not "3"/, /payloadVersion to "3"/],
  // AcceptGrant
  ['AcceptGrant: Response', { ...grant, token: 'sent', answer: { event: 'Alexa.Authorization AcceptGrant.Response', ...ok } }, 'pass', /^AcceptGrant with the token at directive\.payload\.grantee\.token: the skill accepted the grant, as Alexa expects\.$/],
  ['AcceptGrant made-up: ACCEPT_GRANT_FAILED', { ...grant, token: 'made-up', answer: { event: 'Alexa.Authorization ErrorResponse', errorType: 'ACCEPT_GRANT_FAILED', ...ok } }, 'pass', /refused the grant with ACCEPT_GRANT_FAILED/],
  ['AcceptGrant: an Alexa ErrorResponse', { ...grant, token: 'none', answer: { event: 'Alexa ErrorResponse', errorType: 'INVALID_AUTHORIZATION_CREDENTIAL', ...ok } }, 'fail', /Alexa accepts only AcceptGrant\.Response or an Alexa\.Authorization ErrorResponse of type ACCEPT_GRANT_FAILED/, /AcceptGrant\.Response/],
  ['AcceptGrant: threw', { ...grant, token: 'sent', error: { kind: 'threw', message: 'ResourceNotFoundException: Requested resource not found' } }, 'fail', /AcceptGrant with the token at directive\.payload\.grantee\.token: ResourceNotFoundException: Requested resource not found\. Alexa gets no answer to AcceptGrant, so linking fails/, /never let the handler throw/],
  ['AcceptGrant: too slow', { ...grant, token: 'sent', latencyMs: 8500, answer: { event: 'Alexa.Authorization AcceptGrant.Response', ...ok } }, 'fail', /but too late\. It took 8500 ms/],
];

describe('judgeSmartHome (pure, from evidence)', () => {
  it.each(ROWS)('%s → %s', (_label, evidence, verdict, explanation, fix) => {
    const j = judgeSmartHome({ ...base, ...evidence } as SmartHomeEvidence);
    expect(j.verdict).toBe(verdict);
    expect(j.explanation).toMatch(explanation);
    if (fix) expect(j.fix).toMatch(fix);
    // Every explanation names the directive and the token field, except a handler that did not
    // load: then every directive fails alike, in the same words.
    if ((evidence as { error?: { kind: string } }).error?.kind !== 'load') {
      expect(j.explanation).toContain(evidence.name);
      expect(j.explanation).toMatch(/directive\.(payload\.grantee|payload\.scope|endpoint\.scope)\.token/);
    }
    if (j.verdict !== 'pass') expect(j.fix).toBeTruthy();
  });
});

describe('smartHomeKind (behind the skill-kind interface)', () => {
  const kind = smartHomeKind;
  const turnOn = buildDirective('TurnOn', { token: 'tok-123', endpointId: 'lamp-1' });

  it('is registered: kindOf and the manifest API find it', () => {
    expect(kindOf(turnOn)).toBe(smartHomeKind);
    expect(kindForManifestApis(['smartHome']).id).toBe('smart-home');
    expect(kindForManifestApis(['custom', 'smartHome']).id).toBe('custom');
    expect(kindsForManifestApis(['custom', 'smartHome']).map((k) => k.id)).toEqual(['custom', 'smart-home']);
    expect(kindsForManifestApis(['video'])).toEqual([]);
  });

  it('token places: the directive\'s own always, another only when it holds a token', () => {
    expect(kind.tokenIn(turnOn)).toEqual({ endpoint: true });
    expect(kind.tokenIn(buildDirective('Discover'))).toEqual({ scope: false });
    const misplaced = kind.withToken(buildDirective('TurnOn', { endpointId: 'lamp-1' }), 'tok-9', ['scope']);
    expect(kind.tokenIn(misplaced)).toEqual({ endpoint: false, scope: true });
    expect(kind.readToken(misplaced, 'scope')).toBe('tok-9');
    const removed = kind.withToken(turnOn, undefined);
    expect(kind.tokenIn(removed)).toEqual({ endpoint: false });
    // The scope's shape stays (Alexa never sends a directive without it); only the token goes.
    expect((removed.directive as { endpoint: Record<string, unknown> }).endpoint).toEqual({ endpointId: 'lamp-1', cookie: {}, scope: { type: 'BearerToken' } });
    // A Discover gets no endpoint object from having its token removed.
    expect(kind.withToken(buildDirective('Discover', { token: 't' }), undefined)).not.toHaveProperty('directive.endpoint');
  });

  it('normalises a null token to none, and notes an old payload version', () => {
    const doc = { directive: { header: { namespace: 'Alexa.Discovery', name: 'Discover', payloadVersion: '2', messageId: 'm' }, payload: { scope: { type: 'BearerToken', token: null } } } };
    expect(kind.problems(doc)).toEqual([]);
    const n = kind.normalise(doc);
    expect(n).not.toBe(doc);
    expect(kind.tokenIn(n)).toEqual({ scope: false });
    expect(kind.notes(n)).toEqual(['This directive has payloadVersion "2": Alexa sends version 3 directives today (version 2 is retired).']);
  });

  it('facts carry what the answer must echo; secrets include the tokens and the grant code', () => {
    expect(kind.facts(turnOn)).toMatchObject({ type: 'Alexa.PowerController.TurnOn', label: 'Alexa.PowerController.TurnOn', answerOptional: false, endpointId: 'lamp-1', correlationToken: expect.stringMatching(/^alexa-link-/) });
    expect(kind.facts(buildDirective('TurnOn'))).toMatchObject({ placeholderEndpoint: true });
    expect(kind.secrets(buildDirective('AcceptGrant', { token: 'grantee-tok' }))).toEqual(['grantee-tok', 'alexa-link-doctor-made-up-grant-code']);
  });

  it('built-ins: AcceptGrant, Discover, then ReportState and TurnOn made from Discover\'s answer (a placeholder without one)', () => {
    const input = { skillId: undefined, locale: 'en-US', interactionModel: undefined, requests: [] };
    const built = kind.builtins(input);
    expect(built.map((b) => [b.source, b.after?.source])).toEqual([
      ['builtin:accept-grant', undefined],
      ['builtin:discover', undefined],
      ['builtin:report-state', 'builtin:discover'],
      ['builtin:turn-on', 'builtin:discover'],
    ]);
    for (const b of built) expect(Object.values(kind.tokenIn(b.document)).some(Boolean)).toBe(false);
    const turn = built[3]!;
    const made = turn.after!.make({ event: 'Alexa.Discovery Discover.Response', endpointIds: ['sensor-1', 'plug-2'], switchable: ['plug-2'] });
    expect(kind.facts(made)).toMatchObject({ type: 'Alexa.PowerController.TurnOn', endpointId: 'plug-2' });
    expect(kind.facts(turn.after!.make({ event: 'Alexa ErrorResponse', errorType: 'INVALID_AUTHORIZATION_CREDENTIAL' }))).toMatchObject({ endpointId: 'alexa-link-placeholder-endpoint' });
    // --request turn-on alone: no Discover to wait for, so the placeholder straight away.
    expect(kind.builtins({ ...input, requests: ['turn-on'] }).map((b) => [b.source, b.after])).toEqual([['builtin:turn-on', undefined]]);
  });

  it('probes: none, or without a token and with a made-up one of the same shape at the same place', () => {
    expect(kind.probes(turnOn, 'none')).toEqual([]);
    expect(kind.probes(turnOn, 'placement')).toEqual([]);
    expect(kind.probes(buildDirective('TurnOn'), 'all')).toEqual([]);
    const probes = kind.probes(turnOn, 'all');
    expect(probes.map((p) => p.id)).toEqual(['no-token', 'made-up-token']);
    expect(kind.tokenIn(probes[0]!.make(turnOn))).toEqual({ endpoint: false });
    const fake = kind.readToken(probes[1]!.make(turnOn), 'endpoint')!;
    expect(fake).not.toBe('tok-123');
    expect(fake).toHaveLength('tok-123'.length);
  });

  it('an answer is an event; describe says it in a few words', () => {
    expect(kind.isResponse({ event: { header: {} } }, kind.facts(turnOn))).toBe(true);
    expect(kind.isResponse({ version: '1.0', response: {} }, kind.facts(turnOn))).toBe(false);
    const d = kind.describe!;
    expect(d({ event: 'Alexa.Discovery Discover.Response', endpoints: 2 })).toBe('Discover.Response, 2 endpoints');
    expect(d({ event: 'Alexa ErrorResponse', errorType: 'INTERNAL_ERROR' })).toBe('ErrorResponse INTERNAL_ERROR');
    expect(d({ event: 'Alexa Response', properties: ['Alexa.PowerController.powerState=ON'] })).toBe('Response (powerState ON)');
    expect(d({})).toBe('no smart home event');
  });

  const evidence = (over: Partial<ReplayEvidence<SmartHomeAnswerSummary>>): ReplayEvidence<SmartHomeAnswerSummary> => ({
    kind: 'smart-home',
    request: kind.facts(turnOn),
    tokenIn: { endpoint: true },
    tokenOrigin: 'session',
    style: 'raw',
    targetName: 'the handler',
    offline: false,
    status: 200,
    latencyMs: 20,
    logs: [],
    logsDropped: 0,
    probes: [],
    notes: [],
    ...over,
  });
  const f = kind.facts(turnOn) as SmartHomeFacts & { correlationToken: string };
  const response: SmartHomeAnswerSummary = { event: 'Alexa Response', correlationToken: f.correlationToken, endpointId: 'lamp-1', payloadVersion: '3', messageId: true };
  const credential: SmartHomeAnswerSummary = { event: 'Alexa ErrorResponse', errorType: 'INVALID_AUTHORIZATION_CREDENTIAL', correlationToken: f.correlationToken, endpointId: 'lamp-1', payloadVersion: '3', messageId: true };
  const probe = (id: 'no-token' | 'made-up-token', answer: SmartHomeAnswerSummary | undefined, extra: Partial<ProbeEvidence<SmartHomeAnswerSummary>> = {}): ProbeEvidence<SmartHomeAnswerSummary> => ({
    id,
    title: id === 'no-token' ? 'no token' : 'a made-up token of the same shape',
    tokenIn: { endpoint: id !== 'no-token' },
    status: 200,
    latencyMs: 10,
    logs: [],
    logsDropped: 0,
    ...(answer ? { answer } : {}),
    ...extra,
  });

  it.each<[string, Partial<ReplayEvidence<SmartHomeAnswerSummary>>, 'pass' | 'warn' | 'fail', RegExp, RegExp | undefined]>([
    ['the token works and the probes get credential errors', { answer: response, probes: [probe('no-token', credential), probe('made-up-token', credential)] }, 'pass', /answered Response for the same correlationToken and endpoint\. Probes: no token → INVALID_AUTHORIZATION_CREDENTIAL; a made-up token of the same shape → INVALID_AUTHORIZATION_CREDENTIAL\.$/, undefined],
    ['a made-up token turns the device on too', { answer: response, probes: [probe('no-token', credential), probe('made-up-token', response)] }, 'fail', /TurnOn with a made-up token at directive\.endpoint\.scope\.token: the skill answered Alexa Response, as if the user were linked/, /check it at your provider/],
    ['the main attempt threw, and the probes the same way', { error: { kind: 'threw', message: 'The handler failed: TypeError: x is undefined.' }, status: null, probes: [probe('no-token', undefined, { status: null, error: { kind: 'threw', message: 'The handler failed: TypeError: x is undefined.' } })] }, 'fail', /x is undefined\. Alexa tells the user the device is not responding\. It failed the same way without a token\.$/, /Catch the failure/],
    ['the handler logged an error before throwing', { error: { kind: 'threw', message: 'The handler failed: boom.' }, status: null, logs: [{ level: 'error', text: 'DynamoDB: table not found' }] }, 'fail', /boom\. It logged: “DynamoDB: table not found”/, undefined],
    ['a token only at the wrong place', { tokenIn: { endpoint: false, scope: true }, answer: credential }, 'pass', /This directive carries a token at directive\.payload\.scope\.token, where Alexa never puts it for TurnOn\./, undefined],
    ['not an event at all', { notAResponse: true }, 'fail', /did not answer with a smart home event/, /Answer every directive with an event/],
  ])('%s → %s', (_label, over, verdict, explanation, fix) => {
    const j = kind.judge(evidence(over));
    expect(j.verdict).toBe(verdict);
    expect(j.explanation).toMatch(explanation);
    if (fix) expect(j.fix).toMatch(fix);
    if (verdict === 'pass') expect(j.fix).toBeUndefined();
  });

  it('its flow names the smart home hops', () => {
    expect(kind.flow!.map((h) => h.label)).toEqual([
      'AcceptGrant: grant code, token at payload.grantee (Send Alexa Events on)',
      'Discover after linking (payload.scope.token), then directives (endpoint.scope.token)',
      'answer: Discover.Response, Alexa.Response; a credential ErrorResponse without a good token',
    ]);
    expect(kind.flow![0]!.requestTypes).toEqual(['Alexa.Authorization.AcceptGrant']);
  });
});

describe('planBuiltins: which kinds\' built-ins a run replays (manifest APIs, --request names)', () => {
  const groups = (p: ReturnType<typeof planBuiltins>) => ('error' in p ? p : (p as BuiltinPlan).groups.map((g) => [g.kind.id, g.requests]));
  it.each<[string, string[], string[], unknown]>([
    ['a plain folder: the custom skill\'s defaults', [], [], [['custom', []]]],
    ['a plain folder with smart home names: smart home', [], ['discover', 'turn-on'], [['smart-home', ['discover', 'turn-on']]]],
    ['a plain folder, names of both kinds: each kind its own', [], ['discover', 'launch'], [['smart-home', ['discover']], ['custom', ['launch']]]],
    ['custom and smart home APIs: the built-ins of each', ['custom', 'smartHome'], [], [['custom', []], ['smart-home', []]]],
    ['smart home only', ['smartHome'], [], [['smart-home', []]]],
    ['video only: no built-ins', ['video'], [], []],
    ['an API without a kind (householdList): custom, as before', ['householdList'], [], [['custom', []]]],
  ])('%s', (_label, apis, requests, expected) => {
    expect(groups(planBuiltins(apis, requests))).toEqual(expected);
  });

  it('a video skill says why it has no built-ins', () => {
    expect((planBuiltins(['video'], []) as BuiltinPlan).notes).toEqual(['video skills: alexa-link has no built-in directives; replay captured directives with --envelopes']);
    expect((planBuiltins(['custom', 'video'], []) as BuiltinPlan).groups.map((g) => g.kind.id)).toEqual(['custom']);
  });

  it('--intent alone on a smart home skill: the error names --intent', () => {
    expect(planBuiltins(['smartHome'], ['intent'], 'WhoAmIIntent')).toMatchObject({ error: '--intent: WhoAmIIntent makes an IntentRequest, a custom skill request, but skill.json declares apis.smartHome and no apis.custom.' });
  });

  it.each<[string, string[], string[], RegExp, RegExp]>([
    ['launch on a smart home skill', ['smartHome'], ['launch'], /^--request: "launch" is a custom skill request, but skill\.json declares apis\.smartHome and no apis\.custom\.$/, /^Valid names for this skill: accept-grant, discover, report-state, turn-on\.$/],
    ['discover turn-on launch on a smart home skill', ['smartHome'], ['discover', 'turn-on', 'launch'], /"launch" is a custom skill request/, /accept-grant, discover/],
    ['discover on a custom skill', ['custom'], ['discover'], /^--request: "discover" is a smart home skill request, but skill\.json declares apis\.custom and no apis\.smartHome\.$/, /launch, intent, session-ended/],
    ['a name no kind has', [], ['turn-off'], /^--request: "turn-off" is not a built-in request of any skill kind\.$/, /Valid names: launch, .*turn-on\.$/],
    ['discover on a video skill', ['video'], ['discover'], /declares apis\.video and no apis\.smartHome/, /^Video skills: alexa-link has no built-in directives/],
  ])('%s: a usage error naming the flag, the value and the valid names', (_label, apis, requests, error, hint) => {
    const p = planBuiltins(apis, requests);
    expect(p).toHaveProperty('error');
    const e = p as { error: string; hint: string };
    expect(e.error).toMatch(error);
    expect(e.hint).toMatch(hint);
  });
});

describe('a smart home handler sent a custom skill request: the custom kind says so', () => {
  const launch = customKind.builtins({ skillId: undefined, locale: 'en-US', interactionModel: undefined, requests: ['launch'] })[0]!.document;
  const evidence = (over: Partial<ReplayEvidence<CustomAnswer>>): ReplayEvidence<CustomAnswer> => ({
    kind: 'custom',
    request: customKind.facts(launch),
    tokenIn: { context: false, session: false },
    tokenOrigin: 'envelope',
    style: 'unknown',
    targetName: 'the handler',
    offline: false,
    status: 200,
    latencyMs: 20,
    logs: [],
    logsDropped: 0,
    probes: [],
    notes: [],
    ...over,
  });
  it.each<[string, Partial<ReplayEvidence<CustomAnswer>>, RegExp]>([
    ['it answered an Alexa event', { notAResponse: true, answerOfKind: 'smart-home' }, /it answered with an Alexa event \(\{"event": \{"header": …\}\}\), as a smart home skill does/],
    ['it failed reading the header', { status: null, error: { kind: 'threw', message: "The handler failed: TypeError: Cannot read properties of undefined (reading 'header')." } }, /it failed reading a smart home directive \(.*reading 'header'/],
  ])('%s', (_label, over, explanation) => {
    const j = customKind.judge(evidence(over));
    expect(j.verdict).toBe('fail');
    expect(j.explanation).toMatch(/^This looks like a smart home skill's handler: /);
    expect(j.explanation).toMatch(explanation);
    expect(j.fix).toMatch(/^Replay smart home directives instead: alexa-link doctor --request discover/);
  });
  it('a custom skill failing for its own reasons gets no such hint', () => {
    const j = customKind.judge(evidence({ notAResponse: true }));
    expect(j.explanation).not.toMatch(/smart home/);
  });
});

describe('Smart Home API v2 messages are named as such (Alexa retired v2)', () => {
  const v2 = { header: { messageId: 'm-1', name: 'DiscoverAppliancesRequest', namespace: 'Alexa.ConnectedHome.Discovery', payloadVersion: '2' }, payload: { accessToken: 'v2-secret-token' } };
  const words = /^v2\.json is a Smart Home API v2 message \(header\.namespace "Alexa\.ConnectedHome\.Discovery", payloadVersion "2", name "DiscoverAppliancesRequest"\)\. Alexa retired Smart Home API v2 and sends only v3 directives/;
  it.each<[string, () => unknown]>([
    ['a file of one message', () => envelopesFromDocument(v2, 'v2.json')],
    ['a document validated as a request', () => validateRequest(v2, 'v2.json')],
  ])('%s: an input error naming v2 and how to migrate, never "not a request envelope"', (_label, load) => {
    let err: unknown;
    try {
      load();
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(InputError);
    const e = err as InputError;
    expect(e.message).toMatch(words);
    expect(e.message).not.toMatch(/not a request envelope/);
    expect(e.message).not.toContain('v2-secret-token');
    expect(e.hint).toMatch(/^Migrate the skill to Smart Home API v3/);
  });
  it('v3 directives and custom envelopes are not v2', () => {
    expect(smartHomeV2Message(buildDirective('Discover'))).toBeUndefined();
    expect(smartHomeV2Message({ version: '1.0', request: { type: 'LaunchRequest' } })).toBeUndefined();
  });
});
