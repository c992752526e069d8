import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEMO_VENDOR_ID, startLocalProvider, type LocalProvider } from '../../src/demo/local-provider.js';
import { runCli, type CliResult } from '../support/cli.js';
import { makeTestCerts } from '../support/tls.js';

/**
 * The provider behaviours Amazon's requirements name, through the built CLI, against the real
 * oidc-provider (src/demo/local-provider.ts). Host names under .alexa-link.test resolve to
 * 127.0.0.1 inside the CLI (test/support/test-hosts.mjs), so a provider can look like a public
 * host (no local-rehearsal leniency) without leaving the machine.
 */
const PRELOAD = `--import=${new URL('../support/test-hosts.mjs', import.meta.url).href}`;
const temps: string[] = [];
const providers: LocalProvider[] = [];
let caFile: string;

beforeAll(async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'al-prov-ca-'));
  temps.push(dir);
  caFile = path.join(dir, 'root.pem');
  await writeFile(caFile, makeTestCerts().letsEncryptLike.root.cert);
});
afterAll(async () => {
  for (const p of providers) await p.close();
  for (const t of temps) await rm(t, { recursive: true, force: true });
});

async function project(linking: Record<string, unknown>): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'al-prov-'));
  temps.push(root);
  await writeFile(path.join(root, 'ask-resources.json'), JSON.stringify({ askcliResourcesVersion: '2020-03-31', profiles: { default: { skillMetadata: { src: './skill-package' } } } }));
  await mkdir(path.join(root, 'skill-package'));
  await writeFile(path.join(root, 'skill-package', 'skill.json'), JSON.stringify({ manifest: { publishingInformation: { locales: { 'en-US': { name: 'x' } } }, apis: { custom: {} } } }));
  await writeFile(path.join(root, 'accountLinking.json'), JSON.stringify({ accountLinkingRequest: linking }));
  return root;
}

interface DoctorJson {
  checks: Array<{ id: string; status: string; detail: string; fix?: string }>;
}

async function doctor(dir: string, only: string[], env: Record<string, string> = {}): Promise<{ r: CliResult; check: (id: string) => DoctorJson['checks'][number] }> {
  const r = await runCli(['--json', 'doctor', '--only', ...only], { cwd: dir, timeoutMs: 60_000, env: { HOME: dir, NODE_OPTIONS: PRELOAD, NODE_EXTRA_CA_CERTS: caFile, ASK_VENDOR_ID: DEMO_VENDOR_ID, ...env } });
  const doc = JSON.parse(r.stdout) as DoctorJson;
  return { r, check: (id) => doc.checks.find((c) => c.id === id)! };
}

/** The provider as if public: its URLs on provider.alexa-link.test (not a loopback name). */
function publicLinking(p: LocalProvider, over: Record<string, unknown> = {}): Record<string, unknown> {
  const host = (u: string) => u.replace('127.0.0.1', 'provider.alexa-link.test');
  const c = p.clients.basic;
  return { type: 'AUTH_CODE', authorizationUrl: host(p.authorizationUrl), accessTokenUrl: host(p.tokenUrl), clientId: c.clientId, accessTokenScheme: c.scheme, scopes: ['openid', 'profile'], ...over };
}

describe('certificates: Let\'s Encrypt is a warning quoting Amazon, an incomplete chain a failure', () => {
  it('a chain issued by "Let\'s Encrypt": authorization and token endpoints warn with Amazon\'s words', async () => {
    const le = makeTestCerts().letsEncryptLike;
    const p = await startLocalProvider({ tls: { key: le.key, cert: le.chain } });
    providers.push(p);
    const dir = await project(publicLinking(p));
    const { r, check } = await doctor(dir, ['authorization-endpoint', 'token-endpoint']);
    for (const id of ['authorization-endpoint', 'token-endpoint']) {
      const c = check(id);
      expect(c.status, c.detail).toBe('warn');
      expect(c.detail).toContain("the TLS certificate is issued by Let's Encrypt (Let's Encrypt, R10). Amazon's account-linking requirements say: \"Note that you can't use https://letsencrypt.org/, even though it's on the certificate list.\"");
      expect(c.fix).toContain('https://developer.amazon.com/docs/alexa/account-linking/requirements-account-linking.html');
    }
    expect(r.code).toBe(0);
  });

  it('the same leaf without its intermediate (an incomplete chain): both fail, saying to serve the full chain', async () => {
    const le = makeTestCerts().letsEncryptLike;
    const p = await startLocalProvider({ tls: { key: le.key, cert: le.leafOnly } });
    providers.push(p);
    const dir = await project(publicLinking(p));
    const { r, check } = await doctor(dir, ['authorization-endpoint', 'token-endpoint']);
    for (const id of ['authorization-endpoint', 'token-endpoint']) {
      const c = check(id);
      expect(c.status).toBe('fail');
      expect(c.detail).toMatch(/TLS certificate is not trusted \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)/);
      expect(c.fix).toMatch(/Serve the full certificate chain/);
    }
    expect(r.code).toBe(1);
  });
});
