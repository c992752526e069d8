import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Smapi } from '../../src/smapi/client.js';
import { resolveVendorId } from '../../src/smapi/vendor.js';
import { buildDoctorContext } from '../../src/doctor/context.js';
import { doctorOptions } from '../../src/doctor/run.js';

const temps: string[] = [];
afterAll(async () => {
  for (const t of temps) await rm(t, { recursive: true, force: true });
});

async function home(vendor?: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'al-vendor-'));
  temps.push(dir);
  await mkdir(path.join(dir, '.ask'));
  await writeFile(path.join(dir, '.ask', 'cli_config'), JSON.stringify({ profiles: { default: { token: { access_token: 'Atza|x', expires_at: '2020-01-01T00:00:00Z' }, ...(vendor ? { vendor_id: vendor } : {}) } } }));
  return dir;
}

/** The part of a connected SMAPI client the resolver uses: the vendor list. */
function vendorList(ids: string[], calls: { n: number }): () => Promise<Smapi> {
  return async () =>
    ({
      call: async (_ctx: unknown, fn: (c: unknown) => Promise<unknown>) => {
        calls.n++;
        return fn({ getVendorListV1: async () => ({ vendors: ids.map((id) => ({ id, name: id })) }) });
      },
    }) as unknown as Smapi;
}

describe('resolveVendorId: one order for every command', () => {
  it('--vendor-id, then ASK_VENDOR_ID, then the ASK CLI profile (even with an expired token), then SMAPI', async () => {
    const calls = { n: 0 };
    const h = await home('M2PROFILE01');
    expect(await resolveVendorId({ flag: 'M2FLAG01', env: { ASK_VENDOR_ID: 'M2ENV01' }, homeDir: h, smapi: vendorList(['M2SMAPI01'], calls) })).toEqual({ vendorId: 'M2FLAG01', source: '--vendor-id' });
    expect(await resolveVendorId({ env: { ASK_VENDOR_ID: 'M2ENV01' }, homeDir: h, smapi: vendorList(['M2SMAPI01'], calls) })).toEqual({ vendorId: 'M2ENV01', source: 'ASK_VENDOR_ID' });
    expect(await resolveVendorId({ env: {}, homeDir: h, smapi: vendorList(['M2SMAPI01'], calls) })).toEqual({ vendorId: 'M2PROFILE01', source: '~/.ask/cli_config profile "default"' });
    expect(calls.n).toBe(0);
    const bare = await home();
    expect(await resolveVendorId({ env: {}, homeDir: bare, smapi: vendorList(['M2SMAPI01'], calls) })).toEqual({ vendorId: 'M2SMAPI01', source: "SMAPI's vendor list" });
    expect((await resolveVendorId({ env: {}, homeDir: bare, smapi: vendorList(['M2AAAAAAAA01', 'M2BBBBBBBB01'], calls) })).note).toMatch(/2 vendors \(M2AAAAAAAA01, M2BBBBBBBB01\); pass --vendor-id/);
    expect((await resolveVendorId({ env: {}, homeDir: bare })).note).toMatch(/no SMAPI credentials/);
  });
  it('a malformed --vendor-id or ASK_VENDOR_ID is an input error naming it', async () => {
    await expect(resolveVendorId({ flag: 'not a vendor', env: {} })).rejects.toThrow(/--vendor-id/);
    await expect(resolveVendorId({ env: { ASK_VENDOR_ID: 'bad id!' } })).rejects.toThrow(/ASK_VENDOR_ID/);
  });
});

describe('doctor uses the same resolver', () => {
  it('--vendor-id (DoctorOptions.vendorId) wins over the ASK CLI profile', async () => {
    const h = await home('M2PROFILE01');
    const cwd = await mkdtemp(path.join(os.tmpdir(), 'al-vendor-doctor-'));
    temps.push(cwd);
    const withFlag = await buildDoctorContext({ ...doctorOptions(cwd), vendorId: 'M2FLAG01', offline: true }, { env: {}, homeDir: h });
    expect(await withFlag.vendor()).toBe('M2FLAG01');
    const without = await buildDoctorContext({ ...doctorOptions(cwd), offline: true }, { env: {}, homeDir: h });
    expect(await without.vendor()).toBe('M2PROFILE01');
  });
});
