/**
 * Cleanup on interruption. Commands register what must be undone (close a server, remove a temp
 * directory); on SIGINT/SIGTERM the CLI runs every registered cleanup, newest first, then exits
 * 130. Cleanups also run on normal completion when their owner calls the returned disposer.
 */
type Cleanup = () => void | Promise<void>;

const cleanups = new Set<Cleanup>();

export function onCleanup(fn: Cleanup): () => Promise<void> {
  cleanups.add(fn);
  return async () => {
    if (cleanups.delete(fn)) await fn();
  };
}

export async function runCleanups(): Promise<void> {
  const all = [...cleanups].reverse();
  cleanups.clear();
  for (const fn of all) {
    try {
      await fn();
    } catch {
      // Best effort: one failing cleanup must not keep the others from running.
    }
  }
}

export function pendingCleanups(): number {
  return cleanups.size;
}
