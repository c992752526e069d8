/** Directives as Alexa sends them, and small HTTP servers on 127.0.0.1 for the tests. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { Directive, DirectiveEvent } from '../src/messages';
import type { Logger } from '../src/smart-home';

export const ENDPOINT_ID = 'virtual-switch-1';

export interface DirectiveOptions {
  namespace: string;
  name: string;
  token?: string;
  endpointId?: string;
  correlationToken?: string;
  code?: string;
  /** Put the token somewhere else, to test a skill that looks in the wrong place. */
  tokenAt?: 'grantee' | 'payload' | 'endpoint';
  payloadVersion?: string;
}

/**
 * A Smart Home API v3 directive. The token goes where Alexa puts it for that directive:
 * payload.grantee (AcceptGrant), payload.scope (Discover), endpoint.scope (everything else).
 */
export function buildDirective(o: DirectiveOptions): DirectiveEvent {
  const { namespace, name, token, endpointId = ENDPOINT_ID, correlationToken = `corr-${randomUUID()}`, code = 'grant-code-123', payloadVersion = '3' } = o;
  const directive: Directive = { header: { namespace, name, messageId: randomUUID(), payloadVersion }, payload: {} };
  const scope = token === undefined ? undefined : { type: 'BearerToken', token };
  const place = o.tokenAt ?? (name === 'AcceptGrant' ? 'grantee' : name === 'Discover' ? 'payload' : 'endpoint');
  if (name === 'AcceptGrant') {
    directive.payload!.grant = { type: 'OAuth2.AuthorizationCode', code };
    if (place === 'grantee' && scope) directive.payload!.grantee = scope;
  } else if (name !== 'Discover') {
    directive.header.correlationToken = correlationToken;
    directive.endpoint = { endpointId, cookie: {} };
  }
  if (scope && place === 'payload') directive.payload!.scope = scope;
  if (scope && place === 'endpoint') directive.endpoint = { ...(directive.endpoint ?? { endpointId }), scope };
  return { directive };
}

type Extra = Partial<DirectiveOptions>;
export const discover = (token?: string, extra: Extra = {}) => buildDirective({ namespace: 'Alexa.Discovery', name: 'Discover', token, ...extra });
export const acceptGrant = (token?: string, extra: Extra = {}) => buildDirective({ namespace: 'Alexa.Authorization', name: 'AcceptGrant', token, ...extra });
export const turnOn = (token?: string, extra: Extra = {}) => buildDirective({ namespace: 'Alexa.PowerController', name: 'TurnOn', token, ...extra });
export const turnOff = (token?: string, extra: Extra = {}) => buildDirective({ namespace: 'Alexa.PowerController', name: 'TurnOff', token, ...extra });
export const reportState = (token?: string, extra: Extra = {}) => buildDirective({ namespace: 'Alexa', name: 'ReportState', token, ...extra });

export interface RecordedRequest {
  method?: string;
  url?: string;
  authorization?: string;
  contentType?: string;
  body: string;
}

export type Respond = (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void;

export interface TestServer {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1: `respond(req, res, body)` answers; `requests` records what came. */
export async function startServer(respond: Respond): Promise<TestServer> {
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      requests.push({ method: req.method, url: req.url, authorization: req.headers.authorization, contentType: req.headers['content-type'], body });
      respond(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function json(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** A console that records what the skill logs, to check that no token is ever written. */
export function recordingLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const record = (...args: unknown[]) => {
    lines.push(args.join(' '));
  };
  return { lines, log: record, warn: record, error: record };
}
