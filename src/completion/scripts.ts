import type { ArgumentSpec, CommandSpec, CompletionSpec, OptionSpec, Shell } from './spec.js';

/**
 * Shell completion scripts rendered from a CompletionSpec (commands, their options and
 * arguments, the values an option takes). Pure: the same spec gives the same script. Each script
 * is checked with `bash -n`, `zsh -n` and `fish -n`, and exercised in the shells, by the tests.
 */

/** One line of help text as a completion description: the first sentence, at most ~70 characters, ASCII quotes only. */
export function shortDescription(text: string): string {
  const first = text.replace(/\s+/g, ' ').trim().split(/(?<=[.;])\s|\s\(/)[0] ?? '';
  const clean = first.replace(/[.;:]$/, '');
  if (clean.length <= 70) return clean;
  const cut = clean.slice(0, 70);
  return `${cut.slice(0, cut.lastIndexOf(' ') > 40 ? cut.lastIndexOf(' ') : 70)}...`;
}

const fnName = (program: string) => `_${program.replace(/[^A-Za-z0-9]/g, '_')}`;

// ─── bash ────────────────────────────────────────────────────────────────────────────────────

/** A word list inside double quotes. */
const bashWords = (words: readonly string[]) => `"${words.join(' ').replace(/["\\$`]/g, (c) => `\\${c}`)}"`;

function bashValueCase(o: OptionSpec): string | undefined {
  const names = [o.long, ...(o.short ? [o.short] : [])].join('|');
  if (o.values) return `${names}) COMPREPLY=($(compgen -W ${bashWords(o.values)} -- "$cur")); return ;;`;
  if (o.path === 'dir') return `${names}) COMPREPLY=($(compgen -d -- "$cur")); return ;;`;
  if (o.path === 'file') return `${names}) COMPREPLY=($(compgen -f -- "$cur")); return ;;`;
  if (o.takesValue) return `${names}) return ;;`;
  return undefined;
}

function bashArgs(args: readonly ArgumentSpec[]): string {
  const a = args[0];
  if (!a) return '';
  if (a.values) return `COMPREPLY=($(compgen -W ${bashWords(a.values)} -- "$cur"))`;
  if (a.path === 'dir') return 'COMPREPLY=($(compgen -d -- "$cur"))';
  if (a.path === 'file') return 'COMPREPLY=($(compgen -f -- "$cur"))';
  return '';
}

function flagWords(options: readonly OptionSpec[]): string[] {
  return options.flatMap((o) => [o.long, ...(o.short ? [o.short] : [])]);
}

export function bashScript(spec: CompletionSpec): string {
  const fn = fnName(spec.program);
  const globalValueNames = spec.globals.filter((o) => o.takesValue).flatMap((o) => [o.long, ...(o.short ? [o.short] : [])]);
  const commandNames = spec.commands.map((c) => c.name);
  const globalFlags = flagWords(spec.globals);
  const lines: string[] = [
    `# bash completion for ${spec.program}, generated from its command definitions by \`${spec.program} completion bash\`.`,
    `# Install: ${spec.program} completion bash > ~/.local/share/bash-completion/completions/${spec.program}`,
    `#      or: source <(${spec.program} completion bash)   (in ~/.bashrc)`,
    `${fn}() {`,
    '  local cur prev cmd i lastopt',
    '  cur="${COMP_WORDS[COMP_CWORD]}"',
    '  prev="${COMP_WORDS[COMP_CWORD-1]}"',
    '  cmd=""',
    '  for ((i = 1; i < COMP_CWORD; i++)); do',
    '    case "${COMP_WORDS[i]}" in',
    ...(globalValueNames.length ? [`      ${globalValueNames.join('|')}) ((i++)) ;;`] : []),
    '      -*) ;;',
    '      *) cmd="${COMP_WORDS[i]}"; break ;;',
    '    esac',
    '  done',
    '  # The last option before the word being completed (for options that take several values).',
    '  lastopt=""',
    '  for ((i = COMP_CWORD - 1; i > 0; i--)); do',
    '    case "${COMP_WORDS[i]}" in -*) lastopt="${COMP_WORDS[i]}"; break ;; esac',
    '  done',
    '  case "$prev" in',
    ...spec.globals.map(bashValueCase).flatMap((l) => (l === undefined ? [] : [`    ${l}`])),
    '  esac',
    '  case "$cmd" in',
    '    "")',
    `      COMPREPLY=($(compgen -W ${bashWords([...commandNames, ...globalFlags, '--help', '--version'])} -- "$cur"))`,
    '      return ;;',
    '    help)',
    `      COMPREPLY=($(compgen -W ${bashWords(commandNames)} -- "$cur"))`,
    '      return ;;',
  ];
  for (const c of spec.commands) {
    lines.push(`    ${c.name})`);
    const cases = c.options.map(bashValueCase).filter((l): l is string => l !== undefined);
    if (cases.length) lines.push('      case "$prev" in', ...cases.map((l) => `        ${l}`), '      esac');
    const variadic = c.options.filter((o) => o.variadic && o.values);
    if (variadic.length) {
      lines.push('      if [[ "$cur" != -* ]]; then', '        case "$lastopt" in');
      for (const o of variadic) lines.push(`          ${o.long}) COMPREPLY=($(compgen -W ${bashWords(o.values!)} -- "$cur")); return ;;`);
      lines.push('        esac', '      fi');
    }
    const args = bashArgs(c.args);
    lines.push(
      '      if [[ "$cur" == -* ]]; then',
      `        COMPREPLY=($(compgen -W ${bashWords([...flagWords(c.options), ...globalFlags, '--help'])} -- "$cur"))`,
      ...(args ? ['      else', `        ${args}`] : []),
      '      fi',
      '      ;;',
    );
  }
  lines.push('  esac', '}', `complete -o default -F ${fn} ${spec.program}`, '');
  return lines.join('\n');
}

// ─── zsh ─────────────────────────────────────────────────────────────────────────────────────

/** Text inside a single-quoted zsh word. */
const zq = (s: string) => s.replace(/'/g, `'\\''`);
/** An _arguments explanation: brackets and backslashes escaped. */
const zexplain = (s: string) => zq(shortDescription(s).replace(/\\/g, '\\\\').replace(/([[\]])/g, '\\$1'));

function zshAction(o: { values?: readonly string[]; path?: 'file' | 'dir' }): string {
  if (o.values) return `(${o.values.map((v) => v.replace(/([ ():\\])/g, '\\$1')).join(' ')})`;
  if (o.path === 'dir') return '_files -/';
  if (o.path === 'file') return '_files';
  return ' ';
}

function zshOption(o: OptionSpec): string {
  const value = o.takesValue ? `:${o.long.replace(/^--/, '')}:${zq(zshAction(o))}` : '';
  const star = o.variadic ? '*' : '';
  if (o.short) return `'(${o.short} ${o.long})'{${o.short},${o.long}}'[${zexplain(o.description)}]${value}'`;
  return `'${star}${o.long}[${zexplain(o.description)}]${value}'`;
}

function zshArgs(args: readonly ArgumentSpec[]): string[] {
  return args.map((a, i) => `'${i + 1}:${a.required ? '' : ':'}${a.name}:${zq(zshAction(a))}'`);
}

export function zshScript(spec: CompletionSpec): string {
  const fn = fnName(spec.program);
  const commands = [...spec.commands.map((c) => `'${c.name}:${zq(shortDescription(c.description))}'`), `'help:show help for a command'`];
  const lines: string[] = [
    `#compdef ${spec.program}`,
    `# zsh completion for ${spec.program}, generated from its command definitions by \`${spec.program} completion zsh\`.`,
    `# Install: ${spec.program} completion zsh > "\${fpath[1]}/_${spec.program}"   (then start a new shell)`,
    `#      or: source <(${spec.program} completion zsh)   (in ~/.zshrc, after compinit)`,
    `${fn}() {`,
    '  local curcontext="$curcontext" state line ret=1',
    '  typeset -A opt_args',
    '  local -a globals commands',
    '  globals=(',
    ...spec.globals.map((o) => `    ${zshOption(o)}`),
    `    '(-h --help)'{-h,--help}'[show help]'`,
    '  )',
    '  commands=(',
    ...commands.map((c) => `    ${c}`),
    '  )',
    `  _arguments -C $globals '(-V --version)'{-V,--version}'[print the version]' '1: :->command' '*:: :->args' && ret=0`,
    '  case $state in',
    '    (command)',
    `      _describe -t commands '${spec.program} command' commands && ret=0`,
    '      ;;',
    '    (args)',
    '      case $line[1] in',
    '        (help)',
    `          _describe -t commands '${spec.program} command' commands && ret=0`,
    '          ;;',
  ];
  for (const c of spec.commands) {
    const specs = [...c.options.map(zshOption), ...zshArgs(c.args)];
    lines.push(`        (${c.name})`, `          _arguments $globals \\`, ...specs.map((s) => `            ${s} \\`), '            && ret=0', '          ;;');
  }
  lines.push(
    '      esac',
    '      ;;',
    '  esac',
    '  return ret',
    '}',
    `if [ "$funcstack[1]" = "${fn}" ]; then`,
    `  ${fn} "$@"`,
    'else',
    `  compdef ${fn} ${spec.program}`,
    'fi',
    '',
  );
  return lines.join('\n');
}

// ─── fish ────────────────────────────────────────────────────────────────────────────────────

/** A single-quoted fish string. */
const fq = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

function fishOption(program: string, o: OptionSpec, condition: string | undefined): string {
  const parts = ['complete', '-c', program];
  if (condition) parts.push('-n', fq(condition));
  if (o.short) parts.push('-s', o.short.replace(/^-/, ''));
  parts.push('-l', o.long.replace(/^--/, ''));
  if (o.values) parts.push('-x', '-a', fq(o.values.join(' ')));
  else if (o.path === 'dir') parts.push('-x', '-a', fq('(__fish_complete_directories)'));
  else if (o.path === 'file') parts.push('-r', '-F');
  else if (o.takesValue) parts.push('-x');
  parts.push('-d', fq(shortDescription(o.description)));
  return parts.join(' ');
}

export function fishScript(spec: CompletionSpec): string {
  const p = spec.program;
  const helper = `__${p.replace(/[^A-Za-z0-9]/g, '_')}`;
  const globalValueNames = spec.globals.filter((o) => o.takesValue).map((o) => o.long);
  const lines: string[] = [
    `# fish completion for ${p}, generated from its command definitions by \`${p} completion fish\`.`,
    `# Install: ${p} completion fish > ~/.config/fish/completions/${p}.fish`,
    `function ${helper}_command --description 'the ${p} command on the line, if any'`,
    '    set -l tokens (commandline -opc)',
    '    set -e tokens[1]',
    '    set -l skip 0',
    '    for t in $tokens',
    '        if test $skip = 1',
    '            set skip 0',
    '            continue',
    '        end',
    '        switch $t',
    ...(globalValueNames.length ? [`            case ${globalValueNames.join(' ')}`, '                set skip 1'] : []),
    "            case '-*'",
    "            case '*'",
    '                echo $t',
    '                return 0',
    '        end',
    '    end',
    '    return 1',
    'end',
    `function ${helper}_using --description 'whether this ${p} command is on the line'`,
    `    set -l c (${helper}_command)`,
    '    test "$c" = "$argv[1]"',
    'end',
    `complete -c ${p} -n ${fq(`not ${helper}_command`)} -f`,
    ...spec.commands.map((c) => `complete -c ${p} -n ${fq(`not ${helper}_command`)} -f -a ${c.name} -d ${fq(shortDescription(c.description))}`),
    `complete -c ${p} -n ${fq(`not ${helper}_command`)} -f -a help -d ${fq('show help for a command')}`,
    `complete -c ${p} -n ${fq(`${helper}_using help`)} -f -a ${fq(spec.commands.map((c) => c.name).join(' '))}`,
    ...spec.globals.map((o) => fishOption(p, o, undefined)),
    `complete -c ${p} -s h -l help -d ${fq('show help')}`,
    `complete -c ${p} -n ${fq(`not ${helper}_command`)} -s V -l version -d ${fq('print the version')}`,
  ];
  for (const c of spec.commands) {
    const cond = `${helper}_using ${c.name}`;
    for (const o of c.options) lines.push(fishOption(p, o, cond));
    const a = c.args[0];
    if (a?.values) lines.push(`complete -c ${p} -n ${fq(cond)} -f -a ${fq(a.values.join(' '))}`);
    else if (a?.path === 'dir') lines.push(`complete -c ${p} -n ${fq(cond)} -f -a ${fq('(__fish_complete_directories)')}`);
    else if (!a) lines.push(`complete -c ${p} -n ${fq(cond)} -f`);
  }
  lines.push('');
  return lines.join('\n');
}

export function completionScript(shell: Shell, spec: CompletionSpec): string {
  switch (shell) {
    case 'bash':
      return bashScript(spec);
    case 'zsh':
      return zshScript(spec);
    case 'fish':
      return fishScript(spec);
  }
}

export type { CommandSpec };
