import { readFileSync } from 'node:fs';
import { Command, CommanderError, Help, Option } from 'commander';
import { completes } from './commands/completion-hints.js';
import { COMMANDS } from './commands/index.js';
import { resolveCwd, type CommandContext, type GlobalOptions } from './context.js';
import { stat } from 'node:fs/promises';
import { AlexaLinkError, UsageError, type ExitCode } from './errors.js';
import type { Output, TextSink } from './ui/output.js';
import { runCleanups } from './ui/lifecycle.js';
import { withSchemaVersion } from './ui/json-document.js';
import { supportsUnicode, terminalWidth, toAscii } from './ui/terminal.js';
import { jsonForTerminal, neutralizeControl } from './ui/text.js';
import { wrapText } from './ui/wrap.js';

export interface CliIO {
  stdout: TextSink;
  stderr: TextSink;
  env: NodeJS.ProcessEnv;
  stdinIsTTY: boolean;
  cwd: string;
  /** Install SIGINT/SIGTERM/SIGHUP/SIGQUIT handlers (the real binary does; in-process tests do not). */
  handleSignals: boolean;
}

const REPORT_URL = 'https://github.com/alexa-link/alexa-link/issues';

function readVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Signals that interrupt a command: each runs the cleanups and exits 130 (design: "130 interrupted"). */
export const INTERRUPT_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];

/**
 * The program itself: its description, version and the global options every command takes (the
 * completion scripts are generated from the same definition, src/commands/completion.ts).
 */
export function defineProgram(program: Command): Command {
  return program
    .description('Get Alexa skill account linking working, and see why it does not.')
    .version(readVersion(), '-V, --version', 'print the version')
    .option('--json', 'machine-readable output: one JSON document on stdout')
    .option('--no-color', 'no colours (NO_COLOR is honoured too)')
    .option('-v, --verbose', 'stack traces and HTTP traces (secrets redacted)')
    .addOption(completes(new Option('--cwd <dir>', 'run as if started in <dir>'), { path: 'dir' }))
    .helpOption('-h, --help', 'show help');
}

/** Global options that take a value, so the command scan skips the value. */
const VALUE_OPTIONS = new Set(['--cwd']);

/** The command named on the command line, if any (the first bare word). */
export function findCommandName(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') return undefined;
    if (VALUE_OPTIONS.has(a)) {
      i++;
      continue;
    }
    if (a.startsWith('-')) continue;
    return a;
  }
  return undefined;
}

/** Runs the CLI and returns its exit code. Never calls process.exit (except on a signal). */
export async function main(argv: string[], partialIO: Partial<CliIO> = {}): Promise<number> {
  const io: CliIO = {
    stdout: partialIO.stdout ?? process.stdout,
    stderr: partialIO.stderr ?? process.stderr,
    env: partialIO.env ?? process.env,
    stdinIsTTY: partialIO.stdinIsTTY ?? Boolean(process.stdin.isTTY),
    cwd: partialIO.cwd ?? process.cwd(),
    handleSignals: partialIO.handleSignals ?? true,
  };
  const args = argv.slice(2);
  const controller = new AbortController();
  let out: Output | undefined;

  const program = defineProgram(new Command('alexa-link'));
  program
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput(commanderOutput(io))
    .configureHelp(helpLayout())
    .addHelpText(
      'after',
      '\nStart with:  npx alexa-link init my-skill\nThen:        alexa-link configure, alexa-link login, alexa-link doctor\nCompletion:  alexa-link completion bash|zsh|fish (see its --help)\nEvery --timeout takes seconds, or a unit: 1500ms, 30s, 5m.\n',
    );

  // Output (and chalk) load only when a command runs, so --help stays close to bare node.
  const makeContext = async (cmd: Command): Promise<CommandContext> => {
    const [{ Output }, { colorLevel }, { processSecrets }] = await Promise.all([import('./ui/output.js'), import('./ui/color.js'), import('./ui/secrets.js')]);
    const g = cmd.optsWithGlobals() as { json?: boolean; color?: boolean; verbose?: boolean; cwd?: string };
    const globals: GlobalOptions = {
      json: Boolean(g.json),
      color: g.color !== false,
      verbose: Boolean(g.verbose),
      cwd: resolveCwd(io.cwd, g.cwd),
    };
    out = new Output({
      json: globals.json,
      verbose: globals.verbose,
      stdoutColor: colorLevel({ flag: globals.color, env: io.env, isTTY: io.stdout.isTTY }),
      stderrColor: colorLevel({ flag: globals.color, env: io.env, isTTY: io.stderr.isTTY }),
      stdout: io.stdout,
      stderr: io.stderr,
      stdoutWidth: terminalWidth(io.stdout, io.env),
      stderrWidth: terminalWidth(io.stderr, io.env),
      unicode: supportsUnicode(io.env),
      secrets: processSecrets,
    });
    if (globals.verbose) {
      const sink = out;
      (await import('./net/http.js')).onProxyUse((line) => sink.debug(line));
    }
    if (g.cwd !== undefined) {
      // "Run as if started in <dir>": a directory nobody could start in is a usage error, not a
      // missing project.
      const info = await stat(globals.cwd).catch(() => undefined);
      if (!info?.isDirectory()) {
        const shown = g.cwd === globals.cwd ? g.cwd : `${g.cwd} (${globals.cwd})`;
        throw new UsageError(`--cwd ${shown} ${info ? 'is not a directory' : 'does not exist'}.`, {
          hint: 'Pass an existing directory: the skill project, or for init the directory the new project goes into.',
        });
      }
    }
    return { globals, out, env: io.env, stdinIsTTY: io.stdinIsTTY, signal: controller.signal };
  };

  let exitCode = 0;
  const invoked = findCommandName(args);
  for (const entry of COMMANDS) {
    const cmd = program.command(entry.args ? `${entry.name} ${entry.args}` : entry.name).description(entry.summary);
    cmd.exitOverride().configureOutput(commanderOutput(io));
    if (entry.name !== invoked) continue;
    const mod = await entry.load();
    mod.define(cmd);
    cmd.action(async (...actionArgs: unknown[]) => {
      const self = actionArgs[actionArgs.length - 1] as Command;
      exitCode = await mod.run(await makeContext(self), self.args, self.opts());
    });
  }

  const onSignal = (signal: NodeJS.Signals) => {
    controller.abort(new Error(`interrupted by ${signal}`));
    io.stderr.write(supportsUnicode(io.env) ? '\nInterrupted, cleaning up…\n' : '\nInterrupted, cleaning up...\n');
    void runCleanups().finally(() => process.exit(130));
  };
  // Ctrl-C, a kill, a closed terminal (SIGHUP) and Ctrl-\ (SIGQUIT) all interrupt the same way:
  // cleanups run (servers closed, the skill's process group killed, temp files removed), exit 130.
  if (io.handleSignals) for (const s of INTERRUPT_SIGNALS) process.once(s, onSignal);

  let finalCode = 1;
  try {
    finalCode = await (async (): Promise<number> => {
      try {
        if (args.length === 0) {
          io.stderr.write(helpText(program.helpInformation({ error: true }), io, io.stderr));
          return 2;
        }
        await program.parseAsync(argv);
        return controller.signal.aborted ? 130 : exitCode;
      } catch (err) {
        // After Ctrl-C, whatever failed on the way out (a closed server, a cancelled request) is
        // the interruption, not a failure of its own.
        if (controller.signal.aborted) return 130;
        return await reportError(err, out, io, { json: wantsJson(args), args });
      }
    })();
    return finalCode;
  } finally {
    await runCleanups();
    if (io.handleSignals) {
      for (const s of INTERRUPT_SIGNALS) {
        process.removeListener(s, onSignal);
        // The work is done and cleaned up: a signal that lands while Node exits ends the process
        // with the code it already had, instead of killing it by the signal's default action.
        process.once(s, () => process.exit(controller.signal.aborted ? 130 : finalCode));
      }
    }
  }
}

/**
 * commander writes help and its own errors itself; those quote the command line (an unknown
 * option, a file name), so they are neutralised like every other line (src/ui/text.ts), put in
 * ASCII on a terminal without Unicode, and wrapped to the terminal's width like Output's lines
 * (commander wraps option descriptions itself; the notes after them are wrapped here).
 */
function commanderOutput(io: CliIO): {
  writeOut(s: string): void;
  writeErr(s: string): void;
  getOutHelpWidth(): number;
  getErrHelpWidth(): number;
} {
  return {
    writeOut: (s) => void io.stdout.write(helpText(s, io, io.stdout)),
    writeErr: (s) => void io.stderr.write(helpText(s, io, io.stderr)),
    getOutHelpWidth: () => terminalWidth(io.stdout, io.env),
    getErrHelpWidth: () => terminalWidth(io.stderr, io.env),
  };
}

function helpText(s: string, io: CliIO, stream: TextSink): string {
  const safe = neutralizeControl(s);
  return wrapText(supportsUnicode(io.env) ? safe : toAscii(safe), terminalWidth(stream, io.env));
}

/** Below this many columns for an option's description, it goes under the option instead of beside it. */
const NARROW_DESCRIPTION = 30;

/**
 * How help is laid out: every command's help ends with the global options (as gh shows its
 * inherited flags); descriptions wrap to the terminal, and go under their option when the
 * terminal is too narrow for two columns.
 */
function helpLayout(): Partial<Help> {
  return {
    showGlobalOptions: true,
    minWidthToWrap: 16,
    visibleGlobalOptions(this: Help, cmd: Command): Option[] {
      // --version belongs to the program, not to each command.
      return Help.prototype.visibleGlobalOptions.call(this, cmd).filter((o) => o.long !== '--version');
    },
    formatItem(this: Help, term: string, termWidth: number, description: string, helper: Help): string {
      const width = helper.helpWidth ?? 80;
      if (!description || width - termWidth - 4 >= NARROW_DESCRIPTION) return Help.prototype.formatItem.call(this, term, termWidth, description, helper);
      const under = helper.boxWrap(description, width - 6).replace(/\n/g, '\n      ');
      return `  ${term}\n      ${under}`;
    },
  };
}

/** Whether --json was given (before any `--`), for errors commander raises before a command runs. */
export function wantsJson(args: string[]): boolean {
  const end = args.indexOf('--');
  return (end === -1 ? args : args.slice(0, end)).includes('--json');
}

async function reportError(err: unknown, out: Output | undefined, io: CliIO, given: { json: boolean; args: string[] }): Promise<ExitCode> {
  if (err instanceof CommanderError) {
    const helpOrVersion = err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.code === 'commander.help';
    if (helpOrVersion && err.exitCode === 0) return 0;
    // commander already printed the message (with a suggestion where it has one) on stderr; with
    // --json, stdout still gets its one document.
    if (given.json && !out?.hasResult) {
      const [first = '', ...rest] = err.message.replace(/^error: /, '').split('\n');
      // commander.help here: help shown in place of a command (none given, or `help <unknown>`).
      const bare = given.args.filter((a) => !a.startsWith('-'));
      const message = err.code !== 'commander.help' ? first : bare[0] === 'help' && bare[1] ? `unknown command '${bare[1]}'` : 'No command given.';
      const suggestion = rest.join(' ').replace(/^\((.*)\)$/, '$1').trim();
      const hint = suggestion || 'Run alexa-link --help for the commands, alexa-link <command> --help for their flags.';
      io.stdout.write(jsonForTerminal(withSchemaVersion({ ok: false, error: { code: 'E_USAGE', message, hint } }), 2) + '\n');
    }
    return 2;
  }
  const [{ Output }, { processSecrets }] = await Promise.all([import('./ui/output.js'), import('./ui/secrets.js')]);
  const sink = out ?? new Output({ json: false, verbose: false, stdoutColor: 0, stderrColor: 0, stdout: io.stdout, stderr: io.stderr, secrets: processSecrets });
  if (err instanceof AlexaLinkError) {
    sink.error(err.message);
    if (err.hint) sink.info(`  ${err.hint}`);
    if (sink.verbose && err.stack) sink.debug(err.stack);
    if (sink.json && !sink.hasResult) {
      sink.result({ ok: false, error: { code: err.code, message: err.message, hint: err.hint ?? null } });
    }
    return err.exitCode;
  }
  const message = err instanceof Error ? err.message : String(err);
  sink.error(`Internal error: ${message}`);
  if (err instanceof Error && err.stack) sink.info(sink.errStyle.dim(err.stack));
  sink.info(`This is a bug in alexa-link. Please report it with the command you ran: ${REPORT_URL}`);
  if (sink.json && !sink.hasResult) sink.result({ ok: false, error: { code: 'E_INTERNAL', message, hint: null } });
  return 1;
}
