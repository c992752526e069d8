import type { Smapi } from './client.js';
import { SmapiError } from './errors.js';

/**
 * Skill enablement for testing: simulation and invocation need the skill enabled by the developer
 * account calling them (reference §1.4).
 */
export async function enableSkill(smapi: Smapi, skillId: string, stage = 'development'): Promise<void> {
  await smapi.call({ action: 'enable the skill for testing', skillId, stage }, (c) => c.setSkillEnablementV1(skillId, stage));
}

/** true when enabled (204), false when SMAPI answers 404. */
export async function isSkillEnabled(smapi: Smapi, skillId: string, stage = 'development'): Promise<boolean> {
  try {
    await smapi.call({ action: 'read the skill enablement', skillId, stage }, (c) => c.getSkillEnablementStatusV1(skillId, stage));
    return true;
  } catch (err) {
    if (err instanceof SmapiError && err.status === 404) return false;
    throw err;
  }
}

export async function disableSkill(smapi: Smapi, skillId: string, stage = 'development'): Promise<void> {
  await smapi.call({ action: 'disable the skill for testing', skillId, stage, notFound: 'the skill is not enabled' }, (c) => c.deleteSkillEnablementV1(skillId, stage));
}
