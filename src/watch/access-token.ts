import { AlexaLinkError } from '../errors.js';
import { request as httpRequest, type HttpRequest, type HttpResponse } from '../net/http.js';
import { isObject } from '../project/json-file.js';
import type { SmapiCredentials } from '../smapi/credentials.js';

/**
 * The developer's Login with Amazon access token for the debugging service, from the same
 * credentials as configure (src/smapi/credentials.ts): ASK_ACCESS_TOKEN, the ASK CLI profile's
 * access token while unexpired, or a refresh token with the user's own LWA client, exchanged here.
 * An expired token is replaced by going through the credential chain again: the environment and
 * ~/.ask/cli_config are read anew (the ASK CLI may have refreshed its profile since), and a
 * refresh token is exchanged for a fresh access token.
 */
export interface AccessToken {
  value: string;
  /** When it stops working, if known. */
  expiresAt?: Date;
}

export interface AccessTokenSource {
  /** A token that is not known to be expired. */
  current(): Promise<AccessToken>;
  /** A new token through the credential chain (after a 401, or before a new session). */
  renew(): Promise<AccessToken>;
  /** Where the token comes from, for messages. */
  describe(): string;
}

export interface AccessTokenDeps {
  loadCredentials(): Promise<SmapiCredentials>;
  http?: (req: HttpRequest) => Promise<HttpResponse>;
  addSecret?: (value: string) => void;
  now?: () => Date;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** A token this close to its expiry is renewed before it is used to open a session. */
export const RENEW_SKEW_MS = 5 * 60_000;

export class AccessTokenError extends AlexaLinkError {
  constructor(message: string, hint: string) {
    super(message, { code: 'E_ACCESS_TOKEN', hint, exitCode: 1 });
  }
}

/** Exchanges a refresh token at Login with Amazon (form-encoded, as the LWA docs show). */
export async function exchangeRefreshToken(
  creds: SmapiCredentials & { auth: { kind: 'refresh-token' } },
  deps: Pick<AccessTokenDeps, 'http' | 'addSecret' | 'now' | 'timeoutMs' | 'signal'>,
): Promise<AccessToken> {
  const send = deps.http ?? httpRequest;
  const url = `${creds.endpoints.lwa}/auth/o2/token`;
  const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: creds.auth.refreshToken, client_id: creds.auth.clientId, client_secret: creds.auth.clientSecret }).toString();
  const res = await send({
    url,
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body,
    timeoutMs: deps.timeoutMs ?? 15_000,
    ...(deps.signal ? { signal: deps.signal } : {}),
  });
  let doc: unknown;
  try {
    doc = JSON.parse(res.body);
  } catch {
    doc = undefined;
  }
  const fields = isObject(doc) ? doc : {};
  if (res.status !== 200 || typeof fields.access_token !== 'string' || fields.access_token === '') {
    const error = typeof fields.error === 'string' ? fields.error : `HTTP ${res.status}`;
    const description = typeof fields.error_description === 'string' ? `: ${fields.error_description}` : '';
    throw new AccessTokenError(
      `Login with Amazon did not renew the access token (${error}${description}).`,
      error === 'invalid_grant'
        ? 'The refresh token is revoked, expired or belongs to another Login with Amazon client: mint a new one for ASK_LWA_CLIENT_ID (ask util generate-lwa-tokens --client-id … --client-confirmation … --scopes "alexa::ask:skills:debug …").'
        : error === 'invalid_client'
          ? 'ASK_LWA_CLIENT_ID / ASK_LWA_CLIENT_CONFIRMATION are not accepted by Login with Amazon.'
          : `Check the network path to ${creds.endpoints.lwa}.`,
    );
  }
  deps.addSecret?.(fields.access_token);
  const now = (deps.now ?? (() => new Date()))();
  const seconds = typeof fields.expires_in === 'number' && fields.expires_in > 0 ? fields.expires_in : 3600;
  return { value: fields.access_token, expiresAt: new Date(now.getTime() + seconds * 1000) };
}

async function fromCredentials(creds: SmapiCredentials, deps: AccessTokenDeps): Promise<AccessToken> {
  for (const s of creds.secrets) deps.addSecret?.(s);
  if (creds.auth.kind === 'access-token') {
    const expiresAt = creds.auth.expiresAt ? new Date(creds.auth.expiresAt) : undefined;
    return { value: creds.auth.accessToken, ...(expiresAt && !Number.isNaN(expiresAt.getTime()) ? { expiresAt } : {}) };
  }
  return exchangeRefreshToken(creds as SmapiCredentials & { auth: { kind: 'refresh-token' } }, deps);
}

export function createAccessTokenSource(deps: AccessTokenDeps): AccessTokenSource {
  const now = deps.now ?? (() => new Date());
  let token: AccessToken | undefined;
  let description = 'the SMAPI credentials';
  const renew = async (): Promise<AccessToken> => {
    const creds = await deps.loadCredentials();
    description = creds.description;
    token = await fromCredentials(creds, deps);
    return token;
  };
  return {
    async current() {
      if (token && (!token.expiresAt || token.expiresAt.getTime() - RENEW_SKEW_MS > now().getTime())) return token;
      return renew();
    },
    renew,
    describe: () => description,
  };
}
