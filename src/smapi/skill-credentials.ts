import { redact } from '../ui/redact.js';
import type { Smapi } from './client.js';

/**
 * The skill's Alexa client credentials ("Alexa Client Id" and "Alexa Client Secret" under Alexa
 * Skill Messaging on the console's PERMISSIONS page), read with SMAPI's skill credentials
 * operation (GET /v1/skills/{skillId}/credentials, getSkillCredentialsV1). A smart home skill with
 * "Send Alexa Events" on needs them to exchange AcceptGrant's code at Login with Amazon. Only
 * whether they exist leaves this module: the secret is handed to the redactor and dropped.
 */
export interface MessagingCredentialsInfo {
  /** The client ID, shortened the way secrets are ("amzn… (63 chars)"), or undefined when absent. */
  clientId: string | undefined;
  hasClientSecret: boolean;
}

export async function readMessagingCredentials(smapi: Smapi, skillId: string, addSecret: (value: string) => void): Promise<MessagingCredentialsInfo> {
  const body = await smapi.call({ action: 'read the skill credentials', skillId }, (c) => c.getSkillCredentialsV1(skillId));
  const creds = body?.skillMessagingCredentials;
  const secret = typeof creds?.clientSecret === 'string' && creds.clientSecret !== '' ? creds.clientSecret : undefined;
  if (secret) addSecret(secret);
  const clientId = typeof creds?.clientId === 'string' && creds.clientId !== '' ? creds.clientId : undefined;
  return { clientId: clientId === undefined ? undefined : redact(clientId), hasClientSecret: secret !== undefined };
}
