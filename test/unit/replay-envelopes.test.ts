import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import {
  builtinIntent,
  builtinLaunch,
  envelopeProblems,
  envelopeToken,
  parseTokenMode,
  pickIntent,
  PLACEHOLDER_SKILL_ID,
  refreshEnvelope,
  tokenPlaces,
  validateEnvelope,
  withToken,
  type Envelope,
} from '../../src/replay/envelopes.js';
import { prepareEnvelope } from '../../src/replay/runner.js';

const SKILL = 'amzn1.ask.skill.11111111-2222-3333-4444-555555555555';

describe('built-in envelopes', () => {
  it('LaunchRequest carries the skill ID, locale, a session and no token', () => {
    const env = builtinLaunch({ skillId: SKILL, locale: 'de-DE' });
    expect(env.request.type).toBe('LaunchRequest');
    expect(env.request.locale).toBe('de-DE');
    expect((env.context.System as { application: { applicationId: string } }).application.applicationId).toBe(SKILL);
    expect((env.session as { application: { applicationId: string } }).application.applicationId).toBe(SKILL);
    expect(tokenPlaces(env)).toEqual({ context: false, session: false });
    expect(envelopeProblems(env)).toEqual([]);
  });

  it('uses a placeholder skill ID when the project has none', () => {
    const env = builtinLaunch({ skillId: undefined, locale: 'en-US' });
    expect((env.context.System as { application: { applicationId: string } }).application.applicationId).toBe(PLACEHOLDER_SKILL_ID);
  });

  it('IntentRequest names the intent and its slots', () => {
    const env = builtinIntent({ skillId: SKILL, locale: 'en-US', intent: { name: 'OrderIntent', slots: ['item'] } });
    expect(env.request.intent).toEqual({ name: 'OrderIntent', confirmationStatus: 'NONE', slots: { item: { name: 'item', confirmationStatus: 'NONE' } } });
    expect(envelopeProblems(env)).toEqual([]);
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
    const noSession = structuredClone(base) as Envelope;
    delete noSession.session;
    const env = withToken(noSession, 'Atza|abc');
    expect(env.session).toBeUndefined();
    expect(tokenPlaces(env)).toEqual({ context: true, session: false });
  });

  it('refreshes requestId and timestamp', () => {
    const env = structuredClone(base);
    env.request.timestamp = '2020-01-01T00:00:00Z';
    const before = env.request.requestId;
    refreshEnvelope(env, new Date('2030-05-06T07:08:09.123Z'));
    expect(env.request.timestamp).toBe('2030-05-06T07:08:09Z');
    expect(env.request.requestId).not.toBe(before);
    expect(String(env.request.requestId)).toMatch(/^amzn1\.echo-api\.request\./);
  });

  it('prepareEnvelope keeps the token with keep and copies', () => {
    const linked = withToken(base, 'Atza|keep-me');
    const sent = prepareEnvelope(linked, { kind: 'keep' });
    expect(envelopeToken(sent)).toBe('Atza|keep-me');
    expect(sent).not.toBe(linked);
    expect(sent.request.requestId).not.toBe(linked.request.requestId);
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

describe('validation', () => {
  it.each<[string, unknown, RegExp]>([
    ['not an object', [1, 2], /found an array/],
    ['missing request', { context: { System: {} } }, /request is missing/],
    ['request.type a number', { context: { System: {} }, request: { type: 7 } }, /request\.type must be a string/],
    ['missing context', { request: { type: 'LaunchRequest' } }, /context is missing/],
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
