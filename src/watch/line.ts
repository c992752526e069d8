import type { Style } from '../ui/color.js';
import type { Mark } from './narrative.js';

/**
 * One progress line per live request, as it is answered:
 *
 *   12:03:04 ✔ LaunchRequest · token: none · LinkAccount card "To use this skill…" · 35 ms
 *            ↳ not linked yet: the skill asked to link; …
 *
 * The request is `request.type` (with the intent), a skill event, or a smart home directive as
 * namespace.name; the answer is the speech excerpt, a LinkAccount card, a directive's event
 * (namespace.name) or why there was none. Tokens are never shown, only where one was. Pure.
 */
export type LineVerdict = 'pass' | 'warn' | 'fail';

export interface LiveLine {
  at: Date;
  /** "LaunchRequest", "IntentRequest WhoAmIIntent", "AlexaSkillEvent.SkillAccountLinked", "Alexa.Discovery.Discover". */
  label: string;
  /** Where the token was, per token place of the request's kind ({context, session}; a directive's scope…); undefined when not read (not judged). */
  token: Record<string, boolean> | undefined;
  answer: {
    linkAccountCard: boolean;
    speech: string | null;
    /** namespace.name of the event a smart home skill answered with. */
    event?: string;
    /** Why there was no answer ("timeout", "threw", "crash", "HTTP 500"). */
    failure?: string;
  };
  latencyMs: number;
  verdict: LineVerdict;
  marks: Mark[];
  /** The verdict's explanation, shown under failures and warnings. */
  explanation: string;
}

type Paint = Pick<Style, 'green' | 'yellow' | 'red' | 'dim' | 'bold' | 'cyan'>;

const SYMBOL: Record<LineVerdict, string> = { pass: '✔', warn: '⚠', fail: '✖' };
const SPEECH_EXCERPT = 60;

export function tokenWords(t: Record<string, boolean> | undefined): string {
  if (!t) return 'token: not read';
  const places = Object.entries(t).filter(([, v]) => v).map(([k]) => k);
  return places.length ? `token: ${places.join('+')}` : 'token: none';
}

export function excerpt(text: string, max = SPEECH_EXCERPT): string {
  const t = text.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1).trimEnd()}…` : t;
}

export function answerWords(a: LiveLine['answer']): string {
  if (a.failure) return `no answer (${a.failure})`;
  const parts: string[] = [];
  if (a.linkAccountCard) parts.push('LinkAccount card');
  if (a.event) parts.push(`event ${a.event}`);
  if (a.speech) parts.push(`"${excerpt(a.speech)}"`);
  return parts.length ? parts.join(' ') : 'no speech';
}

/** HH:MM:SS in local time. */
export function clock(at: Date): string {
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(at.getHours())}:${p(at.getMinutes())}:${p(at.getSeconds())}`;
}

function paint(style: Paint, verdict: LineVerdict, text: string): string {
  return verdict === 'pass' ? style.green(text) : verdict === 'warn' ? style.yellow(text) : style.red(text);
}

function markText(style: Paint, m: Mark): string {
  switch (m.kind) {
    case 'classic-bug':
      return style.red(m.text);
    case 'token-arrived':
      return style.green(m.text);
    case 'skill-event':
      return style.cyan(m.text);
    case 'asked-to-link':
      return m.text;
  }
}

/** Where a request line's text continues when it wraps: under the request, after "HH:MM:SS ✔ ". */
export const LINE_HANG = 'HH:MM:SS ✔ '.length;

export function formatLine(line: LiveLine, style: Paint): string[] {
  const time = clock(line.at);
  const head = `${style.dim(time)} ${paint(style, line.verdict, SYMBOL[line.verdict])} ${style.bold(line.label)} · ${tokenWords(line.token)} · ${answerWords(line.answer)} · ${line.latencyMs} ms`;
  const pad = ' '.repeat(time.length + 1);
  const out = [head];
  for (const m of line.marks) out.push(`${pad}↳ ${markText(style, m)}`);
  if (line.verdict !== 'pass' || line.marks.some((m) => m.kind === 'classic-bug')) {
    for (const l of line.explanation.split('\n')) out.push(`${pad}  ${style.dim(l)}`);
  }
  return out;
}
