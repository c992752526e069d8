import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DoctorJson } from '../../src/doctor/report.js';
import { runCli } from '../support/cli.js';

/**
 * Issue 15 item 10: `doctor --handler file#name` takes only the module's own exports. A name
 * inherited from Object.prototype (toString, constructor, __proto__, hasOwnProperty, valueOf) is
 * not the skill's handler: it is refused like a missing export, and never called with the request.
 */
const SKILLS = fileURLToPath(new URL('../fixtures/skills', import.meta.url));
let cwd: string;
beforeAll(async () => {
  cwd = await mkdtemp(path.join(os.tmpdir(), 'al-handler-export-'));
});
afterAll(() => rm(cwd, { recursive: true, force: true }));

describe('doctor --handler refuses inherited members (built CLI)', () => {
  it.each([
    ['CommonJS', 'good/index.js', 'toString'],
    ['CommonJS', 'good/index.js', 'constructor'],
    ['CommonJS', 'good/index.js', '__proto__'],
    ['CommonJS', 'good/index.js', 'hasOwnProperty'],
    ['CommonJS', 'good/index.js', 'valueOf'],
    ['ESM', 'esm-async/handler.js', 'toString'],
    ['ESM', 'esm-async/handler.js', 'constructor'],
  ])('%s %s#%s: not an export of the module', async (_kind, file, member) => {
    const started = Date.now();
    const r = await runCli(['--json', 'doctor', '--only', 'replays', '--timeout', '5s', '--handler', `${path.join(SKILLS, file)}#${member}`], { cwd, env: { HOME: '/nonexistent-home' }, timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(1);
    const doc = JSON.parse(r.stdout) as DoctorJson;
    const replay = doc.replays[0]!;
    expect(replay.verdict).toBe('fail');
    // Refused at load, like a name the module does not export; never run as the handler.
    expect(replay.explanation).toMatch(new RegExp(`exports no function "${member}"`));
    expect(replay.explanation).not.toMatch(/did not answer|hangs/);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('an own export still loads (#handler)', async () => {
    const r = await runCli(['--json', 'doctor', '--only', 'replays', '--handler', `${path.join(SKILLS, 'good', 'index.js')}#handler`], { cwd, env: { HOME: '/nonexistent-home' }, timeoutMs: 30_000 });
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as DoctorJson).replays[0]!.verdict).toBe('pass');
  });
});
