import type { v2 } from 'ask-smapi-model';
import type { Smapi } from './client.js';

/**
 * SMAPI skill invocation (v2): Alexa POSTs a request envelope we give it to the skill's real
 * endpoint (Lambda or HTTPS, signed as Alexa signs it) and returns what was sent and answered.
 * Synchronous; SMAPI gives the skill 10 s. The skill must be enabled for testing.
 */
export type EndpointRegion = v2.skill.invocations.EndPointRegions;

export interface InvocationOptions {
  stage?: string;
  /** 'default' = the manifest's global endpoint. */
  region?: EndpointRegion;
}

export interface InvocationOutcome {
  /** SUCCESSFUL or FAILED as SMAPI reports it. */
  status: 'SUCCESSFUL' | 'FAILED' | undefined;
  endpoint: string | undefined;
  /** The body SMAPI says it sent to the skill. */
  requestSent: Record<string, unknown> | undefined;
  /** The skill's answer. */
  response: Record<string, unknown> | undefined;
  error: string | undefined;
  skillExecutionTimeMs: number | undefined;
  /** Wall time of the SMAPI call. */
  ms: number;
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

export async function invokeSkill(smapi: Smapi, skillId: string, envelope: Record<string, unknown>, opts: InvocationOptions = {}): Promise<InvocationOutcome> {
  const stage = opts.stage ?? 'development';
  const request: v2.skill.invocations.InvocationsApiRequest = { endpointRegion: opts.region ?? 'default', skillRequest: { body: envelope } };
  const started = Date.now();
  const res = await smapi.call({ action: 'invoke the skill through SMAPI', skillId, stage }, (c) => c.invokeSkillEndPointV2(skillId, stage, request));
  const info = res.result?.skillExecutionInfo;
  return {
    status: res.status,
    endpoint: info?.invocationRequest?.endpoint,
    requestSent: asRecord(info?.invocationRequest?.body),
    response: asRecord(info?.invocationResponse?.body),
    error: res.result?.error?.message,
    skillExecutionTimeMs: info?.metrics?.skillExecutionTimeInMilliseconds,
    ms: Date.now() - started,
  };
}
