import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { obtainTokens } from '../../src/demo/auto-login.js';
import { startLocalProvider, type LocalProvider } from '../../src/demo/local-provider.js';
import { buildDirective, readSmartHomeAnswer, type DirectiveName } from '../support/directives.js';

/**
 * The smart home fixture skills do what their comments say, against a real OAuth provider: the
 * correct one and each bug. Doctor's tests rely on these behaviours, so they are pinned here.
 */
type Handler = (event: unknown) => Promise<unknown>;
type TokenMode = 'linked' | 'none' | 'made-up';

const SKILLS = fileURLToPath(new URL('../fixtures/skills/', import.meta.url));
const load = (name: string) => (createRequire(SKILLS)(`./${name}/index.js`) as { handler: Handler }).handler;

/** What each fixture answers: "<answer name>" or "ErrorResponse <type>" or "throws". */
const EXPECTED: Record<string, Record<DirectiveName, Record<TokenMode, string>>> = {};
const CORRECT: Record<DirectiveName, Record<TokenMode, string>> = {
  AcceptGrant: { linked: 'AcceptGrant.Response', none: 'ErrorResponse ACCEPT_GRANT_FAILED', 'made-up': 'ErrorResponse ACCEPT_GRANT_FAILED' },
  Discover: { linked: 'Discover.Response', none: 'ErrorResponse INVALID_AUTHORIZATION_CREDENTIAL', 'made-up': 'ErrorResponse INVALID_AUTHORIZATION_CREDENTIAL' },
  TurnOn: { linked: 'Response', none: 'ErrorResponse INVALID_AUTHORIZATION_CREDENTIAL', 'made-up': 'ErrorResponse INVALID_AUTHORIZATION_CREDENTIAL' },
  TurnOff: { linked: 'Response', none: 'ErrorResponse INVALID_AUTHORIZATION_CREDENTIAL', 'made-up': 'ErrorResponse INVALID_AUTHORIZATION_CREDENTIAL' },
  ReportState: { linked: 'StateReport', none: 'ErrorResponse INVALID_AUTHORIZATION_CREDENTIAL', 'made-up': 'ErrorResponse INVALID_AUTHORIZATION_CREDENTIAL' },
};
const invalidEverywhere = { linked: 'ErrorResponse INVALID_AUTHORIZATION_CREDENTIAL', none: 'ErrorResponse INVALID_AUTHORIZATION_CREDENTIAL', 'made-up': 'ErrorResponse INVALID_AUTHORIZATION_CREDENTIAL' };
EXPECTED['sh-good'] = CORRECT;
EXPECTED['sh-wrong-token-field'] = { ...CORRECT, TurnOn: invalidEverywhere, TurnOff: invalidEverywhere, ReportState: invalidEverywhere };
EXPECTED['sh-discover-unchecked'] = { ...CORRECT, Discover: { linked: 'Discover.Response', none: 'Discover.Response', 'made-up': 'Discover.Response' } };
EXPECTED['sh-accept-grant-throws'] = { ...CORRECT, AcceptGrant: { linked: 'throws', none: 'throws', 'made-up': 'throws' } };
const generic = { linked: '', none: 'ErrorResponse INTERNAL_ERROR', 'made-up': 'ErrorResponse INTERNAL_ERROR' };
EXPECTED['sh-generic-error'] = {
  ...CORRECT,
  Discover: { ...generic, linked: 'Discover.Response' },
  TurnOn: { ...generic, linked: 'Response' },
  TurnOff: { ...generic, linked: 'Response' },
  ReportState: { ...generic, linked: 'StateReport' },
};

describe('smart home fixture skills', () => {
  let provider: LocalProvider;
  let token: string;
  const saved = process.env.USERINFO_URL;
  beforeAll(async () => {
    provider = await startLocalProvider();
    process.env.USERINFO_URL = provider.userinfoUrl;
    token = (await obtainTokens({ provider, client: provider.clients.basic, scopes: ['openid', 'profile'] })).access_token;
  }, 60_000);
  afterAll(async () => {
    if (saved === undefined) delete process.env.USERINFO_URL;
    else process.env.USERINFO_URL = saved;
    await provider?.close();
  });

  describe.each(Object.keys(EXPECTED))('%s', (fixture) => {
    const cases = (Object.keys(CORRECT) as DirectiveName[]).flatMap((d) => (['linked', 'none', 'made-up'] as TokenMode[]).map((m) => [d, m] as const));
    it.each(cases)('%s with %s token', async (directive, mode) => {
      const handler = load(fixture);
      const t = mode === 'linked' ? token : mode === 'made-up' ? 'alexa-link-made-up-token-0000' : undefined;
      const request = buildDirective(directive, { token: t, endpointId: 'fixture-switch-1', correlationToken: 'corr-fixture' });
      let got: string;
      try {
        const answer = readSmartHomeAnswer(await handler(request));
        got = answer.errorType ? `ErrorResponse ${answer.errorType}` : answer.name!;
        if (directive !== 'AcceptGrant' && directive !== 'Discover') expect(answer.correlationToken).toBe('corr-fixture');
      } catch {
        got = 'throws';
      }
      expect(got).toBe(EXPECTED[fixture]![directive][mode]);
    });
  });
});
