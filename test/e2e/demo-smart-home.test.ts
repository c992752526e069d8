import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

/** `alexa-link demo --type smart-home` through the built CLI, offline: provider, init, login, replays of Discover and TurnOn, diagram. */
const dirs: string[] = [];
async function tmpdir(): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), 'al-demo-sh-test-'));
  dirs.push(d);
  return d;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

interface DemoJson {
  ok: boolean;
  type: string;
  steps: Array<{ id: string; ok: boolean; detail: string }>;
  project: string | null;
  login: { ok: boolean; steps: Array<{ id: string; status: string }> };
  replays: Array<{ source: string; request: string; verdict: string; tokenInEnvelope: Record<string, boolean>; response: Record<string, unknown> }>;
}

describe('alexa-link demo --type smart-home', () => {
  it('--json: Discover and TurnOn without a token get INVALID_AUTHORIZATION_CREDENTIAL; with the session token the switch is found and turned on', async () => {
    const tmp = await tmpdir();
    const r = await runCli(['--json', 'demo', '--type', 'smart-home'], { env: { TMPDIR: tmp }, timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as DemoJson;
    expect(doc).toMatchObject({ ok: true, type: 'smart-home', project: null });
    expect(doc.steps.map((s) => [s.id, s.ok])).toEqual([
      ['provider', true],
      ['init', true],
      ['login', true],
      ['replay-no-token', true],
      ['replay-session-token', true],
    ]);
    expect(doc.login.steps.find((s) => s.id === 'granted-scopes')).toMatchObject({ status: 'pass' });
    expect(doc.replays.map((x) => [x.source, x.request, x.verdict])).toEqual([
      ['builtin:discover-unlinked', 'Alexa.Discovery.Discover', 'pass'],
      ['builtin:discover', 'Alexa.Discovery.Discover', 'pass'],
      ['builtin:turn-on-unlinked', 'Alexa.PowerController.TurnOn', 'pass'],
      ['builtin:turn-on', 'Alexa.PowerController.TurnOn', 'pass'],
    ]);
    expect(doc.replays[0]!.response.errorType).toBe('INVALID_AUTHORIZATION_CREDENTIAL');
    expect(doc.replays[1]!.response).toMatchObject({ endpoints: 1, endpointIds: ['virtual-switch-1'] });
    expect(doc.replays[3]!).toMatchObject({ tokenInEnvelope: { endpoint: true }, response: { endpointId: 'virtual-switch-1', properties: expect.arrayContaining(['Alexa.PowerController.powerState=ON']) } });
    expect((await readdir(tmp)).filter((n) => n !== 'node-compile-cache')).toEqual([]);
  }, 150_000);

  it('text: the steps, the smart home hops of the diagram, and no token printed (--keep)', async () => {
    const tmp = await tmpdir();
    const r = await runCli(['demo', '--type', 'smart-home', '--keep'], { env: { TMPDIR: tmp }, timeoutMs: 120_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Scaffolding a JavaScript smart home skill with alexa-link init --type smart-home/);
    expect(r.stderr).toMatch(/✔ Without a token: Discover and TurnOn are answered with INVALID_AUTHORIZATION_CREDENTIAL/);
    expect(r.stderr).toMatch(/Alexa\.Discovery\.Discover: 200 in \d+ ms, Discover\.Response with virtual-switch-1/);
    expect(r.stderr).toMatch(/Alexa\.PowerController\.TurnOn: 200 in \d+ ms, Response, Alexa\.PowerController\.powerState=ON/);
    expect(r.stderr).toMatch(/· 5 {2}AcceptGrant: grant code, token at payload\.grantee \(Send Alexa Events on\)/);
    expect(r.stderr).toMatch(/✔ 6 {2}Discover after linking/);
    expect(r.stdout).toMatch(/Demo passed: the token reached the smart home skill, Discover found the switch and TurnOn switched it on/);
    expect(r.stdout).toContain('npx alexa-link init my-skill --type smart-home');
    const kept = (await readdir(tmp)).filter((n) => n.startsWith('alexa-link-demo-'));
    const project = path.join(tmp, kept[0]!, 'demo-skill');
    const manifest = JSON.parse(await readFile(path.join(project, 'skill-package', 'skill.json'), 'utf8')) as { manifest: { apis: Record<string, unknown> } };
    expect(Object.keys(manifest.manifest.apis)).toEqual(['smartHome']);
    const session = JSON.parse(await readFile(path.join(project, '.alexa-link', 'session.json'), 'utf8')) as { tokens: { accessToken: string } };
    expect(r.stdout + r.stderr).not.toContain(session.tokens.accessToken);
  }, 150_000);

  it('--language typescript: the generated TypeScript smart home skill compiles (Node\'s types linked, no download) and passes the same replays', async () => {
    const tmp = await tmpdir();
    const r = await runCli(['--json', 'demo', '--type', 'smart-home', '--language', 'typescript'], { env: { TMPDIR: tmp }, timeoutMs: 120_000 });
    expect(r.stderr).not.toMatch(/TS2688|Cannot find type definition file/);
    expect(r.code, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as DemoJson;
    expect(doc.steps.every((s) => s.ok)).toBe(true);
    expect(doc.replays.map((x) => [x.source, x.verdict])).toEqual([
      ['builtin:discover-unlinked', 'pass'],
      ['builtin:discover', 'pass'],
      ['builtin:turn-on-unlinked', 'pass'],
      ['builtin:turn-on', 'pass'],
    ]);
  }, 150_000);

  it('--type video is a usage error (exit 2)', async () => {
    const r = await runCli(['demo', '--type', 'video'], { timeoutMs: 30_000 });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--type must be custom or smart-home, not "video"/);
  });
});
