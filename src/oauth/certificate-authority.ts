import type { TlsInfo } from '../net/http.js';

/**
 * Amazon's account-linking requirements single out one certificate authority: "use Login with
 * Amazon (LWA) or any OAuth 2.0 provider that has a certificate signed by an Amazon-approved
 * certificate authority. Note that you can't use https://letsencrypt.org/, even though it's on the
 * certificate list." (developer.amazon.com/docs/alexa/account-linking/requirements-account-linking.html).
 * Users report Let's Encrypt certificates working in practice, so alexa-link warns rather than fails.
 * Pure.
 */
export const AMAZON_REQUIREMENTS_URL = 'https://developer.amazon.com/docs/alexa/account-linking/requirements-account-linking.html';
export const LETS_ENCRYPT_QUOTE = "Note that you can't use https://letsencrypt.org/, even though it's on the certificate list.";

/** Whether the certificate was issued by Let's Encrypt (its intermediates: O=Let's Encrypt, CN=R10, E5…). */
export function issuedByLetsEncrypt(info: Pick<TlsInfo, 'issuer' | 'issuerOrg'>): boolean {
  return /let'?s\s*encrypt/i.test(`${info.issuerOrg ?? ''} ${info.issuer ?? ''}`);
}

/** The warning, naming where the certificate is used. */
export function letsEncryptWarning(label: string, info: Pick<TlsInfo, 'issuer' | 'issuerOrg'>): { detail: string; fix: string } {
  return {
    detail: `${label}: the TLS certificate is issued by Let's Encrypt (${[info.issuerOrg, info.issuer].filter(Boolean).join(', ')}). Amazon's account-linking requirements say: "${LETS_ENCRYPT_QUOTE}"`,
    fix: `Use a certificate from another certificate authority Amazon trusts for the provider's endpoints (${AMAZON_REQUIREMENTS_URL}); linking may work with Let's Encrypt today, but Amazon does not support it.`,
  };
}
