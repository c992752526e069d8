import path from 'node:path';
import { AlexaLinkError, describeError, InputError } from '../errors.js';
import type { AccountLinkingPayload } from '../linking/config.js';
import { isLoopbackHost } from '../linking/rules.js';
import type { HttpRequest, HttpResponse } from '../net/http.js';
import { readTextFileBounded } from '../project/json-file.js';
import {
  loadProject,
  readInteractionModels,
  readLinkingFile,
  readManifest,
  readSkillIdInfo,
  type InteractionModelFile,
  type SkillManifestInfo,
  type SkillProject,
} from '../project/skill-project.js';
import { getAccountLinking } from '../smapi/account-linking.js';
import type { TokenChange, TokenMode } from '../replay/envelopes.js';
import type { ProbeMode } from '../replay/kinds/types.js';
import type { EnvelopePlan } from '../replay/sources.js';
import type { StoredReplay } from '../replay/runner.js';
import { createSmapi, type Smapi } from '../smapi/client.js';
import { loadCredentials, resolveProfile, type SmapiCredentials } from '../smapi/credentials.js';
import { resolveVendorId } from '../smapi/vendor.js';
import { missing, ok, type Part } from './types.js';
import type { SecretOptions } from '../ui/secrets.js';

/**
 * What every doctor check sees: the options, the injected side effects, and the project's parts
 * loaded once up front. A part that could not be loaded carries the reason, so the checks that
 * need it are skipped with that reason (and project-files reports it).
 */
export type TargetChoice = { kind: 'default' } | { kind: 'handler'; spec: string } | { kind: 'endpoint'; url: string } | { kind: 'smapi' };

export interface DoctorOptions {
  cwd: string;
  /** ask-resources.json profile and ASK CLI profile (--profile; undefined: ASK_DEFAULT_PROFILE, else "default"). */
  profile: string | undefined;
  /** --vendor-id (else the vendor resolver's other sources). */
  vendorId?: string | undefined;
  /** --skill-id (else .ask/ask-states.json). */
  skillId: string | undefined;
  target: TargetChoice;
  /** --envelopes paths (empty: the built-in envelopes). */
  envelopes: string[];
  /** --token; undefined: session when alexa-link login saved an unexpired token, else keep. */
  token: TokenMode | undefined;
  /** --probes; undefined: all for built-ins and files, none through SMAPI. */
  probes?: ProbeMode | undefined;
  /** --request: built-in requests to replay (launch, intent, session-ended, playback-started, skill-linked). */
  requests?: string[];
  /** --intent NAME with its --slot name=value pairs. */
  intent?: { name: string; slots: Record<string, string> } | undefined;
  /** --env-file: the skill's own settings for the handler child. */
  envFile?: string | undefined;
  /** Variables for the handler child beyond the Lambda-like ones (programmatic callers, e.g. demo). */
  skillEnv?: Record<string, string>;
  /** --region: AWS_REGION for the handler child. */
  region?: string | undefined;
  /** --memory: the handler child's memory in MB (its heap limit). */
  memoryMb?: number | undefined;
  simulate: string | undefined;
  offline: boolean;
  only: string[] | undefined;
  timeoutMs: number;
  concurrency: number;
  /** Environment variable holding the client secret. */
  clientSecretEnv: string;
  /** SMAPI stage for drift, invocation and simulation. */
  stage: 'development' | 'live';
  verbose: boolean;
}

export interface DoctorDeps {
  env: NodeJS.ProcessEnv;
  /** HTTP client for network checks (default src/net/http.ts request). */
  http?: (req: HttpRequest) => Promise<HttpResponse>;
  /** Extra trusted CA for network checks (tests; users set NODE_EXTRA_CA_CERTS). */
  ca?: string;
  now?: () => Date;
  /** Home directory for ~/.ask/cli_config (default os.homedir()). */
  homeDir?: string;
  signal?: AbortSignal;
  /** --verbose lines (skill logs, HTTP traces); redacted by the caller's Output. */
  debug?: (line: string) => void;
  /** Progress lines always said on stderr (the ASK CLI refreshed an expired profile). */
  info?: (line: string) => void;
  /** Registers a value that must never be printed whole. */
  addSecret?: (value: string, opts?: SecretOptions) => void;
  /** Speeds up SMAPI retries and simulation polling in tests. */
  smapiTiming?: { backoffBaseMs?: number; pollBaseMs?: number; maxPolls?: number };
}

export type { InteractionModelFile } from '../project/skill-project.js';

export interface DoctorContext {
  options: DoctorOptions;
  deps: DoctorDeps;
  env: NodeJS.ProcessEnv;
  now: () => Date;
  project: Part<SkillProject>;
  /** No project was found at all (as opposed to one with a broken file). */
  projectAbsent: boolean;
  manifest: Part<SkillManifestInfo>;
  linking: Part<AccountLinkingPayload>;
  /**
   * Where ctx.linking came from: the project's accountLinking.json, or (when the project has none)
   * the configuration Alexa has, read through SMAPI; 'none' when neither could be read, with
   * remoteAbsent set when SMAPI answered that the stage has no account linking.
   */
  linkingSource: { kind: 'file' } | { kind: 'remote'; stage: string } | { kind: 'none'; fileMissing: boolean; remoteAbsent: boolean };
  skillId: Part<string>;
  interactionModels: Part<InteractionModelFile[]>;
  /** The client secret from the environment (never printed whole). */
  clientSecret: string | undefined;
  /** The provider's URLs are on a loopback host: a local rehearsal. */
  rehearsal: boolean;
  /** The --envelopes files, listed (read one at a time while replaying). */
  envelopePlan: EnvelopePlan;
  /** The skill's own variables for the handler child (--env-file, then options.skillEnv). */
  skillEnv: Record<string, string>;
  /** The token the replays send, and why (the default is chosen from the saved session). */
  replayToken: { change: TokenChange; mode: TokenMode; why: string };
  /** Filled by the replays check. */
  replays: StoredReplay[];
  /** What the replays went to, for the report. */
  replayTarget?: string;
  /** Set by session-tokens when it refreshed the saved token (replays with --token session use it). */
  freshAccessToken?: string;
  /** SMAPI credentials (environment or ~/.ask/cli_config), loaded on first use. */
  credentials(): Promise<Part<SmapiCredentials>>;
  /** A connected SMAPI client, created on first use. */
  smapi(): Promise<Part<Smapi>>;
  /** The vendor ID (src/smapi/vendor.ts: ASK_VENDOR_ID, the ASK CLI profile, SMAPI's vendor list). */
  vendor(): Promise<string | undefined>;
}

/** Looks up a context part by name for the runner's `needs`. */
export function contextPart(ctx: DoctorContext, name: string): Part<unknown> | undefined {
  switch (name) {
    case 'project':
      return ctx.project;
    case 'manifest':
      return ctx.manifest;
    case 'linking':
      return ctx.linking;
    case 'skillId':
      return ctx.skillId;
    case 'interactionModels':
      return ctx.interactionModels;
    default:
      return undefined;
  }
}

function reasonOf(err: unknown): string {
  return describeError(err).replace(/\s+$/, '');
}

/**
 * A project file that is not a regular file (a device, a FIFO, a link to a link) or is over the
 * size limit is refused outright, as configure refuses it (exit 2 naming it): it is not a broken
 * project for the checks to judge but input that must not be read.
 */
const UNREADABLE = new Set(['E_INPUT_NOT_FILE', 'E_INPUT_TOO_LARGE']);

async function part<T>(load: () => Promise<T>, fix?: (err: unknown) => string | undefined): Promise<Part<T>> {
  try {
    return ok(await load());
  } catch (err) {
    if (err instanceof InputError && err.code !== undefined && UNREADABLE.has(err.code)) throw err;
    if (err instanceof InputError) return missing(reasonOf(err), fix?.(err) ?? err.hint);
    throw err;
  }
}

function loopbackUrl(u: string | undefined): boolean {
  if (!u) return false;
  try {
    return isLoopbackHost(new URL(u).hostname);
  } catch {
    return false;
  }
}

/** Loads everything the checks need from the project; never throws for a broken project (checks report it), only for a file that must not be read at all (exit 2). */
export async function buildDoctorContext(options: DoctorOptions, deps: DoctorDeps): Promise<DoctorContext> {
  const env = deps.env;
  const now = deps.now ?? (() => new Date());
  let projectAbsent = false;
  const project = await part(
    () => loadProject(options.cwd, resolveProfile(options.profile, env)),
    (err) => {
      if (err instanceof InputError && err.code === 'E_NO_PROJECT') projectAbsent = true;
      return undefined;
    },
  );
  const noProject = <T>(): Part<T> => (project.ok ? missing('') : missing(`no skill project (${project.reason})`));

  let manifest: Part<SkillManifestInfo> = noProject();
  let linking: Part<AccountLinkingPayload> = noProject();
  let linkingMissing = false;
  let skillId: Part<string> = options.skillId ? ok(options.skillId) : noProject();
  let interactionModels: Part<InteractionModelFile[]> = noProject();
  if (project.ok) {
    const p = project.value;
    manifest = p.manifestPath ? await part(() => readManifest(p)) : missing(`a ${p.layoutName} has no skill manifest (skill.json) to check`);
    const linkingLabel = path.relative(p.root, p.linkingPath);
    linking = await part(
      () => readLinkingFile(p.linkingPath, linkingLabel),
      (err) => {
        if (err instanceof InputError && err.code === 'E_INPUT_MISSING') linkingMissing = true;
        return undefined;
      },
    );
    if (!options.skillId) {
      const info = await part(() => readSkillIdInfo(p));
      skillId = !info.ok ? info : info.value.skillId ? ok(info.value.skillId) : missing(`no skill ID: ${info.value.missing ?? 'not recorded'}`, info.value.fix);
    }
    interactionModels = ok(await readInteractionModels(p));
  }
  const clientSecret = env[options.clientSecretEnv] || undefined;

  let credentialsOnce: Promise<Part<SmapiCredentials>> | undefined;
  const credentials = () =>
    (credentialsOnce ??= (async (): Promise<Part<SmapiCredentials>> => {
      try {
        const creds = await loadCredentials({ env, profile: options.profile, ...(deps.homeDir ? { homeDir: deps.homeDir } : {}), now: now() });
        for (const s of creds.secrets) deps.addSecret?.(s);
        // Said always (one line on stderr), as configure does: the ASK CLI refreshed an expired profile.
        for (const n of creds.notes ?? []) (deps.info ?? deps.debug)?.(n);
        return ok(creds);
      } catch (err) {
        if (err instanceof AlexaLinkError) return missing(`no SMAPI credentials: ${reasonOf(err)}`, err.hint);
        throw err;
      }
    })());
  let smapiOnce: Promise<Part<Smapi>> | undefined;
  const smapi = () =>
    (smapiOnce ??= (async (): Promise<Part<Smapi>> => {
      const creds = await credentials();
      if (!creds.ok) return creds;
      const client = await createSmapi(creds.value, {
        ...(deps.debug ? { trace: deps.debug } : {}),
        ...(deps.addSecret ? { onSecret: deps.addSecret } : {}),
        ...(deps.signal ? { signal: deps.signal } : {}),
        ...(deps.smapiTiming?.backoffBaseMs !== undefined ? { backoffBaseMs: deps.smapiTiming.backoffBaseMs } : {}),
        timeoutMs: options.timeoutMs,
      });
      return ok(client);
    })());
  let vendorOnce: Promise<string | undefined> | undefined;
  const vendor = () =>
    (vendorOnce ??= resolveVendorId({
      flag: options.vendorId,
      env,
      profile: options.profile,
      ...(deps.homeDir ? { homeDir: deps.homeDir } : {}),
      // Offline, SMAPI's vendor list is not asked.
      smapi: async () => {
        if (options.offline) return undefined;
        const s = await smapi();
        return s.ok ? s.value : undefined;
      },
      ...(deps.debug ? { debug: deps.debug } : {}),
    })
      .then((r) => r.vendorId)
      .catch(() => undefined));

  // No accountLinking.json: the configuration Alexa has is what the checks can judge.
  let linkingSource: DoctorContext['linkingSource'] = linking.ok ? { kind: 'file' } : { kind: 'none', fileMissing: linkingMissing, remoteAbsent: false };
  if (linkingMissing && project.ok) {
    const file = path.relative(project.value.root, project.value.linkingPath);
    const pull = `alexa-link configure --pull keeps the console's configuration in ${file}; alexa-link init --add writes a new one.`;
    if (options.offline) {
      linking = missing(`${file} is not in the project, and --offline does not read the configuration Alexa has (SMAPI).`, pull);
    } else if (!skillId.ok) {
      linking = missing(`${file} is not in the project, and without a skill ID the configuration Alexa has cannot be read (${skillId.reason}).`, `Pass --skill-id to read it through SMAPI; ${pull}`);
    } else {
      const client = await smapi();
      if (!client.ok) {
        linking = missing(`${file} is not in the project, and the configuration Alexa has cannot be read: ${client.reason}`, `${client.fix ? `${client.fix}\n` : ''}${pull}`);
      } else {
        try {
          const remote = await getAccountLinking(client.value, skillId.value, options.stage);
          if (remote.payload) {
            linking = ok(remote.payload);
            linkingSource = { kind: 'remote', stage: options.stage };
          } else {
            linking = missing(`${file} is not in the project, and the ${options.stage} stage of ${skillId.value} has no account linking configured either.`, `alexa-link init --add writes ${file}; alexa-link configure pushes it.`);
            linkingSource = { kind: 'none', fileMissing: true, remoteAbsent: true };
          }
        } catch (err) {
          linking = missing(`${file} is not in the project, and reading the configuration Alexa has failed: ${reasonOf(err)}`, err instanceof AlexaLinkError && err.hint ? err.hint : pull);
        }
      }
    }
  }
  const payload = linking.ok ? linking.value : undefined;
  // Also inside the Basic credential the token checks send (base64 of id:secret).
  if (clientSecret) deps.addSecret?.(clientSecret, payload?.clientId ? { basicUser: payload.clientId } : undefined);
  const rehearsal = loopbackUrl(payload?.authorizationUrl) || loopbackUrl(payload?.accessTokenUrl);

  return {
    options,
    deps,
    env,
    now,
    credentials,
    smapi,
    vendor,
    project,
    projectAbsent,
    linkingSource,
    manifest,
    linking,
    skillId,
    interactionModels,
    clientSecret,
    rehearsal,
    envelopePlan: { cwd: options.cwd, labels: [] },
    skillEnv: { ...(options.skillEnv ?? {}) },
    replayToken: { change: { kind: 'keep' }, mode: { kind: 'keep' }, why: '' },
    replays: [],
  };
}

/** The Lambda handler setting the project's layout states ("index.handler"), if any. */
export function lambdaHandlerSetting(ctx: DoctorContext): string | undefined {
  return ctx.project.ok ? ctx.project.value.lambda.handler : undefined;
}

/** The Lambda function's region as the project's layout states it (ask-resources.json awsRegion, SAM, Serverless…), if any. */
export function lambdaRegion(ctx: DoctorContext): string | undefined {
  const v = ctx.project.ok ? ctx.project.value.lambda.region?.trim() : undefined;
  return v && /^[a-z]{2}(?:-[a-z]+)+-\d$/.test(v) ? v : undefined;
}

/** The Lambda function's memory in MB as the project states it, if any (Lambda's range: 128 to 10,240). */
export function lambdaMemoryMb(ctx: DoctorContext): number | undefined {
  const n = ctx.project.ok ? ctx.project.value.lambda.memoryMB : undefined;
  return n !== undefined && Number.isInteger(n) && n >= 128 && n <= 10240 ? n : undefined;
}

/** The Lambda runtime the project names (nodejs18.x), if any. */
export function lambdaRuntime(ctx: DoctorContext): string | undefined {
  const v = ctx.project.ok ? ctx.project.value.lambda.runtime?.trim() : undefined;
  return v || undefined;
}

/** The manifest's APIs (manifest.apis keys: custom, smartHome…), for the skill kind of the built-in requests. */
export function manifestApis(ctx: DoctorContext): string[] {
  if (!ctx.manifest.ok) return [];
  const apis = ctx.manifest.value.manifest.apis;
  return typeof apis === 'object' && apis !== null && !Array.isArray(apis) ? Object.keys(apis) : [];
}

/** How to turn request verification off in the project's local server, when it is the scaffolded one. */
export async function verificationSwitch(ctx: DoctorContext): Promise<string | undefined> {
  if (!ctx.project.ok || !ctx.project.value.codeDir) return undefined;
  const codeDir = ctx.project.value.codeDir;
  for (const f of ['local-server.js', 'src/local-server.ts', 'local-server.ts']) {
    try {
      const text = await readTextFileBounded(path.join(codeDir, f), f, 2 * 1024 * 1024);
      if (text.includes('SKIP_VERIFICATION')) {
        const rel = path.relative(ctx.project.value.root, codeDir) || '.';
        return `restart the skill's local server with verification off (SKIP_VERIFICATION=1 npm start, or npm start -- --no-verify, in ${rel}/)`;
      }
    } catch {
      /* not this one */
    }
  }
  return undefined;
}
