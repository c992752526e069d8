import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DoctorJson } from '../../src/doctor/report.js';
import { runCli, type CliResult } from '../support/cli.js';
import { faultProject, removeProjects, SKILL } from '../faults/peers.js';

/**
 * The CLI end of the fuzzed parsers: for each kind of outside input, one malformed example through
 * the built binary. Exit 2, the file (or variable, or pasted text) named with what is wrong,
 * nothing on stdout (or exactly one JSON error document with --json), no stack trace and no
 * "Internal error". doctor is the exception by design: it diagnoses a broken project, so a
 * malformed skill.json is a failed check (exit 1) naming the file.
 */
const fixture = (name: string): Record<string, unknown> => JSON.parse(readFileSync(new URL(`../fixtures/envelopes/${name}`, import.meta.url), 'utf8')) as Record<string, unknown>;
const homes: string[] = [];
afterAll(async () => {
  await removeProjects();
  await Promise.all(homes.map((h) => rm(h, { recursive: true, force: true })));
});

const ENV = { HOME: '/nonexistent-home', ASK_ACCESS_TOKEN: '', ASK_REFRESH_TOKEN: '', ASK_LWA_CLIENT_ID: '', ASK_LWA_CLIENT_CONFIRMATION: '', ASK_DEFAULT_PROFILE: '', ASK_VENDOR_ID: '', ALEXA_LINK_CLIENT_SECRET: 'malformed-test-secret' };

async function project(): Promise<string> {
  const dir = await faultProject('https://auth.example.com');
  await mkdir(path.join(dir, '.ask'));
  await writeFile(path.join(dir, '.ask', 'ask-states.json'), JSON.stringify({ askcliStatesVersion: '2020-03-31', profiles: { default: { skillId: SKILL } } }));
  return dir;
}

function expectInputError(r: CliResult, names: RegExp, what?: RegExp): void {
  expect(r.code, r.stderr).toBe(2);
  expect(r.stdout).toBe('');
  expect(r.stderr).toMatch(names);
  if (what) expect(r.stderr).toMatch(what);
  expect(r.stderr).not.toMatch(/Internal error|\n\s+at .*:\d+:\d+/);
}

describe('a malformed input file through the built CLI: exit 2 naming it', () => {
  it.each<[string, (dir: string) => Promise<string>, RegExp, RegExp]>([
    [
      'a plain envelope with wrong types',
      async (dir) => {
        await writeFile(path.join(dir, 'bad.json'), JSON.stringify({ version: 1, context: { System: { user: { accessToken: 42 } } }, request: { type: 'LaunchRequest' } }));
        return 'bad.json';
      },
      /bad\.json is not a usable request envelope/,
      /version must be a string[\s\S]*context\.System\.user\.accessToken must be a string, not a number/,
    ],
    [
      'a truncated envelope file',
      async (dir) => {
        await writeFile(path.join(dir, 'cut.json'), JSON.stringify(fixture('launch-linked.json'), null, 2).slice(0, 200));
        return 'cut.json';
      },
      /cut\.json is not valid JSON at line \d+, column \d+/,
      /unexpected end of input/,
    ],
    [
      'an ask dialog --save-skill-io file whose recorded request is broken',
      async (dir) => {
        const doc = fixture('dialog-save-skill-io.json') as { invocations: Array<{ response: { body: { result?: { skillExecutionInfo: { invocations: Array<{ invocationRequest: { body: Record<string, unknown> } }> } } } } }> };
        const recorded = doc.invocations.find((i) => i.response.body.result)!;
        recorded.response.body.result!.skillExecutionInfo.invocations[0]!.invocationRequest.body.request = 'LaunchRequest';
        await writeFile(path.join(dir, 'dialog.json'), JSON.stringify(doc));
        return 'dialog.json';
      },
      /dialog\.json invocations\[1\]\.response\.body\.result\.skillExecutionInfo\.invocations\[0\]\.invocationRequest\.body is not a usable request envelope/,
      /request must be an object, not a string/,
    ],
    [
      'a SMAPI simulation result without the request',
      async (dir) => {
        const doc = fixture('simulation-result.json') as { result: { skillExecutionInfo: { invocations: unknown[] } } };
        doc.result.skillExecutionInfo.invocations = [];
        await writeFile(path.join(dir, 'simulation.json'), JSON.stringify(doc));
        return 'simulation.json';
      },
      /simulation\.json is a SMAPI simulation result whose skillExecutionInfo\.invocations holds no request/,
      /did not reach the skill/,
    ],
  ])('doctor --envelopes: %s', async (_name, write, names, what) => {
    const dir = await project();
    const file = await write(dir);
    const r = await runCli(['doctor', '--envelopes', file, '--offline'], { cwd: dir, env: ENV });
    expectInputError(r, names, what);
  });

  it('~/.ask/cli_config with a token of the wrong type: configure exit 2 naming the file and field', async () => {
    const dir = await project();
    const home = await mkdtemp(path.join(os.tmpdir(), 'al-malformed-home-'));
    homes.push(home);
    await mkdir(path.join(home, '.ask'));
    await writeFile(path.join(home, '.ask', 'cli_config'), JSON.stringify({ profiles: { default: { token: { access_token: 12345, expires_at: '2099-01-01T00:00:00Z' } } } }), { mode: 0o600 });
    const r = await runCli(['configure', '--yes'], { cwd: dir, env: { ...ENV, HOME: home } });
    expectInputError(r, new RegExp(`${path.join(home, '.ask', 'cli_config').replace(/[.]/g, '\\.')}: profiles\\.default\\.token\\.access_token must be a string`));
  });

  it('~/.ask/cli_config that is not JSON, with --json: one error document', async () => {
    const dir = await project();
    const home = await mkdtemp(path.join(os.tmpdir(), 'al-malformed-home-'));
    homes.push(home);
    await mkdir(path.join(home, '.ask'));
    await writeFile(path.join(home, '.ask', 'cli_config'), '{"profiles": {"default": {"token": {', { mode: 0o600 });
    const r = await runCli(['--json', 'configure', '--yes'], { cwd: dir, env: { ...ENV, HOME: home } });
    expect(r.code).toBe(2);
    const doc = JSON.parse(r.stdout) as { ok: boolean; error: { code: string; message: string } };
    expect(doc).toMatchObject({ ok: false, error: { code: 'E_INPUT_JSON', message: expect.stringMatching(/cli_config is not valid JSON at line 1, column \d+/) } });
    expect(r.stderr).not.toMatch(/Internal error|\n\s+at .*:\d+:\d+/);
  });

  it('ASK_SMAPI_SERVER_BASE_URL that is not a URL: configure exit 2 naming the variable', async () => {
    const dir = await project();
    const r = await runCli(['configure', '--yes'], { cwd: dir, env: { ...ENV, ASK_ACCESS_TOKEN: 'Atza|x', ASK_SMAPI_SERVER_BASE_URL: 'api.amazonalexa.com without a scheme' } });
    expectInputError(r, /ASK_SMAPI_SERVER_BASE_URL="api\.amazonalexa\.com without a scheme" is not a URL/);
  });

  it.each<[string, string, string, RegExp]>([
    ['accountLinking.json with a string for a list', 'accountLinking.json', JSON.stringify({ accountLinkingRequest: { type: 'AUTH_CODE', scopes: 'openid profile' } }), /accountLinking\.json has a problem:\n\s+- accountLinkingRequest\.scopes must be an array of strings, not the string "openid profile"/],
    ['ask-resources.json without profiles', 'ask-resources.json', JSON.stringify({ askcliResourcesVersion: '2020-03-31' }), /ask-resources\.json: "profiles" is missing or not an object/],
    ['.ask/ask-states.json with a bad skill ID', path.join('.ask', 'ask-states.json'), JSON.stringify({ profiles: { default: { skillId: 42 } } }), /\.ask\/ask-states\.json: profiles\.default\.skillId must be a skill ID/],
  ])('configure: %s', async (_name, file, text, names) => {
    const dir = await project();
    await writeFile(path.join(dir, file), text);
    const r = await runCli(['configure', '--yes'], { cwd: dir, env: { ...ENV, ASK_ACCESS_TOKEN: 'Atza|x', ASK_SMAPI_SERVER_BASE_URL: 'http://127.0.0.1:9' } });
    expectInputError(r, names);
  });

  it('login: a malformed accountLinking.json (binary bytes)', async () => {
    const dir = await project();
    await writeFile(path.join(dir, 'accountLinking.json'), Buffer.from([0x7b, 0x00, 0xff, 0xfe]));
    const r = await runCli(['login', '--no-open', '--port', '0'], { cwd: dir, env: ENV });
    expectInputError(r, /accountLinking\.json is binary, not JSON text/);
  });

  it('doctor --token session: a malformed .alexa-link/session.json', async () => {
    const dir = await project();
    await mkdir(path.join(dir, '.alexa-link'), { mode: 0o700 });
    await writeFile(path.join(dir, '.alexa-link', 'session.json'), JSON.stringify({ version: 1, createdAt: 'yesterday' }), { mode: 0o600 });
    const r = await runCli(['doctor', '--token', 'session', '--offline'], { cwd: dir, env: ENV });
    expectInputError(r, /\.alexa-link\/session\.json: createdAt must be an ISO date/);
  });

  it('login --redirect alexa: a pasted address that is neither an address nor a code', async () => {
    const dir = await project();
    const r = await runCli(['login', '--no-open', '--redirect', 'alexa', '--vendor-id', 'M2MALFORMED1', '--timeout', '10'], { cwd: dir, env: ENV, input: 'I signed in, but what now? <script>\n' });
    expectInputError(r, /The pasted text is neither an address nor an authorization code/);
  });

  it('doctor on a malformed skill.json: a failed project-files check naming it (exit 1, a diagnosis, not a crash)', async () => {
    const dir = await project();
    await writeFile(path.join(dir, 'skill-package', 'skill.json'), JSON.stringify({ manifest: { apis: { custom: { endpoint: { uri: 42 } } } } }));
    const r = await runCli(['--json', 'doctor', '--offline', '--only', 'project-files'], { cwd: dir, env: ENV });
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as DoctorJson;
    expect(doc.checks.find((c) => c.id === 'project-files')).toMatchObject({ status: 'fail', detail: expect.stringMatching(/skill-package\/skill\.json: manifest\.apis\.custom\.endpoint\.uri must be a string/) });
    expect(r.stderr).not.toMatch(/Internal error|\n\s+at .*:\d+:\d+/);
  });
});
