import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { AlexaLinkError, InputError } from '../../src/errors.js';
import { CredentialsError, parseCliConfig, resolveCredentials } from '../../src/smapi/credentials.js';
import { RUNS, countInputs, fuzzParser, jsonishText, mutated, printFuzzReport } from './support.js';

/**
 * ~/.ask/cli_config as the ASK CLI writes it, and the ASK_* environment variables, through the
 * credential chain. A malformed file or variable is an InputError naming it (exit 2); a
 * well-formed file without usable credentials is CredentialsError (exit 1, both ways to fix it
 * spelled out). Nothing else may come out, and a found token is always registered as a secret.
 */
const LABEL = '/home/dev/.ask/cli_config';
const cliConfig = {
  profiles: {
    default: {
      aws_profile: 'default',
      token: { access_token: 'Atza|fuzz-access', refresh_token: 'Atzr|fuzz-refresh', token_type: 'bearer', expires_in: 3600, expires_at: '2099-01-01T00:00:00.000Z' },
      vendor_id: 'M1FUZZVENDOR',
    },
    other: { token: { access_token: 'Atza|other', expires_at: '2000-01-01T00:00:00.000Z' } },
  },
};
const profileName = fc.oneof(fc.constantFrom('default', 'other', 'missing', '__proto__', 'constructor', 'toString', 'hasOwnProperty'), fc.string({ maxLength: 12 }));
const NOW = new Date('2024-06-01T00:00:00Z');

afterAll(() => printFuzzReport('SMAPI credentials'));

describe(`fuzz: ~/.ask/cli_config and ASK_* variables (${RUNS} inputs per generator)`, () => {
  it('cli_config text (parseCliConfig), any profile name', () => {
    const parse = ([text, profile]: [string, string]) => parseCliConfig(text, LABEL, profile);
    fuzzParser('~/.ask/cli_config (parseCliConfig)', fc.tuple(jsonishText(cliConfig), profileName), parse, LABEL);
    const rejected = fuzzParser('~/.ask/cli_config (parseCliConfig)', fc.tuple(mutated(cliConfig).map((d) => JSON.stringify(d) ?? ''), profileName), parse, LABEL);
    expect(rejected).toBeGreaterThan(0);
  });

  it('the credential chain on any cli_config (resolveCredentials)', () => {
    let typed = 0;
    fc.assert(
      fc.property(fc.oneof(jsonishText(cliConfig), mutated(cliConfig).map((d) => JSON.stringify(d) ?? '')), profileName, fc.constantFrom(0o600, 0o644, undefined), fc.boolean(), (text, profile, mode, ownClient) => {
        const env: Record<string, string> = ownClient ? { ASK_LWA_CLIENT_ID: 'amzn1.application-oa2-client.fuzz', ASK_LWA_CLIENT_CONFIRMATION: 'fuzz-lwa-secret' } : {};
        try {
          const creds = resolveCredentials({ env, profile, cliConfig: { path: LABEL, text, ...(mode === undefined ? {} : { mode }) }, now: NOW });
          expect(creds.source).toBe('cli_config');
          const token = creds.auth.kind === 'access-token' ? creds.auth.accessToken : creds.auth.refreshToken;
          expect(creds.secrets).toContain(token);
          if (creds.auth.kind === 'refresh-token') expect(creds.secrets).toContain(creds.auth.clientSecret);
        } catch (err) {
          if (err instanceof InputError) {
            expect(err.exitCode).toBe(2);
            expect(err.message).toContain(LABEL);
          } else if (err instanceof CredentialsError) {
            expect(err.exitCode).toBe(1);
            expect(err.message).toMatch(/^No usable SMAPI credentials/);
            expect(err.hint).toMatch(/ask configure[\s\S]*ASK_REFRESH_TOKEN/);
          } else throw new Error(`untyped ${(err as Error)?.name}: ${(err as Error)?.message}`);
          typed++;
        }
      }),
      { numRuns: RUNS },
    );
    countInputs('~/.ask/cli_config through the credential chain (resolveCredentials)', RUNS, typed);
  });

  it('ASK_* environment variables (resolveCredentials)', () => {
    const value = fc.oneof(fc.constant(undefined), fc.string({ maxLength: 30 }), fc.constantFrom('', ' ', 'https://api.amazonalexa.com', 'http://127.0.0.1:1', 'ftp://x', 'not a url', 'Atza|x'));
    const env = fc.record({
      ASK_ACCESS_TOKEN: value,
      ASK_REFRESH_TOKEN: value,
      ASK_LWA_CLIENT_ID: value,
      ASK_LWA_CLIENT_CONFIRMATION: value,
      ASK_VENDOR_ID: value,
      ASK_DEFAULT_PROFILE: value,
      ASK_SMAPI_SERVER_BASE_URL: value,
      ASK_LWA_TOKEN_HOST: value,
    });
    let typed = 0;
    fc.assert(
      fc.property(env, (e) => {
        try {
          const creds = resolveCredentials({ env: e, cliConfig: undefined, now: NOW });
          for (const s of creds.secrets) expect(s.length).toBeGreaterThan(0);
          expect(() => new URL(creds.endpoints.api)).not.toThrow();
          expect(() => new URL(creds.endpoints.lwa)).not.toThrow();
        } catch (err) {
          if (!(err instanceof AlexaLinkError)) throw new Error(`untyped ${(err as Error)?.name}: ${(err as Error)?.message}`);
          if (err instanceof InputError) expect(err.message).toMatch(/^ASK_(SMAPI_SERVER_BASE_URL|LWA_TOKEN_HOST)=/);
          else expect(err).toBeInstanceOf(CredentialsError);
          typed++;
        }
      }),
      { numRuns: RUNS },
    );
    countInputs('ASK_* environment variables (resolveCredentials)', RUNS, typed);
  });
});
