/**
 * Checks an access token at the provider's userinfo endpoint and learns whose it is. The token
 * goes into the Authorization header and nowhere else: it is never logged and never part of a
 * result or an error message.
 */
export type Profile = Record<string, unknown>;

export type UserinfoResult =
  /** 200 with a JSON object: the token is good. */
  | { status: 'ok'; userId: string; profile: Profile }
  /** 401: the provider does not accept the token; `expired` when WWW-Authenticate says so. */
  | { status: 'unauthorized'; expired: boolean; reason: string }
  /** Anything else: timeout, network, 5xx, not JSON. */
  | { status: 'failed'; reason: string };

export interface FetchUserinfoOptions {
  timeoutMs?: number;
  fetchImpl?: typeof fetch;
}

export async function fetchUserinfo(url: string, accessToken: string, options: FetchUserinfoOptions = {}): Promise<UserinfoResult> {
  const { timeoutMs = 3000, fetchImpl = globalThis.fetch } = options;
  let response: Response;
  try {
    response = await fetchImpl(url, {
      headers: { Authorization: `Bearer ${accessToken}`, Accept: 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    return { status: 'failed', reason: describeFetchError(err, timeoutMs) };
  }
  if (response.status === 401) {
    // RFC 6750: error="invalid_token" covers expired, revoked and unknown tokens alike; only the
    // description can tell an expired one apart, and providers word it differently.
    const expired = /expired/i.test(response.headers.get('www-authenticate') ?? '');
    return {
      status: 'unauthorized',
      expired,
      reason: `the userinfo endpoint answered 401: the access token is ${expired ? 'expired' : 'not valid (expired, revoked or unknown)'}`,
    };
  }
  if (!response.ok) {
    return { status: 'failed', reason: `the userinfo endpoint answered HTTP ${response.status}` };
  }
  let text: string;
  try {
    text = await response.text();
  } catch (err) {
    return { status: 'failed', reason: describeFetchError(err, timeoutMs) };
  }
  let profile: unknown;
  try {
    profile = JSON.parse(text);
  } catch {
    return { status: 'failed', reason: 'the userinfo endpoint did not answer with JSON' };
  }
  if (!profile || typeof profile !== 'object' || Array.isArray(profile)) {
    return { status: 'failed', reason: 'the userinfo endpoint did not answer with a JSON object' };
  }
  const userId = pickUserId(profile as Profile);
  if (!userId) return { status: 'failed', reason: 'the userinfo answer has no user ID ("sub" or "user_id")' };
  return { status: 'ok', userId, profile: profile as Profile };
}

function describeFetchError(err: unknown, timeoutMs: number): string {
  const e = err as { name?: string; message?: string; cause?: { code?: string } } | undefined;
  if (e && (e.name === 'TimeoutError' || e.name === 'AbortError')) {
    return `the userinfo endpoint did not answer within ${timeoutMs} ms`;
  }
  return `the userinfo endpoint could not be reached (${e?.cause?.code || e?.message || 'network error'})`;
}

/** The provider's user ID: OpenID Connect "sub", Login with Amazon "user_id". */
export function pickUserId(profile: Profile): string | undefined {
  for (const field of ['sub', 'user_id']) {
    const value = profile[field];
    if ((typeof value === 'string' && value !== '') || typeof value === 'number') return String(value);
  }
  return undefined;
}
