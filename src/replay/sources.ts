import { lstat, opendir, stat } from 'node:fs/promises';
import path from 'node:path';
import { AlexaLinkError, InputError } from '../errors.js';
import { isObject, readJsonFile, readJsonFileSync } from '../project/json-file.js';
import { validateRequest, type FailedSource, type ReplayItem, type SourcedEnvelope } from './envelopes.js';
import { kindOf } from './kinds/index.js';
import { SMART_HOME_V2_HINT, smartHomeV2Message } from './kinds/smart-home.js';

/**
 * Where envelopes come from (--envelopes <path…>): envelope files (a custom skill's request
 * envelopes, smart home directives: any document a skill kind recognises), arrays of them, folders
 * of them, `ask dialog --save-skill-io` files and SMAPI simulation or invocation results. Everything
 * is read as the replays need it (streamed: 100,000 files never sit in memory at once); a file that
 * cannot be read or is not an envelope becomes one failed replay naming the file and the problem,
 * and only when nothing at all loads does doctor stop with exit 2.
 *
 * `ask dialog --save-skill-io <file>` writes {"invocations": [{"request": {"utterance", "newSession"},
 * "response": {"body": <SMAPI simulation response>}}]} (ask-cli lib/model/dialog-save-skill-io-file
 * and lib/controllers/skill-simulation-controller; newer versions append one entry per poll, so
 * requests are de-duplicated by requestId). The simulation response carries the request Alexa sent
 * at result.skillExecutionInfo.invocations[].invocationRequest.body (reference §1.5).
 */
export type SourceFormat = 'envelope' | 'envelope-array' | 'save-skill-io' | 'simulation-result' | 'invocation-result';

export interface LoadedFile {
  file: string;
  format: SourceFormat;
  envelopes: SourcedEnvelope[];
  /** Items of an array file that are not envelopes (with `lenient`), each naming its index: the good ones still replay. */
  failed?: Array<{ index: number; item: FailedSource }>;
}

/** Request bodies in a SMAPI simulation response (v2 SimulationsApiResponse). */
function simulationBodies(body: unknown): unknown[] {
  const invocations = isObject(body) && isObject(body.result) && isObject(body.result.skillExecutionInfo) ? body.result.skillExecutionInfo.invocations : undefined;
  if (!Array.isArray(invocations)) return [];
  return invocations.map((inv) => (isObject(inv) && isObject(inv.invocationRequest) ? inv.invocationRequest.body : undefined)).filter((b) => b !== undefined);
}

function requestIdOf(doc: unknown): string | undefined {
  return isObject(doc) && isObject(doc.request) && typeof doc.request.requestId === 'string' ? doc.request.requestId : undefined;
}

export function detectFormat(doc: unknown): SourceFormat | undefined {
  if (Array.isArray(doc)) return 'envelope-array';
  if (!isObject(doc)) return undefined;
  if (Array.isArray(doc.invocations) && doc.invocations.some((i) => isObject(i) && ('response' in i || 'request' in i))) return 'save-skill-io';
  if (isObject(doc.result) && isObject(doc.result.skillExecutionInfo)) {
    if (Array.isArray(doc.result.skillExecutionInfo.invocations)) return 'simulation-result';
    if (isObject(doc.result.skillExecutionInfo.invocationRequest)) return 'invocation-result';
  }
  if ('request' in doc || 'context' in doc || kindOf(doc)) return 'envelope';
  return undefined;
}

function sourced(doc: unknown, source: string, label: string): SourcedEnvelope {
  const { kind, envelope, notes } = validateRequest(doc, label);
  return notes.length ? { source, envelope, kind, notes } : { source, envelope, kind };
}

/**
 * Splits one parsed file into validated envelopes. `lenient`: a bad item of an array file becomes
 * a failed item naming its index (doctor replays the others) instead of failing the whole file.
 */
export function envelopesFromDocument(doc: unknown, label: string, lenient = false): LoadedFile {
  const format = detectFormat(doc);
  const out: SourcedEnvelope[] = [];
  const failed: NonNullable<LoadedFile['failed']> = [];
  switch (format) {
    case 'envelope':
      out.push(sourced(doc, label, label));
      break;
    case 'envelope-array': {
      const arr = doc as unknown[];
      if (arr.length === 0) throw new InputError(`${label} is an empty array; expected request envelopes.`, { source: label, code: 'E_INPUT_ENVELOPE' });
      arr.forEach((item, i) => {
        try {
          out.push(sourced(item, `${label}#${i + 1}`, `${label} item ${i + 1}`));
        } catch (err) {
          if (!lenient || !(err instanceof AlexaLinkError)) throw err;
          failed.push({ index: out.length + failed.length, item: { source: `${label}#${i + 1}`, loadError: { message: err.message, ...(err.hint ? { hint: err.hint } : {}) } } });
        }
      });
      if (out.length === 0 && failed.length) throw new InputError(failed.length === 1 ? failed[0]!.item.loadError.message : `${label}: none of its ${arr.length} items is a request envelope (item 1: ${failed[0]!.item.loadError.message})`, { source: label, code: 'E_INPUT_ENVELOPE', ...(failed[0]!.item.loadError.hint ? { hint: failed[0]!.item.loadError.hint } : {}) });
      break;
    }
    case 'save-skill-io': {
      const seen = new Set<string>();
      const invocations = (doc as { invocations: unknown[] }).invocations;
      invocations.forEach((inv, i) => {
        const body = isObject(inv) && isObject(inv.response) ? inv.response.body : undefined;
        const bodies = simulationBodies(body);
        bodies.forEach((b, j) => {
          const id = requestIdOf(b);
          if (id !== undefined) {
            if (seen.has(id)) return;
            seen.add(id);
          }
          const utterance = isObject(inv) && isObject(inv.request) && typeof inv.request.utterance === 'string' ? inv.request.utterance : undefined;
          const where = `${label}#${out.length + 1}`;
          out.push(sourced(b, utterance ? `${where} "${utterance}"` : where, `${label} invocations[${i}].response.body.result.skillExecutionInfo.invocations[${j}].invocationRequest.body`));
        });
      });
      if (out.length === 0) {
        throw new InputError(`${label} is an ask dialog --save-skill-io file without any request sent to the skill (no finished simulation reached it).`, {
          source: label,
          code: 'E_INPUT_ENVELOPE',
          hint: 'Record a dialog in which Alexa reached the skill, or use alexa-link doctor --simulate "<utterance>".',
        });
      }
      break;
    }
    case 'simulation-result': {
      const bodies = simulationBodies(doc);
      if (bodies.length === 0) {
        throw new InputError(`${label} is a SMAPI simulation result whose skillExecutionInfo.invocations holds no request.`, { source: label, code: 'E_INPUT_ENVELOPE', hint: 'The simulation did not reach the skill (see result.error and alexaExecutionInfo).' });
      }
      bodies.forEach((b, i) => out.push(sourced(b, bodies.length > 1 ? `${label}#${i + 1}` : label, `${label} result.skillExecutionInfo.invocations[${i}].invocationRequest.body`)));
      break;
    }
    case 'invocation-result': {
      const req = ((doc as { result: { skillExecutionInfo: { invocationRequest: Record<string, unknown> } } }).result.skillExecutionInfo.invocationRequest).body;
      out.push(sourced(req, label, `${label} result.skillExecutionInfo.invocationRequest.body`));
      break;
    }
    default: {
      const v2 = smartHomeV2Message(doc);
      if (v2) throw new InputError(`${label} is ${v2}.`, { source: label, code: 'E_INPUT_ENVELOPE', hint: SMART_HOME_V2_HINT });
      const dialogReplay = isObject(doc) && Array.isArray(doc.userInput);
      throw new InputError(
        dialogReplay
          ? `${label} is an ask dialog replay file (utterances), not request envelopes.`
          : `${label} is not a request envelope, an array of them, an ask dialog --save-skill-io file or a SMAPI simulation result.`,
        {
          source: label,
          code: 'E_INPUT_ENVELOPE',
          hint: dialogReplay
            ? 'Record the dialog with ask dialog --save-skill-io <file> and pass that file, or use --simulate "<utterance>".'
            : 'An envelope is the JSON Alexa POSTs to the skill: {"version": "1.0", "context": {"System": {…}}, "request": {"type": …}, "session": {…}}, or for a smart home skill a directive {"directive": {"header": {"namespace", "name", …}, "payload": {…}}}.',
        },
      );
    }
  }
  return { file: label, format: format!, envelopes: out, ...(failed.length ? { failed } : {}) };
}

/**
 * The files to read, as the user named them (labels relative to `cwd`, or absolute): only names,
 * one short string per file, so 100,000 files take a few MB until they are read.
 */
export interface EnvelopePlan {
  cwd: string;
  labels: string[];
  /** .json entries of the folders that are not read: a FIFO, a device, a link to one, a dangling link (what they are). */
  skipped?: Array<{ label: string; kind: string }>;
  /** Paths that cannot be replayed, known while planning (missing, a folder without .json files): one failed replay each. */
  failed?: Map<string, FailedSource>;
}

function entryKind(e: { isFIFO(): boolean; isCharacterDevice(): boolean; isBlockDevice(): boolean; isSocket(): boolean; isDirectory(): boolean }): string {
  if (e.isFIFO()) return 'a named pipe (FIFO)';
  if (e.isCharacterDevice()) return 'a character device';
  if (e.isBlockDevice()) return 'a block device';
  if (e.isSocket()) return 'a socket';
  if (e.isDirectory()) return 'a folder';
  return 'not a regular file';
}

/**
 * The .json files in a folder tree, sorted by name in each folder (names only: nothing is read).
 * A link to a regular file counts (the reader follows that one link); any other .json entry that
 * is not a regular file is skipped and named in `skipped`, never read.
 */
async function jsonFilesIn(dir: string, out: string[], label: string, skipped: Array<{ label: string; kind: string }>): Promise<void> {
  const names: Array<{ name: string; dir: boolean }> = [];
  for await (const e of await opendir(dir)) {
    if (e.isDirectory()) names.push({ name: e.name, dir: true });
    else if (!e.name.toLowerCase().endsWith('.json')) continue;
    else if (e.isFile()) names.push({ name: e.name, dir: false });
    else if (e.isSymbolicLink()) {
      const target = await stat(path.join(dir, e.name)).catch(() => undefined);
      // A dangling link becomes a failed replay naming it; a link to a FIFO or device is skipped.
      if (target?.isFile() || !target) names.push({ name: e.name, dir: false });
      else skipped.push({ label: path.join(label, e.name), kind: target ? `a link to ${entryKind(target)}` : 'a link to nothing' });
    } else skipped.push({ label: path.join(label, e.name), kind: entryKind(e) });
  }
  names.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const n of names) {
    if (n.dir) await jsonFilesIn(path.join(dir, n.name), out, path.join(label, n.name), skipped);
    else out.push(path.join(label, n.name));
  }
}

/**
 * The files the paths name (files, and the .json files in folders), without reading them. A path
 * that does not exist (or a dangling link), or a folder without a .json file, is one failed replay
 * naming it (`strict`: a usage error, exit 2); doctor stops only when nothing at all loads.
 */
export async function planEnvelopeFiles(paths: readonly string[], cwd: string, strict = false): Promise<EnvelopePlan> {
  const labels: string[] = [];
  const skipped: Array<{ label: string; kind: string }> = [];
  const failed = new Map<string, FailedSource>();
  for (const p of paths) {
    const abs = path.resolve(cwd, p);
    let s;
    try {
      s = await stat(abs);
    } catch {
      const message = `--envelopes: ${p} not found.`;
      if (strict) throw new InputError(message, { source: p, code: 'E_INPUT_MISSING' });
      labels.push(p);
      // A dangling link is read like any file, whose failure names the link's missing target.
      if (!(await lstat(abs).then((l) => l.isSymbolicLink(), () => false))) failed.set(p, { source: p, loadError: { message } });
      continue;
    }
    if (s.isDirectory()) {
      const before = labels.length;
      const skippedBefore = skipped.length;
      await jsonFilesIn(abs, labels, p, skipped);
      if (labels.length === before) {
        const here = skipped.slice(skippedBefore);
        const message = `--envelopes: the folder ${p} holds no .json files${here.length ? ` that can be read (skipped: ${here.slice(0, 5).map((k) => `${k.label}, ${k.kind}`).join('; ')}${here.length > 5 ? `; and ${here.length - 5} more` : ''})` : ''}.`;
        if (strict) throw new InputError(message, { source: p, code: 'E_INPUT_MISSING' });
        labels.push(p);
        failed.set(p, { source: p, loadError: { message, hint: `Pass the folder that holds the envelope files (*.json), or leave ${p} out of --envelopes.` } });
      }
    } else labels.push(p);
  }
  return { cwd, labels, ...(skipped.length ? { skipped } : {}), ...(failed.size ? { failed } : {}) };
}

/** Reads one file: its envelopes, or the reason it cannot be replayed. */
export async function loadFile(label: string, cwd: string, planned?: FailedSource): Promise<LoadedFile | FailedSource> {
  if (planned) return planned;
  try {
    // Synchronous on purpose: an envelope file is a few KB, and the promise API's round trips
    // through the thread pool, one file after another, bounded the throughput of large runs.
    const doc = readJsonFileSync(path.resolve(cwd, label), label);
    return envelopesFromDocument(doc, label, true);
  } catch (err) {
    if (err instanceof AlexaLinkError) return { source: label, loadError: { message: err.message, ...(err.hint ? { hint: err.hint } : {}) } };
    throw err;
  }
}

/** The envelopes of every file, in order, each file read when the replays pull it; a bad file is one failed item. */
export async function* streamEnvelopes(plan: EnvelopePlan): AsyncGenerator<ReplayItem> {
  for (const label of plan.labels) {
    const loaded = await loadFile(label, plan.cwd, plan.failed?.get(label));
    if ('loadError' in loaded) yield loaded;
    else if (!loaded.failed) yield* loaded.envelopes;
    else yield* inOrder(loaded);
  }
}

/** An array file's good envelopes and failed items, in the file's order. */
function* inOrder(loaded: LoadedFile): Generator<ReplayItem> {
  const failed = loaded.failed ?? [];
  let f = 0;
  for (let i = 0, e = 0; e < loaded.envelopes.length || f < failed.length; i++) {
    if (f < failed.length && failed[f]!.index === i) yield failed[f++]!.item;
    else yield loaded.envelopes[e++]!;
  }
}

/**
 * Whether any file holds a usable envelope, reading files in order until one does; when none
 * does, the failures (for the exit 2 message). Cheap when the first file is good.
 */
export async function findLoadable(plan: EnvelopePlan): Promise<{ ok: true } | { ok: false; failures: FailedSource[] }> {
  const failures: FailedSource[] = [];
  for (const label of plan.labels) {
    const loaded = await loadFile(label, plan.cwd, plan.failed?.get(label));
    if (!('loadError' in loaded)) return { ok: true };
    if (failures.length < 20) failures.push(loaded);
  }
  return { ok: false, failures };
}

/** Reads every path and validates all of it (programmatic callers that want everything up front). */
export async function loadEnvelopeFiles(paths: readonly string[], cwd: string): Promise<LoadedFile[]> {
  const loaded: LoadedFile[] = [];
  for (const label of (await planEnvelopeFiles(paths, cwd, true)).labels) loaded.push(envelopesFromDocument(await readJsonFile(path.resolve(cwd, label), label), label));
  return loaded;
}
