import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { runChecks, selectChecks } from '../../src/doctor/runner.js';
import { missing, ok, type Check, type Part } from '../../src/doctor/types.js';

interface Ctx {
  parts: Record<string, Part<unknown>>;
  log: string[];
}

const ctx = (): Ctx => ({ parts: { project: ok({}), linking: missing('accountLinking.json not found.', 'Create it.') }, log: [] });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const opts = { concurrency: 4, timeoutMs: 1000, offline: false, part: (c: Ctx, name: string) => c.parts[name] };

function check(id: string, extra: Partial<Check<Ctx>> = {}): Check<Ctx> {
  return { id, title: id, run: async () => ({ status: 'pass', detail: `${id} ok` }), ...extra };
}

describe('runChecks', () => {
  it('returns results in declaration order whatever order they finish in', async () => {
    const checks = [check('slow', { run: async () => (await sleep(60), { status: 'pass', detail: 's' }) }), check('fast')];
    const results = await runChecks(checks, ctx(), opts);
    expect(results.map((r) => r.id)).toEqual(['slow', 'fast']);
    expect(results[0]!.ms).toBeGreaterThanOrEqual(50);
  });

  it('runs independent checks concurrently, at most --concurrency at once', async () => {
    let running = 0;
    let peak = 0;
    const body = async () => {
      running++;
      peak = Math.max(peak, running);
      await sleep(40);
      running--;
      return { status: 'pass' as const, detail: '' };
    };
    const checks = Array.from({ length: 6 }, (_, i) => check(`c${i}`, { run: body }));
    await runChecks(checks, ctx(), { ...opts, concurrency: 3 });
    // Three at once, never more: concurrency shown by the overlap itself, not by wall time (a
    // timing bound failed under full-suite load on two cores).
    expect(peak).toBe(3);
  });

  it.each<[string, Check<Ctx>, string, RegExp]>([
    ['a crash becomes a failed check with the message', check('boom', { run: async () => { throw new TypeError('x is undefined'); } }), 'fail', /The check crashed: x is undefined/],
    ['a hang becomes a failed check after the timeout', check('hang', { run: () => new Promise(() => {}) }), 'fail', /Did not finish within 100 ms/],
    ['--offline skips network checks with the reason', check('net', { needsNetwork: true }), 'skip', /--offline/],
    ['a missing context part skips with its reason', check('cfg', { needs: ['linking'] }), 'skip', /accountLinking\.json not found/],
  ])('%s', async (_name, c, status, detail) => {
    const [r] = await runChecks([c], ctx(), { ...opts, timeoutMs: 100, offline: true });
    expect(r!.status).toBe(status);
    expect(r!.detail).toMatch(detail);
  });

  it('keeps the stack of a crash for --verbose', async () => {
    const [r] = await runChecks([check('boom', { run: async () => { throw new Error('bad'); } })], ctx(), opts);
    expect(r!.stack).toMatch(/Error: bad\n\s+at /);
  });

  it('a needsNetwork function decides per context', async () => {
    const [r] = await runChecks([check('maybe', { needsNetwork: () => false })], ctx(), { ...opts, offline: true });
    expect(r!.status).toBe('pass');
  });

  it('a check waits for the checks it needs and sees their results; a failed need skips it', async () => {
    const order: string[] = [];
    const checks = [
      check('dependent', { needs: ['base'], run: async (_c, info) => (order.push('dependent'), { status: 'pass', detail: `saw ${info.results.get('base')?.status}` }) }),
      check('base', { run: async () => (await sleep(30), order.push('base'), { status: 'warn', detail: '' }) }),
      check('after-fail', { needs: ['broken'] }),
      check('broken', { run: async () => ({ status: 'fail', detail: 'no' }) }),
    ];
    const results = await runChecks(checks, ctx(), opts);
    expect(order).toEqual(['base', 'dependent']);
    expect(results[0]!.detail).toBe('saw warn');
    expect(results[2]).toMatchObject({ status: 'skip', detail: expect.stringMatching(/broken failed/) });
  });

  it('`after` orders without gating', async () => {
    const order: string[] = [];
    const checks = [
      check('later', { after: ['first'], run: async () => (order.push('later'), { status: 'pass', detail: '' }) }),
      check('first', { run: async () => (await sleep(20), order.push('first'), { status: 'fail', detail: '' }) }),
    ];
    const results = await runChecks(checks, ctx(), opts);
    expect(order).toEqual(['first', 'later']);
    expect(results[0]!.status).toBe('pass');
  });

  it('rejects needs that form a cycle', async () => {
    await expect(runChecks([check('a', { needs: ['b'] }), check('b', { needs: ['a'] })], ctx(), opts)).rejects.toThrow(/cycle: a → b → a/);
  });
});

describe('selectChecks (--only)', () => {
  const all = [check('a'), check('b', { needs: ['a'] }), check('c')];
  it('selects the named checks and the checks they need', () => {
    expect(selectChecks(all, ['b']).map((c) => c.id)).toEqual(['a', 'b']);
    expect(selectChecks(all, ['c']).map((c) => c.id)).toEqual(['c']);
    expect(selectChecks(all, undefined)).toHaveLength(3);
  });
  it('brings the check that reports broken project parts when a selected check needs a part', () => {
    const withParts = [
      { id: 'project-files', title: 'P', run: async () => ({ status: 'pass' as const, detail: '' }) },
      { id: 'linking-config', title: 'L', needs: ['linking'], run: async () => ({ status: 'pass' as const, detail: '' }) },
      { id: 'other', title: 'O', run: async () => ({ status: 'pass' as const, detail: '' }) },
    ];
    expect(selectChecks(withParts, ['linking-config'], 'project-files').map((c) => c.id)).toEqual(['project-files', 'linking-config']);
    expect(selectChecks(withParts, ['other'], 'project-files').map((c) => c.id)).toEqual(['other']);
    expect(selectChecks(withParts, ['linking-config']).map((c) => c.id)).toEqual(['linking-config']);
  });
  it('an unknown id is a usage error listing the known ids', () => {
    try {
      selectChecks(all, ['c', 'nope']);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(UsageError);
      expect((err as UsageError).exitCode).toBe(2);
      expect((err as UsageError).message).toContain('"nope"');
      expect((err as UsageError).hint).toBe('Known checks: a, b, c.');
    }
  });
});
