import dns from 'node:dns';
import { isIP } from 'node:net';
import net from 'node:net';

/**
 * doctor --offline in the handler's child: the skill's connections and DNS look-ups to hosts
 * other than this machine fail at once, the way they fail on a machine without network (a name:
 * ENOTFOUND, as getaddrinfo says; an address: ENETUNREACH), with a message that names --offline.
 * So "its network call failed because of --offline" is true on a machine that has a network too,
 * and a mistyped host is not judged against the real internet. Loopback (localhost, 127.0.0.0/8,
 * ::1) and local sockets (a path) still work: a local stand-in for the provider answers.
 */

/** Added to the error's message, so the skill's logs and speech show why the call failed. */
export const OFFLINE_MARK = 'cut by alexa-link doctor --offline';

/** Whether `host` is this machine: localhost (and *.localhost), 127.0.0.0/8, ::1, ::ffff:127.x. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, '').replace(/\.$/, '');
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  if (isIP(h) === 6) return h === '::1' || h === '0:0:0:0:0:0:0:1' || h.startsWith('::ffff:127.');
  return false;
}

/** The error a call to `host` gets under --offline. */
export function offlineError(host: string, syscall: 'getaddrinfo' | 'connect', port?: number): NodeJS.ErrnoException {
  const code = isIP(host) ? 'ENETUNREACH' : 'ENOTFOUND';
  const target = port === undefined ? host : `${host}:${port}`;
  const err: NodeJS.ErrnoException & { hostname?: string; address?: string; port?: number } = new Error(`${syscall} ${code} ${target} (${OFFLINE_MARK}: no calls to hosts other than this machine)`);
  err.code = code;
  err.errno = code === 'ENOTFOUND' ? -3008 : -101;
  err.syscall = syscall;
  if (isIP(host)) err.address = host;
  else err.hostname = host;
  if (port !== undefined) err.port = port;
  return err;
}

/** Where a Socket#connect call goes: a host (and port), or undefined for a local socket path. */
function connectHost(args: unknown[]): { host: string; port?: number } | undefined {
  let a: unknown = args[0];
  // net's normalized form ([options, cb]) is passed by http, tls and net.connect themselves.
  if (Array.isArray(a)) a = a[0];
  if (a !== null && typeof a === 'object') {
    const o = a as { path?: unknown; host?: unknown; port?: unknown };
    if (typeof o.path === 'string' && o.path) return undefined;
    const port = Number(o.port);
    return { host: typeof o.host === 'string' && o.host ? o.host : 'localhost', ...(Number.isFinite(port) ? { port } : {}) };
  }
  if (typeof a === 'string' && !/^\d+$/.test(a)) return undefined;
  const port = Number(a);
  return { host: typeof args[1] === 'string' && args[1] ? args[1] : 'localhost', ...(Number.isFinite(port) ? { port } : {}) };
}

let installed = false;

/** Makes connections and look-ups to other hosts fail in this process (the handler's child). Idempotent. */
export function cutNetwork(): void {
  if (installed) return;
  installed = true;
  const connect = net.Socket.prototype.connect;
  // Socket#connect has several overloads; the arguments pass through untouched.
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    const to = connectHost(args);
    if (to && !isLoopbackHost(to.host)) {
      const err = offlineError(to.host, isIP(to.host) ? 'connect' : 'getaddrinfo', to.port);
      process.nextTick(() => this.destroy(err));
      return this;
    }
    return (connect as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof connect;

  const lookup = dns.lookup;
  // dns.lookup(host, [options], callback): the callback is the last argument.
  dns.lookup = function (host: string, ...rest: unknown[]) {
    const cb = rest[rest.length - 1];
    if (typeof host === 'string' && host && !isLoopbackHost(host) && !isIP(host) && typeof cb === 'function') {
      process.nextTick(() => (cb as (e: Error) => void)(offlineError(host, 'getaddrinfo')));
      return;
    }
    (lookup as (...a: unknown[]) => void)(host, ...rest);
  } as typeof dns.lookup;
  const promised = dns.promises.lookup;
  dns.promises.lookup = function (host: string, ...rest: unknown[]) {
    if (typeof host === 'string' && host && !isLoopbackHost(host) && !isIP(host)) return Promise.reject(offlineError(host, 'getaddrinfo'));
    return (promised as (...a: unknown[]) => Promise<unknown>)(host, ...rest);
  } as typeof dns.promises.lookup;
}
