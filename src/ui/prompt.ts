import { CancelledError, UsageError } from '../errors.js';
import { neutralizeControl } from './text.js';

/**
 * Prompts, only when interactive (stdin is a TTY and --yes not given). In non-interactive mode
 * every question names the flag that answers it, and asking it is a usage error (exit 2).
 * @inquirer/prompts is loaded on first use only.
 */
export interface Choice<T extends string> {
  value: T;
  name?: string;
  description?: string;
}

export interface Prompter {
  readonly interactive: boolean;
  input(q: { message: string; flag: string; default?: string; validate?: (v: string) => true | string }): Promise<string>;
  password(q: { message: string; flag: string }): Promise<string>;
  select<T extends string>(q: { message: string; flag: string; choices: Choice<T>[]; default?: T }): Promise<T>;
  confirm(q: { message: string; flag: string; default?: boolean }): Promise<boolean>;
  checkbox<T extends string>(q: { message: string; flag: string; choices: Choice<T>[]; required?: boolean }): Promise<T[]>;
}

/**
 * The hidden question for a client secret, asked only because the variable that could have held
 * it is not set: it says so, so the next run need not ask.
 */
export function secretQuestion(clientId: string, envName: string): string {
  return `Client secret for client ID ${clientId} (not saved; set ${envName} to skip this prompt):`;
}

export function isInteractive(opts: { stdinIsTTY: boolean | undefined; yes?: boolean }): boolean {
  return Boolean(opts.stdinIsTTY) && !opts.yes;
}

function missing(flag: string, message: string): never {
  throw new UsageError(`Missing a value for ${flag} (${message.replace(/[?:]\s*$/, '')}).`, {
    code: 'E_MISSING_FLAG',
    hint: `Pass ${flag}, or run in a terminal without --yes to be asked.`,
  });
}

async function guard<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof Error && (err.name === 'ExitPromptError' || err.name === 'AbortPromptError')) {
      throw new CancelledError();
    }
    throw err;
  }
}

/**
 * Prompts write to the terminal themselves, so their messages, defaults and choices (which can
 * quote a client ID or a file name) are neutralised here, as Output does for every other line.
 */
const safe = (text: string) => neutralizeControl(text, { newlines: 'escape' });
function safeChoices<T extends string>(choices: Choice<T>[]): Choice<T>[] {
  return choices.map((c) => ({ ...c, ...(c.name !== undefined ? { name: safe(c.name) } : { name: safe(c.value) }), ...(c.description !== undefined ? { description: safe(c.description) } : {}) }));
}

export function createPrompter(interactive: boolean, output: NodeJS.WritableStream = process.stderr): Prompter {
  const ctx = { output };
  const load = () => import('@inquirer/prompts');
  return {
    interactive,
    async input(q) {
      if (!interactive) return missing(q.flag, q.message);
      const { input } = await load();
      return guard(() => input({ message: safe(q.message), default: q.default, validate: q.validate ? (v: string) => { const r = q.validate!(v); return r === true ? r : safe(r); } : undefined }, ctx));
    },
    async password(q) {
      if (!interactive) return missing(q.flag, q.message);
      const { password } = await load();
      return guard(() => password({ message: safe(q.message), mask: '*' }, ctx));
    },
    async select(q) {
      if (!interactive) return missing(q.flag, q.message);
      const { select } = await load();
      return guard(() => select({ message: safe(q.message), choices: safeChoices(q.choices), default: q.default }, ctx));
    },
    async confirm(q) {
      if (!interactive) return missing(q.flag, q.message);
      const { confirm } = await load();
      return guard(() => confirm({ message: safe(q.message), default: q.default }, ctx));
    },
    async checkbox(q) {
      if (!interactive) return missing(q.flag, q.message);
      const { checkbox } = await load();
      return guard(() => checkbox({ message: safe(q.message), choices: safeChoices(q.choices), required: q.required }, ctx));
    },
  };
}
