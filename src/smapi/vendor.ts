import os from 'node:os';
import { AlexaLinkError } from '../errors.js';
import { assertVendorId, isVendorId } from '../linking/redirect-urls.js';
import type { Smapi } from './client.js';
import { cliConfigPath, CLI_CONFIG_LABEL, parseCliConfig, readCliConfig, resolveProfile } from './credentials.js';

/**
 * The one vendor ID resolver every command uses (configure's redirect URLs, login --redirect alexa,
 * doctor's redirect checks): --vendor-id, else ASK_VENDOR_ID, else the ASK CLI profile's vendor_id
 * in ~/.ask/cli_config (readable even when its token has expired), else SMAPI's vendor list when
 * it has exactly one vendor.
 */
export interface VendorResolution {
  vendorId?: string;
  /** Where it came from: "--vendor-id", "ASK_VENDOR_ID", "~/.ask/cli_config profile \"default\"", "SMAPI's vendor list". */
  source?: string;
  /** Why none was found, or a choice to make (several vendors). */
  note?: string;
}

export interface VendorInputs {
  flag?: string | undefined;
  env: Record<string, string | undefined>;
  /** --profile (else ASK_DEFAULT_PROFILE, else default). */
  profile?: string | undefined;
  homeDir?: string | undefined;
  /** A connected SMAPI client when credentials exist (asked last, only when needed). */
  smapi?: () => Promise<Smapi | undefined>;
  debug?: (line: string) => void;
}

export async function resolveVendorId(inputs: VendorInputs): Promise<VendorResolution> {
  if (inputs.flag !== undefined) return { vendorId: assertVendorId(inputs.flag), source: '--vendor-id' };
  const fromEnv = inputs.env.ASK_VENDOR_ID?.trim();
  if (fromEnv) return { vendorId: assertVendorId(fromEnv, 'ASK_VENDOR_ID'), source: 'ASK_VENDOR_ID' };
  const profile = resolveProfile(inputs.profile, inputs.env);
  try {
    const file = await readCliConfig(cliConfigPath(inputs.homeDir ?? os.homedir()));
    const entry = file ? parseCliConfig(file.text, file.path, profile).profile : undefined;
    if (entry?.vendorId && isVendorId(entry.vendorId)) return { vendorId: entry.vendorId, source: `${CLI_CONFIG_LABEL} profile "${profile}"` };
  } catch (err) {
    // A broken cli_config is reported where the credentials are read; here it only has no vendor.
    inputs.debug?.(`vendor ID: ${CLI_CONFIG_LABEL} not usable: ${err instanceof Error ? err.message : String(err)}`);
  }
  const smapi = await inputs.smapi?.().catch(() => undefined);
  if (!smapi) return { note: 'no --vendor-id, ASK_VENDOR_ID or vendor_id in the ASK CLI profile, and no SMAPI credentials to list your vendors' };
  try {
    const res = await smapi.call({ action: 'list your vendors' }, (c) => c.getVendorListV1());
    const ids = (res.vendors ?? []).map((v) => v.id).filter((id): id is string => typeof id === 'string' && isVendorId(id));
    if (ids.length === 1) return { vendorId: ids[0]!, source: "SMAPI's vendor list" };
    if (ids.length > 1) return { note: `this developer account has ${ids.length} vendors (${ids.join(', ')}); pass --vendor-id to choose` };
    return { note: 'SMAPI lists no vendor for these credentials' };
  } catch (err) {
    inputs.debug?.(`vendor lookup failed: ${err instanceof Error ? err.message : String(err)}`);
    return { note: `listing your vendors through SMAPI failed (${err instanceof AlexaLinkError ? err.message : String(err)})` };
  }
}
