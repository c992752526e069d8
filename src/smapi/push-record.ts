import path from 'node:path';
import { InputError } from '../errors.js';
import type { PushRecord } from '../linking/write-only.js';
import { isObject, readJsonFile } from '../project/json-file.js';
import { STATE_DIR, writeUserFile } from '../project/user-files.js';

/**
 * .alexa-link/push-record.json: per skill and stage, the record write-only.ts makes of the last push
 * (salted hashes of the values SMAPI's GET never returns, and the ETag the push left), written
 * through the one module that writes into a user's project (project/user-files.ts: no symlinked
 * folders, atomic, 0600). Only hashes: no secret is stored.
 */
export const PUSH_RECORD_FILE = path.join(STATE_DIR, 'push-record.json');

interface RecordFile {
  version: 1;
  records: Record<string, PushRecord>;
}

const key = (skillId: string, stage: string) => `${skillId}/${stage}`;

function validRecord(v: unknown): v is PushRecord {
  if (!isObject(v) || v.version !== 1) return false;
  if (typeof v.skillId !== 'string' || typeof v.stage !== 'string' || typeof v.salt !== 'string' || !/^[0-9a-f]{16,}$/.test(v.salt)) return false;
  if (v.etag !== undefined && typeof v.etag !== 'string') return false;
  if (!isObject(v.hashes) || !Object.values(v.hashes).every((h) => typeof h === 'string')) return false;
  return typeof v.pushedAt === 'string';
}

async function readFileDoc(projectRoot: string): Promise<RecordFile> {
  let doc: unknown;
  try {
    doc = await readJsonFile(path.join(projectRoot, PUSH_RECORD_FILE), PUSH_RECORD_FILE);
  } catch (err) {
    if (err instanceof InputError && err.code === 'E_INPUT_MISSING') return { version: 1, records: {} };
    throw err;
  }
  if (!isObject(doc) || doc.version !== 1 || !isObject(doc.records)) {
    throw new InputError(`${PUSH_RECORD_FILE}: not a push record alexa-link wrote (expected {"version": 1, "records": {…}}).`, {
      source: PUSH_RECORD_FILE,
      code: 'E_PUSH_RECORD_SHAPE',
      hint: `Delete ${PUSH_RECORD_FILE}; the next alexa-link configure pushes the write-only fields again and writes a fresh one.`,
    });
  }
  const records: Record<string, PushRecord> = {};
  for (const [k, v] of Object.entries(doc.records)) if (validRecord(v)) records[k] = v;
  return { version: 1, records };
}

/** The record of the last push to this skill and stage, if any (a malformed entry counts as none). */
export async function readPushRecord(projectRoot: string, skillId: string, stage: string): Promise<PushRecord | undefined> {
  return (await readFileDoc(projectRoot)).records[key(skillId, stage)];
}

/** Stores the record of a push (replacing the last one for that skill and stage). */
export async function writePushRecord(projectRoot: string, record: PushRecord): Promise<string> {
  let doc: RecordFile;
  try {
    doc = await readFileDoc(projectRoot);
  } catch (err) {
    // A broken record file is replaced: it only ever saves a push.
    if (!(err instanceof InputError)) throw err;
    doc = { version: 1, records: {} };
  }
  doc.records[key(record.skillId, record.stage)] = record;
  const written = await writeUserFile(projectRoot, PUSH_RECORD_FILE, JSON.stringify(doc, null, 2) + '\n', { kind: 'secret', existing: 'replace' });
  return written.path;
}
