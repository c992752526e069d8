/**
 * Settings that `alexa-link init` wrote into skill-config.json (copied into dist/ by tsc).
 * Environment variables override them at run time, so the same code can talk to a local provider
 * in tests and rehearsals:
 *   USERINFO_URL         the provider's userinfo endpoint
 *   USERINFO_TIMEOUT_MS  how long to wait for it (default 3000; Alexa gives a skill 8 s in all)
 *   SKILL_ID             when set, requests for any other skill ID are rejected
 *   ENDPOINT_PATH        the path the local server answers on besides / (default: the path of
 *                        the HTTPS endpoint URL given to init, e.g. /alexa)
 */
import defaults from '../skill-config.json';

export const DEFAULT_USERINFO_TIMEOUT_MS = 3000;

export interface SkillConfig {
  skillName: string;
  userinfoUrl: string;
  nameFields: string[];
  userinfoTimeoutMs: number;
  skillId: string;
  endpointPath: string;
}

/** "/alexa/" and "alexa" both mean "/alexa". */
export function normalizePath(p: string): string {
  const trimmed = String(p).trim().replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): SkillConfig {
  const timeout = Number(env.USERINFO_TIMEOUT_MS);
  return {
    skillName: defaults.skillName,
    userinfoUrl: env.USERINFO_URL || defaults.userinfoUrl || '',
    nameFields: Array.isArray(defaults.nameFields) ? defaults.nameFields : ['name'],
    userinfoTimeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : DEFAULT_USERINFO_TIMEOUT_MS,
    skillId: env.SKILL_ID || '',
    endpointPath: normalizePath(env.ENDPOINT_PATH || (defaults as { endpointPath?: string }).endpointPath || '/'),
  };
}
