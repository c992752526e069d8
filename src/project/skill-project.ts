import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { describeError, InputError } from '../errors.js';
import { parseAccountLinkingDocument, type AccountLinkingPayload } from '../linking/config.js';
import { getPath, isObject, readJsonFile } from './json-file.js';
import { RESOURCES_FILE, STATES_FILE } from './layouts/ask-cli-v2.js';
import { currentOwner, findProject, foreignPart, layoutOf, PLAIN_LAYOUT, type WalkOwner } from './layouts/index.js';
import { LINKING_FILE, relPath, type SkillIdInfo, type SkillProject } from './layouts/types.js';
import { STATE_DIR } from './user-files.js';

/**
 * The user's skill project, whatever its layout (src/project/layouts/): ASK CLI v2 (and
 * Alexa-hosted), ASK CLI v1, AWS SAM, the Serverless Framework, or a plain folder of code. Commands
 * and checks read the project through this module only.
 */
export { RESOURCES_FILE, STATES_FILE, LINKING_FILE, STATE_DIR };
export { parseAskResources, parseAskStates } from './layouts/ask-cli-v2.js';
export type { LambdaSettings, LayoutId, SkillIdInfo, SkillProject } from './layouts/types.js';

/**
 * The skill types (manifest.apis keys) alexa-link checks: custom skills, smart home skills and
 * video skills. A manifest may name several; other types (householdList, music, flashBriefing…)
 * are reported as not checked.
 */
export const CHECKED_SKILL_TYPES = ['custom', 'smartHome', 'video'] as const;
export type CheckedSkillType = (typeof CHECKED_SKILL_TYPES)[number];

export function isCheckedSkillType(t: string): t is CheckedSkillType {
  return (CHECKED_SKILL_TYPES as readonly string[]).includes(t);
}

export interface SkillEndpoint {
  /** The skill type whose endpoint this is (manifest.apis.<api>). */
  api: CheckedSkillType;
  /** 'default' for manifest.apis.<api>.endpoint, else the region key (NA, EU, FE). */
  region: string;
  uri: string;
  sslCertificateType?: string;
  /** JSON path in skill.json, for messages. */
  field: string;
}

export interface LoadProjectOptions {
  /** Whose folders the walk up may enter (default: the current user's). */
  owner?: WalkOwner;
}

/**
 * Finds the project from `cwd` (walking up, see findProject) and locates its parts for a profile.
 * Not found → InputError E_NO_PROJECT saying what was looked for, and where the walk stopped.
 */
export async function loadProject(cwd: string, profile = 'default', opts: LoadProjectOptions = {}): Promise<SkillProject> {
  const owner = opts.owner ?? currentOwner();
  const found = await findProject(cwd, owner);
  const start = path.resolve(cwd);
  let stopped = found.stoppedAt
    ? ` Stopped looking at ${found.stoppedAt.dir}: it belongs to another user (uid ${found.stoppedAt.uid}), and a project found there could run its code as you (as git's safe.directory, alexa-link only walks up through your own folders).`
    : '';
  let stoppedAt = found.stoppedAt?.dir;
  if (found.root !== undefined) {
    const project = await found.layout.load(found.root, profile);
    const foreign = await foreignPart(project, owner);
    if (!foreign) return project;
    const whose = `${relPath(project.root, foreign.path)} belongs to another user (uid ${foreign.uid})`;
    // The folder the user named is theirs to choose: used, and said whose it is.
    if (found.root === start) {
      project.notes.push(`${whose}: its code runs as you.`);
      return project;
    }
    stopped = ` Did not use the ${project.layoutName} at ${project.root}: ${whose}, and its code would run as you (alexa-link only uses a project found above the current folder when its files are yours; pass --cwd ${project.root} to use it anyway).`;
    stoppedAt = foreign.path;
  }
  if (await PLAIN_LAYOUT.detect(start)) {
    const project = await PLAIN_LAYOUT.load(start, profile);
    if (stoppedAt) project.walkStoppedAt = stoppedAt;
    const foreign = await foreignPart(project, owner);
    if (foreign) project.notes.push(`${relPath(project.root, foreign.path)} belongs to another user (uid ${foreign.uid}): its code runs as you.`);
    return project;
  }
  throw new InputError(
    `No skill project in ${cwd} or its parent folders: no ${RESOURCES_FILE} (ASK CLI v2), .ask/config or skill.json (ASK CLI v1), template.yaml (AWS SAM) or serverless.yml (Serverless Framework), and no skill code here (package.json "main", or an index.js exporting a handler).${stopped}`,
    {
      source: RESOURCES_FILE,
      code: 'E_NO_PROJECT',
      hint: 'Run it inside the skill project (or pass --cwd <project dir>); alexa-link init creates a new one, and alexa-link init --add adds account linking to an existing one.',
    },
  );
}

/** The skill ID for the profile as the layout records it, or why there is none. */
export async function readSkillIdInfo(project: SkillProject): Promise<SkillIdInfo> {
  return layoutOf(project.layout).readSkillId(project);
}

/** The skill ID for the profile, or undefined when the layout has none (not deployed from this checkout). */
export async function readSkillId(project: SkillProject): Promise<string | undefined> {
  return (await readSkillIdInfo(project)).skillId;
}

export interface SkillManifestInfo {
  manifest: Record<string, unknown>;
  /** The endpoints of every checked skill type, default first, then the regions. */
  endpoints: SkillEndpoint[];
  locales: string[];
  /** The skill types the manifest declares (the keys of manifest.apis), in manifest order. */
  skillTypes: string[];
}

/** Reads skill.json and extracts the endpoints, the locales and the skill types. */
export async function readManifest(project: SkillProject): Promise<SkillManifestInfo> {
  if (!project.manifestPath) {
    throw new InputError(`A ${project.layoutName} has no skill manifest (skill.json), so the endpoint and locales cannot be checked.`, { source: 'skill.json', code: 'E_NO_MANIFEST' });
  }
  const label = relPath(project.root, project.manifestPath);
  const doc = await readJsonFile(project.manifestPath, label);
  return parseManifest(doc, label, { legacy: project.layout === 'ask-cli-v1' });
}

/**
 * The skill types the project's manifest declares, or undefined when there is no manifest or it
 * cannot be read (then the type-specific linking rules are not applied; doctor reports the manifest).
 */
export async function readSkillTypes(project: SkillProject): Promise<string[] | undefined> {
  try {
    return (await readManifest(project)).skillTypes;
  } catch {
    return undefined;
  }
}

export function parseManifest(doc: unknown, label: string, opts: { legacy?: boolean } = {}): SkillManifestInfo {
  // ASK CLI v1 projects from before 2018 wrap it as {"skillManifest": …}.
  const inner = isObject(doc) ? (doc.manifest ?? (opts.legacy ? doc.skillManifest : undefined)) : undefined;
  if (!isObject(doc) || !isObject(inner)) {
    throw new InputError(`${label}: expected {"manifest": {…}}.`, { source: label });
  }
  const manifest = inner;
  const apis = manifest.apis;
  if (apis !== undefined && !isObject(apis)) throw new InputError(`${label}: manifest.apis must be an object.`, { source: label });
  const skillTypes = isObject(apis) ? Object.keys(apis) : [];
  const endpoints: SkillEndpoint[] = [];
  const readEndpoint = (api: CheckedSkillType, value: unknown, region: string, field: string) => {
    if (value === undefined) return;
    // ASK CLI v1 before a deploy: {"sourceDir": "lambda/custom"} names the code, not an endpoint yet
    // (Amazon's smart home samples do the same).
    if (isObject(value) && value.uri === undefined && typeof value.sourceDir === 'string') return;
    if (!isObject(value) || typeof value.uri !== 'string') {
      throw new InputError(`${label}: ${field}.uri must be a string (${api === 'custom' ? 'a Lambda ARN or an HTTPS URL' : 'a Lambda ARN'}).`, { source: label });
    }
    const ep: SkillEndpoint = { api, region, uri: value.uri, field };
    if (typeof value.sslCertificateType === 'string') ep.sslCertificateType = value.sslCertificateType;
    endpoints.push(ep);
  };
  for (const api of CHECKED_SKILL_TYPES) {
    const section = isObject(apis) ? apis[api] : undefined;
    if (section === undefined) continue;
    if (!isObject(section)) throw new InputError(`${label}: manifest.apis.${api} must be an object.`, { source: label });
    readEndpoint(api, section.endpoint, 'default', `manifest.apis.${api}.endpoint`);
    if (section.regions !== undefined) {
      if (!isObject(section.regions)) throw new InputError(`${label}: manifest.apis.${api}.regions must be an object.`, { source: label });
      for (const [region, r] of Object.entries(section.regions)) {
        readEndpoint(api, isObject(r) ? r.endpoint : r, region, `manifest.apis.${api}.regions.${region}.endpoint`);
      }
    }
  }
  const localesObj = getPath(manifest, ['publishingInformation', 'locales']);
  const locales = isObject(localesObj) ? Object.keys(localesObj) : [];
  return { manifest, endpoints, locales, skillTypes };
}

/** Reads and shape-checks accountLinking.json. */
export async function readLinkingFile(file: string, label = LINKING_FILE): Promise<AccountLinkingPayload> {
  const doc = await readJsonFile(file, label);
  return parseAccountLinkingDocument(doc, label);
}

export function stateDir(project: SkillProject): string {
  return path.join(project.root, STATE_DIR);
}

export interface InteractionModelFile {
  locale: string;
  /** Relative to the project root. */
  label: string;
  model?: unknown;
  /** Why it could not be read. */
  error?: string;
}

/** Reads the interaction models (<locale>.json in the layout's models folder); a broken one carries its error. */
export async function readInteractionModels(project: SkillProject): Promise<InteractionModelFile[]> {
  const dir = project.modelsDir;
  if (!dir) return [];
  let names: string[];
  try {
    names = (await readdir(dir)).filter((n) => n.endsWith('.json')).sort();
  } catch {
    return [];
  }
  const out: InteractionModelFile[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    const label = relPath(project.root, file);
    const locale = name.replace(/\.json$/, '');
    try {
      out.push({ locale, label, model: await readJsonFile(file, label) });
    } catch (err) {
      out.push({ locale, label, error: describeError(err).replace(/\s+$/, '') });
    }
  }
  return out;
}
