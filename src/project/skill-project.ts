import { access } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../errors.js';
import { parseAccountLinkingDocument, type AccountLinkingPayload } from '../linking/config.js';
import { getPath, isObject, readJsonFile } from './json-file.js';

/**
 * The user's skill project in the ASK CLI v2 layout: ask-resources.json at the root,
 * .ask/ask-states.json beside it, the skill package (skill.json) under skillMetadata.src, and our
 * accountLinking.json at the root.
 */
export const RESOURCES_FILE = 'ask-resources.json';
export const STATES_FILE = path.join('.ask', 'ask-states.json');
export const LINKING_FILE = 'accountLinking.json';
export const STATE_DIR = '.alexa-link';

export interface SkillEndpoint {
  /** 'default' for manifest.apis.custom.endpoint, else the region key (NA, EU, FE). */
  region: string;
  uri: string;
  sslCertificateType?: string;
  /** JSON path in skill.json, for messages. */
  field: string;
}

export interface SkillProject {
  root: string;
  profile: string;
  resourcesPath: string;
  /** Absolute skill package directory (skillMetadata.src). */
  skillPackageDir: string;
  manifestPath: string;
  /** Absolute code directory for the default region (code.default.src), if set. */
  codeDir: string | undefined;
  linkingPath: string;
  statesPath: string;
}

async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}

/** Walks up from `start` to the directory holding ask-resources.json. */
export async function findProjectRoot(start: string): Promise<string | undefined> {
  let dir = path.resolve(start);
  for (;;) {
    if (await exists(path.join(dir, RESOURCES_FILE))) return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/** Reads ask-resources.json and locates the project's parts for a profile. */
export async function loadProject(cwd: string, profile = 'default'): Promise<SkillProject> {
  const root = await findProjectRoot(cwd);
  if (!root) {
    throw new InputError(`No ${RESOURCES_FILE} in ${cwd} or any parent directory: this is not an ASK CLI v2 skill project.`, {
      source: RESOURCES_FILE,
      code: 'E_NO_PROJECT',
      hint: 'Run alexa-link init to create one, or pass --cwd <project dir>.',
    });
  }
  const resourcesPath = path.join(root, RESOURCES_FILE);
  const { skillMetadataSrc: src, codeSrc: code } = parseAskResources(await readJsonFile(resourcesPath, RESOURCES_FILE), RESOURCES_FILE, profile);
  const skillPackageDir = path.resolve(root, src);
  return {
    root,
    profile,
    resourcesPath,
    skillPackageDir,
    manifestPath: path.join(skillPackageDir, 'skill.json'),
    codeDir: code === undefined ? undefined : path.resolve(root, code),
    linkingPath: path.join(root, LINKING_FILE),
    statesPath: path.join(root, STATES_FILE),
  };
}

/** The parts of ask-resources.json alexa-link uses, for one profile. Pure. */
export function parseAskResources(doc: unknown, label: string, profile: string): { skillMetadataSrc: string; codeSrc: string | undefined } {
  if (!isObject(doc)) throw new InputError(`${label}: expected a JSON object.`, { source: label });
  const profiles = doc.profiles;
  if (!isObject(profiles)) {
    throw new InputError(`${label}: "profiles" is missing or not an object.`, { source: label, hint: 'Expected {"askcliResourcesVersion": "2020-03-31", "profiles": {"default": {…}}}.' });
  }
  const prof = Object.hasOwn(profiles, profile) ? profiles[profile] : undefined;
  if (!isObject(prof)) {
    const known = Object.keys(profiles);
    throw new InputError(`${label}: no profile "${profile}" (profiles: ${known.length ? known.join(', ') : 'none'}).`, {
      source: label,
      hint: known.length ? `Pass --profile ${known[0]}.` : 'Add a "default" profile.',
    });
  }
  const src = getPath(prof, ['skillMetadata', 'src']);
  if (typeof src !== 'string' || src === '') {
    throw new InputError(`${label}: profiles.${profile}.skillMetadata.src is missing; it names the skill package folder (e.g. "./skill-package").`, { source: label });
  }
  const code = getPath(prof, ['code', 'default', 'src']);
  if (code !== undefined && (typeof code !== 'string' || code === '')) {
    throw new InputError(`${label}: profiles.${profile}.code.default.src must be a path string.`, { source: label });
  }
  return { skillMetadataSrc: src, codeSrc: code };
}

/** The skill ID for a profile from the parsed .ask/ask-states.json, or undefined. Pure. */
export function parseAskStates(doc: unknown, label: string, profile: string): string | undefined {
  if (!isObject(doc)) throw new InputError(`${label}: expected a JSON object.`, { source: label });
  const profiles = doc.profiles;
  if (profiles !== undefined && !isObject(profiles)) throw new InputError(`${label}: "profiles" must be an object.`, { source: label });
  const entry = isObject(profiles) && Object.hasOwn(profiles, profile) ? profiles[profile] : undefined;
  if (entry !== undefined && !isObject(entry)) throw new InputError(`${label}: profiles.${profile} must be an object.`, { source: label });
  const id = isObject(entry) ? entry.skillId : undefined;
  if (id === undefined) return undefined;
  if (typeof id !== 'string' || !/^amzn1\.ask\.skill\.[A-Za-z0-9-]+$/.test(id)) {
    throw new InputError(`${label}: profiles.${profile}.skillId must be a skill ID like "amzn1.ask.skill.…", found ${JSON.stringify(id)?.slice(0, 60)}.`, { source: label });
  }
  return id;
}

function rel(project: SkillProject, p: string): string {
  return path.relative(project.root, p) || p;
}

/** The skill ID for the profile from .ask/ask-states.json, or undefined when not deployed yet. */
export async function readSkillId(project: SkillProject): Promise<string | undefined> {
  if (!(await exists(project.statesPath))) return undefined;
  const label = rel(project, project.statesPath);
  return parseAskStates(await readJsonFile(project.statesPath, label), label, project.profile);
}

export interface SkillManifestInfo {
  manifest: Record<string, unknown>;
  endpoints: SkillEndpoint[];
  locales: string[];
}

/** Reads skill.json and extracts the custom endpoint(s) and the locales. */
export async function readManifest(project: SkillProject): Promise<SkillManifestInfo> {
  const label = rel(project, project.manifestPath);
  const doc = await readJsonFile(project.manifestPath, label);
  return parseManifest(doc, label);
}

export function parseManifest(doc: unknown, label: string): SkillManifestInfo {
  if (!isObject(doc) || !isObject(doc.manifest)) {
    throw new InputError(`${label}: expected {"manifest": {…}}.`, { source: label });
  }
  const manifest = doc.manifest;
  const custom = getPath(manifest, ['apis', 'custom']);
  if (custom !== undefined && !isObject(custom)) throw new InputError(`${label}: manifest.apis.custom must be an object.`, { source: label });
  const endpoints: SkillEndpoint[] = [];
  const readEndpoint = (value: unknown, region: string, field: string) => {
    if (value === undefined) return;
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
