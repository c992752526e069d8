import { excerpt as cutRedacted } from '../../ui/redact.js';
import http from 'node:http';
import https from 'node:https';
import { header, HttpError, request, type HttpRequest, type HttpResponse } from '../../net/http.js';
import { isLoopbackHost } from '../../linking/rules.js';
import type { Envelope } from '../envelopes.js';
import { isVerificationRejection, type TargetOutcome } from '../verdict.js';
import type { ReplayTarget } from './types.js';

/**
 * `--endpoint <url>`: POSTs each envelope as Alexa would (without Alexa's signature, which only
 * Alexa can make). A 400 from a verifying endpoint is explained as signature or timestamp
 * verification, with the way out.
 */
export interface EndpointTargetOptions {
  timeoutMs: number;
  /** Extra trusted CA (tests); users set NODE_EXTRA_CA_CERTS. */
  ca?: string | Buffer;
  /** How to turn verification off on this endpoint, when known (the scaffolded runner's switch). */
  verificationSwitch?: string;
  /** Injectable for tests; defaults to src/net/http.ts request(). */
  http?: (req: HttpRequest) => Promise<HttpResponse>;
  trace?: (line: string) => void;
}

const EXCERPT = 300;

function excerpt(body: string): string {
  // Redacted before it is cut short, so a token straddling the cut cannot show even in part.
  return cutRedacted(body.replace(/\s+/g, ' ').trim(), EXCERPT);
}

export const DEFAULT_VERIFICATION_SWITCH =
  "turn request verification off in the skill's local server for replays (in a skill scaffolded by alexa-link init: see its README)";

export function explainVerification(kind: 'signature' | 'timestamp', status: number, body: string, verificationSwitch: string): string {
  if (kind === 'timestamp') {
    return (
      `The endpoint answered ${status} "${excerpt(body)}": it verifies request.timestamp. alexa-link sets a fresh timestamp on every replay, so the endpoint's clock is off by more than 150 s, or it checks a different field.` +
      ` Fix the server clock, or ${verificationSwitch}.`
    );
  }
  return (
    `The endpoint answered ${status} "${excerpt(body)}": it verifies Alexa's request signature (SignatureCertChainUrl and Signature-256 headers), and only Alexa can sign a request.` +
    ` That is right for production; for a direct replay ${verificationSwitch}, or replay through Alexa with --smapi (SMAPI skill invocation signs the request).`
  );
}

export class EndpointTarget implements ReplayTarget {
  readonly name = 'the endpoint';
  readonly description: string;
  readonly usesNetwork: boolean;
  private readonly url: string;
  private readonly opts: EndpointTargetOptions;
  /** One keep-alive pool for all replays to this endpoint (throughput: no handshake per envelope). */
  private readonly agent: http.Agent;

  constructor(url: string, opts: EndpointTargetOptions) {
    this.url = url;
    this.opts = opts;
    this.description = `endpoint ${url}`;
    let host = '';
    try {
      host = new URL(url).hostname;
    } catch {
      host = '';
    }
    this.usesNetwork = !isLoopbackHost(host);
    const agentOptions = { keepAlive: true, maxSockets: 64 };
    this.agent = url.startsWith('https:') ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
  }

  async send(envelope: Envelope, signal?: AbortSignal): Promise<TargetOutcome> {
    const body = JSON.stringify(envelope);
    const started = Date.now();
    let res: HttpResponse;
    try {
      const req: HttpRequest = {
        url: this.url,
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', accept: 'application/json', 'user-agent': 'alexa-link-doctor' },
        body,
        timeoutMs: this.opts.timeoutMs,
        maxBodyBytes: 1024 * 1024,
        agent: this.agent,
      };
      if (this.opts.ca) req.ca = this.opts.ca;
      if (signal) req.signal = signal;
      if (this.opts.trace) req.trace = this.opts.trace;
      res = await (this.opts.http ?? request)(req);
    } catch (err) {
      const latencyMs = Date.now() - started;
      if (err instanceof HttpError) {
        const kind = err.kind === 'timeout' ? 'timeout' : 'network';
        const hint = err.kind.startsWith('tls-') ? `${err.hint ?? ''} For a development certificate, trust it with NODE_EXTRA_CA_CERTS=<cert.pem>.`.trim() : err.hint;
        return { status: null, latencyMs, error: { kind, message: err.kind === 'timeout' ? `${err.message} Alexa gives up on a skill after 8 s.` : err.message, ...(hint ? { hint } : {}) } };
      }
      throw err;
    }
    const latencyMs = res.ms;
    const verification = isVerificationRejection(res.status, res.body);
    if (verification) {
      return {
        status: res.status,
        latencyMs,
        bodyExcerpt: excerpt(res.body),
        error: { kind: 'verification', message: explainVerification(verification, res.status, res.body, this.opts.verificationSwitch ?? DEFAULT_VERIFICATION_SWITCH) },
      };
    }
    if (res.status >= 300 && res.status < 400) {
      const location = header(res, 'location');
      return {
        status: res.status,
        latencyMs,
        bodyExcerpt: excerpt(res.body),
        error: {
          kind: 'http',
          message: `The endpoint answered HTTP ${res.status}, a redirect${location ? ` to ${location}` : ''}, instead of a skill response. Point the skill endpoint at the final URL.`,
        },
      };
    }
    if (res.status < 200 || res.status >= 300) {
      return {
        status: res.status,
        latencyMs,
        bodyExcerpt: excerpt(res.body),
        error: {
          kind: 'http',
          message: `The endpoint answered HTTP ${res.status}${res.body.trim() ? `: ${excerpt(res.body)}` : ''}.${res.status >= 500 ? ' The skill failed while handling the request: look at its logs.' : ''}`,
        },
      };
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(res.body);
    } catch {
      return {
        status: res.status,
        latencyMs,
        bodyExcerpt: excerpt(res.body),
        error: { kind: 'not-json', message: `The endpoint answered ${res.status} with a body that is not JSON${res.body.trim() ? ` ("${excerpt(res.body).slice(0, 80)}")` : ' (empty)'}; Alexa expects a JSON skill response.` },
      };
    }
    return { status: res.status, latencyMs, response: parsed };
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }
}
