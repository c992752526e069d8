import { isLoopbackHost } from '../linking/rules.js';
import { HttpError, request, type HttpRequest, type HttpResponse } from '../net/http.js';
import { issuedByLetsEncrypt, letsEncryptWarning } from './certificate-authority.js';
import { ALEXA_TOKEN_DEADLINE_MS, type Step } from './token-response.js';
import { USER_AGENT } from './token-exchange.js';

/**
 * reciprocalAccessTokenUrl (app-to-app and reciprocal account linking): Alexa calls it with
 * authorization codes to exchange for Alexa access tokens, so it must meet the same endpoint rules
 * as the token URL: HTTPS on port 443, a certificate Amazon trusts, an answer within 4.5 s.
 * Amazon does not document the request Alexa sends there, so alexa-link only judges the endpoint:
 * it POSTs a made-up code without any credentials (grant_type=reciprocal_authorization_code, the
 * grant type of Amazon's alexa-oauth-sample) and looks at the connection, the certificate and the
 * time to answer; a 5xx to a made-up code is worth a warning, any other answer is the endpoint's
 * business.
 */
export const RECIPROCAL_STEP_ID = 'reciprocal-token-url';
export const BOGUS_RECIPROCAL_CODE = 'alexa-link-made-up-reciprocal-code';

export interface ReciprocalProbeOptions {
  send?: (req: HttpRequest) => Promise<HttpResponse>;
  timeoutMs?: number;
  ca?: HttpRequest['ca'];
  signal?: AbortSignal;
  trace?: (line: string) => void;
  /** Alexa's 4.5 s, overridable for tests. */
  latencyLimitMs?: number;
}

const TITLE = 'reciprocalAccessTokenUrl: the token URL rules (HTTPS, 443, certificate, 4.5 s)';

export async function probeReciprocalUrl(url: string, opts: ReciprocalProbeOptions = {}): Promise<Step> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { id: RECIPROCAL_STEP_ID, title: TITLE, status: 'fail', detail: `reciprocalAccessTokenUrl "${url}" is not an absolute URL.`, fix: 'Set reciprocalAccessTokenUrl to the full HTTPS URL of the endpoint, or remove it.' };
  }
  const local = isLoopbackHost(u.hostname);
  const problems: string[] = [];
  if (u.protocol !== 'https:') problems.push(`uses ${u.protocol.replace(':', '')}, not HTTPS`);
  else if (u.port && u.port !== '443') problems.push(`uses port ${u.port}, not 443`);
  const ruleProblem = problems.length ? `reciprocalAccessTokenUrl ${problems.join(' and ')}; Alexa only calls HTTPS on port 443.` : '';
  if (u.protocol !== 'https:' && u.protocol !== 'http:') {
    return { id: RECIPROCAL_STEP_ID, title: TITLE, status: 'fail', detail: ruleProblem, fix: 'Serve it over HTTPS on port 443.' };
  }
  const limit = opts.latencyLimitMs ?? ALEXA_TOKEN_DEADLINE_MS;
  const req: HttpRequest = {
    url,
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': USER_AGENT },
    body: new URLSearchParams({ grant_type: 'reciprocal_authorization_code', code: BOGUS_RECIPROCAL_CODE }).toString(),
    timeoutMs: opts.timeoutMs ?? 10_000,
    maxBodyBytes: 256 * 1024,
    maxRedirects: 0,
    ...(opts.ca ? { ca: opts.ca } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.trace ? { trace: opts.trace } : {}),
  };
  let res: HttpResponse;
  try {
    res = await (opts.send ?? request)(req);
  } catch (err) {
    if (!(err instanceof HttpError)) throw err;
    const tls = err.kind.startsWith('tls-');
    return {
      id: RECIPROCAL_STEP_ID,
      title: TITLE,
      status: local && tls ? 'warn' : 'fail',
      detail: `${ruleProblem ? `${ruleProblem} ` : ''}POST reciprocalAccessTokenUrl: ${err.message}${local && tls ? ' (a loopback address: fine for a local rehearsal, Alexa needs a publicly trusted certificate)' : ''}`,
      fix: err.hint ?? 'Make the endpoint reachable from the public internet over HTTPS.',
      ms: err.ms,
    };
  }
  const findings: Array<{ status: Step['status']; detail: string; fix: string }> = [];
  if (ruleProblem) findings.push({ status: local ? 'warn' : 'fail', detail: ruleProblem, fix: 'Serve it over HTTPS on port 443 with a certificate from a public certificate authority.' });
  if (res.tls && issuedByLetsEncrypt(res.tls)) findings.push({ status: 'warn', ...letsEncryptWarning('reciprocalAccessTokenUrl', res.tls) });
  if (res.ms > limit) findings.push({ status: 'fail', detail: `It answered in ${res.ms} ms; Alexa gives up after ${limit / 1000} s.`, fix: 'Make the endpoint answer within a second or two.' });
  if (res.status >= 500) findings.push({ status: 'warn', detail: `A made-up code made it fail with HTTP ${res.status}.`, fix: 'Refuse an unknown code with a 4xx and an OAuth error in JSON, as the token endpoint does.' });
  const worst = findings.some((f) => f.status === 'fail') ? 'fail' : findings.length ? 'warn' : 'pass';
  const base = `${u.host} answered a made-up code with HTTP ${res.status} in ${res.ms} ms${res.tls ? `; certificate issued by ${res.tls.issuer ?? 'unknown'}` : ''}.`;
  return {
    id: RECIPROCAL_STEP_ID,
    title: TITLE,
    status: worst,
    detail: [base, ...findings.map((f) => f.detail)].join(' '),
    fix: [...new Set(findings.map((f) => f.fix))].join(' '),
    ms: res.ms,
  };
}
