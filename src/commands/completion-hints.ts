import type { Option } from 'commander';

/**
 * What shell completion offers for an option's value, where commander's own definition does not
 * say: commander's `.choices()` lists are read directly; options whose values are checked by the
 * command itself (to give their own messages: --token env:VAR, --only a,b) or are paths say it
 * here, next to their definition, so the completion scripts are generated from the same place
 * the command line is defined (src/commands/completion.ts), not from lists kept by hand.
 */
export interface CompletionHint {
  /** The values to offer (may load them, e.g. the doctor check ids). */
  values?: () => readonly string[] | Promise<readonly string[]>;
  /** The value is a path: a file, or a folder. */
  path?: 'file' | 'dir';
}

const hints = new WeakMap<Option, CompletionHint>();

/** Attaches a completion hint to an option; returns the option (for commander's chain). */
export function completes<T extends Option>(option: T, hint: CompletionHint): T {
  hints.set(option, hint);
  return option;
}

export function completionHint(option: Option): CompletionHint | undefined {
  return hints.get(option);
}
