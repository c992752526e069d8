import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSmapi } from '../../src/smapi/client.js';
import { resolveCredentials } from '../../src/smapi/credentials.js';
import { readMessagingCredentials } from '../../src/smapi/skill-credentials.js';
import { startSmapiStandin, type SmapiStandin } from '../support/smapi-standin.js';

/** getSkillCredentialsV1 through the real SMAPI client against the stand-in (which checks SMAPI's spec). */
const SKILL = 'amzn1.ask.skill.12121212-3434-5656-7878-909090909090';
const OTHER = 'amzn1.ask.skill.00000000-1111-2222-3333-444444444444';
const TOKEN = 'Atza|skill-credentials-unit-token-0123456789';
const CLIENT_ID = 'amzn1.application-oa2-client.0123456789abcdef0123456789abcdef';
const CLIENT_SECRET = 'amzn1.oa2-cs.v1.messaging-secret-that-must-never-show-0123456789';

describe('readMessagingCredentials', () => {
  let standin: SmapiStandin;
  let trace: string[];
  beforeEach(async () => {
    standin = await startSmapiStandin({
      accessTokens: [TOKEN],
      skills: [
        { skillId: SKILL, messagingCredentials: { clientId: CLIENT_ID, clientSecret: CLIENT_SECRET } },
        { skillId: OTHER, messagingCredentials: null },
      ],
    });
    trace = [];
  });
  afterEach(async () => {
    const v = standin.violations();
    await standin.close();
    expect(v).toEqual([]);
  });

  const connect = () =>
    createSmapi(resolveCredentials({ env: { ASK_ACCESS_TOKEN: TOKEN, ...standin.env() }, now: new Date() }), { trace: (l) => trace.push(l), retries: 0 });

  it('says the credentials exist, hands the secret to the redactor, and returns neither whole', async () => {
    const secrets: string[] = [];
    const info = await readMessagingCredentials(await connect(), SKILL, (s) => secrets.push(s));
    expect(info).toEqual({ clientId: 'amzn… (61 chars)', hasClientSecret: true });
    expect(secrets).toEqual([CLIENT_SECRET]);
    expect(standin.requests('getSkillCredentialsV1')).toHaveLength(1);
    expect(standin.requests('getSkillCredentialsV1')[0]!.path).toBe(`/v1/skills/${encodeURIComponent(SKILL)}/credentials`);
    // --verbose traces show the answer body with the secret redacted.
    expect(trace.join('\n')).toContain('skillMessagingCredentials');
    expect(trace.join('\n')).not.toContain(CLIENT_SECRET);
    expect(trace.join('\n')).not.toContain(CLIENT_ID);
  });

  it('reports a skill without messaging credentials', async () => {
    const secrets: string[] = [];
    expect(await readMessagingCredentials(await connect(), OTHER, (s) => secrets.push(s))).toEqual({ clientId: undefined, hasClientSecret: false });
    expect(secrets).toEqual([]);
  });

  it('a skill SMAPI does not know is a readable 404', async () => {
    const err = await readMessagingCredentials(await connect(), 'amzn1.ask.skill.does-not-exist', () => {}).catch((e: unknown) => e);
    expect(String((err as Error).message)).toMatch(/read the skill credentials.*404/);
  });
});
