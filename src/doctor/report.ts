import type { Style } from '../ui/color.js';
import type { ReplayResult } from '../replay/runner.js';
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
  replays: ReplayResult[];
  /** What the replays went to. */
  replayTarget?: string;
  /** The project root, for the header. */
  project?: string;
}

/** The --json document: exactly { ok, summary, checks[], replays[] } (design, "alexa-link doctor"). */
export interface DoctorJson {
  ok: boolean;
  summary: Record<CheckStatus, number>;
  checks: Array<{ id: string; title: string; status: CheckStatus; detail: string; fix?: string }>;
  replays: Array<Omit<ReplayResult, 'intent'>>;
}

export function buildReport(checks: CheckResult[], replays: ReplayResult[], extra: { replayTarget?: string; project?: string } = {}): DoctorReport {
  const summary: Record<CheckStatus, number> = { pass: 0, warn: 0, fail: 0, skip: 0 };
  for (const c of checks) summary[c.status]++;
  const ok = summary.fail === 0 && !replays.some((r) => r.verdict === 'fail');
  return { ok, summary, checks, replays, ...extra };
}

export function toJson(report: DoctorReport): DoctorJson {
  return {
    ok: report.ok,
    summary: { ...report.summary },
    checks: report.checks.map((c) => ({ id: c.id, title: c.title, status: c.status, detail: c.detail, ...(c.fix ? { fix: c.fix } : {}) })),
    replays: report.replays.map((r) => ({
      source: r.source,
      request: r.request,
      tokenInEnvelope: { context: r.tokenInEnvelope.context, session: r.tokenInEnvelope.session },
      status: r.status,
      latencyMs: r.latencyMs,
      response: { linkAccountCard: r.response.linkAccountCard, speech: r.response.speech },
      verdict: r.verdict,
      explanation: r.explanation,
    })),
  };
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

export const HOPS: ReadonlyArray<{ id: HopId; from: number; to: number; label: string }> = [
  { id: 1, from: 0, to: 1, label: 'open authorizationUrl (client_id, scope, state, redirect_uri)' },
  { id: 2, from: 1, to: 2, label: 'sign-in done: redirect to Alexa with code and state' },
  { id: 3, from: 2, to: 3, label: 'POST code + client credentials (accessTokenScheme)' },
  { id: 4, from: 3, to: 2, label: 'access_token + refresh_token in JSON, within 4.5 s' },
  { id: 5, from: 2, to: 4, label: 'request with context.System.user.accessToken' },
  { id: 6, from: 4, to: 2, label: 'answer: speech, or a LinkAccount card without a token' },
];

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
  replays: 6,
};

/** Folds check results into one state per hop (the worst status of the checks that judged it). */
export function hopStates(checks: ReadonlyArray<Pick<CheckResult, 'id' | 'status' | 'hop'>>): Record<HopId, HopState> {
  const states = {} as Record<HopId, HopState>;
  const judged = {} as Record<HopId, Array<{ id: string; status: CheckStatus }>>;
  for (const h of HOPS) {
    states[h.id] = { status: 'unknown', checks: [] };
    judged[h.id] = [];
  }
  for (const c of checks) {
    if (c.status === 'skip') continue;
    const hop = c.hop ?? CHECK_HOPS[c.id];
    if (!hop) continue;
    const s = states[hop];
    if (s.status === 'unknown' || STATUS_ORDER[c.status] > STATUS_ORDER[s.status]) s.status = c.status;
    judged[hop].push({ id: c.id, status: c.status });
  }
  // Name the checks behind the hop's status: the failing ones on a failing hop, the warning ones on a warning hop.
  for (const h of HOPS) {
    const s = states[h.id];
    if (s.status === 'fail' || s.status === 'warn') s.checks = judged[h.id].filter((c) => c.status === s.status).map((c) => c.id);
  }
  return states;
}

const COL = 16;

/**
 * The linking flow as a sequence diagram, one arrow per hop, each marked with its status; the
 * first failing hop says "fails here". Exported for `alexa-link demo`.
 */
export function renderFlowDiagram(states: Record<HopId, HopState>, style: Paint): string[] {
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
  const lines = [pad + style.bold(headerLine(0).trimEnd()), pad + style.bold(headerLine(1).trimEnd()), pad + lifelines().join('').trimEnd()];
  let marked = false;
  for (const hop of HOPS) {
    const st = states[hop.id];
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
    const arrow = row.join('').slice(lo, hi + 1);
    const before = row.join('').slice(0, lo);
    const after = row.join('').slice(hi + 1).trimEnd();
    const symbol = st.status === 'unknown' ? '·' : SYMBOLS[st.status];
    let note = '';
    if (st.status === 'fail' && !marked) {
      marked = true;
      note = style.red(`  ✖ fails here (${st.checks.join(', ')})`);
    } else if (st.status === 'fail') note = style.red(`  (${st.checks.join(', ')})`);
    else if (st.status === 'warn') note = style.yellow(`  (${st.checks.join(', ')})`);
    const lead = ` ${paintStatus(style, st.status, symbol)} ${hop.id}  `;
    lines.push(`${lead}${st.status === 'unknown' ? style.dim(hop.label) : hop.label}${note}`);
    lines.push(`${pad}${before}${paintStatus(style, st.status, arrow)}${after}`);
  }
  lines.push(pad + style.dim('· = not checked in this run'));
  return lines;
}

// ─── Text report ─────────────────────────────────────────────────────────────────────────────

function indent(text: string, by: string): string {
  return text
    .split('\n')
    .map((l) => by + l)
    .join('\n');
}

function tokenWords(r: ReplayResult): string {
  const t = r.tokenInEnvelope;
  if (t.context && t.session) return 'token: context+session';
  if (t.context) return 'token: context only';
  if (t.session) return 'token: session only';
  return 'no token';
}

export interface TextOptions {
  verbose: boolean;
}

/** The readable report, for stdout. */
export function renderText(report: DoctorReport, style: Paint, opts: TextOptions = { verbose: false }): string {
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
    const srcWidth = Math.min(40, Math.max(...report.replays.map((r) => r.source.length)));
    for (const r of report.replays) {
      const sym = paintStatus(style, r.verdict, SYMBOLS[r.verdict]);
      const req = r.intent ? `${r.request} ${r.intent}` : r.request;
      const status = r.status === null ? '—' : String(r.status);
      const answer = r.response.linkAccountCard ? 'LinkAccount card' : r.response.speech !== null ? 'speech' : 'no speech';
      out.push(` ${sym} ${r.source.padEnd(srcWidth)}  ${req}  ·  ${tokenWords(r)}  ·  ${status}  ${r.latencyMs} ms  ·  ${answer}`);
      if (r.response.speech) out.push(style.dim(`     "${r.response.speech}"`));
      out.push(indent(r.explanation, '     '));
    }
  }

  out.push('');
  out.push(style.bold('Linking flow'));
  out.push(...renderFlowDiagram(hopStates(report.checks), style));

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

  out.push('');
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
  out.push(report.ok ? style.green(line) : style.red(line));
  return out.join('\n');
}
