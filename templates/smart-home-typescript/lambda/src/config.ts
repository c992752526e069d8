/**
 * Settings that `alexa-link init` wrote into skill-config.json (copied into dist/ by tsc).
 * Environment variables override them at run time, so the same code can talk to a local provider
 * in tests and rehearsals:
 *   USERINFO_URL         the provider's userinfo endpoint, where every access token is checked
 *   USERINFO_TIMEOUT_MS  how long to wait for it (default 3000; Alexa waits 8 s for the whole answer)
 *
 * OPTIONAL, for AcceptGrant (only when "Send Alexa Events" is on in the developer console):
 *   ALEXA_CLIENT_ID      the skill's "Alexa Client Id" (console: PERMISSIONS, Alexa Skill Messaging)
 *   ALEXA_CLIENT_SECRET  its "Alexa Client Secret"; set it in the Lambda console or a secrets
 *                        manager, never in a file of this project
 *   LWA_TOKEN_URL        where the grant code is exchanged (default https://api.amazon.com/auth/o2/token)
 *   LWA_TIMEOUT_MS       how long to wait for that exchange (default 3000)
 */
import defaults from '../skill-config.json';

export const DEFAULT_USERINFO_TIMEOUT_MS = 3000;
export const DEFAULT_LWA_TIMEOUT_MS = 3000;
export const DEFAULT_LWA_TOKEN_URL = 'https://api.amazon.com/auth/o2/token';

export interface DeviceConfig {
  endpointId: string;
  friendlyName: string;
  description: string;
  manufacturerName: string;
}

export interface SkillConfig {
  skillName: string;
  userinfoUrl: string;
  userinfoTimeoutMs: number;
  device: DeviceConfig;
  alexaClientId: string;
  alexaClientSecret: string;
  lwaTokenUrl: string;
  lwaTimeoutMs: number;
}

function positive(value: string | undefined, fallback: number): number {
  const n = Number(value);
  return Number.isFinite(n) && n > 0 ? n : fallback;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): SkillConfig {
  const device: Partial<DeviceConfig> = defaults.device ?? {};
  return {
    skillName: defaults.skillName,
    userinfoUrl: env.USERINFO_URL || defaults.userinfoUrl || '',
    userinfoTimeoutMs: positive(env.USERINFO_TIMEOUT_MS, DEFAULT_USERINFO_TIMEOUT_MS),
    device: {
      endpointId: device.endpointId || 'virtual-switch-1',
      friendlyName: device.friendlyName || 'Virtual Switch',
      description: device.description || "A switch that exists only in this skill's memory",
      manufacturerName: device.manufacturerName || 'alexa-link',
    },
    // Both or nothing: with only one of them the exchange cannot work, and AcceptGrant says so.
    alexaClientId: env.ALEXA_CLIENT_ID || '',
    alexaClientSecret: env.ALEXA_CLIENT_SECRET || '',
    lwaTokenUrl: env.LWA_TOKEN_URL || DEFAULT_LWA_TOKEN_URL,
    lwaTimeoutMs: positive(env.LWA_TIMEOUT_MS, DEFAULT_LWA_TIMEOUT_MS),
  };
}
