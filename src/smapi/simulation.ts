import type { v2 } from 'ask-smapi-model';
import { CancelledError } from '../errors.js';
import type { Smapi } from './client.js';
import { SmapiError } from './errors.js';

/**
 * A SMAPI skill simulation (v2): Alexa hears an utterance, calls the skill, and the result shows
 * the exact request envelope it sent — whether an accessToken was in it is the definitive answer
 * to "does the token arrive". The skill must be enabled for testing first (enablement.ts).
 * Simulations are asynchronous: start, then poll with backoff until SUCCESSFUL or FAILED, bounded.
 */
export interface SimulationOptions {
  utterance: string;
  /** e.g. "en-US" */
  locale: string;
  stage?: string;
  /** FORCE_NEW_SESSION (default) starts a new session, as a user opening the skill would. */
  newSession?: boolean;
  /** First wait before polling; each next wait is × pollFactor (ask-cli: 2000 ms × 1.2^n). */
  pollBaseMs?: number;
  pollFactor?: number;
  /** Polls before giving up (ask-cli: 20). */
  maxPolls?: number;
  signal?: AbortSignal | undefined;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export interface SimulatedInvocation {
  endpoint: string | undefined;
  /** The request envelope Alexa sent to the skill. */
  request: Record<string, unknown> | undefined;
  /** What the skill answered, if it answered. */
  response: Record<string, unknown> | undefined;
  skillExecutionTimeMs: number | undefined;
}

export interface SimulationOutcome {
  id: string;
  status: 'SUCCESSFUL' | 'FAILED';
  invocations: SimulatedInvocation[];
  /** What Alexa said (captions). */
  alexaResponses: Array<{ type: string | undefined; caption: string | undefined }>;
  consideredIntents: string[];
  /** result.error.message, when the simulation or the skill failed. */
  error: string | undefined;
  polls: number;
}

export const DEFAULT_POLL_BASE_MS = 2000;
export const DEFAULT_POLL_FACTOR = 1.2;
export const DEFAULT_MAX_POLLS = 20;

function sleepFor(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new CancelledError());
    const onAbort = () => {
      clearTimeout(t);
      reject(new CancelledError());
    };
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** Reads a finished SimulationsApiResponse into plain data. */
export function readSimulationResult(res: v2.skill.simulations.SimulationsApiResponse, polls: number): SimulationOutcome {
  const result = res.result;
  const invocations = (result?.skillExecutionInfo?.invocations ?? []).map((inv) => ({
    endpoint: inv.invocationRequest?.endpoint,
    request: asRecord(inv.invocationRequest?.body),
    response: asRecord(inv.invocationResponse?.body),
    skillExecutionTimeMs: inv.metrics?.skillExecutionTimeInMilliseconds,
  }));
  return {
    id: res.id ?? '',
    status: res.status === 'FAILED' ? 'FAILED' : 'SUCCESSFUL',
    invocations,
    alexaResponses: (result?.alexaExecutionInfo?.alexaResponses ?? []).map((r) => ({ type: r.type, caption: r.content?.caption })),
    consideredIntents: (result?.alexaExecutionInfo?.consideredIntents ?? []).map((i) => i.name).filter((n): n is string => typeof n === 'string'),
    error: result?.error?.message,
    polls,
  };
}

export async function simulateUtterance(smapi: Smapi, skillId: string, opts: SimulationOptions): Promise<SimulationOutcome> {
  const stage = opts.stage ?? 'development';
  const sleep = opts.sleep ?? sleepFor;
  const base = opts.pollBaseMs ?? DEFAULT_POLL_BASE_MS;
  const factor = opts.pollFactor ?? DEFAULT_POLL_FACTOR;
  const maxPolls = opts.maxPolls ?? DEFAULT_MAX_POLLS;
  const request: v2.skill.simulations.SimulationsApiRequest = {
    input: { content: opts.utterance },
    device: { locale: opts.locale },
    session: { mode: opts.newSession === false ? 'DEFAULT' : 'FORCE_NEW_SESSION' },
  };
  const started = await smapi.call({ action: `start a simulation of "${opts.utterance}"`, skillId, stage }, (c) => c.simulateSkillV2(skillId, stage, request));
  const id = started.id;
  if (!id) throw new SmapiError('SMAPI started a simulation but returned no simulation id.', { code: 'E_SIMULATION', operation: 'simulate' });
  if (started.status === 'SUCCESSFUL' || started.status === 'FAILED') return readSimulationResult(started, 0);
  let waited = 0;
  for (let poll = 1; poll <= maxPolls; poll++) {
    const wait = Math.round(base * factor ** (poll - 1));
    waited += wait;
    await sleep(wait, opts.signal);
    const res = await smapi.call({ action: 'read the simulation result', skillId, stage, notFound: 'the simulation expired or never existed' }, (c) => c.getSkillSimulationV2(skillId, stage, id));
    if (res.status === 'SUCCESSFUL' || res.status === 'FAILED') return readSimulationResult(res, poll);
  }
  throw new SmapiError(`The simulation of "${opts.utterance}" was still in progress after ${maxPolls} polls (${Math.round(waited / 1000)} s).`, {
    code: 'E_SIMULATION_TIMEOUT',
    operation: 'simulate',
    hint: 'SMAPI is slow or the skill endpoint hangs; run it again, or check the endpoint with alexa-link doctor --endpoint.',
  });
}

/** Whether the request Alexa sent carried an account-linking token, and where. */
export function tokenInRequest(request: Record<string, unknown> | undefined): { context: boolean; session: boolean } {
  const ctx = asRecord(asRecord(asRecord(request?.context)?.System)?.user)?.accessToken;
  const ses = asRecord(asRecord(request?.session)?.user)?.accessToken;
  return { context: typeof ctx === 'string' && ctx !== '', session: typeof ses === 'string' && ses !== '' };
}
