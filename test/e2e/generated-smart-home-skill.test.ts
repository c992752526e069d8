import { createRequire } from 'node:module';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { obtainTokens } from '../../src/demo/auto-login.js';
import { startLocalProvider, type LocalProvider } from '../../src/demo/local-provider.js';
import { runInit } from '../../src/scaffold/run-init.js';
import { buildDirective, readSmartHomeAnswer } from '../support/directives.js';
import { REPO_NODE_MODULES, lendNodeModules, run, removeTempDirs, tempDir } from '../support/skill-project.js';

/**
 * The smart home skill `init --type smart-home` generates, run for real: its Lambda handler in
 * this process against a real OAuth provider (oidc-provider on 127.0.0.1), with tokens from a real
 * login, and its own `npm test`. The repository's node_modules stand in for `npm install`.
 */
type Handler = (event: unknown, context?: unknown) => Promise<unknown>;

const TSC = path.join(REPO_NODE_MODULES, 'typescript', 'bin', 'tsc');

afterAll(removeTempDirs);

describe.each(['javascript', 'typescript'] as const)('the generated %s smart home skill', (language) => {
  let provider: LocalProvider;
  let lambdaDir: string;
  let handler: Handler;
  let token: string;
  const envKeys = ['ALEXA_CLIENT_ID', 'ALEXA_CLIENT_SECRET', 'LWA_TOKEN_URL'] as const;

  beforeAll(async () => {
    provider = await startLocalProvider();
    const cwd = await tempDir(`al-sh-skill-${language}-`);
    // The project is generated with the real provider's URLs, as init writes them.
    const result = await runInit(
      {
        skillType: 'smart-home',
        dir: 'porch-light',
        clientId: provider.clients.basic.clientId,
        provider: 'generic',
        authorizationUrl: provider.authorizationUrl,
        tokenUrl: provider.tokenUrl,
        userinfoUrl: provider.userinfoUrl,
        scopes: ['openid', 'profile'],
        language,
      },
      { cwd },
    );
    lambdaDir = path.join(result.dir, 'lambda');
    await lendNodeModules(lambdaDir);
    if (language === 'typescript') {
      const tsc = await run(process.execPath, [TSC, '-p', '.'], { cwd: lambdaDir, timeoutMs: 120_000 });
      expect(tsc.code, tsc.stdout + tsc.stderr).toBe(0);
    }
    const entry = language === 'typescript' ? './dist/src/index.js' : './index.js';
    handler = (createRequire(path.join(lambdaDir, 'package.json'))(entry) as { handler: Handler }).handler;
    token = (await obtainTokens({ provider, client: provider.clients.basic, scopes: ['openid', 'profile'] })).access_token;
  }, 180_000);

  afterAll(async () => {
    for (const k of envKeys) delete process.env[k];
    await provider?.close();
  });

  it('answers Discover with a token from a real login: Discover.Response with the switch', async () => {
    const answer = readSmartHomeAnswer(await handler(buildDirective('Discover', { token }), {}));
    expect(answer).toMatchObject({ namespace: 'Alexa.Discovery', name: 'Discover.Response' });
    expect(answer.endpoints).toHaveLength(1);
    expect(answer.endpoints[0]).toMatchObject({ endpointId: 'virtual-switch-1', friendlyName: 'Virtual Switch' });
    expect(answer.endpoints[0]!.capabilities!.length).toBeGreaterThan(1);
  });

  it('answers Discover and TurnOn without a token, or with one the provider never issued, with INVALID_AUTHORIZATION_CREDENTIAL', async () => {
    for (const t of [undefined, 'not-a-token-this-provider-issued']) {
      expect(readSmartHomeAnswer(await handler(buildDirective('Discover', { token: t }), {})).errorType).toBe('INVALID_AUTHORIZATION_CREDENTIAL');
      const turnOn = readSmartHomeAnswer(await handler(buildDirective('TurnOn', { token: t, correlationToken: 'corr-1' }), {}));
      expect(turnOn).toMatchObject({ name: 'ErrorResponse', errorType: 'INVALID_AUTHORIZATION_CREDENTIAL', correlationToken: 'corr-1', endpointId: 'virtual-switch-1' });
    }
  });

  it('turns the switch on and reports it, echoing the correlation token and the endpoint', async () => {
    const on = readSmartHomeAnswer(await handler(buildDirective('TurnOn', { token, correlationToken: 'corr-on' }), {}));
    expect(on).toMatchObject({ namespace: 'Alexa', name: 'Response', correlationToken: 'corr-on', endpointId: 'virtual-switch-1', powerState: 'ON' });
    const report = readSmartHomeAnswer(await handler(buildDirective('ReportState', { token, correlationToken: 'corr-state' }), {}));
    expect(report).toMatchObject({ name: 'StateReport', correlationToken: 'corr-state', powerState: 'ON' });
    expect(readSmartHomeAnswer(await handler(buildDirective('TurnOff', { token }), {})).powerState).toBe('OFF');
  });

  it('answers AcceptGrant with AcceptGrant.Response for a real grantee token', async () => {
    const answer = readSmartHomeAnswer(await handler(buildDirective('AcceptGrant', { token }), {}));
    expect(answer).toMatchObject({ namespace: 'Alexa.Authorization', name: 'AcceptGrant.Response' });
  });

  it('treats a revoked token as invalid', async () => {
    const revoked = (await obtainTokens({ provider, client: provider.clients.basic, scopes: ['openid', 'profile'] })).access_token;
    expect(readSmartHomeAnswer(await handler(buildDirective('Discover', { token: revoked }), {})).name).toBe('Discover.Response');
    expect(await provider.revokeToken(revoked)).toBe(true);
    expect(readSmartHomeAnswer(await handler(buildDirective('Discover', { token: revoked }), {})).errorType).toBe('INVALID_AUTHORIZATION_CREDENTIAL');
  });

  it('OPTIONAL STEP: with Alexa client credentials set, a grant code the token server refuses ends in ACCEPT_GRANT_FAILED', async () => {
    // The local provider plays Login with Amazon: it refuses a code it never issued.
    process.env.ALEXA_CLIENT_ID = provider.clients.body.clientId;
    process.env.ALEXA_CLIENT_SECRET = provider.clients.body.clientSecret;
    process.env.LWA_TOKEN_URL = provider.tokenUrl;
    try {
      const raw = (await handler(buildDirective('AcceptGrant', { token, code: 'code-this-provider-never-issued' }), {})) as { event: { payload: { message: string } } };
      expect(readSmartHomeAnswer(raw)).toMatchObject({ namespace: 'Alexa.Authorization', errorType: 'ACCEPT_GRANT_FAILED' });
      // oidc-provider refuses it as invalid_request (the exchange has no redirect_uri) or invalid_grant.
      expect(raw.event.payload.message).toMatch(/refused the grant code \(HTTP 400: invalid_(grant|request)\)/);
      expect(JSON.stringify(raw)).not.toContain(provider.clients.body.clientSecret);
    } finally {
      for (const k of envKeys) delete process.env[k];
    }
  });

  it('passes its own tests (npm test in lambda/, node:test, no network)', async () => {
    const r = await run('npm', ['test'], { cwd: lambdaDir, timeoutMs: 120_000 });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/# pass 12/);
    expect(r.stdout).toMatch(/# fail 0/);
  }, 150_000);
});
