import type { AccountLinkingPayload } from './config.js';
import { detectProvider } from './providers.js';
import type { Finding } from './rules.js';

/**
 * The account-linking rules that depend on the skill's type (the manifest's apis: custom,
 * smartHome, video; a skill can have several). Pure.
 *
 * - Smart home and video skills must use AUTH_CODE ("You must use AUTH_CODE with smart home
 *   skills"; "all other skill types: auth code only") and need at least one scope ("required for
 *   smart home skills") (account-linking-schemas-v0.html, requirements-account-linking.html).
 *   Their token URL must be HTTPS like every URL Alexa calls, which the general rules check.
 * - Voice-forward account linking is for custom skills whose users sign in with Login with Amazon
 *   (about-voice-forward-account-linking.html: "Use Voice-Forward Account Linking for Custom
 *   Skills"; its flow is "LWA OAuth").
 */
const F = (f: string) => `accountLinkingRequest.${f}`;

/** The skill types that allow only the authorization code grant, and need scopes. */
const AUTH_CODE_ONLY: Record<string, string> = { smartHome: 'smart home', video: 'video' };

export function skillTypeFindings(p: AccountLinkingPayload, skillTypes: readonly string[] | undefined): Finding[] {
  const out: Finding[] = [];
  const strict = (skillTypes ?? []).filter((t) => t in AUTH_CODE_ONLY).map((t) => AUTH_CODE_ONLY[t]!);
  if (strict.length) {
    const kind = `${strict.join(' and ')} skills`;
    if (p.type === 'IMPLICIT') {
      out.push({
        rule: 'skill-type-auth-code',
        severity: 'error',
        field: F('type'),
        message: `type is IMPLICIT, but ${kind} must use AUTH_CODE (the implicit grant is for custom skills only).`,
        fix: 'Set type to "AUTH_CODE" with accessTokenUrl and accessTokenScheme, at a provider that issues refresh tokens.',
      });
    }
    if ((p.scopes ?? []).filter((s) => s.trim() !== '').length === 0) {
      out.push({
        rule: 'skill-type-scopes',
        severity: 'error',
        field: F('scopes'),
        message: `scopes is empty, but ${kind} need at least one scope.`,
        fix: 'Add the scopes your device cloud needs (for Login with Amazon: "profile"; for OpenID Connect providers: "openid" and what your API checks).',
      });
    }
  }
  if (p.voiceForwardAccountLinking === 'ENABLED') {
    const provider = detectProvider(p.authorizationUrl, p.accessTokenUrl);
    if (provider !== 'lwa') {
      out.push({
        rule: 'voice-forward-lwa',
        severity: 'error',
        field: F('voiceForwardAccountLinking'),
        message: 'voiceForwardAccountLinking is ENABLED, but the provider is not Login with Amazon; voice-forward account linking works only when users sign in with their Amazon account.',
        fix: 'Set voiceForwardAccountLinking to "DISABLED" (or remove it), or link with Login with Amazon (https://www.amazon.com/ap/oa and https://api.amazon.com/auth/o2/token).',
      });
    }
    if (skillTypes !== undefined && !skillTypes.includes('custom')) {
      out.push({
        rule: 'voice-forward-custom',
        severity: 'error',
        field: F('voiceForwardAccountLinking'),
        message: `voiceForwardAccountLinking is ENABLED, but the skill is ${skillTypes.length ? `a ${skillTypes.join(' and ')} skill` : 'no custom skill'}; voice-forward account linking is for custom skills.`,
        fix: 'Set voiceForwardAccountLinking to "DISABLED" or remove it.',
      });
    }
  }
  return out;
}
