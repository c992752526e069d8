import type { Envelope } from '../envelopes.js';
import type { TargetOutcome } from '../evidence.js';
import type { CodeInfo } from '../kinds/types.js';

/** What the runner tells a target about the envelope it sends (never part of the envelope). */
export interface SendHints {
  /** Secret values in the envelope (tokens), to redact from what the skill logs. */
  secrets?: readonly string[];
}

/** Where replays go: a Lambda handler in a child process, an HTTP endpoint, or SMAPI skill invocation. */
export interface ReplayTarget {
  /** For explanations: "the handler", "the endpoint", "SMAPI skill invocation". */
  readonly name: string;
  /** For the report: "handler lambda/index.js#handler". */
  readonly description: string;
  /** Whether replays to it go over the network (skipped with --offline). */
  readonly usesNetwork: boolean;
  /** Sends one envelope; never throws for a failure of the skill (that is an outcome). */
  send(envelope: Envelope, signal?: AbortSignal, hints?: SendHints): Promise<TargetOutcome>;
  /** What the skill's code shows about its style (the handler target reads the handler file). */
  codeInfo?(): Promise<CodeInfo | undefined>;
  close(): Promise<void>;
}
