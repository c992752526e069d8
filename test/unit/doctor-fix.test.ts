import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applyDoctorFixes, assertFixConfirmable, collectEdits } from '../../src/doctor/fix.js';
import type { CheckResult } from '../../src/doctor/types.js';
import { UsageError } from '../../src/errors.js';
import { collectingOutput } from '../../src/ui/output.js';
import type { Prompter } from '../../src/ui/prompt.js';

const dirs: string[] = [];
afterAll(async () => {
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

async function project(payload: Record<string, unknown>): Promise<{ root: string; linkingPath: string }> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'al-fix-'));
  dirs.push(root);
  const linkingPath = path.join(root, 'accountLinking.json');
  await writeFile(linkingPath, JSON.stringify({ accountLinkingRequest: payload }, null, 2) + '\n');
  return { root, linkingPath };
}

function prompter(answer: boolean, asked: string[] = []): Prompter {
  const no = async (): Promise<never> => {
    throw new Error('not asked');
  };
  return {
    interactive: true,
    input: no,
    password: no,
    select: no,
    checkbox: no,
    confirm: async (q) => {
      asked.push(q.message);
      return answer;
    },
  };
}

const base = { type: 'AUTH_CODE', authorizationUrl: 'https://t.us.auth0.com/authorize', accessTokenUrl: 'https://t.us.auth0.com/oauth/token', clientId: 'c', scopes: ['openid'], accessTokenScheme: 'REQUEST_BODY_CREDENTIALS' };
const results: CheckResult[] = [
  { id: 'linking-config', title: 'Linking configuration', status: 'warn', detail: 'd', ms: 1, edits: [{ by: 'refresh-offline-access', edit: { kind: 'add', field: 'scopes', values: ['offline_access'] } }] },
  { id: 'token-endpoint-scheme', title: 'Client authentication', status: 'fail', detail: 'd', ms: 1, edits: [{ by: 'token-endpoint-scheme', edit: { kind: 'set', field: 'accessTokenScheme', value: 'HTTP_BASIC' } }] },
  // A passing check's edits (there are none in practice) are not applied.
  { id: 'other', title: 'Other', status: 'pass', detail: 'd', ms: 1, edits: [{ by: 'x', edit: { kind: 'add', field: 'domains', values: ['never.example.com'] } }] },
];

describe('doctor --fix (applyDoctorFixes)', () => {
  it('collects the edits of warnings and failures only, with their check', () => {
    expect(collectEdits(results).map((e) => [e.check, e.by])).toEqual([
      ['linking-config', 'refresh-offline-access'],
      ['token-endpoint-scheme', 'token-endpoint-scheme'],
    ]);
  });

  it('shows the diff and asks once; yes: written atomically, the old file kept, configure named', async () => {
    const p = await project(base);
    const before = await readFile(p.linkingPath, 'utf8');
    const { out, stderr } = collectingOutput();
    const asked: string[] = [];
    const r = await applyDoctorFixes(results, p, { out, prompter: prompter(true, asked), yes: false, now: () => new Date('2024-05-01T10:00:00Z') });
    expect(asked).toEqual(['Write these changes to accountLinking.json?']);
    expect(stderr()).toContain('doctor --fix: 2 changes to accountLinking.json');
    expect(stderr()).toContain('~ scopes: ["openid"] → ["openid","offline_access"]');
    expect(stderr()).toContain('~ accessTokenScheme: "REQUEST_BODY_CREDENTIALS" → "HTTP_BASIC"');
    expect(r).toMatchObject({ file: 'accountLinking.json', written: true, reason: null, changes: [{ check: 'linking-config', change: 'add "offline_access" to scopes' }, { check: 'token-endpoint-scheme', change: 'set accessTokenScheme to "HTTP_BASIC"' }] });
    expect(JSON.parse(await readFile(p.linkingPath, 'utf8'))).toEqual({ accountLinkingRequest: { ...base, scopes: ['openid', 'offline_access'], accessTokenScheme: 'HTTP_BASIC' } });
    expect(await readFile(path.join(p.root, r.backup!), 'utf8')).toBe(before);
    expect(stderr()).toMatch(/✔ Wrote accountLinking\.json \(the old one is in \.alexa-link\/replaced\/[^)]+\)\. Push it to Alexa: alexa-link configure/);
  });

  it('no: nothing is written, and no copy is made', async () => {
    const p = await project(base);
    const before = await readFile(p.linkingPath, 'utf8');
    const { out, stderr } = collectingOutput();
    const r = await applyDoctorFixes(results, p, { out, prompter: prompter(false), yes: false });
    expect(r).toMatchObject({ written: false, reason: 'declined', backup: null });
    expect(await readFile(p.linkingPath, 'utf8')).toBe(before);
    expect(await readdir(p.root)).toEqual(['accountLinking.json']);
    expect(stderr()).toContain('Nothing was changed; accountLinking.json is as it was.');
  });

  it('keeps the fields it does not change as they were, in their order', async () => {
    const p = await project({ ...base, unknownFutureField: { a: 1 }, voiceForwardAccountLinking: 'DISABLED' });
    const { out } = collectingOutput();
    await applyDoctorFixes(results, p, { out, prompter: prompter(true), yes: true });
    const doc = JSON.parse(await readFile(p.linkingPath, 'utf8')) as { accountLinkingRequest: Record<string, unknown> };
    expect(Object.keys(doc.accountLinkingRequest)).toEqual([...Object.keys(base), 'unknownFutureField', 'voiceForwardAccountLinking']);
    expect(doc.accountLinkingRequest.unknownFutureField).toEqual({ a: 1 });
  });

  it('nothing to fix, or no project: says why and writes nothing', async () => {
    const { out } = collectingOutput();
    expect(await applyDoctorFixes([], undefined, { out, prompter: prompter(true), yes: true })).toMatchObject({ written: false, reason: 'doctor found nothing it can change in accountLinking.json' });
    expect(await applyDoctorFixes(results, undefined, { out, prompter: prompter(true), yes: true })).toMatchObject({ written: false, reason: 'there is no project to fix' });
    const p = await project({ ...base, scopes: ['openid', 'offline_access'], accessTokenScheme: 'HTTP_BASIC' });
    expect(await applyDoctorFixes(results, p, { out, prompter: prompter(true), yes: true })).toMatchObject({ written: false, reason: 'accountLinking.json already has every change doctor would make' });
  });

  it('without a terminal, --fix needs --yes before anything runs', () => {
    expect(() => assertFixConfirmable({ fix: true, yes: false, interactive: false })).toThrow(UsageError);
    expect(() => assertFixConfirmable({ fix: true, yes: true, interactive: false })).not.toThrow();
    expect(() => assertFixConfirmable({ fix: true, yes: false, interactive: true })).not.toThrow();
    expect(() => assertFixConfirmable({ fix: false, yes: false, interactive: false })).not.toThrow();
  });
});
