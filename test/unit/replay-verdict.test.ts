import { describe, expect, it } from 'vitest';
import type { Attempt, ProbeEvidence, ReplayEvidence } from '../../src/replay/evidence.js';
import { customKind, PLACEHOLDER_SKILL_ID, type CustomAnswer } from '../../src/replay/kinds/custom.js';
import { isVerificationRejection } from '../../src/replay/verdict.js';

/**
 * The verdict is a pure function of the evidence: each row is what a replay saw (the answer, the
 * skill's logs and error, the probes' answers) and the verdict a careful reader of the skill's
 * code would give, with the words the explanation and the fix must contain.
 */
const both = { context: true, session: true };
const ctxOnly = { context: true, session: false };
const none = { context: false, session: false };

const greet: CustomAnswer = { linkAccountCard: false, speech: 'Hello, Ada.' };
const link: CustomAnswer = { linkAccountCard: true, speech: 'Please link your account.' };
const empty: CustomAnswer = { linkAccountCard: false, speech: null };

const launch = { type: 'LaunchRequest', label: 'LaunchRequest', answerOptional: false, needsNoAccount: false, placeholderSkillId: false };

function ev(over: Partial<ReplayEvidence<CustomAnswer>> = {}): ReplayEvidence<CustomAnswer> {
  return {
    kind: 'custom',
    request: launch,
    tokenIn: both,
    status: 200,
    latencyMs: 5,
    answer: greet,
    logs: [],
    logsDropped: 0,
    tokenOrigin: 'session',
    style: 'ask-sdk-v2',
    targetName: 'the handler',
    offline: false,
    probes: [],
    notes: [],
    ...over,
  };
}

function probe(id: string, over: Partial<Attempt<CustomAnswer>>): ProbeEvidence<CustomAnswer> {
  return { id, title: id, tokenIn: both, status: 200, latencyMs: 3, answer: greet, logs: [], logsDropped: 0, ...over };
}

const threw = (message: string): Partial<ReplayEvidence<CustomAnswer>> => ({ status: null, answer: undefined, error: { kind: 'threw', message } });

type Row = [string, ReplayEvidence<CustomAnswer>, 'pass' | 'warn' | 'fail', RegExp, RegExp?];

describe('the custom kind judges the evidence', () => {
  it.each<Row>([
    // ── the answer as given ──
    ['token sent, skill answered', ev(), 'pass', /token arrived \(in context\.System\.user and session\.user\) and the skill answered/],
    ['token sent, skill still asks to link', ev({ answer: link }), 'fail', /reads or validates the token wrongly/, /Alexa\.getAccountLinkingAccessToken\(handlerInput\.requestEnvelope\)/],
    ['token only in context, skill asks to link', ev({ tokenIn: ctxOnly, answer: link }), 'fail', /in context\.System\.user only[\s\S]*session\.user\.accessToken sees no token/],
    ['no token, LinkAccount card', ev({ tokenIn: none, answer: link, tokenOrigin: 'none' }), 'pass', /not linked/],
    ['no token, no card', ev({ tokenIn: none, tokenOrigin: 'none' }), 'warn', /should answer with speech asking to link and a LinkAccount card/, /withLinkAccountCard/],
    ['no token, SessionEndedRequest', ev({ tokenIn: none, answer: empty, request: { ...launch, type: 'SessionEndedRequest', label: 'SessionEndedRequest', answerOptional: true, needsNoAccount: true } }), 'pass', /needs no answer/],
    ...(['AMAZON.HelpIntent', 'AMAZON.StopIntent', 'AMAZON.CancelIntent', 'AMAZON.FallbackIntent', 'AMAZON.NavigateHomeIntent'].map((intent) => [
      `no token, ${intent} without a card`,
      ev({ tokenIn: none, tokenOrigin: 'none', answer: { linkAccountCard: false, speech: intent === 'AMAZON.FallbackIntent' ? "Sorry, I can't help with that. Try asking who am I." : 'Goodbye.' }, request: { ...launch, type: 'IntentRequest', label: `IntentRequest ${intent}`, needsNoAccount: true } }),
      'pass',
      /needs no linked account: no LinkAccount card is expected/,
    ]) as Row[]),
    // ── answers that look like a failure ──
    ['token sent, the speech leaks a Node network error', ev({ answer: { linkAccountCard: false, speech: 'Sorry, something went wrong: getaddrinfo ENOTFOUND api.amazon.com' } }), 'fail', /token arrived[\s\S]*failed while using it: it said “Sorry, something went wrong: getaddrinfo ENOTFOUND api\.amazon\.com”/, /Never speak raw errors/],
    ['token sent, "Hello undefined"', ev({ answer: { linkAccountCard: false, speech: 'Hello undefined' } }), 'fail', /it said “Hello undefined” \(speaks "undefined"/],
    ['token sent, the ask-sdk template error text', ev({ answer: { linkAccountCard: false, speech: 'Sorry, I had trouble doing what you asked. Please try again.' } }), 'fail', /apologises for a failure/],
    ["token sent, \"Sorry, I can't understand that request\"", ev({ answer: { linkAccountCard: false, speech: "Sorry, I can't understand that request." } }), 'fail', /failed while using it/],
    ['token sent, status code in speech', ev({ answer: { linkAccountCard: false, speech: 'Request failed with status code 401' } }), 'fail', /HTTP error status/],
    ['token sent, [object Object]', ev({ answer: { linkAccountCard: false, speech: 'Your orders: [object Object]' } }), 'fail', /object turned into text/],
    ['token sent, empty answer', ev({ answer: empty }), 'fail', /answered with nothing: no speech, no card and no directive/],
    ['token sent, directive only (an audio player answer) is not empty', ev({ answer: { linkAccountCard: false, speech: null, directives: ['AudioPlayer.Play'] } }), 'pass', /answered without asking to link/],
    ['token sent, a polite reprompt is not an error', ev({ answer: { linkAccountCard: false, speech: 'Welcome back, Ada. What would you like?', reprompt: "I'm sorry, I didn't catch that. What would you like?" } }), 'pass', /answered without asking to link/],
    ['token sent, "I\'m sorry, I didn\'t catch that" as the speech is not an error', ev({ answer: { linkAccountCard: false, speech: "I'm sorry, I didn't catch that. Could you say it again?" } }), 'pass', /answered/],
    ['token sent, the answer is fine but the skill logged an error', ev({ logs: [{ level: 'error', text: 'TypeError: Cannot read properties of undefined (reading "name")' }] }), 'warn', /logged an error while handling the request: “TypeError: Cannot read properties/],
    ['token sent, an ordinary log line is not an error', ev({ logs: [{ level: 'log', text: 'handling LaunchRequest for user 42' }, { level: 'warn', text: 'deprecated option' }] }), 'pass', /answered/],
    ['a skill event answered with an error text: nobody hears it, a warning', ev({ tokenIn: ctxOnly, answer: { linkAccountCard: false, speech: 'Sorry, something went wrong.' }, request: { ...launch, type: 'AlexaSkillEvent.SkillAccountLinked', label: 'AlexaSkillEvent.SkillAccountLinked', answerOptional: true, needsNoAccount: true } }), 'warn', /Alexa does not speak answers to AlexaSkillEvent\.SkillAccountLinked/, /Handle AlexaSkillEvent\.SkillAccountLinked/],
    ['no token, the skill fails instead of asking to link', ev({ tokenIn: none, tokenOrigin: 'none', answer: { linkAccountCard: false, speech: 'Sorry, an error occurred.' } }), 'fail', /No token \(a user who has not linked\) and the skill failed instead of asking to link/],
    // ── an apology is not a failure in itself ──
    ["no token, an apology with a LinkAccount card asks to link", ev({ tokenIn: none, tokenOrigin: 'none', answer: { linkAccountCard: true, speech: "Sorry, I can't access your calendar until you link your account. Open the Alexa app to link it." } }), 'pass', /answers with a LinkAccount card/],
    ["token sent, an apology with a LinkAccount card still asks to link", ev({ answer: { linkAccountCard: true, speech: "Sorry, I can't access your calendar until you link your account." } }), 'fail', /still asks to link/],
    ...([
      "Sorry, I couldn't find any events on your calendar today.",
      'Sorry, we are unable to deliver to your address.',
      "Sorry, I can't find an order with that number.",
      "Sorry, there's no song called Yesterday in your library.",
      'Sorry, your account has no devices yet.',
    ].map((speech) => [`token sent, a normal answer that apologises: ${speech}`, ev({ answer: { linkAccountCard: false, speech } }), 'pass', /the skill answered without asking to link/]) as Row[]),
    // ── the target failed ──
    ['5xx', ev({ status: 500, answer: undefined, bodyExcerpt: 'oops', error: { kind: 'http', message: 'The endpoint answered HTTP 500: oops.' } }), 'fail', /HTTP 500: oops/, /endpoint's logs/],
    ['timeout', ev({ status: null, answer: undefined, error: { kind: 'timeout', message: 'The handler did not answer within 1000 ms.' } }), 'fail', /did not answer within 1000 ms/, /deadline/],
    ['not a skill response', ev({ answer: undefined, notAResponse: true }), 'fail', /did not return a skill response/],
    ['a non-2xx status without an error', ev({ tokenIn: none, status: 404, answer: undefined, bodyExcerpt: 'Not Found' }), 'fail', /answered HTTP 404: Not Found/],
    ['too large', ev({ status: null, answer: undefined, error: { kind: 'too-large', message: 'The handler answered with 29.7 KB.' } }), 'fail', /29\.7 KB/, /under 24 KB/],
    ['token only in context, no session, skill crashed on session.user', ev({ tokenIn: ctxOnly, ...threw("The handler failed: TypeError: Cannot read properties of undefined (reading 'user').") }), 'fail', /no session[\s\S]*read the token at context\.System\.user\.accessToken/, /not at handlerInput\.requestEnvelope\.session\.user\.accessToken/],
    ['no token, skill crashed reading it', ev({ tokenIn: none, tokenOrigin: 'none', ...threw("TypeError: Cannot read properties of undefined (reading 'accessToken')") }), 'fail', /must expect a missing accessToken/],
    ['token sent, skill threw', ev({ ...threw('The handler failed: database connection refused.'), logs: [{ level: 'error', text: 'db: ECONNREFUSED 10.0.0.1:5432' }] }), 'fail', /token arrived[\s\S]*failed while handling the request: The handler failed: database connection refused\. It logged: “db: ECONNREFUSED/],
    // ── probes ──
    ['context-only probe asks to link: reads session.user only', ev({ probes: [probe('context-only', { tokenIn: ctxOnly, answer: link })] }), 'warn', /With the token in context\.System\.user only[\s\S]*asked to link[\s\S]*reads the token from session\.user\.accessToken only/, /Read the token at Alexa\.getAccountLinkingAccessToken/],
    ['context-only probe fails: reads session.user only (alexa-sdk v1 fix)', ev({ style: 'alexa-sdk-v1', probes: [probe('context-only', { tokenIn: ctxOnly, answer: undefined, status: null, error: { kind: 'threw', message: "TypeError: Cannot read properties of undefined (reading 'accessToken')" } })] }), 'warn', /reads the token from session\.user\.accessToken only/, /this\.event\.context\.System\.user\.accessToken, not at this\.event\.session\.user\.accessToken/],
    ['context-only probe same answer: fine', ev({ probes: [probe('context-only', { tokenIn: ctxOnly })] }), 'pass', /answered without asking to link/],
    ['no-token probe fails: the skill breaks for unlinked users', ev({ style: 'raw', probes: [probe('no-token', { tokenIn: none, answer: undefined, status: null, error: { kind: 'threw', message: "The handler failed: TypeError: Cannot read properties of undefined (reading 'length')." } })] }), 'fail', /Without a token \(a user who has not linked\) the skill failed instead of asking to link/, /event\.context\.System\.user\.accessToken/],
    ['no-token probe answers without a card', ev({ probes: [probe('no-token', { tokenIn: none, answer: { linkAccountCard: false, speech: 'Hello, stranger.' } })] }), 'warn', /Without a token the skill answers “Hello, stranger\.” and no LinkAccount card/],
    ['no-token probe gets the same answer: the request does not use the account', ev({ probes: [probe('no-token', { tokenIn: none })] }), 'pass', /answered/],
    ['made-up token, same answer, real token from the session: may not validate', ev({ probes: [probe('no-token', { tokenIn: none, answer: link }), probe('made-up-token', {})] }), 'warn', /made-up token of the same shape got the same answer[\s\S]*from alexa-link login: the skill may not validate tokens/, /treat a 401 as "not linked"/],
    ['made-up token, same answer, token from the envelope: no warning (it may be made up too)', ev({ tokenOrigin: 'envelope', probes: [probe('no-token', { tokenIn: none, answer: link }), probe('made-up-token', {})] }), 'pass', /answered/],
    ['made-up token, same answer, but no token answers the same too: not about tokens', ev({ probes: [probe('no-token', { tokenIn: none }), probe('made-up-token', {})] }), 'pass', /answered/],
    ['made-up token asks to link: validates', ev({ probes: [probe('no-token', { tokenIn: none, answer: link }), probe('made-up-token', { answer: link })] }), 'pass', /answered/],
    ['made-up token makes the skill fail', ev({ tokenOrigin: 'env', probes: [probe('made-up-token', { answer: { linkAccountCard: false, speech: 'Sorry, something went wrong.' } })] }), 'warn', /With a made-up \(invalid\) token the skill failed instead of asking to link again/],
    // ── hints that follow from the evidence ──
    ['placeholder skill ID refused', ev({ request: { ...launch, applicationId: PLACEHOLDER_SKILL_ID, placeholderSkillId: true }, ...threw('The handler failed: Invalid Application ID.') }), 'fail', /refused the request's skill ID: alexa-link used a placeholder/, /--skill-id/],
    ['a real skill ID refused: no placeholder hint', ev({ request: { ...launch, applicationId: 'amzn1.ask.skill.1', placeholderSkillId: false }, ...threw('The handler failed: Invalid Application ID.') }), 'fail', /^(?![\s\S]*placeholder)/],
    ['--offline and the skill network call failed', ev({ offline: true, answer: { linkAccountCard: false, speech: 'Sorry, something went wrong: getaddrinfo ENOTFOUND api.example.com' } }), 'fail', /network call to api\.example\.com failed \(ENOTFOUND\) because doctor ran with --offline/],
    ['no network without --offline', ev({ answer: { linkAccountCard: false, speech: 'connect ECONNREFUSED 127.0.0.1:9' } }), 'fail', /failed \(ECONNREFUSED\): no network on this machine, a wrong host name, or the service is down/],
    ['no token, no session: a raw handler crashes on event.session.user, not on the missing token', ev({ tokenIn: none, tokenOrigin: 'none', style: 'raw', request: { ...launch, type: 'AudioPlayer.PlaybackStarted', label: 'AudioPlayer.PlaybackStarted', answerOptional: true, needsNoAccount: true, hasSession: false, hasContext: true }, ...threw("The handler failed: TypeError: Cannot read properties of undefined (reading 'user').") }), 'fail', /AudioPlayer\.PlaybackStarted comes without a session \(Alexa does not send one with AudioPlayer\.PlaybackStarted\), and the skill reads event\.session[\s\S]*context\.System\.user[\s\S]*Alexa\.getAccountLinkingAccessToken/, /^Read the user and the token from event\.context\.System\.user\.accessToken, not from event\.session\.user\.accessToken/],
    ['no token, with a session: the same crash is about the missing token', ev({ tokenIn: none, tokenOrigin: 'none', style: 'raw', request: { ...launch, hasSession: true, hasContext: true }, ...threw("The handler failed: TypeError: Cannot read properties of undefined (reading 'accessToken').") }), 'fail', /The envelope carried no token/],
    ["an old envelope without context against ask-sdk: getAccountLinkingAccessToken's TypeError is the envelope's, a warning", ev({ tokenIn: { context: false, session: true }, tokenOrigin: 'envelope', request: { ...launch, hasSession: true, hasContext: false }, answer: { linkAccountCard: false, speech: "Sorry, something went wrong: Cannot read properties of undefined (reading 'System')" }, logs: [{ level: 'error', text: "Error handled: Cannot read properties of undefined (reading 'System')" }] }), 'warn', /predates `context`, which Alexa always sends today[\s\S]*not a bug of the skill/, /Replay a current capture/],
    ['an old envelope without context, the handler threw inside getAccountLinkingAccessToken', ev({ tokenIn: { context: false, session: true }, tokenOrigin: 'envelope', request: { ...launch, hasSession: true, hasContext: false }, ...threw("The handler failed: TypeError: Cannot read properties of undefined (reading 'System')."), thrown: { name: 'TypeError', message: "Cannot read properties of undefined (reading 'System')", stack: 'TypeError: x\n    at Object.getAccountLinkingAccessToken (/s/node_modules/ask-sdk-core/dist/util/RequestEnvelopeUtils.js:60:35)' } }), 'warn', /predates `context`/],
    ['legacy skill ID refused: both forms are valid IDs, the check is the skill\'s own', ev({ request: { ...launch, applicationId: PLACEHOLDER_SKILL_ID, placeholderSkillId: true }, ...threw('The handler failed: Error: Invalid ApplicationId: expected amzn1.echo-sdk-ams.app.123456.') }), 'fail', /refused the request's skill ID/, /Pass --skill-id amzn1\.echo-sdk-ams\.app\.123456 \(the ID the skill's own check expects: legacy skills have amzn1\.echo-sdk-ams\.app\.… IDs and newer ones amzn1\.ask\.skill\.…, and both forms are valid\)/],
    ['an old envelope without context: the note', ev({ tokenIn: { context: false, session: true }, notes: ['This envelope has no context (an old format).'] }), 'pass', /in session\.user only[\s\S]*no context \(an old format\)/],
  ])('%s', (_name, evidence, verdict, explanation, fix) => {
    const j = customKind.judge(evidence);
    expect(j.verdict).toBe(verdict);
    expect(j.explanation).toMatch(explanation);
    if (fix) expect(j.fix).toMatch(fix);
    if (verdict !== 'pass') expect(j.fix, 'every warn and fail has a fix').toBeTruthy();
    else expect(j.fix).toBeUndefined();
  });

  it('the skill-style fixes name the code to change', () => {
    const sessionOnly = (style: string) => customKind.judge(ev({ style, probes: [probe('context-only', { tokenIn: ctxOnly, answer: link })] })).fix!;
    expect(sessionOnly('ask-sdk-v2')).toContain('Alexa.getAccountLinkingAccessToken(handlerInput.requestEnvelope)');
    expect(sessionOnly('alexa-sdk-v1')).toContain('this.event.context.System.user.accessToken');
    expect(sessionOnly('raw')).toContain('event.context.System.user.accessToken');
    const unlinked = (style: string) => customKind.judge(ev({ style, tokenIn: none, tokenOrigin: 'none' })).fix!;
    expect(unlinked('alexa-sdk-v1')).toContain("this.emit(':tellWithLinkAccountCard'");
    expect(unlinked('ask-sdk-v2')).toContain('withLinkAccountCard()');
  });
});

describe('the skill style', () => {
  it.each<[string, { requires: string[] } | undefined, CustomAnswer | undefined, string]>([
    ['ask-sdk v2 answer', undefined, { ...greet, userAgent: 'ask-node/2.14.0 Node/v20.20.2' }, 'ask-sdk-v2'],
    ['alexa-sdk v1 answer', undefined, { ...greet, userAgent: 'ask-nodejs/1.0.25 Node/v20.20.2' }, 'alexa-sdk-v1'],
    ['requires ask-sdk-core', { requires: ['ask-sdk-core'] }, greet, 'ask-sdk-v2'],
    ['requires ask-sdk', { requires: ['ask-sdk'] }, undefined, 'ask-sdk-v2'],
    ['requires alexa-sdk', { requires: ['alexa-sdk', 'i18next'] }, undefined, 'alexa-sdk-v1'],
    ['requires nothing of Alexa', { requires: ['node-fetch'] }, greet, 'raw'],
    ['an endpoint (no code) without a user agent', undefined, greet, 'unknown'],
  ])('%s', (_name, code, answer, style) => {
    expect(customKind.style(code, answer)).toBe(style);
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
