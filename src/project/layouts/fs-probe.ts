import { stat } from 'node:fs/promises';
import path from 'node:path';

/** Small existence probes for layout detection (reading goes through the bounded readers). */
export async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

export async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/** The first of `names` that is a file in `dir`. */
export async function firstFile(dir: string, names: readonly string[]): Promise<string | undefined> {
  for (const n of names) if (await isFile(path.join(dir, n))) return path.join(dir, n);
  return undefined;
}

/**
 * A skill package beside code that another tool deploys (SAM, Serverless, a plain folder):
 * skill-package/skill.json with interactionModels/custom/ (the ASK CLI v2 shape), else skill.json
 * with models/ (the v1 shape).
 */
export async function findSkillPackage(root: string): Promise<{ skillPackageDir?: string; manifestPath?: string; modelsDir?: string }> {
  const pkg = path.join(root, 'skill-package');
  if (await isFile(path.join(pkg, 'skill.json'))) {
    return { skillPackageDir: pkg, manifestPath: path.join(pkg, 'skill.json'), modelsDir: path.join(pkg, 'interactionModels', 'custom') };
  }
  if (await isFile(path.join(root, 'skill.json'))) {
    return { manifestPath: path.join(root, 'skill.json'), ...((await isDir(path.join(root, 'models'))) ? { modelsDir: path.join(root, 'models') } : {}) };
  }
  return {};
}
