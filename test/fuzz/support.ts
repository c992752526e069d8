import fc from 'fast-check';
import { expect } from 'vitest';
import { AlexaLinkError } from '../../src/errors.js';

/** Inputs tried per parser and per generator; the note on issue 8 reports these figures. */
export const RUNS = Number(process.env.ALEXA_LINK_FUZZ_RUNS ?? 2000);

/** A valid document with one value somewhere replaced, removed, or retyped. */
export function mutated(valid: unknown): fc.Arbitrary<unknown> {
  const paths: Array<Array<string | number>> = [];
  const walk = (v: unknown, p: Array<string | number>) => {
    paths.push(p);
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...p, i]));
    else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) walk(x, [...p, k]);
  };
  walk(valid, []);
  return fc.tuple(fc.constantFrom(...paths), fc.oneof(fc.jsonValue(), fc.constant(undefined), fc.string())).map(([p, value]) => {
    const copy = structuredClone(valid) as Record<string | number, unknown>;
    if (p.length === 0) return value;
    let cur: Record<string | number, unknown> = copy;
    for (const k of p.slice(0, -1)) cur = cur[k] as Record<string | number, unknown>;
    const last = p[p.length - 1]!;
    // Removing an array item splices it out: a hole is not something JSON can carry.
    if (value === undefined && Array.isArray(cur)) (cur as unknown[]).splice(last as number, 1);
    else if (value === undefined) delete cur[last];
    else cur[last] = value;
    return copy;
  });
}

/** Text that is mostly JSON-ish: valid JSON cut short, garbled, or random. */
export function jsonishText(valid: unknown): fc.Arbitrary<string> {
  const text = JSON.stringify(valid, null, 2);
  return fc.oneof(
    fc.string({ unit: 'binary', maxLength: 300 }),
    fc.nat({ max: text.length }).map((n) => text.slice(0, n)),
    fc.tuple(fc.nat({ max: text.length }), fc.string({ maxLength: 5 })).map(([n, s]) => text.slice(0, n) + s + text.slice(n + 1)),
    fc.jsonValue().map((v) => JSON.stringify(v)),
  );
}

/**
 * Runs `parse` on every generated input: it must return, or throw an AlexaLinkError with exit
 * code 2 whose message names `label`. Anything else (TypeError, RangeError…) fails the property.
 */
export function expectOnlyTypedRejections<T>(arb: fc.Arbitrary<T>, parse: (input: T) => unknown, label: string, runs = RUNS): number {
  let rejected = 0;
  fc.assert(
    fc.property(arb, (input) => {
      try {
        parse(input);
      } catch (err) {
        if (!(err instanceof AlexaLinkError)) throw new Error(`untyped ${(err as Error)?.name}: ${(err as Error)?.message}`);
        expect(err.exitCode).toBe(2);
        expect(err.message).toContain(label);
        rejected++;
      }
    }),
    { numRuns: runs },
  );
  return rejected;
}

/** Inputs tried per parser in this run, printed by `printFuzzReport` (one line per parser). */
const tried = new Map<string, { inputs: number; rejected: number }>();

/** Counts `inputs` generated inputs (of which `rejected` were rejected with a typed error) for `parser`. */
export function countInputs(parser: string, inputs: number, rejected = 0): void {
  const t = tried.get(parser) ?? { inputs: 0, rejected: 0 };
  t.inputs += inputs;
  t.rejected += rejected;
  tried.set(parser, t);
}

/** One line per parser: what the note reports. Call in afterAll. */
export function printFuzzReport(title: string): void {
  const lines = [...tried].map(([p, t]) => `fuzz ${p}: ${t.inputs} inputs, ${t.rejected} rejected (typed error, or a 4xx from the server), 0 uncaught`);
  console.log(`${title}\n${lines.join('\n')}`);
  tried.clear();
}

/**
 * `expectOnlyTypedRejections`, counted under `parser`: every input returns, or throws an
 * AlexaLinkError with exit code 2 naming `label`.
 */
export function fuzzParser<T>(parser: string, arb: fc.Arbitrary<T>, parse: (input: T) => unknown, label: string, runs = RUNS): number {
  const rejected = expectOnlyTypedRejections(arb, parse, label, runs);
  countInputs(parser, runs, rejected);
  return rejected;
}

/**
 * For answers of network peers (token endpoint, SMAPI): `judge` must return or throw an
 * AlexaLinkError (a peer's bad answer is exit 1 with a diagnosis, not a usage error); anything
 * else fails the property. `check` asserts what the returned value must satisfy.
 */
export async function fuzzPeerAnswers<T, R>(parser: string, arb: fc.Arbitrary<T>, judge: (input: T) => R | Promise<R>, check: (input: T, result: R) => void, runs = RUNS): Promise<number> {
  let rejected = 0;
  await fc.assert(
    fc.asyncProperty(arb, async (input) => {
      let result: R;
      try {
        result = await judge(input);
      } catch (err) {
        if (!(err instanceof AlexaLinkError)) throw new Error(`untyped ${(err as Error)?.name}: ${(err as Error)?.message}`);
        expect(err.message.length).toBeGreaterThan(0);
        expect([1, 2]).toContain(err.exitCode);
        rejected++;
        return;
      }
      check(input, result);
    }),
    { numRuns: runs },
  );
  countInputs(parser, runs, rejected);
  return rejected;
}
