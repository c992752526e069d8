import path from 'node:path';
import { InputError } from '../errors.js';
import { TOKEN_SCHEMES, type AccessTokenScheme } from '../linking/config.js';
import { isObject, readJsonFile } from '../project/json-file.js';
import { STATE_DIR, writeUserFile } from '../project/user-files.js';

/**
 * .alexa-link/session.json: the tokens of the last `alexa-link login`, for `doctor`. Directory
 * 0700, file 0600, written atomically. The client secret is never stored.
 */
export interface LoginSession {
  version: 1;
  createdAt: string;
  provider: {
    authorizationUrl: string;
    tokenUrl: string;
    clientId: string;
    accessTokenScheme: AccessTokenScheme;
    scopes: string[];
  };
  redirectUri: string;
  tokens: {
    accessToken: string;
    tokenType: string;
    expiresIn: number;
    expiresAt: string;
    refreshToken?: string;
    scope?: string;
  };
  refresh: { ok: boolean; at: string };
}

export const SESSION_FILE = path.join(STATE_DIR, 'session.json');

export function sessionPath(projectRoot: string): string {
  return path.join(projectRoot, SESSION_FILE);
}

function fail(label: string, field: string, want: string): never {
  throw new InputError(`${label}: ${field} must be ${want}.`, {
    source: label,
    code: 'E_SESSION_SHAPE',
    hint: 'Run alexa-link login again to write a fresh session.',
  });
}

const str = (v: unknown): v is string => typeof v === 'string' && v !== '';
const isoDate = (v: unknown): v is string => typeof v === 'string' && !Number.isNaN(Date.parse(v));

/** Checks the shape of a parsed session file; InputError names the file and field. */
export function parseSession(doc: unknown, label = SESSION_FILE): LoginSession {
  if (!isObject(doc)) fail(label, 'the file', 'a JSON object');
  if (doc.version !== 1) {
    throw new InputError(`${label}: version ${JSON.stringify(doc.version)} is not supported (expected 1).`, {
      source: label,
      code: 'E_SESSION_VERSION',
      hint: 'Run alexa-link login again with this version of alexa-link.',
    });
  }
  if (!isoDate(doc.createdAt)) fail(label, 'createdAt', 'an ISO date');
  const p = doc.provider;
  if (!isObject(p)) fail(label, 'provider', 'an object');
  for (const k of ['authorizationUrl', 'tokenUrl', 'clientId'] as const) if (!str(p[k])) fail(label, `provider.${k}`, 'a non-empty string');
  if (!TOKEN_SCHEMES.includes(p.accessTokenScheme as AccessTokenScheme)) fail(label, 'provider.accessTokenScheme', 'HTTP_BASIC or REQUEST_BODY_CREDENTIALS');
  if (!Array.isArray(p.scopes) || !p.scopes.every((s) => typeof s === 'string')) fail(label, 'provider.scopes', 'an array of strings');
  if (!str(doc.redirectUri)) fail(label, 'redirectUri', 'a non-empty string');
  const t = doc.tokens;
  if (!isObject(t)) fail(label, 'tokens', 'an object');
  if (!str(t.accessToken)) fail(label, 'tokens.accessToken', 'a non-empty string');
  if (!str(t.tokenType)) fail(label, 'tokens.tokenType', 'a non-empty string');
  if (typeof t.expiresIn !== 'number' || !Number.isFinite(t.expiresIn)) fail(label, 'tokens.expiresIn', 'a number of seconds');
  if (!isoDate(t.expiresAt)) fail(label, 'tokens.expiresAt', 'an ISO date');
  if (t.refreshToken !== undefined && !str(t.refreshToken)) fail(label, 'tokens.refreshToken', 'a non-empty string when present');
  if (t.scope !== undefined && typeof t.scope !== 'string') fail(label, 'tokens.scope', 'a string when present');
  const r = doc.refresh;
  if (!isObject(r)) fail(label, 'refresh', 'an object');
  if (typeof r.ok !== 'boolean') fail(label, 'refresh.ok', 'true or false');
  if (!isoDate(r.at)) fail(label, 'refresh.at', 'an ISO date');

  const tokens: LoginSession['tokens'] = {
    accessToken: t.accessToken,
    tokenType: t.tokenType,
    expiresIn: t.expiresIn,
    expiresAt: t.expiresAt,
  };
  if (t.refreshToken !== undefined) tokens.refreshToken = t.refreshToken;
  if (t.scope !== undefined) tokens.scope = t.scope;
  return {
    version: 1,
    createdAt: doc.createdAt,
    provider: {
      authorizationUrl: p.authorizationUrl as string,
      tokenUrl: p.tokenUrl as string,
      clientId: p.clientId as string,
      accessTokenScheme: p.accessTokenScheme as AccessTokenScheme,
      scopes: p.scopes as string[],
    },
    redirectUri: doc.redirectUri,
    tokens,
    refresh: { ok: r.ok, at: r.at },
  };
}

/** The saved session, or undefined when there is none; InputError when the file is malformed. */
export async function readSession(projectRoot: string): Promise<LoginSession | undefined> {
  let doc: unknown;
  try {
    doc = await readJsonFile(sessionPath(projectRoot), SESSION_FILE);
  } catch (err) {
    if (err instanceof InputError && err.code === 'E_INPUT_MISSING') return undefined;
    throw err;
  }
  return parseSession(doc, SESSION_FILE);
}

/** Writes the session atomically, mode 0600 in a 0700 .alexa-link/ (src/project/user-files.ts). Returns its path. */
export async function writeSession(projectRoot: string, session: LoginSession): Promise<string> {
  const written = await writeUserFile(projectRoot, SESSION_FILE, JSON.stringify(session, null, 2) + '\n', { kind: 'secret', existing: 'replace' });
  return written.path;
}

/** Seconds until the access token expires (negative when expired). */
export function secondsLeft(session: LoginSession, now: Date = new Date()): number {
  return Math.round((Date.parse(session.tokens.expiresAt) - now.getTime()) / 1000);
}
