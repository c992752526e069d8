import { makeStyle, renderStyles, type Style } from './color.js';
import { redactText } from './redact.js';
import { SecretSet, type SecretOptions } from './secrets.js';
import { neutralizeControl, terminalSafeJson } from './text.js';

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
  /**
   * Where registered secrets go. The CLI passes `processSecrets` (src/ui/secrets.ts), so text cut
   * short anywhere in the run is redacted before the cut; default: a set of this Output's own.
   */
  secrets?: SecretSet;
}

/**
 * All output goes through here. Data and the `--json` document go to stdout; progress, prompts,
 * warnings and errors go to stderr. With `--json`, stdout holds exactly one JSON document and
 * human-readable data is not printed.
 *
 * Every human-readable line is, in this order: redacted (registered secrets and secret-looking
 * fields), neutralised (control characters and escape sequences from outside become visible
 * escapes such as \x1b, src/ui/text.ts), then styled: `style`/`errStyle` put markers that only
 * this step turns into colours (src/ui/color.ts), so our colours survive and nothing from outside
 * reaches the terminal as a control sequence, whoever forgot what. The --json document keeps the
 * exact strings; JSON escapes them (and DEL, C1 and bidi controls are written as \u escapes).
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
  private readonly stdoutColor: 0 | 1 | 2 | 3;
  private readonly stderrColor: 0 | 1 | 2 | 3;
  /** The secrets this output redacts, in every encoding alexa-link produces of them. */
  readonly secrets: SecretSet;
  private resultWritten = false;

  constructor(opts: OutputOptions) {
    this.json = opts.json;
    this.verbose = opts.verbose;
    this.stdout = opts.stdout;
    this.stderr = opts.stderr;
    this.secrets = opts.secrets ?? new SecretSet();
    this.stdoutColor = opts.json ? 0 : opts.stdoutColor;
    this.stderrColor = opts.stderrColor;
    this.style = makeStyle(this.stdoutColor);
    this.errStyle = makeStyle(this.stderrColor);
  }

  /**
   * Registers a value that must never be printed whole (a token, a client secret), in every
   * encoding alexa-link produces of it; with `basicUser`, also inside the HTTP Basic credential.
   */
  addSecret(value: string | undefined, opts?: SecretOptions): void {
    this.secrets.add(value, opts);
  }

  /** Redacts registered secrets and secret-looking fields. */
  scrub(text: string): string {
    return redactText(text, this.secrets);
  }

  /** A human-readable line as it reaches a stream: redacted, neutralised, then styled. */
  private line(text: string, level: 0 | 1 | 2 | 3): string {
    return renderStyles(neutralizeControl(this.scrub(text)), level) + '\n';
  }

  /** Human-readable data on stdout. Not printed with `--json`. */
  print(text = ''): void {
    if (this.json) return;
    this.stdout.write(this.line(text, this.stdoutColor));
  }

  /** The one `--json` document. Only written with `--json`; a second call is a bug. */
  result(doc: unknown): void {
    if (!this.json) return;
    if (this.resultWritten) throw new Error('Output.result called twice: --json must print one document');
    this.resultWritten = true;
    this.stdout.write(terminalSafeJson(this.scrub(JSON.stringify(doc, null, 2))) + '\n');
  }

  /**
   * The one `--json` document, written in parts as they are produced, so a large document (a
   * hundred thousand replays) never sits in memory whole. Each part is scrubbed; a part must not
   * split a value (a secret cut in two would escape the redaction).
   */
  async resultParts(parts: Iterable<string>): Promise<void> {
    if (!this.json) return;
    if (this.resultWritten) throw new Error('Output.result called twice: --json must print one document');
    this.resultWritten = true;
    const sink = this.stdout as TextSink & { once?: (event: string, fn: () => void) => unknown };
    for (const part of parts) {
      // A pipe whose reader is slower than us: wait for it rather than buffer the document.
      if (sink.write(terminalSafeJson(this.scrub(part))) === false && typeof sink.once === 'function') await new Promise<void>((resolve) => sink.once!('drain', resolve));
    }
    this.stdout.write('\n');
  }

  get hasResult(): boolean {
    return this.resultWritten;
  }

  /** Progress and notes on stderr. */
  info(text: string): void {
    this.stderr.write(this.line(text, this.stderrColor));
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
