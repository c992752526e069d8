import { chmod, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseWatchFlags } from '../../src/commands/watch.js';
import { parseEndpointFlag } from '../../src/replay/target-flags.js';
import { InputError, UsageError } from '../../src/errors.js';
import { makeStyle } from '../../src/ui/color.js';
import { answerEvent, failureWords, recognise, serviceAnswer } from '../../src/watch/judge.js';
import { answerWords, formatLine, tokenWords, type LiveLine } from '../../src/watch/line.js';
import { describeSkillEvent, INITIAL_NARRATIVE, narrate, type MarkKind, type NarrativeInput, type NarrativeState } from '../../src/watch/narrative.js';
import { connectHeaders, debugBaseUrl, debugEndpointUrl, explainRejection, failureMessage, parseServiceMessage, successMessage } from '../../src/watch/protocol.js';
import { chooseRegion, regionFromEndpoints } from '../../src/watch/region.js';
import { createEnvelopeSaver, envelopeFileName, withoutTokens } from '../../src/watch/save.js';

/** The pure parts of `alexa-link watch`, table-driven. */
const SKILL_ID = 'amzn1.ask.skill.11111111-2222-3333-4444-555555555555';

describe('narrate: the linking story', () => {
  const launch = (tokenSent: boolean, linkAccountCard: boolean): NarrativeInput => ({ requestType: 'LaunchRequest', tokenSent, linkAccountCard });
  const event = (name: string, tokenSent = true): NarrativeInput => ({ requestType: `AlexaSkillEvent.${name}`, tokenSent, linkAccountCard: false });

  it.each<[string, NarrativeInput[], MarkKind[][]]>([
    ['the whole story: card, link event, token', [launch(false, true), event('SkillAccountLinked'), launch(true, false), launch(true, false)], [['asked-to-link'], ['skill-event'], ['token-arrived'], []]],
    ['a token without an earlier card is not news', [launch(true, false)], [[]]],
    ['the token while the skill still asks to link: the classic bug, every time', [launch(false, true), launch(true, true), launch(true, true)], [['asked-to-link'], ['classic-bug'], ['classic-bug']]],
    ['a skill event with a token does not count as the token arriving', [launch(false, true), event('SkillAccountLinked'), event('SkillEnabled')], [['asked-to-link'], ['skill-event'], ['skill-event']]],
    ['no token and no card: nothing to say', [launch(false, false)], [[]]],
    ['a card again before the token: still waiting', [launch(false, true), launch(false, true), launch(true, false)], [['asked-to-link'], ['asked-to-link'], ['token-arrived']]],
  ])('%s', (_name, inputs, expected) => {
    let state: NarrativeState = INITIAL_NARRATIVE;
    const kinds = inputs.map((input) => {
      const told = narrate(state, input);
      state = told.state;
      return told.marks.map((m) => m.kind);
    });
    expect(kinds).toEqual(expected);
  });

  it.each([
    ['AlexaSkillEvent.SkillAccountLinked', 'skill event SkillAccountLinked: the user linked their account in the Alexa app'],
    ['AlexaSkillEvent.SkillDisabled', 'skill event SkillDisabled: the user disabled the skill (Alexa drops the account link with it)'],
    ['AlexaSkillEvent.SomethingNew', 'skill event SomethingNew'],
  ])('names %s', (type, text) => {
    expect(describeSkillEvent(type)).toBe(text);
  });
});

describe('the progress line', () => {
  const style = makeStyle(0);
  const base: LiveLine = {
    at: new Date(2025, 0, 2, 3, 4, 5),
    label: 'LaunchRequest',
    token: { context: false, session: false },
    answer: { linkAccountCard: true, speech: 'To use this skill, please link your account. I sent a card to the Alexa app that takes you there.' },
    latencyMs: 35,
    verdict: 'pass',
    marks: [{ kind: 'asked-to-link', text: 'not linked yet' }],
    explanation: 'No token: the skill answers with a LinkAccount card.',
  };

  it('time, request, token place, answer, latency; marks below; the explanation only when it did not pass', () => {
    expect(formatLine(base, style)).toEqual(['03:04:05 ✔ LaunchRequest · token: none · LinkAccount card "To use this skill, please link your account. I sent a card…" · 35 ms', '         ↳ not linked yet']);
    const failed = formatLine({ ...base, verdict: 'fail', token: { context: true, session: true }, marks: [{ kind: 'classic-bug', text: 'classic bug: …' }], explanation: 'A token was sent.\nLook there.' }, style);
    expect(failed).toEqual([
      expect.stringMatching(/^03:04:05 ✖ LaunchRequest · token: context\+session · LinkAccount card/),
      '         ↳ classic bug: …',
      '           A token was sent.',
      '           Look there.',
    ]);
  });

  it.each<[LiveLine['token'], string]>([
    [undefined, 'token: not read'],
    [{ context: false, session: false }, 'token: none'],
    [{ context: true, session: false }, 'token: context'],
    [{ context: false, session: true }, 'token: session'],
    [{ context: true, session: true }, 'token: context+session'],
  ])('token words %j', (t, words) => expect(tokenWords(t)).toBe(words));

  it.each<[LiveLine['answer'], string]>([
    [{ linkAccountCard: false, speech: 'Hello, Ada!' }, '"Hello, Ada!"'],
    [{ linkAccountCard: true, speech: null }, 'LinkAccount card'],
    [{ linkAccountCard: false, speech: null, event: 'Alexa.Discovery.Discover.Response' }, 'event Alexa.Discovery.Discover.Response'],
    [{ linkAccountCard: false, speech: null, failure: 'timeout after 8000 ms' }, 'no answer (timeout after 8000 ms)'],
    [{ linkAccountCard: false, speech: null }, 'no speech'],
  ])('answer words %j', (a, words) => expect(answerWords(a)).toBe(words));
});

describe('the debugging service protocol', () => {
  it('reads a request message and writes success and failure answers with the request id and version', () => {
    const envelope = { version: '1.0', context: { System: {} }, request: { type: 'LaunchRequest' } };
    const parsed = parseServiceMessage(JSON.stringify({ version: '1.0', type: 'SkillRequestMessage', requestId: 'r-1', requestPayload: JSON.stringify(envelope) }));
    expect(parsed).toEqual({ kind: 'request', type: 'SkillRequestMessage', request: { version: '1.0', requestId: 'r-1', payload: envelope } });
    const req = { version: '1.0', requestId: 'r-1' };
    expect(JSON.parse(successMessage(req, { version: '1.0', response: {} }))).toEqual({ version: '1.0', type: 'SkillResponseSuccessMessage', originalRequestId: 'r-1', responsePayload: '{"version":"1.0","response":{}}' });
    expect(JSON.parse(failureMessage(req, 'boom'))).toEqual({ version: '1.0', type: 'SkillResponseFailureMessage', originalRequestId: 'r-1', errorCode: '500', errorMessage: 'boom' });
  });

  it.each<[string, string, { requestId?: string; reason: RegExp }]>([
    ['not JSON', 'nope', { reason: /not JSON/ }],
    ['an array', '[]', { reason: /not a JSON object/ }],
    ['no requestId', JSON.stringify({ type: 'SkillRequestMessage', requestPayload: '{}' }), { reason: /without a requestId/ }],
    ['no payload', JSON.stringify({ requestId: 'r-2', version: '1' }), { requestId: 'r-2', reason: /without a requestPayload/ }],
    ['a payload that is not JSON', JSON.stringify({ requestId: 'r-3', requestPayload: '{' }), { requestId: 'r-3', reason: /requestPayload is not JSON/ }],
  ])('an unusable message: %s', (_name, text, expected) => {
    const parsed = parseServiceMessage(text);
    expect(parsed.kind).toBe('unusable');
    if (parsed.kind !== 'unusable') return;
    expect(parsed.reason).toMatch(expected.reason);
    expect(parsed.requestId).toBe(expected.requestId);
  });

  it('connects to the region host, or to ALEXA_LINK_DEBUG_ENDPOINT; the token goes as is, lower-case header', () => {
    expect(debugBaseUrl({}, 'EU')).toEqual({ base: 'wss://bob-dispatch-prod-eu.amazon.com', custom: false });
    expect(debugBaseUrl({ ALEXA_LINK_DEBUG_ENDPOINT: 'ws://127.0.0.1:9/base/' }, 'NA')).toEqual({ base: 'ws://127.0.0.1:9/base', custom: true });
    expect(debugEndpointUrl('wss://bob-dispatch-prod-na.amazon.com', SKILL_ID)).toBe(`wss://bob-dispatch-prod-na.amazon.com/v1/skills/${SKILL_ID}/stages/development/connectCustomDebugEndpoint`);
    expect(connectHeaders('Atza|x')).toEqual({ authorization: 'Atza|x' });
    expect(() => debugBaseUrl({ ALEXA_LINK_DEBUG_ENDPOINT: 'not a url' }, 'NA')).toThrow(InputError);
    expect(() => debugBaseUrl({ ALEXA_LINK_DEBUG_ENDPOINT: 'https://x' }, 'NA')).toThrow(/must be a ws:\/\/ or wss:\/\/ URL/);
  });

  it.each<[number, RegExp, RegExp]>([
    [401, /refused the access token \(HTTP 401\)/, /alexa::ask:skills:debug[\s\S]*development stage[\s\S]*--region EU or FE/],
    [403, /refused access to skill .* \(HTTP 403\)/, /owns skill/],
    [404, /knows no development stage/, /skill ID/],
    [409, /refused a new session/, /Only one debugging session/],
    [503, /answered HTTP 503/, /tries again/],
  ])('explains HTTP %i at connect', (status, message, hint) => {
    const e = explainRejection({ status, region: 'NA', skillId: SKILL_ID, credentials: 'ASK_ACCESS_TOKEN', custom: false });
    expect(e.message).toMatch(message);
    expect(e.hint).toMatch(hint);
  });
});

describe('the default region', () => {
  const ep = (region: string, uri: string) => ({ api: 'custom' as const, region, uri, field: 'f' });
  it.each<[string, ReturnType<typeof ep>[] | undefined, string]>([
    ['no manifest', undefined, 'NA'],
    ['a Lambda in eu-west-1', [ep('default', 'arn:aws:lambda:eu-west-1:123456789012:function:skill')], 'EU'],
    ['a Lambda in us-west-2', [ep('default', 'arn:aws:lambda:us-west-2:123456789012:function:skill')], 'FE'],
    ['a Lambda elsewhere', [ep('default', 'arn:aws:lambda:ap-south-1:123456789012:function:skill')], 'NA'],
    ['an HTTPS endpoint', [ep('default', 'https://skill.example.com/')], 'NA'],
    ['one regional endpoint', [ep('default', 'https://a.example.com/'), ep('FE', 'https://fe.example.com/')], 'FE'],
    ['several regional endpoints', [ep('NA', 'https://na.example.com/'), ep('EU', 'https://eu.example.com/')], 'NA'],
  ])('%s', (_name, endpoints, region) => {
    expect(chooseRegion(undefined, endpoints).region).toBe(region);
  });
  it('--region wins', () => {
    expect(chooseRegion('FE', [ep('default', 'arn:aws:lambda:eu-west-1:1:function:x')])).toEqual({ region: 'FE', why: '--region' });
    expect(regionFromEndpoints([])).toBeUndefined();
  });
});

describe('saved envelopes', () => {
  it('--redact removes every token, wherever it is', () => {
    const env = {
      context: { System: { user: { userId: 'u', accessToken: 'a' }, apiAccessToken: 'b', person: { accessToken: 'c' } } },
      session: { user: { userId: 'u', accessToken: 'a', permissions: { consentToken: 'd' } } },
      request: { type: 'AlexaSkillEvent.SkillAccountLinked', body: { accessToken: 'a' } },
    };
    expect(JSON.stringify(withoutTokens(env))).not.toMatch(/"a"|"b"|"c"|"d"|accessToken|consentToken/);
    expect(withoutTokens(env).context.System.user).toEqual({ userId: 'u' });
    expect(env.context.System.user.accessToken).toBe('a');
  });
  it.each([
    [1, 'LaunchRequest', '20250102-030405-001-LaunchRequest.json'],
    [12, 'IntentRequest WhoAmIIntent', '20250102-030405-012-IntentRequest-WhoAmIIntent.json'],
    [3, 'AlexaSkillEvent.SkillAccountLinked', '20250102-030405-003-AlexaSkillEvent.SkillAccountLinked.json'],
    [4, '../../etc/passwd', '20250102-030405-004-..-..-etc-passwd.json'],
  ])('file %i %s', (i, label, name) => {
    expect(envelopeFileName('20250102-030405', i, label)).toBe(name);
  });
});

describe('the --save folder', () => {
  it.each<[string, number | undefined, number, string | undefined]>([
    ['a new folder is made private', undefined, 0o700, undefined],
    ['an existing folder others can read keeps its mode, and says so', 0o755, 0o755, '0755'],
    ['an existing private folder stays as it is', 0o700, 0o700, undefined],
    ['an existing group-readable folder keeps its mode', 0o750, 0o750, '0750'],
  ])('%s', async (_name, existing, mode, openToOthers) => {
    const parent = await mkdtemp(path.join(os.tmpdir(), 'al-save-'));
    try {
      const dir = path.join(parent, 'captured');
      if (existing !== undefined) {
        await mkdir(dir);
        await chmod(dir, existing);
      }
      const saver = await createEnvelopeSaver({ dir: 'captured', redact: false, cwd: parent });
      expect(saver.created).toBe(existing === undefined);
      expect(saver.openToOthers).toBe(openToOthers);
      expect((await stat(dir)).mode & 0o777).toBe(mode);
      const file = await saver.save({ request: { type: 'LaunchRequest' } }, 'LaunchRequest');
      expect((await stat(file)).mode & 0o777).toBe(0o600);
    } finally {
      await rm(parent, { recursive: true, force: true });
    }
  });
});

describe('the adapter to the verdict engine', () => {
  it('recognises request envelopes and smart home directives', () => {
    const launch = { version: '1.0', context: { System: {} }, request: { type: 'LaunchRequest' } };
    expect(recognise(launch)).toMatchObject({ judgeable: true, label: 'LaunchRequest', requestType: 'LaunchRequest' });
    const intent = { ...launch, request: { type: 'IntentRequest', intent: { name: 'WhoAmIIntent' } } };
    expect(recognise(intent)).toMatchObject({ judgeable: true, label: 'IntentRequest WhoAmIIntent' });
    const directive = { directive: { header: { namespace: 'Alexa.Discovery', name: 'Discover', payloadVersion: '3', messageId: 'm' }, payload: {} } };
    expect(recognise(directive)).toMatchObject({ judgeable: true, label: 'Alexa.Discovery.Discover', requestType: 'Alexa.Discovery.Discover' });
    const broken = { directive: { header: { namespace: 'Alexa.Discovery', name: 'Discover' }, payload: { scope: 'tok' } } };
    expect(recognise(broken)).toMatchObject({ judgeable: false, label: 'Alexa.Discovery.Discover', reason: 'not a usable smart home directive (directive.payload.scope must be an object, not a string)' });
    expect(recognise(42)).toMatchObject({ judgeable: false, label: 'unknown request' });
  });

  it.each<[string, Parameters<typeof serviceAnswer>[0], ReturnType<typeof serviceAnswer>, string | undefined]>([
    ['a response', { status: 200, latencyMs: 3, response: { version: '1.0', response: {} } }, { ok: true, response: { version: '1.0', response: {} } }, undefined],
    ['a throw', { status: null, latencyMs: 3, error: { kind: 'threw', message: 'The handler failed: x.' } }, { ok: false, errorCode: '500', errorMessage: 'The handler failed: x.' }, 'the skill threw'],
    ['a timeout', { status: null, latencyMs: 8001, error: { kind: 'timeout', message: 'slow' } }, { ok: false, errorCode: '500', errorMessage: 'slow' }, 'timeout after 8001 ms'],
    ['an HTTP 502', { status: 502, latencyMs: 3, error: { kind: 'http', message: 'bad gateway' } }, { ok: false, errorCode: '502', errorMessage: 'bad gateway' }, 'HTTP 502'],
  ])('answers the service for %s', (_name, outcome, answer, words) => {
    expect(serviceAnswer(outcome)).toEqual(answer);
    expect(failureWords(outcome)).toBe(words);
  });

  it('names the event a smart home skill answered with', () => {
    expect(answerEvent({ status: 200, latencyMs: 1, response: { event: { header: { namespace: 'Alexa.Discovery', name: 'Discover.Response' } } } })).toBe('Alexa.Discovery.Discover.Response');
  });
});

describe('watch flags', () => {
  const g = { cwd: '/tmp' };
  it('defaults: the project code, no limits, no saving', () => {
    expect(parseWatchFlags({}, g)).toEqual({ cwd: '/tmp', profile: undefined, skillId: undefined, region: undefined, target: { kind: 'default' }, save: undefined, maxRequests: undefined, durationMs: undefined });
  });
  it('reads every flag', () => {
    expect(parseWatchFlags({ skillId: SKILL_ID, region: 'eu', endpoint: 'http://127.0.0.1:3000', save: 'out', redact: true, maxRequests: '5', duration: '10m' }, g)).toMatchObject({
      skillId: SKILL_ID,
      region: 'EU',
      target: { kind: 'endpoint', url: 'http://127.0.0.1:3000/' },
      save: { dir: 'out', redact: true },
      maxRequests: 5,
      durationMs: 600_000,
    });
    expect(parseWatchFlags({ duration: '90' }, g).durationMs).toBe(90_000);
    for (const url of ['http://localhost:3000/', 'http://[::1]:3000/', 'https://127.0.0.2:8443/']) expect(parseWatchFlags({ endpoint: url }, g).target).toEqual({ kind: 'endpoint', url });
    // doctor's --endpoint (the same parser, without loopbackOnly) may still name a remote HTTPS skill.
    expect(parseEndpointFlag('https://skill.example.com/alexa', 'x')).toEqual({ kind: 'endpoint', url: 'https://skill.example.com/alexa' });
    // Skills created before 2017 keep their amzn1.echo-sdk-ams.app.… IDs.
    expect(parseWatchFlags({ skillId: 'amzn1.echo-sdk-ams.app.0a1b2c3d-0000-1111-2222-333344445555' }, g).skillId).toBe('amzn1.echo-sdk-ams.app.0a1b2c3d-0000-1111-2222-333344445555');
  });
  it.each<[string, Record<string, unknown>]>([
    ['--redact alone', { redact: true }],
    ['a bad region', { region: 'US' }],
    ['a bad skill ID', { skillId: 'my-skill' }],
    ['an ftp endpoint', { endpoint: 'ftp://x/' }],
    ['a remote https endpoint', { endpoint: 'https://example.com/' }],
    ['an endpoint on the local network', { endpoint: 'http://10.0.0.5:3000/' }],
    ['an endpoint on every interface', { endpoint: 'http://0.0.0.0:3000/' }],
    ['zero requests', { maxRequests: '0' }],
    ['half a second', { duration: '500ms' }],
  ])('%s is a usage error', (_name, flags) => {
    expect(() => parseWatchFlags(flags, g)).toThrow(UsageError);
  });
});
