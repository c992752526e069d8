import type { Readable } from 'node:stream';
import type { Command } from 'commander';
import type { CommandContext, CommandModule } from '../context.js';
import { durationHelp, parseDuration } from '../ui/duration.js';
import { InputError, UsageError } from '../errors.js';
import type { AccountLinkingPayload } from '../linking/config.js';
import { ALEXA_REGIONS, assertVendorId, type AlexaRegion } from '../linking/redirect-urls.js';
import { createSmapi } from '../smapi/client.js';
import { loadCredentials, resolveProfile } from '../smapi/credentials.js';
import { resolveVendorId } from '../smapi/vendor.js';
import { isLoopbackHost } from '../linking/rules.js';
import type { HttpRequest, HttpResponse } from '../net/http.js';
import { buildAuthorizationUrl, newState, redirectUriFor, type RedirectMode } from '../oauth/authorize-url.js';
import { LoginTimeoutError, startCallbackServer, strayErrorNote, type CallbackEvent, type CallbackOutcome, type CallbackServer } from '../oauth/callback-server.js';
import { judgeGrantedScopes } from '../oauth/granted-scopes.js';
import { completeLogin, isLocalRehearsal, type LoginSettings } from '../oauth/login-flow.js';
import { isPkceRefusal, pkcePreflight, pkceRequiredExplanation, resolveLoginPkce } from '../oauth/login-pkce.js';
import { parsePastedCallback, type PastedCallback } from '../oauth/paste.js';
import type { Step, TokenFields } from '../oauth/token-response.js';
import { LINKING_FILE, loadProject, readLinkingFile, readSkillTypes } from '../project/skill-project.js';
import type { Output } from '../ui/output.js';
import { browserSafety, openInBrowser, type OpenResult } from '../ui/browser.js';
import { createPrompter, isInteractive, secretQuestion, type Prompter } from '../ui/prompt.js';
import { redact } from '../ui/redact.js';
import { completes } from './completion-hints.js';

/**
 * `alexa-link login`: a real test login at the developer's provider with alexa-link playing
 * Alexa: build the authorization URL as Alexa does, open it, catch the redirect (loopback server
 * or pasted address), exchange the code and refresh once exactly as Alexa would, judge every
 * answer by Alexa's rules, save the session for doctor, and report each step.
 */
export const DEFAULT_SECRET_ENV = 'ALEXA_LINK_CLIENT_SECRET';
/** The provider must allow http://127.0.0.1:9876/callback (documented in the README). */
export const DEFAULT_PORT = 9876;
export const DEFAULT_TIMEOUT_SECONDS = 300;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface LoginOptions {
  cwd: string;
  redirect: RedirectMode;
  port: number;
  open: boolean;
  /** How long to wait for the sign-in, ms. */
  timeoutMs: number;
  vendorId: string | undefined;
  /** --profile: the ASK CLI profile for the vendor ID and SMAPI, and the project's (undefined: ASK_DEFAULT_PROFILE, else "default"). */
  profile?: string | undefined;
  region: AlexaRegion;
  clientSecretEnv: string;
  /** --pkce: send PKCE parameters whatever accountLinking.json says (default false). */
  pkce?: boolean;
}

export type { OpenResult } from '../ui/browser.js';
export { openInBrowser } from '../ui/browser.js';

export interface LoginDeps {
  out: Output;
  env: Record<string, string | undefined>;
  prompter: Prompter;
  signal?: AbortSignal;
  /** Opens the URL in a browser (default: the `open` package, loaded on demand). */
  openUrl?: (url: string) => Promise<OpenResult>;
  /** Reads the pasted address in non-interactive --redirect alexa runs (default: first stdin line). */
  readPasted?: (timeoutMs: number) => Promise<string | undefined>;
  /** The HTTP client for token requests (default src/net/http.ts request). */
  send?: (req: HttpRequest) => Promise<HttpResponse>;
  now?: () => Date;
  /** Alexa's 4.5 s, overridable for tests. */
  latencyLimitMs?: number;
  /** Home directory holding .ask/cli_config (default os.homedir()), for the vendor ID. */
  homeDir?: string;
}

export interface LoginReport {
  ok: boolean;
  steps: Step[];
  token: {
    accessToken: string;
    tokenType: string | null;
    expiresIn: number | null;
    refreshToken: string | null;
    scope: string | null;
  } | null;
  session: string | null;
}

export function parseLoginOptions(opts: Record<string, unknown>, cwd: string, env: Record<string, string | undefined> = {}): LoginOptions {
  const str = (k: string) => (typeof opts[k] === 'string' ? (opts[k] as string) : undefined);
  const redirect = (str('redirect') ?? 'loopback').toLowerCase();
  if (redirect !== 'loopback' && redirect !== 'alexa') {
    throw new UsageError(`--redirect must be loopback or alexa, not "${str('redirect')}".`, {
      hint: 'loopback: a callback server on 127.0.0.1 (the provider must allow http://127.0.0.1:<port>/callback); alexa: Alexa\'s own redirect URL, and you paste the address you land on.',
    });
  }
  const portText = str('port');
  const port = portText === undefined ? DEFAULT_PORT : Number(portText);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--port must be a port number from 0 to 65535 (0 picks a free one), not "${portText}".`);
  }
  const timeoutText = str('timeout');
  const timeoutMs =
    timeoutText === undefined ? DEFAULT_TIMEOUT_SECONDS * 1000 : parseDuration(timeoutText, { flag: '--timeout', minMs: 100, maxMs: 3_600_000 });
  const regionText = (str('region') ?? 'NA').toUpperCase();
  if (!(ALEXA_REGIONS as readonly string[]).includes(regionText)) {
    throw new UsageError(`--region must be one of ${ALEXA_REGIONS.join(', ')}, not "${str('region')}".`);
  }
  const clientSecretEnv = str('clientSecretEnv') ?? DEFAULT_SECRET_ENV;
  if (!ENV_NAME.test(clientSecretEnv)) {
    throw new UsageError(`--client-secret-env takes the NAME of an environment variable (letters, digits, _), not "${clientSecretEnv}".`, {
      hint: `Put the secret in a variable and name it: export ${DEFAULT_SECRET_ENV}=…; alexa-link login --client-secret-env ${DEFAULT_SECRET_ENV}`,
    });
  }
  const vendorFlag = str('vendorId');
  const vendorEnv = env.ASK_VENDOR_ID?.trim() || undefined;
  // Only --redirect alexa uses the vendor ID; a bad ASK_VENDOR_ID matters only then.
  let vendorId: string | undefined;
  if (vendorFlag !== undefined) vendorId = assertVendorId(vendorFlag);
  else if (vendorEnv !== undefined && redirect === 'alexa') vendorId = assertVendorId(vendorEnv, 'ASK_VENDOR_ID');
  const profile = str('profile');
  if (profile !== undefined && profile.trim() === '') throw new UsageError('--profile needs a profile name.');
  return {
    cwd,
    redirect,
    port,
    ...(profile !== undefined ? { profile: profile.trim() } : {}),
    open: opts.open !== false,
    timeoutMs,
    vendorId,
    region: regionText as AlexaRegion,
    clientSecretEnv,
    pkce: opts.pkce === true,
  };
}

interface LinkingForLogin {
  authorizationUrl: string;
  tokenUrl: string;
  clientId: string;
  scheme: NonNullable<AccountLinkingPayload['accessTokenScheme']>;
  scopes: string[];
  defaultTokenExpirationInSeconds?: number;
  reciprocalAccessTokenUrl?: string;
}

/** The fields a login needs; a missing one is an input error naming it. */
export function linkingForLogin(p: AccountLinkingPayload, label = LINKING_FILE): LinkingForLogin {
  if (p.type === 'IMPLICIT') {
    throw new InputError(`${label}: accountLinkingRequest.type is IMPLICIT; alexa-link login rehearses the AUTH_CODE grant (Alexa exchanges a code at your token endpoint).`, {
      source: label,
      hint: 'Switch to AUTH_CODE: the implicit grant has no refresh token, so users are unlinked when the token expires.',
    });
  }
  const missing = (['authorizationUrl', 'accessTokenUrl', 'clientId', 'accessTokenScheme'] as const).filter((k) => !p[k]);
  if (missing.length) {
    throw new InputError(`${label}: ${missing.map((k) => `accountLinkingRequest.${k}`).join(', ')} ${missing.length === 1 ? 'is' : 'are'} required for alexa-link login.`, {
      source: label,
      hint: 'Fill them in (alexa-link init writes them for the provider presets), then run login again.',
    });
  }
  // A browser opens the one and alexa-link posts to the other: http(s) only (a file: or data: URL
  // would be opened as it is, and has no host to log in at).
  for (const field of ['authorizationUrl', 'accessTokenUrl'] as const) {
    const value = p[field]!;
    let protocol: string | undefined;
    try {
      protocol = new URL(value).protocol;
    } catch {
      protocol = undefined;
    }
    if (protocol !== 'https:' && protocol !== 'http:') {
      throw new InputError(`${label}: accountLinkingRequest.${field} "${value}" is not an http(s) URL; alexa-link login ${field === 'authorizationUrl' ? 'opens it in a browser' : 'posts the code to it'}, as Alexa does.`, {
        source: label,
        hint: `Set accountLinkingRequest.${field} to the provider's https:// address.`,
      });
    }
  }
  const out: LinkingForLogin = {
    authorizationUrl: p.authorizationUrl!,
    tokenUrl: p.accessTokenUrl!,
    clientId: p.clientId!,
    scheme: p.accessTokenScheme!,
    scopes: p.scopes ?? [],
  };
  if (p.defaultTokenExpirationInSeconds !== undefined) out.defaultTokenExpirationInSeconds = p.defaultTokenExpirationInSeconds;
  if (p.reciprocalAccessTokenUrl) out.reciprocalAccessTokenUrl = p.reciprocalAccessTokenUrl;
  return out;
}

async function resolveClientSecret(options: LoginOptions, deps: LoginDeps, clientId: string): Promise<string> {
  const value = deps.env[options.clientSecretEnv];
  if (value !== undefined && value !== '') {
    if (value.trim() !== value) {
      throw new InputError(`${options.clientSecretEnv} starts or ends with white space; a pasted client secret never does.`, {
        source: options.clientSecretEnv,
        hint: `Set ${options.clientSecretEnv} again without the spaces or line break.`,
      });
    }
    return value;
  }
  if (deps.prompter.interactive) {
    const answer = await deps.prompter.password({ message: secretQuestion(clientId, options.clientSecretEnv), flag: '--client-secret-env' });
    if (answer.trim() === '') throw new UsageError('The token exchange needs the client secret; none was entered.', { hint: `Set ${options.clientSecretEnv} or enter it when asked.` });
    return answer;
  }
  throw new UsageError(`The token exchange needs the client secret, and ${options.clientSecretEnv} is not set.`, {
    code: 'E_MISSING_FLAG',
    hint: `Set ${options.clientSecretEnv} (or name another variable with --client-secret-env <VAR>), or run in a terminal to be asked. It is never written to a file.`,
  });
}

function authorizationUrlStep(linking: LinkingForLogin, redirectUri: string, overridden: string[]): Step {
  const title = 'Authorization URL: built as Alexa builds it';
  const base = `client_id, response_type=code, state, scope "${linking.scopes.join(' ')}" and redirect_uri ${redirectUri} added to ${linking.authorizationUrl.split('?')[0]}`;
  let u: URL;
  try {
    u = new URL(linking.authorizationUrl);
  } catch {
    return { id: 'authorization-url', title, status: 'fail', detail: `authorizationUrl "${linking.authorizationUrl}" is not a URL.`, fix: 'Fix accountLinkingRequest.authorizationUrl.' };
  }
  const local = isLoopbackHost(u.hostname);
  const problems: string[] = [];
  if (u.protocol !== 'https:') problems.push(`uses ${u.protocol.replace(':', '')}, not HTTPS`);
  else if (u.port && u.port !== '443') problems.push(`uses port ${u.port}, not 443`);
  if (problems.length) {
    return {
      id: 'authorization-url',
      title,
      status: local ? 'warn' : 'fail',
      detail: `${base}. authorizationUrl ${problems.join(' and ')}${local ? '; fine for this local rehearsal, but the Alexa app only opens HTTPS on port 443' : '; the Alexa app only opens HTTPS on port 443'}.`,
      fix: 'Serve the authorization page over HTTPS on port 443 with a certificate from a public certificate authority.',
    };
  }
  if (overridden.length) {
    return {
      id: 'authorization-url',
      title,
      status: 'warn',
      detail: `${base}. authorizationUrl already contains ${overridden.join(', ')}, which Alexa sets itself.`,
      fix: `Remove ${overridden.join(', ')} from authorizationUrl; keep only provider-specific parameters (such as access_type=offline).`,
    };
  }
  return { id: 'authorization-url', title, status: 'pass', detail: `${base}.`, fix: '' };
}

const ERROR_FIXES: Record<string, string> = {
  access_denied: 'The sign-in was cancelled or consent was denied. Run alexa-link login again and allow access.',
  invalid_scope: 'A scope in accountLinking.json is unknown to the provider or not allowed for this client: fix accountLinkingRequest.scopes.',
  unauthorized_client: 'Allow the authorization code grant (and these redirect URLs) for this client at the provider.',
  unsupported_response_type: 'Enable the authorization code flow (response_type=code) for this client at the provider.',
  invalid_request: 'The provider found the authorization request malformed; check client_id and that the redirect URL is allowed.',
  server_error: 'The provider failed; look at its logs.',
  temporarily_unavailable: 'The provider is overloaded or down; try again later.',
};

function callbackStep(outcome: CallbackOutcome, refused: CallbackEvent[], mode: RedirectMode, pkceOn = false): Step {
  const wrong = refused.filter((r) => r.rejected === 'wrong-state').length;
  const stray = strayErrorNote(refused);
  const note = `${wrong ? ` ${wrong} callback${wrong === 1 ? '' : 's'} with a wrong state ${wrong === 1 ? 'was' : 'were'} refused.` : ''}${stray ? ` ${stray}.` : ''}`;
  if (outcome.kind === 'error' && !pkceOn && isPkceRefusal(outcome.error, outcome.errorDescription)) {
    const { detail, fix } = pkceRequiredExplanation(`it redirected back with error=${outcome.error}${outcome.errorDescription ? ` (${outcome.errorDescription})` : ''}`);
    return { id: 'callback', title: 'Callback: a code with this login\'s state', status: 'fail', detail: `${detail}${note}`, fix, ms: outcome.ms };
  }
  if (outcome.kind === 'error') {
    return {
      id: 'callback',
      title: 'Callback: a code with this login\'s state',
      status: 'fail',
      detail: `The provider redirected back with error=${outcome.error}${outcome.errorDescription ? ` (${outcome.errorDescription})` : ''}.${note}`,
      fix: ERROR_FIXES[outcome.error] ?? 'Look at the error the provider returned and its logs.',
      ms: outcome.ms,
    };
  }
  return {
    id: 'callback',
    title: 'Callback: a code with this login\'s state',
    status: 'pass',
    detail: mode === 'loopback' ? `The provider redirected to the callback with a code and the state alexa-link sent.${note}` : 'The pasted address carries a code and the state alexa-link sent.',
    fix: '',
    ms: outcome.ms,
  };
}

/** Lines typed or piped into stdin, one at a time (a pasted address, asked again when it is not the callback). */
export interface LineReader {
  /** The next non-empty line, or undefined at the end of input or on timeout. */
  next(timeoutMs: number): Promise<string | undefined>;
  /** Stops reading (an open stdin pipe would keep the process alive). */
  close(): void;
}

export function createLineReader(stdin: Readable = process.stdin): LineReader {
  let buffered = '';
  let ended = false;
  let waiter: (() => void) | undefined;
  const onData = (chunk: Buffer | string) => {
    buffered += chunk.toString();
    waiter?.();
  };
  const onEnd = () => {
    ended = true;
    waiter?.();
  };
  stdin.on('data', onData);
  stdin.once('end', onEnd);
  const take = (): string | undefined => {
    for (;;) {
      const nl = buffered.search(/\r?\n/);
      if (nl === -1) break;
      const line = buffered.slice(0, nl).trim();
      buffered = buffered.slice(nl).replace(/^\r?\n/, '');
      if (line !== '') return line;
    }
    if (ended && buffered.trim() !== '') {
      const rest = buffered.trim();
      buffered = '';
      return rest;
    }
    return undefined;
  };
  return {
    next(timeoutMs) {
      const ready = take();
      if (ready !== undefined || ended) return Promise.resolve(ready);
      stdin.resume();
      return new Promise((resolve) => {
        const done = (value: string | undefined) => {
          clearTimeout(timer);
          waiter = undefined;
          stdin.pause();
          resolve(value);
        };
        const timer = setTimeout(() => done(undefined), timeoutMs);
        waiter = () => {
          const line = take();
          if (line !== undefined || ended) done(line);
        };
      });
    },
    close() {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.destroy();
    },
  };
}

/** The first non-empty line on stdin, or undefined at end of input or timeout. */
export async function readFirstStdinLine(timeoutMs: number, stdin: Readable = process.stdin): Promise<string | undefined> {
  const reader = createLineReader(stdin);
  try {
    return await reader.next(timeoutMs);
  } finally {
    reader.close();
  }
}

/** A pasted address that is not this login's callback is asked for again, up to this many tries in all. */
export const PASTE_TRIES = 3;

function tokenReport(tokens: TokenFields | undefined): LoginReport['token'] {
  if (!tokens) return null;
  return {
    accessToken: redact(tokens.accessToken),
    tokenType: tokens.tokenType ?? null,
    expiresIn: tokens.expiresIn ?? null,
    refreshToken: tokens.refreshToken ? redact(tokens.refreshToken) : null,
    scope: tokens.scope ?? null,
  };
}

const SYMBOLS = { pass: '✔', warn: '⚠', fail: '✖' } as const;

/** The readable report on stdout. */
export function printReport(out: Output, report: LoginReport, header: string): void {
  const s = out.style;
  const paint = { pass: s.green, warn: s.yellow, fail: s.red } as const;
  out.print(s.bold(header));
  out.print();
  for (const step of report.steps) {
    out.print(`  ${paint[step.status](SYMBOLS[step.status])} ${step.title}${step.ms !== undefined ? s.dim(` (${step.ms} ms)`) : ''}`);
    if (step.detail) out.print(`      ${step.status === 'pass' ? s.dim(step.detail) : step.detail}`);
    if (step.fix && step.status !== 'pass') out.print(`      ${s.cyan('→')} ${step.fix}`);
  }
  out.print();
  if (report.token) {
    const t = report.token;
    out.print(`Access token ${t.accessToken}, ${t.tokenType ?? 'no token_type'}, ${t.expiresIn !== null ? `expires in ${t.expiresIn} s` : 'no lifetime'}; refresh token ${t.refreshToken ?? 'none'}${t.scope ? `; scope "${t.scope}"` : ''}.`);
  }
  const count = (st: Step['status']) => report.steps.filter((x) => x.status === st).length;
  const tally = `${count('pass')} passed, ${count('warn')} warning${count('warn') === 1 ? '' : 's'}, ${count('fail')} failed`;
  out.print(report.ok ? `${s.green('✔')} Alexa would link this account (${tally}).` : `${s.red('✖')} Alexa would fail to link: ${tally}. Fix the steps marked ✖ and run alexa-link login again.`);
}

export interface LoginOutcome {
  exitCode: 0 | 1;
  report: LoginReport;
}

export async function runLogin(options: LoginOptions, deps: LoginDeps): Promise<LoginOutcome> {
  const { out } = deps;
  const project = await loadProject(options.cwd, resolveProfile(options.profile, deps.env));
  const payload = await readLinkingFile(project.linkingPath).catch((err: unknown) => {
      if (err instanceof InputError && err.code === 'E_INPUT_MISSING') {
        throw new InputError(`${LINKING_FILE} not found in the project (${project.layoutName}, ${project.root}); login reads the provider's URLs, client ID, scopes and scheme from it.`, {
          source: LINKING_FILE,
          code: 'E_INPUT_MISSING',
          hint: 'alexa-link configure --pull writes the configuration the developer console has; alexa-link init --add writes a new one.',
        });
      }
      throw err;
    });
  const linking = linkingForLogin(payload);
  const clientSecret = await resolveClientSecret(options, deps, linking.clientId);
  // Also inside the Basic credential the token requests carry (base64 of id:secret, RFC 6749 §2.3.1).
  out.addSecret(clientSecret, { basicUser: linking.clientId });
  const local = isLocalRehearsal(linking);
  const state = newState();
  const steps: Step[] = [];

  let server: CallbackServer | undefined;
  let redirectUri: string;
  if (options.redirect === 'loopback') {
    const serverOptions: Parameters<typeof startCallbackServer>[0] = {
      port: options.port,
      expectedState: state,
      timeoutMs: options.timeoutMs,
      onRejected: (e) => {
        if (e.rejected === 'stray-error') out.warn(e.detail);
        else if (e.rejected === 'wrong-state' || e.rejected === 'second-callback' || e.rejected === 'no-code') out.warn(`Refused a callback: ${e.detail}`);
        else out.debug(`callback server: refused a request (${e.rejected}): ${e.detail}`);
      },
    };
    if (deps.signal) serverOptions.signal = deps.signal;
    server = await startCallbackServer(serverOptions);
    redirectUri = server.redirectUri;
  } else {
    let vendorId = options.vendorId;
    if (!vendorId) {
      // The same resolver as configure and doctor: the ASK CLI profile, then SMAPI's vendor list.
      const found = await resolveVendorId({
        env: deps.env,
        profile: options.profile,
        ...(deps.homeDir ? { homeDir: deps.homeDir } : {}),
        debug: (l) => out.debug(l),
        smapi: async () => {
          try {
            const creds = await loadCredentials({ env: deps.env, profile: options.profile, ...(deps.homeDir ? { homeDir: deps.homeDir } : {}), ...(deps.signal ? { signal: deps.signal } : {}) });
            for (const sec of creds.secrets) out.addSecret(sec);
            // The ASK CLI refreshed an expired profile: said, as configure and doctor do.
            for (const n of creds.notes ?? []) out.info(n);
            return await createSmapi(creds, { trace: (l) => out.debug(l), onSecret: (v) => out.addSecret(v), ...(deps.signal ? { signal: deps.signal } : {}) });
          } catch {
            return undefined;
          }
        },
      });
      vendorId = found.vendorId;
      if (vendorId) out.info(`Vendor ID ${vendorId} (from ${found.source}).`);
    }
    redirectUri = redirectUriFor('alexa', { port: options.port, ...(vendorId ? { vendorId } : {}), region: options.region });
  }

  const loginPkce = resolveLoginPkce(options.pkce === true, payload);
  if (loginPkce.pkce) out.addSecret(loginPkce.pkce.verifier);
  const preflightAbort = new AbortController();
  try {
    const { url, overridden } = buildAuthorizationUrl({
      authorizationUrl: linking.authorizationUrl,
      clientId: linking.clientId,
      redirectUri,
      state,
      scopes: linking.scopes,
      ...(loginPkce.pkce ? { pkce: { challenge: loginPkce.pkce.challenge, method: loginPkce.pkce.method } } : {}),
    });
    steps.push(authorizationUrlStep(linking, redirectUri, overridden));
    if (loginPkce.step) steps.push(loginPkce.step);
    out.info(`Logging in at ${new URL(linking.authorizationUrl).host} as Alexa would${local ? ' (a local rehearsal: the provider runs on this machine)' : ''}.`);
    out.info(options.redirect === 'loopback' ? `The provider must allow the redirect URL ${redirectUri}.` : `The provider must allow Alexa's redirect URL ${redirectUri}.`);
    out.info('Open this address to sign in:');
    out.info('');
    out.info(`  ${url}`);
    out.info('');
    if (options.open) {
      // The address comes from accountLinking.json: only a web page goes to the system opener.
      const safe = browserSafety(url);
      if (!safe.ok) {
        out.warn(`Not opening it in a browser: ${safe.reason}. Check accountLinkingRequest.authorizationUrl; open the address yourself only if you trust it.`);
      } else {
        const opened = await (deps.openUrl ?? ((u: string) => openInBrowser(u, deps.env)))(url);
        if (opened.opened) out.info('Opened it in your browser.');
        else out.info(`Could not start a browser (${opened.reason ?? 'unknown reason'}): open the address above manually.`);
      }
    }

    let outcome: CallbackOutcome;
    try {
      if (server) {
        out.info(`Waiting up to ${Math.round(options.timeoutMs / 1000)} s for the sign-in… (Ctrl-C to stop)`);
        // Without PKCE, ask the provider meanwhile whether it refuses the request for lack of it: such
        // a provider may only show an error page, and the callback would never come.
        const refusal = loginPkce.pkce
          ? new Promise<never>(() => {})
          : pkcePreflight({
              authorizationUrl: linking.authorizationUrl,
              clientId: linking.clientId,
              redirectUri,
              scopes: linking.scopes,
              signal: preflightAbort.signal,
              timeoutMs: Math.min(options.timeoutMs, 10_000),
              debug: (line) => out.debug(line),
              ...(deps.send ? { send: deps.send } : {}),
            }).then((found) => (found ? found : new Promise<never>(() => {})));
        const waiting = server.wait();
        const first = await Promise.race([waiting.then((o) => ({ callback: o })), refusal.then((what) => ({ refused: what }))]);
        if ('refused' in first) {
          waiting.catch(() => undefined);
          const { detail, fix } = pkceRequiredExplanation(`asked without PKCE, its authorization endpoint ${first.refused}`);
          steps.push({ id: 'callback', title: 'Callback: a code with this login\'s state', status: 'fail', detail, fix });
          return finish(out, { ok: false, steps, token: null, session: null }, linking);
        }
        outcome = first.callback;
      } else {
        out.info(`After signing in, the provider sends you to ${redirectUri}, an Amazon page that may show an error: that is expected.`);
        out.info('Copy the whole address from the address bar and paste it here (or just the code).');
        const pasted = await readPastedCallback(deps, options, state, redirectUri);
        if (!pasted.stateChecked) out.warn('A bare code carries no state, so alexa-link could not check that it belongs to this login.');
        outcome = pasted.outcome;
      }
    } catch (err) {
      if (!(err instanceof LoginTimeoutError)) throw err;
      const strays = server?.rejected.some((r) => r.rejected === 'stray-error') ?? false;
      const strayFix = strays ? ' If the ignored error came from your provider, it must send the state back with errors too (RFC 6749 §4.1.2.1).' : '';
      steps.push({ id: 'callback', title: 'Callback: a code with this login\'s state', status: 'fail', detail: err.message, fix: `${err.hint ?? ''}${strayFix}`.trim() });
      return finish(out, { ok: false, steps, token: null, session: null }, linking);
    }
    steps.push(callbackStep(outcome, server?.rejected ?? [], options.redirect, Boolean(loginPkce.pkce)));
    if (outcome.kind !== 'code') return finish(out, { ok: false, steps, token: null, session: null }, linking);
    out.addSecret(outcome.code);
    await server?.close();

    out.info('Exchanging the code at the token endpoint as Alexa would…');
    const settings: LoginSettings = {
      authorizationUrl: linking.authorizationUrl,
      tokenUrl: linking.tokenUrl,
      clientId: linking.clientId,
      clientSecret,
      scheme: linking.scheme,
      scopes: linking.scopes,
      redirectUri,
    };
    if (linking.defaultTokenExpirationInSeconds !== undefined) settings.defaultTokenExpirationInSeconds = linking.defaultTokenExpirationInSeconds;
    if (loginPkce.pkce) settings.codeVerifier = loginPkce.pkce.verifier;
    if (linking.reciprocalAccessTokenUrl) settings.reciprocalAccessTokenUrl = linking.reciprocalAccessTokenUrl;
    if (deps.latencyLimitMs !== undefined) settings.latencyLimitMs = deps.latencyLimitMs;
    const flowDeps: Parameters<typeof completeLogin>[2] = {
      projectRoot: project.root,
      onSecret: (v) => out.addSecret(v),
      trace: (line) => out.debug(line),
    };
    if (deps.send) flowDeps.send = deps.send;
    if (deps.now) flowDeps.now = deps.now;
    if (deps.signal) flowDeps.signal = deps.signal;
    const result = await completeLogin(outcome.code, settings, flowDeps);
    steps.push(...result.steps);
    // Smart home and video skills need the scopes they ask for: say whether the provider granted them.
    const skillTypes = await readSkillTypes(project);
    if (result.tokens && skillTypes?.some((t) => t === 'smartHome' || t === 'video')) {
      const granted = judgeGrantedScopes(linking.scopes, result.tokens.scope);
      const saved = steps.findIndex((s) => s.id === 'session-saved');
      steps.splice(saved < 0 ? steps.length : saved, 0, granted);
    }
    return finish(out, { ok: !steps.some((s) => s.status === 'fail'), steps, token: tokenReport(result.tokens), session: result.session ?? null }, linking);
  } finally {
    preflightAbort.abort();
    await server?.close();
  }
}

/**
 * The address the user landed on, pasted in a terminal or piped in: one that is not this login's
 * callback (another page, a stale tab, a typo) is asked for again with the reason, up to
 * PASTE_TRIES in all; then the last reason is the error (exit 2).
 */
async function readPastedCallback(deps: LoginDeps, options: LoginOptions, state: string, redirectUri: string): Promise<PastedCallback> {
  const { out } = deps;
  const reader = deps.prompter.interactive || deps.readPasted ? undefined : createLineReader();
  const readLine = deps.readPasted ?? ((ms: number) => reader!.next(ms));
  let last: InputError | undefined;
  try {
    for (let attempt = 1; attempt <= PASTE_TRIES; attempt++) {
      let text: string | undefined;
      if (deps.prompter.interactive) {
        text = await deps.prompter.input({ message: attempt === 1 ? 'Address you landed on:' : `Address you landed on (try ${attempt} of ${PASTE_TRIES}):`, flag: 'stdin' });
      } else {
        text = await readLine(options.timeoutMs);
        if (text === undefined) {
          if (last) throw last;
          throw new UsageError('--redirect alexa needs the address you landed on, and none came on standard input.', {
            hint: 'Run it in a terminal to paste it when asked, or pipe the address into alexa-link login.',
          });
        }
      }
      try {
        return parsePastedCallback(text, state, { expectedRedirectUri: redirectUri });
      } catch (err) {
        if (!(err instanceof InputError)) throw err;
        last = err;
        if (attempt < PASTE_TRIES) {
          out.warn(`${err.message}${err.hint ? ` ${err.hint}` : ''}`);
          out.info(`Paste it again (${PASTE_TRIES - attempt} more ${PASTE_TRIES - attempt === 1 ? 'try' : 'tries'}).`);
        }
      }
    }
    throw last!;
  } finally {
    reader?.close();
  }
}

function finish(out: Output, report: LoginReport, linking: LinkingForLogin): LoginOutcome {
  report.ok = !report.steps.some((s) => s.status === 'fail');
  if (out.json) out.result(report);
  else printReport(out, report, `alexa-link login: client ${linking.clientId} at ${hostOf(linking.tokenUrl)}`);
  return { exitCode: report.ok ? 0 : 1, report };
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

export const command: CommandModule = {
  define(cmd: Command) {
    cmd
      .addOption(completes(cmd.createOption('--redirect <mode>', 'loopback (default): catch the redirect on 127.0.0.1; alexa: use Alexa\'s redirect URL and paste the address you land on'), { values: () => ['loopback', 'alexa'] }))
      .option('--port <n>', `callback port for --redirect loopback; the provider must allow http://127.0.0.1:<n>/callback (default: ${DEFAULT_PORT}; 0 picks a free one)`)
      .option('--no-open', 'print the sign-in address without opening a browser')
      .option('--timeout <duration>', `how long to wait for the sign-in: ${durationHelp(DEFAULT_TIMEOUT_SECONDS * 1000)}`)
      .option('--vendor-id <id>', 'your Amazon vendor ID, for --redirect alexa (default: ASK_VENDOR_ID, the ASK CLI profile\'s vendor_id, or your only vendor in SMAPI)')
      .option('--profile <name>', 'ASK CLI profile in ~/.ask/cli_config for the vendor ID (and the project\'s profile) (default: ASK_DEFAULT_PROFILE, else "default")')
      .addOption(completes(cmd.createOption('--region <region>', "which Alexa redirect URL --redirect alexa uses: NA (pitangui), EU (layla) or FE (alexa.amazon.co.jp); default NA"), { values: () => ALEXA_REGIONS }))
      .option('--client-secret-env <VAR>', `environment variable holding the client secret (default: ${DEFAULT_SECRET_ENV}); otherwise you are asked`)
      .option('--pkce', "send PKCE (code_challenge S256, code_verifier) as Alexa does when PKCE is enabled for the skill (default: accountLinking.json's PKCE block)")
      .addHelpText(
        'after',
        `\nReads accountLinking.json for the URLs, client ID, scopes and scheme. Tokens are saved in .alexa-link/session.json (mode 0600) for doctor and are never printed whole. Exit 1 when Alexa would fail to link.\n\nExamples:\n  # sign in at the provider; the secret from the environment\n  $ ${DEFAULT_SECRET_ENV}=… alexa-link login\n  # with Alexa's own redirect URL; paste the address you land on\n  $ alexa-link login --redirect alexa --region EU\n`,
      );
  },
  async run(ctx: CommandContext, _args, opts) {
    const options = parseLoginOptions(opts, ctx.globals.cwd, ctx.env);
    const prompter = createPrompter(isInteractive({ stdinIsTTY: ctx.stdinIsTTY }), undefined, ctx.out.promptLook);
    const { exitCode } = await runLogin(options, { out: ctx.out, env: ctx.env, prompter, signal: ctx.signal });
    return exitCode;
  },
};

