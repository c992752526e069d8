import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Certificates made at test time with the machine's openssl: a CA, leaf certificates signed by it
 * (valid, expired, for another host name) and a self-signed one.
 */
export interface CertPair {
  key: string;
  cert: string;
}

export interface TestCerts {
  ca: CertPair;
  /** Signed by `ca`, for 127.0.0.1 and localhost, valid now. */
  valid: CertPair;
  /** Signed by `ca`, expired yesterday. */
  expired: CertPair;
  /** Signed by `ca`, for wrong.example.test only. */
  wrongHost: CertPair;
  /** Self-signed for 127.0.0.1 and localhost. */
  selfSigned: CertPair;
  /**
   * A chain whose intermediate reads like Let's Encrypt's (O=Let's Encrypt, CN=R10) under a test
   * root (`root`, trust it as the CA): `leaf` for 127.0.0.1, localhost and *.alexa-link.test (see
   * test-hosts.mjs), `chain` = leaf then
   * intermediate (what a correctly configured server sends), `leafOnly` = the leaf alone (an
   * incomplete chain: the intermediate is missing).
   */
  letsEncryptLike: { root: CertPair; intermediate: CertPair; key: string; chain: string; leafOnly: string };
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

let cached: TestCerts | undefined;

export function makeTestCerts(): TestCerts {
  if (cached) return cached;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'al-certs-'));
  try {
    const read = (f: string) => readFileSync(path.join(dir, f), 'utf8');
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.crt', '-days', '2', '-subj', '/CN=alexa-link test CA', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
    const leaf = (name: string, san: string, startOffsetDays: number, days: number) => {
      writeFileSync(path.join(dir, `${name}.ext`), `subjectAltName=${san}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n`);
      openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${name}`], dir);
      // openssl x509 cannot back-date; `ca` with explicit dates can.
      const fmt = (d: Date) => d.toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z';
      const start = new Date(Date.now() + startOffsetDays * 86400_000);
      const end = new Date(start.getTime() + days * 86400_000);
      writeFileSync(path.join(dir, 'index.txt'), '');
      writeFileSync(path.join(dir, 'serial'), `${Date.now().toString(16).padStart(16, '0')}\n`);
      writeFileSync(
        path.join(dir, 'ca.cnf'),
        `[ca]\ndefault_ca=d\n[d]\ndir=.\ndatabase=index.txt\nserial=serial\nnew_certs_dir=.\ncertificate=ca.crt\nprivate_key=ca.key\ndefault_md=sha256\npolicy=p\nunique_subject=no\ncopy_extensions=none\n[p]\ncommonName=supplied\n`,
      );
      openssl(['ca', '-batch', '-config', 'ca.cnf', '-in', `${name}.csr`, '-out', `${name}.crt`, '-startdate', fmt(start), '-enddate', fmt(end), '-extfile', `${name}.ext`, '-notext'], dir);
      return { key: read(`${name}.key`), cert: read(`${name}.crt`) };
    };
    const valid = leaf('valid', 'IP:127.0.0.1,DNS:localhost', -1, 3);
    // A root, an intermediate named like Let's Encrypt's, and a leaf signed by the intermediate.
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'leroot.key', '-out', 'leroot.crt', '-days', '2', '-subj', '/O=Internet Security Research Group (test)/CN=alexa-link test ISRG-like root', '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir);
    writeFileSync(path.join(dir, 'leint.ext'), 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n');
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'leint.key', '-out', 'leint.csr', '-subj', "/C=US/O=Let's Encrypt/CN=R10"], dir);
    openssl(['x509', '-req', '-in', 'leint.csr', '-CA', 'leroot.crt', '-CAkey', 'leroot.key', '-CAcreateserial', '-out', 'leint.crt', '-days', '2', '-extfile', 'leint.ext'], dir);
    writeFileSync(path.join(dir, 'leleaf.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:*.alexa-link.test\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n');
    openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'leleaf.key', '-out', 'leleaf.csr', '-subj', '/CN=localhost'], dir);
    openssl(['x509', '-req', '-in', 'leleaf.csr', '-CA', 'leint.crt', '-CAkey', 'leint.key', '-CAcreateserial', '-out', 'leleaf.crt', '-days', '2', '-extfile', 'leleaf.ext'], dir);
    const expired = leaf('expired', 'IP:127.0.0.1,DNS:localhost', -10, 5);
    const wrongHost = leaf('wronghost', 'DNS:wrong.example.test', -1, 3);
    openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'self.key', '-out', 'self.crt', '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], dir);
    cached = {
      ca: { key: read('ca.key'), cert: read('ca.crt') },
      valid,
      expired,
      wrongHost,
      selfSigned: { key: read('self.key'), cert: read('self.crt') },
      letsEncryptLike: {
        root: { key: read('leroot.key'), cert: read('leroot.crt') },
        intermediate: { key: read('leint.key'), cert: read('leint.crt') },
        key: read('leleaf.key'),
        chain: read('leleaf.crt') + read('leint.crt'),
        leafOnly: read('leleaf.crt'),
      },
    };
    return cached;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
