import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { AlexaLinkError, CancelledError } from '../errors.js';
import { onCleanup } from '../ui/lifecycle.js';
import { excerpt } from '../ui/redact.js';
import { loopbackRedirectUrl } from './authorize-url.js';

/**
 * The one-shot loopback server that catches the provider's redirect during `alexa-link login`:
 * 127.0.0.1 only, GET /callback only. A callback whose state does not match is refused (and
 * reported) while the server keeps waiting for the right one; the first valid callback (a code, or
 * the provider's error) ends the wait and closes the server; anything after it is refused.
 *
 * An `error` counts only with this login's state: anyone on the machine can reach 127.0.0.1, so an
 * error without it (no state, or another) is a stray error: shown and remembered for the report,
 * but the server keeps waiting for the provider's answer until the timeout.
 */
export type CallbackOutcome =
  | { kind: 'code'; code: string; state: string; url: string; ms: number }
  | { kind: 'error'; error: string; errorDescription?: string; errorUri?: string; state?: string; url: string; ms: number };

export type CallbackRejection = 'wrong-state' | 'stray-error' | 'no-code' | 'second-callback' | 'not-found' | 'method' | 'too-large' | 'bad-host' | 'bad-request';

export interface CallbackEvent {
  rejected: CallbackRejection;
  /** What was wrong, for a warning line. */
  detail: string;
  /** For a stray error: the error it carried (error, and error_description when given). */
  error?: { error: string; errorDescription?: string };
}

/** How a stray error reads in a line: error=access_denied (the description). */
export function describeStrayError(e: { error: string; errorDescription?: string }): string {
  return `error=${excerpt(e.error, 80)}${e.errorDescription ? ` (${excerpt(e.errorDescription, 200)})` : ''}`;
}

/**
 * "2 callbacks with an error but without this login's state were ignored (error=…; error=…)", or
 * '' when there were none: for the callback step and the timeout message.
 */
export function strayErrorNote(events: CallbackEvent[]): string {
  const stray = events.filter((e) => e.rejected === 'stray-error' && e.error);
  if (!stray.length) return '';
  const n = stray.length;
  const shown = stray.slice(0, 3).map((e) => describeStrayError(e.error!));
  return `${n} callback${n === 1 ? '' : 's'} with an error but without this login's state ${n === 1 ? 'was' : 'were'} ignored (${shown.join('; ')}${n > 3 ? '; …' : ''})`;
}

export interface CallbackServerOptions {
  /** 0 picks a free port. */
  port: number;
  expectedState: string;
  /** How long wait() waits for the callback. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** Largest request line + headers accepted (default 8 KiB). */
  maxRequestBytes?: number;
  /** How long the server stays up after the first valid callback (default 1 s), refusing repeats. */
  closeAfterMs?: number;
  /** Called for every refused request (wrong state, second callback, …). */
  onRejected?: (event: CallbackEvent) => void;
}

export interface CallbackServer {
  port: number;
  /** http://127.0.0.1:<port>/callback */
  redirectUri: string;
  /** Resolves with the first valid callback; rejects on timeout (LoginTimeoutError) or abort. */
  wait(): Promise<CallbackOutcome>;
  /** Refused requests so far. */
  rejected: CallbackEvent[];
  close(): Promise<void>;
}

export class LoginTimeoutError extends AlexaLinkError {
  constructor(message: string, hint: string) {
    super(message, { code: 'E_LOGIN_TIMEOUT', hint });
  }
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function page(title: string, message: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>alexa-link: ${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;color:#222}</style>
</head><body><h1>${escapeHtml(title)}</h1><p id="message">${escapeHtml(message)}</p></body></html>
`;
}

function answer(res: http.ServerResponse, status: number, title: string, message: string): void {
  const body = page(title, message);
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
    // The page must not leak the code through the Referer of anything it loads.
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
}

export async function startCallbackServer(opts: CallbackServerOptions): Promise<CallbackServer> {
  const maxBytes = opts.maxRequestBytes ?? 8 * 1024;
  const started = Date.now();
  const rejected: CallbackEvent[] = [];
  let outcome: CallbackOutcome | undefined;
  let settle: { resolve(o: CallbackOutcome): void; reject(e: unknown): void } | undefined;
  const waiting = new Promise<CallbackOutcome>((resolve, reject) => (settle = { resolve, reject }));
  // Handled by whoever calls wait(); avoid an unhandled rejection when nobody does.
  waiting.catch(() => undefined);

  const refuse = (res: http.ServerResponse, status: number, reason: CallbackRejection, title: string, message: string, extra: Pick<CallbackEvent, 'error'> = {}) => {
    const event: CallbackEvent = { rejected: reason, detail: message, ...extra };
    rejected.push(event);
    opts.onRejected?.(event);
    answer(res, status, title, message);
  };

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
    return closing;
  };

  let port = 0;
  const server = http.createServer({ maxHeaderSize: maxBytes }, (req, res) => {
    const host = (req.headers.host ?? '').toLowerCase();
    if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) {
      return refuse(res, 400, 'bad-host', 'Wrong host', `This server only answers requests for 127.0.0.1:${port}.`);
    }
    if ((req.url ?? '').length > maxBytes) {
      return refuse(res, 414, 'too-large', 'Request too large', 'The callback address is too long.');
    }
    // A redirect is a GET without a body; a request that announces one larger than the limit (or
    // streams one of unknown length) is refused before anything in it is looked at.
    const declared = Number(req.headers['content-length'] ?? 0);
    if (!Number.isFinite(declared) || declared > maxBytes || (req.headers['transfer-encoding'] !== undefined && req.method === 'GET')) {
      res.setHeader('connection', 'close');
      return refuse(res, 413, 'too-large', 'Request too large', 'The callback carries a body; a sign-in redirect never does.');
    }
    let url: URL;
    try {
      url = new URL(req.url ?? '/', `http://127.0.0.1:${port}`);
    } catch {
      // e.g. "GET http://[ HTTP/1.1": the parser lets it through, URL does not.
      return refuse(res, 400, 'bad-request', 'Bad request', 'The request address cannot be read.');
    }
    if (url.pathname !== '/callback') {
      return refuse(res, 404, 'not-found', 'Not found', 'alexa-link only serves /callback here.');
    }
    if (req.method !== 'GET') {
      res.setHeader('allow', 'GET');
      return refuse(res, 405, 'method', 'Method not allowed', 'The provider must redirect the browser here with GET.');
    }
    if (outcome) {
      return refuse(res, 409, 'second-callback', 'Already done', 'alexa-link already received the sign-in result; this second callback is ignored.');
    }
    const p = url.searchParams;
    const state = p.get('state');
    const error = p.get('error');
    const code = p.get('code');
    if (error && state !== opts.expectedState) {
      const carried: NonNullable<CallbackEvent['error']> = { error };
      const description = p.get('error_description');
      if (description) carried.errorDescription = description;
      return refuse(
        res,
        400,
        'stray-error',
        'State does not match',
        `Ignored a callback with ${describeStrayError(carried)}: it carries ${state === null ? 'no state' : 'another state'}, so it cannot be matched to this login (anything on this machine can send one). alexa-link is still waiting for the provider's answer.`,
        { error: carried },
      );
    }
    if (state !== opts.expectedState) {
      return refuse(
        res,
        400,
        'wrong-state',
        'State does not match',
        state === null
          ? 'The callback has no state parameter, so it cannot be matched to this login. alexa-link is still waiting for the right one.'
          : 'The state parameter does not match the login alexa-link started (an old tab, or another login). alexa-link is still waiting for the right one.',
      );
    }
    const ms = Date.now() - started;
    if (error) {
      const description = p.get('error_description') ?? undefined;
      const o: CallbackOutcome = { kind: 'error', error, url: url.href, ms };
      if (description) o.errorDescription = description;
      if (p.get('error_uri')) o.errorUri = p.get('error_uri')!;
      if (state !== null) o.state = state;
      outcome = o;
      answer(res, 200, 'Sign-in failed', `The provider answered with an error: ${error}${description ? ` (${description})` : ''}. See the terminal for what to fix.`);
    } else if (code) {
      outcome = { kind: 'code', code, state: state!, url: url.href, ms };
      answer(res, 200, 'Signed in', 'alexa-link received the authorization code and now exchanges it as Alexa would. You can close this tab and return to the terminal.');
    } else {
      return refuse(res, 400, 'no-code', 'No code', 'The callback carries neither a code nor an error.');
    }
    settle?.resolve(outcome);
    // Done: a late or repeated callback meanwhile gets the 409 above; then the server closes.
    setTimeout(() => void close(), opts.closeAfterMs ?? 1000).unref();
  });
  server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy();
    const tooLarge = err.code === 'HPE_HEADER_OVERFLOW';
    if (tooLarge) {
      const event = { rejected: 'too-large' as const, detail: `A request larger than ${maxBytes} bytes was refused.` };
      rejected.push(event);
      opts.onRejected?.(event);
    }
    socket.end(tooLarge ? 'HTTP/1.1 431 Request Header Fields Too Large\r\nConnection: close\r\nContent-Length: 0\r\n\r\n' : 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE') {
        reject(
          new AlexaLinkError(`Port ${opts.port} on 127.0.0.1 is already in use, so the login callback cannot listen there.`, {
            code: 'E_PORT_IN_USE',
            hint: `Stop what uses it, or pass --port <n> and allow http://127.0.0.1:<n>/callback at the provider.`,
          }),
        );
      } else reject(err);
    });
    // 127.0.0.1 only: the callback carries a code and must not be reachable from the network.
    server.listen(opts.port, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const redirectUri = loopbackRedirectUrl(port);

  const disposeCleanup = onCleanup(close);

  const timer = setTimeout(() => {
    const refusedStates = rejected.filter((r) => r.rejected === 'wrong-state').length;
    const notes = [refusedStates ? `${refusedStates} callback${refusedStates === 1 ? '' : 's'} with a wrong state ${refusedStates === 1 ? 'was' : 'were'} refused` : '', strayErrorNote(rejected)].filter(Boolean);
    settle?.reject(
      new LoginTimeoutError(
        `No sign-in result arrived at ${redirectUri} within ${Number((opts.timeoutMs / 1000).toFixed(1))} s${notes.length ? ` (${notes.join('; ')})` : ''}.`,
        'Finish the sign-in in the browser; if the provider showed an error page, allow this redirect URL there. Raise the wait with --timeout <seconds>.',
      ),
    );
  }, opts.timeoutMs);
  const onAbort = () => settle?.reject(new CancelledError('Login cancelled.'));
  if (opts.signal) {
    if (opts.signal.aborted) onAbort();
    else opts.signal.addEventListener('abort', onAbort, { once: true });
  }
  const settled = () => {
    clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
  };
  waiting.then(settled, () => {
    settled();
    void close();
  });

  return {
    port,
    redirectUri,
    rejected,
    wait: () => waiting,
    async close() {
      clearTimeout(timer);
      await disposeCleanup();
      await close();
    },
  };
}
