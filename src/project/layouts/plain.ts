import path from 'node:path';
import { isObject, readJsonFile, readTextFileBounded } from '../json-file.js';
import { findSkillPackage, firstFile, isFile } from './fs-probe.js';
import { baseProject, type ProjectLayout, type SkillIdInfo, type SkillProject } from './types.js';

/**
 * A plain folder of skill code with no project tool around it: package.json with "main", or an
 * index.js that exports a handler. Replays work on it; checks that need a manifest, a model or a
 * skill ID say they could not check. Only the folder the user is in counts (no walking up).
 */
const INDEX_FILES = ['index.js', 'index.mjs', 'index.cjs'];

async function mainFile(dir: string): Promise<string | undefined> {
  const pkgPath = path.join(dir, 'package.json');
  if (!(await isFile(pkgPath))) return undefined;
  try {
    const pkg = await readJsonFile(pkgPath, 'package.json', 1024 * 1024);
    const main = isObject(pkg) && typeof pkg.main === 'string' ? pkg.main : undefined;
    if (!main) return undefined;
    for (const ext of ['', '.js', '.mjs', '.cjs']) if (await isFile(path.join(dir, main + ext))) return path.join(dir, main + ext);
  } catch {
    return undefined;
  }
  return undefined;
}

async function exportsHandler(file: string): Promise<boolean> {
  try {
    return /\bhandler\b/.test(await readTextFileBounded(file, file, 2 * 1024 * 1024));
  } catch {
    return false;
  }
}

export const plainLayout: ProjectLayout = {
  id: 'plain',
  async detect(dir) {
    if (await mainFile(dir)) return true;
    const index = await firstFile(dir, INDEX_FILES);
    return index !== undefined && (await exportsHandler(index));
  },
  async load(root: string, profile: string): Promise<SkillProject> {
    const main = await mainFile(root);
    const pkg = await findSkillPackage(root);
    return baseProject(root, profile, {
      layout: 'plain',
      layoutName: 'plain folder of skill code',
      ...pkg,
      codeDir: root,
      codeFrom: main ? 'package.json "main"' : 'index.js',
      deploy: 'unknown',
      notes: ['No project tool here (no ask-resources.json, .ask/config, template.yaml or serverless.yml): the code is replayed; the manifest, models and deployment cannot be checked.'],
    });
  },
  async readSkillId(): Promise<SkillIdInfo> {
    return { missing: 'a plain folder of code names no skill ID', fix: 'Pass --skill-id amzn1.ask.skill.… for checks that ask SMAPI.' };
  },
};
