import { durationHelp, parseDuration } from '../ui/duration.js';
import path from 'node:path';
import type { Command } from 'commander';
import type { CommandModule } from '../context.js';
import { AlexaLinkError, InputError, UsageError } from '../errors.js';
import { toDocument, type AccountLinkingPayload } from '../linking/config.js';
import { diffLinking, notReadBack, renderDiff, verifyPushed, type FieldChange } from '../linking/diff.js';
import { compareWriteOnly, makePushRecord, unknownAbsentWriteOnly, type PushRecord } from '../linking/write-only.js';
import { alexaRedirectUrls, assertVendorId } from '../linking/redirect-urls.js';
import { resolveVendorId } from '../smapi/vendor.js';
import { checkLinkingConfig, type Finding } from '../linking/rules.js';
import { LINKING_FILE, loadProject, readLinkingFile, readSkillId, readSkillIdInfo, readSkillTypes, type SkillProject } from '../project/skill-project.js';
import { removeOwnFile, STATE_DIR, writeUserFile } from '../project/user-files.js';
import { getAccountLinking, putAccountLinking, type Stage } from '../smapi/account-linking.js';
import { createSmapi, type Smapi, type SmapiClientOptions } from '../smapi/client.js';
import { SmapiError } from '../smapi/errors.js';
import { PUSH_RECORD_FILE, readPushRecord, writePushRecord } from '../smapi/push-record.js';
import { loadCredentials, resolveProfile, type SmapiCredentials } from '../smapi/credentials.js';
import type { Output } from '../ui/output.js';
import { createPrompter, isInteractive, secretQuestion, type Prompter } from '../ui/prompt.js';
import { isSkillId } from '../project/skill-id.js';
import { completes } from './completion-hints.js';

/**
 * `alexa-link configure`: pushes accountLinking.json to the skill through SMAPI, safely:
 * validate locally → skill ID → client secret → credentials → GET current + ETag → field-by-field
 * diff (write-only fields against the record of the last push, see linking/write-only.ts) →
 * (--dry-run stops) → confirm → backup of the remote → PUT with If-Match → GET and verify what the
 * GET can show → record the write-only values' hashes → the Alexa redirect URLs to allow at the
 * provider.
 */
export const DEFAULT_SECRET_ENV = 'ALEXA_LINK_CLIENT_SECRET';
export const DEFAULT_TIMEOUT_MS = 15_000;
export const BACKUPS_DIR = `${STATE_DIR}/backups`;
const STAGES: readonly Stage[] = ['development', 'certified', 'live'];

export interface ConfigureOptions {
  /** Where to look for the project (walks up to ask-resources.json). */
  cwd: string;
  skillId: string | undefined;
  stage: Stage;
  /** --profile as given (undefined: ASK_DEFAULT_PROFILE, else "default"). */
  profile: string | undefined;
  clientSecretEnv: string;
  vendorId: string | undefined;
  dryRun: boolean;
  yes: boolean;
  /** Push even when nothing differs (re-sends the client secret); with --pull, replace a different local file (after a backup). */
  force: boolean;
  /** --pull: write the remote configuration into accountLinking.json instead of pushing. */
  pull: boolean;
  /** --restore <file>: push this backup (written by an earlier configure) instead of accountLinking.json. */
  restore: string | undefined;
  /** Per SMAPI request. */
  timeoutMs: number;
}

export interface ConfigureDeps {
  out: Output;
  env: Record<string, string | undefined>;
  prompter: Prompter;
  signal?: AbortSignal | undefined;
  /** Home directory holding .ask/cli_config (default os.homedir()). */
  homeDir?: string | undefined;
  now?: () => Date;
  /** Builds the SMAPI client (default: ask-smapi-sdk with our ApiClient). */
  connect?: (credentials: SmapiCredentials, opts: SmapiClientOptions) => Promise<Smapi>;
}

export interface ConfigureResult {
  ok: boolean;
  skillId: string;
  stage: Stage;
  profile: string;
  /** Where the SMAPI credentials came from (never the credentials). */
  credentials: string;
  remoteExists: boolean;
  diff: FieldChange[];
  changed: boolean;
  dryRun: boolean;
  pushed: boolean;
  /** Project-relative path of the backup of the remote configuration, if one was written. */
  backup: string | null;
  /** true when every pushed field the GET can show read back the same; null when nothing was pushed. */
  verified: boolean | null;
  mismatches: FieldChange[];
  /** Fields that were sent but that SMAPI's GET never shows (their hashes are recorded instead). */
  notReadBack: string[];
  vendorId: string | null;
  redirectUrls: string[];
  warnings: Array<Pick<Finding, 'rule' | 'field' | 'message' | 'fix'>>;
}

export interface ConfigureOutcome {
  exitCode: 0 | 1;
  result: ConfigureResult;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function parseStage(value: string | undefined): Stage {
  const v = value ?? 'development';
  if (!(STAGES as readonly string[]).includes(v)) {
    throw new UsageError(`--stage must be one of ${STAGES.join(', ')} (case sensitive), not "${v}".`);
  }
  return v as Stage;
}

export function parseTimeout(value: string | undefined): number {
  if (value === undefined) return DEFAULT_TIMEOUT_MS;
  return parseDuration(value, { flag: '--timeout', minMs: 100, maxMs: 600_000 });
}

/** Flags → typed options; every bad value is a usage error naming its flag. */
export function parseConfigureOptions(opts: Record<string, unknown>, cwd: string): ConfigureOptions {
  const str = (k: string) => (typeof opts[k] === 'string' ? (opts[k] as string) : undefined);
  const skillId = str('skillId')?.trim();
  if (skillId !== undefined && !isSkillId(skillId)) {
    throw new UsageError(`--skill-id "${skillId}" is not a skill ID like amzn1.ask.skill.12345678-1234-1234-1234-123456789012.`);
  }
  const clientSecretEnv = str('clientSecretEnv') ?? DEFAULT_SECRET_ENV;
  if (!ENV_NAME.test(clientSecretEnv)) {
    throw new UsageError(`--client-secret-env takes the NAME of an environment variable (letters, digits, _), not "${clientSecretEnv}".`, {
      hint: `Put the secret in a variable and name it: export ${DEFAULT_SECRET_ENV}=…; alexa-link configure --client-secret-env ${DEFAULT_SECRET_ENV}`,
    });
  }
  const vendor = str('vendorId');
  const stage = parseStage(str('stage'));
  const dryRun = Boolean(opts.dryRun);
  const pull = Boolean(opts.pull);
  const restore = str('restore');
  if (pull && restore !== undefined) throw new UsageError('--pull and --restore go opposite ways (remote → file, backup → remote); pass only one.');
  if (restore !== undefined && restore.trim() === '') throw new UsageError('--restore needs the backup file to push, e.g. --restore .alexa-link/backups/<file>.json.');
  if (stage !== 'development' && !dryRun && !pull) {
    throw new UsageError(`SMAPI only accepts account-linking updates for the development stage; --stage ${stage} can only be read (add --dry-run to compare).`, {
      hint: 'Push to development, then submit the skill for certification: the configuration reaches live with the certified skill.',
    });
  }
  const profile = str('profile');
  if (profile !== undefined && profile.trim() === '') throw new UsageError('--profile needs a profile name.');
  return {
    cwd,
    skillId,
    stage,
    profile,
    clientSecretEnv,
    vendorId: vendor === undefined ? undefined : assertVendorId(vendor),
    dryRun,
    yes: Boolean(opts.yes),
    force: Boolean(opts.force),
    pull,
    restore,
    timeoutMs: parseTimeout(str('timeout')),
  };
}

function formatFindings(findings: Finding[]): string {
  return findings.map((f) => `  - ${f.field}: ${f.message}\n    fix: ${f.fix}`).join('\n');
}

/** Saves the remote configuration (which never contains the secret) before it is overwritten; returns the project-relative path. */
export async function writeBackup(projectRoot: string, skillId: string, stage: Stage, payload: AccountLinkingPayload, now: Date): Promise<string> {
  const stamp = now.toISOString().replace(/[:.]/g, '-');
  const rel = `${BACKUPS_DIR}/${skillId}-${stage}-${stamp}.json`;
  const { clientSecret: _never, ...withoutSecret } = payload;
  await writeUserFile(projectRoot, rel, JSON.stringify({ accountLinkingRequest: withoutSecret }, null, 2) + '\n', { kind: 'secret', existing: 'refuse' });
  return rel;
}

async function readLocal(linkingPath: string): Promise<AccountLinkingPayload> {
  try {
    return await readLinkingFile(linkingPath, LINKING_FILE);
  } catch (err) {
    if (err instanceof InputError && err.code === 'E_INPUT_MISSING') {
      throw new InputError(`${LINKING_FILE} not found at the project root; it holds the configuration to push.`, {
        source: LINKING_FILE,
        code: 'E_INPUT_MISSING',
        hint: 'Linking set up in the developer console? alexa-link configure --pull keeps it in the project. To start one: alexa-link init --add.',
      });
    }
    throw err;
  }
}

/** The skill and stage a backup's name says it was taken from (writeBackup's <skillId>-<stage>-<time>.json), if it follows that form. Pure. */
export function backupTarget(file: string): { skillId: string; stage: string } | undefined {
  const m = /^(.+)-(development|live|certification)-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z\.json$/.exec(path.basename(file));
  return m && isSkillId(m[1]!) ? { skillId: m[1]!, stage: m[2]! } : undefined;
}

/**
 * A backup of another skill or stage is not pushed by mistake: its name says where it came from,
 * and a mismatch is refused unless --force. A file that does not name one is taken as it is.
 */
export function checkRestoreTarget(label: string, skillId: string, stage: string, force: boolean): string | undefined {
  const from = backupTarget(label);
  if (!from) return `${label} does not name the skill it was taken from (backups are named <skillId>-<stage>-<time>.json); it is pushed to ${skillId} (${stage}) as it is.`;
  if (from.skillId === skillId && from.stage === stage) return undefined;
  const what = from.skillId !== skillId ? `skill ${from.skillId} (${from.stage})` : `the ${from.stage} stage`;
  if (force) return `${label} is a backup of ${what}; pushed to ${skillId} (${stage}) because of --force.`;
  throw new UsageError(`${label} is a backup of ${what}, but this push goes to ${skillId} (${stage}); nothing was sent.`, {
    code: 'E_RESTORE_MISMATCH',
    hint: `Restore a backup of this skill and stage (${BACKUPS_DIR}/${skillId}-${stage}-…json)${from.skillId !== skillId ? `, or pass --skill-id ${from.skillId} to restore it where it came from` : ''}; --force pushes it here anyway.`,
  });
}

/** A backup written by an earlier configure (or any wrapped configuration file), as the payload to push. */
async function readRestore(file: string, cwd: string): Promise<{ payload: AccountLinkingPayload; label: string }> {
  const abs = path.resolve(cwd, file);
  const label = path.relative(cwd, abs) || abs;
  const payload = await readLinkingFile(abs, label);
  if (payload.clientSecret !== undefined) {
    throw new InputError(`${label} holds a clientSecret; alexa-link never reads a secret from a file.`, {
      source: label,
      hint: 'Remove the clientSecret field; the secret comes from ALEXA_LINK_CLIENT_SECRET (or --client-secret-env) or a hidden prompt.',
    });
  }
  return { payload, label };
}

async function resolveClientSecret(payload: AccountLinkingPayload, options: ConfigureOptions, deps: ConfigureDeps): Promise<string | undefined> {
  const value = deps.env[options.clientSecretEnv];
  const needed = payload.type === 'AUTH_CODE';
  if (value !== undefined && value !== '') {
    if (value.trim() !== value) {
      throw new InputError(`${options.clientSecretEnv} starts or ends with white space; a pasted client secret never does.`, { source: options.clientSecretEnv, hint: `Set ${options.clientSecretEnv} again without the spaces or line break.` });
    }
    if (!needed) {
      deps.out.warn(`${options.clientSecretEnv} is set, but type is ${payload.type ?? 'missing'}: only AUTH_CODE sends a client secret, so it is not sent.`);
      return undefined;
    }
    return value;
  }
  if (!needed || options.dryRun) return undefined;
  if (deps.prompter.interactive) {
    const answer = await deps.prompter.password({ message: secretQuestion(payload.clientId ?? '?', options.clientSecretEnv), flag: '--client-secret-env' });
    if (answer.trim() === '') throw new UsageError('An AUTH_CODE configuration needs the client secret; none was entered.', { hint: `Set ${options.clientSecretEnv} or enter it when asked.` });
    return answer.trim();
  }
  throw new UsageError(`AUTH_CODE needs the client secret, and ${options.clientSecretEnv} is not set.`, {
    code: 'E_MISSING_SECRET',
    hint: `Set ${options.clientSecretEnv} (or name another variable with --client-secret-env <VAR>), or run in a terminal to be asked. It is never written to a file.`,
  });
}

async function findVendorId(options: ConfigureOptions, deps: ConfigureDeps, smapi: Smapi): Promise<string | undefined> {
  const r = await resolveVendorId({ flag: options.vendorId, env: deps.env, profile: options.profile, homeDir: deps.homeDir, smapi: async () => smapi, debug: (l) => deps.out.debug(l) });
  if (r.vendorId) deps.out.debug(`vendor ID ${r.vendorId} from ${r.source}`);
  else if (r.note?.includes('vendors (')) deps.out.info(`${r.note[0]!.toUpperCase()}${r.note.slice(1)} and print the right redirect URLs.`);
  return r.vendorId;
}

/** SMAPI credentials (registered as secrets, warnings shown) and a connected client. */
async function connectSmapi(options: ConfigureOptions, deps: ConfigureDeps, now: () => Date): Promise<{ credentials: SmapiCredentials; smapi: Smapi }> {
  const { out } = deps;
  const credentials = await loadCredentials({ env: deps.env, profile: options.profile, ...(deps.homeDir ? { homeDir: deps.homeDir } : {}), now: now(), ...(deps.signal ? { signal: deps.signal } : {}) });
  for (const s of credentials.secrets) out.addSecret(s);
  for (const w of credentials.warnings) out.warn(w);
  for (const n of credentials.notes ?? []) out.info(n);
  out.info(out.errStyle.dim(`SMAPI credentials: ${credentials.description}`));
  // createSmapi loads ask-smapi-sdk / ask-smapi-model with import() on first use.
  const connect = deps.connect ?? createSmapi;
  const smapi = await connect(credentials, {
    timeoutMs: options.timeoutMs,
    trace: (line) => out.debug(line),
    onSecret: (v) => out.addSecret(v),
    signal: deps.signal,
  });
  return { credentials, smapi };
}

async function requireSkillId(options: ConfigureOptions, project: SkillProject, profile: string): Promise<string> {
  const skillId = options.skillId ?? (await readSkillId(project));
  if (skillId) return skillId;
  const info = await readSkillIdInfo(project);
  throw new UsageError(`No skill ID: ${info.missing ?? `none for profile "${profile}"`}.`, {
    code: 'E_NO_SKILL_ID',
    // The layout knows what helps (a fresh v2 clone: ask deploy would create a second skill; SAM: the template's SkillId).
    hint: info.fix ?? 'Pass --skill-id amzn1.ask.skill.…',
  });
}

export interface PullResult {
  ok: boolean;
  action: 'pull';
  skillId: string;
  stage: Stage;
  /** Project-relative path of the file. */
  file: string;
  /** Whether the file was (or, with --dry-run, would be) written. */
  written: boolean;
  dryRun: boolean;
  /** The file differed from the remote configuration (or did not exist). */
  changed: boolean;
  diff: FieldChange[];
  /** Project-relative copy of the file it replaced. */
  backup: string | null;
  /** What the file holds (never a secret). */
  accountLinkingRequest: AccountLinkingPayload;
}

/**
 * `configure --pull`: the configuration Alexa has (--stage) into accountLinking.json, wrapped, never
 * a secret. A different local file is only replaced with --force, after a copy of it is kept.
 */
export async function runPull(options: ConfigureOptions, deps: ConfigureDeps): Promise<{ exitCode: 0 | 1; result: PullResult }> {
  const { out } = deps;
  const now = deps.now ?? (() => new Date());
  const profile = resolveProfile(options.profile, deps.env);
  const project = await loadProject(options.cwd, profile);
  const file = path.relative(project.root, project.linkingPath) || LINKING_FILE;
  const skillId = await requireSkillId(options, project, profile);
  const { smapi } = await connectSmapi(options, deps, now);
  out.info(`Reading the account-linking configuration of ${skillId} (${options.stage})…`);
  const remote = await getAccountLinking(smapi, skillId, options.stage);
  if (!remote.payload) {
    throw new AlexaLinkError(`The ${options.stage} stage of ${skillId} has no account linking configured; there is nothing to pull, and nothing was written.`, {
      code: 'E_NOTHING_TO_PULL',
      hint: 'Create the configuration with alexa-link init --add, then push it with alexa-link configure.',
    });
  }
  const { clientSecret: _never, ...pulled } = remote.payload;
  let local: AccountLinkingPayload | undefined;
  let localBroken: string | undefined;
  try {
    local = await readLinkingFile(project.linkingPath, file);
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    if (err.code !== 'E_INPUT_MISSING') localBroken = err.message;
  }
  // Old file → what the remote says.
  const diff = diffLinking(pulled, local, { secret: 'omit' });
  for (const f of diff.fields) if (f.status === 'removed') f.note = `only in ${file}; dropped`;
  const exists = local !== undefined || localBroken !== undefined;
  const changed = localBroken !== undefined || local === undefined || diff.changed;
  const result: PullResult = { ok: true, action: 'pull', skillId, stage: options.stage, file, written: false, dryRun: options.dryRun, changed, diff: diff.fields, backup: null, accountLinkingRequest: pulled };
  const text = JSON.stringify(toDocument(pulled), null, 2) + '\n';

  if (!changed) {
    out.success(`${file} already holds the ${options.stage} configuration of ${skillId}; nothing was written.`);
    out.result(result);
    return { exitCode: 0, result };
  }
  if (exists) {
    out.print(`${file} → the ${options.stage} configuration of ${skillId}:`);
    if (localBroken) out.print(`  (${file} cannot be read: ${localBroken})`);
    else for (const line of renderDiff({ ...diff, fields: diff.fields.filter((f) => f.status !== 'unchanged') }, out.style)) out.print(`  ${line}`);
    if (!options.force) {
      throw new AlexaLinkError(`${file} differs from the ${options.stage} configuration of ${skillId}; it was left as it is.`, {
        code: 'E_LOCAL_DIFFERS',
        hint: `Pass --force to replace it (a copy is kept under .alexa-link/replaced/ first), or push it instead with alexa-link configure.`,
      });
    }
  }
  if (options.dryRun) {
    out.print(`Would write ${file}:`);
    for (const line of text.trimEnd().split('\n')) out.print(`  ${line}`, { preformatted: true });
    out.info('Dry run: nothing was written.');
    result.written = false;
    out.result(result);
    return { exitCode: 0, result };
  }
  const written = await writeUserFile(project.root, file, text, { kind: 'generated', existing: exists ? 'backup' : 'refuse', now: now() });
  result.written = true;
  if (written.backup) {
    result.backup = written.backup;
    out.info(`Kept a copy of the old ${file} in ${written.backup}`);
  }
  out.print(`Wrote ${file} (the ${options.stage} configuration of ${skillId}; SMAPI never returns the client secret, and it is never written):`);
  // The file's JSON as written: wrapping would make the lines useless to copy.
  for (const line of text.trimEnd().split('\n')) out.print(`  ${line}`, { preformatted: true });
  out.success(`${file} now holds the configuration Alexa uses; alexa-link configure pushes it back after you edit it.`);
  out.result(result);
  return { exitCode: 0, result };
}

export async function runConfigure(options: ConfigureOptions, deps: ConfigureDeps): Promise<ConfigureOutcome> {
  const { out } = deps;
  const now = deps.now ?? (() => new Date());
  const profile = resolveProfile(options.profile, deps.env);

  // 1. The project and its configuration (or the backup to restore), checked like doctor checks it.
  const project = await loadProject(options.cwd, profile);
  const restored = options.restore !== undefined ? await readRestore(options.restore, options.cwd) : undefined;
  const source = restored?.label ?? LINKING_FILE;
  const payload = restored ? restored.payload : await readLocal(project.linkingPath);
  const skillTypes = await readSkillTypes(project);
  const findings = checkLinkingConfig(payload, { fromFile: true, ...(skillTypes ? { skillTypes } : {}) });
  const errors = findings.filter((f) => f.severity === 'error');
  const warnings = findings.filter((f) => f.severity === 'warning');
  if (errors.length) {
    throw new InputError(`${source} is not ready to push (${errors.length} ${errors.length === 1 ? 'problem' : 'problems'}):\n${formatFindings(errors)}`, {
      source,
      code: 'E_LINKING_INVALID',
      hint: 'Nothing was sent to SMAPI. Fix the fields above and rerun.',
    });
  }
  for (const w of warnings) out.warn(`${w.field}: ${w.message} ${out.errStyle.dim(`(${w.fix})`)}`);

  // 2. Skill ID.
  const skillId = await requireSkillId(options, project, profile);
  if (restored) {
    const note = checkRestoreTarget(restored.label, skillId, options.stage, options.force);
    if (note) out.warn(note);
  }

  // 3. The client secret (never printed, never written).
  const secret = await resolveClientSecret(payload, options, deps);
  out.addSecret(secret);

  // 4. Credentials and the client.
  const { credentials, smapi } = await connectSmapi(options, deps, now);

  // 5. The remote configuration and the difference.
  out.info(`Reading the account-linking configuration of ${skillId} (${options.stage})…`);
  const remote = await getAccountLinking(smapi, skillId, options.stage);
  const toSend: AccountLinkingPayload = secret ? { ...payload, clientSecret: secret } : { ...payload };
  let record: PushRecord | undefined;
  try {
    record = await readPushRecord(project.root, skillId, options.stage);
  } catch (err) {
    out.warn(`${err instanceof Error ? err.message : String(err)} The write-only fields are sent again.`);
  }
  const writeOnly = await compareWriteOnly(toSend, { remote: remote.payload, remoteEtag: remote.etag, record, secretKnown: Boolean(secret) || payload.type !== 'AUTH_CODE' });
  const absentUnknown = unknownAbsentWriteOnly(toSend, { remote: remote.payload, remoteEtag: remote.etag, record });
  const diff = diffLinking(payload, remote.payload, { secret: secret ? 'provided' : 'absent', writeOnly, absentUnknown });
  const willPush = diff.changed || options.force;
  const secretRow = diff.fields.find((f) => f.field === 'clientSecret' && f.status === 'write-only');
  if (secretRow && secret && !willPush) secretRow.note = 'SMAPI never returns it; the same as at the last push (compared by hash); sent again only with --force';
  const result: ConfigureResult = {
    ok: true,
    skillId,
    stage: options.stage,
    profile,
    credentials: credentials.description,
    remoteExists: diff.remoteExists,
    diff: diff.fields,
    changed: diff.changed,
    dryRun: options.dryRun,
    pushed: false,
    backup: null,
    verified: null,
    mismatches: [],
    notReadBack: [],
    vendorId: null,
    redirectUrls: [],
    warnings: warnings.map(({ rule, field, message, fix }) => ({ rule, field, message, fix })),
  };
  out.print(`Account linking for ${skillId} (${options.stage}): remote → ${source}`);
  if (!diff.remoteExists) out.print(out.style.dim('  (nothing configured remotely yet: every field is new)'));
  for (const line of renderDiff(diff, out.style)) out.print(`  ${line}`);

  const finishWithRedirects = async (): Promise<void> => {
    const vendorId = await findVendorId(options, deps, smapi);
    result.vendorId = vendorId ?? null;
    if (!vendorId) {
      out.info('Allow the Alexa redirect URLs at your provider: https://pitangui.amazon.com/api/skill/link/<vendorId>, https://layla.amazon.com/…, https://alexa.amazon.co.jp/… (pass --vendor-id or set ASK_VENDOR_ID to print them).');
      return;
    }
    result.redirectUrls = alexaRedirectUrls(vendorId);
    out.print('');
    out.print(`Allow these redirect URLs at your provider (vendor ${vendorId}):`);
    for (const u of result.redirectUrls) out.print(`  ${u}`);
  };

  if (options.dryRun) {
    out.info(diff.changed ? 'Dry run: nothing was sent.' : 'Dry run: no changes; nothing was sent.');
    out.result(result);
    return { exitCode: 0, result };
  }
  if (!willPush) {
    const hashed = diff.fields.filter((f) => f.status === 'write-only' && f.writeOnly === 'unchanged').map((f) => f.field);
    out.success(`No changes: the ${options.stage} configuration already matches ${source}${hashed.length ? ` (${hashed.join(', ')}: the same as at the last push, compared by hash since SMAPI never returns ${hashed.length === 1 ? 'it' : 'them'})` : ''}.`);
    await finishWithRedirects();
    out.result(result);
    return { exitCode: 0, result };
  }

  // 6. Confirm.
  if (!options.yes) {
    if (!deps.prompter.interactive) {
      throw new UsageError('Pushing needs confirmation: pass --yes (stdin is not a terminal).', {
        code: 'E_CONFIRM',
        hint: 'Nothing was sent. Use --dry-run to only see the difference.',
      });
    }
    const go = await deps.prompter.confirm({ message: `Push this configuration to ${skillId} (${options.stage})?`, flag: '--yes', default: false });
    if (!go) {
      out.info('Cancelled; nothing was pushed.');
      result.ok = false;
      out.result(result);
      return { exitCode: 1, result };
    }
  }

  // 7. Backup, push, verify.
  const writeOnlyWhy = diff.fields.filter((f) => f.status === 'write-only' && f.writeOnly !== undefined && f.writeOnly !== 'unchanged');
  if (writeOnlyWhy.length && !diff.fields.some((f) => f.status === 'added' || f.status === 'changed' || f.status === 'removed')) {
    out.info(out.errStyle.dim(`Pushing because of fields SMAPI never returns: ${writeOnlyWhy.map((f) => `${f.field} (${f.writeOnly})`).join(', ')}.`));
  }
  let backupFile: string | undefined;
  if (remote.payload) {
    backupFile = await writeBackup(project.root, skillId, options.stage, remote.payload, now());
    result.backup = backupFile;
    out.info(`Backed up the remote configuration to ${result.backup}`);
  }
  out.info(`Pushing to ${skillId} (${options.stage})${remote.etag ? ' with If-Match' : ''}…`);
  let putEtag: string | undefined;
  try {
    putEtag = await putAccountLinking(smapi, skillId, options.stage, toSend, remote.etag);
  } catch (err) {
    // Refused outright (412: changed meanwhile; 400, 401, 403…): nothing was written remotely, so
    // this run leaves nothing behind either. A timeout or a 5xx may have been applied: the backup stays.
    if (backupFile && err instanceof SmapiError && err.status !== undefined && err.status >= 400 && err.status < 500) {
      await removeOwnFile(project.root, backupFile);
      out.info(`The push was refused, so nothing changed remotely; removed the backup ${result.backup} again.`);
    }
    throw err;
  }
  result.pushed = true;
  const after = await getAccountLinking(smapi, skillId, options.stage);
  const mismatches = verifyPushed(toSend, after.payload);
  result.mismatches = mismatches;
  result.verified = mismatches.length === 0;
  result.notReadBack = notReadBack(toSend, after.payload);
  try {
    await writePushRecord(project.root, await makePushRecord({ skillId, stage: options.stage, sent: toSend, remoteAfter: after.payload, etag: after.etag ?? putEtag, now: now() }));
  } catch (err) {
    out.warn(`Could not write ${PUSH_RECORD_FILE} (${err instanceof Error ? err.message : String(err)}): the next configure pushes the write-only fields again.`);
  }
  const sentHidden = result.notReadBack.length ? ` Sent, cannot be read back: ${result.notReadBack.join(', ')} (SMAPI's GET never returns ${result.notReadBack.length === 1 ? 'it' : 'them'}; a salted hash is kept in ${PUSH_RECORD_FILE} to tell a change next time).` : '';
  if (mismatches.length) {
    result.ok = false;
    out.error(`SMAPI accepted the push, but ${mismatches.length === 1 ? 'a field reads' : `${mismatches.length} fields read`} back differently:`);
    for (const m of mismatches) out.info(`  - ${m.field}: sent ${JSON.stringify(m.local)}, read ${m.remote === undefined ? 'nothing' : JSON.stringify(m.remote)}`);
    out.info('Check the skill in the developer console; rerun to see the difference.');
    if (sentHidden) out.info(sentHidden.trim());
  } else {
    out.success(`Pushed and verified: every field SMAPI's GET can show reads back as sent.${sentHidden}`);
  }
  await finishWithRedirects();
  out.result(result);
  return { exitCode: result.ok ? 0 : 1, result };
}

export const command: CommandModule = {
  define(cmd: Command) {
    cmd
      .option('--skill-id <id>', 'skill ID (default: .ask/ask-states.json for the profile)')
      .addOption(completes(cmd.createOption('--stage <stage>', 'skill stage: development (default); live and certified only with --dry-run or --pull'), { values: () => STAGES }))
      .option('--profile <name>', 'ASK CLI profile for ~/.ask/cli_config and the project (default: ASK_DEFAULT_PROFILE, else "default")')
      .option('--client-secret-env <VAR>', `environment variable holding the client secret (default: ${DEFAULT_SECRET_ENV})`)
      .option('--vendor-id <id>', 'vendor ID for the Alexa redirect URLs (default: ASK_VENDOR_ID, ~/.ask/cli_config, or your only vendor)')
      .option('--dry-run', 'show the difference and stop; nothing is sent')
      .option('-y, --yes', 'push without asking')
      .option('--force', 'push even when nothing differs (sends the client secret again); with --pull, replace a different accountLinking.json (a copy is kept)')
      .option('--pull', 'write the configuration Alexa has (--stage) into accountLinking.json instead of pushing; never a secret')
      .addOption(completes(cmd.createOption('--restore <backup>', 'push a backup written by an earlier configure (.alexa-link/backups/…) instead of accountLinking.json'), { path: 'file' }))
      .option('--timeout <duration>', `time limit per SMAPI request: ${durationHelp(DEFAULT_TIMEOUT_MS)}`)
      .addHelpText(
        'after',
        `\nCredentials: ASK_ACCESS_TOKEN, or ASK_REFRESH_TOKEN with ASK_LWA_CLIENT_ID and ASK_LWA_CLIENT_CONFIRMATION; otherwise the ASK CLI profile in ~/.ask/cli_config. ASK_SMAPI_SERVER_BASE_URL and ASK_LWA_TOKEN_HOST are honoured.\n\nExamples:\n  # see what would change, send nothing\n  $ alexa-link configure --dry-run\n  # push without asking; the secret from the environment\n  $ ${DEFAULT_SECRET_ENV}=… alexa-link configure --yes\n`,
      );
  },
  async run(ctx, _args, opts) {
    const options = parseConfigureOptions(opts, ctx.globals.cwd);
    const prompter = createPrompter(isInteractive({ stdinIsTTY: ctx.stdinIsTTY, yes: options.yes }), undefined, ctx.out.promptLook);
    if (options.pull) return (await runPull(options, { out: ctx.out, env: ctx.env, prompter, signal: ctx.signal })).exitCode;
    const { exitCode } = await runConfigure(options, { out: ctx.out, env: ctx.env, prompter, signal: ctx.signal });
    return exitCode;
  },
};
