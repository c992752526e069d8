import { describe, expect, it } from 'vitest';
import { onCleanup, pendingCleanups, runCleanups } from '../../src/ui/lifecycle.js';

describe('cleanup registry', () => {
  it('runs registered cleanups newest first, once', async () => {
    const order: string[] = [];
    onCleanup(() => void order.push('a'));
    onCleanup(() => void order.push('b'));
    await runCleanups();
    await runCleanups();
    expect(order).toEqual(['b', 'a']);
    expect(pendingCleanups()).toBe(0);
  });

  it('a signal during a disposer that is still running waits for it (the exit never cuts a cleanup in half)', async () => {
    let finished = false;
    const dispose = onCleanup(async () => {
      await new Promise((r) => setTimeout(r, 50));
      finished = true;
    });
    // The owner's normal way out starts the cleanup…
    const owner = dispose();
    // …and a Ctrl-C lands while it runs: runCleanups must not resolve (and let the CLI exit) before it is done.
    await runCleanups();
    expect(finished).toBe(true);
    await owner;
    expect(pendingCleanups()).toBe(0);
  });

  it('one failing cleanup does not keep the others from running', async () => {
    const ran: string[] = [];
    onCleanup(() => void ran.push('first'));
    onCleanup(() => {
      throw new Error('boom');
    });
    await runCleanups();
    expect(ran).toEqual(['first']);
  });
});
