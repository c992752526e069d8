import { describe, expect, it } from 'vitest';
import { answerBoard } from '../../src/doctor/checks/replays.js';
import type { ReplayResult } from '../../src/replay/runner.js';

function result(source: string, answer: Record<string, unknown>): ReplayResult {
  return { source, evidence: { answer } } as unknown as ReplayResult;
}

describe('answer board (built-ins made from an earlier answer)', () => {
  it('hands a built-in the answer it waits for, whichever comes first', async () => {
    const board = answerBoard();
    const waiting = board.wait('builtin:discover');
    board.record(result('builtin:discover', { endpoints: 1 }));
    expect(await waiting).toEqual({ endpoints: 1 });
    board.record(result('builtin:launch', { speech: 'hi' }));
    expect(await board.wait('builtin:launch')).toEqual({ speech: 'hi' });
  });

  it('keeps nothing of envelope files (100,000 answers must not pile up)', async () => {
    const board = answerBoard();
    board.record(result('captures/0001.json', { speech: 'x' }));
    const pending = board.wait('captures/0001.json');
    const outcome = await Promise.race([pending.then(() => 'answered'), new Promise((r) => setTimeout(() => r('kept nothing'), 20))]);
    expect(outcome).toBe('kept nothing');
  });
});
