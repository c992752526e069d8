import type os from 'node:os';
import { describe, expect, it } from 'vitest';
import { HttpError, reachesAnyHost, request } from '../../src/net/http.js';

/**
 * "This machine reaches no host at all" told apart from "this host does not resolve", before a host
 * name is blamed. The probe's DNS and interfaces are injected; the request itself is real (a name
 * under .invalid never resolves).
 */
const lo = { lo: [{ address: '127.0.0.1', internal: true } as os.NetworkInterfaceInfo] };
const withEth = { ...lo, eth0: [{ address: '10.9.8.7', internal: false } as os.NetworkInterfaceInfo] };
const resolves = async () => undefined;
const fails = async () => {
  throw Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' });
};

describe('reachesAnyHost', () => {
  it.each<[string, Parameters<typeof reachesAnyHost>[0], boolean, RegExp | undefined]>([
    ['only loopback', { interfaces: () => lo, lookup: resolves }, false, /no network interface besides loopback/],
    ['DNS resolves nothing', { interfaces: () => withEth, lookup: fails }, false, /DNS resolves no name at all \(not even api\.amazonalexa\.com\)/],
    ['a lookup that hangs counts as failing', { interfaces: () => withEth, lookup: () => new Promise(() => {}), timeoutMs: 50 }, false, /DNS resolves no name/],
    ['one well-known name resolves', { interfaces: () => withEth, lookup: async (h: string) => (h === 'api.amazon.com' ? undefined : fails()) }, true, undefined],
  ])('%s', async (_n, probe, online, why) => {
    const r = await reachesAnyHost(probe);
    expect(r.online).toBe(online);
    if (why) expect(r.why).toMatch(why);
  });
});

describe('a name that does not resolve', () => {
  it('offline: says the machine reaches no host, to check the connection or proxy, or use --offline', async () => {
    const err = await request({ url: 'https://auth.alexa-link-test.invalid/token', timeoutMs: 5000, reachability: { interfaces: () => withEth, lookup: fails } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HttpError);
    expect((err as HttpError).kind).toBe('offline');
    expect((err as HttpError).message).toMatch(/^This machine reaches no host at all: DNS resolves no name at all .*; auth\.alexa-link-test\.invalid could not be tried\.$/);
    expect((err as HttpError).hint).toMatch(/connection or the proxy settings .*--offline/);
  });
  it('online: blames the host name', async () => {
    const err = await request({ url: 'https://auth.alexa-link-test.invalid/token', timeoutMs: 5000, reachability: { interfaces: () => withEth, lookup: resolves } }).catch((e: unknown) => e);
    expect((err as HttpError).kind).toBe('dns');
    expect((err as HttpError).message).toMatch(/Cannot resolve auth\.alexa-link-test\.invalid/);
    expect((err as HttpError).hint).toMatch(/typos/);
  });
});
