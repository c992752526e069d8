import type { AccountLinkingPayload } from './config.js';

/**
 * Whether accountLinking.json switches PKCE on for the skill. Pure.
 *
 * The SMAPI field name is unconfirmed. What was found (the research behind this module):
 * - Amazon's SMAPI spec (spec.json in ask-smapi-model 1.23.0 and 1.24.0, the newest published) and
 *   its typings have no PKCE field in AccountLinkingRequestPayload or AccountLinkingResponse.
 * - Amazon's "Configure an Authorization Code Grant" and "Standard Account Linking" pages say
 *   "If your token server supports PKCE and you enabled PKCE in the developer console or CLI, Alexa
 *   includes the PKCE parameters in the authorization flow", and "Requirements for Account
 *   Linking" recommends PKCE, but none of them names the field; the account-linking schema pages
 *   list no PKCE field either.
 * - The ASK CLI (2.30.7) has no PKCE code at all: `ask smapi update-account-linking-info` sends
 *   the JSON file as written, so "enabled … in the CLI" can only mean a field in that file.
 * - One third-party project that pushes its configuration through the ASK CLI writes
 *   "pkceConfiguration": {"status": "ENABLED", "codeChallengeMethod": "S256"} inside
 *   accountLinkingRequest; no other public configuration was found.
 * How it was decided: alexa-link neither invents nor renames a field. Whatever PKCE block the file
 * has is passed through to SMAPI exactly as written (config.ts keeps unknown fields, with a
 * warning that SMAPI may refuse them), and `login` reads it only to know whether Alexa would send
 * the PKCE parameters: any top-level field whose name contains "pkce" (pkceConfiguration,
 * pkceEnabled, pkce…) that says ENABLED or true, as a boolean, a string, or an object with a
 * status/state/enabled member. When the block says something alexa-link cannot read, or the field
 * name turns out to be different, `alexa-link login --pkce` switches PKCE on regardless.
 */
export interface PkceConfig {
  /** The field it came from, as `accountLinkingRequest.<field>`. */
  field: string;
  /** true: on; false: explicitly off; undefined: present but unreadable. */
  enabled: boolean | undefined;
  /** The code challenge method it names, if any (Alexa uses S256). */
  method?: string;
}

function onOff(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    if (/^(enabled?|on|true|yes|required)$/i.test(v.trim())) return true;
    if (/^(disabled?|off|false|no|none)$/i.test(v.trim())) return false;
  }
  return undefined;
}

/** The PKCE setting accountLinking.json carries, or undefined when it has none. */
export function pkceFromConfig(p: AccountLinkingPayload): PkceConfig | undefined {
  const key = Object.keys(p).find((k) => /pkce/i.test(k));
  if (key === undefined) return undefined;
  const value = (p as Record<string, unknown>)[key];
  const out: PkceConfig = { field: `accountLinkingRequest.${key}`, enabled: onOff(value) };
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const o = value as Record<string, unknown>;
    for (const k of ['status', 'state', 'enabled', 'mode', 'value']) {
      if (k in o) {
        out.enabled = onOff(o[k]);
        break;
      }
    }
    const method = o.codeChallengeMethod ?? o.challengeMethod ?? o.method;
    if (typeof method === 'string') out.method = method;
  }
  return out;
}

/**
 * When the PKCE block names a code challenge method other than S256 ("plain"): what alexa-link does
 * about it. Alexa supports S256 (Amazon's account-linking pages name no other method), and
 * alexa-link, playing Alexa, sends S256 whatever the block says. Undefined when there is nothing to say.
 */
export function pkceMethodWarning(config: PkceConfig | undefined): string | undefined {
  if (!config?.method || config.method.trim().toUpperCase() === 'S256') return undefined;
  return `${config.field} names codeChallengeMethod "${config.method}", but Alexa supports S256: alexa-link sends code_challenge_method=S256 (as Alexa would), not "${config.method}". Set codeChallengeMethod to "S256", and make sure the provider accepts S256.`;
}
