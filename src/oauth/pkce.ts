import { createHash, randomBytes } from 'node:crypto';

/**
 * Proof Key for Code Exchange (RFC 7636) as Alexa uses it when PKCE is enabled for the skill: a
 * code_challenge with code_challenge_method=S256 in the authorization request, and the
 * code_verifier with the code at the token endpoint (Amazon: "If your token server supports PKCE
 * and you enabled PKCE in the developer console or CLI, Alexa includes the PKCE parameters";
 * the authorization request example in "Step 3: Handle the Authorization Request in Your App"
 * shows code_challenge and code_challenge_method=S256). Pure apart from the random verifier.
 */
export interface Pkce {
  verifier: string;
  challenge: string;
  method: 'S256';
}

/** RFC 7636 §4.2: BASE64URL(SHA256(ASCII(code_verifier))). */
export function s256Challenge(verifier: string): string {
  return createHash('sha256').update(verifier, 'ascii').digest('base64url');
}

/** A fresh verifier (43 characters of base64url from 32 random bytes, RFC 7636 §4.1) and its challenge. */
export function newPkce(): Pkce {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: s256Challenge(verifier), method: 'S256' };
}

/** Whether an OAuth error (code and description) says the provider wants PKCE. */
export function isPkceRequiredError(error: string, description: string | undefined): boolean {
  const text = `${error} ${description ?? ''}`;
  return /pkce|code[_ ]challenge|code[_ ]verifier|proof key/i.test(text);
}
