import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AlexaLinkError, InputError } from '../errors.js';
import { isObject, parseJsonText, readTextFileBounded } from '../project/json-file.js';

/**
 * Developer credentials for SMAPI, following ASK CLI conventions so existing setups just work.
 * First match wins:
 *   1. environment: ASK_ACCESS_TOKEN, or ASK_REFRESH_TOKEN with the user's own Login with Amazon
 *      client (ASK_LWA_CLIENT_ID + ASK_LWA_CLIENT_CONFIRMATION); no AWS variables needed.
 *   2. the ASK CLI profile in ~/.ask/cli_config: its access token while unexpired, its refresh token
 *      only with the user's own LWA client (refresh tokens are bound to the client that minted them).
 *   3. nothing: one error that spells out both ways.
 * `resolveCredentials` is pure (env and file contents passed in); `loadCredentials` reads the file.
 */
export const DEFAULT_SMAPI_ENDPOINT = 'https://api.amazonalexa.com';
export const DEFAULT_LWA_TOKEN_HOST = 'https://api.amazon.com';
/** An access token this close to its expiry is treated as expired (a push takes a few calls). */
export const EXPIRY_SKEW_MS = 60_000;
export const CLI_CONFIG_LABEL = '~/.ask/cli_config';
/** ~/.ask/cli_config holds a few profiles: a few kilobytes. */
export const CLI_CONFIG_MAX_BYTES = 1024 * 1024;

export type SmapiAuth =
  | { kind: 'access-token'; accessToken: string; expiresAt?: string }
  | { kind: 'refresh-token'; refreshToken: string; clientId: string; clientSecret: string };

export type CredentialSource = 'environment' | 'cli_config';

export interface SmapiEndpoints {
  /** SMAPI base URL (ASK_SMAPI_SERVER_BASE_URL). */
  api: string;
  /** Login with Amazon token host (ASK_LWA_TOKEN_HOST). */
  lwa: string;
}

export interface SmapiCredentials {
  auth: SmapiAuth;
  source: CredentialSource;
  /** Where they came from, for messages: "ASK_ACCESS_TOKEN", "~/.ask/cli_config profile default (access token)". */
  description: string;
  /** The cli_config profile read (also when the environment won). */
  profile: string;
  vendorId: string | undefined;
  endpoints: SmapiEndpoints;
  /** Values that must never be printed whole. */
  secrets: string[];
  /** Things the user should know (a wide cli_config mode, an ignored variable). */
  warnings: string[];
  /** What was done to get them (the ASK CLI refreshed an expired token). */
  notes?: string[];
}

/** The cli_config file as read: its text and permission bits, or absent. */
export interface CliConfigFile {
  path: string;
  text: string;
  /** st_mode & 0o777 */
  mode?: number;
}

export interface CredentialInputs {
  env: Record<string, string | undefined>;
  /** --profile */
  profile?: string | undefined;
  /** undefined when the file does not exist. */
  cliConfig?: CliConfigFile | undefined;
  now: Date;
}

export class CredentialsError extends AlexaLinkError {
  /** Set when the ASK CLI profile's access token expired and only the ASK CLI itself can refresh it. */
  readonly expiredProfile: string | undefined;
  constructor(message: string, hint: string, expiredProfile?: string) {
    super(message, { code: 'E_NO_CREDENTIALS', hint, exitCode: 1 });
    this.expiredProfile = expiredProfile;
  }
}

function nonEmpty(v: string | undefined): string | undefined {
  const t = v?.trim();
  return t ? t : undefined;
}

function endpointFromEnv(env: Record<string, string | undefined>, name: string, fallback: string): string {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return fallback;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new InputError(`${name}="${raw}" is not a URL.`, { source: name, hint: `Set ${name} to a base URL such as ${fallback}, or unset it.` });
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') {
    throw new InputError(`${name}="${raw}" must be an http(s) URL.`, { source: name, hint: `Set ${name} to a base URL such as ${fallback}, or unset it.` });
  }
  return raw.replace(/\/+$/, '');
}

export function resolveEndpoints(env: Record<string, string | undefined>): SmapiEndpoints {
  return {
    api: endpointFromEnv(env, 'ASK_SMAPI_SERVER_BASE_URL', DEFAULT_SMAPI_ENDPOINT),
    lwa: endpointFromEnv(env, 'ASK_LWA_TOKEN_HOST', DEFAULT_LWA_TOKEN_HOST),
  };
}

/** The profile: --profile, else ASK_DEFAULT_PROFILE, else "default" (as the ASK CLI does). */
export function resolveProfile(flag: string | undefined, env: Record<string, string | undefined>): string {
  return nonEmpty(flag) ?? nonEmpty(env.ASK_DEFAULT_PROFILE) ?? 'default';
}

interface CliProfile {
  accessToken?: string;
  refreshToken?: string;
  expiresAt?: string;
  vendorId?: string;
}

/** Reads one profile out of cli_config text; bad JSON or shapes are input errors naming the file. */
export function parseCliConfig(text: string, label: string, profile: string): { profile: CliProfile | undefined; profiles: string[] } {
  const doc = parseJsonText(text, label);
  if (!isObject(doc)) throw new InputError(`${label}: expected a JSON object with "profiles".`, { source: label, hint: 'Run `ask configure` to recreate it.' });
  const profiles = doc.profiles;
  if (profiles === undefined) return { profile: undefined, profiles: [] };
  if (!isObject(profiles)) throw new InputError(`${label}: "profiles" must be an object.`, { source: label, hint: 'Run `ask configure` to recreate it.' });
  const names = Object.keys(profiles);
  const entry = Object.hasOwn(profiles, profile) ? profiles[profile] : undefined;
  if (entry === undefined) return { profile: undefined, profiles: names };
  if (!isObject(entry)) throw new InputError(`${label}: profiles.${profile} must be an object.`, { source: label });
  const out: CliProfile = {};
  const token = entry.token;
  if (token !== undefined && !isObject(token)) throw new InputError(`${label}: profiles.${profile}.token must be an object.`, { source: label });
  const str = (v: unknown, field: string): string | undefined => {
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string') throw new InputError(`${label}: profiles.${profile}.${field} must be a string.`, { source: label });
    return v;
  };
  if (isObject(token)) {
    const at = str(token.access_token, 'token.access_token');
    const rt = str(token.refresh_token, 'token.refresh_token');
    const exp = str(token.expires_at, 'token.expires_at');
    if (at) out.accessToken = at;
    if (rt) out.refreshToken = rt;
    if (exp) out.expiresAt = exp;
  }
  const vendor = str(entry.vendor_id, 'vendor_id');
  if (vendor) out.vendorId = vendor;
  return { profile: out, profiles: names };
}

const FIX_ENV =
  'In CI or without the ASK CLI: set ASK_ACCESS_TOKEN to a fresh SMAPI access token, or ASK_REFRESH_TOKEN together with ASK_LWA_CLIENT_ID and ASK_LWA_CLIENT_CONFIRMATION (your own Login with Amazon security profile; mint the refresh token with `ask util generate-lwa-tokens --client-id <id> --client-confirmation <secret>`). Set ASK_VENDOR_ID too.';
const FIX_ASK = 'With the ASK CLI: run `ask configure` once (it writes ~/.ask/cli_config); when its access token has expired, any `ask` command such as `ask smapi get-vendor-list` refreshes it.';

/** Pure: picks the credentials from the environment and the cli_config contents. */
export function resolveCredentials(inputs: CredentialInputs): SmapiCredentials {
  const { env, now } = inputs;
  const endpoints = resolveEndpoints(env);
  const profile = resolveProfile(inputs.profile, env);
  const warnings: string[] = [];
  const reasons: string[] = [];
  let expiredProfile: string | undefined;

  const envAccess = nonEmpty(env.ASK_ACCESS_TOKEN);
  const envRefresh = nonEmpty(env.ASK_REFRESH_TOKEN);
  const lwaId = nonEmpty(env.ASK_LWA_CLIENT_ID);
  const lwaSecret = nonEmpty(env.ASK_LWA_CLIENT_CONFIRMATION);
  const ownClient = lwaId && lwaSecret ? { clientId: lwaId, clientSecret: lwaSecret } : undefined;
  if ((lwaId === undefined) !== (lwaSecret === undefined)) {
    const missing = lwaId ? 'ASK_LWA_CLIENT_CONFIRMATION' : 'ASK_LWA_CLIENT_ID';
    warnings.push(`${lwaId ? 'ASK_LWA_CLIENT_ID' : 'ASK_LWA_CLIENT_CONFIRMATION'} is set but ${missing} is not; your own Login with Amazon client needs both, so it is ignored.`);
  }
  const envVendor = nonEmpty(env.ASK_VENDOR_ID);

  // 1. Environment.
  if (envRefresh && ownClient) {
    return {
      auth: { kind: 'refresh-token', refreshToken: envRefresh, ...ownClient },
      source: 'environment',
      description: 'ASK_REFRESH_TOKEN with your Login with Amazon client (ASK_LWA_CLIENT_ID)',
      profile,
      vendorId: envVendor,
      endpoints,
      secrets: [envRefresh, ownClient.clientSecret],
      warnings,
    };
  }
  if (envRefresh && !ownClient) {
    const note = 'ASK_REFRESH_TOKEN is set but ASK_LWA_CLIENT_ID and ASK_LWA_CLIENT_CONFIRMATION are not: a refresh token can only be used with the Login with Amazon client that minted it.';
    if (envAccess) warnings.push(`${note} Using ASK_ACCESS_TOKEN instead.`);
    else reasons.push(note);
  }
  if (envAccess) {
    return {
      auth: { kind: 'access-token', accessToken: envAccess },
      source: 'environment',
      description: 'ASK_ACCESS_TOKEN',
      profile,
      vendorId: envVendor,
      endpoints,
      secrets: [envAccess, ...(ownClient ? [ownClient.clientSecret] : [])],
      warnings,
    };
  }

  // 2. The ASK CLI profile.
  const file = inputs.cliConfig;
  if (!file) {
    reasons.push(`There is no ${CLI_CONFIG_LABEL} (the ASK CLI has not been configured on this machine).`);
  } else {
    const label = file.path;
    if (file.mode !== undefined && (file.mode & 0o077) !== 0) {
      warnings.push(`${label} can be read by other users (mode ${(file.mode & 0o777).toString(8).padStart(4, '0')}); it holds your Amazon developer tokens. Run: chmod 600 ${label}`);
    }
    const parsed = parseCliConfig(file.text, label, profile);
    const p = parsed.profile;
    if (!p) {
      reasons.push(
        `${CLI_CONFIG_LABEL} has no profile "${profile}" (profiles: ${parsed.profiles.length ? parsed.profiles.join(', ') : 'none'})${parsed.profiles.length ? `; pass --profile ${parsed.profiles[0]} or set ASK_DEFAULT_PROFILE` : ''}.`,
      );
    } else {
      const vendorId = envVendor ?? p.vendorId;
      const expiresMs = p.expiresAt ? Date.parse(p.expiresAt) : NaN;
      const fresh = p.accessToken !== undefined && Number.isFinite(expiresMs) && expiresMs - EXPIRY_SKEW_MS > now.getTime();
      if (fresh) {
        return {
          auth: { kind: 'access-token', accessToken: p.accessToken!, expiresAt: p.expiresAt! },
          source: 'cli_config',
          description: `${CLI_CONFIG_LABEL} profile "${profile}" (access token valid until ${new Date(expiresMs).toISOString()})`,
          profile,
          vendorId,
          endpoints,
          secrets: [p.accessToken!, ...(p.refreshToken ? [p.refreshToken] : [])],
          warnings,
        };
      }
      if (p.refreshToken && ownClient) {
        return {
          auth: { kind: 'refresh-token', refreshToken: p.refreshToken, ...ownClient },
          source: 'cli_config',
          description: `${CLI_CONFIG_LABEL} profile "${profile}" (refresh token, with your Login with Amazon client ASK_LWA_CLIENT_ID)`,
          profile,
          vendorId,
          endpoints,
          secrets: [p.refreshToken, ownClient.clientSecret, ...(p.accessToken ? [p.accessToken] : [])],
          warnings,
        };
      }
      if (!p.accessToken && !p.refreshToken) {
        reasons.push(`${CLI_CONFIG_LABEL} profile "${profile}" holds no token.`);
      } else {
        if (p.refreshToken) expiredProfile = profile;
        const when = Number.isFinite(expiresMs) ? `expired at ${new Date(expiresMs).toISOString()}` : p.accessToken ? 'has no valid expires_at' : 'is missing';
        reasons.push(
          `The access token in ${CLI_CONFIG_LABEL} profile "${profile}" ${when}. Its refresh token belongs to the Login with Amazon client the ASK CLI used to mint it, and refresh tokens only work with that client: alexa-link cannot use it without ASK_LWA_CLIENT_ID and ASK_LWA_CLIENT_CONFIRMATION (set them only if the ASK CLI was configured with your own security profile).`,
        );
      }
    }
  }

  // 3. Nothing usable.
  throw new CredentialsError(
    `No usable SMAPI credentials.\n${reasons.map((r) => `  - ${r}`).join('\n')}`,
    `Two ways to fix it:\n  1. ${FIX_ASK}\n  2. ${FIX_ENV}`,
    expiredProfile,
  );
}

/** ~/.ask/cli_config under a home directory. */
export function cliConfigPath(homeDir: string): string {
  return path.join(homeDir, '.ask', 'cli_config');
}

/** Reads cli_config (text and mode), or undefined when it does not exist. */
export async function readCliConfig(file: string): Promise<CliConfigFile | undefined> {
  try {
    // Bounded: a cli_config that is a FIFO or a link to /dev/zero is an input error, not a hang.
    const text = await readTextFileBounded(file, file, CLI_CONFIG_MAX_BYTES);
    const st = await stat(file);
    return { path: file, text, mode: st.mode & 0o777 };
  } catch (err) {
    if (err instanceof InputError) {
      if (err.code === 'E_INPUT_MISSING') return undefined;
      throw err;
    }
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
    if (code === 'EACCES') throw new InputError(`${file} cannot be read (permission denied).`, { source: file, hint: `Fix its owner or mode: chmod 600 ${file}` });
    if (code === 'EISDIR') throw new InputError(`${file} is a directory, not the ASK CLI's JSON config.`, { source: file });
    throw new InputError(`${file} cannot be read: ${(err as Error).message}`, { source: file });
  }
}

export interface LoadCredentialsOptions {
  env: Record<string, string | undefined>;
  profile?: string | undefined;
  /** Defaults to os.homedir() (which honours HOME). */
  homeDir?: string;
  now?: Date;
  /**
   * Runs the ASK CLI to refresh an expired profile (default: `ask` found on PATH, spawned; false:
   * never). Returns undefined when there is no ASK CLI.
   */
  askCli?: false | ((args: string[], env: Record<string, string | undefined>) => Promise<AskRun | undefined>);
  signal?: AbortSignal;
}

export interface AskRun {
  code: number | null;
  /** The last lines it wrote to stderr, for the message when it failed. */
  stderrTail: string;
}

/** The ASK CLI's harmless SMAPI read (`ask smapi get-vendor-list`): it refreshes the profile's token and writes it back to cli_config. */
export const ASK_REFRESH_ARGS = (profile: string) => ['smapi', 'get-vendor-list', '--profile', profile];
const ASK_TIMEOUT_MS = 60_000;

/** The `ask` executable on PATH, if any. */
export async function findOnPath(name: string, env: Record<string, string | undefined>): Promise<string | undefined> {
  const dirs = (env.PATH ?? '').split(path.delimiter).filter(Boolean);
  const names = process.platform === 'win32' ? [`${name}.cmd`, `${name}.exe`, name] : [name];
  for (const dir of dirs) {
    for (const n of names) {
      const file = path.join(dir, n);
      try {
        await access(file, constants.X_OK);
        if ((await stat(file)).isFile()) return file;
      } catch {
        /* not here */
      }
    }
  }
  return undefined;
}

/** Spawns `ask` from PATH with a deadline; undefined when it is not installed. */
export function spawnAskCli(signal?: AbortSignal) {
  return async (args: string[], env: Record<string, string | undefined>): Promise<AskRun | undefined> => {
    const bin = await findOnPath('ask', env);
    if (!bin) return undefined;
    const { spawn } = await import('node:child_process');
    return new Promise<AskRun>((resolve) => {
      const child = spawn(bin, args, { env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'ignore', 'pipe'], shell: process.platform === 'win32' });
      let tail = '';
      child.stderr?.setEncoding('utf8').on('data', (c: string) => {
        tail = (tail + c).slice(-2000);
      });
      const timer = setTimeout(() => child.kill('SIGKILL'), ASK_TIMEOUT_MS);
      const onAbort = () => child.kill('SIGKILL');
      signal?.addEventListener('abort', onAbort, { once: true });
      child.on('error', (err) => {
        clearTimeout(timer);
        resolve({ code: null, stderrTail: err.message });
      });
      child.on('close', (code) => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve({ code, stderrTail: tail.trim().split('\n').slice(-3).join(' / ') });
      });
    });
  };
}

/** The thin loader: reads ~/.ask/cli_config only when the environment does not decide. */
export async function loadCredentials(opts: LoadCredentialsOptions): Promise<SmapiCredentials> {
  const home = opts.homeDir ?? os.homedir();
  const now = opts.now ?? new Date();
  const envOnly = (() => {
    try {
      return resolveCredentials({ env: opts.env, profile: opts.profile, cliConfig: undefined, now });
    } catch (err) {
      if (err instanceof CredentialsError) return undefined;
      throw err;
    }
  })();
  if (envOnly && envOnly.source === 'environment') return envOnly;
  const file = cliConfigPath(home);
  const cliConfig = await readCliConfig(file);
  try {
    return resolveCredentials({ env: opts.env, profile: opts.profile, cliConfig, now });
  } catch (err) {
    if (!(err instanceof CredentialsError) || !err.expiredProfile || opts.askCli === false) throw err;
    // The profile's refresh token belongs to the ASK CLI's own client: let the ASK CLI use it.
    const profile = err.expiredProfile;
    const args = ASK_REFRESH_ARGS(profile);
    const env: Record<string, string | undefined> = { ...opts.env, HOME: home, USERPROFILE: home };
    for (const k of ['ASK_ACCESS_TOKEN', 'ASK_REFRESH_TOKEN']) delete env[k];
    const run = await (opts.askCli ?? spawnAskCli(opts.signal))(args, env);
    if (!run) throw err;
    const command = `ask ${args.join(' ')}`;
    if (run.code !== 0) {
      throw new CredentialsError(`${err.message}\n  - Refreshing it through the ASK CLI (\`${command}\`) failed (${run.code === null ? 'it did not finish' : `exit code ${run.code}`})${run.stderrTail ? `: ${run.stderrTail}` : ''}.`, err.hint ?? '');
    }
    const fresh = resolveCredentials({ env: opts.env, profile: opts.profile, cliConfig: await readCliConfig(file), now: new Date() });
    return { ...fresh, notes: [...(fresh.notes ?? []), `The access token of ${CLI_CONFIG_LABEL} profile "${profile}" had expired; the ASK CLI refreshed it (\`${command}\`).`] };
  }
}
