import { AlexaLinkError, describeError } from '../../errors.js';
import { isObject } from '../../project/json-file.js';
import { readMessagingCredentials } from '../../smapi/skill-credentials.js';
import type { DoctorContext } from '../context.js';
import type { Check, CheckOutcome } from '../types.js';

/**
 * A smart home (or video) skill with "Send Alexa Events" on gets an AcceptGrant directive after
 * each user links, and exchanges its grant code at Login with Amazon with the skill's Alexa client
 * credentials (console: PERMISSIONS, Alexa Skill Messaging). This check asks SMAPI whether the
 * skill has them (getSkillCredentialsV1); it never shows them, and the secret goes to the redactor.
 */
/** The manifest permission that asks for Send Alexa Events (ask-smapi-model PermissionName). */
export const ASYNC_EVENT_PERMISSION = 'alexa::async_event:write';

export function asksToSendEvents(manifest: Record<string, unknown>): boolean {
  const permissions = manifest.permissions;
  return Array.isArray(permissions) && permissions.some((p) => isObject(p) && p.name === ASYNC_EVENT_PERMISSION);
}

export const alexaClientCredentials: Check<DoctorContext> = {
  id: 'alexa-client-credentials',
  title: 'Alexa client credentials: set for AcceptGrant (smart home, SMAPI)',
  needsNetwork: true,
  needs: ['manifest', 'skillId'],
  async run(ctx): Promise<CheckOutcome> {
    if (!ctx.manifest.ok) return { status: 'skip', detail: ctx.manifest.reason };
    const types = ctx.manifest.value.skillTypes.filter((t) => t === 'smartHome' || t === 'video');
    if (types.length === 0) return { status: 'skip', detail: 'Not a smart home or video skill: Alexa sends it no AcceptGrant.' };
    if (!ctx.skillId.ok) return { status: 'skip', detail: `Needs the skill ID: ${ctx.skillId.reason}`, ...(ctx.skillId.fix ? { fix: ctx.skillId.fix } : {}) };
    const smapi = await ctx.smapi();
    if (!smapi.ok) return { status: 'skip', detail: `Skipped: ${smapi.reason}`, ...(smapi.fix ? { fix: smapi.fix } : {}) };
    const events = asksToSendEvents(ctx.manifest.value.manifest);
    let info;
    try {
      info = await readMessagingCredentials(smapi.value, ctx.skillId.value, (s) => ctx.deps.addSecret?.(s));
    } catch (err) {
      const message = err instanceof AlexaLinkError ? err.message : describeError(err);
      return { status: 'fail', detail: `Could not read the skill's credentials: ${message}`, ...(err instanceof AlexaLinkError && err.hint ? { fix: err.hint } : {}) };
    }
    const eventsWords = events ? `skill.json asks for ${ASYNC_EVENT_PERMISSION} (Send Alexa Events), so` : 'When "Send Alexa Events" is on (console: PERMISSIONS),';
    if (info.clientId && info.hasClientSecret) {
      return {
        status: 'pass',
        detail: `${ctx.skillId.value} has Alexa client credentials (client ID ${info.clientId}; the secret is not shown). ${eventsWords} Alexa sends AcceptGrant after each user links, and the skill exchanges its grant code at Login with Amazon with these credentials.`,
      };
    }
    return {
      status: events ? 'fail' : 'warn',
      detail: `SMAPI returned no Alexa client credentials for ${ctx.skillId.value}. ${eventsWords} the skill cannot exchange AcceptGrant's grant code and must answer ACCEPT_GRANT_FAILED, so users cannot link.`,
      fix: 'Turn on "Send Alexa Events" on the skill\'s PERMISSIONS page in the developer console; the Alexa Client Id and Secret appear there (under Alexa Skill Messaging). Set them on the Lambda function, never in the project.',
    };
  },
};
