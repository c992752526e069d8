import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SkillLanguage, SkillType } from './init-options.js';
import type { TemplateFile } from './project-files.js';

/**
 * The templates are plain files: templates/base/ holds what every custom skill project gets, and
 * templates/<language>/ its code for one language; templates/smart-home-base/ and
 * templates/smart-home-<language>/ do the same for a smart home skill. A path in both folders of a
 * set is a template bug.
 */
export const TEMPLATES_ROOT = fileURLToPath(new URL('../../templates/', import.meta.url));

async function walk(root: string, rel = ''): Promise<string[]> {
  const entries = await readdir(path.join(root, rel), { withFileTypes: true });
  const out: string[] = [];
  for (const e of entries) {
    const child = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...(await walk(root, child)));
    else if (e.isFile()) out.push(child);
  }
  return out;
}

export async function readTemplateDir(dir: string): Promise<TemplateFile[]> {
  const files = await walk(dir);
  return Promise.all(
    files.map(async (rel) => {
      const abs = path.join(dir, ...rel.split('/'));
      const [content, info] = await Promise.all([readFile(abs, 'utf8'), stat(abs)]);
      // Shell hooks must stay executable even if packing the templates lost the bit.
      return { path: rel, content, mode: info.mode & 0o111 || rel.endsWith('.sh') ? 0o755 : 0o644 };
    }),
  );
}

/** The two template folders (relative to the templates root) for a skill type and language. */
export function templateDirsFor(skillType: SkillType, language: SkillLanguage): { base: string; variant: string } {
  return skillType === 'smart-home' ? { base: 'smart-home-base', variant: `smart-home-${language}` } : { base: 'base', variant: language };
}

/** The base folder plus the language's folder, for the skill type. */
export async function readTemplateSet(language: SkillLanguage, root = TEMPLATES_ROOT, skillType: SkillType = 'custom'): Promise<TemplateFile[]> {
  const dirs = templateDirsFor(skillType, language);
  const [base, variant] = await Promise.all([readTemplateDir(path.join(root, dirs.base)), readTemplateDir(path.join(root, dirs.variant))]);
  const basePaths = new Set(base.map((f) => f.path));
  const twice = variant.filter((f) => basePaths.has(f.path)).map((f) => f.path);
  if (twice.length) {
    throw new Error(`Template bug: ${twice.join(', ')} exist in both templates/${dirs.base} and templates/${dirs.variant}.`);
  }
  return [...base, ...variant];
}
