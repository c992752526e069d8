import path from 'node:path';
import { Option, type Command } from 'commander';
import type { CommandContext, CommandModule } from '../context.js';
import { UsageError } from '../errors.js';
import { PROVIDER_IDS } from '../linking/providers.js';
import { ENDPOINT_KINDS, LANGUAGES, SKILL_TYPES, type InitAnswers } from '../scaffold/init-options.js';
import { planInit, runInit, writeInit, type InitResult } from '../scaffold/run-init.js';
import { askProviderQuestions, runInitWizard } from '../scaffold/wizard.js';
import type { AddLinkingResult, SdkStyle } from '../scaffold/add-linking.js';
import { createPrompter, isInteractive } from '../ui/prompt.js';
import { ALEXA_LOCALES } from '../scaffold/locales.js';
import { completes } from './completion-hints.js';

export { runInit } from '../scaffold/run-init.js';
export type { InitDeps, InitResult } from '../scaffold/run-init.js';
export type { InitAnswers, InitOptions } from '../scaffold/init-options.js';

const collect = (value: string, previous: string[] = []) => [...previous, value];

export interface InitFlags {
  type?: string;
  name?: string;
  invocation?: string;
  locale?: string[];
  provider?: string;
  domain?: string;
  authorizationUrl?: string;
  tokenUrl?: string;
  userinfoUrl?: string;
  clientId?: string;
  scope?: string[];
  scheme?: string;
  language?: string;
  endpoint?: string;
  endpointUrl?: string;
  install?: boolean;
  force?: boolean;
  yes?: boolean;
  add?: boolean;
  profile?: string;
}

/** Flags and the [dir] argument → answers; nothing else below this line sees raw flags. */
export function answersFromFlags(args: string[], f: InitFlags): InitAnswers {
  const a: InitAnswers = {};
  if (args[0] !== undefined) a.dir = args[0];
  if (f.type !== undefined) a.skillType = f.type;
  if (f.name !== undefined) a.name = f.name;
  if (f.invocation !== undefined) a.invocation = f.invocation;
  if (f.locale?.length) a.locales = f.locale;
  if (f.provider !== undefined) a.provider = f.provider;
  if (f.domain !== undefined) a.domain = f.domain;
  if (f.authorizationUrl !== undefined) a.authorizationUrl = f.authorizationUrl;
  if (f.tokenUrl !== undefined) a.tokenUrl = f.tokenUrl;
  if (f.userinfoUrl !== undefined) a.userinfoUrl = f.userinfoUrl;
  if (f.clientId !== undefined) a.clientId = f.clientId;
  if (f.scope?.length) a.scopes = f.scope;
  if (f.scheme !== undefined) a.scheme = f.scheme;
  if (f.language !== undefined) a.language = f.language;
  if (f.endpoint !== undefined) a.endpoint = f.endpoint;
  if (f.endpointUrl !== undefined) a.endpointUrl = f.endpointUrl;
  if (f.install !== undefined) a.install = f.install;
  if (f.force) a.force = true;
  return a;
}

function report(ctx: CommandContext, result: InitResult, shown: readonly string[] = []): number {
  const { out } = ctx;
  // Warnings the wizard showed before its summary are not said twice.
  for (const w of result.warnings) if (!shown.includes(w)) out.warn(w);
  const installFailed = result.install === 'failed';
  if (installFailed) {
    out.error(`npm install failed in lambda/: ${result.installError}`);
    out.info('  The project is complete; run npm install in lambda/ yourself once the problem is fixed.');
  }
  const shownDir = path.relative(ctx.globals.cwd, result.dir) || '.';
  const what = result.options.skillType === 'smart-home' ? 'smart home skill' : `invocation name "${result.options.invocation}"`;
  out.success(`Created "${result.options.name}" (${what}) in ${shownDir}`);
  out.print(`Files in ${result.dir}:`);
  for (const f of result.files) out.print(`  ${f}`);
  out.print('');
  out.print('Next steps:');
  for (const s of result.next) out.print(`  ${s.command}`, { preformatted: true });
  out.result({
    ok: !installFailed,
    dir: result.dir,
    files: result.files,
    warnings: result.warnings,
    next: result.next.map((s) => s.command),
    install: result.install,
    ...(result.installError ? { installError: result.installError } : {}),
    overwritten: result.overwritten,
    replacedBackup: result.replacedBackup ?? null,
    skill: {
      type: result.options.skillType,
      name: result.options.name,
      invocation: result.options.skillType === 'smart-home' ? null : result.options.invocation,
      locales: result.options.locales,
      provider: result.options.provider,
      language: result.options.language,
      endpoint: result.options.endpoint,
    },
  });
  return installFailed ? 1 : 0;
}

/** Flags that only make sense for a new project; --add ignores them, so passing one is a usage error. */
const NEW_PROJECT_FLAGS: Array<[keyof InitFlags, string]> = [
  ['name', '--name'],
  ['invocation', '--invocation'],
  ['locale', '--locale'],
  ['language', '--language'],
  ['endpoint', '--endpoint'],
  ['endpointUrl', '--endpoint-url'],
  ['install', '--install'],
  ['force', '--force'],
];

function reportAdd(ctx: CommandContext, r: AddLinkingResult, labels: Record<SdkStyle, string>): number {
  const { out } = ctx;
  for (const w of r.warnings) out.warn(w);
  const where = path.relative(ctx.globals.cwd, r.project.root) || '.';
  out.success(`Added account linking to the ${r.project.layoutName} in ${where} (${r.options.provider}, client ID ${r.options.clientId})`);
  out.print(`Wrote ${r.files.join(' and ')}${r.gitignore === 'created' ? ' (created, with .alexa-link/)' : r.gitignore === 'appended' ? ' (.alexa-link/ appended)' : ''}; nothing else was changed.`);
  out.print('');
  out.print(`Your code uses ${labels[r.sdk]}${r.handlerFile ? ` (${r.handlerFile})` : ''}. Make this change in the handler:`);
  out.print('');
  // Code is printed as it is: wrapping would break statements and comments mid-line.
  for (const line of r.snippet.split('\n')) out.print(`    ${line}`, { preformatted: true });
  out.print('');
  const next = [
    'export ALEXA_LINK_CLIENT_SECRET=<client secret>',
    'npx alexa-link configure',
    'npx alexa-link login',
    'npx alexa-link doctor --token session',
  ];
  out.print('Next steps:');
  for (const n of next) out.print(`  ${n}`, { preformatted: true });
  out.result({
    ok: true,
    mode: 'add',
    dir: r.project.root,
    layout: r.project.layout,
    files: r.files,
    gitignore: r.gitignore,
    sdk: r.sdk,
    handlerFile: r.handlerFile ?? null,
    snippet: r.snippet,
    warnings: r.warnings,
    next,
  });
  return 0;
}

export const command: CommandModule = {
  define(cmd: Command) {
    cmd
      .addOption(new Option('--type <type>', 'skill type: a custom skill, or a smart home skill (default: custom)').choices([...SKILL_TYPES]))
      .option('--name <name>', 'skill name shown in the Alexa app (default: from the directory name)')
      .option('--invocation <phrase>', 'invocation name of a custom skill: two or more lower-case words (default: from the skill name)')
      .addOption(completes(new Option('--locale <locale>', 'skill locale, repeatable (default: en-US)').argParser(collect), { values: () => ALEXA_LOCALES }))
      .addOption(new Option('--provider <id>', 'OAuth provider preset (default: lwa)').choices(PROVIDER_IDS))
      .option('--domain <host>', 'Auth0 tenant, Okta org or Cognito domain')
      .option('--authorization-url <url>', "provider's authorization URL (generic provider, or to override a preset)")
      .option('--token-url <url>', "provider's token URL (generic provider, or to override a preset)")
      .option('--userinfo-url <url>', 'where the skill looks up the linked user (default: from the preset)')
      .option('--client-id <id>', 'client ID of the app registered at the provider')
      .option('--scope <scope>', 'scope to request, repeatable (default: from the preset)', collect)
      .addOption(new Option('--scheme <scheme>', 'how Alexa authenticates at the token URL (default: from the preset)').choices(['HTTP_BASIC', 'REQUEST_BODY_CREDENTIALS']))
      .addOption(new Option('--language <language>', 'skill code language (default: javascript)').choices([...LANGUAGES]))
      .addOption(new Option('--endpoint <kind>', 'where a custom skill\'s code runs (default: lambda; smart home skills run on Lambda only)').choices([...ENDPOINT_KINDS]))
      .option('--endpoint-url <url>', 'HTTPS endpoint URL (with --endpoint https)')
      .option('--install', 'run npm install in lambda/ (asked in the wizard; default off without it)')
      .option('--no-install', 'do not run npm install')
      .option('--force', 'write into a non-empty directory, replacing the files the template brings')
      .option('--add', 'add account linking to the existing project in [dir] (any layout): writes accountLinking.json and .alexa-link/ in .gitignore, nothing else')
      .option('--profile <name>', 'with --add: the project\'s profile (ask-resources.json, .ask/config) (default: ASK_DEFAULT_PROFILE, else "default")')
      .option('-y, --yes', 'no prompts: take defaults, fail on missing required values');
  },

  async run(ctx: CommandContext, args: string[], opts: Record<string, unknown>): Promise<number> {
    const flags = opts as InitFlags;
    const given = answersFromFlags(args, flags);
    const interactive = isInteractive({ stdinIsTTY: ctx.stdinIsTTY, yes: flags.yes });
    if (flags.profile !== undefined && !flags.add) {
      throw new UsageError('--profile chooses the profile of an existing project: it goes with --add.', { hint: 'A new project has one profile, "default"; drop --profile, or pass --add to add linking to an existing project.' });
    }
    if (flags.profile !== undefined && flags.profile.trim() === '') throw new UsageError('--profile needs a profile name.');
    if (flags.add) {
      const extra = NEW_PROJECT_FLAGS.filter(([k]) => flags[k] !== undefined && flags[k] !== false).map(([, f]) => f);
      if (extra.length) throw new UsageError(`--add writes only accountLinking.json into an existing project; ${extra.join(', ')} ${extra.length === 1 ? 'is' : 'are'} for a new project.`, { hint: 'Drop them, or run init without --add to create a new project.' });
      const answers = interactive ? await askProviderQuestions({ ...given }, createPrompter(true, undefined, ctx.out.promptLook), { userinfo: false }) : given;
      const { runAddLinking, SDK_LABELS } = await import('../scaffold/add-linking.js');
      return reportAdd(ctx, await runAddLinking(answers, { cwd: ctx.globals.cwd, profile: flags.profile?.trim(), env: ctx.env }), SDK_LABELS);
    }
    const prompter = createPrompter(interactive, undefined, ctx.out.promptLook);
    const deps = { cwd: ctx.globals.cwd, progress: (line: string) => ctx.out.info(line) };
    if (!interactive) return report(ctx, await runInit(given, deps));
    // In a terminal: every answer checked where it is given, a summary, one confirmation.
    const plan = await runInitWizard(given, { prompter, say: (l) => ctx.out.info(l), warn: (l) => ctx.out.warn(l) }, ctx.globals.cwd, (answers) => planInit(answers, deps));
    if (!plan) {
      ctx.out.info('Cancelled; nothing was written.');
      ctx.out.result({ ok: false, cancelled: true, dir: null, files: [] });
      return 1;
    }
    const result = await writeInit(plan, deps);
    return report(ctx, result, plan.warnings);
  },
};
