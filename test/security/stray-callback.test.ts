import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { autoLogin } from '../../src/demo/auto-login.js';
import { startLocalProvider, type LocalProvider } from '../../src/demo/local-provider.js';
import { request } from '../../src/net/http.js';
import { runLoginDriven } from '../faults/login-driver.js';

/**
 * Issue 15 item 11: the loopback callback server listens on 127.0.0.1, so anyone on the machine
 * can send it a request. A callback with `error` but without this login's state (none, or another)
 * cannot be told apart from such a request: it is shown, and the login keeps waiting for the
 * provider's answer with the right state until the timeout. The final report mentions it.
 */
let provider: LocalProvider;
let dir: string;

beforeAll(async () => {
  provider = await startLocalProvider({ anyLoopbackPort: true });
  dir = await mkdtemp(path.join(os.tmpdir(), 'al-stray-'));
  await writeFile(path.join(dir, 'ask-resources.json'), JSON.stringify({ askcliResourcesVersion: '2020-03-31', profiles: { default: { skillMetadata: { src: './skill-package' } } } }));
  await mkdir(path.join(dir, 'skill-package'));
  const client = provider.clients.basic;
  await writeFile(
    path.join(dir, 'accountLinking.json'),
    JSON.stringify({ accountLinkingRequest: { type: 'AUTH_CODE', authorizationUrl: provider.authorizationUrl, accessTokenUrl: provider.tokenUrl, clientId: client.clientId, accessTokenScheme: client.scheme, scopes: ['openid', 'profile', 'email'] } }),
  );
});
afterAll(async () => {
  await provider?.close();
  await rm(dir, { recursive: true, force: true });
});

type Step = { id: string; status: string; detail: string; fix: string };

/** A GET of the callback with these parameters, as another process on the machine would send it. */
async function strayCallback(authorizationUrl: string, params: Record<string, string>): Promise<number> {
  const cb = new URL(new URL(authorizationUrl).searchParams.get('redirect_uri')!);
  for (const [k, v] of Object.entries(params)) cb.searchParams.set(k, v);
  return (await request({ url: cb.href, timeoutMs: 5000 })).status;
}

describe('login: a callback with an error but without the login\'s state does not end the login (built CLI)', () => {
  it('is shown, the login goes on, the real sign-in completes, and the report mentions the stray error', async () => {
    const statuses: number[] = [];
    const run = await runLoginDriven(['--json', '--port', '0', '--timeout', '60'], {
      cwd: dir,
      env: { ALEXA_LINK_CLIENT_SECRET: provider.clients.basic.clientSecret, HOME: '/nonexistent-home' },
      timeoutMs: 90_000,
      whenUrl: async (url) => {
        statuses.push(await strayCallback(url, { error: 'access_denied', error_description: 'Stray: no state at all' }));
        statuses.push(await strayCallback(url, { error: 'server_error', state: 'not-this-login' }));
        const signedIn = await autoLogin({ authorizationUrl: url, deliverCallback: true });
        statuses.push(signedIn.callbackStatus ?? 0);
      },
    });
    expect(run.driveError).toBeUndefined();
    // Both stray callbacks were refused; the real one was taken.
    expect(statuses).toEqual([400, 400, 200]);
    expect(run.code, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout) as { ok: boolean; steps: Step[] };
    expect(doc.ok).toBe(true);
    const callback = doc.steps.find((s) => s.id === 'callback')!;
    expect(callback.status).toBe('pass');
    expect(callback.detail).toMatch(/2 callbacks with an error but without this login's state were ignored \(error=access_denied \(Stray: no state at all\); error=server_error\)/);
    // Shown as they arrived.
    expect(run.stderr).toMatch(/Ignored a callback with error=access_denied \(Stray: no state at all\)/);
    expect(run.stderr).toMatch(/Ignored a callback with error=server_error/);
  });

  it('without the real callback, waits until the timeout and reports the stray error with it', async () => {
    const started = Date.now();
    const run = await runLoginDriven(['--json', '--port', '0', '--timeout', '3'], {
      cwd: dir,
      env: { ALEXA_LINK_CLIENT_SECRET: provider.clients.basic.clientSecret, HOME: '/nonexistent-home' },
      timeoutMs: 60_000,
      whenUrl: async (url) => {
        expect(await strayCallback(url, { error: 'access_denied' })).toBe(400);
      },
    });
    expect(run.driveError).toBeUndefined();
    expect(run.code, run.stderr).toBe(1);
    // It waited for the whole timeout instead of ending on the stray error.
    expect(Date.now() - started).toBeGreaterThanOrEqual(3000);
    const doc = JSON.parse(run.stdout) as { ok: boolean; steps: Step[] };
    const callback = doc.steps.find((s) => s.id === 'callback')!;
    expect(callback.status).toBe('fail');
    expect(callback.detail).toMatch(/No sign-in result arrived .* within 3 s/);
    expect(callback.detail).toMatch(/1 callback with an error but without this login's state was ignored \(error=access_denied\)/);
    expect(callback.fix).toMatch(/must send the state back with errors too \(RFC 6749 §4\.1\.2\.1\)/);
  });
});
