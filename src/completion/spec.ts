/**
 * What shell completion knows about the command line: commands, their options and arguments,
 * the values an option takes. Built from the commander definitions (src/commands/completion.ts),
 * rendered into bash, zsh and fish scripts (src/completion/scripts.ts). Pure data.
 */
export interface OptionSpec {
  /** --long (always there for alexa-link's options). */
  long: string;
  /** -s, when the option has a short form. */
  short?: string;
  description: string;
  /** Takes a value (--timeout <duration>). */
  takesValue: boolean;
  /** May be given several values (--envelopes <path...>). */
  variadic: boolean;
  /** The values to offer. */
  values?: readonly string[];
  /** The value is a path. */
  path?: 'file' | 'dir';
}

export interface ArgumentSpec {
  name: string;
  required: boolean;
  values?: readonly string[];
  path?: 'file' | 'dir';
}

export interface CommandSpec {
  name: string;
  description: string;
  options: OptionSpec[];
  args: ArgumentSpec[];
}

export interface CompletionSpec {
  program: string;
  /** Options every command takes (--json, --no-color, -v, --cwd). */
  globals: OptionSpec[];
  commands: CommandSpec[];
}

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];
