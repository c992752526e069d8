// Each command as a user runs it (the built CLI, spawned), on this machine, against local parts:
// init without npm install; configure against the SMAPI stand-in; login from the provider's
// callback to the report (in-process: the sign-in itself is the user's time); doctor on a
// scaffolded project with 10 envelopes.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startLocalProvider } from '../src/demo/local-provider.js';
import { signInForCode } from '../src/demo/auto-login.js';
import { completeLogin } from '../src/oauth/login-flow.js';
import { builtinLaunch } from '../src/replay/kinds/custom.js';
import { startSmapiStandin } from '../test/support/smapi-standin.js';
import { BIN, run, timed, type Figure } from './lib.js';

const SKILL = 'amzn1.ask.skill.be0c4be0-0000-4000-8000-000000000001';
const SMAPI_TOKEN = 'Atza|bench-access-token-0123456789';
const GOAL = { ms: 1000, goal: '< 1 s' };

const cli = (args: string[], cwd: string, env: Record<string, string> = {}) =>
  run(process.execPath, ['--', BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1', ...env } });

async function scaffold(parent: string, name: string): Promise<string> {
  await cli(['init', name, '--yes', '--provider', 'auth0', '--domain', 'bench.us.auth0.com', '--client-id', 'bench-client', '--invocation', 'bench helper', '--no-install'], parent);
  return path.join(parent, name);
}

export async function benchCommands({ runs = 7 } = {}): Promise<Figure[]> {
  const figures: Figure[] = [];
  const tmp = await mkdtemp(path.join(os.tmpdir(), 'al-bench-cmd-'));
  try {
    // init
    const initSamples: number[] = [];
    for (let i = -2; i < runs; i++) {
      const { ms } = await cli(['init', `skill-${i + 2}`, '--yes', '--provider', 'lwa', '--client-id', 'X', '--invocation', 'my linked skill', '--no-install'], tmp);
      if (i >= 0) initSamples.push(ms);
    }
    figures.push(timed('init (non-interactive, no npm install)', initSamples, GOAL));

    // configure: every run pushes a change (the client ID alternates), so each is the full flow.
    const standin = await startSmapiStandin({ accessTokens: [SMAPI_TOKEN], vendors: [{ id: 'M2BENCHVENDOR' }], skills: [{ skillId: SKILL }] });
    try {
      const project = await scaffold(tmp, 'configure-skill');
      await mkdir(path.join(project, '.ask'));
      await writeFile(path.join(project, '.ask', 'ask-states.json'), JSON.stringify({ askcliStatesVersion: '2020-03-31', profiles: { default: { skillId: SKILL } } }));
      const home = path.join(tmp, 'home');
      await mkdir(home);
      const env = { HOME: home, ASK_ACCESS_TOKEN: SMAPI_TOKEN, ASK_VENDOR_ID: 'M2BENCHVENDOR', ALEXA_LINK_CLIENT_SECRET: 'bench-secret-value', ...standin.env() };
      const linkingPath = path.join(project, 'accountLinking.json');
      const samples: number[] = [];
      for (let i = -2; i < runs; i++) {
        const doc = JSON.parse(await readFile(linkingPath, 'utf8')) as { accountLinkingRequest: { clientId: string } };
        doc.accountLinkingRequest.clientId = `bench-client-${i + 3}`;
        await writeFile(linkingPath, JSON.stringify(doc, null, 2));
        const { ms } = await cli(['configure', '--yes'], project, env);
        if (i >= 0) samples.push(ms);
      }
      const violations = standin.violations();
      figures.push({ ...timed('configure (SMAPI stand-in: GET, diff, backup, PUT, verify)', samples, GOAL), ...(violations.length ? { note: `${violations.length} spec violations` } : {}) });
    } finally {
      await standin.close();
    }

    // login, from the provider's callback to the report (exchange, judge, refresh, save).
    const provider = await startLocalProvider();
    try {
      const project = await scaffold(tmp, 'login-skill');
      const samples: number[] = [];
      for (let i = -2; i < runs; i++) {
        const { code, settings } = await signInForCode(provider, provider.clients.basic);
        const t = process.hrtime.bigint();
        const result = await completeLogin(code, settings, { projectRoot: project });
        const ms = Number(process.hrtime.bigint() - t) / 1e6;
        if (!result.ok) throw new Error(`login failed: ${result.steps.filter((s) => s.status === 'fail').map((s) => s.id).join(', ')}`);
        if (i >= 0) samples.push(ms);
      }
      figures.push(timed('login, callback to report (in-process, local provider)', samples, GOAL));
    } finally {
      await provider.close();
    }

    // doctor on a scaffolded project with 10 envelopes (offline: replays against the Lambda handler).
    const project = await scaffold(tmp, 'doctor-skill');
    await linkSkillModules(path.join(project, 'lambda'));
    const envDir = path.join(project, 'envelopes');
    await mkdir(envDir);
    for (let i = 0; i < 10; i++) {
      await writeFile(path.join(envDir, `launch-${i}.json`), JSON.stringify(builtinLaunch({ skillId: undefined, locale: 'en-US' }), null, 2));
    }
    const samples: number[] = [];
    for (let i = -2; i < runs; i++) {
      const { ms } = await cli(['doctor', '--offline', '--token', 'none', '--envelopes', envDir], project).catch((err: Error) => {
        throw new Error(`doctor failed: ${err.message}`);
      });
      if (i >= 0) samples.push(ms);
    }
    figures.push(timed('doctor (offline, 10 envelopes, Lambda handler)', samples, GOAL));
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return figures;
}

/** The scaffolded skill runs with the repository's copy of its SDK (no npm install). */
async function linkSkillModules(lambdaDir: string): Promise<void> {
  const { symlink } = await import('node:fs/promises');
  const { ROOT } = await import('./lib.js');
  await symlink(path.join(ROOT, 'node_modules'), path.join(lambdaDir, 'node_modules'), 'dir');
}
