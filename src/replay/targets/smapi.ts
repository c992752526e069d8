import { AlexaLinkError, describeError } from '../../errors.js';
import type { Smapi } from '../../smapi/client.js';
import { enableSkill, isSkillEnabled } from '../../smapi/enablement.js';
import { invokeSkill, type EndpointRegion } from '../../smapi/invocation.js';
import type { Envelope } from '../envelopes.js';
import type { TargetOutcome } from '../evidence.js';
import { kindOf } from '../kinds/index.js';
import type { ReplayTarget } from './types.js';

/**
 * `--smapi`: each envelope goes through SMAPI skill invocation, so Alexa itself signs it and calls
 * the skill's real endpoint (Lambda or HTTPS). The skill is enabled for testing first.
 */
export interface SmapiTargetOptions {
  stage: string;
  region?: EndpointRegion;
}

export class SmapiTarget implements ReplayTarget {
  readonly name = 'the skill (through SMAPI skill invocation)';
  readonly description: string;
  readonly usesNetwork = true;
  private enabled: Promise<void> | undefined;

  constructor(
    private readonly smapi: Smapi,
    private readonly skillId: string,
    private readonly opts: SmapiTargetOptions,
  ) {
    this.description = `SMAPI skill invocation of ${skillId} (${opts.stage})`;
  }

  private ensureEnabled(): Promise<void> {
    this.enabled ??= (async () => {
      if (!(await isSkillEnabled(this.smapi, this.skillId, this.opts.stage))) await enableSkill(this.smapi, this.skillId, this.opts.stage);
    })();
    return this.enabled;
  }

  async send(envelope: Envelope): Promise<TargetOutcome> {
    const started = Date.now();
    try {
      await this.ensureEnabled();
      const r = await invokeSkill(this.smapi, this.skillId, envelope, { stage: this.opts.stage, ...(this.opts.region ? { region: this.opts.region } : {}) });
      const latencyMs = r.skillExecutionTimeMs ?? r.ms;
      let note: string | undefined;
      if (r.requestSent) {
        const kind = kindOf(envelope);
        const sent = kind?.tokenIn(envelope) ?? {};
        const arrived = kind?.tokenIn(r.requestSent as Envelope) ?? {};
        if (Object.entries(sent).some(([place, had]) => had && !arrived[place])) note = 'SMAPI did not forward the accessToken that was put into the envelope.';
      }
      if (r.status !== 'SUCCESSFUL' || !r.response) {
        return {
          status: null,
          latencyMs,
          error: { kind: 'smapi', message: `SMAPI invoked ${r.endpoint ?? 'the endpoint'} and the invocation failed${r.error ? `: ${r.error}` : ''}.`, hint: 'Look at the skill logs (CloudWatch for Lambda); SMAPI gives the skill 10 s.' },
          ...(note ? { note } : {}),
        };
      }
      return { status: 200, latencyMs, response: r.response, ...(note ? { note } : {}) };
    } catch (err) {
      const hint = err instanceof AlexaLinkError ? err.hint : undefined;
      return { status: null, latencyMs: Date.now() - started, error: { kind: 'smapi', message: `SMAPI skill invocation failed: ${describeError(err)}`, ...(hint ? { hint } : {}) } };
    }
  }

  async close(): Promise<void> {
    /* nothing held open */
  }
}
