import type { SkillEndpoint } from '../project/skill-project.js';
import { isDebugRegion, type DebugRegion } from './protocol.js';

/**
 * Which of the debugging service's regions to connect to when --region is not given: the skill's
 * own endpoint region (a single regional endpoint in skill.json, or the AWS region of a Lambda ARN
 * in the one Amazon pairs with an Alexa region: us-east-1 NA, eu-west-1 EU, us-west-2 FE), else
 * NA, as `ask run` defaults. Pure.
 */
const LAMBDA_REGIONS: Record<string, DebugRegion> = { 'us-east-1': 'NA', 'eu-west-1': 'EU', 'us-west-2': 'FE' };

export interface RegionChoice {
  region: DebugRegion;
  /** Why this one, for the "listening" message. */
  why: string;
}

export function regionFromEndpoints(endpoints: readonly SkillEndpoint[] | undefined): RegionChoice | undefined {
  if (!endpoints?.length) return undefined;
  const regional = [...new Set(endpoints.map((e) => e.region).filter(isDebugRegion))];
  if (regional.length === 1) return { region: regional[0]!, why: `the skill's only regional endpoint (${regional[0]}) in skill.json` };
  if (regional.length > 1) return undefined;
  const def = endpoints.find((e) => e.region === 'default');
  const arn = def ? /^arn:aws:lambda:([a-z0-9-]+):/.exec(def.uri) : null;
  const region = arn ? LAMBDA_REGIONS[arn[1]!] : undefined;
  return region ? { region, why: `the skill's Lambda function is in ${arn![1]}` } : undefined;
}

export function chooseRegion(flag: DebugRegion | undefined, endpoints: readonly SkillEndpoint[] | undefined): RegionChoice {
  if (flag) return { region: flag, why: '--region' };
  return regionFromEndpoints(endpoints) ?? { region: 'NA', why: 'the default; pass --region EU or FE when your developer account is in Europe or the Far East' };
}
