import type { AccountLinkingPayload } from '../../linking/config.js';
import { diffLinking, renderDiff } from '../../linking/diff.js';
import { compareWriteOnly, type PushRecord } from '../../linking/write-only.js';
import { getAccountLinking } from '../../smapi/account-linking.js';
import { PUSH_RECORD_FILE, readPushRecord } from '../../smapi/push-record.js';
import { describeError, AlexaLinkError } from '../../errors.js';
import type { DoctorContext } from '../context.js';
import type { Check, CheckOutcome } from '../types.js';

/**
 * accountLinking.json against what Alexa actually uses (SMAPI GET of the stage's configuration).
 * `ask deploy` never pushes account linking, so the two drift apart easily. Only what the GET can
 * show is compared with it; the fields it never returns (clientSecret, skipOnEnablement,
 * reciprocalAccessTokenUrl, unknown fields it does not show) are compared with the hashes
 * `configure` recorded at its last push while the remote still has that push's ETag, and are
 * otherwise listed as "sent, cannot be read back". Skipped with the reason when there are no SMAPI
 * credentials.
 */
export const linkingRemoteDrift: Check<DoctorContext> = {
  id: 'linking-remote-drift',
  title: 'Remote configuration: same as the local file',
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
    const local = ctx.linking.value;
    const secretKnown = Boolean(ctx.clientSecret) && local.type === 'AUTH_CODE';
    const withSecret: AccountLinkingPayload = secretKnown ? { ...local, clientSecret: ctx.clientSecret! } : local;
    let record: PushRecord | undefined;
    let recordProblem = '';
    if (ctx.project.ok) {
      try {
        record = await readPushRecord(ctx.project.value.root, ctx.skillId.value, stage);
      } catch (err) {
        recordProblem = ` (${describeError(err)})`;
      }
    }
    const writeOnly = await compareWriteOnly(withSecret, { remote: remote.payload, remoteEtag: remote.etag, record, secretKnown });
    const diff = diffLinking(local, remote.payload, { secret: secretKnown ? 'provided' : 'omit', writeOnly });
    const changed = diff.fields.filter((f) => f.status === 'added' || f.status === 'changed');
    const hiddenChanged = diff.fields.filter((f) => f.status === 'write-only' && (f.writeOnly === 'changed' || f.writeOnly === 'added' || f.writeOnly === 'removed'));
    const hiddenUnknown = diff.fields.filter((f) => f.status === 'write-only' && (f.writeOnly === undefined || f.writeOnly === 'unknown'));
    const hiddenSame = diff.fields.filter((f) => f.status === 'write-only' && f.writeOnly === 'unchanged');
    const removed = diff.fields.filter((f) => f.status === 'removed');
    const lines = renderDiff({ ...diff, fields: [...changed, ...hiddenChanged, ...removed] });
    const unknownWhy = hiddenUnknown.length ? [...new Set(writeOnly.filter((c) => c.state === 'unknown').map((c) => c.reason))].join('; ') : '';
    const notes = [
      hiddenSame.length ? `${hiddenSame.map((f) => f.field).join(', ')}: sent, cannot be read back; the same as at the last push from here (compared by hash).` : '',
      hiddenUnknown.length ? `${hiddenUnknown.map((f) => f.field).join(', ')}: sent, cannot be read back (SMAPI's GET never returns ${hiddenUnknown.length === 1 ? 'it' : 'them'}); not compared: ${unknownWhy || 'no record'}${recordProblem}${record ? '' : ` (alexa-link configure records what it pushes in ${PUSH_RECORD_FILE})`}.` : '',
      !secretKnown && local.type === 'AUTH_CODE' ? `clientSecret: sent, cannot be read back; set ${ctx.options.clientSecretEnv} to compare it with the last push.` : '',
    ].filter(Boolean);
    const tail = notes.length ? `\n${notes.join('\n')}` : '';
    if (changed.length || hiddenChanged.length) {
      const names = [...changed, ...hiddenChanged].map((f) => f.field);
      return {
        status: 'fail',
        detail: `accountLinking.json differs from the ${stage} configuration Alexa uses in ${names.join(', ')} (remote → local${hiddenChanged.length ? '; write-only fields against the last push from here' : ''}):\n${lines.join('\n')}${tail}`,
        fix: 'Push the local file with alexa-link configure (or copy the remote values into accountLinking.json if they are the right ones).',
      };
    }
    if (removed.length) {
      return {
        status: 'warn',
        detail: `The ${stage} configuration has fields accountLinking.json lacks (${removed.map((f) => f.field).join(', ')}):\n${lines.join('\n')}${tail}`,
        fix: 'Add them to accountLinking.json so a push keeps them.',
      };
    }
    return {
      status: 'pass',
      detail: `accountLinking.json matches the ${stage} configuration of ${ctx.skillId.value} in every field SMAPI's GET shows.${tail}`,
    };
  },
};
