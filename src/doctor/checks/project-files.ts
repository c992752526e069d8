import { stat } from 'node:fs/promises';
import path from 'node:path';
import { isObject, readTextFileBounded } from '../../project/json-file.js';
import { relPath } from '../../project/layouts/types.js';
import { isCheckedSkillType } from '../../project/skill-project.js';
import type { DoctorContext } from '../context.js';
import type { Check, CheckOutcome } from '../types.js';

/**
 * The skill project, whatever its layout: which layout was recognised and where it found the
 * manifest, the interaction models, the code and its handler, the skill ID and the linking
 * configuration; that those files are valid; and that the saved tokens stay private (.alexa-link/
 * 0600 and git-ignored). What a layout does not have (a plain folder has no manifest) is said, not
 * failed.
 */
interface Line {
  detail: string;
  fix?: string;
}

export const projectFiles: Check<DoctorContext> = {
  id: 'project-files',
  title: 'Project files: found and valid',
  async run(ctx): Promise<CheckOutcome> {
    if (!ctx.project.ok) {
      if (ctx.projectAbsent && ctx.options.target.kind !== 'default') {
        // The user named what to replay: a folder with no project is not a failure of the skill.
        return {
          status: 'warn',
          detail: `${ctx.project.reason}\nThe manifest, interaction models, skill ID and linking configuration could not be checked; the replays use what was named on the command line.`,
          fix: ctx.project.fix ?? 'Run doctor inside the skill project (or pass --cwd <dir>) to check those too.',
        };
      }
      return { status: 'fail', detail: ctx.project.reason, fix: ctx.project.fix ?? 'Run alexa-link doctor inside the skill project (or pass --cwd <dir>); create one with alexa-link init.' };
    }
    const p = ctx.project.value;
    const rel = (f: string) => relPath(p.root, f);
    const failures: Line[] = [];
    const warnings: Line[] = [];
    const where: string[] = [];
    const found: string[] = [];
    if (p.configPath) found.push(rel(p.configPath));

    // Manifest, and the skill types it declares.
    const skillTypes = ctx.manifest.ok ? ctx.manifest.value.skillTypes : [];
    if (!p.manifestPath) where.push(`manifest: none in this ${p.layoutName} (the endpoint and locales are not checked)`);
    else if (ctx.manifest.ok) {
      found.push(rel(p.manifestPath));
      where.push(`manifest: ${rel(p.manifestPath)}`);
      if (skillTypes.length) {
        const unchecked = skillTypes.filter((t) => !isCheckedSkillType(t));
        where.push(`skill types: ${skillTypes.join(', ')}${unchecked.length ? ` (${unchecked.join(', ')} not checked)` : ''}`);
      }
    } else failures.push({ detail: ctx.manifest.reason, fix: ctx.manifest.fix ?? `Fix ${rel(p.manifestPath)}; it must be {"manifest": {…}} as ask deploy expects.` });

    // Linking configuration.
    const linkingFile = rel(p.linkingPath);
    if (ctx.linkingSource.kind === 'file') {
      found.push(linkingFile);
      where.push(`linking configuration: ${linkingFile}`);
    } else if (ctx.linkingSource.kind === 'remote') {
      where.push(`linking configuration: none in the project; read from the ${ctx.linkingSource.stage} stage through SMAPI`);
      warnings.push({ detail: `Account linking is configured in the console (SMAPI); ${linkingFile} is not in the project, so the checks used the remote configuration.`, fix: `alexa-link configure --pull keeps it in the project (${linkingFile}).` });
    } else if (!ctx.linking.ok) {
      if (ctx.linkingSource.kind === 'none' && ctx.linkingSource.fileMissing && !ctx.linkingSource.remoteAbsent) {
        where.push(`linking configuration: none in the project (${linkingFile}), and the remote one could not be read`);
        // A plain folder of code is not expected to carry it: said above, not warned about.
        if (p.layout !== 'plain') warnings.push({ detail: ctx.linking.reason, ...(ctx.linking.fix ? { fix: ctx.linking.fix } : {}) });
      } else {
        failures.push({ detail: ctx.linking.reason, fix: ctx.linking.fix ?? `Create ${linkingFile} as {"accountLinkingRequest": {…}} (alexa-link init --add writes one).` });
      }
    }

    // Interaction models.
    const models = ctx.interactionModels.ok ? ctx.interactionModels.value : [];
    const goodModels: string[] = [];
    for (const m of models) {
      if (m.error) failures.push({ detail: m.error, fix: `Fix ${m.label}.` });
      else {
        const invocation = isObject(m.model) && isObject(m.model.interactionModel) && isObject(m.model.interactionModel.languageModel) ? m.model.interactionModel.languageModel.invocationName : undefined;
        if (typeof invocation !== 'string' || !invocation.trim()) {
          failures.push({ detail: `${m.label}: interactionModel.languageModel.invocationName is missing.`, fix: 'Set the invocation name users say to open the skill.' });
        } else {
          found.push(m.label);
          goodModels.push(m.label);
        }
      }
    }
    const modelsDir = p.modelsDir ? `${rel(p.modelsDir)}/` : undefined;
    // Only custom skills have interaction models (smart home and video skills use Alexa's own).
    const needsModels = skillTypes.length === 0 || skillTypes.includes('custom');
    where.push(`interaction models: ${goodModels.length ? goodModels.join(', ') : !needsModels ? 'none (not a custom skill: Alexa brings the interaction model)' : modelsDir ? `none in ${modelsDir}` : 'none in this layout'}`);
    if (ctx.manifest.ok && ctx.manifest.value.locales.length === 0) warnings.push({ detail: 'skill.json lists no locales under manifest.publishingInformation.locales.', fix: 'Add at least one locale (e.g. "en-US") with a name.' });
    if (ctx.manifest.ok && needsModels) {
      const haveModel = new Set(models.map((m) => m.locale));
      const without = ctx.manifest.value.locales.filter((l) => !haveModel.has(l));
      if (without.length) warnings.push({ detail: `No interaction model for ${without.join(', ')} (skill.json lists ${without.length === 1 ? 'that locale' : 'those locales'}).`, fix: `Add ${modelsDir ?? 'the models folder/'}${without[0]}.json, or remove the locale from skill.json.` });
      if (models.length === 0) warnings.push({ detail: `No interaction model${modelsDir ? ` under ${modelsDir}` : ''}.`, fix: 'Add <locale>.json with the invocation name and intents.' });
    }

    // Code and handler.
    if (p.codeDir) {
      const handler = p.lambda.handler ? `, handler ${p.lambda.handler}${p.lambda.from ? ` (${p.lambda.from})` : ''}` : '';
      const extras = [p.lambda.runtime, p.lambda.region, p.lambda.memoryMB !== undefined ? `${p.lambda.memoryMB} MB` : undefined].filter(Boolean).join(', ');
      where.push(`code: ${rel(p.codeDir)}/${p.codeFrom ? ` (${p.codeFrom})` : ''}${handler}${extras ? `; ${extras}` : ''}`);
    } else where.push('code: not named by the project (pass --handler <file[#export]> to replay)');

    // Skill ID.
    if (ctx.skillId.ok) where.push(`skill ID: ${ctx.skillId.value}${ctx.options.skillId ? ' (--skill-id)' : ''}`);
    else {
      where.push(`skill ID: ${ctx.skillId.reason.replace(/^no skill ID: /, 'none: ')}`);
      if (p.layout !== 'plain') warnings.push({ detail: ctx.skillId.reason, ...(ctx.skillId.fix ? { fix: ctx.skillId.fix } : {}) });
    }

    if (p.skillPackageDir) {
      try {
        await stat(path.join(p.skillPackageDir, 'accountLinking.json'));
        warnings.push({ detail: `accountLinking.json inside ${rel(p.skillPackageDir)}/ makes SMAPI warn about an unknown skill package file.`, fix: 'Keep accountLinking.json at the project root only.' });
      } catch {
        /* good: not there */
      }
    }
    if (p.walkStoppedAt) warnings.push({ detail: `Looking for a project stopped at ${p.walkStoppedAt}, which belongs to another user; this folder is taken as plain code.`, fix: 'Pass --cwd <project root> if the project is above.' });

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
        const gi = await readTextFileBounded(path.join(p.root, '.gitignore'), '.gitignore');
        ignored = gi.split(/\r?\n/).some((l) => /^\/?\.alexa-link\/?(\*\*?)?$/.test(l.trim()));
      } catch {
        ignored = false;
      }
      if (!ignored) warnings.push({ detail: '.alexa-link/ (which holds tokens) is not in .gitignore.', fix: 'Add the line ".alexa-link/" to .gitignore so tokens are never committed.' });
    }

    const shown = [...new Set(found)];
    const head = `${p.layoutName}${p.layout === 'plain' ? '' : ` (profile ${p.profile})`}: found ${shown.length ? shown.join(', ') : 'no project files'}.`;
    const summary = [head, ...where.map((w) => `  ${w}`), ...p.notes.map((n) => `  note: ${n}`)].join('\n');
    if (failures.length) {
      return {
        status: 'fail',
        detail: [...failures, ...warnings].map((f) => f.detail).join('\n') + `\n${summary}`,
        fix: [...failures, ...warnings].map((f) => f.fix).filter(Boolean).join('\n'),
      };
    }
    if (warnings.length) {
      return {
        status: 'warn',
        detail: `${summary}\n${warnings.map((w) => w.detail).join('\n')}`,
        summary: `${p.layoutName}; ${warnings.map((w) => w.detail.replace(/\.$/, '')).join('; ')}.`,
        fix: warnings.map((w) => w.fix).filter(Boolean).join('\n'),
      };
    }
    return { status: 'pass', detail: summary };
  },
};
