import { makeStyle, type Style } from './color.js';
import { redactText } from './redact.js';

/** The slice of a stream we write to; tests pass plain collectors. */
export interface TextSink {
  write(chunk: string): unknown;
  isTTY?: boolean;
}

export interface OutputOptions {
  json: boolean;
  verbose: boolean;
  /** Colour level for stdout and stderr (0 = none). */
  stdoutColor: 0 | 1 | 2 | 3;
  stderrColor: 0 | 1 | 2 | 3;
  stdout: TextSink;
  stderr: TextSink;
}

/**
 * All output goes through here. Data and the `--json` document go to stdout; progress, prompts,
 * warnings and errors go to stderr. With `--json`, stdout holds exactly one JSON document and
 * human-readable data is not printed. Every line passes through secret redaction.
 */
export class Output {
  readonly json: boolean;
  readonly verbose: boolean;
  /** Styles for text written to stdout. */
  readonly style: Style;
  /** Styles for text written to stderr. */
  readonly errStyle: Style;
  private readonly stdout: TextSink;
  private readonly stderr: TextSink;
  private readonly secrets = new Set<string>();
  private resultWritten = false;

  constructor(opts: OutputOptions) {
    this.json = opts.json;
    this.verbose = opts.verbose;
    this.stdout = opts.stdout;
    this.stderr = opts.stderr;
    this.style = makeStyle(opts.json ? 0 : opts.stdoutColor);
    this.errStyle = makeStyle(opts.stderrColor);
  }

  /** Registers an exact value that must never be printed whole (a token, a client secret). */
  addSecret(value: string | undefined): void {
    if (value && value.length >= 4) this.secrets.add(value);
  }

  /** Redacts registered secrets and secret-looking fields. */
  scrub(text: string): string {
    return redactText(text, this.secrets);
  }

  /** Human-readable data on stdout. Not printed with `--json`. */
  print(text = ''): void {
    if (this.json) return;
    this.stdout.write(this.scrub(text) + '\n');
  }

  /** The one `--json` document. Only written with `--json`; a second call is a bug. */
  result(doc: unknown): void {
    if (!this.json) return;
    if (this.resultWritten) throw new Error('Output.result called twice: --json must print one document');
    this.resultWritten = true;
    this.stdout.write(this.scrub(JSON.stringify(doc, null, 2)) + '\n');
  }

  get hasResult(): boolean {
    return this.resultWritten;
  }

  /** Progress and notes on stderr. */
  info(text: string): void {
    this.stderr.write(this.scrub(text) + '\n');
  }

  success(text: string): void {
    this.info(`${this.errStyle.green('✔')} ${text}`);
  }

  warn(text: string): void {
    this.info(`${this.errStyle.yellow('⚠')} ${text}`);
  }

  error(text: string): void {
    this.info(`${this.errStyle.red('✖')} ${text}`);
  }

  /** Only with --verbose: traces, stacks. Redacted like everything else. */
  debug(text: string): void {
    if (this.verbose) this.info(this.errStyle.dim(text));
  }
}

/** An output that collects text, for tests and for commands that run others (demo). */
export function collectingOutput(opts: Partial<Omit<OutputOptions, 'stdout' | 'stderr'>> = {}): {
  out: Output;
  stdout: () => string;
  stderr: () => string;
} {
  let so = '';
  let se = '';
  const out = new Output({
    json: opts.json ?? false,
    verbose: opts.verbose ?? false,
    stdoutColor: opts.stdoutColor ?? 0,
    stderrColor: opts.stderrColor ?? 0,
    stdout: { write: (c: string) => (so += c) },
    stderr: { write: (c: string) => (se += c) },
  });
  return { out, stdout: () => so, stderr: () => se };
}
