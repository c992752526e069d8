/**
 * Cleanup on interruption. Commands register what must be undone (close a server, remove a temp
 * directory); on SIGINT/SIGTERM/SIGHUP/SIGQUIT the CLI runs every registered cleanup, newest first,
 * then exits 130. Cleanups also run on normal completion when their owner calls the returned
 * disposer; a signal that lands while a disposer is still running waits for it, so the exit never
 * cuts a cleanup in half (init's staging folder was left behind that way).
 */
type Cleanup = () => void | Promise<void>;

const cleanups = new Set<Cleanup>();
const running = new Set<Promise<void>>();

function track(fn: Cleanup): Promise<void> {
  const p = Promise.resolve()
    .then(fn)
    .finally(() => running.delete(p));
  running.add(p);
  return p;
}

export function onCleanup(fn: Cleanup): () => Promise<void> {
  cleanups.add(fn);
  return async () => {
    if (cleanups.delete(fn)) await track(fn);
  };
}

export async function runCleanups(): Promise<void> {
  const all = [...cleanups].reverse();
  cleanups.clear();
  for (const fn of all) {
    try {
      await track(fn);
    } catch {
      // Best effort: one failing cleanup must not keep the others from running.
    }
  }
  // Cleanups their owners started (a disposer on the way out) finish before the process may exit.
  await Promise.allSettled([...running]);
}

export function pendingCleanups(): number {
  return cleanups.size + running.size;
}
