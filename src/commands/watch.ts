import type { Command } from 'commander';
import type { CommandContext, CommandModule } from '../context.js';
import { UsageError } from '../errors.js';
import { durationHelp, parseDuration } from '../ui/duration.js';
import { completes } from './completion-hints.js';
import type { WatchOptions } from '../watch/session.js';
import { isSkillId } from '../project/skill-id.js';
import { parseEndpointFlag, parseHandlerFlag } from '../replay/target-flags.js';

/**
 * `alexa-link watch`: flags → WatchOptions → runWatch. Routes the developer's own Alexa traffic
 * (devices, the Alexa app, the developer console) to the local skill through Amazon's skill
 * debugging service and judges each request as it arrives. The work lives in src/watch.
 */
interface RawWatchFlags {
  skillId?: string;
  profile?: string;
  region?: string;
  handler?: string;
  endpoint?: string;
  save?: string;
  redact?: boolean;
  maxRequests?: string;
  duration?: string;
  envFile?: string;
}

const REGIONS = ['NA', 'EU', 'FE'] as const;

/** Turns raw flags into options; every problem is a usage error naming the flag (exit 2). */
export function parseWatchFlags(flags: RawWatchFlags, globals: { cwd: string }): WatchOptions {
  if (flags.endpoint !== undefined && flags.handler !== undefined) {
    throw new UsageError('--endpoint and --handler both choose where requests go; pass only one.', { hint: '--handler runs the Lambda handler here, --endpoint POSTs to a skill server running on this machine.' });
  }
  let target: WatchOptions['target'] = { kind: 'default' };
  if (flags.endpoint !== undefined) target = parseEndpointFlag(flags.endpoint, 'the local skill server, e.g. http://127.0.0.1:3000/', { loopbackOnly: true });
  else if (flags.handler !== undefined) target = parseHandlerFlag(flags.handler, globals.cwd);
  let region: WatchOptions['region'];
  if (flags.region !== undefined) {
    const r = flags.region.trim().toUpperCase();
    if (!(REGIONS as readonly string[]).includes(r)) throw new UsageError(`--region: "${flags.region}" is not NA, EU or FE.`, { hint: "The region of your Amazon developer account: NA (North America), EU (Europe and India), FE (Far East)." });
    region = r as WatchOptions['region'];
  }
  if (flags.skillId !== undefined && !isSkillId(flags.skillId.trim())) {
    throw new UsageError(`--skill-id: "${flags.skillId}" is not a skill ID like amzn1.ask.skill.12345678-1234-1234-1234-123456789012.`);
  }
  if (flags.redact && flags.save === undefined) throw new UsageError('--redact only applies to --save <dir>: it saves the envelopes without tokens.', { hint: 'Add --save <dir>, or drop --redact.' });
  if (flags.save !== undefined && flags.save.trim() === '') throw new UsageError('--save needs a folder, e.g. --save captured/.');
  let maxRequests: number | undefined;
  if (flags.maxRequests !== undefined) {
    const v = flags.maxRequests.trim();
    if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 100_000) throw new UsageError(`--max-requests: "${flags.maxRequests}" is not a whole number between 1 and 100000.`);
    maxRequests = Number(v);
  }
  const durationMs = flags.duration === undefined ? undefined : parseDuration(flags.duration, { flag: '--duration', minMs: 1000, maxMs: 24 * 60 * 60_000 });
  return {
    cwd: globals.cwd,
    profile: flags.profile,
    skillId: flags.skillId?.trim(),
    region,
    target,
    save: flags.save === undefined ? undefined : { dir: flags.save, redact: Boolean(flags.redact) },
    maxRequests,
    durationMs,
    ...(flags.envFile !== undefined ? { envFile: flags.envFile } : {}),
  };
}

export const command: CommandModule = {
  define(cmd: Command) {
    cmd
      .option('--skill-id <id>', 'skill ID (default: .ask/ask-states.json)')
      .option('--profile <name>', 'ASK CLI / ask-resources.json profile')
      .addOption(completes(cmd.createOption('--region <NA|EU|FE>', "the debugging service's region: your developer account's (default: the skill's endpoint region, else NA)"), { values: () => ['NA', 'EU', 'FE'] }))
      .addOption(completes(cmd.createOption('--handler <file[#export]>', "answer with this Lambda handler, run in a child process (default: the project's code)"), { path: 'file' }))
      .option('--endpoint <url>', 'answer by POSTing to a skill server running on this machine: a loopback address only (e.g. http://127.0.0.1:3000/), since the requests carry users\' tokens')
      .addOption(completes(cmd.createOption('--save <dir>', 'save every request envelope there (files 0600; a folder it creates 0700, an existing one keeps its mode; tokens kept) for doctor --envelopes'), { path: 'dir' }))
      .option('--redact', 'with --save: leave the tokens out of the saved envelopes')
      .option('--env-file <file>', "the skill's own settings for the handler (dotenv KEY=value lines); it sees nothing else of this shell's environment. AWS_* keys for its own AWS calls are fine; the developer's credentials (ASK_*, ALEXA_LINK_*) are refused; NODE_OPTIONS there applies to the handler's process only, never to alexa-link's")
      .option('--max-requests <n>', 'stop after n requests')
      .option('--duration <time>', `stop after this long: ${durationHelp()}`)
      .addHelpText(
        'after',
        "\nWhile it runs, requests to the skill's development stage from your own developer account (an Echo or the Alexa app signed in as that account, the developer console's Test tab, ask dialog) go to the local skill through Amazon's skill debugging service, as with `ask run`. Each request is one line: time, request, where the token was (never the token), the answer, latency and doctor's verdict.\n" +
          "\nCredentials: the same as configure (ASK_ACCESS_TOKEN, ASK_REFRESH_TOKEN with ASK_LWA_CLIENT_ID and ASK_LWA_CLIENT_CONFIRMATION, or the ASK CLI profile); the token needs the scope alexa::ask:skills:debug. ALEXA_LINK_DEBUG_ENDPOINT (a ws:// or wss:// base URL) replaces Amazon's host, for tests and private setups.\n" +
          '\nExit: 0 when every verdict passed, 1 when one failed or the service refused the connection, 130 on Ctrl-C.\n' +
          '\nExamples:\n' +
          "  # the project's lambda/ code answers\n" +
          '  $ alexa-link watch\n' +
          '  # a skill server on this machine answers; every request saved\n' +
          '  $ alexa-link watch --endpoint http://127.0.0.1:3000/ --save captured/\n' +
          '  # one JSON document after three requests\n' +
          '  $ alexa-link --json watch --max-requests 3\n',
      );
  },
  async run(ctx: CommandContext, _args: string[], opts: Record<string, unknown>): Promise<number> {
    const options = parseWatchFlags(opts as RawWatchFlags, ctx.globals);
    const { runWatch } = await import('../watch/session.js');
    const { exitCode } = await runWatch(options, { out: ctx.out, env: ctx.env, signal: ctx.signal });
    return exitCode;
  },
};
