import { Command, type Option } from 'commander';
import type { CommandContext, CommandModule } from '../context.js';
import { completionScript } from '../completion/scripts.js';
import { SHELLS, type ArgumentSpec, type CompletionSpec, type OptionSpec, type Shell } from '../completion/spec.js';
import { completionHint } from './completion-hints.js';
import { COMMANDS } from './index.js';

/**
 * `alexa-link completion bash|zsh|fish`: a completion script built from the commander definitions
 * themselves — every command's define() runs on a fresh program with the global options — so a
 * new flag, choice or check id is in the scripts without anyone keeping a list.
 */
async function optionSpec(o: Option): Promise<OptionSpec> {
  const hint = completionHint(o);
  const values = o.argChoices ?? (hint?.values ? await hint.values() : undefined);
  return {
    long: o.long!,
    ...(o.short ? { short: o.short } : {}),
    description: o.description,
    takesValue: o.required || o.optional,
    variadic: o.variadic,
    ...(values ? { values: [...values] } : {}),
    ...(hint?.path ? { path: hint.path } : {}),
  };
}

/** The completion spec of the whole command line, from the definitions. */
export async function buildCompletionSpec(): Promise<CompletionSpec> {
  const { defineProgram } = await import('../cli.js');
  const program = defineProgram(new Command('alexa-link'));
  const globals = await Promise.all(program.options.filter((o) => o.long !== '--version').map(optionSpec));
  const commands = [];
  for (const entry of COMMANDS) {
    const cmd = program.command(entry.args ? `${entry.name} ${entry.args}` : entry.name).description(entry.summary);
    (await entry.load()).define(cmd);
    const args: ArgumentSpec[] = cmd.registeredArguments.map((a) => ({
      name: a.name(),
      required: a.required,
      ...(a.argChoices ? { values: [...a.argChoices] } : {}),
      // A folder argument ([dir]) completes folders.
      ...(!a.argChoices && /dir/i.test(a.name()) ? { path: 'dir' as const } : {}),
    }));
    commands.push({ name: entry.name, description: entry.summary, options: await Promise.all(cmd.options.map(optionSpec)), args });
  }
  return { program: 'alexa-link', globals, commands };
}

export const command: CommandModule = {
  define(cmd: Command) {
    // The <shell> argument from the command table, with its choices.
    const shell = cmd.registeredArguments[0];
    if (shell) {
      shell.choices([...SHELLS]);
      shell.description = 'the shell to complete in';
    }
    cmd.addHelpText(
      'after',
      '\nInstall:\n' +
        '  # bash (or add to ~/.bashrc: source <(alexa-link completion bash))\n' +
        '  $ alexa-link completion bash > ~/.local/share/bash-completion/completions/alexa-link\n' +
        '  # zsh, then start a new shell (or add to ~/.zshrc, after compinit: source <(alexa-link completion zsh))\n' +
        '  $ alexa-link completion zsh > "${fpath[1]}/_alexa-link"\n' +
        '  # fish\n' +
        '  $ alexa-link completion fish > ~/.config/fish/completions/alexa-link.fish\n' +
        '\nIt completes commands, flags, the values of flags that have a fixed set (--provider, --token, --stage…), the check ids of doctor --only, and files and folders where a flag takes a path.\n',
    );
  },
  async run(ctx: CommandContext, args: string[]): Promise<number> {
    const shell = args[0] as Shell;
    const script = completionScript(shell, await buildCompletionSpec());
    ctx.out.print(script.replace(/\n$/, ''), { preformatted: true });
    ctx.out.result({ ok: true, shell, script });
    return 0;
  },
};
