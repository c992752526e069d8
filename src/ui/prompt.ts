import { CancelledError, UsageError } from '../errors.js';
import { neutralizeControl } from './text.js';

/**
 * Prompts, only when interactive (stdin is a TTY and --yes not given). In non-interactive mode
 * every question names the flag that answers it, and asking it is a usage error (exit 2).
 * Each inquirer prompt package (@inquirer/input, password, select, confirm, checkbox) is loaded on
 * first use only; the @inquirer/prompts bundle would also install editor, expand, number, rawlist
 * and search prompts (and an iconv library) that alexa-link never shows.
 */
export interface Choice<T extends string> {
  value: T;
  name?: string;
  description?: string;
}

export interface Prompter {
  readonly interactive: boolean;
  input(q: { message: string; flag: string; default?: string; validate?: (v: string) => true | string | Promise<true | string> }): Promise<string>;
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

/** How prompts may draw: colours (off with --no-color or NO_COLOR) and Unicode symbols (off on TERM=dumb or a non-UTF-8 locale). */
export interface PromptLook {
  color: boolean;
  unicode: boolean;
}

const same = (text: string) => text;

/**
 * inquirer colours by its own test of the terminal, which knows nothing of --no-color, and
 * draws ✔ and ❯: without colour every part it would colour is plain text (its styles, the ? and ✔
 * in front of a question, the spinner, the keys' help line), without Unicode its symbols are ASCII.
 */
export function themeFor(look: PromptLook) {
  const tick = look.unicode ? '✔' : '+';
  const plain = look.color
    ? {}
    : {
        prefix: { idle: '?', done: tick },
        spinner: { interval: 80, frames: look.unicode ? ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'] : ['-', '\\', '|', '/'] },
        style: {
          answer: same,
          message: same,
          error: (text: string) => `> ${text}`,
          defaultAnswer: (text: string) => `(${text})`,
          help: same,
          highlight: same,
          key: (text: string) => `<${text}>`,
          description: same,
          disabled: (text: string) => `- ${text}`,
          disabledChoice: (text: string) => `- ${text}`,
          keysHelpTip: (keys: [string, string][]) => keys.map(([key, action]) => `${key} ${action}`).join(look.unicode ? ' • ' : ' - '),
        },
      };
  const prefix = look.unicode ? {} : { prefix: { idle: '?', done: '+' } };
  return { ...plain, ...prefix };
}

export function createPrompter(interactive: boolean, output: NodeJS.WritableStream = process.stderr, look: PromptLook = { color: true, unicode: true }): Prompter {
  const ctx = { output };
  const theme = themeFor(look);
  const cursor = look.unicode ? {} : { icon: { cursor: '>' } };
  return {
    interactive,
    async input(q) {
      if (!interactive) return missing(q.flag, q.message);
      const { default: input } = await import('@inquirer/input');
      const validate = q.validate ? async (v: string) => { const r = await q.validate!(v); return r === true ? r : safe(r); } : undefined;
      return guard(() => input({ message: safe(q.message), default: q.default, validate, theme }, ctx));
    },
    async password(q) {
      if (!interactive) return missing(q.flag, q.message);
      const { default: password } = await import('@inquirer/password');
      return guard(() => password({ message: safe(q.message), mask: '*', theme }, ctx));
    },
    async select(q) {
      if (!interactive) return missing(q.flag, q.message);
      const { default: select } = await import('@inquirer/select');
      return guard(() => select({ message: safe(q.message), choices: safeChoices(q.choices), default: q.default, theme: { ...theme, ...cursor } }, ctx));
    },
    async confirm(q) {
      if (!interactive) return missing(q.flag, q.message);
      const { default: confirm } = await import('@inquirer/confirm');
      return guard(() => confirm({ message: safe(q.message), default: q.default, theme }, ctx));
    },
    async checkbox(q) {
      if (!interactive) return missing(q.flag, q.message);
      const { default: checkbox } = await import('@inquirer/checkbox');
      // The checked mark is green in inquirer's own theme: plain without colour.
      const icons = look.unicode ? (look.color ? {} : { icon: { checked: '◉', unchecked: '◯', cursor: '❯' } }) : { icon: { checked: '[x]', unchecked: '[ ]', cursor: '>' } };
      return guard(() => checkbox({ message: safe(q.message), choices: safeChoices(q.choices), required: q.required, theme: { ...theme, ...icons } }, ctx));
    },
  };
}
