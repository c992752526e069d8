import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DoctorOptions } from '../../src/doctor/context.js';
import type { DoctorJson } from '../../src/doctor/report.js';
import { runDoctor } from '../../src/doctor/run.js';
import { AlexaLinkError } from '../../src/errors.js';
import { request, type HttpRequest } from '../../src/net/http.js';
import { completeLogin } from '../../src/oauth/login-flow.js';
import { getAccountLinking } from '../../src/smapi/account-linking.js';
import { createSmapi } from '../../src/smapi/client.js';
import { resolveCredentials } from '../../src/smapi/credentials.js';
import { collectingOutput } from '../../src/ui/output.js';
import type { FaultyServer, FaultyServerOptions } from '../support/faulty-server.js';

/**
 * The network peers of alexa-link, each driven through the module-level function that talks to
 * it, with a short configured timeout. Every driver returns the diagnosis the user would read
 * (never throws for a network fault), so the fault matrix can assert its words and its timing.
 */
export type PeerId = 'authorization-endpoint' | 'token-endpoint-login' | 'token-endpoint-doctor' | 'skill-endpoint' | 'smapi' | 'lwa';

export interface Diagnosis {
  /** What the user reads about the fault. */
  text: string;
  /** Status of the check, step or replay that reports it. */
  status: string;
  /** Wall time of the whole operation. */
  ms: number;
  /** A crash (an untyped error, "The check crashed", "Internal error") instead of a diagnosis. */
  crashed: boolean;
}

export const VENDOR = 'M2FAULTVENDOR1';
export const SKILL = 'amzn1.ask.skill.fa017fa0-0000-4000-8000-000000000001';
export const SECRET = 'fault-matrix-client-secret';
export const SMAPI_TOKEN = 'Atza|fault-matrix-access-token';

const temps: string[] = [];
export async function removeProjects(): Promise<void> {
  await Promise.all(temps.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

/** A minimal ASK CLI v2 project whose provider URLs point at `origin`. */
export async function faultProject(origin: string): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'al-fault-'));
  temps.push(root);
  await writeFile(path.join(root, 'ask-resources.json'), JSON.stringify({ askcliResourcesVersion: '2020-03-31', profiles: { default: { skillMetadata: { src: './skill-package' }, code: { default: { src: './lambda' } } } } }));
  await mkdir(path.join(root, 'skill-package'));
  await writeFile(path.join(root, 'skill-package', 'skill.json'), JSON.stringify({ manifest: { publishingInformation: { locales: { 'en-US': { name: 'Fault' } } }, apis: { custom: { endpoint: { uri: 'https://skill.example.com/alexa' } } } } }));
  await writeFile(
    path.join(root, 'accountLinking.json'),
    JSON.stringify({
      accountLinkingRequest: {
        type: 'AUTH_CODE',
        authorizationUrl: `${origin}/authorize`,
        accessTokenUrl: `${origin}/token`,
        clientId: 'fault-client',
        accessTokenScheme: 'HTTP_BASIC',
        scopes: ['openid', 'offline_access'],
      },
    }),
  );
  return root;
}

async function doctor(cwd: string, only: string, timeoutMs: number, ca: string, extra: Partial<DoctorOptions> = {}): Promise<{ doc: DoctorJson; ms: number }> {
  const { out, stdout } = collectingOutput({ json: true });
  const options: DoctorOptions = {
    cwd,
    profile: undefined,
    skillId: SKILL,
    target: { kind: 'default' },
    envelopes: [],
    token: { kind: 'keep' },
    simulate: undefined,
    offline: false,
    only: [only],
    timeoutMs,
    concurrency: 4,
    clientSecretEnv: 'ALEXA_LINK_CLIENT_SECRET',
    stage: 'development',
    verbose: false,
    ...extra,
  };
  const started = Date.now();
  await runDoctor(options, {
    out,
    env: { HOME: '/nonexistent-home', ASK_VENDOR_ID: VENDOR, ALEXA_LINK_CLIENT_SECRET: SECRET },
    homeDir: '/nonexistent-home',
    ca,
  });
  return { doc: JSON.parse(stdout()) as DoctorJson, ms: Date.now() - started };
}

function checkDiagnosis(doc: DoctorJson, id: string, ms: number): Diagnosis {
  const c = doc.checks.find((x) => x.id === id);
  if (!c) return { text: `no ${id} check in the report`, status: 'missing', ms, crashed: true };
  const text = `${c.detail}${c.fix ? `\n${c.fix}` : ''}`;
  return { text, status: c.status, ms, crashed: /The check crashed|Internal error/.test(text) };
}

/** An HTTP client that trusts the test CA, as NODE_EXTRA_CA_CERTS would. */
function trusting(ca: string) {
  return (req: HttpRequest) => request({ ...req, ca });
}

function typedFailure(err: unknown, ms: number): Diagnosis {
  if (err instanceof AlexaLinkError) return { text: `${err.message}${err.hint ? `\n${err.hint}` : ''}`, status: err.code, ms, crashed: false };
  return { text: `${(err as Error)?.name}: ${(err as Error)?.message}`, status: 'untyped', ms, crashed: true };
}

export interface PeerDriver {
  id: PeerId;
  /** What the peer is and which function drives it (for the table). */
  label: string;
  /** How the faulty server answers once past a TLS fault: what this peer normally answers. */
  normal: Pick<FaultyServerOptions, 'okBody' | 'okStatus'>;
  /** Drives the peer at `server` with `timeoutMs` as the configured timeout. */
  run(server: FaultyServer, timeoutMs: number): Promise<Diagnosis>;
}

export const PEERS: Record<PeerId, PeerDriver> = {
  'authorization-endpoint': {
    id: 'authorization-endpoint',
    label: "provider authorization endpoint (doctor's authorization-endpoint check, 3 Alexa redirect URLs)",
    normal: {},
    async run(server, timeoutMs) {
      const { doc, ms } = await doctor(await faultProject(server.origin), 'authorization-endpoint', timeoutMs, server.ca);
      return checkDiagnosis(doc, 'authorization-endpoint', ms);
    },
  },
  'token-endpoint-login': {
    id: 'token-endpoint-login',
    label: 'provider token endpoint (login: completeLogin, code exchange and refresh)',
    normal: { okBody: { access_token: 'fault-matrix-access-token-0123456789', token_type: 'Bearer', expires_in: 3600, refresh_token: 'fault-matrix-refresh-token-0123456789' } },
    async run(server, timeoutMs) {
      const started = Date.now();
      try {
        const result = await completeLogin(
          'fault-matrix-code',
          {
            authorizationUrl: `${server.origin}/authorize`,
            tokenUrl: `${server.origin}/token`,
            clientId: 'fault-client',
            clientSecret: SECRET,
            scheme: 'HTTP_BASIC',
            scopes: ['openid'],
            redirectUri: 'http://127.0.0.1:9876/callback',
            requestTimeoutMs: timeoutMs,
            ca: server.ca,
            // This peer answers every request alike (a made-up refresh token included): the matrix is
            // about the transport; the provider behaviours have their own tests against oidc-provider.
            behaviourProbes: false,
          },
          {},
        );
        const bad = result.steps.filter((s) => s.status !== 'pass');
        const text = bad.map((s) => `${s.id}: ${s.detail}${s.fix ? `\n${s.fix}` : ''}`).join('\n');
        return { text, status: result.ok ? (bad.length ? 'warn' : 'ok') : 'fail', ms: Date.now() - started, crashed: false };
      } catch (err) {
        return typedFailure(err, Date.now() - started);
      }
    },
  },
  'token-endpoint-doctor': {
    id: 'token-endpoint-doctor',
    label: "provider token endpoint (doctor's token-endpoint check, a made-up code)",
    normal: { okStatus: 400, okBody: { error: 'invalid_grant', error_description: 'unknown code' } },
    async run(server, timeoutMs) {
      const { doc, ms } = await doctor(await faultProject(server.origin), 'token-endpoint', timeoutMs, server.ca);
      return checkDiagnosis(doc, 'token-endpoint', ms);
    },
  },
  'skill-endpoint': {
    id: 'skill-endpoint',
    label: 'skill endpoint (doctor --endpoint replays)',
    normal: { okBody: { version: '1.0', response: { outputSpeech: { type: 'PlainText', text: 'Hello' } } } },
    async run(server, timeoutMs) {
      const { doc, ms } = await doctor(await faultProject('https://provider.example.com'), 'replays', timeoutMs, server.ca, { target: { kind: 'endpoint', url: `${server.origin}/alexa` } });
      const check = checkDiagnosis(doc, 'replays', ms);
      const replays = doc.replays.map((r) => `${r.source}: ${r.verdict} ${r.explanation}`).join('\n');
      return { ...check, text: `${check.text}\n${replays}`, status: doc.replays.length ? [...new Set(doc.replays.map((r) => r.verdict))].join(',') : check.status };
    },
  },
  smapi: {
    id: 'smapi',
    label: 'SMAPI (our ApiClient under ask-smapi-sdk: get account linking)',
    normal: { okBody: { accountLinkingResponse: { type: 'AUTH_CODE' } } },
    async run(server, timeoutMs) {
      const credentials = resolveCredentials({ env: { ASK_ACCESS_TOKEN: SMAPI_TOKEN, ASK_SMAPI_SERVER_BASE_URL: server.origin, ASK_LWA_TOKEN_HOST: server.origin }, now: new Date() });
      const started = Date.now();
      try {
        const smapi = await createSmapi(credentials, { timeoutMs, backoffBaseMs: 20, backoffCapMs: 100, send: trusting(server.ca) });
        const remote = await getAccountLinking(smapi, SKILL, 'development');
        return { text: `no failure: ${JSON.stringify(remote)}`, status: 'ok', ms: Date.now() - started, crashed: false };
      } catch (err) {
        return typedFailure(err, Date.now() - started);
      }
    },
  },
  lwa: {
    id: 'lwa',
    label: 'Login with Amazon token endpoint (SMAPI credentials refresh, ASK_LWA_TOKEN_HOST)',
    normal: { okBody: { access_token: 'Atza|fault-matrix-lwa-token', token_type: 'bearer', expires_in: 3600 } },
    async run(server, timeoutMs) {
      // SMAPI itself is never reached: the access token has to come first.
      const credentials = resolveCredentials({
        env: {
          ASK_REFRESH_TOKEN: 'Atzr|fault-matrix-refresh-token',
          ASK_LWA_CLIENT_ID: 'amzn1.application-oa2-client.fault',
          ASK_LWA_CLIENT_CONFIRMATION: 'fault-lwa-secret',
          ASK_SMAPI_SERVER_BASE_URL: 'http://127.0.0.1:9',
          ASK_LWA_TOKEN_HOST: server.origin,
        },
        now: new Date(),
      });
      const started = Date.now();
      try {
        const smapi = await createSmapi(credentials, { timeoutMs, backoffBaseMs: 20, backoffCapMs: 100, send: trusting(server.ca) });
        const remote = await getAccountLinking(smapi, SKILL, 'development');
        return { text: `no failure: ${JSON.stringify(remote)}`, status: 'ok', ms: Date.now() - started, crashed: false };
      } catch (err) {
        return typedFailure(err, Date.now() - started);
      }
    },
  },
};
