import type { ClientRequest, IncomingMessage } from 'node:http';
import { diagnose, explainUnreachable, HttpError, showProxy, webSocketProxy, type ReachabilityProbe } from './http.js';

/**
 * WebSocket connections (alexa-link watch's link to Amazon's skill debugging service), beside
 * src/net/http.ts and with its diagnoses: a handshake deadline, a refused upgrade returned as its
 * HTTP status (not an exception), network and TLS failures as HttpError with a fix, a message size
 * limit; the same proxy route (HTTPS_PROXY / HTTP_PROXY / NO_PROXY) and the same "is this machine
 * offline at all" re-reading of a name that does not resolve. The `ws` library is imported on first use, so no other command loads it.
 */
export interface WebSocketHandlers {
  /** A text message, with the socket it came on (messages can arrive before connect resolves). */
  onMessage(text: string, socket: OpenWebSocket): void;
  /** The socket closed (by either side, or dropped); `byUs` when close()/terminate() was called. */
  onClose(info: { code: number; reason: string; byUs: boolean }): void;
  onPong?(): void;
}

export interface OpenWebSocket {
  send(text: string): Promise<void>;
  ping(data?: string): void;
  /** Closes with a close frame; resolves once closed (or after a short wait, then terminates). */
  close(code?: number, reason?: string): Promise<void>;
  terminate(): void;
  readonly isOpen: boolean;
}

export type ConnectOutcome =
  | { ok: true; socket: OpenWebSocket }
  /** The server answered the upgrade with an HTTP status instead of 101. */
  | { ok: false; status: number; body: string };

export interface ConnectOptions {
  headers: Record<string, string>;
  /** Connect, TLS and upgrade answer (default 15 s). */
  timeoutMs?: number;
  /** Largest message accepted (default 10 MiB). */
  maxMessageBytes?: number;
  signal?: AbortSignal;
  handlers: WebSocketHandlers;
  /** How a name that does not resolve is told from a machine that reaches nothing (tests inject it). */
  reachability?: ReachabilityProbe;
}

const BODY_LIMIT = 4096;

/** Opens a WebSocket; network and TLS failures throw HttpError (with the diagnosis), a refused upgrade is returned. */
export async function connectWebSocket(url: string, opts: ConnectOptions): Promise<ConnectOutcome> {
  const { WebSocket } = await import('ws');
  const timeoutMs = opts.timeoutMs ?? 15_000;
  const started = Date.now();
  const via = await webSocketProxy(new URL(url));
  const connected = new Promise<ConnectOutcome>((resolve, reject) => {
    let settled = false;
    let closingByUs = false;
    // The proxy's own answer to CONNECT when it would not open the tunnel: not the service's.
    let refusedBy: string | undefined;
    via?.agent.on('proxyConnect', (res: { statusCode?: number; statusText?: string }) => {
      if (res.statusCode !== 200) refusedBy = `HTTP ${res.statusCode ?? '?'}${res.statusText ? ` ${res.statusText}` : ''}`;
    });
    const ws = new WebSocket(url, {
      ...(via ? { agent: via.agent } : {}),
      headers: opts.headers,
      handshakeTimeout: timeoutMs,
      maxPayload: opts.maxMessageBytes ?? 10 * 1024 * 1024,
      perMessageDeflate: false,
    });
    const socket: OpenWebSocket = {
      get isOpen() {
        return ws.readyState === WebSocket.OPEN;
      },
      send: (text) =>
        new Promise<void>((res, rej) => {
          if (ws.readyState !== WebSocket.OPEN) return rej(new Error('the WebSocket is not open'));
          ws.send(text, (err) => (err ? rej(err) : res()));
        }),
      ping: (data) => {
        if (ws.readyState === WebSocket.OPEN) ws.ping(data);
      },
      close: (code = 1000, reason = '') =>
        new Promise<void>((res) => {
          closingByUs = true;
          if (ws.readyState === WebSocket.CLOSED) return res();
          const timer = setTimeout(() => {
            ws.terminate();
            res();
          }, 1000);
          ws.once('close', () => {
            clearTimeout(timer);
            res();
          });
          ws.close(code, reason);
        }),
      terminate: () => {
        closingByUs = true;
        ws.terminate();
      },
    };
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      opts.signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = () => {
      closingByUs = true;
      ws.terminate();
      settle(() => reject(new HttpError('aborted', url, `Connecting to ${new URL(url).host} was cancelled.`, undefined, Date.now() - started)));
    };
    if (opts.signal?.aborted) return onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    ws.on('unexpected-response', (req: ClientRequest, res: IncomingMessage) => {
      if (via && refusedBy) {
        req.destroy();
        const host = new URL(url).host;
        settle(() =>
          reject(
            new HttpError(
              'other',
              url,
              `The proxy ${showProxy(via.proxy)} would not connect to ${host} (${refusedBy}).`,
              res.statusCode === 407
                ? 'The proxy wants credentials: put them in the proxy URL (HTTPS_PROXY=http://user:password@proxy:port).'
                : 'The proxy refuses or cannot reach that host: ask whoever runs it, or list the host in NO_PROXY if it is reachable directly.',
              Date.now() - started,
            ),
          ),
        );
        return;
      }
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        if (body.length < BODY_LIMIT) body += chunk;
      });
      const done = () => {
        req.destroy();
        settle(() => resolve({ ok: false, status: res.statusCode ?? 0, body: body.slice(0, BODY_LIMIT) }));
      };
      res.on('end', done);
      res.on('error', done);
      res.on('aborted', done);
    });
    ws.on('error', (err: Error) => {
      // Before the upgrade: the connection failed. After it, 'close' follows and reports the drop.
      if (!settled) {
        const msg = err.message ?? '';
        const e = /Opening handshake has timed out/i.test(msg)
          ? new HttpError('timeout', url, `${new URL(url).host} did not complete the WebSocket handshake within ${timeoutMs} ms.`, 'Check the network path; a proxy that does not pass WebSockets also looks like this.', Date.now() - started, err)
          : diagnose(err, url, Date.now() - started, timeoutMs, via?.proxy);
        settle(() => reject(e));
      }
    });
    ws.on('message', (data, isBinary) => {
      const text = isBinary ? Buffer.from(data as Buffer).toString('utf8') : data.toString();
      opts.handlers.onMessage(text, socket);
    });
    ws.on('pong', () => opts.handlers.onPong?.());
    ws.on('close', (code: number, reason: Buffer) => {
      if (!settled) {
        settle(() => reject(new HttpError('reset', url, `${new URL(url).host} closed the connection during the WebSocket handshake (code ${code}).`, undefined, Date.now() - started)));
        return;
      }
      opts.handlers.onClose({ code, reason: reason.toString('utf8'), byUs: closingByUs });
    });
    ws.on('open', () => {
      settle(() => resolve({ ok: true, socket }));
    });
  });
  try {
    return await connected;
  } catch (err) {
    // As for HTTP requests: a name that does not resolve on a machine that reaches nothing is not a typo.
    throw err instanceof HttpError && !via ? await explainUnreachable(err, { ...(opts.reachability ? { reachability: opts.reachability } : {}) }) : err;
  }
}
