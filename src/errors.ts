/**
 * Typed errors. Known errors print their message and hint without a stack; anything else is an
 * internal error (stack and a "please report" line). Never throw strings.
 */
export type ExitCode = 0 | 1 | 2 | 130;

export interface AlexaLinkErrorOptions {
  /** Stable machine-readable code, e.g. `E_INPUT_JSON`. */
  code?: string;
  /** What the user can do about it. */
  hint?: string;
  exitCode?: ExitCode;
  cause?: unknown;
}

export class AlexaLinkError extends Error {
  readonly code: string;
  readonly hint: string | undefined;
  readonly exitCode: ExitCode;

  constructor(message: string, options: AlexaLinkErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = options.code ?? 'E_FAILED';
    this.hint = options.hint;
    this.exitCode = options.exitCode ?? 1;
  }
}

/** Wrong flags or arguments, or a required value missing in non-interactive mode. Exit 2. */
export class UsageError extends AlexaLinkError {
  constructor(message: string, options: Omit<AlexaLinkErrorOptions, 'exitCode'> = {}) {
    super(message, { code: 'E_USAGE', ...options, exitCode: 2 });
  }
}

/** Malformed input: a file, a field, a pasted value. Names what is wrong. Exit 2. */
export class InputError extends AlexaLinkError {
  /** The file, field or flag the message is about. */
  readonly source: string | undefined;
  constructor(message: string, options: Omit<AlexaLinkErrorOptions, 'exitCode'> & { source?: string } = {}) {
    super(message, { code: 'E_INPUT', ...options, exitCode: 2 });
    this.source = options.source;
  }
}

/** Ctrl-C or a cancelled prompt. Exit 130. */
export class CancelledError extends AlexaLinkError {
  constructor(message = 'Cancelled.') {
    super(message, { code: 'E_CANCELLED', exitCode: 130 });
  }
}

/** A network peer misbehaved: refused, timed out, bad TLS, bad answer. Exit 1 with a diagnosis. */
export class NetworkError extends AlexaLinkError {
  constructor(message: string, options: Omit<AlexaLinkErrorOptions, 'exitCode'> = {}) {
    super(message, { code: 'E_NETWORK', ...options, exitCode: 1 });
  }
}

export function isAlexaLinkError(err: unknown): err is AlexaLinkError {
  return err instanceof AlexaLinkError;
}

/** A short description of any thrown value, for messages (never a stack). */
export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
