import { header, HttpError, type HttpRequest, type HttpResponse } from '../net/http.js';
import { excerpt as cutRedacted } from '../ui/redact.js';
import { isPkceRequiredError } from './pkce.js';

/**
 * What the provider's authorization endpoint does with an authorization request built as Alexa
 * builds it, without a browser: GET it (following the provider's own redirects to its sign-in page,
 * keeping its cookies, never following the redirect back to redirect_uri nor to another host) and
 * judge the answer. Used by doctor's authorization-endpoint check and by login, which asks it
 * before waiting for the user whether the provider refuses the request outright (for lack of
 * PKCE, typically).
 */
export type AuthorizeVerdict = 'accepted' | 'redirect-rejected' | 'client-rejected' | 'pkce-required' | 'error-redirect' | 'server-error' | 'unexpected';

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
        const what = `error=${error}${desc ? ` (${desc})` : ''}`;
        if (isPkceRequiredError(error, desc ?? undefined)) return { verdict: 'pkce-required', detail: `requires PKCE: sent the user back with ${what}` };
        return { verdict: 'error-redirect', detail: `sent the user back to Alexa with ${what}` };
      }
      return { verdict: 'accepted', detail: 'redirected straight back to Alexa (a session was already signed in)' };
    }
    return { verdict: 'accepted', detail: `redirected to its sign-in page (${safePath(location)})` };
  }
  const text = textOf(res.body);
  if (res.status >= 400 && isPkceRequiredError('', text)) return { verdict: 'pkce-required', detail: `requires PKCE: showed an error page (HTTP ${res.status}: "${excerpt(res.body)}")` };
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
export async function fetchAuthorize(url: string, redirectUri: string, opts: { timeoutMs: number; ca?: HttpRequest['ca']; insecure: boolean; http: (r: HttpRequest) => Promise<HttpResponse>; signal?: AbortSignal }): Promise<HttpResponse> {
  let current = url;
  const cookies = new Map<string, string>();
  for (let hop = 0; hop < 5; hop++) {
    const headers: Record<string, string> = { accept: 'text/html,application/xhtml+xml', 'user-agent': 'alexa-link-doctor (Alexa app sign-in)' };
    if (cookies.size) headers.cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const res = await opts.http({ url: current, method: 'GET', timeoutMs: opts.timeoutMs, maxRedirects: 0, headers, ...(opts.signal ? { signal: opts.signal } : {}), ...(opts.ca ? { ca: opts.ca } : {}), ...(opts.insecure ? { insecure: true } : {}) });
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

