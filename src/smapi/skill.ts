import type { v1 } from 'ask-smapi-model';
import type { Smapi } from './client.js';

/** The remote skill manifest and the developer's vendors (doctor's remote endpoint check, redirect URLs). */
export interface RemoteManifest {
  /** The {"manifest": …} envelope as SMAPI returns it. */
  envelope: v1.skill.Manifest.SkillManifestEnvelope;
  etag: string | undefined;
}

export async function getSkillManifest(smapi: Smapi, skillId: string, stage = 'development'): Promise<RemoteManifest> {
  const res = await smapi.call({ action: 'read the skill manifest', skillId, stage }, (c) => c.callGetSkillManifestV1(skillId, stage));
  return { envelope: (res.body ?? {}) as v1.skill.Manifest.SkillManifestEnvelope, etag: smapi.header(res.headers, 'etag') };
}

export interface VendorSummary {
  id: string;
  name: string | undefined;
  roles: string[];
}

export async function listVendors(smapi: Smapi): Promise<VendorSummary[]> {
  const res = await smapi.call({ action: 'list your vendors' }, (c) => c.getVendorListV1());
  return (res.vendors ?? [])
    .filter((v): v is v1.vendorManagement.Vendor & { id: string } => typeof v.id === 'string')
    .map((v) => ({ id: v.id, name: v.name, roles: v.roles ?? [] }));
}
