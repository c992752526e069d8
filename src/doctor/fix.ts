import path from 'node:path';
import { UsageError } from '../errors.js';
import type { AccountLinkingPayload } from '../linking/config.js';
import { diffLinking, renderDiff } from '../linking/diff.js';
import { applyEdits, describeEdit, type ProposedEdit } from '../linking/edits.js';
import { readJsonFile } from '../project/json-file.js';
import { LINKING_FILE } from '../project/skill-project.js';
import { writeUserFile } from '../project/user-files.js';
import type { Output } from '../ui/output.js';
import type { Prompter } from '../ui/prompt.js';
import type { CheckResult } from './types.js';

/**
 * `doctor --fix`: the changes to accountLinking.json that the checks found and know how to make
 * (each check outcome carries them as data, src/linking/edits.ts), shown as a diff, confirmed
 * (unless --yes), written atomically with a copy of the old file (src/project/user-files.ts).
 * What a machine cannot fix stays in the report for a person.
 */
export interface FixChange {
  /** The check that found it. */
  check: string;
  /** The rule or check behind the change. */
  by: string;
  /** What the change does, in words. */
  change: string;
}

export interface FixReport {
  /** Project-relative path of the file fixed (accountLinking.json), or null when there was none. */
  file: string | null;
  /** The changes made (or that would have been, when not written). */
  changes: FixChange[];
  /** Whether the file was written. */
  written: boolean;
  /** Project-relative path of the copy of the old file. */
  backup: string | null;
  /** Why nothing was written, when nothing was. */
  reason: string | null;
}

/** The edits the results propose, in report order, each with its check (warnings and failures only). */
export function collectEdits(results: readonly CheckResult[]): Array<ProposedEdit & { check: string }> {
  return results.flatMap((r) => (r.status === 'warn' || r.status === 'fail' ? (r.edits ?? []).map((e) => ({ ...e, check: r.id })) : []));
}

export interface FixDeps {
  out: Output;
  prompter: Prompter;
  /** --yes: write without asking. */
  yes: boolean;
  now?: () => Date;
}

/** --fix without a terminal must say --yes up front, before any check runs (exit 2). */
export function assertFixConfirmable(opts: { fix: boolean; yes: boolean; interactive: boolean }): void {
  if (opts.fix && !opts.yes && !opts.interactive) {
    throw new UsageError('doctor --fix asks before it changes accountLinking.json, and stdin is not a terminal.', {
      code: 'E_CONFIRM',
      hint: 'Pass --yes to write the fixes without asking (a copy of the old file is kept), or run it in a terminal.',
    });
  }
}

export async function applyDoctorFixes(results: readonly CheckResult[], project: { root: string; linkingPath: string } | undefined, deps: FixDeps): Promise<FixReport> {
  const { out } = deps;
  const proposed = collectEdits(results);
  const none = (reason: string, file: string | null = null): FixReport => ({ file, changes: [], written: false, backup: null, reason });
  if (proposed.length === 0) return none('doctor found nothing it can change in accountLinking.json');
  if (!project) return none('there is no project to fix');
  const rel = path.relative(project.root, project.linkingPath) || LINKING_FILE;
  const doc = (await readJsonFile(project.linkingPath, rel)) as { accountLinkingRequest: AccountLinkingPayload } & Record<string, unknown>;
  const before = doc.accountLinkingRequest;
  const { payload: after, applied } = applyEdits(before, proposed);
  const changes: FixChange[] = applied.map((e) => ({ check: (e as ProposedEdit & { check: string }).check, by: e.by, change: describeEdit(e.edit) }));
  if (applied.length === 0) return none(`${rel} already has every change doctor would make`, rel);

  const diff = diffLinking(after, before, { secret: 'omit' });
  const s = out.errStyle;
  out.info('');
  out.info(s.bold(`doctor --fix: ${applied.length} change${applied.length === 1 ? '' : 's'} to ${rel}`));
  for (const line of renderDiff({ ...diff, fields: diff.fields.filter((f) => f.status !== 'unchanged') }, s)) out.info(`  ${line}`);
  for (const c of changes) out.info(s.dim(`  ${c.change} (${c.by})`));
  if (!deps.yes) {
    const go = await deps.prompter.confirm({ message: `Write ${applied.length === 1 ? 'this change' : 'these changes'} to ${rel}?`, flag: '--yes', default: true });
    if (!go) {
      out.info(`Nothing was changed; ${rel} is as it was.`);
      return { file: rel, changes, written: false, backup: null, reason: 'declined' };
    }
  }
  const written = await writeUserFile(project.root, rel, JSON.stringify({ ...doc, accountLinkingRequest: after }, null, 2) + '\n', {
    kind: 'generated',
    existing: 'backup',
    now: (deps.now ?? (() => new Date()))(),
  });
  out.success(`Wrote ${rel}${written.backup ? ` (the old one is in ${written.backup})` : ''}. Push it to Alexa: alexa-link configure`);
  return { file: rel, changes, written: true, backup: written.backup ?? null, reason: null };
}
