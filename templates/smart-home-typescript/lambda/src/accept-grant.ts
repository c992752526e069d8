/**
 * Alexa.Authorization AcceptGrant: Alexa sends it after a user links an account, when the skill
 * has "Send Alexa Events" on. It carries an authorization code for the Alexa event gateway
 * (directive.payload.grant) and the user's access token from your provider
 * (directive.payload.grantee). Answer AcceptGrant.Response, or an ErrorResponse of type
 * ACCEPT_GRANT_FAILED; anything else (or no answer within 8 s) and linking fails for the user.
 */
import type { SkillConfig } from './config';
import type { Directive } from './messages';

/** What is wrong with the directive's payload, or undefined when its shape is right. */
export function grantShapeProblem(payload: Directive['payload']): string | undefined {
  const grant = payload?.grant;
  const grantee = payload?.grantee;
  if (!grant || typeof grant !== 'object') return 'directive.payload.grant is missing';
  if (grant.type !== 'OAuth2.AuthorizationCode') return `directive.payload.grant.type is ${JSON.stringify(grant.type)}, not "OAuth2.AuthorizationCode"`;
  if (typeof grant.code !== 'string' || grant.code === '') return 'directive.payload.grant.code is missing';
  if (!grantee || typeof grantee !== 'object') return 'directive.payload.grantee is missing';
  if (grantee.type !== 'BearerToken') return `directive.payload.grantee.type is ${JSON.stringify(grantee.type)}, not "BearerToken"`;
  if (typeof grantee.token !== 'string' || grantee.token === '') return 'directive.payload.grantee.token is missing';
  return undefined;
}

export interface GatewayTokens {
  accessToken: string;
  refreshToken: string;
  expiresAt: number;
}

export type ExchangeResult = { status: 'ok'; tokens: GatewayTokens } | { status: 'refused'; reason: string };

/**
 * OPTIONAL STEP: exchange the grant code at Login with Amazon for the tokens that let this skill
 * send events (ChangeReport, asynchronous responses) to the Alexa event gateway for this user.
 * It runs only when ALEXA_CLIENT_ID and ALEXA_CLIENT_SECRET are set. A refusal's reason never
 * contains a secret.
 */
export async function exchangeGrantCode(code: string, config: SkillConfig, { fetchImpl = globalThis.fetch }: { fetchImpl?: typeof fetch } = {}): Promise<ExchangeResult> {
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    client_id: config.alexaClientId,
    client_secret: config.alexaClientSecret,
  });
  let response: Response;
  try {
    response = await fetchImpl(config.lwaTokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded;charset=UTF-8', Accept: 'application/json' },
      body: body.toString(),
      signal: AbortSignal.timeout(config.lwaTimeoutMs),
    });
  } catch (err) {
    const e = err as { name?: string; message?: string; cause?: { code?: string } } | undefined;
    if (e && (e.name === 'TimeoutError' || e.name === 'AbortError')) {
      return { status: 'refused', reason: `Login with Amazon did not answer within ${config.lwaTimeoutMs} ms` };
    }
    return { status: 'refused', reason: `Login with Amazon could not be reached (${e?.cause?.code || e?.message || 'network error'})` };
  }
  let answer: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = JSON.parse(await response.text());
    answer = parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    answer = undefined;
  }
  if (response.status !== 200) {
    const error = typeof answer?.error === 'string' ? `: ${answer.error}` : '';
    return { status: 'refused', reason: `Login with Amazon refused the grant code (HTTP ${response.status}${error})` };
  }
  if (typeof answer?.access_token !== 'string' || typeof answer.refresh_token !== 'string') {
    return { status: 'refused', reason: 'Login with Amazon answered without access_token and refresh_token' };
  }
  const expiresIn = Number(answer.expires_in);
  return {
    status: 'ok',
    tokens: { accessToken: answer.access_token, refreshToken: answer.refresh_token, expiresAt: Date.now() + (expiresIn > 0 ? expiresIn : 3600) * 1000 },
  };
}

export interface GrantStore {
  save(userId: string, tokens: GatewayTokens): void;
  has(userId: string): boolean;
}

/**
 * Event-gateway tokens per user. Like the switch's state this is only memory: store them in a
 * table (encrypted, keyed by your user ID) so the code that sends ChangeReport events can use and
 * refresh them. Never log them.
 */
export function createGrantStore(): GrantStore {
  const grants = new Map<string, GatewayTokens>();
  return {
    save(userId, tokens) {
      grants.set(userId, tokens);
    },
    has(userId) {
      return grants.has(userId);
    },
  };
}
