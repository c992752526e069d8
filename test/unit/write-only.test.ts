import { describe, expect, it } from 'vitest';
import type { AccountLinkingPayload } from '../../src/linking/config.js';
import { compareWriteOnly, hashValue, isWriteOnly, makePushRecord, READABLE_FIELDS, unknownAbsentWriteOnly, WRITE_ONLY_FIELDS, writeOnlyValues, type PushRecord } from '../../src/linking/write-only.js';
import { SmapiSpec, SPEC_PATH, SPEC_PATH_1_24 } from '../support/smapi-spec.js';

const BASE: AccountLinkingPayload = {
  type: 'AUTH_CODE',
  authorizationUrl: 'https://auth.example.com/authorize',
  accessTokenUrl: 'https://auth.example.com/token',
  clientId: 'c',
  accessTokenScheme: 'HTTP_BASIC',
};
const SENT: AccountLinkingPayload = { ...BASE, clientSecret: 'secret-one', skipOnEnablement: true, reciprocalAccessTokenUrl: 'https://auth.example.com/reciprocal' };
const NOW = new Date('2030-01-01T00:00:00Z');

describe('which fields are write-only', () => {
  it.each([SPEC_PATH, SPEC_PATH_1_24])('matches Amazon\'s spec (%s): request payload fields minus response fields', (specPath) => {
    const spec = new SmapiSpec({ specPath });
    const request = spec.definitionProperties.get('v1.skill.accountLinking.AccountLinkingRequestPayload')!;
    const response = spec.definitionProperties.get('v1.skill.accountLinking.AccountLinkingResponse')!;
    expect([...READABLE_FIELDS].sort()).toEqual([...response].sort());
    expect([...WRITE_ONLY_FIELDS].sort()).toEqual(request.filter((f) => !response.includes(f)).sort());
    expect([...WRITE_ONLY_FIELDS].sort()).toEqual(['clientSecret', 'reciprocalAccessTokenUrl', 'skipOnEnablement']);
  });

  it.each<[string, Record<string, unknown> | undefined, boolean]>([
    ['clientSecret', BASE as Record<string, unknown>, true],
    ['skipOnEnablement', { skipOnEnablement: true }, true],
    ['scopes', BASE as Record<string, unknown>, false],
    ['pkceConfiguration', BASE as Record<string, unknown>, true],
    ['pkceConfiguration', { pkceConfiguration: {} }, false],
    ['pkceConfiguration', undefined, true],
  ])('isWriteOnly(%s) with remote %j = %s', (field, remote, want) => {
    expect(isWriteOnly(field, remote)).toBe(want);
  });
});

describe('unknownAbsentWriteOnly: left out of the file, remote value unknown', () => {
  it('without a valid record (a pulled file): the write-only fields the file leaves out, not the secret', async () => {
    expect(unknownAbsentWriteOnly(BASE, { remote: BASE, remoteEtag: 'e1', record: undefined })).toEqual(['reciprocalAccessTokenUrl', 'skipOnEnablement']);
    expect(unknownAbsentWriteOnly({ ...BASE, skipOnEnablement: false }, { remote: BASE, remoteEtag: 'e1', record: undefined })).toEqual(['reciprocalAccessTokenUrl']);
    expect(unknownAbsentWriteOnly(BASE, { remote: undefined, remoteEtag: undefined, record: undefined })).toEqual([]);
    const record = await makePushRecord({ skillId: 's', stage: 'development', sent: BASE, remoteAfter: BASE, etag: 'e1', now: NOW });
    // Pushed from here while absent: known.
    expect(unknownAbsentWriteOnly(BASE, { remote: BASE, remoteEtag: 'e1', record })).toEqual([]);
    // Changed remotely since (another ETag): unknown again.
    expect(unknownAbsentWriteOnly(BASE, { remote: BASE, remoteEtag: 'e2', record })).toEqual(['reciprocalAccessTokenUrl', 'skipOnEnablement']);
  });
});

describe('hashes of the last push', () => {
  it('hashes are salted, stable for equal values (key order aside) and never contain the value', async () => {
    const a = await hashValue('x', { b: 1, a: [1, 2] }, '00112233445566778899aabbccddeeff');
    expect(await hashValue('x', { a: [1, 2], b: 1 }, '00112233445566778899aabbccddeeff')).toBe(a);
    expect(await hashValue('x', { a: [1, 2], b: 1 }, 'ffeeddccbbaa99887766554433221100')).not.toBe(a);
    expect(await hashValue('y', { a: [1, 2], b: 1 }, '00112233445566778899aabbccddeeff')).not.toBe(a);
    const record = await makePushRecord({ skillId: 's', stage: 'development', sent: SENT, remoteAfter: BASE, etag: 'e1', now: NOW });
    expect(Object.keys(record.hashes).sort()).toEqual(['clientSecret', 'reciprocalAccessTokenUrl', 'skipOnEnablement']);
    expect(JSON.stringify(record)).not.toContain('secret-one');
    expect(record).toMatchObject({ version: 1, etag: 'e1', pushedAt: NOW.toISOString() });
  });

  it('an unknown field the GET shows after the push is not hashed; one it does not show is', () => {
    const sent = { ...BASE, shown: 1, hidden: 2 } as AccountLinkingPayload;
    expect(writeOnlyValues(sent, { ...BASE, shown: 1 } as AccountLinkingPayload)).toEqual({ hidden: 2 });
  });
});

describe('compareWriteOnly', () => {
  let record: PushRecord;
  const remote = BASE;
  const cmp = async (local: AccountLinkingPayload, extra: Partial<Parameters<typeof compareWriteOnly>[1]> = {}) =>
    Object.fromEntries((await compareWriteOnly(local, { remote, remoteEtag: 'e1', record, secretKnown: true, ...extra })).map((c) => [c.field, c.state]));

  it.each<[string, AccountLinkingPayload, Partial<Parameters<typeof compareWriteOnly>[1]>, Record<string, string>]>([
    ['everything as pushed', SENT, {}, { clientSecret: 'unchanged', skipOnEnablement: 'unchanged', reciprocalAccessTokenUrl: 'unchanged' }],
    ['a new secret', { ...SENT, clientSecret: 'secret-two' }, {}, { clientSecret: 'changed', skipOnEnablement: 'unchanged', reciprocalAccessTokenUrl: 'unchanged' }],
    ['skipOnEnablement flipped', { ...SENT, skipOnEnablement: false }, {}, { clientSecret: 'unchanged', skipOnEnablement: 'changed', reciprocalAccessTokenUrl: 'unchanged' }],
    ['reciprocal URL dropped', { ...SENT, reciprocalAccessTokenUrl: undefined }, {}, { clientSecret: 'unchanged', skipOnEnablement: 'unchanged', reciprocalAccessTokenUrl: 'removed' }],
    ['an unknown field added', { ...SENT, pkceConfiguration: { status: 'ENABLED' } } as AccountLinkingPayload, {}, { clientSecret: 'unchanged', skipOnEnablement: 'unchanged', reciprocalAccessTokenUrl: 'unchanged', pkceConfiguration: 'added' }],
    ['the secret not known (doctor without it): not compared', { ...SENT, clientSecret: undefined }, { secretKnown: false }, { skipOnEnablement: 'unchanged', reciprocalAccessTokenUrl: 'unchanged' }],
    ['the remote changed since (another ETag)', SENT, { remoteEtag: 'e2' }, { clientSecret: 'unknown', skipOnEnablement: 'unknown', reciprocalAccessTokenUrl: 'unknown' }],
    ['no record', SENT, { record: undefined }, { clientSecret: 'unknown', skipOnEnablement: 'unknown', reciprocalAccessTokenUrl: 'unknown' }],
    ['nothing remote', SENT, { remote: undefined }, { clientSecret: 'unknown', skipOnEnablement: 'unknown', reciprocalAccessTokenUrl: 'unknown' }],
  ])('%s', async (_name, local, extra, want) => {
    record = await makePushRecord({ skillId: 's', stage: 'development', sent: SENT, remoteAfter: BASE, etag: 'e1', now: NOW, salt: '0123456789abcdef0123456789abcdef' });
    expect(await cmp(local, extra)).toEqual(want);
  });
});
