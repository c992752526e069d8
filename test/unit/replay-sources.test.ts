import { mkdtemp, mkdir, readFile, writeFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { envelopeToken, tokenPlaces } from '../../src/replay/envelopes.js';
import { detectFormat, loadEnvelopeFiles } from '../../src/replay/sources.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/envelopes', import.meta.url));
const temps: string[] = [];
afterAll(async () => {
  for (const t of temps) await rm(t, { recursive: true, force: true });
});

async function rejection(p: Promise<unknown>): Promise<InputError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return err as InputError;
  }
  throw new Error('expected an InputError');
}

describe('loading envelopes', () => {
  it.each([
    ['launch-linked.json', 'envelope', 1],
    ['unlinked-array.json', 'envelope-array', 2],
    ['dialog-save-skill-io.json', 'save-skill-io', 1],
    ['simulation-result.json', 'simulation-result', 1],
  ])('%s is read as %s with %i envelope(s)', async (file, format, count) => {
    const [loaded] = await loadEnvelopeFiles([file], FIXTURES);
    expect(loaded!.format).toBe(format);
    expect(loaded!.envelopes).toHaveLength(count);
  });

  it('takes the request Alexa sent out of an ask dialog --save-skill-io file, once per requestId', async () => {
    const [loaded] = await loadEnvelopeFiles(['dialog-save-skill-io.json'], FIXTURES);
    const only = loaded!.envelopes[0]!;
    expect(only.source).toBe('dialog-save-skill-io.json#1 "open fixture skill"');
    expect(envelopeToken(only.envelope)).toBe('Atza|fixture-token-simulated-0123456789');
  });

  it('reads a folder of .json files in name order, recursively', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'al-env-'));
    temps.push(dir);
    await mkdir(path.join(dir, 'sub'));
    const env = JSON.parse(await readFile(path.join(FIXTURES, 'launch-linked.json'), 'utf8')) as unknown;
    await writeFile(path.join(dir, 'b.json'), JSON.stringify(env));
    await writeFile(path.join(dir, 'a.json'), JSON.stringify(env));
    await writeFile(path.join(dir, 'sub', 'c.json'), JSON.stringify(env));
    await writeFile(path.join(dir, 'notes.txt'), 'not json');
    const loaded = await loadEnvelopeFiles(['.'], dir);
    expect(loaded.map((l) => l.file)).toEqual(['a.json', 'b.json', path.join('sub', 'c.json')]);
    expect(tokenPlaces(loaded[0]!.envelopes[0]!.envelope)).toEqual({ context: true, session: true });
  });

  it.each<[string, RegExp]>([
    ['malformed/truncated.json', /malformed\/truncated\.json is not valid JSON at line \d+, column \d+: unexpected end of input/],
    ['malformed/wrong-types.json', /malformed\/wrong-types\.json is not a usable request envelope[\s\S]*version must be a string[\s\S]*request\.type must be a string[\s\S]*accessToken must be a string/],
    ['malformed/binary.json', /malformed\/binary\.json is binary, not JSON text/],
    ['malformed/not-an-envelope.json', /is an ask dialog replay file \(utterances\), not request envelopes/],
    ['missing.json', /--envelopes: missing\.json not found/],
  ])('%s is rejected naming the file and what is wrong (exit 2)', async (file, message) => {
    const err = await rejection(loadEnvelopeFiles([file], FIXTURES));
    expect(err.exitCode).toBe(2);
    expect(err.message).toMatch(message);
  });

  it('rejects a 50 MB file without parsing it', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'al-big-'));
    temps.push(dir);
    const big = path.join(dir, 'huge.json');
    await writeFile(big, Buffer.alloc(50 * 1024 * 1024, 0x20));
    const err = await rejection(loadEnvelopeFiles(['huge.json'], dir));
    expect(err.message).toMatch(/huge\.json is 50\.0 MB; JSON files over 20 MB are not read/);
  });

  it('an empty folder and an empty array are input errors', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'al-empty-'));
    temps.push(dir);
    expect((await rejection(loadEnvelopeFiles(['.'], dir))).message).toMatch(/holds no \.json files/);
    await writeFile(path.join(dir, 'empty.json'), '[]');
    expect((await rejection(loadEnvelopeFiles(['empty.json'], dir))).message).toMatch(/empty array/);
  });

  it('a save-skill-io file whose simulations never reached the skill is named', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'al-io-'));
    temps.push(dir);
    await writeFile(path.join(dir, 'io.json'), JSON.stringify({ invocations: [{ request: { utterance: 'hi' }, response: { body: { status: 'FAILED', result: { error: { message: 'no' } } } } }] }));
    expect((await rejection(loadEnvelopeFiles(['io.json'], dir))).message).toMatch(/io\.json is an ask dialog --save-skill-io file without any request sent to the skill/);
  });

  it.each<[unknown, string | undefined]>([
    [{ request: {}, context: {} }, 'envelope'],
    [[], 'envelope-array'],
    [{ invocations: [{ request: {}, response: {} }] }, 'save-skill-io'],
    [{ result: { skillExecutionInfo: { invocations: [] } } }, 'simulation-result'],
    [{ status: 'SUCCESSFUL', result: { skillExecutionInfo: { invocationRequest: { body: {} } } } }, 'invocation-result'],
    [{ hello: 'world' }, undefined],
    ['text', undefined],
  ])('detectFormat(%j) = %s', (doc, format) => {
    expect(detectFormat(doc)).toBe(format);
  });
});
