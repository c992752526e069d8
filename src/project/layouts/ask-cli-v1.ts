import path from 'node:path';
import { InputError } from '../../errors.js';
import { getPath, isObject, readJsonFile } from '../json-file.js';
import { isDir, isFile } from './fs-probe.js';
import { baseProject, relPath, type LambdaSettings, type ProjectLayout, type SkillIdInfo, type SkillProject } from './types.js';
import { isSkillId } from '../skill-id.js';

/**
 * ASK CLI v1: .ask/config ({"deploy_settings": {"<profile>": {"skill_id", "resources": {"lambda":
 * [{"alexaUsage": ["custom/default"], "codeUri", "handler", "runtime", "arn", "awsRegion"}]}}}}),
 * skill.json at the root (its endpoint may be {"sourceDir": "lambda/custom"} until deployed),
 * models/<locale>.json, the code in lambda/custom or where the config names it. .ask/config may be
 * missing from a clone; skill.json with models/ still says v1.
 */
export const V1_CONFIG = path.join('.ask', 'config');

interface V1Profile {
  skillId: string | undefined;
  lambda: Array<{ usage: string[]; codeUri?: string; handler?: string; runtime?: string; region?: string; memory?: number; arn?: string; functionName?: string }>;
  hosted: boolean;
}

/** The parts of .ask/config alexa-link uses, for one profile. Pure. */
export function parseV1Config(doc: unknown, label: string, profile: string): V1Profile {
  if (!isObject(doc)) throw new InputError(`${label}: expected a JSON object with "deploy_settings".`, { source: label });
  const settings = doc.deploy_settings;
  if (settings !== undefined && !isObject(settings)) throw new InputError(`${label}: "deploy_settings" must be an object.`, { source: label });
  const hosted = getPath(doc, ['alexaHosted', 'isAlexaHostedSkill']) === true;
  const prof = isObject(settings) && Object.hasOwn(settings, profile) ? settings[profile] : undefined;
  if (prof === undefined) return { skillId: undefined, lambda: [], hosted };
  if (!isObject(prof)) throw new InputError(`${label}: deploy_settings.${profile} must be an object.`, { source: label });
  const id = prof.skill_id;
  if (id !== undefined && id !== '' && (typeof id !== 'string' || !isSkillId(id))) {
    throw new InputError(`${label}: deploy_settings.${profile}.skill_id must be a skill ID like "amzn1.ask.skill.…", found ${JSON.stringify(id)?.slice(0, 60)}.`, { source: label });
  }
  const list = getPath(prof, ['resources', 'lambda']);
  if (list !== undefined && !Array.isArray(list)) throw new InputError(`${label}: deploy_settings.${profile}.resources.lambda must be a list.`, { source: label });
  const lambda: V1Profile['lambda'] = [];
  for (const [i, l] of (Array.isArray(list) ? list : []).entries()) {
    if (!isObject(l)) throw new InputError(`${label}: deploy_settings.${profile}.resources.lambda[${i}] must be an object.`, { source: label });
    const s = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
    lambda.push({
      usage: Array.isArray(l.alexaUsage) ? l.alexaUsage.filter((u): u is string => typeof u === 'string') : [],
      ...(s(l.codeUri) ? { codeUri: s(l.codeUri)! } : {}),
      ...(s(l.handler) ? { handler: s(l.handler)! } : {}),
      ...(s(l.runtime) ? { runtime: s(l.runtime)! } : {}),
      ...(s(l.awsRegion) ? { region: s(l.awsRegion)! } : {}),
      ...(typeof l.memorySize === 'number' ? { memory: l.memorySize } : {}),
      ...(s(l.arn) ? { arn: s(l.arn)! } : {}),
      ...(s(l.functionName) ? { functionName: s(l.functionName)! } : {}),
    });
  }
  return { skillId: typeof id === 'string' && id ? id : undefined, lambda, hosted };
}

/** endpoint.sourceDir of a v1 skill.json ({"manifest": …} or the older {"skillManifest": …}), if any. */
async function sourceDirOf(manifestPath: string, label: string): Promise<{ dir: string; api: string } | undefined> {
  try {
    const doc = await readJsonFile(manifestPath, label);
    const m = isObject(doc) ? (doc.manifest ?? doc.skillManifest) : undefined;
    // A custom skill's, else a smart home or video skill's (Amazon's smart home samples use it too).
    for (const api of ['custom', 'smartHome', 'video']) {
      const dir = getPath(m, ['apis', api, 'endpoint', 'sourceDir']);
      if (typeof dir === 'string' && dir.trim()) return { dir: dir.trim(), api };
    }
    return undefined;
  } catch {
    // A broken skill.json is reported when the manifest is read.
    return undefined;
  }
}

async function load(root: string, profile: string): Promise<SkillProject> {
  const configPath = path.join(root, V1_CONFIG);
  const hasConfig = await isFile(configPath);
  // A broken .ask/config (seen in a public v1 sample: one brace too many) costs the skill ID and
  // the deploy settings, not the whole project: the manifest, models and code are still found.
  let cfg: V1Profile | undefined;
  let configProblem: string | undefined;
  if (hasConfig) {
    try {
      cfg = parseV1Config(await readJsonFile(configPath, relPath(root, configPath)), relPath(root, configPath), profile);
    } catch (err) {
      if (!(err instanceof InputError)) throw err;
      configProblem = err.message;
    }
  }
  const manifestPath = path.join(root, 'skill.json');
  const fn = cfg?.lambda.find((l) => l.usage.includes('custom/default')) ?? cfg?.lambda[0];
  let codeDir: string | undefined;
  let codeFrom: string | undefined;
  if (fn?.codeUri) {
    codeDir = path.resolve(root, fn.codeUri);
    codeFrom = `${relPath(root, configPath)} deploy_settings.${profile}.resources.lambda codeUri`;
  } else {
    const sourceDir = (await isFile(manifestPath)) ? await sourceDirOf(manifestPath, 'skill.json') : undefined;
    if (sourceDir) {
      codeDir = path.resolve(root, sourceDir.dir);
      codeFrom = `skill.json manifest.apis.${sourceDir.api}.endpoint.sourceDir`;
    } else if (await isDir(path.join(root, 'lambda', 'custom'))) {
      codeDir = path.join(root, 'lambda', 'custom');
      codeFrom = 'the ASK CLI v1 default (lambda/custom)';
    }
  }
  const lambda: LambdaSettings = fn
    ? {
        ...(fn.handler ? { handler: fn.handler } : {}),
        ...(fn.runtime ? { runtime: fn.runtime } : {}),
        ...(fn.region ? { region: fn.region } : {}),
        ...(fn.memory !== undefined ? { memoryMB: fn.memory } : {}),
        from: `${relPath(root, configPath)} deploy_settings.${profile}.resources.lambda`,
      }
    : {};
  const lambdaFrom = `${relPath(root, configPath)} deploy_settings.${profile}.resources.lambda`;
  return baseProject(root, profile, {
    layout: 'ask-cli-v1',
    layoutName: cfg?.hosted ? 'Alexa-hosted skill (ASK CLI v1)' : 'ASK CLI v1 project',
    configPath: hasConfig ? configPath : manifestPath,
    manifestPath,
    modelsDir: path.join(root, 'models'),
    ...(codeDir
      ? { codeDir, codeFrom: codeFrom! }
      : { codeMissing: `the ASK CLI v1 project names no code folder (no codeUri in ${V1_CONFIG.split(path.sep).join('/')} deploy_settings.${profile}.resources.lambda, no endpoint.sourceDir in skill.json, no lambda/custom)` }),
    lambda,
    deploy: cfg?.hosted ? 'hosted' : 'lambda',
    statesPath: hasConfig ? configPath : undefined,
    // skill.json's endpoint.uri may name the function ("ask-custom-<name>-default"); ask deploy
    // creates it and records its ARN here.
    namedFunctions: {
      tool: 'ASK CLI v1',
      deployCommand: 'ask deploy (ASK CLI v1)',
      from: lambdaFrom,
      deployed: (cfg?.lambda ?? []).filter((l) => l.arn).map((l) => ({ arn: l.arn!, usage: l.usage, ...(l.functionName ? { name: l.functionName } : {}) })),
      ...(!hasConfig
        ? { stateMissing: `${V1_CONFIG.split(path.sep).join('/')} is missing (not deployed from this checkout)` }
        : configProblem
          ? { stateMissing: `${V1_CONFIG.split(path.sep).join('/')} cannot be read` }
          : {}),
    },
    notes: [
      'ASK CLI v1 layout: `ask util upgrade-project` (ASK CLI v2) converts it; alexa-link reads it as it is.',
      ...(hasConfig ? [] : [`${V1_CONFIG.split(path.sep).join('/')} is missing (it is often git-ignored): no skill ID or deploy settings from it.`]),
      ...(configProblem ? [`${configProblem.replace(/\.$/, '')}: no skill ID or deploy settings from it (the ASK CLI cannot read it either; fix it before ask deploy).`] : []),
    ],
  });
}

async function readSkillId(project: SkillProject): Promise<SkillIdInfo> {
  const configPath = path.join(project.root, V1_CONFIG);
  const label = relPath(project.root, configPath);
  if (!(await isFile(configPath))) {
    return {
      missing: `not deployed from this checkout (${label} is missing; the ASK CLI v1 writes the skill ID there on deploy)`,
      fix: 'Pass --skill-id amzn1.ask.skill.… (the developer console shows it).',
    };
  }
  const cfg = parseV1Config(await readJsonFile(configPath, label), label, project.profile);
  if (!cfg.skillId) {
    return { missing: `no skill ID for profile "${project.profile}" in ${label} (deploy_settings.${project.profile}.skill_id is empty: not deployed from this checkout)`, fix: 'Pass --skill-id amzn1.ask.skill.…' };
  }
  return { skillId: cfg.skillId, from: `${label} deploy_settings.${project.profile}.skill_id` };
}

/**
 * A v1 clone without .ask/config: skill.json at the root beside models/ or lambda/custom, or one
 * whose endpoint names its code folder (sourceDir), as Amazon's v1 smart home samples ship. This
 * heuristic is weaker than a SAM template or serverless.yml (their projects often keep skill.json
 * and models/ at the root too), so it is tried after them.
 */
async function looksLikeV1Clone(dir: string): Promise<boolean> {
  const manifest = path.join(dir, 'skill.json');
  if (!(await isFile(manifest))) return false;
  if ((await isDir(path.join(dir, 'models'))) || (await isDir(path.join(dir, 'lambda', 'custom')))) return true;
  return (await sourceDirOf(manifest, 'skill.json')) !== undefined;
}

/** An ASK CLI v1 project with its .ask/config: tried before SAM and Serverless. */
export const askCliV1: ProjectLayout = {
  id: 'ask-cli-v1',
  detect: (dir) => isFile(path.join(dir, V1_CONFIG)),
  load,
  readSkillId,
};

/** An ASK CLI v1 project without .ask/config (a clone): tried after SAM and Serverless. */
export const askCliV1Clone: ProjectLayout = { ...askCliV1, detect: looksLikeV1Clone };
