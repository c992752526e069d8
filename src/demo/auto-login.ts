import { excerpt } from '../ui/redact.js';
import type { AccessTokenScheme } from '../linking/config.js';
import { header, request, type HttpRequest, type HttpResponse } from '../net/http.js';
import { buildAuthorizationUrl, newState } from '../oauth/authorize-url.js';
import type { LoginSettings } from '../oauth/login-flow.js';
import { exchangeCode } from '../oauth/token-exchange.js';
import { DEFAULT_LOOPBACK_REDIRECT, DEFAULT_SCOPES, DEMO_USER, type LocalClient, type LocalProvider } from './local-provider.js';

/**
 * Completes the local provider's sign-in and consent pages over plain HTTP, as a user would in a
 * browser: follows the redirects, keeps the cookies, fills in and submits the forms it finds.
 * `demo` uses it when no browser can open; tests use it to get real codes and tokens.
 */
export interface AutoLoginOptions {
  /** The full authorization URL (client_id, redirect_uri, state, scope already added). */
  authorizationUrl: string;
  username?: string;
  password?: string;
  /** Press "Allow" (default) or "Deny" on the consent page. */
  consent?: 'allow' | 'deny';
  /** Also GET the final redirect URL, delivering the callback to a loopback server. */
  deliverCallback?: boolean;
  ca?: HttpRequest['ca'];
  /** Per request. Default 10 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface AutoLoginResult {
  /** Where the provider sent the browser back to (redirect_uri with code/state or error). */
  redirectUrl: string;
  code?: string;
  state?: string;
  error?: string;
  errorDescription?: string;
  /** Status of the callback request when deliverCallback was set. */
  callbackStatus?: number;
  /** The pages and requests on the way, for messages. */
  steps: string[];
}

export class AutoLoginError extends Error {
  constructor(
    message: string,
    readonly steps: string[],
  ) {
    super(message);
    this.name = 'AutoLoginError';
  }
}

interface Cookie {
  name: string;
  value: string;
  path: string;
}

/** A cookie jar for one origin: enough for the provider's session and interaction cookies. */
class CookieJar {
  private readonly cookies = new Map<string, Cookie>();
  constructor(private readonly origin: string) {}

  store(url: URL, res: HttpResponse): void {
    if (url.origin !== this.origin) return;
    const raw = res.headers['set-cookie'] ?? [];
    for (const line of raw) {
      const [pair = '', ...attrs] = line.split(';');
      const eq = pair.indexOf('=');
      if (eq <= 0) continue;
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      let path = '/';
      let expired = value === '';
      for (const a of attrs) {
        const [k = '', v = ''] = a.split('=').map((x) => x.trim());
        const key = k.toLowerCase();
        if (key === 'path' && v.startsWith('/')) path = v;
        if (key === 'max-age' && Number(v) <= 0) expired = true;
        if (key === 'expires' && Date.parse(v) <= Date.now()) expired = true;
      }
      const id = `${name};${path}`;
      if (expired) this.cookies.delete(id);
      else this.cookies.set(id, { name, value, path });
    }
  }

  header(url: URL): string | undefined {
    if (url.origin !== this.origin) return undefined;
    const matching = [...this.cookies.values()].filter(
      (c) => c.path === '/' || url.pathname === c.path || url.pathname.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`),
    );
    // Longer paths first, as browsers send them.
    matching.sort((a, b) => b.path.length - a.path.length);
    return matching.length ? matching.map((c) => `${c.name}=${c.value}`).join('; ') : undefined;
  }
}

interface HtmlForm {
  action: string;
  method: string;
  fields: Map<string, string>;
  hasPassword: boolean;
}

function decodeEntities(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

function attr(tag: string, name: string): string | undefined {
  const m = new RegExp(`\\s${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s>]+))`, 'i').exec(tag);
  if (!m) return undefined;
  return decodeEntities(m[1] ?? m[2] ?? m[3] ?? '');
}

/** The forms of a page: action, method, named inputs with their values. */
export function parseForms(html: string): HtmlForm[] {
  const forms: HtmlForm[] = [];
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const open = m[1] ?? '';
    const inner = m[2] ?? '';
    const fields = new Map<string, string>();
    let hasPassword = false;
    for (const input of inner.matchAll(/<input\b[^>]*>/gi)) {
      const name = attr(input[0], 'name');
      if ((attr(input[0], 'type') ?? '').toLowerCase() === 'password') hasPassword = true;
      if (name) fields.set(name, attr(input[0], 'value') ?? '');
    }
    forms.push({ action: attr(` ${open}`, 'action') ?? '', method: (attr(` ${open}`, 'method') ?? 'get').toLowerCase(), fields, hasPassword });
  }
  return forms;
}

function pageText(html: string): string {
  return decodeEntities(html.replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]+>/g, ' '))
    .replace(/\s+/g, ' ')
    .trim();
}

function sameEndpoint(a: URL, b: URL): boolean {
  return a.origin === b.origin && a.pathname === b.pathname;
}

/**
 * Signs in at the provider and returns where it redirects to. Throws AutoLoginError when a page
 * is not what a sign-in page looks like, the credentials are refused, or the provider shows an
 * error page (e.g. redirect_uri not allowed).
 */
export async function autoLogin(opts: AutoLoginOptions): Promise<AutoLoginResult> {
  const start = new URL(opts.authorizationUrl);
  const redirectParam = start.searchParams.get('redirect_uri');
  if (!redirectParam) throw new AutoLoginError('The authorization URL has no redirect_uri parameter.', []);
  const redirect = new URL(redirectParam);
  const jar = new CookieJar(start.origin);
  const steps: string[] = [];
  const username = opts.username ?? DEMO_USER.username;
  const password = opts.password ?? DEMO_USER.password;
  let submittedLogin = false;
  let submittedConsent = false;

  const fetchPage = async (url: URL, method: 'GET' | 'POST', form?: URLSearchParams): Promise<HttpResponse> => {
    const headers: Record<string, string> = { accept: 'text/html' };
    const cookie = jar.header(url);
    if (cookie) headers.cookie = cookie;
    const req: HttpRequest = { url: url.href, method, headers, timeoutMs: opts.timeoutMs ?? 10_000 };
    if (form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      req.body = form.toString();
    }
    if (opts.ca) req.ca = opts.ca;
    if (opts.signal) req.signal = opts.signal;
    steps.push(`${method} ${url.pathname}`);
    const res = await request(req);
    jar.store(url, res);
    return res;
  };

  let url = start;
  let res = await fetchPage(url, 'GET');
  for (let hop = 0; hop < 20; hop++) {
    if (res.status >= 300 && res.status < 400) {
      const location = header(res, 'location');
      if (!location) throw new AutoLoginError(`${url.pathname} answered ${res.status} without a Location header.`, steps);
      const next = new URL(location, url);
      if (sameEndpoint(next, redirect)) {
        const result: AutoLoginResult = { redirectUrl: next.href, steps };
        const p = next.searchParams;
        if (p.get('code')) result.code = p.get('code')!;
        if (p.get('state')) result.state = p.get('state')!;
        if (p.get('error')) result.error = p.get('error')!;
        if (p.get('error_description')) result.errorDescription = p.get('error_description')!;
        if (opts.deliverCallback) {
          steps.push(`GET ${next.pathname} (callback)`);
          const cb: HttpRequest = { url: next.href, timeoutMs: opts.timeoutMs ?? 10_000 };
          if (opts.signal) cb.signal = opts.signal;
          result.callbackStatus = (await request(cb)).status;
        }
        return result;
      }
      url = next;
      res = await fetchPage(url, 'GET');
      continue;
    }
    const forms = res.status === 200 || res.status === 401 ? parseForms(res.body) : [];
    const login = forms.find((f) => f.hasPassword);
    if (res.status === 401 && login && submittedLogin) {
      throw new AutoLoginError(`The provider refused the sign-in of "${username}": ${excerpt(pageText(res.body), 200)}`, steps);
    }
    if (res.status !== 200) {
      throw new AutoLoginError(`${url.pathname} answered ${res.status}: ${excerpt(pageText(res.body), 300)}`, steps);
    }
    if (login && !submittedLogin) {
      submittedLogin = true;
      const form = new URLSearchParams([...login.fields]);
      form.set('username', username);
      form.set('password', password);
      url = new URL(login.action, url);
      res = await fetchPage(url, 'POST', form);
      continue;
    }
    const wanted = opts.consent === 'deny' ? /\/(abort|deny)$/ : /\/(confirm|allow|consent)$/;
    const consent = forms.find((f) => f.method === 'post' && wanted.test(new URL(f.action, url).pathname));
    if (consent && !submittedConsent) {
      submittedConsent = true;
      url = new URL(consent.action, url);
      res = await fetchPage(url, 'POST', new URLSearchParams([...consent.fields]));
      continue;
    }
    throw new AutoLoginError(`Unexpected page at ${url.pathname}: ${excerpt(pageText(res.body), 300)}`, steps);
  }
  throw new AutoLoginError('Too many redirects and pages before the provider redirected back.', steps);
}

/** What a successful code exchange returns, as the provider sent it. */
export interface TokenSet {
  access_token: string;
  token_type: string;
  expires_in?: number;
  refresh_token?: string;
  id_token?: string;
  scope?: string;
  [field: string]: unknown;
}

export interface ObtainTokensOptions {
  provider: Pick<LocalProvider, 'authorizationUrl' | 'tokenUrl'>;
  client: Pick<LocalClient, 'clientId' | 'clientSecret' | 'scheme'> & { redirectUris?: string[] };
  /** Must be one the client allows; default the first of client.redirectUris or the login default. */
  redirectUri?: string;
  scopes?: string[];
  username?: string;
  password?: string;
  ca?: HttpRequest['ca'];
}

/** Signs in without a browser and exchanges the code: real tokens from the local provider. */
export async function obtainTokens(opts: ObtainTokensOptions): Promise<TokenSet & { redirectUri: string; scheme: AccessTokenScheme }> {
  const redirectUri = opts.redirectUri ?? opts.client.redirectUris?.[0] ?? DEFAULT_LOOPBACK_REDIRECT;
  const state = newState();
  const { url } = buildAuthorizationUrl({
    authorizationUrl: opts.provider.authorizationUrl,
    clientId: opts.client.clientId,
    redirectUri,
    state,
    scopes: opts.scopes ?? DEFAULT_SCOPES,
  });
  const login: AutoLoginOptions = { authorizationUrl: url };
  if (opts.username !== undefined) login.username = opts.username;
  if (opts.password !== undefined) login.password = opts.password;
  if (opts.ca) login.ca = opts.ca;
  const landed = await autoLogin(login);
  if (!landed.code) throw new AutoLoginError(`No code came back: ${landed.error ?? 'no error'} ${landed.errorDescription ?? ''}`.trim(), landed.steps);
  if (landed.state !== state) throw new AutoLoginError('The provider returned another state than it was sent.', landed.steps);
  const answer = await exchangeCode(
    { tokenUrl: opts.provider.tokenUrl, clientId: opts.client.clientId, clientSecret: opts.client.clientSecret, scheme: opts.client.scheme, ...(opts.ca ? { ca: opts.ca } : {}) },
    { code: landed.code, redirectUri },
  );
  if (!answer.ok) throw new AutoLoginError(`Token request failed: ${answer.message}`, landed.steps);
  const json = answer.json as TokenSet | undefined;
  if (answer.status !== 200 || !json || typeof json.access_token !== 'string') {
    throw new AutoLoginError(`Token endpoint answered ${answer.status}: ${excerpt(answer.body, 300)}`, landed.steps);
  }
  return { ...json, redirectUri, scheme: opts.client.scheme };
}

/**
 * Signs in at the local provider and returns the authorization code with the settings
 * completeLogin() needs: the callback-to-report part of a login, ready to run (and to time, in
 * `npm run bench`).
 */
export async function signInForCode(
  provider: Pick<LocalProvider, 'authorizationUrl' | 'tokenUrl'>,
  client: Pick<LocalClient, 'clientId' | 'clientSecret' | 'scheme'> & { redirectUris?: string[] },
  opts: { redirectUri?: string; scopes?: string[]; ca?: HttpRequest['ca'] } = {},
): Promise<{ code: string; settings: LoginSettings }> {
  const redirectUri = opts.redirectUri ?? client.redirectUris?.[0] ?? DEFAULT_LOOPBACK_REDIRECT;
  const scopes = opts.scopes ?? DEFAULT_SCOPES;
  const state = newState();
  const { url } = buildAuthorizationUrl({ authorizationUrl: provider.authorizationUrl, clientId: client.clientId, redirectUri, state, scopes });
  const landed = await autoLogin({ authorizationUrl: url, ...(opts.ca ? { ca: opts.ca } : {}) });
  if (!landed.code || landed.state !== state) throw new AutoLoginError(`No code came back: ${landed.error ?? 'wrong state'}`, landed.steps);
  const settings: LoginSettings = {
    authorizationUrl: provider.authorizationUrl,
    tokenUrl: provider.tokenUrl,
    clientId: client.clientId,
    clientSecret: client.clientSecret,
    scheme: client.scheme,
    scopes,
    redirectUri,
  };
  if (opts.ca) settings.ca = opts.ca;
  return { code: landed.code, settings };
}
