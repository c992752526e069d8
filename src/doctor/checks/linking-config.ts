import { checkLinkingConfig } from '../../linking/rules.js';
import type { DoctorContext } from '../context.js';
import type { Check, CheckOutcome } from '../types.js';

/** Every static rule of src/linking/rules.ts on accountLinking.json: errors fail, warnings warn. */
export const linkingConfig: Check<DoctorContext> = {
  id: 'linking-config',
  title: "Linking configuration: Alexa's rules",
  needs: ['linking'],
  async run(ctx): Promise<CheckOutcome> {
    if (!ctx.linking.ok) return { status: 'skip', detail: ctx.linking.reason };
    const p = ctx.linking.value;
    const skillTypes = ctx.manifest.ok ? ctx.manifest.value.skillTypes : undefined;
    const findings = checkLinkingConfig(p, { fromFile: ctx.linkingSource.kind !== 'remote', allowLocal: ctx.rehearsal, ...(skillTypes ? { skillTypes } : {}) });
    const errors = findings.filter((f) => f.severity === 'error');
    const warnings = findings.filter((f) => f.severity === 'warning');
    const line = (f: (typeof findings)[number]) => `${f.severity === 'error' ? '✖' : '⚠'} ${f.field}: ${f.message}`;
    const fixes = [...errors, ...warnings].map((f) => f.fix);
    // Only a file on disk can be fixed (a configuration read through SMAPI is pulled first).
    const edits = ctx.linkingSource.kind === 'remote' ? [] : [...errors, ...warnings].flatMap((f) => (f.edit ? [{ by: f.rule, edit: f.edit }] : []));
    const withEdits = edits.length ? { edits } : {};
    const counted = `${errors.length ? `${errors.length} error${errors.length === 1 ? '' : 's'}` : ''}${errors.length && warnings.length ? ', ' : ''}${warnings.length ? `${warnings.length} warning${warnings.length === 1 ? '' : 's'}` : ''}`;
    const summaryOf = (f: (typeof findings)[number]) => `${counted}: ${f.message.replace(/\.$/, '')}${errors.length + warnings.length > 1 ? ', …' : '.'}`;
    if (errors.length) {
      return { status: 'fail', detail: [...errors, ...warnings].map(line).join('\n'), summary: summaryOf(errors[0]!), fix: [...new Set(fixes)].join('\n'), ...withEdits };
    }
    const remote = ctx.linkingSource.kind === 'remote' ? ` (the ${ctx.linkingSource.stage} configuration read through SMAPI; the project has no accountLinking.json)` : '';
    const summary = `${p.type ?? '?'}${p.accessTokenScheme ? ` with ${p.accessTokenScheme}` : ''}, ${(p.scopes ?? []).length} scope(s)${ctx.rehearsal ? ' (local rehearsal: loopback provider)' : ''}${remote}`;
    if (warnings.length) return { status: 'warn', detail: `${summary}.\n${warnings.map(line).join('\n')}`, summary: summaryOf(warnings[0]!), fix: [...new Set(fixes)].join('\n'), ...withEdits };
    return { status: 'pass', detail: `${summary}: every rule passes.` };
  },
};
