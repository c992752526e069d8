/** Request envelopes and a userinfo endpoint for the tests, on 127.0.0.1 only. */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import type { RequestEnvelope, ResponseEnvelope } from 'ask-sdk-model';
import type { Logger } from '../src/skill';

export const SKILL_ID = 'amzn1.ask.skill.00000000-0000-0000-0000-000000000000';

export interface EnvelopeOptions {
  intent?: string;
  requestType?: string;
  accessToken?: string;
  locale?: string;
}

/**
 * A request envelope as Alexa sends it. `accessToken` goes where Alexa puts the linked
 * account's token: context.System.user and session.user.
 */
export function buildEnvelope({ intent, requestType = intent ? 'IntentRequest' : 'LaunchRequest', accessToken, locale = 'en-US' }: EnvelopeOptions = {}): RequestEnvelope {
  const user = { userId: 'amzn1.ask.account.TEST', ...(accessToken ? { accessToken } : {}) };
  const application = { applicationId: SKILL_ID };
  const request: Record<string, unknown> = {
    type: requestType,
    requestId: `amzn1.echo-api.request.${randomUUID()}`,
    timestamp: new Date().toISOString(),
    locale,
  };
  if (requestType === 'IntentRequest') request.intent = { name: intent, confirmationStatus: 'NONE', slots: {} };
  if (requestType === 'SessionEndedRequest') request.reason = 'USER_INITIATED';
  return {
    version: '1.0',
    session: { new: true, sessionId: `amzn1.echo-api.session.${randomUUID()}`, application, user, attributes: {} },
    context: {
      System: {
        application,
        user,
        device: { deviceId: 'amzn1.ask.device.TEST', supportedInterfaces: {} },
        apiEndpoint: 'https://api.amazonalexa.com',
      },
    },
    request: request as unknown as RequestEnvelope['request'],
  };
}

export interface UserinfoServer {
  url: string;
  requests: { method?: string; url?: string; authorization?: string }[];
  close(): Promise<void>;
}

/** A userinfo endpoint: `respond` answers each request; `requests` records the Authorization headers it saw. */
export async function startUserinfoServer(respond: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<UserinfoServer> {
  const requests: UserinfoServer['requests'] = [];
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method, url: req.url, authorization: req.headers.authorization });
    respond(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/userinfo`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export function json(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** A console that records what the skill logs, to check that no token is ever written. */
export function recordingLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const record = (message: string) => {
    lines.push(message);
  };
  return { lines, log: record, warn: record, error: record };
}

export function speechOf(responseEnvelope: ResponseEnvelope): string {
  const speech = responseEnvelope.response.outputSpeech;
  if (!speech) return '';
  return speech.type === 'SSML' ? speech.ssml : speech.text;
}
