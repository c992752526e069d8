import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SkillLanguage } from './init-options.js';
import type { TemplateFile } from './project-files.js';

/**
 * The templates are plain files: templates/base/ holds what every project gets, and
 * templates/<language>/ the skill code for one language. A path in both is a template bug.
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

/** base/ plus the language's folder. */
export async function readTemplateSet(language: SkillLanguage, root = TEMPLATES_ROOT): Promise<TemplateFile[]> {
  const [base, variant] = await Promise.all([readTemplateDir(path.join(root, 'base')), readTemplateDir(path.join(root, language))]);
  const basePaths = new Set(base.map((f) => f.path));
  const twice = variant.filter((f) => basePaths.has(f.path)).map((f) => f.path);
  if (twice.length) {
    throw new Error(`Template bug: ${twice.join(', ')} exist in both templates/base and templates/${language}.`);
  }
  return [...base, ...variant];
}
