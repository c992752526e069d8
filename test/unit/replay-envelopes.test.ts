import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { parseTokenMode, validateEnvelope, validateRequest, type Envelope } from '../../src/replay/envelopes.js';
import {
  builtinIntent,
  builtinLaunch,
  builtinPlaybackStarted,
  builtinSkillLinked,
  customKind,
  pickIntent,
  PLACEHOLDER_SKILL_ID,
} from '../../src/replay/kinds/custom.js';
import { kindOf } from '../../src/replay/kinds/index.js';
import { prepareEnvelope } from '../../src/replay/runner.js';

/** The custom skill kind: envelopes, where the token travels, built-ins (kinds/custom.ts). */
const envelopeProblems = (doc: unknown) => customKind.problems(doc);
const tokenPlaces = (env: Envelope) => customKind.tokenIn(env);
const envelopeToken = (env: Envelope) => customKind.readToken(env, 'context') ?? customKind.readToken(env, 'session');
const withToken = (env: Envelope, token: string | undefined, places?: string[]) => customKind.withToken(env, token, places);
const refreshEnvelope = (env: Envelope, now: Date) => customKind.refresh(env, now);
type Sys = { application: { applicationId: string }; user: Record<string, unknown> };
const sys = (env: Envelope) => (env.context as { System: Sys }).System;
const req = (env: Envelope) => env.request as Record<string, unknown>;

const SKILL = 'amzn1.ask.skill.11111111-2222-3333-4444-555555555555';

describe('built-in envelopes', () => {
  it('LaunchRequest carries the skill ID, locale, a session and no token', () => {
    const env = builtinLaunch({ skillId: SKILL, locale: 'de-DE' });
    expect(req(env).type).toBe('LaunchRequest');
    expect(req(env).locale).toBe('de-DE');
    expect(sys(env).application.applicationId).toBe(SKILL);
    expect((env.session as { application: { applicationId: string } }).application.applicationId).toBe(SKILL);
    expect(tokenPlaces(env)).toEqual({ context: false, session: false });
    expect(envelopeProblems(env)).toEqual([]);
  });

  it('uses a placeholder skill ID when the project has none', () => {
    const env = builtinLaunch({ skillId: undefined, locale: 'en-US' });
    expect(sys(env).application.applicationId).toBe(PLACEHOLDER_SKILL_ID);
    expect(customKind.facts(env)).toMatchObject({ placeholderSkillId: true, applicationId: PLACEHOLDER_SKILL_ID });
  });

  it('IntentRequest names the intent and its slots', () => {
    const env = builtinIntent({ skillId: SKILL, locale: 'en-US', intent: { name: 'OrderIntent', slots: { item: 'coffee', size: undefined } } });
    expect(req(env).intent).toEqual({
      name: 'OrderIntent',
      confirmationStatus: 'NONE',
      slots: { item: { name: 'item', value: 'coffee', confirmationStatus: 'NONE', source: 'USER' }, size: { name: 'size', confirmationStatus: 'NONE' } },
    });
    expect(envelopeProblems(env)).toEqual([]);
  });

  it('fills slots from the interaction model: the type\'s first value, a built-in type\'s example, a sample\'s literal words', () => {
    const model = {
      interactionModel: {
        languageModel: {
          intents: [{ name: 'OrderIntent', slots: [{ name: 'drink', type: 'DrinkType' }, { name: 'count', type: 'AMAZON.NUMBER' }, { name: 'query', type: 'AMAZON.SearchQuery' }], samples: ['order {count} {drink}', 'look up {query}'] }],
          types: [{ name: 'DrinkType', values: [{ name: { value: 'espresso' } }, { name: { value: 'tea' } }] }],
        },
      },
    };
    expect(pickIntent(model)).toEqual({ name: 'OrderIntent', slots: { drink: 'espresso', count: '3', query: 'look up' } });
  });

  it('AudioPlayer.PlaybackStarted has no session; AlexaSkillEvent.SkillAccountLinked carries the token in context (and request.body) only', () => {
    const playback = builtinPlaybackStarted({ skillId: SKILL, locale: 'en-US' });
    expect(playback.session).toBeUndefined();
    expect(req(playback)).toMatchObject({ type: 'AudioPlayer.PlaybackStarted', offsetInMilliseconds: 0 });
    expect(customKind.facts(playback)).toMatchObject({ answerOptional: true, needsNoAccount: true });
    const linked = customKind.withToken(builtinSkillLinked({ skillId: SKILL, locale: 'en-US' }), 'Atza|new');
    expect(linked.session).toBeUndefined();
    expect(tokenPlaces(linked)).toEqual({ context: true, session: false });
    expect(req(linked).body).toEqual({ accessToken: 'Atza|new' });
    expect(req(customKind.withToken(linked, undefined)).body).toEqual({});
    expect(envelopeProblems(linked)).toEqual([]);
  });

  it.each([
    ['WhoAmIIntent first when present', [{ name: 'AMAZON.HelpIntent' }, { name: 'OrderIntent' }, { name: 'WhoAmIIntent' }], 'WhoAmIIntent'],
    ['else the first custom intent', [{ name: 'AMAZON.HelpIntent' }, { name: 'OrderIntent', slots: [{ name: 'item', type: 'X' }] }], 'OrderIntent'],
    ['none when only built-ins', [{ name: 'AMAZON.HelpIntent' }], undefined],
  ])('pickIntent: %s', (_n, intents, expected) => {
    const picked = pickIntent({ interactionModel: { languageModel: { invocationName: 'x', intents } } });
    expect(picked?.name).toBe(expected);
  });

  it('pickIntent tolerates a malformed model', () => {
    expect(pickIntent(null)).toBeUndefined();
    expect(pickIntent({ interactionModel: { languageModel: { intents: 'nope' } } })).toBeUndefined();
  });
});

describe('token in and out', () => {
  const base = builtinLaunch({ skillId: SKILL, locale: 'en-US' });

  it('sets the token in context.System.user and session.user, without touching the input', () => {
    const env = withToken(base, 'Atza|abc');
    expect(tokenPlaces(env)).toEqual({ context: true, session: true });
    expect(envelopeToken(env)).toBe('Atza|abc');
    expect(tokenPlaces(base)).toEqual({ context: false, session: false });
  });

  it('removes the token from both places', () => {
    const env = withToken(withToken(base, 'Atza|abc'), undefined);
    expect(tokenPlaces(env)).toEqual({ context: false, session: false });
  });

  it('does not invent a session for a session-less envelope', () => {
    const noSession = structuredClone(base);
    delete noSession.session;
    const env = withToken(noSession, 'Atza|abc');
    expect(env.session).toBeUndefined();
    expect(tokenPlaces(env)).toEqual({ context: true, session: false });
  });

  it('refreshes requestId and timestamp', () => {
    const env = structuredClone(base);
    req(env).timestamp = '2020-01-01T00:00:00Z';
    const before = req(env).requestId;
    refreshEnvelope(env, new Date('2030-05-06T07:08:09.123Z'));
    expect(req(env).timestamp).toBe('2030-05-06T07:08:09Z');
    expect(req(env).requestId).not.toBe(before);
    expect(String(req(env).requestId)).toMatch(/^amzn1\.echo-api\.request\./);
  });

  it('prepareEnvelope keeps the token with keep and copies', () => {
    const linked = withToken(base, 'Atza|keep-me');
    const sent = prepareEnvelope(linked, { kind: 'keep' });
    expect(envelopeToken(sent)).toBe('Atza|keep-me');
    expect(sent).not.toBe(linked);
    expect(req(sent).requestId).not.toBe(req(linked).requestId);
  });

  it('puts the token in context only (the placement probe), and a made-up one of the same shape', () => {
    const linked = withToken(base, 'Atza|IwEBIabcdefghij0123456789');
    expect(tokenPlaces(withToken(base, 'Atza|x', ['context']))).toEqual({ context: true, session: false });
    const probes = customKind.probes(linked, 'all');
    expect(probes.map((p) => p.id)).toEqual(['context-only', 'no-token', 'made-up-token']);
    const fake = customKind.readToken(probes[2]!.make(linked), 'context')!;
    expect(fake).not.toBe('Atza|IwEBIabcdefghij0123456789');
    expect(fake).toMatch(/^Atza\|[A-Za-z]{5}[a-z]{10}\d{10}$/);
    expect(customKind.probes(linked, 'placement').map((p) => p.id)).toEqual(['context-only']);
    expect(customKind.probes(base, 'all')).toEqual([]);
  });

  it.each([
    [undefined, { kind: 'keep' }],
    ['keep', { kind: 'keep' }],
    ['none', { kind: 'none' }],
    ['session', { kind: 'session' }],
    ['env:MY_TOKEN', { kind: 'env', variable: 'MY_TOKEN' }],
  ])('parseTokenMode(%s)', (value, expected) => {
    expect(parseTokenMode(value)).toEqual(expected);
  });

  it.each(['env:', 'env:1BAD', 'sesion', 'Atza|literal'])('parseTokenMode rejects %s naming --token', (value) => {
    expect(() => parseTokenMode(value)).toThrow(InputError);
    expect(() => parseTokenMode(value)).toThrow(/--token/);
  });
});

describe('real captures', () => {
  it('a null accessToken is no token', () => {
    const doc = { version: '1.0', session: { user: { userId: 'u', accessToken: null } }, context: { System: { user: { userId: 'u', accessToken: null } } }, request: { type: 'LaunchRequest' } };
    const { envelope } = validateRequest(doc, 'null-token.json');
    expect(tokenPlaces(envelope)).toEqual({ context: false, session: false });
    expect((envelope.session as { user: Record<string, unknown> }).user).toEqual({ userId: 'u' });
  });

  it('an old envelope without context is replayed, the token set in session.user, with a note', () => {
    const doc = { version: '1.0', session: { new: true, application: { applicationId: 'amzn1.echo-sdk-ams.app.1234' }, user: { userId: 'u', accessToken: 'Atza|old' } }, request: { type: 'LaunchRequest', requestId: 'r', timestamp: '2016-01-01T00:00:00Z' } };
    const { envelope, notes } = validateRequest(doc, 'old.json');
    expect(notes.join(' ')).toMatch(/no context \(an old format\): Alexa sends context\.System with every request today/);
    expect(tokenPlaces(withToken(envelope, 'Atza|new'))).toEqual({ context: false, session: true });
    expect(customKind.facts(envelope)).toMatchObject({ applicationId: 'amzn1.echo-sdk-ams.app.1234', placeholderSkillId: false });
  });

  it('a smart home directive is not a custom skill envelope: the smart home kind takes it, and lists what is wrong with a broken one', () => {
    expect(kindOf({ directive: { header: { namespace: 'Alexa.Discovery' } } })?.id).toBe('smart-home');
    expect(kindOf({ version: '1.0', context: { System: {} }, request: { type: 'LaunchRequest' } })?.id).toBe('custom');
    expect(() => validateEnvelope({ directive: {} }, 'd.json')).toThrow(/d\.json is not a usable request envelope:\n {2}- directive\.header must be an object, not missing/);
  });
});

describe('validation', () => {
  it.each<[string, unknown, RegExp]>([
    ['not an object', [1, 2], /found an array/],
    ['missing request', { context: { System: {} } }, /request is missing/],
    ['request.type a number', { context: { System: {} }, request: { type: 7 } }, /request\.type must be a string/],
    ['missing context and session', { request: { type: 'LaunchRequest' } }, /context is missing/],
    ['context.System missing', { context: {}, request: { type: 'LaunchRequest' } }, /context\.System must be an object/],
    ['token a number', { context: { System: { user: { accessToken: 5 } } }, request: { type: 'LaunchRequest' } }, /context\.System\.user\.accessToken must be a string/],
    ['session a string', { context: { System: {} }, request: { type: 'LaunchRequest' }, session: 'x' }, /session must be an object/],
    ['intent missing', { context: { System: {} }, request: { type: 'IntentRequest' } }, /request\.intent must be an object/],
    ['timestamp a number', { context: { System: {} }, request: { type: 'LaunchRequest', timestamp: 1 } }, /timestamp must be an ISO 8601 string/],
  ])('%s', (_name, doc, problem) => {
    expect(envelopeProblems(doc).join('\n')).toMatch(problem);
    expect(() => validateEnvelope(doc, 'x.json')).toThrow(InputError);
  });

  it('names the source and lists every problem', () => {
    try {
      validateEnvelope({ version: 1, context: { System: { user: { accessToken: 42 } } }, request: { type: 7 } }, 'bad.json');
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(InputError);
      const e = err as InputError;
      expect(e.exitCode).toBe(2);
      expect(e.message).toContain('bad.json');
      expect(e.message).toContain('version must be a string');
      expect(e.message).toContain('request.type must be a string');
      expect(e.message).toContain('accessToken must be a string');
    }
  });
});
