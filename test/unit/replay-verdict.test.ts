import { describe, expect, it } from 'vitest';
import { isVerificationRejection, judgeReplay, speechOf, type JudgeInput, type TargetOutcome } from '../../src/replay/verdict.js';

const linkCard = { version: '1.0', response: { outputSpeech: { type: 'SSML', ssml: '<speak>Please <b>link</b> your account.</speak>' }, card: { type: 'LinkAccount' } } };
const greeting = { version: '1.0', response: { outputSpeech: { type: 'PlainText', text: 'Hello, Ada.' } } };
const both = { context: true, session: true };
const none = { context: false, session: false };

function input(tokenInEnvelope: JudgeInput['tokenInEnvelope'], outcome: TargetOutcome, extra: Partial<JudgeInput> = {}): JudgeInput {
  return { requestType: 'LaunchRequest', tokenInEnvelope, hasSession: true, outcome, targetName: 'the handler', ...extra };
}

describe('judgeReplay', () => {
  it.each<[string, JudgeInput, 'pass' | 'warn' | 'fail', RegExp]>([
    ['token sent, skill answered', input(both, { status: 200, latencyMs: 5, response: greeting }), 'pass', /token arrived \(in context\.System\.user and session\.user\)/],
    ['token sent, skill still asks to link', input(both, { status: 200, latencyMs: 5, response: linkCard }), 'fail', /reads or validates the token wrongly/],
    ['no token, LinkAccount card', input(none, { status: 200, latencyMs: 5, response: linkCard }), 'pass', /not linked/],
    ['no token, no card', input(none, { status: 200, latencyMs: 5, response: greeting }), 'warn', /should answer with speech asking to link and a LinkAccount card/],
    ['no token, SessionEndedRequest', input(none, { status: 200, latencyMs: 5, response: { version: '1.0' } }, { requestType: 'SessionEndedRequest' }), 'pass', /needs no answer/],
    ['5xx', input(both, { status: 500, latencyMs: 5, bodyExcerpt: 'oops', error: { kind: 'http', message: 'The endpoint answered HTTP 500: oops.' } }), 'fail', /HTTP 500: oops/],
    ['timeout', input(both, { status: null, latencyMs: 1000, error: { kind: 'timeout', message: 'The handler did not answer within 1000 ms.' } }), 'fail', /did not answer within 1000 ms/],
    ['not a skill response', input(both, { status: 200, latencyMs: 5, response: { hello: 1 } }), 'fail', /did not return a skill response/],
    ['a non-2xx status without an error', input(none, { status: 404, latencyMs: 5, bodyExcerpt: 'Not Found' }), 'fail', /answered HTTP 404: Not Found/],
    [
      'token only in context, no session, skill crashed on session.user',
      input({ context: true, session: false }, { status: null, latencyMs: 5, error: { kind: 'threw', message: "The handler failed: TypeError: Cannot read properties of undefined (reading 'user')." } }, { hasSession: false }),
      'fail',
      /no session[\s\S]*read the token at context\.System\.user\.accessToken/,
    ],
    [
      'token only in context, no session, skill asks to link',
      input({ context: true, session: false }, { status: 200, latencyMs: 5, response: linkCard }, { hasSession: false }),
      'fail',
      /in context\.System\.user only[\s\S]*session\.user\.accessToken sees no token/,
    ],
    [
      'no token, skill crashed reading it',
      input(none, { status: null, latencyMs: 5, error: { kind: 'threw', message: "TypeError: Cannot read properties of undefined (reading 'accessToken')" } }),
      'fail',
      /must expect a missing accessToken/,
    ],
  ])('%s', (_name, given, verdict, explanation) => {
    const j = judgeReplay(given);
    expect(j.verdict).toBe(verdict);
    expect(j.explanation).toMatch(explanation);
  });

  it('ends the error message as a sentence before the hint that follows it', () => {
    const j = judgeReplay(
      input(none, {
        status: null,
        latencyMs: 0,
        error: { kind: 'load', message: "Could not load the handler lambda/index.js#handler: Cannot find module 'ask-sdk-core'", hint: "Install the skill's dependencies (npm install in lambda)." },
      }),
    );
    expect(j.explanation).toBe("Could not load the handler lambda/index.js#handler: Cannot find module 'ask-sdk-core'. Install the skill's dependencies (npm install in lambda).");
  });

  it('summarises the response: card and speech without SSML tags', () => {
    const j = judgeReplay(input(none, { status: 200, latencyMs: 5, response: linkCard }));
    expect(j.response).toEqual({ linkAccountCard: true, speech: 'Please link your account.' });
  });

  it('cuts long speech', () => {
    const long = { version: '1.0', response: { outputSpeech: { type: 'PlainText', text: 'x'.repeat(1000) } } };
    expect(speechOf(long)!.length).toBeLessThan(310);
  });
});

describe('isVerificationRejection', () => {
  it.each<[number, string, 'signature' | 'timestamp' | undefined]>([
    [400, 'AskSdk.Request verification failed Error, Missing Certificate for the skill request', 'signature'],
    [400, 'AskSdk.Request verification failed Error, Missing Signature for the skill request', 'signature'],
    [400, 'AskSdk.Request verification failed Error, Timestamp verification failed', 'timestamp'],
    [400, 'AskSdk.Request verification failed Error, SignatureCertChainUrl has invalid host name: evil.com. Expecting s3.amazonaws.com', 'signature'],
    [400, 'Bad Request', undefined],
    [500, 'Missing Certificate', undefined],
  ])('%i %s → %s', (status, body, kind) => {
    expect(isVerificationRejection(status, body)).toBe(kind);
  });
});
