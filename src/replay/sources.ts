import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../errors.js';
import { isObject, readJsonFile } from '../project/json-file.js';
import { validateEnvelope, type SourcedEnvelope } from './envelopes.js';

/**
 * Where envelopes come from (--envelopes <path…>): envelope files, arrays of envelopes, folders of
 * them, `ask dialog --save-skill-io` files and SMAPI simulation or invocation results. Everything
 * is read and validated before anything is replayed, so a bad file stops doctor with exit 2 and
 * nothing half done.
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
  if ('request' in doc || 'context' in doc) return 'envelope';
  return undefined;
}

/** Splits one parsed file into validated envelopes. */
export function envelopesFromDocument(doc: unknown, label: string): LoadedFile {
  const format = detectFormat(doc);
  const out: SourcedEnvelope[] = [];
  switch (format) {
    case 'envelope':
      out.push({ source: label, envelope: validateEnvelope(doc, label) });
      break;
    case 'envelope-array': {
      const arr = doc as unknown[];
      if (arr.length === 0) throw new InputError(`${label} is an empty array; expected request envelopes.`, { source: label, code: 'E_INPUT_ENVELOPE' });
      arr.forEach((item, i) => out.push({ source: `${label}#${i + 1}`, envelope: validateEnvelope(item, `${label} item ${i + 1}`) }));
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
          out.push({
            source: utterance ? `${where} "${utterance}"` : where,
            envelope: validateEnvelope(b, `${label} invocations[${i}].response.body.result.skillExecutionInfo.invocations[${j}].invocationRequest.body`),
          });
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
      bodies.forEach((b, i) => out.push({ source: bodies.length > 1 ? `${label}#${i + 1}` : label, envelope: validateEnvelope(b, `${label} result.skillExecutionInfo.invocations[${i}].invocationRequest.body`) }));
      break;
    }
    case 'invocation-result': {
      const req = ((doc as { result: { skillExecutionInfo: { invocationRequest: Record<string, unknown> } } }).result.skillExecutionInfo.invocationRequest).body;
      out.push({ source: label, envelope: validateEnvelope(req, `${label} result.skillExecutionInfo.invocationRequest.body`) });
      break;
    }
    default: {
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
            : 'An envelope is the JSON Alexa POSTs to the skill: {"version": "1.0", "context": {"System": {…}}, "request": {"type": …}, "session": {…}}.',
        },
      );
    }
  }
  return { file: label, format: format!, envelopes: out };
}

async function jsonFilesIn(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    const entries = await readdir(d, { withFileTypes: true });
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile() && e.name.toLowerCase().endsWith('.json')) out.push(p);
    }
  };
  await walk(dir);
  return out;
}

/**
 * Reads every path (files and folders of .json files), validating all before returning. `cwd`
 * resolves relative paths; labels stay as the user wrote them.
 */
export async function loadEnvelopeFiles(paths: readonly string[], cwd: string): Promise<LoadedFile[]> {
  const files: Array<{ abs: string; label: string }> = [];
  for (const p of paths) {
    const abs = path.resolve(cwd, p);
    let s;
    try {
      s = await stat(abs);
    } catch {
      throw new InputError(`--envelopes: ${p} not found.`, { source: p, code: 'E_INPUT_MISSING' });
    }
    if (s.isDirectory()) {
      const inDir = await jsonFilesIn(abs);
      if (inDir.length === 0) throw new InputError(`--envelopes: the folder ${p} holds no .json files.`, { source: p, code: 'E_INPUT_MISSING' });
      for (const f of inDir) files.push({ abs: f, label: path.join(p, path.relative(abs, f)) });
    } else files.push({ abs, label: p });
  }
  const loaded: LoadedFile[] = [];
  for (const f of files) {
    const doc = await readJsonFile(f.abs, f.label);
    loaded.push(envelopesFromDocument(doc, f.label));
  }
  return loaded;
}
