import { durationHelp, parseDuration } from '../ui/duration.js';
import path from 'node:path';
import type { Command } from 'commander';
import type { CommandContext, CommandModule } from '../context.js';
import type { DoctorOptions, TargetChoice } from '../doctor/context.js';
import { UsageError } from '../errors.js';
import { parseTokenMode } from '../replay/envelopes.js';
import { builtinRequestNames } from '../replay/kinds/index.js';
import type { ProbeMode } from '../replay/kinds/types.js';
import { isSkillId } from '../project/skill-id.js';
import { assertVendorId } from '../linking/redirect-urls.js';
import { createPrompter, isInteractive } from '../ui/prompt.js';
import { CHECK_LIST, checkListHelp } from '../doctor/check-list.js';
import { completes } from './completion-hints.js';
import { parseEndpointFlag, parseHandlerFlag } from '../replay/target-flags.js';

/**
 * `alexa-link doctor`: flags → DoctorOptions → runDoctor. The work lives in src/doctor and
 * src/replay; this file only parses and validates the command line.
 */
export const DEFAULT_TIMEOUT_MS = 10_000;
export const DEFAULT_CONCURRENCY = 4;
export const DEFAULT_SECRET_ENV = 'ALEXA_LINK_CLIENT_SECRET';

interface RawDoctorFlags {
  endpoint?: string;
  handler?: string;
  smapi?: boolean;
  envelopes?: string[];
  token?: string;
  simulate?: string;
  offline?: boolean;
  only?: string[];
  timeout?: string;
  concurrency?: string;
  skillId?: string;
  profile?: string;
  vendorId?: string;
  stage?: string;
  clientSecretEnv?: string;
  probes?: string;
  request?: string[];
  intent?: string;
  slot?: string[];
  envFile?: string;
  region?: string;
  memory?: string;
  fix?: boolean;
  yes?: boolean;
}

const PROBE_MODES: readonly ProbeMode[] = ['none', 'placement', 'all'];

function positiveInt(value: string | undefined, flag: string, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1 || Number(value) > max) {
    throw new UsageError(`${flag}: "${value}" is not a whole number between 1 and ${max}.`, { code: 'E_USAGE' });
  }
  return Number(value);
}

/** Lambda's memory settings, in MB: one range for every wrong --memory. */
export const LAMBDA_MEMORY_MB = { min: 128, max: 10240 } as const;

function lambdaMemory(value: string): number {
  const n = Number(value.trim());
  if (!/^\d+$/.test(value.trim()) || n < LAMBDA_MEMORY_MB.min || n > LAMBDA_MEMORY_MB.max) {
    throw new UsageError(`--memory: "${value}" is not a Lambda memory setting: a whole number of MB from ${LAMBDA_MEMORY_MB.min} to ${LAMBDA_MEMORY_MB.max}.`, { code: 'E_USAGE' });
  }
  return n;
}

/** Turns raw flags into options; every problem is a usage error naming the flag (exit 2). */
export function parseDoctorFlags(flags: RawDoctorFlags, globals: { cwd: string; verbose: boolean }): DoctorOptions {
  const chosen = [flags.endpoint !== undefined && '--endpoint', flags.handler !== undefined && '--handler', flags.smapi && '--smapi'].filter(Boolean) as string[];
  if (chosen.length > 1) throw new UsageError(`${chosen.join(' and ')} both choose where replays go; pass only one.`, { hint: '--handler runs the Lambda handler here, --endpoint POSTs to a running skill, --smapi goes through Alexa.' });
  let target: TargetChoice = { kind: 'default' };
  if (flags.endpoint !== undefined) target = parseEndpointFlag(flags.endpoint, 'the skill endpoint, e.g. http://127.0.0.1:3000/ or https://skill.example.com/alexa');
  else if (flags.handler !== undefined) target = parseHandlerFlag(flags.handler, globals.cwd);
  else if (flags.smapi) target = { kind: 'smapi' };

  const stage = flags.stage ?? 'development';
  if (stage !== 'development' && stage !== 'live') throw new UsageError(`--stage: "${stage}" is not development or live.`);
  if (flags.skillId !== undefined && !isSkillId(flags.skillId.trim())) {
    throw new UsageError(`--skill-id: "${flags.skillId}" is not a skill ID like amzn1.ask.skill.12345678-1234-1234-1234-123456789012 (or a legacy amzn1.echo-sdk-ams.app.…).`);
  }
  if (flags.probes !== undefined && !PROBE_MODES.includes(flags.probes as ProbeMode)) {
    throw new UsageError(`--probes: "${flags.probes}" is not none, placement or all.`, {
      hint: 'placement: also replay each token-bearing envelope with the token in context only; all: also without a token and with a made-up token.',
    });
  }
  const names = builtinRequestNames();
  for (const r of flags.request ?? []) {
    if (!names.includes(r)) throw new UsageError(`--request: "${r}" is not one of ${names.join(', ')}.`);
  }
  if (flags.slot?.length && flags.intent === undefined) throw new UsageError('--slot needs --intent NAME: it fills a slot of that intent.');
  if (flags.intent !== undefined && !/^[A-Za-z][A-Za-z0-9_.]*$/.test(flags.intent)) throw new UsageError(`--intent: "${flags.intent}" is not an intent name such as WhoAmIIntent or AMAZON.HelpIntent.`);
  const slots: Record<string, string> = {};
  for (const pair of flags.slot ?? []) {
    const m = /^([A-Za-z][A-Za-z0-9_]*)=(.*)$/s.exec(pair);
    if (!m) throw new UsageError(`--slot: "${pair}" is not name=value.`, { hint: 'For example --intent OrderIntent --slot drink=coffee --slot size=large.' });
    slots[m[1]!] = m[2]!;
  }
  if (flags.region !== undefined && !/^[a-z]{2}(?:-[a-z]+)+-\d$/.test(flags.region)) throw new UsageError(`--region: "${flags.region}" is not an AWS region such as us-east-1 or eu-west-1.`);
  const memoryMb = flags.memory === undefined ? undefined : lambdaMemory(flags.memory);
  if (flags.envFile !== undefined && flags.envFile.trim() === '') throw new UsageError('--env-file needs a file name.');
  const secretEnv = flags.clientSecretEnv ?? DEFAULT_SECRET_ENV;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(secretEnv)) throw new UsageError(`--client-secret-env: "${secretEnv}" is not an environment variable name.`);
  if (flags.simulate !== undefined && flags.simulate.trim() === '') throw new UsageError('--simulate needs an utterance, e.g. --simulate "open my skill".');
  if (flags.simulate !== undefined && flags.offline) throw new UsageError('--simulate and --offline contradict each other: a simulation asks Alexa, over the network.', { hint: 'Drop one of them.' });
  if (flags.smapi && flags.offline) throw new UsageError('--smapi and --offline contradict each other: SMAPI replays go through Alexa, over the network.', { hint: 'Drop one of them, or replay locally with --handler.' });

  return {
    cwd: globals.cwd,
    profile: flags.profile,
    vendorId: flags.vendorId === undefined ? undefined : assertVendorId(flags.vendorId),
    skillId: flags.skillId?.trim(),
    target,
    envelopes: flags.envelopes ?? [],
    token: flags.token === undefined ? undefined : parseTokenMode(flags.token),
    probes: flags.probes as ProbeMode | undefined,
    requests: flags.request ?? [],
    intent: flags.intent === undefined ? undefined : { name: flags.intent, slots },
    envFile: flags.envFile,
    region: flags.region,
    memoryMb,
    simulate: flags.simulate?.trim(),
    offline: Boolean(flags.offline),
    only: flags.only && flags.only.length ? flags.only.flatMap((o) => o.split(',')).map((o) => o.trim()).filter(Boolean) : undefined,
    timeoutMs: flags.timeout === undefined ? DEFAULT_TIMEOUT_MS : parseDuration(flags.timeout, { flag: '--timeout', minMs: 100, maxMs: 600_000 }),
    concurrency: positiveInt(flags.concurrency, '--concurrency', DEFAULT_CONCURRENCY, 64),
    clientSecretEnv: secretEnv,
    stage,
    verbose: globals.verbose,
  };
}

export const command: CommandModule = {
  define(cmd: Command) {
    cmd
      .option('--endpoint <url>', 'replay against a running skill endpoint (HTTPS, or local HTTP)')
      .addOption(completes(cmd.createOption('--handler <file[#export]>', "replay against a Lambda handler run in a child process (default: the project's code)"), { path: 'file' }))
      .option('--smapi', 'replay through SMAPI skill invocation (Alexa signs and calls the real endpoint)')
      .addOption(completes(cmd.createOption('--envelopes <path...>', 'request envelopes to replay: files, folders, ask dialog --save-skill-io files, SMAPI simulation results'), { path: 'file' }))
      .addOption(completes(cmd.createOption('--token <mode>', 'token in replays: keep | none | session | env:VAR (default: session when alexa-link login saved an unexpired token, else keep)'), { values: () => ['keep', 'none', 'session', 'env:'] }))
      .addOption(completes(cmd.createOption('--probes <mode>', 'per token-bearing envelope, replay again with the token in context only (placement), and also without it and with a made-up one (all) (default: all; none with --smapi)'), { values: () => PROBE_MODES }))
      .addOption(completes(cmd.createOption('--request <type...>', `built-in requests to replay: ${builtinRequestNames().join(' | ')} (default: those of each API in skill.json: launch intent for a custom skill, accept-grant discover report-state turn-on for smart home; a name picks its kind)`), { values: () => builtinRequestNames() }))
      .option('--intent <name>', 'the built-in IntentRequest uses this intent')
      .option('--slot <name=value...>', 'a slot value for --intent (repeatable)')
      .addOption(completes(cmd.createOption('--env-file <file>', "the skill's own settings for the handler (dotenv KEY=value lines): AWS_* keys for its own AWS calls are fine; the developer's credentials (ASK_*, ALEXA_LINK_*, the --client-secret-env variable) are refused; NODE_OPTIONS there applies to the handler's process only, never to alexa-link's"), { path: 'file' }))
      .option('--region <region>', "AWS_REGION for the handler (default: the project's Lambda region, else us-east-1)")
      .option('--memory <MB>', `the handler's memory, its heap limit: ${LAMBDA_MEMORY_MB.min} to ${LAMBDA_MEMORY_MB.max} MB, as Lambda allows (default: the project's Lambda memory, else 512)`)
      .option('--simulate <utterance>', 'run a SMAPI simulation and show whether Alexa sends the token')
      .option('--offline', 'skip every check that needs the network')
      .addOption(completes(cmd.createOption('--only <id...>', 'report only these checks (the parts they need load silently)'), { values: () => CHECK_LIST.map((c) => c.id) }))
      .option('--timeout <duration>', `time limit per check, and per replayed request (at most 8s): ${durationHelp(DEFAULT_TIMEOUT_MS)}`)
      .option('--concurrency <n>', `checks and replays run at once (default: ${DEFAULT_CONCURRENCY})`)
      .option('--skill-id <id>', 'skill ID (default: .ask/ask-states.json)')
      .option('--profile <name>', 'ASK CLI profile for ~/.ask/cli_config and the project (default: ASK_DEFAULT_PROFILE, else "default")')
      .option('--vendor-id <id>', "vendor ID for the Alexa redirect URL checks (default: ASK_VENDOR_ID, ~/.ask/cli_config, or your only vendor)")
      .addOption(completes(cmd.createOption('--stage <stage>', 'skill stage for SMAPI checks: development | live').default('development', 'development'), { values: () => ['development', 'live'] }))
      .addOption(cmd.createOption('--client-secret-env <VAR>', 'environment variable holding the client secret').default(DEFAULT_SECRET_ENV, DEFAULT_SECRET_ENV))
      .option('--fix', 'apply the fixes doctor knows to accountLinking.json (shows the diff, asks, keeps a copy); then run alexa-link configure')
      .option('-y, --yes', 'with --fix: write without asking')
      .addHelpText(
        'after',
        `\nChecks (for --only):\n${checkListHelp()}\n` +
          '\nThe report has one line per check; warnings and failures say why and what to do, and the last line names the command to run next. -v shows everything.\n' +
          '\nExamples:\n' +
          '  # every check; replays against lambda/ with the token alexa-link login saved, if any\n' +
          '  $ alexa-link doctor\n' +
          '  # replays with the token saved by alexa-link login\n' +
          '  $ alexa-link doctor --token session\n' +
          '  # a built-in IntentRequest with a slot, and the skill-linked event\n' +
          '  $ alexa-link doctor --intent OrderIntent --slot drink=coffee --request launch intent skill-linked\n' +
          '  # the skill reads its settings from process.env\n' +
          '  $ alexa-link doctor --env-file lambda/.env\n' +
          '  # replays of captured requests against a running skill\n' +
          '  $ alexa-link doctor --endpoint http://127.0.0.1:3000/ --envelopes captured/\n' +
          '  # fix what doctor can in accountLinking.json, then push it\n' +
          '  $ alexa-link doctor --fix && alexa-link configure\n' +
          '  # does Alexa itself send the token?\n' +
          '  $ alexa-link doctor --simulate "open my skill"\n',
      );
  },
  async run(ctx: CommandContext, _args: string[], opts: Record<string, unknown>): Promise<number> {
    const flags = opts as RawDoctorFlags;
    const options = parseDoctorFlags(flags, ctx.globals);
    if (flags.yes && !flags.fix) throw new UsageError('--yes only answers doctor --fix\'s question; pass --fix too, or drop --yes.');
    const interactive = isInteractive({ stdinIsTTY: ctx.stdinIsTTY, yes: flags.yes });
    const { assertFixConfirmable } = await import('../doctor/fix.js');
    assertFixConfirmable({ fix: Boolean(flags.fix), yes: Boolean(flags.yes), interactive: ctx.stdinIsTTY });
    const { runDoctor } = await import('../doctor/run.js');
    const fix = flags.fix ? { fix: { prompter: createPrompter(interactive, undefined, ctx.out.promptLook), yes: Boolean(flags.yes) } } : {};
    const { exitCode } = await runDoctor(options, { out: ctx.out, env: ctx.env, signal: ctx.signal, ...fix });
    return exitCode;
  },
};
