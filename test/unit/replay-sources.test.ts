import { mkdtemp, mkdir, readFile, symlink, writeFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import type { Envelope, ReplayItem } from '../../src/replay/envelopes.js';
import { customKind } from '../../src/replay/kinds/custom.js';
import { detectFormat, findLoadable, loadEnvelopeFiles, planEnvelopeFiles, streamEnvelopes } from '../../src/replay/sources.js';

const tokenPlaces = (env: Envelope) => customKind.tokenIn(env);
const envelopeToken = (env: Envelope) => customKind.readToken(env, 'context') ?? customKind.readToken(env, 'session');

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

describe('streaming a folder with bad files', () => {
  it('yields the good envelopes and one failed item per bad file, naming the file and the problem', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'al-stream-'));
    temps.push(dir);
    await writeFile(path.join(dir, 'a-good.json'), await readFile(path.join(FIXTURES, 'launch-linked.json')));
    await writeFile(path.join(dir, 'b-truncated.json'), '{"version": "1.0", "request": {');
    await writeFile(path.join(dir, 'c-not-envelope.json'), '{"hello": 1}');
    await writeFile(path.join(dir, 'd-good-array.json'), await readFile(path.join(FIXTURES, 'unlinked-array.json')));
    const plan = await planEnvelopeFiles(['.'], dir);
    expect(plan.labels).toEqual(['a-good.json', 'b-truncated.json', 'c-not-envelope.json', 'd-good-array.json']);
    const items: ReplayItem[] = [];
    for await (const item of streamEnvelopes(plan)) items.push(item);
    expect(items.map((i) => ('loadError' in i ? `bad ${i.source}: ${i.loadError.message}` : `ok ${i.source}`))).toEqual([
      'ok a-good.json',
      expect.stringMatching(/^bad b-truncated\.json: b-truncated\.json is not valid JSON at line 1, column \d+: unexpected end of input/),
      expect.stringMatching(/^bad c-not-envelope\.json: c-not-envelope\.json is not a request envelope/),
      'ok d-good-array.json#1',
      'ok d-good-array.json#2',
    ]);
    expect(await findLoadable(plan)).toEqual({ ok: true });
    expect(await findLoadable({ cwd: dir, labels: plan.labels.slice(1, 3) })).toMatchObject({ ok: false, failures: [{ source: 'b-truncated.json' }, { source: 'c-not-envelope.json' }] });
  });

  it('a missing path, a dangling link, an empty folder and an array with one bad item: failed items naming each, the good envelopes still replay', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'al-stream-bad-'));
    temps.push(dir);
    const good = JSON.parse(await readFile(path.join(FIXTURES, 'launch-linked.json'), 'utf8')) as Envelope;
    await writeFile(path.join(dir, 'good.json'), JSON.stringify(good));
    await writeFile(path.join(dir, 'mixed.json'), JSON.stringify([good, { hello: 1 }, good]));
    await symlink(path.join(dir, 'gone.json'), path.join(dir, 'dangling.json'));
    await mkdir(path.join(dir, 'empty'));
    const plan = await planEnvelopeFiles(['good.json', 'missing.json', 'dangling.json', 'empty', 'mixed.json'], dir);
    const items: ReplayItem[] = [];
    for await (const item of streamEnvelopes(plan)) items.push(item);
    expect(items.map((i) => ('loadError' in i ? `bad ${i.source}: ${i.loadError.message}` : `ok ${i.source}`))).toEqual([
      'ok good.json',
      'bad missing.json: --envelopes: missing.json not found.',
      expect.stringMatching(/^bad dangling\.json: dangling\.json is a symbolic link to .*gone\.json, which does not exist \(a dangling link\)\.$/),
      'bad empty: --envelopes: the folder empty holds no .json files.',
      'ok mixed.json#1',
      expect.stringMatching(/^bad mixed\.json#2: mixed\.json item 2 is not a request envelope/),
      'ok mixed.json#3',
    ]);
    // Only when nothing loads at all is it a usage error.
    expect(await findLoadable(plan)).toEqual({ ok: true });
    expect(await findLoadable(await planEnvelopeFiles(['missing.json', 'dangling.json'], dir))).toMatchObject({ ok: false, failures: [{ source: 'missing.json' }, { source: 'dangling.json' }] });
    // A dangling link inside a folder is listed too.
    expect((await planEnvelopeFiles(['.'], dir)).labels).toContain('dangling.json');
  });

  it('decodes UTF-16 files (PowerShell `>` writes UTF-16LE with a byte order mark)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'al-utf16-'));
    temps.push(dir);
    const text = await readFile(path.join(FIXTURES, 'launch-linked.json'), 'utf8');
    await writeFile(path.join(dir, 'le.json'), Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(`${text}\r\n`, 'utf16le')]));
    const be = Buffer.from(text, 'utf16le').swap16();
    await writeFile(path.join(dir, 'be.json'), Buffer.concat([Buffer.from([0xfe, 0xff]), be]));
    const loaded = await loadEnvelopeFiles(['le.json', 'be.json'], dir);
    expect(loaded.map((l) => envelopeToken(l.envelopes[0]!.envelope))).toEqual([envelopeToken(JSON.parse(text) as Envelope), envelopeToken(JSON.parse(text) as Envelope)]);
    const items: ReplayItem[] = [];
    for await (const item of streamEnvelopes(await planEnvelopeFiles(['le.json'], dir))) items.push(item);
    expect(items.map((i) => i.source)).toEqual(['le.json']);
    expect('loadError' in items[0]!).toBe(false);
  });
});
