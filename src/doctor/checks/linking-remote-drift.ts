import { diffLinking, renderDiff } from '../../linking/diff.js';
import { getAccountLinking } from '../../smapi/account-linking.js';
import { describeError, AlexaLinkError } from '../../errors.js';
import type { DoctorContext } from '../context.js';
import type { Check, CheckOutcome } from '../types.js';

/**
 * accountLinking.json against what Alexa actually uses (SMAPI GET of the stage's configuration).
 * `ask deploy` never pushes account linking, so the two drift apart easily. Skipped with the
 * reason when there are no SMAPI credentials.
 */
export const linkingRemoteDrift: Check<DoctorContext> = {
  id: 'linking-remote-drift',
  title: 'Local accountLinking.json matches the configuration Alexa uses (SMAPI)',
  needsNetwork: true,
  needs: ['linking', 'skillId'],
  async run(ctx): Promise<CheckOutcome> {
    if (!ctx.linking.ok || !ctx.skillId.ok) return { status: 'skip', detail: 'Needs accountLinking.json and the skill ID.' };
    if (ctx.linkingSource.kind === 'remote') {
      return { status: 'skip', detail: `Nothing to compare: the project has no accountLinking.json, so the other checks used the ${ctx.linkingSource.stage} configuration read through SMAPI.`, fix: 'alexa-link configure --pull keeps it in the project.' };
    }
    const smapi = await ctx.smapi();
    if (!smapi.ok) return { status: 'skip', detail: `Skipped: ${smapi.reason}`, ...(smapi.fix ? { fix: smapi.fix } : {}) };
    const stage = ctx.options.stage;
    let remote;
    try {
      remote = await getAccountLinking(smapi.value, ctx.skillId.value, stage);
    } catch (err) {
      if (err instanceof AlexaLinkError) return { status: 'fail', detail: `Could not read the remote configuration: ${err.message}`, ...(err.hint ? { fix: err.hint } : {}) };
      return { status: 'fail', detail: `Could not read the remote configuration: ${describeError(err)}` };
    }
    if (!remote.payload) {
      return {
        status: 'fail',
        detail: `The skill's ${stage} stage has no account linking configured: Alexa shows no "link account" at all.`,
        fix: 'Push accountLinking.json with alexa-link configure (ask deploy never pushes account linking).',
      };
    }
    const diff = diffLinking(ctx.linking.value, remote.payload, { secret: 'omit' });
    const changed = diff.fields.filter((f) => f.status === 'added' || f.status === 'changed');
    const removed = diff.fields.filter((f) => f.status === 'removed');
    const lines = renderDiff({ ...diff, fields: [...changed, ...removed] });
    if (changed.length) {
      return {
        status: 'fail',
        detail: `accountLinking.json differs from the ${stage} configuration Alexa uses in ${changed.map((f) => f.field).join(', ')} (remote → local):\n${lines.join('\n')}`,
        fix: 'Push the local file with alexa-link configure (or copy the remote values into accountLinking.json if they are the right ones).',
      };
    }
    if (removed.length) {
      return {
        status: 'warn',
        detail: `The ${stage} configuration has fields accountLinking.json lacks (${removed.map((f) => f.field).join(', ')}):\n${lines.join('\n')}`,
        fix: 'Add them to accountLinking.json so a push keeps them.',
      };
    }
    return { status: 'pass', detail: `accountLinking.json matches the ${stage} configuration of ${ctx.skillId.value} (the client secret cannot be compared: SMAPI never returns it).` };
  },
};
