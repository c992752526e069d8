import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_USER, startLocalProvider, type LocalProvider } from '../../src/demo/local-provider.js';
import { obtainTokens } from '../../src/demo/auto-login.js';
import { runInit } from '../../src/scaffold/run-init.js';
import {
  REPO_NODE_MODULES,
  buildEnvelope,
  lendNodeModules,
  readAnswer,
  run,
  startServer,
  removeTempDirs,
  tempDir,
  type LocalServer,
} from '../support/skill-project.js';

/**
 * The skill `init` generates, run for real: its Lambda handler in this process against a real
 * OAuth provider (oidc-provider on 127.0.0.1), its own `npm test`, and its local runner with
 * request verification on and off. The repository's node_modules stand in for `npm install`.
 */
type Handler = (event: unknown, context?: unknown) => Promise<unknown>;

const TSC = path.join(REPO_NODE_MODULES, 'typescript', 'bin', 'tsc');

interface Generated {
  language: 'javascript' | 'typescript';
  lambdaDir: string;
  /** The compiled or plain JavaScript entry points, relative to lambda/. */
  handlerFile: string;
  serverFile: string;
}

async function generate(language: 'javascript' | 'typescript', userinfoUrl: string): Promise<Generated> {
  const cwd = await tempDir(`al-skill-${language}-`);
  const result = await runInit(
    {
      dir: 'linked-skill',
      clientId: 'demo-client',
      invocation: 'linked helper',
      provider: 'generic',
      authorizationUrl: 'http://127.0.0.1:1/auth',
      tokenUrl: 'http://127.0.0.1:1/token',
      userinfoUrl,
      language,
    },
    { cwd },
  );
  const lambdaDir = path.join(result.dir, 'lambda');
  await lendNodeModules(lambdaDir);
  if (language === 'typescript') {
    const tsc = await run(process.execPath, [TSC, '-p', '.'], { cwd: lambdaDir, timeoutMs: 120_000 });
    expect(tsc.code, tsc.stdout + tsc.stderr).toBe(0);
  }
  return {
    language,
    lambdaDir,
    handlerFile: language === 'typescript' ? 'dist/src/index.js' : 'index.js',
    serverFile: language === 'typescript' ? 'dist/src/local-server.js' : 'local-server.js',
  };
}

/** Starts the generated local runner and waits for its "listening" line. */
async function startRunner(g: Generated, env: NodeJS.ProcessEnv, args: string[] = []): Promise<{ url: string; child: ChildProcess; stderr: () => string }> {
  const child = spawn(process.execPath, [g.serverFile, ...args], {
    cwd: g.lambdaDir,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  const url = await new Promise<string>((resolve, reject) => {
    let stdout = '';
    const timer = setTimeout(() => reject(new Error(`runner did not start:\n${stdout}\n${stderr}`)), 15_000);
    child.stdout!.setEncoding('utf8').on('data', (c: string) => {
      stdout += c;
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(stdout);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`runner exited with ${code}:\n${stdout}\n${stderr}`));
    });
  });
  return { url, child, stderr: () => stderr };
}

async function postEnvelope(url: string, envelope: unknown): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(envelope), signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: await res.text() };
}

afterAll(removeTempDirs);

describe.each(['javascript', 'typescript'] as const)('the generated %s skill', (language) => {
  let provider: LocalProvider;
  let failing: LocalServer;
  let failingStatus = 500;
  let g: Generated;
  let handler: Handler;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    provider = await startLocalProvider();
    failing = await startServer((req, res) => {
      res.writeHead(failingStatus, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: failingStatus === 401 ? 'invalid_token' : 'server_error' }));
    });
    // The project is generated with the real provider's userinfo URL, as init writes it.
    g = await generate(language, provider.userinfoUrl);
    const requireFromLambda = createRequire(path.join(g.lambdaDir, 'package.json'));
    handler = (requireFromLambda(`./${g.handlerFile}`) as { handler: Handler }).handler;
  }, 180_000);

  afterAll(async () => {
    for (const c of children) c.kill('SIGTERM');
    await failing?.close();
    await provider?.close();
  });

  it('asks to link, with a LinkAccount card, when the request carries no token', async () => {
    const answer = readAnswer(await handler(buildEnvelope(), {}));
    expect(answer.linkAccountCard).toBe(true);
    expect(answer.speech).toMatch(/please link your account/);
  });

  it('greets a user linked at a real OAuth provider by name (token from a real login)', async () => {
    const tokens = await obtainTokens({ provider, client: provider.clients.basic, scopes: ['openid', 'profile', 'email'] });
    for (const intent of [undefined, 'WhoAmIIntent']) {
      const answer = readAnswer(await handler(buildEnvelope({ intent, accessToken: tokens.access_token }), {}));
      expect(answer.linkAccountCard).toBe(false);
      expect(answer.speech).toContain(`Hello, ${DEMO_USER.name}!`);
    }
  });

  it('asks to link again when the provider answers 401 for a revoked token', async () => {
    const tokens = await obtainTokens({ provider, client: provider.clients.basic, scopes: ['openid', 'profile', 'email'] });
    expect(await provider.revokeToken(tokens.access_token)).toBe(true);
    const answer = readAnswer(await handler(buildEnvelope({ accessToken: tokens.access_token }), {}));
    expect(answer.linkAccountCard).toBe(true);
    expect(answer.speech).toMatch(/expired or was revoked/);
  });

  it('asks to link again when the provider answers 401 for a token it never issued', async () => {
    const answer = readAnswer(await handler(buildEnvelope({ accessToken: 'not-a-token-this-provider-issued' }), {}));
    expect(answer.linkAccountCard).toBe(true);
  });

  it('says so, without a card and without crashing, when userinfo fails (USERINFO_URL override)', async () => {
    const saved = process.env.USERINFO_URL;
    process.env.USERINFO_URL = `${failing.url}/userinfo`;
    try {
      failingStatus = 503;
      const answer = readAnswer(await handler(buildEnvelope({ accessToken: 'tok-0123456789' }), {}));
      expect(answer.linkAccountCard).toBe(false);
      expect(answer.speech).toMatch(/could not reach your account provider/);
      failingStatus = 401;
      expect(readAnswer(await handler(buildEnvelope({ accessToken: 'tok-0123456789' }), {})).linkAccountCard).toBe(true);
      expect(failing.requests.at(-1)!.authorization).toBe('Bearer tok-0123456789');
    } finally {
      if (saved === undefined) delete process.env.USERINFO_URL;
      else process.env.USERINFO_URL = saved;
    }
  });

  it("passes its own tests (npm test in lambda/, node:test, no network)", async () => {
    const r = await run('npm', ['test'], { cwd: g.lambdaDir, timeoutMs: 120_000 });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/# pass 19/);
    expect(r.stdout).toMatch(/# fail 0/);
  }, 150_000);

  it('its local runner rejects an unsigned request with 400 while verification is on (the default)', async () => {
    const runner = await startRunner(g, {});
    children.push(runner.child);
    const res = await postEnvelope(runner.url, buildEnvelope());
    expect(res.status).toBe(400);
    expect(res.body).toMatch(/Missing Certificate for the skill request/);
    expect(runner.stderr()).not.toMatch(/VERIFICATION IS OFF/);
    runner.child.kill('SIGTERM');
  });

  it.each([
    ['SKIP_VERIFICATION=1', { SKIP_VERIFICATION: '1' }, []],
    ['--no-verify', {}, ['--no-verify']],
  ] as [string, NodeJS.ProcessEnv, string[]][])('its local runner answers 200 with verification off by %s, and says so loudly', async (_label, env, args) => {
    const tokens = await obtainTokens({ provider, client: provider.clients.body, scopes: ['openid', 'profile'] });
    const runner = await startRunner(g, env, args);
    children.push(runner.child);
    expect(runner.stderr()).toMatch(/REQUEST VERIFICATION IS OFF/);
    const unlinked = await postEnvelope(runner.url, buildEnvelope());
    expect(unlinked.status).toBe(200);
    expect(readAnswer(JSON.parse(unlinked.body)).linkAccountCard).toBe(true);
    const linked = await postEnvelope(runner.url, buildEnvelope({ accessToken: tokens.access_token }));
    expect(linked.status).toBe(200);
    expect(readAnswer(JSON.parse(linked.body)).speech).toContain(`Hello, ${DEMO_USER.name}!`);
    expect(runner.stderr()).not.toContain(tokens.access_token);
    runner.child.kill('SIGTERM');
  });
});
