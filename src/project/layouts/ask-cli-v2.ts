import path from 'node:path';
import { InputError } from '../../errors.js';
import { getPath, isObject, readJsonFile } from '../json-file.js';
import { isFile } from './fs-probe.js';
import { baseProject, relPath, type ProjectLayout, type SkillIdInfo, type SkillProject } from './types.js';
import { isSkillId } from '../skill-id.js';

/**
 * ASK CLI v2: ask-resources.json at the root (profiles.<p>.skillMetadata.src, code.default.src,
 * skillInfrastructure), the skill ID in .ask/ask-states.json (usually git-ignored, so a fresh
 * clone has none), the skill package under skillMetadata.src. An Alexa-hosted skill is the same
 * files with skillInfrastructure.type "@ask-cli/hosted-skill-deployer": code in lambda/, deployed
 * by git push.
 */
export const RESOURCES_FILE = 'ask-resources.json';
export const STATES_FILE = path.join('.ask', 'ask-states.json');
export const HOSTED_DEPLOYER = '@ask-cli/hosted-skill-deployer';
const LAMBDA_DEPLOYERS = ['@ask-cli/lambda-deployer', '@ask-cli/cfn-deployer'];

export interface AskResourcesProfile {
  skillMetadataSrc: string | undefined;
  codeSrc: string | undefined;
  infrastructureType: string | undefined;
  userConfig: Record<string, unknown>;
}

/** The parts of ask-resources.json alexa-link uses, for one profile. Pure. */
export function parseAskResourcesProfile(doc: unknown, label: string, profile: string): AskResourcesProfile {
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
  if (src !== undefined && (typeof src !== 'string' || src === '')) {
    throw new InputError(`${label}: profiles.${profile}.skillMetadata.src must name the skill package folder (e.g. "./skill-package").`, { source: label });
  }
  const code = getPath(prof, ['code', 'default', 'src']);
  if (code !== undefined && (typeof code !== 'string' || code === '')) {
    throw new InputError(`${label}: profiles.${profile}.code.default.src must be a path string.`, { source: label });
  }
  const type = getPath(prof, ['skillInfrastructure', 'type']);
  const userConfig = getPath(prof, ['skillInfrastructure', 'userConfig']);
  return {
    skillMetadataSrc: src as string | undefined,
    codeSrc: code as string | undefined,
    infrastructureType: typeof type === 'string' ? type : undefined,
    userConfig: isObject(userConfig) ? userConfig : {},
  };
}

/** The parts of ask-resources.json for one profile, as before layouts: skillMetadata.src is required. Pure. */
export function parseAskResources(doc: unknown, label: string, profile: string): { skillMetadataSrc: string; codeSrc: string | undefined } {
  const p = parseAskResourcesProfile(doc, label, profile);
  if (p.skillMetadataSrc === undefined) {
    throw new InputError(`${label}: profiles.${profile}.skillMetadata.src is missing; it names the skill package folder (e.g. "./skill-package").`, { source: label });
  }
  return { skillMetadataSrc: p.skillMetadataSrc, codeSrc: p.codeSrc };
}

/** The skill ID for a profile from the parsed .ask/ask-states.json, or undefined. Pure. */
export function parseAskStates(doc: unknown, label: string, profile: string): string | undefined {
  if (!isObject(doc)) throw new InputError(`${label}: expected a JSON object.`, { source: label });
  const profiles = doc.profiles;
  if (profiles !== undefined && !isObject(profiles)) throw new InputError(`${label}: "profiles" must be an object.`, { source: label });
  const entry = isObject(profiles) && Object.hasOwn(profiles, profile) ? profiles[profile] : undefined;
  if (entry !== undefined && !isObject(entry)) throw new InputError(`${label}: profiles.${profile} must be an object.`, { source: label });
  const id = isObject(entry) ? entry.skillId : undefined;
  if (id === undefined || id === '') return undefined;
  if (typeof id !== 'string' || !isSkillId(id)) {
    throw new InputError(`${label}: profiles.${profile}.skillId must be a skill ID like "amzn1.ask.skill.…", found ${JSON.stringify(id)?.slice(0, 60)}.`, { source: label });
  }
  return id;
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.trim() ? v.trim() : undefined;
}

async function load(root: string, profile: string): Promise<SkillProject> {
  const resourcesPath = path.join(root, RESOURCES_FILE);
  const p = parseAskResourcesProfile(await readJsonFile(resourcesPath, RESOURCES_FILE), RESOURCES_FILE, profile);
  const hosted = p.infrastructureType === HOSTED_DEPLOYER;
  // Alexa-hosted projects may leave out the folders: the hosting template keeps them at these places.
  const src = p.skillMetadataSrc ?? (hosted ? './skill-package' : undefined);
  if (src === undefined) {
    throw new InputError(`${RESOURCES_FILE}: profiles.${profile}.skillMetadata.src is missing; it names the skill package folder (e.g. "./skill-package").`, { source: RESOURCES_FILE });
  }
  const codeSrc = p.codeSrc ?? (hosted ? './lambda' : undefined);
  const skillPackageDir = path.resolve(root, src);
  const uc = p.userConfig;
  const memory = typeof uc.memorySize === 'number' ? uc.memorySize : undefined;
  // The Alexa-hosted templates: Node.js (lambda/index.js, export handler) or Python
  // (lambda/lambda_function.py, lambda_handler).
  const hostedPython = hosted && codeSrc !== undefined && !(await isFile(path.resolve(root, codeSrc, 'index.js'))) && (await isFile(path.resolve(root, codeSrc, 'lambda_function.py')));
  const hostedHandler = hostedPython ? 'lambda_function.lambda_handler' : 'index.handler';
  const lambda = {
    ...(str(uc.handler) ? { handler: str(uc.handler)! } : hosted ? { handler: hostedHandler } : {}),
    ...(!str(uc.runtime) && hostedPython ? { runtime: 'python3' } : {}),
    ...(str(uc.runtime) ? { runtime: str(uc.runtime)! } : {}),
    ...(str(uc.awsRegion) ? { region: str(uc.awsRegion)! } : {}),
    ...(memory !== undefined ? { memoryMB: memory } : {}),
    ...(str(uc.handler) || str(uc.runtime) || str(uc.awsRegion) || memory !== undefined
      ? { from: `${RESOURCES_FILE} profiles.${profile}.skillInfrastructure.userConfig` }
      : hosted
        ? { from: hostedPython ? 'the Alexa-hosted Python template (lambda/lambda_function.py, lambda_handler)' : 'the Alexa-hosted template (lambda/index.js, export handler)' }
        : {}),
  };
  const deploy = hosted ? 'hosted' : p.infrastructureType && LAMBDA_DEPLOYERS.includes(p.infrastructureType) ? 'lambda' : p.infrastructureType ? 'unknown' : 'self-hosted';
  return baseProject(root, profile, {
    layout: hosted ? 'ask-cli-v2-hosted' : 'ask-cli-v2',
    layoutName: hosted ? 'Alexa-hosted skill (ASK CLI v2)' : 'ASK CLI v2 project',
    configPath: resourcesPath,
    resourcesPath,
    skillPackageDir,
    manifestPath: path.join(skillPackageDir, 'skill.json'),
    modelsDir: path.join(skillPackageDir, 'interactionModels', 'custom'),
    ...(codeSrc !== undefined
      ? { codeDir: path.resolve(root, codeSrc), codeFrom: p.codeSrc !== undefined ? `${RESOURCES_FILE} profiles.${profile}.code.default.src` : 'the Alexa-hosted template' }
      : { codeMissing: `${RESOURCES_FILE} names no code folder (profiles.${profile}.code.default.src)` }),
    lambda,
    deploy,
    statesPath: path.join(root, STATES_FILE),
    notes: hosted ? ['Alexa hosts the code: git push deploys it (ask deploy only works for the skill package); the endpoint is managed by Amazon.'] : [],
  });
}

async function readSkillId(project: SkillProject): Promise<SkillIdInfo> {
  const statesPath = project.statesPath ?? path.join(project.root, STATES_FILE);
  const label = relPath(project.root, statesPath);
  if (!(await isFile(statesPath))) {
    return {
      missing: `not deployed from this checkout (${label} is missing; the ASK CLI writes it on deploy and it is usually git-ignored, so a fresh clone has none)`,
      // ask deploy in a fresh clone would create a SECOND skill: the ID is what is missing, not a deploy.
      fix: `Pass --skill-id amzn1.ask.skill.… (the developer console shows it); in a fresh clone of a deployed skill, restore ${label} before ask deploy (else it creates a second skill).`,
    };
  }
  const id = parseAskStates(await readJsonFile(statesPath, label), label, project.profile);
  if (!id) {
    return {
      missing: `no skill ID for profile "${project.profile}" in ${label} (not deployed with this profile from this checkout)`,
      fix: `Pass --skill-id amzn1.ask.skill.… (the developer console shows it); ask deploy --profile ${project.profile} creates the skill only if it does not exist yet (otherwise it makes a second one).`,
    };
  }
  return { skillId: id, from: `${label} profiles.${project.profile}.skillId` };
}

export const askCliV2: ProjectLayout = {
  id: 'ask-cli-v2',
  detect: (dir) => isFile(path.join(dir, RESOURCES_FILE)),
  load,
  readSkillId,
};
