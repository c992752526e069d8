import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { autoLogin } from '../../src/demo/auto-login.js';
import { startLocalProvider, type LocalProvider } from '../../src/demo/local-provider.js';
import { runInit } from '../../src/scaffold/run-init.js';
import { runCli } from '../support/cli.js';
import { removeTempDirs, tempDir } from '../support/skill-project.js';

/**
 * `alexa-link login` (built CLI) on a smart home skill scaffolded by init, against the local OAuth
 * provider: besides Alexa's token rules it says whether the configured scopes were granted
 * (the token answer's scope). oidc-provider grants the scopes it knows and drops the others.
 */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

interface LoginJson {
  ok: boolean;
  steps: Array<{ id: string; status: string; detail: string; fix: string }>;
  token: { scope?: string } | null;
}

afterAll(removeTempDirs);

describe('alexa-link login on a smart home skill', () => {
  let provider: LocalProvider;
  const ports: number[] = [];
  beforeAll(async () => {
    for (let i = 0; i < 3; i++) ports.push(await freePort());
    provider = await startLocalProvider({ redirectUris: ports.map((p) => `http://127.0.0.1:${p}/callback`) });
  });
  afterAll(async () => {
    await provider?.close();
  });

  async function smartHomeProject(scopes: string[], skillType: 'smart-home' | 'custom' = 'smart-home'): Promise<string> {
    const cwd = await tempDir('al-login-sh-');
    const client = provider.clients.basic;
    const r = await runInit(
      {
        skillType,
        dir: 'porch-light',
        ...(skillType === 'custom' ? { invocation: 'porch light' } : {}),
        clientId: client.clientId,
        provider: 'generic',
        authorizationUrl: provider.authorizationUrl,
        tokenUrl: provider.tokenUrl,
        userinfoUrl: provider.userinfoUrl,
        scopes,
        scheme: client.scheme,
      },
      { cwd },
    );
    return r.dir;
  }

  async function login(dir: string, port: number): Promise<{ code: number | null; doc: LoginJson; stderr: string }> {
    let driving: Promise<unknown> | undefined;
    const run = await runCli(['--json', 'login', '--no-open', '--port', String(port), '--timeout', '60'], {
      cwd: dir,
      env: { ALEXA_LINK_CLIENT_SECRET: provider.clients.basic.clientSecret, DISPLAY: '', WAYLAND_DISPLAY: '' },
      timeoutMs: 90_000,
      onSpawn: (child) => {
        let stderr = '';
        child.stderr!.on('data', (c: Buffer) => {
          stderr += c.toString('utf8');
          const m = /^ {2}(https?:\/\/\S+)$/m.exec(stderr);
          if (m && !driving) driving = autoLogin({ authorizationUrl: m[1]!, deliverCallback: true });
        });
      },
    });
    await driving;
    return { code: run.code, doc: JSON.parse(run.stdout) as LoginJson, stderr: run.stderr };
  }

  it('passes when the provider grants every configured scope', async () => {
    const dir = await smartHomeProject(['openid', 'profile']);
    const { code, doc, stderr } = await login(dir, ports[0]!);
    expect(code, stderr).toBe(0);
    const step = doc.steps.find((s) => s.id === 'granted-scopes');
    expect(step, JSON.stringify(doc.steps.map((s) => s.id))).toBeDefined();
    expect(step!.status).toBe('pass');
    // Before the session step, after the token rules.
    const ids = doc.steps.map((s) => s.id);
    expect(ids.indexOf('granted-scopes')).toBeLessThan(ids.indexOf('session-saved'));
  }, 120_000);

  it('fails, naming the scope, when the provider does not grant one (exit 1)', async () => {
    const dir = await smartHomeProject(['openid', 'profile', 'devices:control']);
    const { code, doc } = await login(dir, ports[1]!);
    expect(code).toBe(1);
    const step = doc.steps.find((s) => s.id === 'granted-scopes')!;
    expect(step.status).toBe('fail');
    expect(step.detail).toMatch(/did not grant devices:control \(asked for openid profile devices:control; the token answer says "openid profile"\)/);
    expect(step.fix).toMatch(/Allow devices:control for this client at the provider/);
  }, 120_000);

  it('a custom skill is not checked for granted scopes', async () => {
    const dir = await smartHomeProject(['openid', 'profile', 'devices:control'], 'custom');
    const { doc } = await login(dir, ports[2]!);
    expect(doc.steps.some((s) => s.id === 'granted-scopes')).toBe(false);
  }, 120_000);
});
