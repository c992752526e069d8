import { createRequire } from 'node:module';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { obtainTokens } from '../../src/demo/auto-login.js';
import type { LocalClient, LocalProvider } from '../../src/demo/local-provider.js';
import { writeSession, type LoginSession } from '../../src/oauth/session.js';
import { runInit } from '../../src/scaffold/run-init.js';
import { lendNodeModules, tempDir } from '../support/skill-project.js';

/**
 * Helpers for the doctor end-to-end tests: a project scaffolded by `alexa-link init` against the
 * local OAuth provider (its lambda/ borrowing the repository's node_modules), a saved login
 * session with real tokens, and the generated local runner (ask-sdk-express-adapter).
 */
export async function scaffoldProject(provider: LocalProvider, client: LocalClient, opts: { language?: 'javascript' | 'typescript' } = {}): Promise<string> {
  const parent = await tempDir('al-doctor-');
  const dir = path.join(parent, 'skill');
  await runInit(
    {
      dir,
      name: 'Doctor Test Skill',
      invocation: 'doctor test skill',
      provider: 'generic',
      authorizationUrl: provider.authorizationUrl,
      tokenUrl: provider.tokenUrl,
      userinfoUrl: provider.userinfoUrl,
      clientId: client.clientId,
      scheme: client.scheme,
      scopes: ['openid', 'profile', 'email'],
      language: opts.language ?? 'javascript',
      install: false,
      allowLocal: true,
    },
    { cwd: parent },
  );
  await lendNodeModules(path.join(dir, 'lambda'));
  return dir;
}

/** Signs in at the local provider without a browser and saves the tokens as `alexa-link login` does. */
export async function saveLoginSession(dir: string, provider: LocalProvider, client: LocalClient): Promise<LoginSession> {
  const tokens = await obtainTokens({ provider, client, scopes: ['openid', 'profile', 'email'] });
  const now = new Date();
  const expiresIn = tokens.expires_in ?? 3600;
  const session: LoginSession = {
    version: 1,
    createdAt: now.toISOString(),
    provider: { authorizationUrl: provider.authorizationUrl, tokenUrl: provider.tokenUrl, clientId: client.clientId, accessTokenScheme: client.scheme, scopes: ['openid', 'profile', 'email'] },
    redirectUri: tokens.redirectUri,
    tokens: {
      accessToken: tokens.access_token,
      tokenType: tokens.token_type,
      expiresIn,
      expiresAt: new Date(now.getTime() + expiresIn * 1000).toISOString(),
      ...(tokens.refresh_token ? { refreshToken: tokens.refresh_token } : {}),
    },
    refresh: { ok: true, at: now.toISOString() },
  };
  await writeSession(dir, session);
  return session;
}

/** Starts the generated lambda/local-server.js app on 127.0.0.1 with verification on or off. */
export async function startLocalRunner(dir: string, verify: boolean): Promise<{ url: string; close: () => Promise<void> }> {
  const require = createRequire(path.join(dir, 'lambda', 'local-server.js'));
  const { createApp } = require('./local-server.js') as { createApp: (o: { verify: boolean }) => { listen: (port: number, host: string, cb: () => void) => http.Server } };
  const app = createApp({ verify });
  const server = await new Promise<http.Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
