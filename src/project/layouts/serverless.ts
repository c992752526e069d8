import { InputError } from '../../errors.js';
import { isObject } from '../json-file.js';
import { literalString, readYamlFile } from '../yaml-file.js';
import { findSkillPackage, firstFile } from './fs-probe.js';
import { baseProject, relPath, type LambdaSettings, type ProjectLayout, type SkillIdInfo, type SkillProject } from './types.js';
import { isSkillId } from '../skill-id.js';

/**
 * The Serverless Framework: serverless.yml (or .yaml) with provider.runtime / region / memorySize
 * and functions.<name>.handler ("path/file.export", relative to the service folder) and an
 * alexaSkill event carrying the skill ID. Values made of variables (${opt:region}) are not
 * guessed.
 */
export const SERVERLESS_FILES = ['serverless.yml', 'serverless.yaml'];

export interface ServerlessFunction {
  name: string;
  handler?: string;
  runtime?: string;
  memoryMB?: number;
  skillId?: string;
  alexa: boolean;
}

/** The service settings and functions of a parsed serverless.yml. Pure. */
export function parseServerlessConfig(doc: unknown, label: string): { functions: ServerlessFunction[]; region?: string } {
  if (!isObject(doc)) throw new InputError(`${label}: expected a YAML mapping with "functions".`, { source: label });
  const provider = isObject(doc.provider) ? doc.provider : {};
  const fns = doc.functions;
  if (fns !== undefined && !isObject(fns)) throw new InputError(`${label}: "functions" must be a mapping.`, { source: label });
  const functions: ServerlessFunction[] = [];
  for (const [name, f] of Object.entries(isObject(fns) ? fns : {})) {
    if (!isObject(f)) continue;
    const fn: ServerlessFunction = { name, alexa: false };
    const handler = literalString(f.handler);
    if (handler) fn.handler = handler;
    const runtime = literalString(f.runtime ?? provider.runtime);
    if (runtime) fn.runtime = runtime;
    const memory = f.memorySize ?? provider.memorySize;
    if (typeof memory === 'number') fn.memoryMB = memory;
    for (const ev of Array.isArray(f.events) ? f.events : []) {
      if (!isObject(ev) || ev.alexaSkill === undefined) continue;
      fn.alexa = true;
      const id = literalString(isObject(ev.alexaSkill) ? ev.alexaSkill.appId : ev.alexaSkill);
      if (id && isSkillId(id)) fn.skillId = id;
    }
    functions.push(fn);
  }
  const region = literalString(provider.region);
  return { functions, ...(region ? { region } : {}) };
}

async function readConfig(root: string) {
  const file = await firstFile(root, SERVERLESS_FILES);
  if (!file) throw new InputError(`No ${SERVERLESS_FILES.join(' or ')} in ${root}.`, { source: SERVERLESS_FILES[0]! });
  const label = relPath(root, file);
  return { file, label, ...parseServerlessConfig(await readYamlFile(file, label), label) };
}

function pick(functions: ServerlessFunction[]): ServerlessFunction | undefined {
  return functions.find((f) => f.alexa) ?? functions[0];
}

async function load(root: string, profile: string): Promise<SkillProject> {
  const c = await readConfig(root);
  const fn = pick(c.functions);
  const pkg = await findSkillPackage(root);
  const lambda: LambdaSettings = fn
    ? {
        ...(fn.handler ? { handler: fn.handler } : {}),
        ...(fn.runtime ? { runtime: fn.runtime } : {}),
        ...(c.region ? { region: c.region } : {}),
        ...(fn.memoryMB !== undefined ? { memoryMB: fn.memoryMB } : {}),
        from: `${c.label} functions.${fn.name}`,
      }
    : {};
  return baseProject(root, profile, {
    layout: 'serverless',
    layoutName: 'Serverless Framework project',
    configPath: c.file,
    ...pkg,
    // Handlers are relative to the service folder.
    ...(fn ? { codeDir: root, codeFrom: `${c.label} functions.${fn.name}.handler (relative to the service folder)` } : { codeMissing: `${c.label} defines no functions to take the handler from` }),
    lambda,
    deploy: 'serverless',
    notes: fn ? [] : [`${c.label} defines no functions: no code location from it.`],
  });
}

async function readSkillId(project: SkillProject): Promise<SkillIdInfo> {
  const c = await readConfig(project.root);
  const fn = pick(c.functions);
  if (fn?.skillId) return { skillId: fn.skillId, from: `${c.label} functions.${fn.name} alexaSkill event` };
  return { missing: `${c.label} names no skill ID (no alexaSkill event with a literal appId)`, fix: 'Pass --skill-id amzn1.ask.skill.…, or set the alexaSkill event\'s appId.' };
}

export const serverlessLayout: ProjectLayout = {
  id: 'serverless',
  detect: async (dir) => (await firstFile(dir, SERVERLESS_FILES)) !== undefined,
  load,
  readSkillId,
};
