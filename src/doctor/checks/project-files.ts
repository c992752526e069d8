import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { isObject } from '../../project/json-file.js';
import type { DoctorContext } from '../context.js';
import type { Check, CheckOutcome } from '../types.js';

/**
 * The ASK CLI v2 project: ask-resources.json, skill.json, accountLinking.json, the interaction
 * models, the deployed skill ID; and that the saved tokens stay private (.alexa-link/ 0600 and
 * git-ignored).
 */
export const projectFiles: Check<DoctorContext> = {
  id: 'project-files',
  title: 'Project files found and valid',
  async run(ctx): Promise<CheckOutcome> {
    if (!ctx.project.ok) {
      return { status: 'fail', detail: ctx.project.reason, fix: ctx.project.fix ?? 'Run alexa-link doctor inside the skill project (or pass --cwd <dir>); create one with alexa-link init.' };
    }
    const p = ctx.project.value;
    const rel = (f: string) => path.relative(p.root, f) || f;
    const failures: Array<{ detail: string; fix?: string }> = [];
    const warnings: Array<{ detail: string; fix?: string }> = [];
    const found: string[] = [rel(p.resourcesPath)];

    if (!ctx.resources.ok) failures.push({ detail: ctx.resources.reason, ...(ctx.resources.fix ? { fix: ctx.resources.fix } : {}) });
    if (ctx.manifest.ok) found.push(rel(p.manifestPath));
    else failures.push({ detail: ctx.manifest.reason, fix: ctx.manifest.fix ?? `Fix ${rel(p.manifestPath)}; it must be {"manifest": {…}} as ask deploy expects.` });
    if (ctx.linking.ok) found.push(rel(p.linkingPath));
    else failures.push({ detail: ctx.linking.reason, fix: ctx.linking.fix ?? `Create ${rel(p.linkingPath)} as {"accountLinkingRequest": {…}} (alexa-link init writes one).` });

    const models = ctx.interactionModels.ok ? ctx.interactionModels.value : [];
    for (const m of models) {
      if (m.error) failures.push({ detail: m.error, fix: `Fix ${m.label}.` });
      else {
        const invocation = isObject(m.model) && isObject(m.model.interactionModel) && isObject(m.model.interactionModel.languageModel) ? m.model.interactionModel.languageModel.invocationName : undefined;
        if (typeof invocation !== 'string' || !invocation.trim()) {
          failures.push({ detail: `${m.label}: interactionModel.languageModel.invocationName is missing.`, fix: 'Set the invocation name users say to open the skill.' });
        } else found.push(m.label);
      }
    }
    if (ctx.manifest.ok) {
      const haveModel = new Set(models.map((m) => m.locale));
      const without = ctx.manifest.value.locales.filter((l) => !haveModel.has(l));
      if (without.length) warnings.push({ detail: `No interaction model for ${without.join(', ')} (skill.json lists ${without.length === 1 ? 'that locale' : 'those locales'}).`, fix: `Add skill-package/interactionModels/custom/${without[0]}.json, or remove the locale from skill.json.` });
      if (ctx.manifest.value.locales.length === 0) warnings.push({ detail: 'skill.json lists no locales under manifest.publishingInformation.locales.', fix: 'Add at least one locale (e.g. "en-US") with a name.' });
    }
    if (models.length === 0) warnings.push({ detail: 'No interaction model under skill-package/interactionModels/custom/.', fix: 'Add <locale>.json with the invocation name and intents.' });

    if (!ctx.skillId.ok) warnings.push({ detail: ctx.skillId.reason, ...(ctx.skillId.fix ? { fix: ctx.skillId.fix } : {}) });

    try {
      await stat(path.join(p.skillPackageDir, 'accountLinking.json'));
      warnings.push({ detail: `accountLinking.json inside ${rel(p.skillPackageDir)}/ makes SMAPI warn about an unknown skill package file.`, fix: 'Keep accountLinking.json at the project root only.' });
    } catch {
      /* good: not there */
    }

    // Saved tokens must stay private.
    const sessionFile = path.join(p.root, '.alexa-link', 'session.json');
    let sessionMode: number | undefined;
    try {
      sessionMode = (await stat(sessionFile)).mode & 0o777;
    } catch {
      sessionMode = undefined;
    }
    if (sessionMode !== undefined) {
      if ((sessionMode & 0o077) !== 0) {
        warnings.push({ detail: `.alexa-link/session.json holds tokens but is readable by others (mode ${sessionMode.toString(8).padStart(4, '0')}).`, fix: 'chmod 600 .alexa-link/session.json' });
      }
      let ignored = false;
      try {
        const gi = await readFile(path.join(p.root, '.gitignore'), 'utf8');
        ignored = gi.split(/\r?\n/).some((l) => /^\/?\.alexa-link\/?(\*\*?)?$/.test(l.trim()));
      } catch {
        ignored = false;
      }
      if (!ignored) warnings.push({ detail: '.alexa-link/ (which holds tokens) is not in .gitignore.', fix: 'Add the line ".alexa-link/" to .gitignore so tokens are never committed.' });
    }

    if (failures.length) {
      return {
        status: 'fail',
        detail: [...failures, ...warnings].map((f) => f.detail).join('\n'),
        fix: [...failures, ...warnings].map((f) => f.fix).filter(Boolean).join('\n'),
      };
    }
    if (warnings.length) {
      return { status: 'warn', detail: warnings.map((w) => w.detail).join('\n'), fix: warnings.map((w) => w.fix).filter(Boolean).join('\n') };
    }
    return { status: 'pass', detail: `Found ${found.join(', ')}.` };
  },
};
