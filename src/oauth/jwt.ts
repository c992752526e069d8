/**
 * Reads the time claims of an access token that is a JWT, to compare its own expiry with the
 * token endpoint's expires_in. Decodes only: never verifies a signature, never fetches keys, and
 * returns nothing but the numeric time claims (exp, iat, nbf), so no other claim (a subject, an
 * e-mail address, a secret someone put in a token) can reach a report. Pure.
 */
export interface JwtTimes {
  exp?: number;
  iat?: number;
  nbf?: number;
}

const SEGMENT = /^[A-Za-z0-9_-]+$/;

/** The time claims, or undefined when the token is not a JWT (opaque, or not JSON inside). */
export function jwtTimes(token: string): JwtTimes | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || !parts.slice(0, 2).every((p) => SEGMENT.test(p))) return undefined;
  let header: unknown;
  let claims: unknown;
  try {
    header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!header || typeof header !== 'object' || typeof (header as { alg?: unknown }).alg !== 'string') return undefined;
  if (!claims || typeof claims !== 'object' || Array.isArray(claims)) return undefined;
  const out: JwtTimes = {};
  for (const k of ['exp', 'iat', 'nbf'] as const) {
    const v = (claims as Record<string, unknown>)[k];
    if (typeof v === 'number' && Number.isFinite(v)) out[k] = v;
  }
  return out;
}
