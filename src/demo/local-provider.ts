import { generateKeyPairSync, randomBytes, type JsonWebKey } from 'node:crypto';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { AccessTokenScheme } from '../linking/config.js';
import { alexaRedirectUrls } from '../linking/redirect-urls.js';

/**
 * A real OAuth 2.0 / OpenID Connect provider (oidc-provider 8) on 127.0.0.1, in-process: the
 * provider behind `alexa-link demo` and the tests. It behaves like the providers Alexa users link
 * against (Cognito, Login with Amazon): authorization code grant, refresh tokens without
 * `offline_access`, userinfo at /me, revocation. Four clients cover the cases Alexa cares about:
 * HTTP Basic, body credentials, one without refresh tokens, one whose access tokens live 300 s
 * (below Alexa's 360 s minimum).
 *
 * oidc-provider is loaded with a dynamic import() only when a provider starts.
 */

export interface DemoUser {
  username: string;
  password: string;
  /** The subject (`sub`) of tokens and userinfo. */
  sub: string;
  name: string;
  givenName: string;
  familyName: string;
  email: string;
}

/** The documented demo account: log in as "ada" with password "lovelace". */
export const DEMO_USER: DemoUser = {
  username: 'ada',
  password: 'lovelace',
  sub: 'user-ada-lovelace',
  name: 'Ada Lovelace',
  givenName: 'Ada',
  familyName: 'Lovelace',
  email: 'ada@example.test',
};

/** The port `alexa-link login` listens on by default; the provider allows its callback. */
export const DEFAULT_LOOPBACK_REDIRECT = 'http://127.0.0.1:9876/callback';
/** A made-up vendor ID whose Alexa redirect URLs the provider allows by default. */
export const DEMO_VENDOR_ID = 'M2DEMOVENDOR1';
export const DEFAULT_SCOPES = ['openid', 'profile', 'email'];

export type LocalClientKind = 'basic' | 'body' | 'noRefresh' | 'shortLived';

export interface LocalClient {
  kind: LocalClientKind;
  clientId: string;
  clientSecret: string;
  /** How Alexa must authenticate at the token endpoint for this client. */
  scheme: AccessTokenScheme;
  issuesRefreshToken: boolean;
  accessTokenLifetimeSeconds: number;
  redirectUris: string[];
  description: string;
}

export interface LocalProviderOptions {
  /** Port on 127.0.0.1; 0 (default) picks a free one. */
  port?: number;
  /** Serve HTTPS with this key and certificate (PEM) instead of HTTP. */
  tls?: { key: string | Buffer; cert: string | Buffer };
  /**
   * Redirect URLs every client allows, besides the defaults (the login loopback callback on port
   * 9876 and Alexa's three redirect URLs for `vendorId`).
   */
  redirectUris?: string[];
  /** Vendor ID for the allowed Alexa redirect URLs (default DEMO_VENDOR_ID). */
  vendorId?: string;
  /**
   * Allow http://127.0.0.1:<any port>/callback (RFC 8252 loopback redirection) so callers can use
   * a random callback port. Real web clients at real providers need the exact URL registered.
   */
  anyLoopbackPort?: boolean;
  users?: DemoUser[];
  /** Access-token lifetime of the normal clients, seconds (default 3600). */
  accessTokenLifetimeSeconds?: number;
  /** Access-token lifetime of the short-lived client, seconds (default 300). */
  shortAccessTokenLifetimeSeconds?: number;
  /**
   * oidc-provider accepts client_secret_basic and client_secret_post interchangeably. Real
   * providers (Okta, Auth0 with its per-application method) refuse the one not registered, which is
   * what makes Alexa's accessTokenScheme matter; so by default the local provider does too.
   * Set true to get oidc-provider's lenient behaviour.
   */
  lenientClientAuth?: boolean;
  /** Show the demo user's name and password on the login page (default true). */
  showDemoCredentials?: boolean;
  /** Called with provider-side errors (server_error events), for debugging. */
  onError?: (err: unknown) => void;
  /**
   * Provider behaviours alexa-link must recognise (tests). Each is oidc-provider's own behaviour,
   * switched on, or a small wrapper around its token endpoint's answer:
   */
  behaviour?: ProviderBehaviour;
}

export interface ProviderBehaviour {
  /** Refuse authorization requests without PKCE (code_challenge, S256), as OAuth 2.1 providers do. */
  pkceRequired?: boolean;
  /**
   * Rotate refresh tokens: every refresh answers a new one and consumes the old. oidc-provider then
   * treats a replayed old one as theft and revokes the whole grant (as Auth0's reuse detection does).
   */
  rotateRefreshTokens?: boolean;
  /** Access tokens as signed JWTs (oidc-provider's resource-server format) instead of opaque strings. */
  jwtAccessTokens?: boolean;
  /**
   * The token endpoint claims this expires_in whatever the access token's real lifetime (a JWT's
   * exp): a provider whose answer and token disagree.
   */
  claimedExpiresIn?: number;
  /**
   * Answer a refresh with an unknown or invalid refresh token with this HTTP status and
   * {"error": "server_error"} instead of RFC 6749's 400 invalid_grant (500: a broken provider
   * that makes Alexa keep retrying a dead link).
   */
  invalidRefreshTokenStatus?: number;
}

/** The resource (API) JWT access tokens are issued for, when behaviour.jwtAccessTokens is on. */
export const JWT_RESOURCE = 'urn:alexa-link:demo-api';

export interface LocalProvider {
  issuer: string;
  authorizationUrl: string;
  tokenUrl: string;
  userinfoUrl: string;
  revocationUrl: string;
  port: number;
  /** Whether it serves HTTPS. */
  secure: boolean;
  clients: Record<LocalClientKind, LocalClient>;
  users: DemoUser[];
  /** Revokes an access or refresh token (userinfo then answers 401 for it). */
  revokeToken(token: string): Promise<boolean>;
  /** Server-side errors seen so far (oidc-provider server_error events). */
  errors: unknown[];
  close(): Promise<void>;
}

/** A per-provider in-memory store (oidc-provider's own memory adapter is process-global and warns). */
interface Entry {
  payload: Record<string, unknown>;
  expiresAt: number | undefined;
}

function createStore() {
  const entries = new Map<string, Entry>();
  const grants = new Map<string, Set<string>>();
  const byUid = new Map<string, string>();
  const byUserCode = new Map<string, string>();
  const live = (key: string): Record<string, unknown> | undefined => {
    const e = entries.get(key);
    if (!e) return undefined;
    if (e.expiresAt !== undefined && e.expiresAt <= Date.now()) {
      entries.delete(key);
      return undefined;
    }
    return e.payload;
  };
  return (model: string) => {
    const key = (id: string) => `${model}:${id}`;
    return {
      async upsert(id: string, payload: Record<string, unknown>, expiresIn: number) {
        entries.set(key(id), { payload, expiresAt: expiresIn ? Date.now() + expiresIn * 1000 : undefined });
        if (model === 'Session' && typeof payload.uid === 'string') byUid.set(payload.uid, id);
        if (typeof payload.userCode === 'string') byUserCode.set(payload.userCode, id);
        if (typeof payload.grantId === 'string') {
          const set = grants.get(payload.grantId) ?? new Set<string>();
          set.add(key(id));
          grants.set(payload.grantId, set);
        }
      },
      async find(id: string) {
        return live(key(id));
      },
      async findByUid(uid: string) {
        const id = byUid.get(uid);
        return id === undefined ? undefined : live(key(id));
      },
      async findByUserCode(userCode: string) {
        const id = byUserCode.get(userCode);
        return id === undefined ? undefined : live(key(id));
      },
      async consume(id: string) {
        const p = live(key(id));
        if (p) p.consumed = Math.floor(Date.now() / 1000);
      },
      async destroy(id: string) {
        entries.delete(key(id));
      },
      async revokeByGrantId(grantId: string) {
        for (const k of grants.get(grantId) ?? []) entries.delete(k);
        grants.delete(grantId);
      },
    };
  };
}

let signingKey: JsonWebKey | undefined;
/** One RSA key per process: generating it costs ~100 ms, and ID tokens need RS256. */
function rsaSigningKey(): JsonWebKey {
  if (!signingKey) {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    signingKey = { ...privateKey.export({ format: 'jwk' }), kid: 'alexa-link-local', use: 'sig', alg: 'RS256' };
  }
  return signingKey;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;max-width:24rem;margin:2rem auto;padding:0 1rem;color:#222}
label{display:block;margin:.75rem 0 .25rem}input{width:100%;padding:.5rem;box-sizing:border-box;font-size:1rem}
button{margin:1rem .5rem 0 0;padding:.5rem 1rem;font-size:1rem}.error{color:#b00020}.hint{color:#555;font-size:.9rem}</style>
</head><body><h1>${escapeHtml(title)}</h1>
${body}
</body></html>
`;
}

function send(res: http.ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(html),
  });
  res.end(html);
}

function sendJson(res: http.ServerResponse, status: number, doc: unknown, headers: Record<string, string> = {}): void {
  const body = JSON.stringify(doc);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

function decodeFormValue(v: string): string {
  try {
    return decodeURIComponent(v.replace(/\+/g, '%20'));
  } catch {
    return v;
  }
}

const MAX_FORM_BYTES = 16 * 1024;

function readForm(req: http.IncomingMessage): Promise<URLSearchParams> {
  return new Promise((resolve, reject) => {
    let size = 0;
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_FORM_BYTES) {
        reject(new Error('form too large'));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(new URLSearchParams(Buffer.concat(chunks).toString('utf8'))));
    req.on('error', reject);
  });
}

function loginForm(uid: string, clientId: string, opts: { error?: string; username?: string; showDemo: boolean; user?: DemoUser }): string {
  return page(
    'Sign in',
    `<p>Sign in to link your account with <strong>${escapeHtml(clientId)}</strong>.</p>
${opts.error ? `<p class="error" role="alert">${escapeHtml(opts.error)}</p>` : ''}
<form method="post" action="/interaction/${encodeURIComponent(uid)}/login" autocomplete="off">
<label for="username">Username</label><input id="username" name="username" required autofocus value="${escapeHtml(opts.username ?? '')}">
<label for="password">Password</label><input id="password" name="password" type="password" required>
<button type="submit" id="sign-in">Sign in</button>
</form>
<form method="post" action="/interaction/${encodeURIComponent(uid)}/abort"><button type="submit" id="cancel">Cancel</button></form>
${opts.showDemo && opts.user ? `<p class="hint">Demo account: <code>${escapeHtml(opts.user.username)}</code> / <code>${escapeHtml(opts.user.password)}</code></p>` : ''}`,
  );
}

function consentForm(uid: string, clientId: string, scopes: string[]): string {
  return page(
    'Allow access?',
    `<p><strong>${escapeHtml(clientId)}</strong> asks for:</p>
<ul>${scopes.map((s) => `<li>${escapeHtml(s)}</li>`).join('')}</ul>
<form method="post" action="/interaction/${encodeURIComponent(uid)}/confirm"><button type="submit" id="allow">Allow</button></form>
<form method="post" action="/interaction/${encodeURIComponent(uid)}/abort"><button type="submit" id="deny">Deny</button></form>`,
  );
}

function listen(server: http.Server | https.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    // 127.0.0.1 only: the provider is never reachable from another interface.
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Starts the provider and resolves once it listens. */
export async function startLocalProvider(opts: LocalProviderOptions = {}): Promise<LocalProvider> {
  const { default: Provider } = await import('oidc-provider');
  const users = opts.users ?? [DEMO_USER];
  const behaviour = opts.behaviour ?? {};
  const secure = Boolean(opts.tls);
  const errors: unknown[] = [];
  let handler: ((req: http.IncomingMessage, res: http.ServerResponse) => void) | undefined;
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse) => {
    if (handler) handler(req, res);
    else send(res, 503, page('Starting', '<p>The provider is starting.</p>'));
  };
  const server = opts.tls ? https.createServer({ key: opts.tls.key, cert: opts.tls.cert }, onRequest) : http.createServer(onRequest);
  const port = await listen(server, opts.port ?? 0);
  const issuer = `${secure ? 'https' : 'http'}://127.0.0.1:${port}`;

  const redirectUris = [...new Set([DEFAULT_LOOPBACK_REDIRECT, ...alexaRedirectUrls(opts.vendorId ?? DEMO_VENDOR_ID), ...(opts.redirectUris ?? [])])];
  const normalTtl = opts.accessTokenLifetimeSeconds ?? 3600;
  const shortTtl = opts.shortAccessTokenLifetimeSeconds ?? 300;
  const secret = () => randomBytes(24).toString('base64url');
  const client = (kind: LocalClientKind, clientId: string, scheme: AccessTokenScheme, refresh: boolean, ttl: number, description: string): LocalClient => ({
    kind,
    clientId,
    clientSecret: secret(),
    scheme,
    issuesRefreshToken: refresh,
    accessTokenLifetimeSeconds: ttl,
    redirectUris,
    description,
  });
  const clients: Record<LocalClientKind, LocalClient> = {
    basic: client('basic', 'alexa-link-basic', 'HTTP_BASIC', true, normalTtl, 'HTTP Basic client authentication, refresh tokens'),
    body: client('body', 'alexa-link-body', 'REQUEST_BODY_CREDENTIALS', true, normalTtl, 'client_id and client_secret in the request body, refresh tokens'),
    noRefresh: client('noRefresh', 'alexa-link-no-refresh', 'HTTP_BASIC', false, normalTtl, 'issues no refresh token (users would be unlinked at expiry)'),
    shortLived: client('shortLived', 'alexa-link-short-lived', 'HTTP_BASIC', true, shortTtl, `access tokens live ${shortTtl} s (Alexa needs at least 360 s)`),
  };
  const byId = new Map(Object.values(clients).map((c) => [c.clientId, c]));

  const provider = new Provider(issuer, {
    adapter: createStore(),
    clients: Object.values(clients).map((c) => ({
      client_id: c.clientId,
      client_secret: c.clientSecret,
      client_name: c.description,
      redirect_uris: c.redirectUris,
      // RFC 8252 loopback redirection ignores the port only for native clients.
      application_type: opts.anyLoopbackPort ? 'native' : 'web',
      grant_types: c.issuesRefreshToken ? ['authorization_code', 'refresh_token'] : ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: c.scheme === 'HTTP_BASIC' ? 'client_secret_basic' : 'client_secret_post',
    })),
    jwks: { keys: [rsaSigningKey()] },
    cookies: {
      keys: [randomBytes(32).toString('base64url')],
      // SameSite=None needs Secure, which browsers refuse over plain HTTP; lax works for both.
      long: { httpOnly: true, sameSite: 'lax', signed: true },
      short: { httpOnly: true, sameSite: 'lax', signed: true },
    },
    scopes: ['openid', 'offline_access', 'profile', 'email'],
    claims: {
      openid: ['sub'],
      profile: ['name', 'given_name', 'family_name'],
      email: ['email', 'email_verified'],
    },
    async findAccount(_ctx: unknown, sub: string) {
      const user = users.find((u) => u.sub === sub);
      if (!user) return undefined;
      return {
        accountId: user.sub,
        claims: () => ({
          sub: user.sub,
          name: user.name,
          given_name: user.givenName,
          family_name: user.familyName,
          email: user.email,
          email_verified: true,
        }),
      };
    },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    features: {
      devInteractions: { enabled: false },
      revocation: { enabled: true },
      introspection: { enabled: true, allowedPolicy: async () => true },
      rpInitiatedLogout: { enabled: false },
      userinfo: { enabled: true },
      ...(behaviour.jwtAccessTokens
        ? {
            resourceIndicators: {
              enabled: true,
              defaultResource: () => JWT_RESOURCE,
              useGrantedResource: () => true,
              getResourceServerInfo: (_ctx: unknown, _resource: string, c: { clientId: string }) => ({
                scope: 'openid profile email',
                audience: JWT_RESOURCE,
                accessTokenFormat: 'jwt',
                accessTokenTTL: byId.get(c.clientId)?.accessTokenLifetimeSeconds ?? normalTtl,
                jwt: { sign: { alg: 'RS256' } },
              }),
            },
          }
        : {}),
    },
    // Alexa sends no PKCE parameters unless PKCE is switched on for the skill; a provider that
    // requires PKCE refuses it then (behaviour.pkceRequired).
    pkce: { methods: ['S256'], required: () => Boolean(behaviour.pkceRequired) },
    // Like Cognito and Login with Amazon: refresh tokens for every client allowed the grant,
    // without offline_access; never for the no-refresh client.
    issueRefreshToken: async (_ctx: unknown, c: { grantTypeAllowed(t: string): boolean }) => c.grantTypeAllowed('refresh_token'),
    expiresWithSession: async () => false,
    rotateRefreshToken: Boolean(behaviour.rotateRefreshTokens),
    clientBasedCORS: () => false,
    ttl: {
      AccessToken: (_ctx: unknown, _token: unknown, c: { clientId: string }) => byId.get(c.clientId)?.accessTokenLifetimeSeconds ?? normalTtl,
      AuthorizationCode: 60,
      ClientCredentials: 600,
      IdToken: 3600,
      RefreshToken: 14 * 24 * 3600,
      Interaction: 3600,
      Session: 24 * 3600,
      Grant: 14 * 24 * 3600,
    },
    async renderError(ctx: { type: string; body: string }, out: Record<string, string>) {
      ctx.type = 'html';
      ctx.body = page(
        'Sign-in error',
        Object.entries(out)
          .map(([k, v]) => `<p><strong>${escapeHtml(k)}</strong>: <span id="${escapeHtml(k)}">${escapeHtml(String(v))}</span></p>`)
          .join('\n'),
      );
    },
  });
  provider.on('server_error', (_ctx: unknown, err: unknown) => {
    errors.push(err);
    opts.onError?.(err);
  });

  const providerCallback = provider.callback();
  const showDemo = opts.showDemoCredentials ?? true;

  const interaction = async (req: http.IncomingMessage, res: http.ServerResponse, uid: string, action: string | undefined) => {
    const details = await provider.interactionDetails(req, res);
    if (details.uid !== uid) {
      send(res, 400, page('Sign-in error', '<p class="error">This sign-in page belongs to another sign-in attempt. Start again from the app.</p>'));
      return;
    }
    const clientId = String(details.params.client_id ?? '');
    if (req.method === 'GET' && action === undefined) {
      if (details.prompt.name === 'login') return send(res, 200, loginForm(uid, clientId, { showDemo, user: users[0] }));
      const scopes = String(details.params.scope ?? '').split(' ').filter(Boolean);
      return send(res, 200, consentForm(uid, clientId, scopes));
    }
    if (req.method !== 'POST') return send(res, 405, page('Not allowed', '<p>Use the form.</p>'));
    const form = await readForm(req);
    if (action === 'login') {
      if (details.prompt.name !== 'login') return send(res, 400, page('Sign-in error', '<p class="error">Already signed in; continue with the consent page.</p>'));
      const username = form.get('username') ?? '';
      const user = users.find((u) => u.username === username && u.password === (form.get('password') ?? ''));
      if (!user) return send(res, 401, loginForm(uid, clientId, { error: 'Wrong username or password.', username, showDemo, user: users[0] }));
      return provider.interactionFinished(req, res, { login: { accountId: user.sub } }, { mergeWithLastSubmission: false });
    }
    if (action === 'confirm') {
      if (details.prompt.name !== 'consent') return send(res, 400, page('Sign-in error', '<p class="error">Sign in first.</p>'));
      const accountId = details.session?.accountId;
      if (!accountId) return send(res, 400, page('Sign-in error', '<p class="error">Sign in first.</p>'));
      const grant = (details.grantId ? await provider.Grant.find(details.grantId) : undefined) ?? new provider.Grant({ accountId, clientId });
      const d = details.prompt.details;
      if (Array.isArray(d.missingOIDCScope)) grant.addOIDCScope(d.missingOIDCScope.join(' '));
      if (Array.isArray(d.missingOIDCClaims)) grant.addOIDCClaims(d.missingOIDCClaims as string[]);
      if (d.missingResourceScopes && typeof d.missingResourceScopes === 'object') {
        for (const [indicator, scopes] of Object.entries(d.missingResourceScopes as Record<string, string[]>)) grant.addResourceScope(indicator, scopes.join(' '));
      }
      const grantId = await grant.save();
      return provider.interactionFinished(req, res, { consent: details.grantId ? {} : { grantId } }, { mergeWithLastSubmission: true });
    }
    if (action === 'abort') {
      return provider.interactionFinished(req, res, { error: 'access_denied', error_description: 'The user cancelled the sign-in.' }, { mergeWithLastSubmission: false });
    }
    send(res, 404, page('Not found', '<p>No such page.</p>'));
  };

  /**
   * The token endpoint's wrapper: unless lenientClientAuth, refuses client credentials sent the
   * other way than the client is registered for; then hands the request (body replayed) to
   * oidc-provider, rewriting its answer where a `behaviour` asks for it.
   */
  const tokenEndpoint = async (req: http.IncomingMessage, res: http.ServerResponse) => {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req as AsyncIterable<Buffer>) {
      size += c.length;
      if (size > 64 * 1024) return sendJson(res, 413, { error: 'invalid_request', error_description: 'request body too large' });
      chunks.push(c);
    }
    const body = Buffer.concat(chunks);
    const form = new URLSearchParams(body.toString('utf8'));
    if (!opts.lenientClientAuth) {
      const auth = req.headers.authorization ?? '';
      let used: { clientId: string; scheme: AccessTokenScheme } | undefined;
      if (/^basic\s+/i.test(auth)) {
        const decoded = Buffer.from(auth.replace(/^basic\s+/i, ''), 'base64').toString('utf8');
        const i = decoded.indexOf(':');
        if (i > 0) used = { clientId: decodeFormValue(decoded.slice(0, i)), scheme: 'HTTP_BASIC' };
      } else if (form.get('client_secret') !== null && form.get('client_id') !== null) {
        used = { clientId: form.get('client_id')!, scheme: 'REQUEST_BODY_CREDENTIALS' };
      }
      const registered = used ? byId.get(used.clientId) : undefined;
      if (used && registered && registered.scheme !== used.scheme) {
        const headers: Record<string, string> = used.scheme === 'HTTP_BASIC' ? { 'www-authenticate': 'Basic realm="token"' } : {};
        return sendJson(res, 401, { error: 'invalid_client', error_description: 'client authentication failed' }, headers);
      }
    }
    rewriteTokenAnswer(res, form);
    const replay = new http.IncomingMessage(req.socket);
    replay.method = req.method;
    replay.url = req.url;
    replay.headers = req.headers;
    replay.rawHeaders = req.rawHeaders;
    replay.httpVersion = req.httpVersion;
    replay.httpVersionMajor = req.httpVersionMajor;
    replay.httpVersionMinor = req.httpVersionMinor;
    // An incomplete IncomingMessage destroys its socket when it is destroyed after reading.
    replay.complete = true;
    replay.push(body);
    replay.push(null);
    providerCallback(replay, res);
  };

  /** Applies behaviour.claimedExpiresIn and behaviour.invalidRefreshTokenStatus to oidc-provider's JSON answer. */
  const rewriteTokenAnswer = (res: http.ServerResponse, form: URLSearchParams) => {
    const { claimedExpiresIn, invalidRefreshTokenStatus } = behaviour;
    if (claimedExpiresIn === undefined && invalidRefreshTokenStatus === undefined) return;
    const end = res.end.bind(res) as (...args: unknown[]) => http.ServerResponse;
    (res as { end: (...args: unknown[]) => http.ServerResponse }).end = (chunk?: unknown, ...rest: unknown[]) => {
      if ((typeof chunk === 'string' || Buffer.isBuffer(chunk)) && !res.headersSent) {
        let doc: Record<string, unknown> | undefined;
        try {
          doc = JSON.parse(chunk.toString()) as Record<string, unknown>;
        } catch {
          doc = undefined;
        }
        let changed: { status: number; doc: Record<string, unknown> } | undefined;
        if (doc && invalidRefreshTokenStatus !== undefined && form.get('grant_type') === 'refresh_token' && doc.error === 'invalid_grant') {
          changed = { status: invalidRefreshTokenStatus, doc: { error: 'server_error', error_description: 'something went wrong' } };
        } else if (doc && claimedExpiresIn !== undefined && typeof doc.access_token === 'string') {
          changed = { status: res.statusCode, doc: { ...doc, expires_in: claimedExpiresIn } };
        }
        if (changed) {
          const text = JSON.stringify(changed.doc);
          res.statusCode = changed.status;
          res.setHeader('content-length', Buffer.byteLength(text));
          return end(text, ...rest.filter((r) => typeof r === 'function'));
        }
      }
      return end(chunk, ...rest);
    };
  };

  handler = (req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    const wrapped = !opts.lenientClientAuth || behaviour.claimedExpiresIn !== undefined || behaviour.invalidRefreshTokenStatus !== undefined;
    if (wrapped && req.method === 'POST' && url.pathname === '/token') {
      tokenEndpoint(req, res).catch(() => res.destroy());
      return;
    }
    const m = /^\/interaction\/([A-Za-z0-9_-]+)(?:\/(login|confirm|abort))?$/.exec(url.pathname);
    if (!m) return providerCallback(req, res);
    interaction(req, res, m[1]!, m[2]).catch((err: unknown) => {
      // Expired or unknown interactions (SessionNotFound) and broken forms end up here.
      const message = err instanceof Error ? err.message : String(err);
      if (!res.headersSent) send(res, 400, page('Sign-in error', `<p class="error">${escapeHtml(message)}</p><p>Start the sign-in again from the app.</p>`));
      else res.destroy();
    });
  };

  const revokeToken = async (token: string): Promise<boolean> => {
    const found = (await provider.AccessToken.find(token)) ?? (await provider.RefreshToken.find(token));
    if (!found) return false;
    await found.destroy();
    return true;
  };

  let closed: Promise<void> | undefined;
  return {
    issuer,
    authorizationUrl: `${issuer}/auth`,
    tokenUrl: `${issuer}/token`,
    userinfoUrl: `${issuer}/me`,
    revocationUrl: `${issuer}/token/revocation`,
    port,
    secure,
    clients,
    users,
    revokeToken,
    errors,
    close() {
      closed ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closed;
    },
  };
}
