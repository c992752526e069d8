import type { Envelope } from '../envelopes.js';
import type { TargetOutcome } from '../verdict.js';

/** Where replays go: a Lambda handler in a child process, an HTTP endpoint, or SMAPI skill invocation. */
export interface ReplayTarget {
  /** For explanations: "the handler", "the endpoint", "SMAPI skill invocation". */
  readonly name: string;
  /** For the report: "handler lambda/index.js#handler". */
  readonly description: string;
  /** Whether replays to it go over the network (skipped with --offline). */
  readonly usesNetwork: boolean;
  /** Sends one envelope; never throws for a failure of the skill (that is an outcome). */
  send(envelope: Envelope, signal?: AbortSignal): Promise<TargetOutcome>;
  close(): Promise<void>;
}
