import { makeStyle, renderStyles, styleMarkerPattern, type Style } from './color.js';
import { redactText } from './redact.js';
import { SecretSet, type SecretOptions } from './secrets.js';
import { withSchemaVersion } from './json-document.js';
import { DEFAULT_WIDTH, toAscii } from './terminal.js';
import { neutralizeControl, terminalSafeJson } from './text.js';
import { wrapText } from './wrap.js';

/** The slice of a stream we write to; tests pass plain collectors. */
export interface TextSink {
  write(chunk: string): unknown;
  isTTY?: boolean;
  /** A terminal's width (process.stdout.columns). */
  columns?: number;
}

/** How a line is laid out. */
export interface LineOptions {
  /**
   * Laid out already (a diagram, a code snippet to copy): not wrapped. Only for text built to fit
   * the width, or that must not be broken to stay usable.
   */
  preformatted?: boolean;
  /** Continuation lines start at this column (when the line's own shape does not say where its text starts). */
  hang?: number;
}

export interface OutputOptions {
  json: boolean;
  verbose: boolean;
  /** Colour level for stdout and stderr (0 = none). */
  stdoutColor: 0 | 1 | 2 | 3;
  stderrColor: 0 | 1 | 2 | 3;
  stdout: TextSink;
  stderr: TextSink;
  /** Width to wrap each stream's lines to (src/ui/terminal.ts terminalWidth); default 80. */
  stdoutWidth?: number;
  stderrWidth?: number;
  /** Whether the terminal shows Unicode symbols; false: icons, arrows and box drawing in ASCII (default true). */
  unicode?: boolean;
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
 * escapes such as \x1b, src/ui/text.ts), put in ASCII when the terminal cannot show Unicode
 * (src/ui/terminal.ts), wrapped to the stream's width with a hanging indent (src/ui/wrap.ts), then
 * styled: `style`/`errStyle` put markers that only
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
  /** Columns of each stream's terminal; lines are wrapped to them. */
  readonly stdoutWidth: number;
  readonly stderrWidth: number;
  /** Whether the terminal shows Unicode; false: symbols are written in ASCII. */
  readonly unicode: boolean;
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
    this.stdoutWidth = opts.stdoutWidth ?? DEFAULT_WIDTH;
    this.stderrWidth = opts.stderrWidth ?? DEFAULT_WIDTH;
    this.unicode = opts.unicode ?? true;
  }

  /** How prompts (on stderr) may draw: colour as stderr has it, Unicode as the terminal shows it. */
  get promptLook(): { color: boolean; unicode: boolean } {
    return { color: this.stderrColor > 0, unicode: this.unicode };
  }

  /** A symbol as this terminal shows it: itself, or its ASCII stand-in (for text laid out by width). */
  symbol(text: string): string {
    return this.unicode ? text : toAscii(text);
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

  /** Human-readable text as it reaches a stream: redacted, neutralised, in ASCII if need be, wrapped, then styled. */
  private line(text: string, level: 0 | 1 | 2 | 3, width: number, opts: LineOptions = {}): string {
    let t = neutralizeControl(this.scrub(text));
    if (!this.unicode) t = toAscii(t);
    if (!opts.preformatted) t = wrapText(t, width, { zeroWidth: styleMarkerPattern(), ...(opts.hang !== undefined ? { hang: opts.hang } : {}) });
    return renderStyles(t, level) + '\n';
  }

  /** Human-readable data on stdout. Not printed with `--json`. */
  print(text = '', opts?: LineOptions): void {
    if (this.json) return;
    this.stdout.write(this.line(text, this.stdoutColor, this.stdoutWidth, opts));
  }

  /** The one `--json` document, with `"schemaVersion": 1` in front. Only written with `--json`; a second call is a bug. */
  result(doc: unknown): void {
    if (!this.json) return;
    if (this.resultWritten) throw new Error('Output.result called twice: --json must print one document');
    this.resultWritten = true;
    this.stdout.write(terminalSafeJson(this.scrub(JSON.stringify(withSchemaVersion(doc), null, 2))) + '\n');
  }

  /**
   * The one `--json` document, written in parts as they are produced, so a large document (a
   * hundred thousand replays) never sits in memory whole. Each part is scrubbed; a part must not
   * split a value (a secret cut in two would escape the redaction).
   */
  async resultParts(parts: Iterable<string>): Promise<void> {
    // The parts are the document as written (their producer puts "schemaVersion": 1 first, as result does).
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
  info(text: string, opts?: LineOptions): void {
    this.stderr.write(this.line(text, this.stderrColor, this.stderrWidth, opts));
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

  /**
   * Only with --verbose: traces, stacks. Redacted, neutralised and in ASCII like everything else,
   * but not wrapped: an HTTP trace or a stack keeps one header, body or frame per line, to copy
   * and to search.
   */
  debug(text: string): void {
    if (this.verbose) this.info(this.errStyle.dim(text), { preformatted: true });
  }
}

/**
 * An output that collects text, for tests and for commands that run others (demo). Its lines are
 * not wrapped unless a width is given (a test of layout passes one; others match whole messages).
 */
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
    stdoutWidth: opts.stdoutWidth ?? Number.POSITIVE_INFINITY,
    stderrWidth: opts.stderrWidth ?? Number.POSITIVE_INFINITY,
    ...(opts.unicode !== undefined ? { unicode: opts.unicode } : {}),
    stdout: { write: (c: string) => (so += c) },
    stderr: { write: (c: string) => (se += c) },
  });
  return { out, stdout: () => so, stderr: () => se };
}
