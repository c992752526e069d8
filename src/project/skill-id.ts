/**
 * Skill IDs as Alexa, SMAPI and the ASK CLI write them: `amzn1.ask.skill.<uuid>`, and for skills
 * created before 2017 `amzn1.echo-sdk-ams.app.<uuid>`, which those skills keep for good. One pattern
 * for every flag, project file and envelope that names a skill.
 */
export const SKILL_ID_PATTERN = /^amzn1\.(?:ask\.skill|echo-sdk-ams\.app)\.[A-Za-z0-9-]+$/;

export function isSkillId(value: unknown): value is string {
  return typeof value === 'string' && SKILL_ID_PATTERN.test(value);
}

/** For messages: what a skill ID looks like. */
export const SKILL_ID_EXAMPLE = 'amzn1.ask.skill.12345678-1234-1234-1234-123456789012 (or a legacy amzn1.echo-sdk-ams.app.…)';
