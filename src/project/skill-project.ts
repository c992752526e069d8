import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { describeError, InputError } from '../errors.js';
import { parseAccountLinkingDocument, type AccountLinkingPayload } from '../linking/config.js';
import { getPath, isObject, readJsonFile } from './json-file.js';
import { RESOURCES_FILE, STATES_FILE } from './layouts/ask-cli-v2.js';
import { findProject, layoutOf, PLAIN_LAYOUT, type WalkOwner } from './layouts/index.js';
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

export interface SkillEndpoint {
  /** 'default' for manifest.apis.custom.endpoint, else the region key (NA, EU, FE). */
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
  const found = await findProject(cwd, opts.owner);
  if (found.root !== undefined) return found.layout.load(found.root, profile);
  const start = path.resolve(cwd);
  const stopped = found.stoppedAt
    ? ` Stopped looking at ${found.stoppedAt.dir}: it belongs to another user (uid ${found.stoppedAt.uid}), and a project found there could run its code as you (as git's safe.directory, alexa-link only walks up through your own folders).`
    : '';
  if (await PLAIN_LAYOUT.detect(start)) {
    const project = await PLAIN_LAYOUT.load(start, profile);
    if (found.stoppedAt) project.walkStoppedAt = found.stoppedAt.dir;
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
  endpoints: SkillEndpoint[];
  locales: string[];
}

/** Reads skill.json and extracts the custom endpoint(s) and the locales. */
export async function readManifest(project: SkillProject): Promise<SkillManifestInfo> {
  if (!project.manifestPath) {
    throw new InputError(`A ${project.layoutName} has no skill manifest (skill.json), so the endpoint and locales cannot be checked.`, { source: 'skill.json', code: 'E_NO_MANIFEST' });
  }
  const label = relPath(project.root, project.manifestPath);
  const doc = await readJsonFile(project.manifestPath, label);
  return parseManifest(doc, label, { legacy: project.layout === 'ask-cli-v1' });
}

export function parseManifest(doc: unknown, label: string, opts: { legacy?: boolean } = {}): SkillManifestInfo {
  // ASK CLI v1 projects from before 2018 wrap it as {"skillManifest": …}.
  const inner = isObject(doc) ? (doc.manifest ?? (opts.legacy ? doc.skillManifest : undefined)) : undefined;
  if (!isObject(doc) || !isObject(inner)) {
    throw new InputError(`${label}: expected {"manifest": {…}}.`, { source: label });
  }
  const manifest = inner;
  const custom = getPath(manifest, ['apis', 'custom']);
  if (custom !== undefined && !isObject(custom)) throw new InputError(`${label}: manifest.apis.custom must be an object.`, { source: label });
  const endpoints: SkillEndpoint[] = [];
  const readEndpoint = (value: unknown, region: string, field: string) => {
    if (value === undefined) return;
    // ASK CLI v1 before a deploy: {"sourceDir": "lambda/custom"} names the code, not an endpoint yet.
    if (opts.legacy && isObject(value) && value.uri === undefined && typeof value.sourceDir === 'string') return;
    if (!isObject(value) || typeof value.uri !== 'string') {
      throw new InputError(`${label}: ${field}.uri must be a string (a Lambda ARN or an HTTPS URL).`, { source: label });
    }
    const ep: SkillEndpoint = { region, uri: value.uri, field };
    if (typeof value.sslCertificateType === 'string') ep.sslCertificateType = value.sslCertificateType;
    endpoints.push(ep);
  };
  if (isObject(custom)) {
    readEndpoint(custom.endpoint, 'default', 'manifest.apis.custom.endpoint');
    if (custom.regions !== undefined) {
      if (!isObject(custom.regions)) throw new InputError(`${label}: manifest.apis.custom.regions must be an object.`, { source: label });
      for (const [region, r] of Object.entries(custom.regions)) {
        readEndpoint(isObject(r) ? r.endpoint : r, region, `manifest.apis.custom.regions.${region}.endpoint`);
      }
    }
  }
  const localesObj = getPath(manifest, ['publishingInformation', 'locales']);
  const locales = isObject(localesObj) ? Object.keys(localesObj) : [];
  return { manifest, endpoints, locales };
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
