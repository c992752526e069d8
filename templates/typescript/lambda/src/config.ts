/**
 * Settings that `alexa-link init` wrote into skill-config.json (copied into dist/ by tsc).
 * Environment variables override them at run time, so the same code can talk to a local provider
 * in tests and rehearsals:
 *   USERINFO_URL         the provider's userinfo endpoint
 *   USERINFO_TIMEOUT_MS  how long to wait for it (default 3000; Alexa gives a skill 8 s in all)
 *   SKILL_ID             when set, requests for any other skill ID are rejected
 */
import defaults from '../skill-config.json';

export const DEFAULT_USERINFO_TIMEOUT_MS = 3000;

export interface SkillConfig {
  skillName: string;
  userinfoUrl: string;
  nameFields: string[];
  userinfoTimeoutMs: number;
  skillId: string;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): SkillConfig {
  const timeout = Number(env.USERINFO_TIMEOUT_MS);
  return {
    skillName: defaults.skillName,
    userinfoUrl: env.USERINFO_URL || defaults.userinfoUrl || '',
    nameFields: Array.isArray(defaults.nameFields) ? defaults.nameFields : ['name'],
    userinfoTimeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : DEFAULT_USERINFO_TIMEOUT_MS,
    skillId: env.SKILL_ID || '',
  };
}
