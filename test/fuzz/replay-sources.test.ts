import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parseJsonText } from '../../src/project/json-file.js';
import { validateEnvelope, type Envelope } from '../../src/replay/envelopes.js';
import type { ReplayEvidence } from '../../src/replay/evidence.js';
import { customKind } from '../../src/replay/kinds/custom.js';
import { kindOf } from '../../src/replay/kinds/index.js';
import { prepareEnvelope } from '../../src/replay/runner.js';
import { envelopesFromDocument } from '../../src/replay/sources.js';
import { RUNS, countInputs, fuzzParser, jsonishText, mutated, printFuzzReport } from './support.js';

/**
 * Request envelopes and capture files, as doctor --envelopes reads them: plain envelopes, arrays,
 * `ask dialog --save-skill-io` files, SMAPI simulation and invocation results. Every input is
 * accepted or refused with an InputError naming the file (exit 2); what is accepted must also go
 * through everything a replay does with it (token in and out, fresh timestamp, the label)
 * without throwing. Plus the skill's answers, which the replay verdict reads.
 */
const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../fixtures/envelopes/${name}`, import.meta.url), 'utf8'));
const envelope = fixture('launch-linked.json');
const saveSkillIo = fixture('dialog-save-skill-io.json');
const simulation = fixture('simulation-result.json');
const array = fixture('unlinked-array.json');
const invocation = { result: { skillExecutionInfo: { invocationRequest: { endpoint: 'https://skill.example.com', body: envelope } } } };

/** Two changes anywhere in the document, so nested shapes break in combination too. */
function twiceMutated(valid: unknown): fc.Arbitrary<unknown> {
  return mutated(valid).chain((once) => (once === undefined ? fc.constant(once) : mutated(once)));
}

/** What a replay does with an accepted envelope; none of it may throw. */
function replayWouldUse(env: Envelope): void {
  for (const token of [{ kind: 'keep' } as const, { kind: 'set', token: 'Atza|fuzz-token' } as const, { kind: 'set', token: undefined } as const]) {
    const kind = kindOf(env)!;
    const prepared = prepareEnvelope(env, token, new Date('2024-01-01T00:00:00Z'), kind);
    kind.tokenIn(prepared);
    for (const p of kind.tokenPlaces) kind.readToken(prepared, p.id);
    kind.facts(prepared);
    kind.secrets(prepared);
    for (const probe of kind.probes(prepared, 'all')) probe.make(prepared);
    expect(typeof JSON.stringify(prepared)).toBe('string');
  }
}

const LABEL = 'captured/requests.json';

function loadDocument(doc: unknown): void {
  const loaded = envelopesFromDocument(doc, LABEL);
  expect(loaded.envelopes.length).toBeGreaterThan(0);
  for (const e of loaded.envelopes) {
    expect(e.source.startsWith(LABEL)).toBe(true);
    replayWouldUse(e.envelope);
  }
}

afterAll(() => printFuzzReport('Request envelopes and capture files'));

describe(`fuzz: envelopes and capture files (${RUNS} inputs per generator)`, () => {
  it('one envelope (validateEnvelope)', () => {
    const parse = (doc: unknown) => replayWouldUse(validateEnvelope(doc, 'envelope.json'));
    const rejected = fuzzParser('request envelope (validateEnvelope)', twiceMutated(envelope), parse, 'envelope.json');
    expect(rejected).toBeGreaterThan(0);
    fuzzParser('request envelope (validateEnvelope)', fc.jsonValue(), parse, 'envelope.json');
    fuzzParser('request envelope (validateEnvelope)', jsonishText(envelope), (t) => parse(parseJsonText(t, 'envelope.json')), 'envelope.json');
  });

  it.each<[string, unknown]>([
    ['plain envelope file', envelope],
    ['array of envelopes', array],
    ['ask dialog --save-skill-io file', saveSkillIo],
    ['SMAPI simulation result', simulation],
    ['SMAPI invocation result', invocation],
  ])('%s (envelopesFromDocument)', (name, valid) => {
    // The valid document itself loads.
    loadDocument(valid);
    const parser = `${name} (envelopesFromDocument)`;
    const rejected = fuzzParser(parser, twiceMutated(valid), loadDocument, LABEL);
    expect(rejected).toBeGreaterThan(0);
    fuzzParser(parser, jsonishText(valid), (t) => loadDocument(parseJsonText(t, LABEL)), LABEL);
  });

  it('any JSON value as a capture file', () => {
    fuzzParser('any JSON as a capture file (envelopesFromDocument)', fc.jsonValue({ maxDepth: 6 }), loadDocument, LABEL);
  });

  it("the skill's answer (replay verdict on any JSON response)", () => {
    const places = fc.record({ context: fc.boolean(), session: fc.boolean() });
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), mutated({ version: '1.0', response: { outputSpeech: { type: 'SSML', ssml: '<speak>Hi</speak>' }, card: { type: 'LinkAccount' }, shouldEndSession: true } })), places, fc.constantFrom('LaunchRequest', 'IntentRequest', 'SessionEndedRequest'), (response, tokenInEnvelope, requestType) => {
        const request = { type: requestType, label: requestType, answerOptional: requestType === 'SessionEndedRequest', needsNoAccount: requestType === 'SessionEndedRequest', placeholderSkillId: false };
        const ok = customKind.isResponse(response, request);
        const evidence: ReplayEvidence = {
          kind: 'custom', request, tokenIn: tokenInEnvelope, status: 200, latencyMs: 5, logs: [], logsDropped: 0,
          ...(ok ? { answer: customKind.summarize(response) } : { notAResponse: true }),
          tokenOrigin: 'envelope', style: customKind.style(undefined, undefined), targetName: 'the endpoint', offline: false, probes: [], notes: [],
        };
        const judged = customKind.judge(evidence as ReplayEvidence<ReturnType<typeof customKind.summarize>>);
        expect(['pass', 'warn', 'fail']).toContain(judged.verdict);
        expect(judged.explanation.length).toBeGreaterThan(0);
      }),
      { numRuns: RUNS },
    );
    countInputs("skill response (replay verdict)", RUNS);
  });
});
