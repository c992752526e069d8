import { describe, expect, it } from 'vitest';
import type { AccountLinkingPayload } from '../../src/linking/config.js';
import { diffLinking, notReadBack, renderDiff, sameValue, verifyPushed, type FieldStatus } from '../../src/linking/diff.js';
import type { WriteOnlyComparison } from '../../src/linking/write-only.js';

/** The secret is the same as at the last push (what a record says in most rows below). */
const SAME_SECRET: WriteOnlyComparison[] = [{ field: 'clientSecret', state: 'unchanged', reason: 'the same as at the last push (compared by hash)' }];

const BASE: AccountLinkingPayload = {
  type: 'AUTH_CODE',
  authorizationUrl: 'https://auth.example.com/authorize',
  accessTokenUrl: 'https://auth.example.com/oauth/token',
  clientId: 'client-1',
  scopes: ['openid', 'offline_access'],
  accessTokenScheme: 'HTTP_BASIC',
};

type Row = [string, FieldStatus];

describe('diffLinking', () => {
  it.each<{ name: string; local: AccountLinkingPayload; remote: AccountLinkingPayload | undefined; rows: Row[]; changed: boolean; secret?: 'provided' | 'absent' }>([
    {
      name: 'nothing remote: every field is added',
      local: BASE,
      remote: undefined,
      rows: [['type', 'added'], ['authorizationUrl', 'added'], ['clientId', 'added'], ['scopes', 'added'], ['accessTokenUrl', 'added'], ['clientSecret', 'write-only'], ['accessTokenScheme', 'added']],
      changed: true,
    },
    {
      name: 'equal: only unchanged rows and the secret row',
      local: BASE,
      remote: { ...BASE },
      rows: [['type', 'unchanged'], ['authorizationUrl', 'unchanged'], ['clientId', 'unchanged'], ['scopes', 'unchanged'], ['accessTokenUrl', 'unchanged'], ['clientSecret', 'write-only'], ['accessTokenScheme', 'unchanged']],
      changed: false,
    },
    {
      name: 'scopes in another order are the same set',
      local: BASE,
      remote: { ...BASE, scopes: ['offline_access', 'openid'] },
      rows: [['type', 'unchanged'], ['authorizationUrl', 'unchanged'], ['clientId', 'unchanged'], ['scopes', 'unchanged'], ['accessTokenUrl', 'unchanged'], ['clientSecret', 'write-only'], ['accessTokenScheme', 'unchanged']],
      changed: false,
    },
    {
      name: 'a changed scheme, an added domain, a remote-only field',
      local: { ...BASE, accessTokenScheme: 'REQUEST_BODY_CREDENTIALS', domains: ['cdn.example.com'] },
      remote: { ...BASE, voiceForwardAccountLinking: 'ENABLED' },
      rows: [['type', 'unchanged'], ['authorizationUrl', 'unchanged'], ['domains', 'added'], ['clientId', 'unchanged'], ['scopes', 'unchanged'], ['accessTokenUrl', 'unchanged'], ['clientSecret', 'write-only'], ['accessTokenScheme', 'changed'], ['voiceForwardAccountLinking', 'removed']],
      changed: true,
    },
    {
      name: 'an empty list is the same as no list',
      local: { ...BASE, domains: [] },
      remote: { ...BASE, redirectUrls: [] },
      rows: [['type', 'unchanged'], ['authorizationUrl', 'unchanged'], ['clientId', 'unchanged'], ['scopes', 'unchanged'], ['accessTokenUrl', 'unchanged'], ['clientSecret', 'write-only'], ['accessTokenScheme', 'unchanged']],
      changed: false,
    },
    {
      name: 'IMPLICIT without a secret has no secret row',
      local: { type: 'IMPLICIT', authorizationUrl: 'https://a.example.com/auth', clientId: 'c' },
      remote: { type: 'AUTH_CODE', authorizationUrl: 'https://a.example.com/auth', clientId: 'c', accessTokenUrl: 'https://a.example.com/token' },
      rows: [['type', 'changed'], ['authorizationUrl', 'unchanged'], ['clientId', 'unchanged'], ['accessTokenUrl', 'removed']],
      changed: true,
      secret: 'absent',
    },
    {
      name: 'the same platform URLs in another order and key order',
      local: { ...BASE, authorizationUrlsByPlatform: [{ platformType: 'iOS', platformAuthorizationUrl: 'https://a/i' }, { platformType: 'Android', platformAuthorizationUrl: 'https://a/a' }] },
      remote: { ...BASE, authorizationUrlsByPlatform: [{ platformAuthorizationUrl: 'https://a/a', platformType: 'Android' }, { platformType: 'iOS', platformAuthorizationUrl: 'https://a/i' }] },
      rows: [['type', 'unchanged'], ['authorizationUrl', 'unchanged'], ['clientId', 'unchanged'], ['scopes', 'unchanged'], ['accessTokenUrl', 'unchanged'], ['clientSecret', 'write-only'], ['accessTokenScheme', 'unchanged'], ['authorizationUrlsByPlatform', 'unchanged']],
      changed: false,
    },
  ])('$name', ({ local, remote, rows, changed, secret }) => {
    const d = diffLinking(local, remote, { secret: secret ?? 'provided', writeOnly: SAME_SECRET });
    expect(d.fields.map((f) => [f.field, f.status])).toEqual(rows);
    expect(d.changed).toBe(changed);
    expect(d.remoteExists).toBe(remote !== undefined);
  });

  it.each<{ name: string; local: AccountLinkingPayload; remote: AccountLinkingPayload; writeOnly: WriteOnlyComparison[] | undefined; rows: Array<[string, FieldStatus, string | undefined]>; changed: boolean }>([
    {
      name: 'write-only fields the same as at the last push: no change, though the GET never shows them',
      local: { ...BASE, skipOnEnablement: true, reciprocalAccessTokenUrl: 'https://auth.example.com/reciprocal' },
      remote: BASE,
      writeOnly: [...SAME_SECRET, { field: 'skipOnEnablement', state: 'unchanged', reason: '' }, { field: 'reciprocalAccessTokenUrl', state: 'unchanged', reason: '' }],
      rows: [['clientSecret', 'write-only', 'unchanged'], ['reciprocalAccessTokenUrl', 'write-only', 'unchanged'], ['skipOnEnablement', 'write-only', 'unchanged']],
      changed: false,
    },
    {
      name: 'a changed secret alone is a change (pushed without --force)',
      local: BASE,
      remote: BASE,
      writeOnly: [{ field: 'clientSecret', state: 'changed', reason: '' }],
      rows: [['clientSecret', 'write-only', 'changed']],
      changed: true,
    },
    {
      name: 'a changed skipOnEnablement alone is a change',
      local: { ...BASE, skipOnEnablement: false },
      remote: BASE,
      writeOnly: [...SAME_SECRET, { field: 'skipOnEnablement', state: 'changed', reason: '' }],
      rows: [['clientSecret', 'write-only', 'unchanged'], ['skipOnEnablement', 'write-only', 'changed']],
      changed: true,
    },
    {
      name: 'a write-only field dropped since the last push is a change',
      local: BASE,
      remote: BASE,
      writeOnly: [...SAME_SECRET, { field: 'skipOnEnablement', state: 'removed', reason: '' }],
      rows: [['clientSecret', 'write-only', 'unchanged'], ['skipOnEnablement', 'write-only', 'removed']],
      changed: true,
    },
    {
      name: 'without a record the write-only fields are unknown: pushed',
      local: { ...BASE, skipOnEnablement: true },
      remote: BASE,
      writeOnly: undefined,
      rows: [['clientSecret', 'write-only', 'unknown'], ['skipOnEnablement', 'write-only', 'unknown']],
      changed: true,
    },
    {
      name: 'an unknown field the GET shows is compared with the GET',
      local: { ...BASE, pkceConfiguration: { status: 'ENABLED' } } as AccountLinkingPayload,
      remote: { ...BASE, pkceConfiguration: { status: 'DISABLED' } } as AccountLinkingPayload,
      writeOnly: SAME_SECRET,
      rows: [['clientSecret', 'write-only', 'unchanged'], ['pkceConfiguration', 'changed', undefined]],
      changed: true,
    },
    {
      name: 'an unknown field the GET does not show is write-only',
      local: { ...BASE, pkceConfiguration: { status: 'ENABLED' } } as AccountLinkingPayload,
      remote: BASE,
      writeOnly: [...SAME_SECRET, { field: 'pkceConfiguration', state: 'unchanged', reason: '' }],
      rows: [['clientSecret', 'write-only', 'unchanged'], ['pkceConfiguration', 'write-only', 'unchanged']],
      changed: false,
    },
  ])('$name', ({ local, remote, writeOnly, rows, changed }) => {
    const d = diffLinking(local, remote, { secret: 'provided', ...(writeOnly ? { writeOnly } : {}) });
    expect(d.fields.filter((f) => f.status !== 'unchanged').map((f) => [f.field, f.status, f.writeOnly])).toEqual(rows);
    expect(d.changed).toBe(changed);
  });

  it.each([
    ['provided', 'set', /will be sent/],
    ['absent', 'not set', /not given/],
  ] as const)('the secret row with the secret %s says %s, never a value', (secret, local, note) => {
    const d = diffLinking({ ...BASE, clientSecret: 'should-never-show' }, BASE, { secret });
    const row = d.fields.find((f) => f.field === 'clientSecret')!;
    // A secret in the local payload still counts as set but is never copied into the diff.
    expect(row.local).toBe(secret === 'provided' ? local : 'set');
    expect(row.remote).toBe('unknown');
    expect(JSON.stringify(d)).not.toContain('should-never-show');
    const plain = diffLinking(BASE, BASE, { secret });
    expect(plain.fields.find((f) => f.field === 'clientSecret')!.note).toMatch(note);
  });

  it('omits the secret row for drift checks', () => {
    expect(diffLinking(BASE, BASE, { secret: 'omit' }).fields.some((f) => f.field === 'clientSecret')).toBe(false);
  });

  it.each([
    ['defaultTokenExpirationInSeconds', 3600, '3600', true],
    ['defaultTokenExpirationInSeconds', 3600, 360, false],
    ['domains', ['a', 'b'], ['b', 'a'], true],
    ['redirectUrls', ['a'], ['a', 'a'], false],
    ['skipOnEnablement', true, false, false],
    ['clientId', 'x', 'x', true],
  ])('sameValue(%s, %j, %j) = %s', (field, a, b, want) => {
    expect(sameValue(field, a, b)).toBe(want);
  });
});

describe('renderDiff', () => {
  it('one readable line per field, remote → local', () => {
    const d = diffLinking({ ...BASE, scopes: ['openid'], domains: ['cdn.example.com'] }, { ...BASE, voiceForwardAccountLinking: 'ENABLED' }, { secret: 'provided' });
    expect(renderDiff(d)).toEqual([
      '  type: "AUTH_CODE"',
      '  authorizationUrl: "https://auth.example.com/authorize"',
      '+ domains: ["cdn.example.com"]',
      '  clientId: "client-1"',
      '~ scopes: ["openid","offline_access"] → ["openid"]',
      '  accessTokenUrl: "https://auth.example.com/oauth/token"',
      '* clientSecret: set (SMAPI never returns it; no record of the last push, so it will be sent)',
      '  accessTokenScheme: "HTTP_BASIC"',
      '- voiceForwardAccountLinking: "ENABLED" (not in accountLinking.json)',
    ]);
  });
});

describe('notReadBack', () => {
  it('lists what was sent that the GET cannot show: the write-only fields, and unknown fields it does not show', () => {
    const sent = { ...BASE, clientSecret: 's', skipOnEnablement: true, reciprocalAccessTokenUrl: 'https://r.example.com/t', pkceConfiguration: { status: 'ENABLED' }, futureShown: 1 } as AccountLinkingPayload;
    expect(notReadBack(sent, { ...BASE, futureShown: 1 } as AccountLinkingPayload)).toEqual(['clientSecret', 'reciprocalAccessTokenUrl', 'skipOnEnablement', 'pkceConfiguration']);
    expect(verifyPushed(sent, { ...BASE, futureShown: 1 } as AccountLinkingPayload)).toEqual([]);
    expect(verifyPushed(sent, { ...BASE, futureShown: 2 } as AccountLinkingPayload).map((m) => m.field)).toEqual(['futureShown']);
  });
});

describe('verifyPushed', () => {
  it.each<{ name: string; after: AccountLinkingPayload | undefined; fields: string[] }>([
    { name: 'reads back the same (secret never compared)', after: BASE, fields: [] },
    { name: 'SMAPI adds fields of its own: not a mismatch', after: { ...BASE, voiceForwardAccountLinking: 'DISABLED' }, fields: [] },
    { name: 'a field reads back differently', after: { ...BASE, accessTokenScheme: 'REQUEST_BODY_CREDENTIALS' }, fields: ['accessTokenScheme'] },
    { name: 'a field is missing after the push', after: { ...BASE, scopes: undefined }, fields: ['scopes'] },
    { name: 'nothing there at all', after: undefined, fields: ['type', 'authorizationUrl', 'clientId', 'scopes', 'accessTokenUrl', 'accessTokenScheme'] },
  ])('$name', ({ after, fields }) => {
    expect(verifyPushed({ ...BASE, clientSecret: 's3cret' }, after).map((m) => m.field)).toEqual(fields);
  });
});
