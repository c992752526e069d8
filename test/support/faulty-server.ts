import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { makeTestCerts } from './tls.js';

/**
 * A server on 127.0.0.1 (never another interface) that misbehaves on purpose, one way per
 * instance, for the fault matrix of issue 8. It counts what it received, so tests can prove that
 * nothing retries without bound, and how many bytes it managed to send, so they can prove that a
 * client stopped reading a 100 MB answer early.
 */
export type Fault =
  /** Nothing listens on the port (a port that was bound once, then closed). */
  | 'refused'
  /** Status line, headers and part of the body, then a TCP reset. */
  | 'reset'
  /** Reads the request and never answers. */
  | 'hang'
  /** Answers 200 at once, then one byte of body every `dripIntervalMs`, forever. */
  | 'drip'
  /** 503 with a JSON error body. */
  | 'server-error'
  /** 429 with Retry-After. */
  | 'throttle'
  /** HTTPS with a self-signed certificate (answers normally once past the handshake). */
  | 'tls-self-signed'
  /** HTTPS with a certificate from the test CA that expired. */
  | 'tls-expired'
  /** HTTPS with a certificate from the test CA for another host name. */
  | 'tls-wrong-host'
  /** 302 to /loop-b, which redirects back to /loop-a, and so on. */
  | 'redirect-loop'
  /** 200 application/json with a 100 MB body, streamed without a content-length. */
  | 'huge-body'
  /** 200 with an HTML page where JSON is expected. */
  | 'not-json';

export const FAULTS: readonly Fault[] = ['refused', 'reset', 'hang', 'drip', 'server-error', 'throttle', 'tls-self-signed', 'tls-expired', 'tls-wrong-host', 'redirect-loop', 'huge-body', 'not-json'];

export interface FaultyServerOptions {
  fault: Fault;
  /** Body of a normal answer (TLS faults past the handshake): JSON. Default {"ok": true}. */
  okBody?: unknown;
  /** Status of a normal answer (default 200). */
  okStatus?: number;
  /** Status of `server-error` (default 503). */
  status?: number;
  /** Body of `server-error` and `throttle` (JSON). */
  errorBody?: unknown;
  /** Retry-After of `throttle`, seconds (default 1). */
  retryAfterSeconds?: number;
  /** Bytes of `huge-body` (default 100 MiB). */
  hugeBytes?: number;
  /** Milliseconds between the bytes of `drip` (default 100). */
  dripIntervalMs?: number;
}

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  at: number;
}

export interface FaultyServer {
  fault: Fault;
  /** http(s)://127.0.0.1:<port> without a trailing slash. */
  origin: string;
  port: number;
  /** Requests whose head arrived (TLS faults: only after a handshake the client accepted). */
  requests: ReceivedRequest[];
  /** TCP connections accepted (TLS faults: also the handshakes the client broke off). */
  connections: number;
  /** Body bytes written to clients (`huge-body`, `drip`, `reset`). */
  bytesSent: number;
  /** PEM of the CA that signed the expired and wrong-host certificates (to trust it, as NODE_EXTRA_CA_CERTS would). */
  ca: string;
  close(): Promise<void>;
}

const HTML_PAGE = '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1><p>The proxy received an invalid response from an upstream server.</p></body></html>';

/** A port on 127.0.0.1 that nothing listens on (bound and closed again). */
export async function closedPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', () => resolve()));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

export async function startFaultyServer(opts: FaultyServerOptions): Promise<FaultyServer> {
  const certs = makeTestCerts();
  const state = { requests: [] as ReceivedRequest[], connections: 0, bytesSent: 0 };
  if (opts.fault === 'refused') {
    const port = await closedPort();
    return withCounters({ fault: opts.fault, origin: `http://127.0.0.1:${port}`, port, ca: certs.ca.cert, close: async () => undefined }, state);
  }

  const sockets = new Set<net.Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;

  const handler = (req: http.IncomingMessage, res: http.ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    state.requests.push({ method: req.method ?? 'GET', path: url.pathname + url.search, headers: req.headers, at: Date.now() });
    // Read (and drop) any request body, so a POST is complete before the fault plays out.
    req.resume();
    req.once('end', () => answer(req, res, url));
  };

  const json = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = JSON.stringify(body);
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
    res.end(text);
  };

  const answer = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => {
    switch (opts.fault) {
      case 'reset': {
        const socket = res.socket;
        res.writeHead(200, { 'content-type': 'application/json', 'content-length': '4096' });
        res.write('{"access_token": "partial');
        state.bytesSent += 25;
        const t = setTimeout(() => socket?.resetAndDestroy(), 30);
        timers.add(t);
        return;
      }
      case 'hang':
        return; // the socket stays open until the client gives up or the server closes
      case 'drip': {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write('{');
        state.bytesSent += 1;
        const t = setInterval(() => {
          if (res.destroyed || closed) return clearInterval(t);
          res.write(' ');
          state.bytesSent += 1;
        }, opts.dripIntervalMs ?? 100);
        timers.add(t);
        res.once('close', () => clearInterval(t));
        return;
      }
      case 'server-error':
        return json(res, opts.status ?? 503, opts.errorBody ?? { message: 'Service unavailable (fault injected by the test).' });
      case 'throttle':
        return json(res, 429, opts.errorBody ?? { message: 'Rate exceeded (fault injected by the test).' }, { 'retry-after': String(opts.retryAfterSeconds ?? 1) });
      case 'redirect-loop': {
        const next = url.pathname === '/loop-b' ? '/loop-a' : '/loop-b';
        res.writeHead(302, { location: `${next}${url.search}`, 'content-length': '0' });
        res.end();
        return;
      }
      case 'huge-body':
        return streamHuge(res, opts.hugeBytes ?? 100 * 1024 * 1024);
      case 'not-json': {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': String(Buffer.byteLength(HTML_PAGE)) });
        res.end(HTML_PAGE);
        return;
      }
      default:
        // TLS faults: a client that got past the handshake gets a normal answer.
        if (req.method === 'GET' && (req.headers.accept ?? '').includes('text/html')) {
          res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
          res.end('<html><head><title>Sign in</title></head><body>Sign in</body></html>');
          return;
        }
        return json(res, opts.okStatus ?? 200, opts.okBody ?? { ok: true });
    }
  };

  const streamHuge = (res: http.ServerResponse, total: number) => {
    // A JSON string that never ends within the limit; written chunk by chunk, respecting back-pressure.
    const chunk = Buffer.alloc(64 * 1024, 'a');
    res.writeHead(200, { 'content-type': 'application/json' });
    res.write('{"padding": "');
    let sent = 0;
    const pump = () => {
      while (sent < total && !res.destroyed && !closed) {
        const n = Math.min(chunk.length, total - sent);
        sent += n;
        state.bytesSent += n;
        if (!res.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void res.once('drain', pump);
      }
      if (sent >= total && !res.destroyed) res.end('"}');
    };
    pump();
  };

  const tlsFor = (f: Fault) => (f === 'tls-self-signed' ? certs.selfSigned : f === 'tls-expired' ? certs.expired : f === 'tls-wrong-host' ? certs.wrongHost : undefined);
  const tls = tlsFor(opts.fault);
  const server: http.Server = tls ? https.createServer({ key: tls.key, cert: tls.cert }, handler) : http.createServer(handler);
  // Every TCP connection, also TLS handshakes the client broke off.
  server.on('connection', (socket: net.Socket) => {
    state.connections++;
    sockets.add(socket);
    socket.on('error', () => undefined);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('tlsClientError', () => undefined);
  server.on('clientError', (_err, socket) => socket.destroy());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  return withCounters({
    fault: opts.fault,
    origin: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    port,
    ca: certs.ca.cert,
    close: () =>
      new Promise<void>((resolve) => {
        closed = true;
        for (const t of timers) clearTimeout(t);
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  }, state);
}

/** Adds live getters, so the server shows the counts at the time they are read. */
function withCounters(base: Omit<FaultyServer, 'requests' | 'connections' | 'bytesSent'>, state: { requests: ReceivedRequest[]; connections: number; bytesSent: number }): FaultyServer {
  return Object.defineProperties(base, {
    requests: { get: () => state.requests, enumerable: true },
    connections: { get: () => state.connections, enumerable: true },
    bytesSent: { get: () => state.bytesSent, enumerable: true },
  }) as FaultyServer;
}
