import { UsageError } from '../errors.js';

/**
 * Alexa's redirect URLs: where the provider sends the user back with `code` and `state`. All three
 * must be allowed at the provider (reference §5.1).
 */
export type AlexaRegion = 'NA' | 'EU' | 'FE';
export const ALEXA_REGIONS: readonly AlexaRegion[] = ['NA', 'EU', 'FE'];

const HOSTS: Record<AlexaRegion, string> = {
  NA: 'pitangui.amazon.com',
  EU: 'layla.amazon.com',
  FE: 'alexa.amazon.co.jp',
};

/** Amazon vendor IDs are short upper-case alphanumeric strings, e.g. M2AB3CDEFGHIJ. */
export function isVendorId(v: string): boolean {
  return /^[A-Z0-9]{6,20}$/.test(v);
}

export function assertVendorId(v: string, flag = '--vendor-id'): string {
  const t = v.trim();
  if (!isVendorId(t)) {
    throw new UsageError(`${flag}: "${v}" is not an Amazon vendor ID (6 to 20 upper-case letters and digits, e.g. M2AB3CDEFGHIJ).`, {
      hint: 'Find it at developer.amazon.com/settings/console/mycid, or in ~/.ask/cli_config (vendor_id).',
    });
  }
  return t;
}

export function alexaRedirectUrl(vendorId: string, region: AlexaRegion = 'NA'): string {
  return `https://${HOSTS[region]}/api/skill/link/${encodeURIComponent(vendorId)}`;
}

export function alexaRedirectUrls(vendorId: string): string[] {
  return ALEXA_REGIONS.map((r) => alexaRedirectUrl(vendorId, r));
}

/** Whether a redirect_uri is one of Alexa's, and for which vendor. */
export function parseAlexaRedirectUrl(url: string): { region: AlexaRegion; vendorId: string } | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  const region = ALEXA_REGIONS.find((r) => HOSTS[r] === u.hostname);
  const m = /^\/api\/skill\/link\/([^/]+)$/.exec(u.pathname);
  if (!region || !m || u.protocol !== 'https:') return undefined;
  return { region, vendorId: decodeURIComponent(m[1]!) };
}
