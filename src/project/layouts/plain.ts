import path from 'node:path';
import { isObject, readJsonFile, readTextFileBounded } from '../json-file.js';
import { findSkillPackage, firstFile, isDir, isFile } from './fs-probe.js';
import { baseProject, type ProjectLayout, type SkillIdInfo, type SkillProject } from './types.js';

/**
 * A plain folder of skill code with no project tool around it: package.json with "main", or an
 * index.js that exports a handler. Replays work on it; checks that need a manifest, a model or a
 * skill ID say they could not check. Only the folder the user is in counts (no walking up).
 *
 * The code may also sit in lambda/ (or lambda/custom/) beside interactionModels/custom/: what the
 * developer console's code export and the git repository of an older Alexa-hosted skill hold, with
 * no skill.json or ask-resources.json at all.
 */
const INDEX_FILES = ['index.js', 'index.mjs', 'index.cjs'];
const CODE_FOLDERS = ['.', 'lambda', path.join('lambda', 'custom')];

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

/** The folder holding the code, and what named its entry file. */
async function codeIn(dir: string): Promise<{ dir: string; from: string } | undefined> {
  for (const folder of CODE_FOLDERS) {
    const d = path.join(dir, folder);
    if (await mainFile(d)) return { dir: d, from: 'package.json "main"' };
    const index = await firstFile(d, INDEX_FILES);
    if (index !== undefined && (await exportsHandler(index))) return { dir: d, from: path.basename(index) };
  }
  return undefined;
}

export const plainLayout: ProjectLayout = {
  id: 'plain',
  async detect(dir) {
    return (await codeIn(dir)) !== undefined;
  },
  async load(root: string, profile: string): Promise<SkillProject> {
    const code = await codeIn(root);
    const pkg = await findSkillPackage(root);
    // The console's code export: interaction models at the root, no manifest.
    const exported = path.join(root, 'interactionModels', 'custom');
    const models = pkg.modelsDir === undefined && (await isDir(exported)) ? { modelsDir: exported } : {};
    return baseProject(root, profile, {
      layout: 'plain',
      layoutName: 'plain folder of skill code',
      ...pkg,
      ...models,
      codeDir: code?.dir ?? root,
      codeFrom: code?.from ?? 'index.js',
      deploy: 'unknown',
      notes: [
        `No project tool here (no ask-resources.json, .ask/config, template.yaml or serverless.yml): the code is replayed; the manifest${pkg.modelsDir ?? models.modelsDir ? '' : ', models'} and deployment cannot be checked.`,
      ],
    });
  },
  async readSkillId(): Promise<SkillIdInfo> {
    return { missing: 'a plain folder of code names no skill ID', fix: 'Pass --skill-id amzn1.ask.skill.… for checks that ask SMAPI.' };
  },
};
