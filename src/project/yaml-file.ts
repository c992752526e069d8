import { InputError } from '../errors.js';
import { readTextFileBounded } from './json-file.js';

/**
 * YAML files of a project (AWS SAM's template.yaml, serverless.yml), parsed with the `yaml`
 * package, loaded only when a project has such a file. CloudFormation's short-form intrinsic
 * functions (!Ref, !GetAtt, !Sub …) are read as their long form ({"Fn::Sub": …}), so a template
 * that uses them parses; another unknown tag keeps its plain value.
 */
const INTRINSICS = ['Ref', 'Condition', 'GetAtt', 'Sub', 'Join', 'If', 'Select', 'Split', 'FindInMap', 'Base64', 'Cidr', 'ImportValue', 'GetAZs', 'Equals', 'And', 'Or', 'Not', 'Transform', 'Length', 'ToJsonString'];
export const MAX_YAML_BYTES = 2 * 1024 * 1024;

type YamlModule = typeof import('yaml');
let yamlOnce: Promise<YamlModule> | undefined;
function loadYaml(): Promise<YamlModule> {
  yamlOnce ??= import('yaml');
  return yamlOnce;
}

function cloudFormationTags(): Array<Record<string, unknown>> {
  const tags: Array<Record<string, unknown>> = [];
  for (const name of INTRINSICS) {
    const key = name === 'Ref' || name === 'Condition' ? name : `Fn::${name}`;
    tags.push({ tag: `!${name}`, resolve: (v: unknown) => ({ [key]: v }) });
    for (const collection of ['seq', 'map']) {
      tags.push({ tag: `!${name}`, collection, resolve: (v: { toJSON(): unknown }) => ({ [key]: v.toJSON() }) });
    }
  }
  return tags;
}

/** Parses YAML text; a syntax error names the source with its line. */
export async function parseYamlText(text: string, label: string): Promise<unknown> {
  const YAML = await loadYaml();
  const doc = YAML.parseDocument(text, { customTags: cloudFormationTags() as never, logLevel: 'silent', uniqueKeys: false });
  const err = doc.errors[0];
  if (err) {
    const line = err.linePos?.[0]?.line;
    throw new InputError(`${label} is not valid YAML${line ? ` at line ${line}` : ''}: ${err.message.split('\n')[0]}`, { source: label, code: 'E_INPUT_YAML' });
  }
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    throw new InputError(`${label} cannot be read as YAML: ${(e as Error).message.split('\n')[0]}`, { source: label, code: 'E_INPUT_YAML' });
  }
}

/** Reads (bounded) and parses a YAML file. */
export async function readYamlFile(file: string, label: string): Promise<unknown> {
  return parseYamlText(await readTextFileBounded(file, label, MAX_YAML_BYTES), label);
}

/** A CloudFormation / Serverless value that is a plain string, or undefined when it is computed (!Sub, ${…}). */
export function literalString(v: unknown): string | undefined {
  if (typeof v !== 'string' || v.trim() === '') return undefined;
  if (/\$\{[^}]*\}/.test(v)) return undefined;
  return v.trim();
}
