import { randomUUID } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import type { CertPair } from './tls.js';

/**
 * A stand-in for Amazon's skill debugging service (src/watch/protocol.ts has the protocol and its
 * sources): a WebSocket server on 127.0.0.1 (TLS with a test certificate, or plain ws:// for
 * in-process tests) that accepts only the documented path and a known access token in a lower-case
 * `authorization` header, sends SkillRequestMessage frames the way the service does, records every
 * answer and checks it against the message shapes, answers pings, can drop a connection and can end
 * sessions after a (shortened) session limit.
 */
export interface DebugStandinOptions {
  skillId: string;
  /** Access tokens the service accepts (the raw value of the authorization header). */
  tokens: string[];
  /** TLS certificate (wss://); without it the stand-in speaks ws://. */
  tls?: CertPair;
  /** Close each session (code 1000) after this long, as the service does after an hour. */
  sessionLimitMs?: number;
  /** The `version` field of request messages. */
  version?: string;
  /** Also accepts tokens this says yes to (tokens a Login with Amazon stand-in issued). */
  accepts?: (token: string) => boolean;
  /** Answer pings (default true); false plays a dead connection. */
  autoPong?: boolean;
}

export interface Upgrade {
  path: string;
  authorization: string | undefined;
  /** How the header name was spelled on the wire. */
  authorizationHeaderName: string | undefined;
  status: number;
  at: number;
}

export interface StandinConnection {
  index: number;
  authorization: string;
  openedAt: number;
  closedAt?: number;
  /** Close code seen by the server, and whether the client closed it. */
  closeCode?: number;
  pings: number;
  socket: WebSocket;
}

export interface RecordedAnswer {
  connection: number;
  raw: string;
  message: Record<string, unknown>;
  /** The parsed responsePayload of a success answer. */
  response?: Record<string, unknown>;
}

export interface DebugStandin {
  /** Base URL for ALEXA_LINK_DEBUG_ENDPOINT. */
  url: string;
  upgrades: Upgrade[];
  connections: StandinConnection[];
  answers: RecordedAnswer[];
  violations(): string[];
  /** Resolves once the n-th connection (1-based) is open. */
  waitForConnection(n: number, timeoutMs?: number): Promise<StandinConnection>;
  /** Sends a request on the newest open connection; resolves with the client's answer. */
  request(envelope: unknown, opts?: { timeoutMs?: number }): Promise<RecordedAnswer>;
  /** Sends a request and does not wait for the answer (it is still recorded). */
  push(envelope: unknown): string;
  /** Sends a raw frame (malformed messages). */
  sendRaw(text: string): void;
  /** Drops the newest connection without a close frame (code 1006 on the client). */
  drop(): void;
  acceptToken(token: string): void;
  revokeToken(token: string): void;
  close(): Promise<void>;
}

export function debugPath(skillId: string): string {
  return `/v1/skills/${encodeURIComponent(skillId)}/stages/development/connectCustomDebugEndpoint`;
}

export async function startDebugStandin(opts: DebugStandinOptions): Promise<DebugStandin> {
  const tokens = new Set(opts.tokens);
  const version = opts.version ?? '1.0';
  const upgrades: Upgrade[] = [];
  const connections: StandinConnection[] = [];
  const answers: RecordedAnswer[] = [];
  const violations: string[] = [];
  /** requestId → what was sent, and who waits for the answer. */
  const sent = new Map<string, { connection: number; waiter?: (a: RecordedAnswer) => void }>();
  const connectionWaiters: Array<{ n: number; resolve: (c: StandinConnection) => void }> = [];
  const timers = new Set<NodeJS.Timeout>();

  const wss = new WebSocketServer({ noServer: true, autoPong: opts.autoPong ?? true });
  const server = opts.tls ? https.createServer({ key: opts.tls.key, cert: opts.tls.cert }) : http.createServer();
  server.on('request', (_req, res) => {
    res.writeHead(426, { 'content-type': 'text/plain' });
    res.end('Upgrade Required');
  });

  const refuse = (socket: Duplex, status: number, body: string) => {
    socket.end(`HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  };

  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const nameIndex = req.rawHeaders.findIndex((h, i) => i % 2 === 0 && h.toLowerCase() === 'authorization');
    const headerName = nameIndex >= 0 ? req.rawHeaders[nameIndex] : undefined;
    const authorization = req.headers.authorization;
    const record: Upgrade = { path, authorization, authorizationHeaderName: headerName, status: 101, at: Date.now() };
    upgrades.push(record);
    if (path !== debugPath(opts.skillId)) {
      record.status = 404;
      violations.push(`upgrade to ${path}: not the debug endpoint of ${opts.skillId}`);
      return refuse(socket, 404, JSON.stringify({ message: 'Not found' }));
    }
    if (headerName !== undefined && headerName !== 'authorization') violations.push(`the authorization header was sent as "${headerName}", not in lower case`);
    if (!authorization || !(tokens.has(authorization) || (opts.accepts?.(authorization) ?? false))) {
      if (authorization && /^Bearer /i.test(authorization)) violations.push('the authorization header carries "Bearer …"; the service expects the access token as is');
      record.status = 401;
      return refuse(socket, 401, JSON.stringify({ message: 'Token is invalid/expired' }));
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      const conn: StandinConnection = { index: connections.length + 1, authorization, openedAt: Date.now(), pings: 0, socket: ws };
      connections.push(conn);
      ws.on('ping', () => conn.pings++);
      ws.on('close', (code) => {
        conn.closedAt = Date.now();
        conn.closeCode = code;
      });
      ws.on('message', (data) => onAnswer(conn, data.toString()));
      if (opts.sessionLimitMs !== undefined) {
        const t = setTimeout(() => {
          timers.delete(t);
          if (ws.readyState === WebSocket.OPEN) ws.close(1000, 'Session expired');
        }, opts.sessionLimitMs);
        timers.add(t);
      }
      for (const w of connectionWaiters.filter((x) => x.n === conn.index)) w.resolve(conn);
    });
  });

  function onAnswer(conn: StandinConnection, raw: string): void {
    let message: Record<string, unknown>;
    try {
      const doc: unknown = JSON.parse(raw);
      if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) throw new Error('not an object');
      message = doc as Record<string, unknown>;
    } catch {
      violations.push(`connection ${conn.index}: an answer that is not a JSON object: ${raw.slice(0, 200)}`);
      return;
    }
    const answer: RecordedAnswer = { connection: conn.index, raw, message };
    const id = message.originalRequestId;
    const entry = typeof id === 'string' ? sent.get(id) : undefined;
    if (!entry) violations.push(`connection ${conn.index}: an answer for an unknown originalRequestId ${String(id)}`);
    if (message.version !== version) violations.push(`answer ${String(id)}: version ${JSON.stringify(message.version)} is not the request's "${version}"`);
    if (message.type === 'SkillResponseSuccessMessage') {
      if (typeof message.responsePayload !== 'string') violations.push(`answer ${String(id)}: responsePayload is not a string`);
      else {
        try {
          const response: unknown = JSON.parse(message.responsePayload);
          if (typeof response !== 'object' || response === null) throw new Error('not an object');
          answer.response = response as Record<string, unknown>;
        } catch {
          violations.push(`answer ${String(id)}: responsePayload is not a JSON object`);
        }
      }
    } else if (message.type === 'SkillResponseFailureMessage') {
      if (typeof message.errorCode !== 'string' || !/^\d{3}$/.test(message.errorCode)) violations.push(`answer ${String(id)}: errorCode ${JSON.stringify(message.errorCode)} is not an HTTP status string`);
      if (typeof message.errorMessage !== 'string') violations.push(`answer ${String(id)}: errorMessage is not a string`);
    } else {
      violations.push(`answer ${String(id)}: unknown type ${JSON.stringify(message.type)}`);
    }
    for (const k of Object.keys(message)) {
      if (!['version', 'type', 'originalRequestId', 'responsePayload', 'errorCode', 'errorMessage'].includes(k)) violations.push(`answer ${String(id)}: unknown field ${k}`);
    }
    answers.push(answer);
    if (entry) {
      sent.delete(id as string);
      entry.waiter?.(answer);
    }
  }

  const newest = (): StandinConnection => {
    const open = connections.filter((c) => c.socket.readyState === WebSocket.OPEN);
    const c = open[open.length - 1];
    if (!c) throw new Error('debug stand-in: no open connection');
    return c;
  };

  const push = (envelope: unknown, waiter?: (a: RecordedAnswer) => void): string => {
    const conn = newest();
    const requestId = randomUUID();
    sent.set(requestId, { connection: conn.index, ...(waiter ? { waiter } : {}) });
    conn.socket.send(JSON.stringify({ version, type: 'SkillRequestMessage', requestId, requestPayload: JSON.stringify(envelope) }));
    return requestId;
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;

  return {
    url: `${opts.tls ? 'wss' : 'ws'}://127.0.0.1:${port}`,
    upgrades,
    connections,
    answers,
    violations: () => [...violations],
    waitForConnection(n, timeoutMs = 20_000) {
      const existing = connections.find((c) => c.index === n);
      if (existing) return Promise.resolve(existing);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`debug stand-in: connection ${n} did not open within ${timeoutMs} ms (upgrades: ${JSON.stringify(upgrades.map((u) => u.status))})`)), timeoutMs);
        connectionWaiters.push({
          n,
          resolve: (c) => {
            clearTimeout(t);
            resolve(c);
          },
        });
      });
    },
    request(envelope, o = {}) {
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error(`debug stand-in: no answer within ${o.timeoutMs ?? 15_000} ms`)), o.timeoutMs ?? 15_000);
        push(envelope, (a) => {
          clearTimeout(t);
          resolve(a);
        });
      });
    },
    push: (envelope) => push(envelope),
    sendRaw(text) {
      newest().socket.send(text);
    },
    drop() {
      newest().socket.terminate();
    },
    acceptToken: (t) => void tokens.add(t),
    revokeToken: (t) => void tokens.delete(t),
    async close() {
      for (const t of timers) clearTimeout(t);
      for (const c of connections) c.socket.terminate();
      wss.close();
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// ─── Request envelopes as the service routes them ─────────────────────────────────────────────

export interface LiveEnvelopeOptions {
  skillId: string;
  accessToken?: string;
  locale?: string;
  /** Without a session object (Alexa omits it for some requests). */
  sessionless?: boolean;
}

function system(o: LiveEnvelopeOptions): Record<string, unknown> {
  const user = { userId: 'amzn1.ask.account.WATCHSTANDINUSER', ...(o.accessToken ? { accessToken: o.accessToken } : {}) };
  return {
    application: { applicationId: o.skillId },
    user,
    device: { deviceId: 'amzn1.ask.device.WATCHSTANDIN', supportedInterfaces: {} },
    apiEndpoint: 'https://api.amazonalexa.com',
    apiAccessToken: 'eyJhbGciOiJSUzI1NiJ9.watch-standin-api-access-token',
  };
}

function envelope(o: LiveEnvelopeOptions, request: Record<string, unknown>, newSession: boolean): Record<string, unknown> {
  const sys = system(o);
  return {
    version: '1.0',
    ...(o.sessionless
      ? {}
      : { session: { new: newSession, sessionId: `amzn1.echo-api.session.${randomUUID()}`, application: sys.application, user: sys.user, attributes: {} } }),
    context: { System: sys },
    request: { requestId: `amzn1.echo-api.request.${randomUUID()}`, timestamp: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'), locale: o.locale ?? 'en-US', ...request },
  };
}

export function liveLaunch(o: LiveEnvelopeOptions): Record<string, unknown> {
  return envelope(o, { type: 'LaunchRequest', shouldLinkResultBeReturned: false }, true);
}

export function liveIntent(o: LiveEnvelopeOptions & { intent: string }): Record<string, unknown> {
  return envelope(o, { type: 'IntentRequest', dialogState: 'STARTED', intent: { name: o.intent, confirmationStatus: 'NONE' } }, false);
}

/** AlexaSkillEvent.SkillAccountLinked: no session; the token in context.System.user and body. */
export function liveAccountLinked(o: LiveEnvelopeOptions & { accessToken: string }): Record<string, unknown> {
  const now = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
  return envelope({ ...o, sessionless: true }, { type: 'AlexaSkillEvent.SkillAccountLinked', body: { accessToken: o.accessToken }, eventCreationTime: now, eventPublishingTime: now }, false);
}
