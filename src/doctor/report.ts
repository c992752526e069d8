import { styleMarkerPattern, type Style } from '../ui/color.js';
import { withSchemaVersion } from '../ui/json-document.js';
import { toAscii } from '../ui/terminal.js';
import { neutralizeControl } from '../ui/text.js';
import { displayWidth, wrapLine } from '../ui/wrap.js';
import type { LogLine } from '../replay/evidence.js';
import { firstErrorLog } from '../replay/failure-text.js';
import { kindById } from '../replay/kinds/index.js';
import type { AnswerSummary, FlowHop, TokenPresence, Verdict } from '../replay/kinds/types.js';
import { DETAIL_PER_PROBLEM, isCompact, type ReplayResult, type StoredReplay } from '../replay/runner.js';
import type { CheckResult, CheckStatus, HopId } from './types.js';
import { STATUS_ORDER } from './types.js';

/**
 * The doctor report: readable text (symbols, colour when allowed, a sequence diagram of the
 * linking flow with the failing hop marked, "N/M checks passed", fixes grouped under the
 * failures), or the --json document in the design's shape.
 */
export interface DoctorReport {
  ok: boolean;
  summary: Record<CheckStatus, number>;
  checks: CheckResult[];
  replays: StoredReplay[];
  /** What the replays went to. */
  replayTarget?: string;
  /** The project root, for the header. */
  project?: string;
  /** The project's skill kind (its diagram's hops between Alexa and the skill). */
  skillKind?: string;
}

/** The --json document: exactly { ok, summary, checks[], replays[] } (design, "alexa-link doctor"). */
export interface DoctorJsonDocument {
  ok: boolean;
  summary: Record<CheckStatus, number>;
  checks: Array<{ id: string; title: string; status: CheckStatus; detail: string; fix?: string }>;
  replays: ReplayJson[];
}

/** One replay in the --json document. Past the first 1,000 of a large run, passes and repeated failures are compact (verdict, source, status). */
export type ReplayJson = FullReplayJson | CompactReplayJson;

/** `sameAs`: a failure or warning past the first 1,000 that repeats a problem shown in full 10 times names the first replay with it. */
export type CompactReplayJson = { compact: true; source: string; request: string; label: string; tokenInEnvelope: TokenPresence; status: number | null; latencyMs: number; verdict: Verdict; sameAs?: string };

/**
 * The --json document as a reader of a run of up to 1,000 replays sees it (every replay full);
 * toJson's own type, DoctorJsonDocument, also allows the compact records of larger runs.
 */
export type DoctorJson = Omit<DoctorJsonDocument, 'replays'> & { replays: FullReplayJson[] };

/** The kind's answer summary; custom skills' (the design's shape) has linkAccountCard and speech. */
export type ResponseJson = AnswerSummary & { linkAccountCard?: boolean; speech?: string | null };

export type FullReplayJson = {
      source: string;
      kind: string;
      request: string;
      label: string;
      tokenInEnvelope: TokenPresence;
      status: number | null;
      latencyMs: number;
      response: ResponseJson;
      verdict: Verdict;
      explanation: string;
      fix?: string;
      /** The skill's style (SDK) the fix is written for. */
      style: string;
      /** What the skill logged while handling the request (bounded: 50 lines, 4 KB). */
      logs: LogLine[];
      logsDropped?: number;
      error?: { kind: string; message: string };
      probes: Array<{ id: string; title: string; tokenInEnvelope: TokenPresence; status: number | null; latencyMs: number; response: AnswerSummary; error?: { kind: string; message: string }; logs: LogLine[] }>;
    };

/** A full replay result in the --json shape (the watch command's entries). */
export function fullReplayToJson(r: ReplayResult): FullReplayJson {
  return replayToJson(r) as FullReplayJson;
}

export function replayToJson(r: StoredReplay): ReplayJson {
  if (isCompact(r)) return { ...r };
  const e = r.evidence;
  const out: ReplayJson = {
    // The design's fields first, in its order; then what the evidence adds.
    source: r.source,
    request: r.request,
    tokenInEnvelope: { ...r.tokenInEnvelope },
    status: r.status,
    latencyMs: r.latencyMs,
    response: { ...r.response } as ResponseJson,
    verdict: r.verdict,
    explanation: r.explanation,
    ...(r.fix ? { fix: r.fix } : {}),
    kind: r.kind,
    label: r.label,
    style: e.style,
    logs: e.logs,
    ...(e.logsDropped ? { logsDropped: e.logsDropped } : {}),
    ...(e.error ? { error: { kind: e.error.kind, message: e.error.message } } : {}),
    probes: e.probes.map((p) => ({
      id: p.id,
      title: p.title,
      tokenInEnvelope: { ...p.tokenIn },
      status: p.status,
      latencyMs: p.latencyMs,
      response: { ...(p.answer ?? {}) },
      ...(p.error ? { error: { kind: p.error.kind, message: p.error.message } } : {}),
      logs: p.logs,
    })),
  };
  return out;
}

export function buildReport(checks: CheckResult[], replays: StoredReplay[], extra: { replayTarget?: string; project?: string; skillKind?: string } = {}): DoctorReport {
  const summary: Record<CheckStatus, number> = { pass: 0, warn: 0, fail: 0, skip: 0 };
  for (const c of checks) summary[c.status]++;
  const ok = summary.fail === 0 && !replays.some((r) => r.verdict === 'fail');
  return { ok, summary, checks, replays, ...extra };
}

export function toJson(report: DoctorReport): DoctorJsonDocument {
  return {
    ok: report.ok,
    summary: { ...report.summary },
    checks: report.checks.map((c) => ({ id: c.id, title: c.title, status: c.status, detail: c.detail, ...(c.fix ? { fix: c.fix } : {}) })),
    replays: report.replays.map(replayToJson),
  };
}

/**
 * The --json document in parts, the same text as JSON.stringify(toJson(report), null, 2): the
 * replays are turned into JSON a batch at a time, so 100,000 of them never sit in memory as one
 * string (Output.resultParts writes each part as it comes).
 */
export function* toJsonParts(report: DoctorReport, extra: Record<string, unknown> = {}, batch = 500): Generator<string> {
  const { replays: _replays, ...head } = toJson({ ...report, replays: [] });
  // schemaVersion first, as Output.result writes it for every other document; extra fields (fix) before the replays.
  const top = JSON.stringify(withSchemaVersion({ ...head, ...extra }), null, 2);
  if (report.replays.length === 0) {
    yield `${top.slice(0, -2)},\n  "replays": []\n}`;
    return;
  }
  yield `${top.slice(0, -2)},\n  "replays": [`;
  for (let i = 0; i < report.replays.length; i += batch) {
    const part = report.replays
      .slice(i, i + batch)
      .map((r) => `\n    ${JSON.stringify(replayToJson(r), null, 2).replace(/\n/g, '\n    ')}`)
      .join(',');
    yield i === 0 ? part : `,${part}`;
  }
  yield '\n  ]\n}';
}

type Paint = Pick<Style, 'green' | 'yellow' | 'red' | 'dim' | 'bold' | 'cyan'>;

export const SYMBOLS: Record<CheckStatus, string> = { pass: '✔', warn: '⚠', fail: '✖', skip: '-' };

function paintStatus(style: Paint, status: CheckStatus | 'unknown', text: string): string {
  switch (status) {
    case 'pass':
      return style.green(text);
    case 'warn':
      return style.yellow(text);
    case 'fail':
      return style.red(text);
    default:
      return style.dim(text);
  }
}

// ─── Sequence diagram ────────────────────────────────────────────────────────────────────────

export type HopStatus = CheckStatus | 'unknown';

export interface HopState {
  status: HopStatus;
  /** The checks that judged this hop (for the "fails here" mark). */
  checks: string[];
}

/** Lifeline names, two lines each so the diagram stays narrow. */
export const LIFELINES: ReadonlyArray<readonly [string, string]> = [
  ['User /', 'Alexa app'],
  ['Provider', 'authorize'],
  ['Alexa', ''],
  ['Provider', 'token'],
  ['Skill', ''],
];

export interface Hop {
  id: HopId;
  from: number;
  to: number;
  label: string;
  /** Request types whose replays judge this hop (a smart home skill's AcceptGrant). */
  requestTypes?: readonly string[];
}

/** The account-linking exchange, the same for every kind of skill. */
const LINKING_HOPS: readonly Hop[] = [
  { id: 1, from: 0, to: 1, label: 'open authorizationUrl (client_id, scope, state, redirect_uri)' },
  { id: 2, from: 1, to: 2, label: 'sign-in done: redirect to Alexa with code and state' },
  { id: 3, from: 2, to: 3, label: 'POST code + client credentials (accessTokenScheme)' },
  { id: 4, from: 3, to: 2, label: 'access_token + refresh_token in JSON, within 4.5 s' },
];

/** The custom skill's flow (and the default): the request with the token, and the answer. */
export const HOPS: readonly Hop[] = [
  ...LINKING_HOPS,
  { id: 5, from: 2, to: 4, label: 'request with context.System.user.accessToken' },
  { id: 6, from: 4, to: 2, label: 'answer: speech, or a LinkAccount card without a token' },
];

/** The diagram's hops for a skill kind: the linking exchange, then the kind's own hops between Alexa and the skill. */
export function hopsFor(kindId: string | undefined): readonly Hop[] {
  const flow: readonly FlowHop[] | undefined = kindId ? kindById(kindId)?.flow : undefined;
  return flow ? [...LINKING_HOPS, ...flow.map((h) => ({ ...h, id: h.id as HopId }))] : HOPS;
}

/** The hop each check judges unless its outcome names another. */
export const CHECK_HOPS: Readonly<Record<string, HopId>> = {
  'linking-config': 1,
  'linking-remote-drift': 1,
  'authorization-endpoint': 1,
  'token-endpoint': 3,
  'token-endpoint-scheme': 3,
  'session-tokens': 4,
  'manifest-endpoint': 5,
  simulation: 5,
  'alexa-client-credentials': 7,
  replays: 6,
};

/** Folds check results into one state per hop (the worst status of the checks that judged it). */
export function hopStates(checks: ReadonlyArray<Pick<CheckResult, 'id' | 'status' | 'hop'>>, hops: readonly Hop[] = HOPS): Record<HopId, HopState> {
  const states = {} as Record<HopId, HopState>;
  const judged = {} as Record<HopId, Array<{ id: string; status: CheckStatus }>>;
  for (const h of hops) {
    states[h.id] = { status: 'unknown', checks: [] };
    judged[h.id] = [];
  }
  for (const c of checks) {
    if (c.status === 'skip') continue;
    const hop = c.hop ?? CHECK_HOPS[c.id];
    if (!hop || !states[hop]) continue;
    const s = states[hop];
    if (s.status === 'unknown' || STATUS_ORDER[c.status] > STATUS_ORDER[s.status]) s.status = c.status;
    judged[hop].push({ id: c.id, status: c.status });
  }
  // Name the checks behind the hop's status: the failing ones on a failing hop, the warning ones on a warning hop.
  for (const h of hops) {
    const s = states[h.id];
    if (s.status === 'fail' || s.status === 'warn') s.checks = [...new Set(judged[h.id].filter((c) => c.status === s.status).map((c) => c.id))];
  }
  return states;
}

/**
 * What judges each hop: the checks, except that replays whose request type a hop names (a smart
 * home skill's AcceptGrant) judge that hop, and the other replays the answer hop.
 */
export function flowEntries(report: Pick<DoctorReport, 'checks' | 'replays'>, hops: readonly Hop[]): Array<Pick<CheckResult, 'id' | 'status' | 'hop'>> {
  const byType = hops.filter((h) => h.requestTypes?.length);
  if (!byType.length || !report.replays.length) return report.checks;
  const entries: Array<Pick<CheckResult, 'id' | 'status' | 'hop'>> = report.checks.filter((c) => c.id !== 'replays');
  for (const r of report.replays) {
    const hop = byType.find((h) => h.requestTypes!.includes(r.request))?.id ?? CHECK_HOPS.replays;
    entries.push({ id: 'replays', status: r.verdict, hop });
  }
  return entries;
}

const COL = 16;
/** Columns the sequence diagram needs: its arrows cannot wrap (6 of indent, 16 per lifeline). */
export const DIAGRAM_WIDTH = 6 + COL * 5;

export interface FlowOptions {
  /** Columns to fit: narrower than DIAGRAM_WIDTH, the flow is a list of hops instead of a drawing. */
  width?: number;
  /** false: the drawing and the marks in ASCII. */
  unicode?: boolean;
}

/**
 * The linking flow as a sequence diagram, one arrow per hop, each marked with its status; the
 * first failing hop says "fails here". On a terminal narrower than the drawing, the same hops as
 * a list (renderFlowList). Exported for `alexa-link demo`.
 */
export function renderFlowDiagram(states: Record<HopId, HopState>, style: Paint, hops: readonly Hop[] = HOPS, opts: FlowOptions = {}): string[] {
  if ((opts.width ?? Number.POSITIVE_INFINITY) < DIAGRAM_WIDTH) return renderFlowList(states, style, hops, opts);
  const ascii = opts.unicode === false ? toAscii : (t: string) => t;
  const width = COL * LIFELINES.length;
  const center = (i: number) => i * COL + Math.floor(COL / 2);
  const pad = '      ';
  const headerLine = (row: 0 | 1) =>
    LIFELINES.map((names) => {
      const name = names[row];
      const left = Math.max(0, center(0) - Math.floor(name.length / 2));
      return (' '.repeat(left) + name).padEnd(COL);
    }).join('');
  const lifelines = () => {
    const row = Array.from({ length: width }, () => ' ');
    for (let i = 0; i < LIFELINES.length; i++) row[center(i)] = '│';
    return row;
  };
  const lines = [pad + style.bold(headerLine(0).trimEnd()), pad + style.bold(headerLine(1).trimEnd()), pad + ascii(lifelines().join('').trimEnd())];
  let marked = false;
  for (const [position, hop] of hops.entries()) {
    const st = states[hop.id] ?? { status: 'unknown', checks: [] };
    const row = lifelines();
    const a = center(hop.from);
    const b = center(hop.to);
    const lo = Math.min(a, b);
    const hi = Math.max(a, b);
    for (let x = lo; x <= hi; x++) row[x] = row[x] === '│' && x !== a && x !== b ? '┼' : '─';
    if (b > a) {
      row[a] = '├';
      row[b - 1] = '▶';
      row[b] = '│';
    } else {
      row[a] = '┤';
      row[b + 1] = '◀';
      row[b] = '│';
    }
    const arrow = ascii(row.join('').slice(lo, hi + 1));
    const before = ascii(row.join('').slice(0, lo));
    const after = ascii(row.join('').slice(hi + 1).trimEnd());
    const symbol = ascii(st.status === 'unknown' ? '·' : SYMBOLS[st.status]);
    let note = '';
    if (st.status === 'fail' && !marked) {
      marked = true;
      note = style.red(ascii(`  ✖ fails here (${st.checks.join(', ')})`));
    } else if (st.status === 'fail') note = style.red(`  (${st.checks.join(', ')})`);
    else if (st.status === 'warn') note = style.yellow(`  (${st.checks.join(', ')})`);
    const lead = ` ${paintStatus(style, st.status, symbol)} ${position + 1}  `;
    lines.push(`${lead}${st.status === 'unknown' ? style.dim(hop.label) : hop.label}${note}`);
    lines.push(`${pad}${before}${paintStatus(style, st.status, arrow)}${after}`);
  }
  lines.push(pad + style.dim(ascii('· = not checked in this run')));
  return lines;
}

/** The custom skill's hops in a few words, for the list form: who talks to whom, and what. */
const HOP_SHORT: Readonly<Record<number, string>> = {
  1: 'Alexa app → provider: opens the authorization URL',
  2: 'provider → Alexa: redirect with a code',
  3: 'Alexa → token URL: the code and client credentials',
  4: 'token URL → Alexa: tokens in JSON, within 4.5 s',
  5: 'Alexa → skill: a request with the token',
  6: 'skill → Alexa: speech, or a LinkAccount card',
};

/** Who each lifeline is, for a hop of another kind's flow in the list form. */
const END_NAMES = ['Alexa app', 'provider', 'Alexa', 'token URL', 'skill'];

function hopWords(hop: Hop): string {
  const custom = HOPS.find((h) => h.id === hop.id && h.label === hop.label);
  return custom ? HOP_SHORT[hop.id]! : `${END_NAMES[hop.from] ?? '?'} → ${END_NAMES[hop.to] ?? '?'}: ${hop.label}`;
}

/** The linking flow as a list, one hop a line: for a terminal too narrow for the drawing. */
export function renderFlowList(states: Record<HopId, HopState>, style: Paint, hops: readonly Hop[] = HOPS, opts: FlowOptions = {}): string[] {
  const ascii = opts.unicode === false ? toAscii : (t: string) => t;
  const width = opts.width ?? 80;
  const lines: string[] = [];
  let marked = false;
  for (const [position, hop] of hops.entries()) {
    const st = states[hop.id] ?? { status: 'unknown', checks: [] };
    const symbol = ascii(st.status === 'unknown' ? '·' : SYMBOLS[st.status]);
    let note = '';
    if (st.status === 'fail' && !marked) {
      marked = true;
      note = ` ← fails here (${st.checks.join(', ')})`;
    } else if (st.status === 'fail' || st.status === 'warn') note = ` (${st.checks.join(', ')})`;
    note = ascii(note);
    const lead = ` ${symbol} ${position + 1} `;
    const room = width - displayWidth(lead) - displayWidth(note);
    // The label gives way to the note; a note that does not fit goes on the next line.
    const onNextLine = room < 20;
    const label = clipToWidth(ascii(hopWords(hop)), onNextLine ? width - displayWidth(lead) : room, opts.unicode === false ? '...' : '…');
    const painted = st.status === 'unknown' ? style.dim(label) : label;
    const notePainted = st.status === 'fail' ? style.red(note) : style.yellow(note);
    lines.push(` ${paintStatus(style, st.status, symbol)} ${position + 1} ${painted}${onNextLine || !note ? '' : notePainted}`);
    if (onNextLine && note) lines.push(`${' '.repeat(displayWidth(lead) - 1)}${notePainted}`);
  }
  lines.push(style.dim(ascii('   · = not checked in this run')));
  return lines;
}

/** Whether any hop of the flow was judged in this run (the flow is drawn only then, unless -v). */
export function anyHopChecked(states: Record<HopId, HopState>, hops: readonly Hop[] = HOPS): boolean {
  return hops.some((h) => (states[h.id]?.status ?? 'unknown') !== 'unknown');
}

// ─── Text report ─────────────────────────────────────────────────────────────────────────────

function indent(text: string, by: string): string {
  return text
    .split('\n')
    .map((l) => by + l)
    .join('\n');
}

function tokenWords(t: TokenPresence, short = false): string {
  const places = Object.entries(t).filter(([, v]) => v).map(([k]) => k);
  if (places.length === 0) return 'no token';
  // The compact report's one line: "token sent" for every one of several places (context+session); -v names them.
  if (places.length === Object.keys(t).length) return short && places.length > 1 ? 'token sent' : `token: ${places.join('+')}`;
  return `token: ${places.join('+')} only`;
}

function answerWords(response: AnswerSummary): string {
  if (response.linkAccountCard === true) return 'LinkAccount card';
  if (typeof response.speech === 'string') return 'speech';
  if (Array.isArray(response.directives) && response.directives.length) return 'directives';
  return 'no speech';
}

/** A probe's answer in a few words, next to the answer as given. */
function probeOutcome(p: ReplayResult['evidence']['probes'][number], main: ReplayResult): string {
  if (p.error) return `failed (${p.error.kind})`;
  if (!p.answer) return 'no skill response';
  if (p.answer.linkAccountCard === true) return 'asks to link';
  if (typeof p.answer.speech === 'string' && p.answer.speech === main.response.speech) return 'same answer';
  return typeof p.answer.speech === 'string' ? `“${clip(p.answer.speech, 60)}”` : 'no speech';
}

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

function logLines(logs: readonly LogLine[], verbose: boolean): string[] {
  if (verbose) return logs.map((l) => `${l.level}: ${l.text}`);
  const first = firstErrorLog(logs);
  return first ? [`${first.level}: ${first.text}`] : [];
}

function renderReplay(r: ReplayResult, style: Paint, srcWidth: number, verbose: boolean): string[] {
  const out: string[] = [];
  const sym = paintStatus(style, r.verdict, SYMBOLS[r.verdict]);
  const status = r.status === null ? '—' : String(r.status);
  if (r.evidence.error?.kind === 'input') {
    out.push(` ${sym} ${safe(r.source).padEnd(srcWidth)}  not loaded`);
    out.push(indent(safe(r.explanation), '     '));
    return out;
  }
  const kind = kindById(r.kind);
  const words = (a: AnswerSummary) => (kind?.describe ? kind.describe(a) : answerWords(a));
  out.push(` ${sym} ${safe(r.source).padEnd(srcWidth)}  ${safe(r.label)}  ·  ${tokenWords(r.tokenInEnvelope)}  ·  ${status}  ${r.latencyMs} ms  ·  ${safe(words(r.response))}`);
  if (typeof r.response.speech === 'string') out.push(style.dim(`     "${safe(r.response.speech)}"`));
  out.push(indent(safe(r.explanation), '     '));
  const e = r.evidence;
  const logs = logLines(e.logs, verbose);
  if (logs.length) {
    out.push(style.dim(`     logged${verbose ? '' : ' (first error; all with -v)'}:`));
    for (const l of logs) out.push(style.dim(`       ${safe(l)}`));
    if (verbose && e.logsDropped) out.push(style.dim(`       … ${e.logsDropped} more line${e.logsDropped === 1 ? '' : 's'} not kept (50 lines, 4 KB per request)`));
  }
  if (verbose && e.thrown?.stack) out.push(indent(style.dim(safe(e.thrown.stack)), '       '));
  if (e.probes.length) {
    out.push(style.dim(`     probes: ${e.probes.map((p) => `${p.title} → ${kind?.describe && !p.error && p.answer ? safe(kind.describe(p.answer)) : probeOutcome(p, r)}`).join(' · ')}`));
    if (verbose) {
      for (const p of e.probes) {
        const pl = logLines(p.logs, true);
        if (pl.length) {
          out.push(style.dim(`     logged with ${p.title}:`));
          for (const l of pl) out.push(style.dim(`       ${safe(l)}`));
        }
      }
    }
  }
  if (r.fix && (verbose || r.verdict !== 'pass')) out.push(indent(`fix: ${safe(r.fix)}`, '     '));
  return out;
}

/** Text from the skill or a file is shown with its control characters as visible escapes (line breaks kept). */
function safe(text: string): string {
  return neutralizeControl(text);
}

export interface TextOptions {
  /** -v: everything (each check's whole detail, every replay with its logs and probes, the drawing). */
  verbose: boolean;
  /** Columns to fit (the terminal's; default 80). */
  width?: number;
  /** false: a terminal without Unicode (symbols in ASCII). */
  unicode?: boolean;
  /** The flags to keep in the command the report ends with (--handler x, --token session…). */
  rerun?: readonly string[];
  /** doctor --fix's outcome, when it ran. */
  fix?: { written: boolean; changes: readonly unknown[] };
}

/** The readable report, for stdout: the body, then the summary line and the command to run next. */
export function renderText(report: DoctorReport, style: Paint, opts: TextOptions = { verbose: false }): string {
  return [...renderBody(report, style, opts), '', ...renderFooter(report, style, opts)].join('\n');
}

/** Everything above the summary line: compact by default, today's full report with -v. */
export function renderBody(report: DoctorReport, style: Paint, opts: TextOptions = { verbose: false }): string[] {
  return opts.verbose ? renderFull(report, style, opts) : renderCompact(report, style, opts);
}

/** The full report (-v): every check's whole detail, every replay in full, the flow, the fixes. */
function renderFull(report: DoctorReport, style: Paint, opts: TextOptions): string[] {
  const out: string[] = [];
  out.push(style.bold('alexa-link doctor') + (report.project ? style.dim(`  ${report.project}`) : ''));
  out.push('');
  const idWidth = Math.max(...report.checks.map((c) => c.id.length), 8);
  for (const c of report.checks) {
    const sym = paintStatus(style, c.status, SYMBOLS[c.status]);
    const ms = opts.verbose ? style.dim(` (${c.ms} ms)`) : '';
    out.push(` ${sym} ${c.id.padEnd(idWidth)}  ${c.title}${ms}`);
    const detail = c.status === 'skip' ? style.dim(c.detail) : c.detail;
    out.push(indent(detail, ' '.repeat(idWidth + 6)));
    if (opts.verbose && c.stack) out.push(indent(style.dim(c.stack), ' '.repeat(idWidth + 6)));
  }

  if (report.replays.length) {
    out.push('');
    out.push(style.bold(`Replays${report.replayTarget ? ` → ${report.replayTarget}` : ''}`));
    const shown = report.replays.filter((r): r is ReplayResult => !isCompact(r));
    const srcWidth = Math.min(40, Math.max(...shown.map((r) => r.source.length), 8));
    for (const r of shown) out.push(...renderReplay(r, style, srcWidth, opts.verbose));
    const { passed, repeated } = summarisedCounts(report.replays);
    if (passed) out.push(style.dim(`   … and ${passed.toLocaleString('en-US')} more replays passed (past the first 1,000 only failures and warnings are shown in full; --json lists every replay's verdict, source and status)`));
    if (repeated) out.push(style.dim(`   … and ${repeated.toLocaleString('en-US')} more failures and warnings that repeat a problem shown above ${DETAIL_PER_PROBLEM} times (--json lists each, with sameAs naming the first)`));
  }

  out.push('');
  out.push(style.bold('Linking flow'));
  const hops = hopsFor(report.skillKind);
  out.push(...renderFlowDiagram(hopStates(flowEntries(report, hops), hops), style, hops, flowOptions(opts)));

  const problems = report.checks.filter((c) => (c.status === 'fail' || c.status === 'warn') && c.fix);
  problems.sort((a, b) => STATUS_ORDER[b.status] - STATUS_ORDER[a.status]);
  if (problems.length) {
    out.push('');
    out.push(style.bold('How to fix'));
    for (const c of problems) {
      out.push(` ${paintStatus(style, c.status, SYMBOLS[c.status])} ${style.bold(c.id)}`);
      out.push(indent(c.fix!, '     '));
    }
  }
  return out.flatMap((l) => l.split('\n'));
}

function flowOptions(opts: TextOptions): FlowOptions {
  return { ...(opts.width !== undefined ? { width: opts.width } : {}), ...(opts.unicode !== undefined ? { unicode: opts.unicode } : {}) };
}

// ─── Compact report ──────────────────────────────────────────────────────────────────────────

/** The first sentence of the first line of a detail, without a leading icon. */
export function firstSentence(text: string): string {
  const line = (text.split('\n').find((l) => l.trim() !== '') ?? '').trim().replace(/^[✔✖⚠·•-]\s+/u, '');
  // A sentence ends at ". " (not inside "e.g. ", a version "1.2" or a host "api.example.com").
  const m = /^(.*?[^.\s][.!?])(?=\s+[A-Z("“'])/u.exec(line);
  return (m ? m[1]! : line).trim();
}

/** `text` cut to `width` columns at a word boundary, with an ellipsis when something was left out. */
export function clipToWidth(text: string, width: number, ellipsis = '…'): string {
  if (displayWidth(text) <= width) return text;
  const room = Math.max(1, width - displayWidth(ellipsis));
  let cut = '';
  for (const ch of text) {
    if (displayWidth(cut + ch) > room) break;
    cut += ch;
  }
  const atSpace = cut.lastIndexOf(' ');
  // A path or URL is never cut: it goes whole, with the ellipsis where it was.
  const cutWord = [...text].slice(atSpace + 1).join('').split(' ')[0] ?? '';
  const pathLike = /[/\\]|:\/\//.test(cutWord);
  const kept = atSpace > 0 && (pathLike || atSpace > room / 2) ? cut.slice(0, atSpace) : cut;
  return `${kept.replace(/[\s,;:(·-]+$/u, '')}${ellipsis}`;
}

/** `text` cut to `width` columns in the middle, keeping its start and its end (builtin:intent:Who…-unlinked). */
export function clipMiddle(text: string, width: number, ellipsis = '…'): string {
  if (displayWidth(text) <= width) return text;
  const chars = [...text];
  const room = Math.max(2, width - displayWidth(ellipsis));
  const tail = Math.floor(room / 2);
  const head = room - tail;
  return `${chars.slice(0, head).join('')}${ellipsis}${chars.slice(chars.length - tail).join('')}`;
}

/** Items with the same text, together, in order of first appearance. */
export function groupBySame<T>(items: readonly T[], key: (t: T) => string): Array<{ key: string; items: T[] }> {
  const groups = new Map<string, T[]>();
  for (const it of items) {
    const k = key(it);
    const g = groups.get(k);
    if (g) g.push(it);
    else groups.set(k, [it]);
  }
  return [...groups].map(([k, v]) => ({ key: k, items: v }));
}

function names(list: readonly string[], max = 3, total = list.length): string {
  const shown = list.slice(0, max);
  return total > shown.length ? `${shown.join(', ')} and ${(total - shown.length).toLocaleString('en-US')} more` : shown.join(', ');
}

/** The replays kept compact: passes, and failures or warnings that repeat a problem shown in full. */
function summarisedCounts(replays: readonly StoredReplay[]): { passed: number; repeated: number } {
  let passed = 0;
  let repeated = 0;
  for (const r of replays) {
    if (!isCompact(r)) continue;
    if (r.verdict === 'pass') passed++;
    else repeated++;
  }
  return { passed, repeated };
}

/** The least of a replay's evidence its one line keeps room for ("LinkAccount…"), and the narrowest its source is cut to. */
const EVIDENCE_MIN = 12;
const SOURCE_MIN = 14;

/**
 * A replay's source cut to `width` columns: a path keeps its file name whole and as much of its
 * start as fits (/work/skill/…/launch-linked.json); anything else loses its middle.
 */
export function clipSource(source: string, width: number, ellipsis = '…'): string {
  if (displayWidth(source) <= width) return source;
  const slash = Math.max(source.lastIndexOf('/'), source.lastIndexOf('\\'));
  if (slash < 0) return clipMiddle(source, width, ellipsis);
  const tail = source.slice(slash);
  const room = width - displayWidth(ellipsis) - displayWidth(tail);
  if (room < 0) return clipMiddle(source.slice(slash + 1), width, ellipsis);
  let head = '';
  for (const ch of source.slice(0, slash)) {
    if (displayWidth(head + ch) > room) break;
    head += ch;
  }
  return `${head}${ellipsis}${tail}`;
}

/** The first thing the evidence shows, in a few words: the failure, the skill's first error log line, or its answer. */
function firstEvidence(r: ReplayResult): string {
  const e = r.evidence;
  if (e.error) return `${e.error.kind}: ${firstSentence(e.error.message)}`;
  const log = firstErrorLog(e.logs);
  if (log) return `logged ${log.level}: ${log.text}`;
  // The kind says what its answers are (a smart home skill's Discover.Response, 1 endpoint).
  const kind = kindById(r.kind);
  if (kind?.describe) return kind.describe(r.response);
  const speech = typeof r.response.speech === 'string' ? ` "${r.response.speech}"` : '';
  return `${answerWords(r.response)}${speech}`;
}

/** A check title's subject, for the one-line list ("Project files: found and valid" → "Project files"). */
function subject(title: string): string {
  return title.split(':')[0]!.trim();
}

/** At most this many lines of a failure's detail in the compact report (-v shows the rest). */
const DETAIL_LINES = 8;

/**
 * The compact report (the default): one line per check (icon, subject, one-line result), skipped
 * checks with the same reason on one line; one line per replay; then only warnings and failures:
 * a failure's detail and fix, a warning's fix in full, identical explanations once ("3
 * replays: …"); the flow when at least one hop was checked.
 */
function renderCompact(report: DoctorReport, style: Paint, opts: TextOptions): string[] {
  const width = opts.width ?? 80;
  const ascii = opts.unicode === false ? toAscii : (t: string) => t;
  const ellipsis = opts.unicode === false ? '...' : '…';
  const text = (t: string) => ascii(safe(t));
  const fit = (t: string, room: number) => clipToWidth(text(t).replace(/\n/g, ' '), Math.max(10, room), ellipsis);
  const icon = (status: CheckStatus | Verdict) => paintStatus(style, status, ascii(SYMBOLS[status]));
  const out: string[] = [];
  out.push(style.bold('alexa-link doctor') + (report.project ? style.dim(`  ${report.project}`) : ''));
  out.push('');

  // One line per check; skipped checks with the same reason share one line.
  const oneLine = (c: CheckResult) => c.summary ?? firstSentence(c.detail);
  const skipped = groupBySame(
    report.checks.filter((c) => c.status === 'skip'),
    oneLine,
  );
  // The subjects' column: as wide as the widest, within reason (a longer one is cut).
  const col = Math.min(Math.floor(width * 0.45), 26, Math.max(...report.checks.map((c) => displayWidth(subject(c.title))), 8));
  const skipShown = new Set<string>();
  for (const c of report.checks) {
    if (c.status === 'skip') {
      const group = skipped.find((g) => g.items.includes(c))!;
      if (skipShown.has(group.key)) continue;
      skipShown.add(group.key);
      if (group.items.length > 1) {
        // The reason, cut to leave the ids some room; then as many ids as fit.
        const reason = clipToWidth(text(group.key.replace(/^(Skipped|Not asked|Not tried)[:,]?\s*/i, '').replace(/\.$/, '')), Math.max(24, Math.floor((width - 3) * 0.45)), ellipsis);
        out.push(` ${icon('skip')} ${style.dim(fit(`${group.items.length} checks skipped (${reason}): ${group.items.map((i) => i.id).join(', ')}`, width - 3))}`);
        continue;
      }
    }
    const name = clipToWidth(subject(c.title), col, ellipsis);
    const result = fit(oneLine(c), width - 5 - Math.max(col, displayWidth(name)));
    out.push(` ${icon(c.status)} ${name}${' '.repeat(Math.max(0, col - displayWidth(name)))}  ${c.status === 'pass' || c.status === 'skip' ? style.dim(result) : result}`);
  }

  // One line per replay: source, request, token placement, status, verdict, first evidence.
  const full = report.replays.filter((r): r is ReplayResult => !isCompact(r));
  if (report.replays.length) {
    out.push('');
    out.push(style.bold(text(`Replays${report.replayTarget ? ` → ${report.replayTarget}` : ''}`)));
    // The rest of each line: request, token placement, status, verdict, then the first evidence.
    const rows = full.map((r) => {
      const status = r.status === null ? '—' : String(r.status);
      // A directive by its name (Alexa.PowerController.TurnOn → TurnOn): the room goes to the result.
      const request = r.request.startsWith('Alexa') ? r.request.slice(r.request.lastIndexOf('.') + 1) : r.request;
      const [head, evidence] = r.evidence.error?.kind === 'input' ? ['not loaded', firstSentence(r.explanation)] : [`${request} · ${tokenWords(r.tokenInEnvelope, true)} · ${status} · ${r.verdict}`, firstEvidence(r)];
      return { r, head: text(head), evidence: text(evidence).replace(/\n/g, ' ') };
    });
    // The sources' column gives way (a long --envelopes path keeps its file name) so that status,
    // verdict and the start of the evidence fit; on a terminal too narrow for both, the rest goes under it.
    const natural = Math.min(Math.floor(width * 0.4), Math.max(...full.map((r) => displayWidth(text(r.source))), 8));
    const needed = Math.max(0, ...rows.map((x) => displayWidth(x.head) + 3 + Math.min(displayWidth(x.evidence), EVIDENCE_MIN)));
    const srcWidth = Math.min(natural, Math.max(SOURCE_MIN, width - 5 - needed));
    const underneath = width - 5 - srcWidth < needed;
    // When a source must be cut, the built-in requests go by their names (builtin:launch → launch).
    const cut = full.some((r) => displayWidth(text(r.source)) > (underneath ? width - 3 : srcWidth));
    const sourceText = (r: ReplayResult) => text(cut ? r.source.replace(/^builtin:/, '') : r.source);
    for (const { r, head, evidence } of rows) {
      const rest = `${head} · ${evidence}`;
      if (underneath) {
        out.push(` ${icon(r.verdict)} ${clipSource(sourceText(r), width - 3, ellipsis)}`);
        // Still too narrow: the evidence on a line of its own.
        if (displayWidth(head) + 3 + Math.min(displayWidth(evidence), EVIDENCE_MIN) <= width - 5) out.push(`     ${fit(rest, width - 5)}`);
        else out.push(`     ${fit(head, width - 5)}`, `     ${fit(evidence, width - 5)}`);
        continue;
      }
      const source = clipSource(sourceText(r), srcWidth, ellipsis);
      const pad = ' '.repeat(Math.max(0, srcWidth - displayWidth(source)));
      // The evidence cut on its own, so that a cut inside it does not take the whole of it away.
      const room = width - 5 - srcWidth;
      out.push(` ${icon(r.verdict)} ${source}${pad}  ${fit(`${head} · ${clipToWidth(evidence, room - displayWidth(head) - 3, ellipsis)}`, room)}`);
    }
    const { passed, repeated } = summarisedCounts(report.replays);
    if (passed) out.push(style.dim(`   … and ${passed.toLocaleString('en-US')} more replays passed (--json lists each)`));
    if (repeated) out.push(style.dim(`   … and ${repeated.toLocaleString('en-US')} more failures and warnings that repeat a problem below (--json lists each)`));
  }

  // Only warnings and failures, failures first: a failure's detail, a warning's fix (its one line is in the list above).
  const arrow = `   ${style.cyan(ascii('→'))} `;
  type Problem = { status: 'fail' | 'warn'; head: string; body: string[]; fix?: string; replay?: boolean };
  const problems: Problem[] = [];
  const replayFailed = full.some((r) => r.verdict !== 'pass');
  // Compact failures and warnings (a large run) count with the replay they name.
  const repeats = new Map<string, number>();
  for (const r of report.replays) if (isCompact(r) && r.sameAs !== undefined) repeats.set(r.sameAs, (repeats.get(r.sameAs) ?? 0) + 1);
  const checkProblems = report.checks.filter((c) => (c.status === 'fail' || c.status === 'warn') && !(c.id === 'replays' && replayFailed));
  for (const g of groupBySame(checkProblems, (c) => `${c.status}\u0000${c.detail}\u0000${c.fix ?? ''}`)) {
    const first = g.items[0]!;
    const status = first.status as 'fail' | 'warn';
    const lines = status === 'fail' ? first.detail.split('\n') : [oneLine(first)];
    const shown = lines.length > DETAIL_LINES ? [...lines.slice(0, DETAIL_LINES - 1), `… ${lines.length - DETAIL_LINES + 1} more lines with -v`] : lines;
    problems.push({ status, head: g.items.map((c) => (status === 'warn' ? subject(c.title) : c.title)).join('; '), body: shown, ...(first.fix ? { fix: first.fix } : {}) });
  }
  for (const g of groupBySame(
    full.filter((r) => r.verdict !== 'pass'),
    (r) => `${r.verdict}\u0000${r.explanation}\u0000${r.fix ?? ''}`,
  )) {
    const first = g.items[0]!;
    const n = g.items.length + g.items.reduce((sum, r) => sum + (repeats.get(r.source) ?? 0), 0);
    const who = n === 1 ? `Replay ${first.source}` : `${n.toLocaleString('en-US')} replays (${names(g.items.map((r) => r.source), 3, n)})`;
    problems.push({ status: first.verdict === 'fail' ? 'fail' : 'warn', head: who, body: first.explanation.split('\n'), replay: true, ...(first.fix ? { fix: first.fix } : {}) });
  }
  problems.sort((a, b) => (a.status === b.status ? 0 : a.status === 'fail' ? -1 : 1));
  if (problems.length) {
    out.push('');
    out.push(style.bold('Problems'));
    for (const p of problems) {
      if (p.status === 'warn' && !p.replay) {
        // A warning's one line is in the list above: here, on one line, what to do about it (-v has all of it).
        // All of it, wrapped under the text (not under the icon).
        const head = `${text(p.head)}: `;
        const [first = '', ...more] = text(p.fix ?? p.body.join(' ')).split('\n');
        out.push(...wrapLine(` ${icon(p.status)} ${style.bold(head)}${first}`, width, { hang: 3, zeroWidth: styleMarkerPattern() }));
        for (const l of more) out.push(...wrapLine(`   ${l}`, width, { hang: 3 }));
        continue;
      }
      out.push(` ${icon(p.status)} ${style.bold(text(p.head))}`);
      for (const l of p.body) out.push(`   ${text(l)}`);
      // The fix once: not again when the explanation already ends with it.
      const said = p.body.join(' ').replace(/\s+/g, ' ');
      if (p.fix && !said.includes(p.fix.replace(/\s+/g, ' ').trim())) out.push(...indentLines(text(p.fix), arrow, '     '));
    }
  }

  const hops = hopsFor(report.skillKind);
  const states = hopStates(flowEntries(report, hops), hops);
  if (anyHopChecked(states, hops)) {
    out.push('');
    out.push(style.bold('Linking flow'));
    out.push(...renderFlowDiagram(states, style, hops, flowOptions(opts)));
  }
  return out;
}

/** Lines of `text`, the first after `first`, the others after `rest` (default: as many spaces). */
function indentLines(text: string, first: string, rest?: string): string[] {
  const pad = rest ?? ' '.repeat(displayWidth(first));
  return text.split('\n').map((l, i) => (i === 0 ? first : pad) + l);
}

/**
 * The command to run next when something failed: --fix when doctor can make the change itself;
 * configure after --fix wrote it (or when Alexa has another configuration); login for a broken
 * session; otherwise this check again, after the fix the report gives.
 */
export function nextCommand(report: DoctorReport, opts: Pick<TextOptions, 'rerun' | 'fix'> = {}): string | undefined {
  const failing = report.checks.filter((c) => c.status === 'fail');
  const failedReplays = report.replays.some((r) => r.verdict === 'fail');
  if (report.ok || (!failing.length && !failedReplays)) return undefined;
  if (opts.fix?.written) return 'alexa-link configure';
  const fixable = report.checks.some((c) => (c.status === 'fail' || c.status === 'warn') && (c.edits?.length ?? 0) > 0);
  const rerun = opts.rerun?.length ? ` ${opts.rerun.join(' ')}` : '';
  if (fixable && !opts.fix) return `alexa-link doctor --fix${rerun}`;
  const first = failing[0]?.id ?? 'replays';
  if (first === 'linking-remote-drift') return 'alexa-link configure';
  if (first === 'session-tokens') return 'alexa-link login';
  return `alexa-link doctor --only ${first}${rerun}`;
}

/** The last lines: one summary line, and when something failed the one command to run next. */
export function renderFooter(report: DoctorReport, style: Paint, opts: TextOptions = { verbose: false }): string[] {
  const ascii = opts.unicode === false ? toAscii : (t: string) => t;
  const s = report.summary;
  const judged = report.checks.length - s.skip;
  const parts = [`${s.pass}/${judged} checks passed`];
  if (s.warn) parts.push(`${s.warn} warning${s.warn === 1 ? '' : 's'}`);
  if (s.fail) parts.push(`${s.fail} failed`);
  if (s.skip) parts.push(`${s.skip} skipped`);
  let line = parts.join(', ');
  if (report.replays.length) {
    const passed = report.replays.filter((r) => r.verdict === 'pass').length;
    line += ` · ${passed}/${report.replays.length} replays passed`;
  }
  const out = [report.ok ? style.green(ascii(`${SYMBOLS.pass} ${line}`)) : style.red(ascii(`${SYMBOLS.fail} ${line}`))];
  const next = nextCommand(report, opts);
  if (next) {
    const label = `Next${next.startsWith('alexa-link doctor --only') ? ', after the fix above' : ''}: `;
    out.push(...commandLines(label, next, opts.width ?? 80).map((l, i) => (i === 0 ? label + style.bold(l.slice(label.length)) : style.bold(l))));
  }
  return out;
}

/**
 * A command to copy, after `label`, within `width` columns: broken only between arguments (a flag
 * stays with its value when they fit together; a URL or path is never cut), each broken line
 * ending in " \\" so that it still pastes as one command, continuation lines indented under the
 * command (or by 4 when an argument would not fit there). One argument wider than the line stands
 * alone on its line.
 */
export function commandLines(label: string, command: string, width: number): string[] {
  if (displayWidth(label + command) <= width) return [label + command];
  // Arguments, a flag with the value that follows it as one group.
  const groups: string[] = [];
  for (const arg of command.split(' ').filter(Boolean)) {
    const last = groups.at(-1);
    if (last !== undefined && /^-/.test(last) && !/ /.test(last) && !/^-/.test(arg)) groups[groups.length - 1] = `${last} ${arg}`;
    else groups.push(arg);
  }
  // Under the command when every group fits there, else 4 columns in.
  const widest = Math.max(...groups.map((g) => displayWidth(g)));
  const indent = ' '.repeat(displayWidth(label) + widest + 2 <= width ? displayWidth(label) : 4);
  const lines: string[] = [];
  let cur = label;
  let empty = true;
  const add = (part: string, last: boolean) => {
    // Room for " \\" at the end of a line that continues.
    if (!empty && displayWidth(`${cur} ${part}${last ? '' : ' \\'}`) > width) {
      lines.push(`${cur} \\`);
      cur = indent;
      empty = true;
    }
    cur += empty ? part : ` ${part}`;
    empty = false;
  };
  groups.forEach((g, i) => {
    const last = i === groups.length - 1;
    if (displayWidth(indent + g + (last ? '' : ' \\')) > width && g.includes(' ')) g.split(' ').forEach((a, j, all) => add(a, last && j === all.length - 1));
    else add(g, last);
  });
  lines.push(cur);
  return lines;
}
