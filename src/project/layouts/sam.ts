import path from 'node:path';
import { InputError } from '../../errors.js';
import { isObject } from '../json-file.js';
import { literalString, readYamlFile } from '../yaml-file.js';
import { findSkillPackage, firstFile } from './fs-probe.js';
import { baseProject, relPath, type LambdaSettings, type ProjectLayout, type SkillIdInfo, type SkillProject } from './types.js';
import { readTextFileBounded } from '../json-file.js';
import { isSkillId } from '../skill-id.js';

/**
 * AWS SAM: template.yaml (or .yml) with an AWS::Serverless::Function, its CodeUri, Handler,
 * Runtime and MemorySize (or Globals.Function's), and the skill ID of its AlexaSkill event. The
 * skill package, when the repository has one, sits beside it (skill-package/ or skill.json).
 */
export const SAM_FILES = ['template.yaml', 'template.yml'];

export interface SamFunction {
  name: string;
  codeUri?: string;
  handler?: string;
  runtime?: string;
  memoryMB?: number;
  skillId?: string;
  /** The template parameter whose Default gave the skill ID (SkillId: !Ref SkillIdParam). */
  skillIdParam?: string;
  /** Has an AlexaSkill event (the function Alexa calls). */
  alexa: boolean;
}

/**
 * A skill ID written literally, or as `!Ref <Parameter>` whose parameter has a literal Default
 * (a deploy may override it; the default is what the template says). Pure.
 */
function skillIdValue(v: unknown, parameters: Record<string, unknown>): { id: string; param?: string } | undefined {
  const literal = literalString(v);
  if (literal !== undefined) return isSkillId(literal) ? { id: literal } : undefined;
  if (!isObject(v) || typeof v.Ref !== 'string' || !Object.hasOwn(parameters, v.Ref)) return undefined;
  const param = parameters[v.Ref];
  const def = isObject(param) ? literalString(param.Default) : undefined;
  return def !== undefined && isSkillId(def) ? { id: def, param: v.Ref } : undefined;
}

/** The functions of a parsed SAM template. Pure. */
export function parseSamTemplate(doc: unknown, label: string): { functions: SamFunction[]; permissionSkillId?: string; permissionSkillIdParam?: string } {
  if (!isObject(doc)) throw new InputError(`${label}: expected a YAML mapping with "Resources".`, { source: label });
  const parameters = isObject(doc.Parameters) ? doc.Parameters : {};
  const resources = doc.Resources;
  if (!isObject(resources)) throw new InputError(`${label}: "Resources" is missing or not a mapping.`, { source: label });
  const globals = isObject(doc.Globals) && isObject(doc.Globals.Function) ? doc.Globals.Function : {};
  const functions: SamFunction[] = [];
  let permissionSkillId: string | undefined;
  let permissionSkillIdParam: string | undefined;
  for (const [name, res] of Object.entries(resources)) {
    if (!isObject(res)) continue;
    const props = isObject(res.Properties) ? res.Properties : {};
    if (res.Type === 'AWS::Lambda::Permission' && props.Principal === 'alexa-appkit.amazon.com') {
      const token = skillIdValue(props.EventSourceToken, parameters);
      if (token) {
        permissionSkillId = token.id;
        permissionSkillIdParam = token.param;
      }
      continue;
    }
    if (res.Type !== 'AWS::Serverless::Function') continue;
    const fn: SamFunction = { name, alexa: false };
    const codeUri = literalString(props.CodeUri ?? globals.CodeUri);
    if (codeUri) fn.codeUri = codeUri;
    const handler = literalString(props.Handler ?? globals.Handler);
    if (handler) fn.handler = handler;
    const runtime = literalString(props.Runtime ?? globals.Runtime);
    if (runtime) fn.runtime = runtime;
    const memory = props.MemorySize ?? globals.MemorySize;
    if (typeof memory === 'number') fn.memoryMB = memory;
    for (const ev of isObject(props.Events) ? Object.values(props.Events) : []) {
      if (isObject(ev) && ev.Type === 'AlexaSkill') {
        fn.alexa = true;
        const id = skillIdValue(isObject(ev.Properties) ? ev.Properties.SkillId : undefined, parameters);
        if (id) {
          fn.skillId = id.id;
          if (id.param) fn.skillIdParam = id.param;
        }
      }
    }
    functions.push(fn);
  }
  return { functions, ...(permissionSkillId ? { permissionSkillId } : {}), ...(permissionSkillIdParam ? { permissionSkillIdParam } : {}) };
}

/** The function Alexa calls: the one with an AlexaSkill event, else the only one. */
export function pickSamFunction(functions: SamFunction[]): SamFunction | undefined {
  return functions.find((f) => f.alexa) ?? (functions.length === 1 ? functions[0] : functions[0]);
}

async function readTemplate(root: string) {
  const file = await firstFile(root, SAM_FILES);
  if (!file) throw new InputError(`No ${SAM_FILES.join(' or ')} in ${root}.`, { source: SAM_FILES[0]! });
  const label = relPath(root, file);
  return { file, label, ...parseSamTemplate(await readYamlFile(file, label), label) };
}

async function load(root: string, profile: string): Promise<SkillProject> {
  const t = await readTemplate(root);
  const fn = pickSamFunction(t.functions);
  const pkg = await findSkillPackage(root);
  const lambda: LambdaSettings = fn
    ? {
        ...(fn.handler ? { handler: fn.handler } : {}),
        ...(fn.runtime ? { runtime: fn.runtime } : {}),
        ...(fn.memoryMB !== undefined ? { memoryMB: fn.memoryMB } : {}),
        from: `${t.label} Resources.${fn.name}`,
      }
    : {};
  const notes: string[] = [];
  if (!fn) notes.push(`${t.label} has no AWS::Serverless::Function: no code location from it.`);
  else if (!fn.alexa && t.functions.length > 1) notes.push(`${t.label} has ${t.functions.length} functions and none with an AlexaSkill event; ${fn.name} was taken.`);
  return baseProject(root, profile, {
    layout: 'sam',
    layoutName: 'AWS SAM project',
    configPath: t.file,
    ...pkg,
    ...(fn
      ? { codeDir: path.resolve(root, fn.codeUri ?? '.'), codeFrom: `${t.label} Resources.${fn.name}.Properties.CodeUri${fn.codeUri ? '' : ' (none: the template folder)'}` }
      : { codeMissing: `${t.label} has no AWS::Serverless::Function to take the code folder from` }),
    lambda,
    deploy: 'sam',
    notes,
  });
}

async function readSkillId(project: SkillProject): Promise<SkillIdInfo> {
  const t = await readTemplate(project.root);
  const fn = pickSamFunction(t.functions);
  const viaParam = (p: string | undefined) => (p ? ` (the Default of parameter ${p}; a deploy may override it)` : '');
  if (fn?.skillId) return { skillId: fn.skillId, from: `${t.label} Resources.${fn.name} AlexaSkill event SkillId${viaParam(fn.skillIdParam)}` };
  if (t.permissionSkillId) return { skillId: t.permissionSkillId, from: `${t.label} AWS::Lambda::Permission EventSourceToken${viaParam(t.permissionSkillIdParam)}` };
  return { missing: `${t.label} names no skill ID (no AlexaSkill event with a literal SkillId, or a !Ref to a parameter with a Default)`, fix: 'Pass --skill-id amzn1.ask.skill.…, or add the SkillId to the function\'s AlexaSkill event.' };
}

export const samLayout: ProjectLayout = {
  id: 'sam',
  async detect(dir) {
    const file = await firstFile(dir, SAM_FILES);
    if (!file) return false;
    try {
      const text = await readTextFileBounded(file, file, 2 * 1024 * 1024);
      return /AWS::Serverless(?:::Function|-\d{4}-\d\d-\d\d)/.test(text);
    } catch {
      return false;
    }
  },
  load,
  readSkillId,
};
