import { describe, expect, it } from 'vitest';
import { DETAIL_PER_PROBLEM, isCompact, ProblemTracker, storeResult, type ReplayResult } from '../../src/replay/runner.js';

/** A failed replay of one problem; only the fields storeResult and the tracker read matter. */
function failed(source: string): ReplayResult {
  return {
    source,
    kind: 'custom',
    request: 'LaunchRequest',
    label: 'LaunchRequest',
    tokenInEnvelope: { context: true, session: true },
    status: 200,
    latencyMs: 1,
    response: {},
    verdict: 'fail',
    explanation: 'The skill still asks to link.',
    fix: 'Read the token from context.System.user.',
    evidence: {} as ReplayResult['evidence'],
  };
}

describe('failures kept as a summary name the first replay of their problem in input order', () => {
  it('an earlier envelope that finishes later (replays run on several children) becomes the first', () => {
    const problems = new ProblemTracker();
    // Input order 0..n; index 1 finishes first, then 0, then the rest. detailLimit 0: only DETAIL_PER_PROBLEM kept whole.
    const order = [1, 0, ...Array.from({ length: DETAIL_PER_PROBLEM + 5 }, (_, i) => i + 2)];
    const stored = order.map((i) => storeResult(failed(`e${i}`), i, 0, problems));
    const summaries = stored.filter(isCompact);
    expect(summaries).toHaveLength(order.length - DETAIL_PER_PROBLEM);
    // At the moment they were stored the first was e0 already; resolving keeps it e0.
    expect(summaries.map((r) => problems.firstOf(r.sameAs!))).toEqual(summaries.map(() => 'e0'));
  });

  it('a first-in-order envelope that finished after its problem was shown DETAIL_PER_PROBLEM times is not named (its detail was not kept)', () => {
    const problems = new ProblemTracker();
    const early = Array.from({ length: DETAIL_PER_PROBLEM }, (_, i) => storeResult(failed(`e${i + 1}`), i + 1, 0, problems));
    expect(early.every((r) => !isCompact(r))).toBe(true);
    const late = storeResult(failed('e0'), 0, 0, problems);
    expect(isCompact(late)).toBe(true);
    expect(isCompact(late) && problems.firstOf(late.sameAs!)).toBe('e1');
  });

  it('one kept whole for being among the first replays, finishing after summaries were made: the summaries are resolved to it at the end', () => {
    const problems = new ProblemTracker();
    const stored = Array.from({ length: DETAIL_PER_PROBLEM + 6 }, (_, i) => storeResult(failed(`e${i + 5}`), i + 5, 1, problems));
    const summaries = stored.filter(isCompact);
    expect(summaries.map((r) => r.sameAs)).toEqual(summaries.map(() => 'e5'));
    expect(isCompact(storeResult(failed('e0'), 0, 1, problems))).toBe(false);
    expect(summaries.map((r) => problems.firstOf(r.sameAs!))).toEqual(summaries.map(() => 'e0'));
  });
});
