import { AlexaLinkError, NetworkError } from '../errors.js';
import type { CredentialSource } from './credentials.js';

/**
 * SMAPI failures as errors a developer can act on. The SDK throws a plain Error named
 * "ServiceError" with statusCode, headers and the parsed body (`response`), a SyntaxError for
 * non-JSON bodies, and re-throws ApiClient failures with "Call to service failed: " prefixed.
 */
export interface SdkServiceError extends Error {
  name: 'ServiceError';
  statusCode: number;
  headers?: Array<{ key: string; value: string }>;
  response?: unknown;
}

export function isSdkServiceError(err: unknown): err is SdkServiceError {
  return err instanceof Error && err.name === 'ServiceError' && typeof (err as { statusCode?: unknown }).statusCode === 'number';
}

/** A failed SMAPI (or Login with Amazon) call, with SMAPI's own words. */
export class SmapiError extends AlexaLinkError {
  readonly status: number | undefined;
  readonly smapiMessage: string | undefined;
  readonly violations: string[];
  readonly operation: string;
  constructor(message: string, opts: { code: string; hint?: string | undefined; status?: number | undefined; smapiMessage?: string | undefined; violations?: string[]; operation: string; cause?: unknown }) {
    super(message, { code: opts.code, hint: opts.hint, exitCode: 1, cause: opts.cause });
    this.status = opts.status;
    this.smapiMessage = opts.smapiMessage;
    this.violations = opts.violations ?? [];
    this.operation = opts.operation;
  }
}

/** A body that is not the JSON SMAPI promises (an HTML error page from a proxy, say). */
export class SmapiBadResponseError extends NetworkError {
  readonly status: number;
  constructor(status: number, url: string, contentType: string | undefined, snippet: string) {
    super(`${hostOf(url)} answered HTTP ${status} with ${contentType ? `"${contentType}"` : 'a body'} that is not JSON: ${JSON.stringify(snippet)}.`, {
      code: 'E_SMAPI_NOT_JSON',
      hint: 'Check ASK_SMAPI_SERVER_BASE_URL / ASK_LWA_TOKEN_HOST and any proxy between you and Amazon.',
    });
    this.status = status;
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** Context for messages: what was being done, to which skill and stage, with which credentials. */
export interface SmapiCallContext {
  /** e.g. "read the account-linking configuration" */
  action: string;
  skillId?: string | undefined;
  stage?: string | undefined;
  credentialSource?: CredentialSource | undefined;
  credentialDescription?: string | undefined;
  /** Extra words for a 404 ("no account linking is configured yet"). */
  notFound?: string | undefined;
  /** The Login with Amazon base URL (ASK_LWA_TOKEN_HOST), to name it when it fails. */
  lwaEndpoint?: string | undefined;
}

/** The attempt count our ApiClient adds to the headers it hands the SDK. */
export const ATTEMPTS_HEADER = 'x-alexa-link-attempts';
/** Which peer answered ("smapi" or "lwa"), added by our ApiClient too: the SDK's errors do not say. */
export const PEER_HEADER = 'x-alexa-link-peer';

function attemptsOf(headers: Array<{ key: string; value: string }> | undefined): number {
  const v = headers?.find((h) => h.key === ATTEMPTS_HEADER)?.value;
  const n = Number(v);
  return Number.isFinite(n) && n > 0 ? n : 1;
}

/** SMAPI's message and every violations[].message from an error body. */
export function smapiMessages(body: unknown): { message: string | undefined; violations: string[] } {
  if (typeof body !== 'object' || body === null) return { message: typeof body === 'string' && body ? body : undefined, violations: [] };
  const b = body as Record<string, unknown>;
  const message = typeof b.message === 'string' ? b.message : typeof b.error_description === 'string' ? b.error_description : undefined;
  const violations: string[] = [];
  if (Array.isArray(b.violations)) {
    for (const v of b.violations) {
      if (typeof v === 'object' && v !== null && typeof (v as { message?: unknown }).message === 'string') violations.push((v as { message: string }).message);
      else if (typeof v === 'string') violations.push(v);
    }
  }
  return { message, violations };
}

function target(ctx: SmapiCallContext): string {
  if (!ctx.skillId) return '';
  return ` for skill ${ctx.skillId}${ctx.stage ? ` (stage ${ctx.stage})` : ''}`;
}

function refreshHint(ctx: SmapiCallContext): string {
  if (ctx.credentialSource === 'cli_config') {
    return 'The ASK CLI token may have expired or been revoked: run any `ask` command (e.g. `ask smapi get-vendor-list`) to refresh ~/.ask/cli_config, or `ask configure` to sign in again; then rerun.';
  }
  if (ctx.credentialSource === 'environment') {
    return 'Set ASK_ACCESS_TOKEN to a fresh token (they live one hour), or use ASK_REFRESH_TOKEN with ASK_LWA_CLIENT_ID and ASK_LWA_CLIENT_CONFIRMATION so alexa-link refreshes it itself.';
  }
  return 'Refresh your SMAPI credentials (`ask configure`, or ASK_ACCESS_TOKEN / ASK_REFRESH_TOKEN) and rerun.';
}

function withDetails(head: string, message: string | undefined, violations: string[]): string {
  const lines = [head];
  if (message) lines[0] = `${head} SMAPI says: ${message}`;
  for (const v of violations) lines.push(`  - ${v}`);
  return lines.join('\n');
}

function isLwaCall(err: SdkServiceError): boolean {
  if (err.headers?.some((h) => h.key === PEER_HEADER && h.value === 'lwa')) return true;
  const body = err.response;
  return typeof body === 'object' && body !== null && typeof (body as { error?: unknown }).error === 'string';
}

function lwaOAuthError(body: unknown): { error: string; error_description?: string } | undefined {
  if (typeof body !== 'object' || body === null || typeof (body as { error?: unknown }).error !== 'string') return undefined;
  // Only a string description is quoted: anything else from the wire ({"toString": 1}) cannot be
  // turned into text safely.
  const description = (body as { error_description?: unknown }).error_description;
  return { error: (body as { error: string }).error, ...(typeof description === 'string' ? { error_description: description } : {}) };
}

/** A Login with Amazon answer that is neither tokens nor an OAuth error: throttling, a failure, a redirect. */
function lwaStatusError(err: SdkServiceError, ctx: SmapiCallContext, base: Omit<ConstructorParameters<typeof SmapiError>[1], 'code'>): SmapiError {
  const status = err.statusCode;
  const attempts = attemptsOf(err.headers);
  const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
  const where = `Login with Amazon${ctx.lwaEndpoint ? ` (${hostOf(ctx.lwaEndpoint)}, ASK_LWA_TOKEN_HOST)` : ''}`;
  const head = `Could not ${ctx.action}${target(ctx)}: the SMAPI access token could not be refreshed.`;
  if (status === 429) {
    return new SmapiError(`${head} ${where} is throttling token requests (429)${tries}.`, { ...base, code: 'E_LWA_THROTTLED', hint: 'Wait a minute and rerun.' });
  }
  if (status >= 500) {
    return new SmapiError(`${head} ${where} failed with HTTP ${status}${tries}.`, { ...base, code: 'E_LWA_SERVER', hint: 'An error on Amazon\'s side; try again later.' });
  }
  if (status >= 300 && status < 400) {
    const location = err.headers?.find((h) => h.key === 'location')?.value;
    return new SmapiError(`${head} ${where} answered HTTP ${status}, a redirect${location ? ` to ${location}` : ''}, instead of a token.`, {
      ...base,
      code: 'E_LWA_HTTP',
      hint: 'Check ASK_LWA_TOKEN_HOST: it must be the Login with Amazon host itself (https://api.amazon.com), not a proxy or a page that redirects.',
    });
  }
  return new SmapiError(`${head} ${where} answered HTTP ${status} without a token or an OAuth error.`, { ...base, code: 'E_LWA_HTTP', hint: 'Check ASK_LWA_TOKEN_HOST and any proxy between you and Amazon.' });
}

/** Turns anything an SMAPI call threw into a typed error with a useful message. */
export function toSmapiError(err: unknown, ctx: SmapiCallContext): AlexaLinkError {
  if (err instanceof SmapiError) return err;
  if (err instanceof AlexaLinkError) {
    // Thrown by our ApiClient (http.ts's network diagnosis, a non-JSON answer, Ctrl-C); the SDK
    // prefixed "Call to service failed: " to the message. Keep the diagnosis as it was.
    err.message = err.message.replace(/^(Call to service failed: )+/, '');
    return err;
  }
  if (isSdkServiceError(err)) {
    const status = err.statusCode;
    const attempts = attemptsOf(err.headers);
    const { message, violations } = smapiMessages(err.response);
    const base = { status, smapiMessage: message, violations, operation: ctx.action, cause: err };
    if (isLwaCall(err)) {
      const body = lwaOAuthError(err.response);
      if (!body) return lwaStatusError(err, ctx, base);
      return new SmapiError(
        `Login with Amazon refused to issue an SMAPI access token (HTTP ${status} ${body.error}${body.error_description ? `: ${body.error_description}` : ''}).`,
        {
          ...base,
          code: 'E_LWA_REFRESH',
          hint:
            body.error === 'invalid_client'
              ? 'ASK_LWA_CLIENT_ID / ASK_LWA_CLIENT_CONFIRMATION are wrong: copy them again from your Login with Amazon security profile.'
              : 'The refresh token does not belong to ASK_LWA_CLIENT_ID (refresh tokens only work with the client that minted them), or it was revoked. Mint one for your client with `ask util generate-lwa-tokens --client-id <id> --client-confirmation <secret>`.',
        },
      );
    }
    const what = `Could not ${ctx.action}${target(ctx)}:`;
    const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
    switch (status) {
      case 400:
        return new SmapiError(withDetails(`${what} SMAPI rejected the request (400).`, message, violations), {
          ...base,
          code: 'E_SMAPI_BAD_REQUEST',
          hint: 'Fix the fields named above in accountLinking.json and rerun (alexa-link doctor checks them all).',
        });
      case 401:
        return new SmapiError(withDetails(`${what} SMAPI did not accept the credentials (401)${ctx.credentialDescription ? ` from ${ctx.credentialDescription}` : ''}.`, message, violations), {
          ...base,
          code: 'E_SMAPI_UNAUTHORIZED',
          hint: refreshHint(ctx),
        });
      case 403:
        return new SmapiError(withDetails(`${what} SMAPI does not allow this operation (403).`, message, violations), {
          ...base,
          code: 'E_SMAPI_FORBIDDEN',
          hint: `The Amazon developer account behind these credentials must own the skill${ctx.skillId ? ` ${ctx.skillId}` : ''} (check the vendor / --profile), and the token must carry the alexa::ask:skills:readwrite scope.`,
        });
      case 404:
        return new SmapiError(
          withDetails(
            `${what} not found (404)${ctx.notFound ? `: ${ctx.notFound}` : ctx.skillId ? `: there is no skill ${ctx.skillId}${ctx.stage ? ` with a ${ctx.stage} stage` : ''} for this developer account` : ''}.`,
            message,
            violations,
          ),
          {
            ...base,
            code: 'E_SMAPI_NOT_FOUND',
            hint: 'Check the skill ID (--skill-id or .ask/ask-states.json) and that these credentials belong to the vendor that owns it; `ask deploy` creates the skill.',
          },
        );
      case 409:
        return new SmapiError(withDetails(`${what} SMAPI reports a conflict with another request in progress (409).`, message, violations), {
          ...base,
          code: 'E_SMAPI_CONFLICT',
          hint: 'Wait for the other operation (a deployment or simulation) to finish and rerun.',
        });
      case 412:
        return new SmapiError(`${what} the remote configuration changed since alexa-link read it (412 Precondition Failed); nothing was written.`, {
          ...base,
          code: 'E_SMAPI_PRECONDITION',
          hint: 'Someone (the console, another push) changed it in between. Rerun to see the new difference and push again.',
        });
      case 429:
        return new SmapiError(withDetails(`${what} SMAPI is throttling requests (429)${tries}.`, message, violations), {
          ...base,
          code: 'E_SMAPI_THROTTLED',
          hint: 'Wait a minute and rerun; SMAPI limits requests per developer account and API.',
        });
      default:
        if (status >= 500) {
          return new SmapiError(withDetails(`${what} SMAPI failed with HTTP ${status}${tries}.`, message, violations), {
            ...base,
            code: 'E_SMAPI_SERVER',
            hint: 'An error on Amazon\'s side; try again later.',
          });
        }
        if (status >= 300 && status < 400) {
          const location = err.headers?.find((h) => h.key === 'location')?.value;
          return new SmapiError(`${what} SMAPI answered HTTP ${status}, a redirect${location ? ` to ${location}` : ''}, instead of an answer.`, {
            ...base,
            code: 'E_SMAPI_HTTP',
            hint: 'Check ASK_SMAPI_SERVER_BASE_URL: it must be the SMAPI host itself (https://api.amazonalexa.com), not a proxy or a page that redirects.',
          });
        }
        return new SmapiError(withDetails(`${what} SMAPI answered HTTP ${status}.`, message, violations), { ...base, code: 'E_SMAPI_HTTP' });
    }
  }
  if (err instanceof SyntaxError && err.message.startsWith('Failed trying to parse the response body')) {
    return new SmapiError(`Could not ${ctx.action}${target(ctx)}: the answer was not JSON.`, { code: 'E_SMAPI_NOT_JSON', operation: ctx.action, cause: err });
  }
  if (err instanceof Error && /^Required parameter/.test(err.message)) {
    return new SmapiError(`Could not ${ctx.action}: ${err.message}`, { code: 'E_SMAPI_PARAMETER', operation: ctx.action, cause: err });
  }
  return new SmapiError(`Could not ${ctx.action}${target(ctx)}: ${err instanceof Error ? err.message.replace(/^(Call to service failed: )+/, '') : String(err)}`, {
    code: 'E_SMAPI',
    operation: ctx.action,
    cause: err,
  });
}
