import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { completes } from './completion-hints.js';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { Command } from 'commander';
import type { CommandContext, CommandModule } from '../context.js';
import { AlexaLinkError, describeError } from '../errors.js';
import type { DoctorReport } from '../doctor/report.js';
import { isCompact, type ReplayResult } from '../replay/runner.js';
import { onCleanup } from '../ui/lifecycle.js';
import { Output, type TextSink } from '../ui/output.js';
import { createPrompter } from '../ui/prompt.js';

/**
 * `alexa-link demo`: the whole linking chain on this machine with nothing from Amazon. A real
 * OAuth provider (oidc-provider) on 127.0.0.1, a skill scaffolded by `init`, a login through the
 * provider exactly as `alexa-link login` does it, and `doctor` replays showing the skill ask to link
 * without a token and greet the demo user with the session's token. With `--type smart-home` the
 * skill is the smart home template: Discover and TurnOn without a token are answered with
 * INVALID_AUTHORIZATION_CREDENTIAL, and with the session's token Discover finds the switch and
 * TurnOn switches it on.
 */
export interface DemoOptions {
  /** Leave the scaffolded skill (and its session) for the user to look at. */
  keep: boolean;
  /** Try a real browser for the sign-in (when one can start). */
  open: boolean;
  language: 'javascript' | 'typescript';
  /** The kind of skill to scaffold (default custom). */
  type?: 'custom' | 'smart-home';
  /** Wait for a browser sign-in this long, ms. */
  timeoutMs: number;
}

export interface DemoStep {
  id: 'provider' | 'init' | 'login' | 'replay-no-token' | 'replay-session-token';
  title: string;
  ok: boolean;
  detail: string;
}

export interface DemoResult {
  ok: boolean;
  type: 'custom' | 'smart-home';
  steps: DemoStep[];
  project: string | null;
  kept: boolean;
  login: { ok: boolean; steps: Array<{ id: string; status: string; detail: string }> } | null;
  replays: ReplayResult[];
}

export interface DemoDeps {
  ctx: CommandContext;
  /** Opens a URL in a real browser (default: login's openInBrowser). */
  openBrowser?: (url: string) => Promise<{ opened: boolean; reason?: string }>;
}

const SECRET_ENV = 'ALEXA_LINK_DEMO_CLIENT_SECRET';

class DemoFailure extends AlexaLinkError {}

/** A sink that collects text (sub-command output kept for --verbose and failures). */
function collector(): TextSink & { text: () => string } {
  let buf = '';
  return { write: (c: string) => (buf += c), text: () => buf };
}

/** The directory holding the skill SDK packages, when alexa-link was installed with them. */
function bundledSkillModules(): string | undefined {
  try {
    const req = createRequire(import.meta.url);
    const core = req.resolve('ask-sdk-core/package.json');
    req.resolve('ask-sdk-model/package.json');
    return path.dirname(path.dirname(core));
  } catch {
    return undefined;
  }
}

/**
 * The node_modules directory holding @types/node, when alexa-link was installed with it: the
 * TypeScript smart home skill needs no SDK, but tsc needs Node's types (its tsconfig names "node").
 */
function bundledNodeTypes(): string | undefined {
  try {
    const types = createRequire(import.meta.url).resolve('@types/node/package.json');
    return path.dirname(path.dirname(path.dirname(types)));
  } catch {
    return undefined;
  }
}

/** What to run when oidc-provider is missing; with npx, the one command that brings it along. */
export const DEMO_WITH_NPX = 'npx -p alexa-link -p oidc-provider@8 alexa-link demo';

/** oidc-provider is an optional peer dependency: `npx alexa-link` does not install it. */
export async function loadOidcProvider(importProvider: () => Promise<unknown> = () => import('oidc-provider')): Promise<typeof import('../demo/local-provider.js')> {
  try {
    await importProvider();
  } catch {
    throw new AlexaLinkError('The demo needs oidc-provider (the OAuth provider it runs on 127.0.0.1), and it is not installed next to alexa-link.', {
      code: 'E_DEMO_PROVIDER_MISSING',
      hint: `With npx, run:\n    ${DEMO_WITH_NPX}\n  In a project: npm install oidc-provider@8, then npx alexa-link demo. From a clone: npm ci && npm run demo.`,
    });
  }
  return import('../demo/local-provider.js');
}

export async function runDemo(options: DemoOptions, deps: DemoDeps): Promise<DemoResult> {
  const { ctx } = deps;
  const out = ctx.out;
  const steps: DemoStep[] = [];
  const type = options.type ?? 'custom';
  const smartHome = type === 'smart-home';
  const result: DemoResult = { ok: false, type, steps, project: null, kept: options.keep, login: null, replays: [] };
  const say = (n: number, text: string) => out.info(`${out.errStyle.cyan(`[${n}/5]`)} ${text}`);
  const step = (s: DemoStep) => {
    steps.push(s);
    (s.ok ? out.success.bind(out) : out.error.bind(out))(`${s.title}: ${s.detail}`);
    if (!s.ok) throw new DemoFailure(`The demo stopped at "${s.title}".`, { code: 'E_DEMO_STEP' });
  };
  const sub = collector();
  const subOutput = (forwardProgress: boolean) =>
    new Output({
      json: true,
      verbose: out.verbose,
      stdoutColor: 0,
      stderrColor: 0,
      stdout: collector(),
      stderr: forwardProgress ? { write: (c: string) => out.info(c.replace(/\n$/, '')) } : sub,
      secrets: out.secrets,
    });

  const { startLocalProvider, DEMO_USER } = await loadOidcProvider();
  let tmp: string | undefined;
  const removeTmp = async () => {
    if (tmp && !options.keep) await rm(tmp, { recursive: true, force: true });
  };
  const disposeTmp = onCleanup(removeTmp);

  say(1, 'Starting a local OAuth provider (oidc-provider) on 127.0.0.1…');
  const provider = await startLocalProvider({ anyLoopbackPort: true });
  const disposeProvider = onCleanup(() => provider.close());
  try {
    const client = provider.clients.basic;
    out.addSecret(client.clientSecret, { basicUser: client.clientId });
    step({ id: 'provider', title: 'OAuth provider', ok: true, detail: `${provider.issuer} (client ${client.clientId}, ${client.scheme}; demo user "${DEMO_USER.username}")` });

    say(2, `Scaffolding a ${options.language === 'typescript' ? 'TypeScript' : 'JavaScript'} ${smartHome ? 'smart home ' : ''}skill with alexa-link init${smartHome ? ' --type smart-home' : ''}…`);
    tmp = await mkdtemp(path.join(os.tmpdir(), 'alexa-link-demo-'));
    const { runInit } = await import('../scaffold/run-init.js');
    // The smart home skill is a plain Lambda handler: no SDK to bring along, only Node's types for tsc.
    const modules = smartHome ? (options.language === 'typescript' ? bundledNodeTypes() : undefined) : bundledSkillModules();
    if (smartHome && options.language === 'typescript' && !modules) {
      throw new AlexaLinkError('The TypeScript smart home demo needs the @types/node package next to alexa-link; run it from a clone or use --language javascript.');
    }
    const projectDir = path.join(tmp, 'demo-skill');
    const init = await runInit(
      {
        ...(smartHome ? { skillType: 'smart-home', name: 'Linked Home Demo' } : { name: 'Linked Demo', invocation: 'linked demo' }),
        dir: projectDir,
        provider: 'generic',
        authorizationUrl: provider.authorizationUrl,
        tokenUrl: provider.tokenUrl,
        userinfoUrl: provider.userinfoUrl,
        clientId: client.clientId,
        scopes: ['openid', 'profile', 'email'],
        scheme: client.scheme,
        language: options.language,
        endpoint: 'lambda',
        install: !smartHome && modules === undefined,
        allowLocal: true,
      },
      { cwd: tmp, progress: (line) => out.debug(line) },
    );
    result.project = init.dir;
    if (modules) {
      // The skill's own dependencies (ask-sdk-core…, or @types/node) come with alexa-link's: link them, no download.
      await symlink(modules, path.join(init.dir, 'lambda', 'node_modules'), 'dir');
    } else if (!smartHome && init.install !== 'installed') {
      step({ id: 'init', title: 'Skill scaffolded', ok: false, detail: `npm install in lambda/ failed: ${init.installError ?? 'unknown error'}` });
    }
    if (options.language === 'typescript') await compileTypeScriptSkill(path.join(init.dir, 'lambda'));
    step({ id: 'init', title: 'Skill scaffolded', ok: true, detail: `${init.files.length} files in ${init.dir}` });

    say(3, 'Signing in at the provider and exchanging the code as Alexa would (alexa-link login)…');
    const login = await import('./login.js');
    const { autoLogin } = await import('../demo/auto-login.js');
    let browser = false;
    const openUrl = async (url: string) => {
      if (options.open) {
        const opened = await (deps.openBrowser ?? ((u: string) => login.openInBrowser(u, ctx.env)))(url);
        if (opened.opened) {
          browser = true;
          out.info(`Opened the sign-in page in your browser: sign in as "${DEMO_USER.username}" with password "${DEMO_USER.password}".`);
          return opened;
        }
        out.info(`No browser could start (${opened.reason ?? 'unknown reason'}).`);
      }
      out.info(`Completing the provider's sign-in and consent pages automatically as the demo user "${DEMO_USER.username}".`);
      // Not awaited here: the callback server inside login is what waits for the redirect.
      void autoLogin({ authorizationUrl: url, deliverCallback: true, signal: ctx.signal }).catch((err: unknown) => out.warn(`Automatic sign-in failed: ${describeError(err)}`));
      return { opened: true };
    };
    const loginOut = subOutput(options.open);
    const loginRun = await login.runLogin(
      { cwd: init.dir, redirect: 'loopback', port: 0, open: true, timeoutMs: options.timeoutMs, vendorId: undefined, region: 'NA', clientSecretEnv: SECRET_ENV },
      { out: loginOut, env: { [SECRET_ENV]: client.clientSecret }, prompter: createPrompter(false), openUrl, signal: ctx.signal },
    );
    const report = loginRun.report;
    if (report.token) out.addSecret(report.token.accessToken);
    result.login = { ok: report.ok, steps: report.steps.map((s) => ({ id: s.id, status: s.status, detail: s.detail })) };
    for (const s of report.steps) {
      const line = `${s.title}: ${s.detail}`;
      if (s.status === 'fail') out.error(line);
      else if (s.status === 'warn') out.warn(line);
      else out.debug(`✔ ${line}`);
    }
    const passed = report.steps.filter((s) => s.status === 'pass').length;
    step({
      id: 'login',
      title: 'Login as Alexa',
      ok: report.ok,
      detail: report.ok
        ? `${passed}/${report.steps.length} steps passed${browser ? ' (in your browser)' : ''}; tokens saved in ${report.session ?? 'the session'}`
        : 'the provider or the exchange failed (see above)',
    });

    say(4, `Replaying ${smartHome ? 'Discover and TurnOn directives' : 'requests'} to the skill's Lambda handler (alexa-link doctor)…`);
    const { runDoctor } = await import('../doctor/run.js');
    const doctorOptions = (token: 'session') => ({
      cwd: init.dir,
      profile: undefined,
      skillId: undefined,
      target: { kind: 'default' as const },
      envelopes: [],
      token: { kind: token },
      simulate: undefined,
      offline: false,
      only: ['replays'],
      // Smart home: Discover, then TurnOn for the endpoint it found, each also without a token.
      ...(smartHome ? { requests: ['discover', 'turn-on'] } : {}),
      timeoutMs: 15_000,
      concurrency: 2,
      clientSecretEnv: SECRET_ENV,
      stage: 'development' as const,
      verbose: out.verbose,
      // The skill's own setting, as --env-file would give it: the handler child sees nothing else of ours.
      skillEnv: { USERINFO_URL: provider.userinfoUrl },
    });
    const doctorDeps = { out: subOutput(false), env: { [SECRET_ENV]: client.clientSecret }, signal: ctx.signal };
    // With a session token, doctor's built-in replays include one LaunchRequest without it.
    const linked = await runDoctor(doctorOptions('session'), doctorDeps);
    result.replays = linked.report.replays.filter((r): r is ReplayResult => !isCompact(r));
    if (smartHome) judgeSmartHomeReplays(linked.report, step, out);
    else judgeReplays(linked.report, DEMO_USER.givenName, step, out);

    say(5, 'The linking flow, end to end:');
    const { renderFlowDiagram, hopStates, hopsFor } = await import('../doctor/report.js');
    const flow = [
      ...report.steps.map((st) => ({ id: st.id, status: st.status, hop: loginHop(st.id) })),
      ...linked.report.replays.map((r) => ({ id: r.source, status: r.verdict, hop: 5 as const })),
      ...linked.report.replays.map((r) => ({ id: r.source, status: r.verdict, hop: 6 as const })),
    ];
    const hops = hopsFor(smartHome ? 'smart-home' : 'custom');
    for (const line of renderFlowDiagram(hopStates(flow, hops), out.errStyle, hops, { width: out.stderrWidth, unicode: out.unicode })) out.info(line, { preformatted: true });
    result.ok = steps.every((s) => s.ok);
    return result;
  } catch (err) {
    if (!(err instanceof DemoFailure)) throw err;
    if (sub.text().trim()) out.info(out.errStyle.dim(sub.text().trimEnd()));
    result.ok = false;
    return result;
  } finally {
    await disposeProvider();
    if (options.keep && result.project) out.info(`Kept the demo skill in ${result.project}`);
    await disposeTmp();
    // A path that no longer exists is no use in the report.
    if (!options.keep) result.project = null;
  }
}

/** The hop of the linking flow a login step judges (see doctor's diagram). */
function loginHop(id: string): 1 | 2 | 3 | 4 {
  if (id === 'authorization-url') return 1;
  if (id === 'callback') return 2;
  if (id === 'token-endpoint-url' || id === 'token-exchange' || id === 'refresh-exchange') return 3;
  return 4;
}

function judgeReplays(
  report: DoctorReport,
  givenName: string,
  step: (s: DemoStep) => void,
  out: Output,
): void {
  const replays = report.replays.filter((r): r is ReplayResult => !isCompact(r));
  const show = (r: ReplayResult) => {
    const answer = r.response.linkAccountCard ? 'LinkAccount card' : 'no card';
    out.info(`    ${r.request}${r.intent ? ` ${r.intent}` : ''}: ${r.status ?? '—'} in ${r.latencyMs} ms, ${answer}${r.response.speech ? `, "${r.response.speech}"` : ''}`);
  };
  const unlinked = { replays: replays.filter((r) => !r.tokenInEnvelope.context && !r.tokenInEnvelope.session) };
  const linked = { replays: replays.filter((r) => r.tokenInEnvelope.context || r.tokenInEnvelope.session) };
  unlinked.replays.forEach(show);
  const asksToLink = unlinked.replays.length > 0 && unlinked.replays.every((r) => r.response.linkAccountCard && r.verdict === 'pass');
  step({
    id: 'replay-no-token',
    title: 'Without a token',
    ok: asksToLink,
    detail: asksToLink ? 'the skill asks the user to link (LinkAccount card)' : 'the skill did not ask to link: ' + unlinked.replays.map((r) => r.explanation).join(' '),
  });
  linked.replays.forEach(show);
  const greets = linked.replays.length > 0 && linked.replays.every((r) => r.verdict === 'pass' && !r.response.linkAccountCard && String(r.response.speech ?? '').includes(givenName));
  step({
    id: 'replay-session-token',
    title: "With the session's token",
    ok: greets,
    detail: greets ? `the token arrives and the skill greets ${givenName} by name` : 'the skill did not greet the demo user: ' + linked.replays.map((r) => r.explanation).join(' '),
  });
}

/** The smart home replays: without a token a credential error, with the session's Discover finds the switch and TurnOn switches it on. */
function judgeSmartHomeReplays(report: DoctorReport, step: (s: DemoStep) => void, out: Output): void {
  const replays = report.replays.filter((r): r is ReplayResult => !isCompact(r));
  const show = (r: ReplayResult) => {
    const a = r.response as { event?: string; errorType?: string; endpoints?: number; endpointIds?: string[]; properties?: string[] };
    const what = a.errorType ? `ErrorResponse ${a.errorType}` : a.endpoints !== undefined ? `Discover.Response with ${a.endpointIds?.join(', ') ?? `${a.endpoints} endpoints`}` : a.properties?.length ? `Response, ${a.properties.filter((p) => p.includes('powerState')).join(', ')}` : (a.event ?? 'no answer');
    out.info(`    ${r.request}: ${r.status ?? '—'} in ${r.latencyMs} ms, ${what}`);
  };
  const sent = (r: ReplayResult) => Object.values(r.tokenInEnvelope).some(Boolean);
  const unlinked = replays.filter((r) => !sent(r));
  const linked = replays.filter(sent);
  unlinked.forEach(show);
  const refused = unlinked.length > 0 && unlinked.every((r) => r.verdict === 'pass' && /_AUTHORIZATION_CREDENTIAL$/.test(String(r.response.errorType ?? '')));
  step({
    id: 'replay-no-token',
    title: 'Without a token',
    ok: refused,
    detail: refused ? 'Discover and TurnOn are answered with INVALID_AUTHORIZATION_CREDENTIAL: Alexa asks the user to link' : 'the skill did not refuse them: ' + unlinked.map((r) => r.explanation).join(' '),
  });
  linked.forEach(show);
  const discovered = linked.find((r) => r.request === 'Alexa.Discovery.Discover')?.response.endpoints;
  const switched = linked.find((r) => r.request === 'Alexa.PowerController.TurnOn')?.response.properties;
  const works = linked.length > 0 && linked.every((r) => r.verdict === 'pass') && Number(discovered) > 0 && Array.isArray(switched) && switched.includes('Alexa.PowerController.powerState=ON');
  step({
    id: 'replay-session-token',
    title: "With the session's token",
    ok: works,
    detail: works ? 'the token arrives: Discover finds the switch, and TurnOn switches it on' : 'the skill did not answer as a linked user: ' + linked.map((r) => r.explanation).join(' '),
  });
}

/** The TypeScript variant runs from its compiled output, built with the typescript alexa-link has. */
async function compileTypeScriptSkill(lambdaDir: string): Promise<void> {
  const { spawn } = await import('node:child_process');
  let tsc: string;
  try {
    tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  } catch {
    throw new AlexaLinkError('The TypeScript demo needs the typescript package; run it from a clone or use --language javascript.');
  }
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [tsc, '-p', lambdaDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let errText = '';
    child.stdout.on('data', (c: Buffer) => (errText += c.toString()));
    child.stderr.on('data', (c: Buffer) => (errText += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve() : reject(new AlexaLinkError(`Compiling the TypeScript skill failed:\n${errText.trim()}`))));
  });
}

export function printDemo(out: Output, r: DemoResult): void {
  if (out.json) {
    out.result(r);
    return;
  }
  const passed =
    r.type === 'smart-home'
      ? 'Demo passed: the token reached the smart home skill, Discover found the switch and TurnOn switched it on; without a token the skill asked Alexa to have the user link again.'
      : 'Demo passed: the token reached the skill, and the skill greeted the linked user.';
  out.print(r.ok ? passed : `Demo failed at: ${r.steps.filter((s) => !s.ok).map((s) => s.title).join(', ') || 'an unexpected error'}.`);
  if (r.ok) {
    out.print(`Next: npx alexa-link init my-skill${r.type === 'smart-home' ? ' --type smart-home' : ''}, then alexa-link configure, login and doctor on your own skill.`);
  }
}

export const command: CommandModule = {
  define(cmd: Command) {
    cmd
      .option('--keep', 'keep the scaffolded demo skill instead of deleting it')
      .option('--no-open', 'never open a browser; sign in automatically as the demo user')
      .addOption(completes(cmd.createOption('--language <language>', 'skill language: javascript or typescript').default('javascript', 'javascript'), { values: () => ['javascript', 'typescript'] }))
      .addOption(completes(cmd.createOption('--type <type>', 'skill type: custom or smart-home').default('custom', 'custom'), { values: () => ['custom', 'smart-home'] }))
      .addOption(cmd.createOption('--timeout <duration>', 'how long to wait for a sign-in in the browser: seconds, or with a unit: 1500ms, 30s, 5m').default('300', '5m'));
  },
  async run(ctx, _args, opts) {
    const language = String(opts.language);
    if (language !== 'javascript' && language !== 'typescript') {
      const { UsageError } = await import('../errors.js');
      throw new UsageError(`--language must be javascript or typescript, not "${language}".`);
    }
    const type = String(opts.type);
    if (type !== 'custom' && type !== 'smart-home') {
      const { UsageError } = await import('../errors.js');
      throw new UsageError(`--type must be custom or smart-home, not "${type}".`);
    }
    const { parseDuration } = await import('../ui/duration.js');
    const timeoutMs = parseDuration(String(opts.timeout), { flag: '--timeout', minMs: 100, maxMs: 3_600_000 });
    const result = await runDemo(
      { keep: Boolean(opts.keep), open: opts.open !== false && ctx.stdinIsTTY, language, type, timeoutMs },
      { ctx },
    );
    printDemo(ctx.out, result);
    return result.ok ? 0 : 1;
  },
};
