import { alexaRedirectUrl, ALEXA_REGIONS, type AlexaRegion } from '../../linking/redirect-urls.js';
import { header, HttpError, request, type HttpRequest, type HttpResponse } from '../../net/http.js';
import { buildAuthorizationUrl, newState } from '../../oauth/authorize-url.js';
import type { DoctorContext } from '../context.js';
import { fold, isLoopbackUrl, judgeScheme, probeTls, type Finding } from '../probe.js';
import type { Check, CheckOutcome } from '../types.js';
import { excerpt as cutRedacted } from '../../ui/redact.js';

/**
 * The provider's authorization endpoint as the Alexa app meets it: reachable, a trusted and
 * unexpired certificate, and what it does with Alexa's redirect_uri. The URL is built exactly as
 * Alexa builds it, once per Alexa redirect URL of the vendor (NA, EU, FE); a provider that
 * refuses one of them breaks linking for the users of that region.
 */
export type AuthorizeVerdict = 'accepted' | 'redirect-rejected' | 'client-rejected' | 'error-redirect' | 'server-error' | 'unexpected';

export interface AuthorizeJudgement {
  verdict: AuthorizeVerdict;
  detail: string;
}

const REDIRECT_MISMATCH = /invalid_redirect_uri|redirect_uri_mismatch|redirect_mismatch|callback url mismatch|redirect[_ ]?ur[il][^<]{0,80}?(?:mismatch|did not match|does not match|not (?:registered|allowed|whitelisted|valid|match)|invalid)|(?:invalid|unregistered|unknown|not allowed)[^<]{0,30}redirect[_ ]?ur[il]/i;
const CLIENT_UNKNOWN = /invalid_client|unauthorized_client|client[^<]{0,30}(?:not found|is invalid|unknown|does not exist)|unknown client/i;

function textOf(body: string): string {
  return body
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

/** A page for a detail line: its text, redacted before it is cut. */
function excerpt(body: string, n = 200): string {
  return cutRedacted(textOf(body), n);
}

/** What one answer of the authorization endpoint means for a given redirect_uri. Pure. */
export function judgeAuthorizeAnswer(res: Pick<HttpResponse, 'status' | 'headers' | 'body'>, redirectUri: string): AuthorizeJudgement {
  const location = header(res, 'location');
  if (res.status >= 300 && res.status < 400 && location) {
    if (location.startsWith(redirectUri)) {
      let params: URLSearchParams;
      try {
        params = new URL(location).searchParams;
      } catch {
        params = new URLSearchParams();
      }
      const error = params.get('error');
      if (error) {
        const desc = params.get('error_description');
        return { verdict: 'error-redirect', detail: `sent the user back to Alexa with error=${error}${desc ? ` (${desc})` : ''}` };
      }
      return { verdict: 'accepted', detail: 'redirected straight back to Alexa (a session was already signed in)' };
    }
    return { verdict: 'accepted', detail: `redirected to its sign-in page (${safePath(location)})` };
  }
  const text = textOf(res.body);
  if (REDIRECT_MISMATCH.test(text) || REDIRECT_MISMATCH.test(res.body)) return { verdict: 'redirect-rejected', detail: `refused the redirect_uri (HTTP ${res.status}: "${excerpt(res.body)}")` };
  if (CLIENT_UNKNOWN.test(text)) return { verdict: 'client-rejected', detail: `refused the client ID (HTTP ${res.status}: "${excerpt(res.body)}")` };
  if (res.status >= 200 && res.status < 300) return { verdict: 'accepted', detail: `showed a page (HTTP ${res.status}${titleOf(res.body) ? `: "${titleOf(res.body)}"` : ''})` };
  if (res.status >= 500) return { verdict: 'server-error', detail: `failed with HTTP ${res.status}${text ? `: "${excerpt(res.body)}"` : ''}` };
  return { verdict: 'unexpected', detail: `answered HTTP ${res.status}${text ? `: "${excerpt(res.body)}"` : ''}` };
}

function titleOf(body: string): string | undefined {
  const m = /<title[^>]*>([^<]*)<\/title>/i.exec(body);
  return m ? m[1]!.trim() || undefined : undefined;
}

function safePath(location: string): string {
  try {
    const u = new URL(location, 'http://x');
    return u.host === 'x' ? u.pathname : `${u.host}${u.pathname}`;
  } catch {
    return cutRedacted(location, 80);
  }
}

/**
 * GET with manual redirects, keeping the provider's cookies (its sign-in page usually needs the
 * session cookie set by the first redirect), stopping before the redirect_uri (never calls
 * Alexa's hosts) and before leaving the provider's host.
 */
async function fetchAuthorize(url: string, redirectUri: string, opts: { timeoutMs: number; ca?: string; insecure: boolean; http: (r: HttpRequest) => Promise<HttpResponse>; signal: AbortSignal }): Promise<HttpResponse> {
  let current = url;
  const cookies = new Map<string, string>();
  for (let hop = 0; hop < 5; hop++) {
    const headers: Record<string, string> = { accept: 'text/html,application/xhtml+xml', 'user-agent': 'alexa-link-doctor (Alexa app sign-in)' };
    if (cookies.size) headers.cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await opts.http({ url: current, method: 'GET', timeoutMs: opts.timeoutMs, maxRedirects: 0, headers, signal: opts.signal, ...(opts.ca ? { ca: opts.ca } : {}), ...(opts.insecure ? { insecure: true } : {}) });
    const setCookie = res.headers['set-cookie'];
    for (const c of Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []) {
      const m = /^\s*([^=;\s]+)=([^;]*)/.exec(c);
      if (m) cookies.set(m[1]!, m[2]!);
    }
    const location = header(res, 'location');
    if (res.status >= 300 && res.status < 400 && location) {
      const next = new URL(location, current).href;
      if (next.startsWith(redirectUri)) return { ...res, headers: { ...res.headers, location: next } };
      if (new URL(next).host !== new URL(current).host) return { ...res, headers: { ...res.headers, location: next } };
      // An error page named in the redirect itself (Cognito: /error?error=redirect_mismatch).
      if (/[?&]error=/.test(next)) return { ...res, status: 400, body: decodeURIComponent(new URL(next).search.replace(/\+/g, ' ')), headers: { ...res.headers, location: undefined } };
      current = next;
      continue;
    }
    return res;
  }
  throw new HttpError('too-many-redirects', url, `${new URL(url).host} redirected more than 5 times.`, 'Fix the redirect rules on the server.', 0);
}

export const authorizationEndpoint: Check<DoctorContext> = {
  id: 'authorization-endpoint',
  title: "Provider's authorization endpoint",
  needsNetwork: true,
  needs: ['linking'],
  async run(ctx, info): Promise<CheckOutcome> {
    if (!ctx.linking.ok) return { status: 'skip', detail: ctx.linking.reason };
    const p = ctx.linking.value;
    if (!p.authorizationUrl || !p.clientId) return { status: 'skip', detail: 'accountLinking.json has no authorizationUrl or clientId (see linking-config).' };
    const findings: Finding[] = [];
    const label = 'authorizationUrl';
    const scheme = judgeScheme(p.authorizationUrl, { rehearsal: ctx.rehearsal, label });
    if (scheme) findings.push(scheme);
    const tls = await probeTls(p.authorizationUrl, { rehearsal: ctx.rehearsal, now: ctx.now(), label, timeoutMs: info.timeoutMs, ...(ctx.deps.ca ? { ca: ctx.deps.ca } : {}) });
    if (tls) findings.push(tls);
    // Unreachable, or a certificate Alexa would refuse: the sign-in page cannot tell more.
    if (tls && tls.status === 'fail') return fold(findings);
    // A loopback rehearsal with a test certificate: reported above, then looked past.
    const insecure = tls !== undefined && tls.status === 'warn' && ctx.rehearsal && isLoopbackUrl(p.authorizationUrl);

    const vendorId = await ctx.vendor();
    const targets: Array<{ region: AlexaRegion | 'loopback'; redirectUri: string }> = vendorId
      ? ALEXA_REGIONS.map((region) => ({ region, redirectUri: alexaRedirectUrl(vendorId, region) }))
      : [{ region: 'loopback', redirectUri: 'http://127.0.0.1:9876/callback' }];
    const http = ctx.deps.http ?? request;
    const answers = await Promise.all(
      targets.map(async (t) => {
        const { url } = buildAuthorizationUrl({ authorizationUrl: p.authorizationUrl!, clientId: p.clientId!, redirectUri: t.redirectUri, state: newState(), scopes: p.scopes ?? [] });
        try {
          const res = await fetchAuthorize(url, t.redirectUri, { timeoutMs: info.timeoutMs, insecure, http, signal: info.signal, ...(ctx.deps.ca ? { ca: ctx.deps.ca } : {}) });
          return { ...t, judged: judgeAuthorizeAnswer(res, t.redirectUri), ms: res.ms };
        } catch (err) {
          if (err instanceof HttpError) return { ...t, error: err };
          throw err;
        }
      }),
    );

    const failed = answers.find((a) => 'error' in a && a.error);
    if (failed && 'error' in failed && failed.error) {
      const rehearsalCert = ctx.rehearsal && failed.error.kind.startsWith('tls-');
      findings.push({ status: rehearsalCert ? 'warn' : 'fail', detail: `GET authorizationUrl: ${failed.error.message}`, ...(failed.error.hint ? { fix: failed.error.hint } : {}) });
      return fold(findings);
    }
    const judged = answers as Array<(typeof targets)[number] & { judged: AuthorizeJudgement; ms: number }>;
    const rejected = judged.filter((a) => a.judged.verdict === 'redirect-rejected');
    const vendorNote = vendorId ? '' : ' (no vendor ID: set ASK_VENDOR_ID, or configure SMAPI credentials, to test Alexa\'s own redirect URLs; the loopback URL of alexa-link login was used)';
    if (rejected.length) {
      const urls = vendorId ? ALEXA_REGIONS.map((r) => alexaRedirectUrl(vendorId, r)) : ['https://pitangui.amazon.com/api/skill/link/<vendorId>', 'https://layla.amazon.com/api/skill/link/<vendorId>', 'https://alexa.amazon.co.jp/api/skill/link/<vendorId>'];
      findings.push({
        status: 'fail',
        detail: rejected.map((a) => `With redirect_uri=${a.redirectUri} the provider ${a.judged.detail}.`).join('\n') + vendorNote,
        fix: `Allow all three Alexa redirect URLs in the provider's client settings (allowed callback / redirect URIs):\n${urls.map((u) => `  ${u}`).join('\n')}`,
      });
    }
    for (const a of judged) {
      if (a.judged.verdict === 'client-rejected') findings.push({ status: 'fail', detail: `The provider ${a.judged.detail}.`, fix: 'Check accountLinkingRequest.clientId against the client registered at the provider.' });
      else if (a.judged.verdict === 'error-redirect') findings.push({ status: 'fail', detail: `With redirect_uri=${a.redirectUri} the provider ${a.judged.detail}.`, fix: 'Check the scopes and the client settings at the provider (allowed grant: authorization code).' });
      else if (a.judged.verdict === 'server-error' || a.judged.verdict === 'unexpected') findings.push({ status: 'fail', detail: `GET authorizationUrl ${a.judged.detail}.`, fix: 'Open the authorization URL in a browser and look at the provider logs.' });
    }
    const accepted = judged.filter((a) => a.judged.verdict === 'accepted');
    if (accepted.length === judged.length) {
      const slowest = Math.max(...accepted.map((a) => a.ms));
      findings.push({ status: 'pass', detail: `The provider ${accepted[0]!.judged.detail} for ${vendorId ? `all ${accepted.length} Alexa redirect URLs` : 'the loopback redirect URL'} (${slowest} ms).${vendorNote}` });
    }
    const outcome = fold(findings);
    // A refused redirect_uri breaks the way back to Alexa, not the way in.
    if (judged.some((a) => a.judged.verdict === 'redirect-rejected' || a.judged.verdict === 'error-redirect')) outcome.hop = 2;
    return outcome;
  },
};
