import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { AlexaLinkError, describeError, InputError } from '../errors.js';
import type { AccountLinkingPayload } from '../linking/config.js';
import { isLoopbackHost } from '../linking/rules.js';
import type { HttpRequest, HttpResponse } from '../net/http.js';
import { getPath, isObject, readJsonFile } from '../project/json-file.js';
import { loadProject, readLinkingFile, readManifest, readSkillId, RESOURCES_FILE, type SkillManifestInfo, type SkillProject } from '../project/skill-project.js';
import type { TokenMode } from '../replay/envelopes.js';
import type { LoadedFile } from '../replay/sources.js';
import type { ReplayResult } from '../replay/runner.js';
import { createSmapi, type Smapi } from '../smapi/client.js';
import { loadCredentials, type SmapiCredentials } from '../smapi/credentials.js';
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
  /** ask-resources.json profile and ASK CLI profile. */
  profile: string | undefined;
  /** --skill-id (else .ask/ask-states.json). */
  skillId: string | undefined;
  target: TargetChoice;
  /** --envelopes paths (empty: the built-in envelopes). */
  envelopes: string[];
  token: TokenMode;
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
  /** Registers a value that must never be printed whole. */
  addSecret?: (value: string, opts?: SecretOptions) => void;
  /** Speeds up SMAPI retries and simulation polling in tests. */
  smapiTiming?: { backoffBaseMs?: number; pollBaseMs?: number; maxPolls?: number };
}

export interface InteractionModelFile {
  locale: string;
  /** Relative to the project root. */
  label: string;
  model?: unknown;
  /** Why it could not be read. */
  error?: string;
}

export interface DoctorContext {
  options: DoctorOptions;
  deps: DoctorDeps;
  env: NodeJS.ProcessEnv;
  now: () => Date;
  project: Part<SkillProject>;
  /** ask-resources.json as parsed (for the Lambda handler setting). */
  resources: Part<Record<string, unknown>>;
  manifest: Part<SkillManifestInfo>;
  linking: Part<AccountLinkingPayload>;
  skillId: Part<string>;
  interactionModels: Part<InteractionModelFile[]>;
  /** The client secret from the environment (never printed whole). */
  clientSecret: string | undefined;
  /** The provider's URLs are on a loopback host: a local rehearsal. */
  rehearsal: boolean;
  /** Validated --envelopes files (read before any check runs). */
  envelopeFiles: LoadedFile[];
  /** Filled by the replays check. */
  replays: ReplayResult[];
  /** What the replays went to, for the report. */
  replayTarget?: string;
  /** Set by session-tokens when it refreshed the saved token (replays with --token session use it). */
  freshAccessToken?: string;
  /** SMAPI credentials (environment or ~/.ask/cli_config), loaded on first use. */
  credentials(): Promise<Part<SmapiCredentials>>;
  /** A connected SMAPI client, created on first use. */
  smapi(): Promise<Part<Smapi>>;
  /** ASK_VENDOR_ID, else the SMAPI credentials' vendor. */
  vendor(): Promise<string | undefined>;
}

/** Looks up a context part by name for the runner's `needs`. */
export function contextPart(ctx: DoctorContext, name: string): Part<unknown> | undefined {
  switch (name) {
    case 'project':
      return ctx.project;
    case 'resources':
      return ctx.resources;
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

async function part<T>(load: () => Promise<T>, fix?: (err: unknown) => string | undefined): Promise<Part<T>> {
  try {
    return ok(await load());
  } catch (err) {
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

/** Reads the interaction models under skill-package/interactionModels/custom/<locale>.json. */
export async function readInteractionModels(project: SkillProject): Promise<InteractionModelFile[]> {
  const dir = path.join(project.skillPackageDir, 'interactionModels', 'custom');
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  } catch {
    return [];
  }
  const out: InteractionModelFile[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const label = path.relative(project.root, file);
    const locale = name.replace(/\.json$/, '');
    try {
      out.push({ locale, label, model: await readJsonFile(file, label) });
    } catch (err) {
      out.push({ locale, label, error: reasonOf(err) });
    }
  }
  return out;
}

/** Loads everything the checks need from the project; never throws for a broken project (checks report it). */
export async function buildDoctorContext(options: DoctorOptions, deps: DoctorDeps): Promise<DoctorContext> {
  const env = deps.env;
  const now = deps.now ?? (() => new Date());
  const project = await part(() => loadProject(options.cwd, options.profile ?? 'default'));
  const noProject = <T>(): Part<T> => (project.ok ? missing('') : missing(`no skill project (${project.reason})`));

  let resources: Part<Record<string, unknown>> = noProject();
  let manifest: Part<SkillManifestInfo> = noProject();
  let linking: Part<AccountLinkingPayload> = noProject();
  let skillId: Part<string> = options.skillId ? ok(options.skillId) : noProject();
  let interactionModels: Part<InteractionModelFile[]> = noProject();
  if (project.ok) {
    const p = project.value;
    resources = await part(async () => {
      const doc = await readJsonFile(p.resourcesPath, RESOURCES_FILE);
      return isObject(doc) ? doc : {};
    });
    manifest = await part(() => readManifest(p));
    linking = await part(() => readLinkingFile(p.linkingPath, path.relative(p.root, p.linkingPath)));
    if (!options.skillId) {
      const id = await part(() => readSkillId(p));
      skillId = !id.ok ? id : id.value ? ok(id.value) : missing('no skill ID yet (.ask/ask-states.json has none: the skill was never deployed)', 'Deploy with ask deploy, or pass --skill-id amzn1.ask.skill.…');
    }
    interactionModels = ok(await readInteractionModels(p));
  }

  const clientSecret = env[options.clientSecretEnv] || undefined;
  const payload = linking.ok ? linking.value : undefined;
  // Also inside the Basic credential the token checks send (base64 of id:secret).
  if (clientSecret) deps.addSecret?.(clientSecret, payload?.clientId ? { basicUser: payload.clientId } : undefined);
  const rehearsal = loopbackUrl(payload?.authorizationUrl) || loopbackUrl(payload?.accessTokenUrl);

  let credentialsOnce: Promise<Part<SmapiCredentials>> | undefined;
  const credentials = () =>
    (credentialsOnce ??= (async (): Promise<Part<SmapiCredentials>> => {
      try {
        const creds = await loadCredentials({ env, profile: options.profile, ...(deps.homeDir ? { homeDir: deps.homeDir } : {}), now: now() });
        for (const s of creds.secrets) deps.addSecret?.(s);
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
  const vendor = async () => {
    const fromEnv = env.ASK_VENDOR_ID?.trim();
    if (fromEnv) return fromEnv;
    const creds = await credentials();
    return creds.ok ? creds.value.vendorId : undefined;
  };

  return {
    options,
    deps,
    env,
    now,
    credentials,
    smapi,
    vendor,
    project,
    resources,
    manifest,
    linking,
    skillId,
    interactionModels,
    clientSecret,
    rehearsal,
    envelopeFiles: [],
    replays: [],
  };
}

/** The Lambda handler setting for the profile ("index.handler"), if any. */
export function lambdaHandlerSetting(ctx: DoctorContext): string | undefined {
  if (!ctx.resources.ok || !ctx.project.ok) return undefined;
  const v = getPath(ctx.resources.value, ['profiles', ctx.project.value.profile, 'skillInfrastructure', 'userConfig', 'handler']);
  return typeof v === 'string' && v.trim() ? v.trim() : undefined;
}

/** How to turn request verification off in the project's local server, when it is the scaffolded one. */
export async function verificationSwitch(ctx: DoctorContext): Promise<string | undefined> {
  if (!ctx.project.ok || !ctx.project.value.codeDir) return undefined;
  const codeDir = ctx.project.value.codeDir;
  for (const f of ['local-server.js', 'src/local-server.ts', 'local-server.ts']) {
    try {
      const text = await readFile(path.join(codeDir, f), 'utf8');
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
