import { InputError } from '../errors.js';
import { isObject } from '../project/json-file.js';

/**
 * Amazon's skill debugging service: the WebSocket that `ask run` and the Alexa Skills Toolkit use
 * to route a skill's development-stage traffic to the developer's machine. What is known about it,
 * and where from (read for the shapes only; none of that code is used here):
 *
 * Connection
 *   - URL: wss://bob-dispatch-prod-{na|eu|fe}.amazon.com/v1/skills/{skillId}/stages/development/connectCustomDebugEndpoint
 *     Hosts per region: NA bob-dispatch-prod-na.amazon.com, EU bob-dispatch-prod-eu.amazon.com,
 *     FE bob-dispatch-prod-fe.amazon.com; NA is the default.
 *     [src: npm ask-sdk-local-debug@1.1.0 dist/constants/Constants.js (RegionEndpointMapping),
 *     dist/builder/WebSocketClientConfigBuilder.js (webSocketServerUri); alexa/alexa-skills-kit-sdk-for-java
 *     ask-sdk-local-debug/src/com/amazon/ask/localdebug/config/Region.java; the Python SDK's
 *     ask_sdk_local_debug/util/websocket_util.py]
 *   - Only the development stage: the path names it, and the package README says "Local debugging is
 *     only available for a skill's development stage". [src: ask-sdk-local-debug@1.1.0 README.md;
 *     alexa/ask-cli@d93715c docs/concepts/Run-Command.md "supports skills in the development stage only"]
 *   - Authentication: the developer's Login with Amazon access token, as is (no "Bearer " prefix), in a
 *     lower-case `authorization` header on the upgrade request. A third-party Go client notes the
 *     hosts require the lower-case name. The token needs the scope alexa::ask:skills:debug: the ASK
 *     CLI asks for it in `ask configure` (DEFAULT_SCOPES) but not in `ask util generate-lwa-tokens`
 *     (DEFAULT_PUBLIC_SCOPES), and the package README says to mint one with
 *     `ask util generate-lwa-tokens --scopes alexa::ask:skills:debug`; profiles configured before
 *     ASK CLI 2.13 must run `ask configure` again.
 *     [src: ask-sdk-local-debug@1.1.0 WebSocketClientConfigBuilder.js `headers = { authorization: accessToken }`,
 *     README.md "ACCESS_TOKEN"; alexa/ask-cli@d93715c lib/utils/constants.js SCOPES_SKILLS_DEBUG,
 *     DEFAULT_SCOPES vs DEFAULT_PUBLIC_SCOPES, lib/commands/util/generate-lwa-tokens/index.ts;
 *     `ask run` gets the token with AuthorizationController.tokenRefreshAndRead, lib/commands/run/index.ts]
 *   - A rejected token is an HTTP 401 on the upgrade ("WebSocket error: Unexpected server response: 401"),
 *     seen for tokens without the debug scope and, in late 2024, for the EU and FE hosts until Amazon
 *     fixed them. [src: github.com/alexa/ask-toolkit-for-vscode/issues/64;
 *     github.com/alexa/alexa-skills-kit-sdk-for-nodejs/issues/743; github.com/alexa/ask-cli/issues/511]
 *   - A session lasts one hour ("Session will last for 1 hour"; "You will need to reinstantiate the
 *     connection after 1 hour"); only one session may be active per skill ID and developer account; while
 *     it is active, all of the skill's development requests from that account (devices, the Alexa app,
 *     the developer console's simulator, `ask dialog`) go to the connected client.
 *     [src: ask-sdk-local-debug@1.1.0 README.md "Things to note", dist/client/LocalDebugClient.js;
 *     ask-cli lib/commands/run/index.ts "you can use `ask dialog` to make simulation requests to your local skill code"]
 *   - Heartbeat: Amazon's Node client sends a WebSocket ping (payload "heartbeat") every 5 minutes while
 *     the socket is open; the service sends nothing of its own. [src: ask-sdk-local-debug@1.1.0
 *     dist/client/LocalDebugClient.js PING_FREQUENCY_IN_MILLISECONDS]
 *
 * Messages (JSON text frames; the typings are ask-sdk-model's dynamicEndpoints.Request,
 * SuccessResponse and FailureResponse) [src: ask-sdk-model@1.86.0 index.d.ts namespace dynamicEndpoints;
 * ask-sdk-local-debug@1.1.0 dist/util/RequestResponseUtils.js; the Java SDK's RequestResponseUtilsTest
 * and WebSocketClientImplTest sample data]
 *   service → client  {"version": "…", "type": "SkillRequestMessage", "requestId": "…",
 *                      "requestPayload": "<the request envelope, as a JSON string>"}
 *   client → service  {"version": <the request's>, "type": "SkillResponseSuccessMessage",
 *                      "originalRequestId": <the request's requestId>,
 *                      "responsePayload": "<the skill's response, as a JSON string>"}
 *                 or  {"version": …, "type": "SkillResponseFailureMessage", "originalRequestId": …,
 *                      "errorCode": "500", "errorMessage": "<what went wrong>"}
 *   errorCode is "a standard HTTP error code" as a string; Amazon's clients always send "500".
 *   UNVERIFIED: the value of `version` the service sends (the samples use placeholders); it is echoed
 *   back unchanged, as Amazon's clients do. What the service does with a late answer, and how long it
 *   waits, is not documented; Alexa itself gives a skill 8 s.
 */
export type DebugRegion = 'NA' | 'EU' | 'FE';
export const DEBUG_REGIONS: readonly DebugRegion[] = ['NA', 'EU', 'FE'];

export const DEBUG_HOSTS: Record<DebugRegion, string> = {
  NA: 'bob-dispatch-prod-na.amazon.com',
  EU: 'bob-dispatch-prod-eu.amazon.com',
  FE: 'bob-dispatch-prod-fe.amazon.com',
};

/** Replaces Amazon's host (tests, private setups), as ASK_SMAPI_SERVER_BASE_URL does for SMAPI. */
export const DEBUG_ENDPOINT_ENV = 'ALEXA_LINK_DEBUG_ENDPOINT';

/** The scope the access token must carry. */
export const DEBUG_SCOPE = 'alexa::ask:skills:debug';

export const HEARTBEAT_INTERVAL_MS = 5 * 60_000;
export const SESSION_LIMIT_MS = 60 * 60_000;

export const REQUEST_MESSAGE_TYPE = 'SkillRequestMessage';
export const SUCCESS_MESSAGE_TYPE = 'SkillResponseSuccessMessage';
export const FAILURE_MESSAGE_TYPE = 'SkillResponseFailureMessage';
/** What Amazon's clients send as errorCode for every failure. */
export const FAILURE_ERROR_CODE = '500';

export function isDebugRegion(value: string): value is DebugRegion {
  return (DEBUG_REGIONS as readonly string[]).includes(value);
}

/** The service's base URL: ALEXA_LINK_DEBUG_ENDPOINT (ws:// or wss://), else Amazon's host for the region. */
export function debugBaseUrl(env: Record<string, string | undefined>, region: DebugRegion): { base: string; custom: boolean } {
  const raw = env[DEBUG_ENDPOINT_ENV]?.trim();
  if (!raw) return { base: `wss://${DEBUG_HOSTS[region]}`, custom: false };
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new InputError(`${DEBUG_ENDPOINT_ENV}="${raw}" is not a URL.`, { source: DEBUG_ENDPOINT_ENV, hint: `Set it to a ws:// or wss:// base URL such as wss://${DEBUG_HOSTS.NA}, or unset it.` });
  }
  if (u.protocol !== 'ws:' && u.protocol !== 'wss:') {
    throw new InputError(`${DEBUG_ENDPOINT_ENV}="${raw}" must be a ws:// or wss:// URL.`, { source: DEBUG_ENDPOINT_ENV, hint: `Set it to a base URL such as wss://${DEBUG_HOSTS.NA}, or unset it.` });
  }
  if (u.search || u.hash) throw new InputError(`${DEBUG_ENDPOINT_ENV}="${raw}" must be a base URL without query or fragment.`, { source: DEBUG_ENDPOINT_ENV });
  return { base: raw.replace(/\/+$/, ''), custom: true };
}

export function debugEndpointUrl(base: string, skillId: string): string {
  return `${base}/v1/skills/${encodeURIComponent(skillId)}/stages/development/connectCustomDebugEndpoint`;
}

/** The upgrade request's headers: the token as is, under a lower-case name. */
export function connectHeaders(accessToken: string): Record<string, string> {
  return { authorization: accessToken };
}

/** One request the service routed to us. */
export interface ServiceRequest {
  version: string;
  requestId: string;
  /** requestPayload, parsed: the request envelope (or a smart home directive). */
  payload: unknown;
}

export type ParsedMessage =
  | { kind: 'request'; request: ServiceRequest; type: string }
  /** Not usable; when requestId is known the service still gets a failure answer. */
  | { kind: 'unusable'; reason: string; requestId?: string; version?: string };

/** Reads one text frame from the service. Pure; never throws. */
export function parseServiceMessage(data: string): ParsedMessage {
  let doc: unknown;
  try {
    doc = JSON.parse(data);
  } catch {
    return { kind: 'unusable', reason: `a message that is not JSON (${data.length} characters)` };
  }
  if (!isObject(doc)) return { kind: 'unusable', reason: 'a message that is not a JSON object' };
  const requestId = typeof doc.requestId === 'string' && doc.requestId !== '' ? doc.requestId : undefined;
  const version = typeof doc.version === 'string' ? doc.version : undefined;
  const ids = { ...(requestId ? { requestId } : {}), ...(version !== undefined ? { version } : {}) };
  const type = typeof doc.type === 'string' ? doc.type : '';
  if (!requestId) return { kind: 'unusable', reason: `a ${type || 'message'} without a requestId` };
  if (typeof doc.requestPayload !== 'string') return { kind: 'unusable', reason: `a ${type || 'message'} without a requestPayload string`, ...ids };
  let payload: unknown;
  try {
    payload = JSON.parse(doc.requestPayload);
  } catch {
    return { kind: 'unusable', reason: 'a request whose requestPayload is not JSON', ...ids };
  }
  return { kind: 'request', type, request: { version: version ?? '', requestId, payload } };
}

export function successMessage(req: { version: string; requestId: string }, response: unknown): string {
  return JSON.stringify({ version: req.version, type: SUCCESS_MESSAGE_TYPE, originalRequestId: req.requestId, responsePayload: JSON.stringify(response) });
}

export function failureMessage(req: { version: string; requestId: string }, errorMessage: string, errorCode = FAILURE_ERROR_CODE): string {
  return JSON.stringify({ version: req.version, type: FAILURE_MESSAGE_TYPE, originalRequestId: req.requestId, errorCode, errorMessage });
}

export interface RejectionContext {
  status: number;
  region: DebugRegion;
  skillId: string;
  /** Where the access token came from ("ASK_ACCESS_TOKEN", "~/.ask/cli_config profile …"). */
  credentials: string;
  /** ALEXA_LINK_DEBUG_ENDPOINT replaced Amazon's host. */
  custom: boolean;
}

/** Why the service refused the connection, and what to do: the requirements of `ask run`. Pure. */
export function explainRejection(c: RejectionContext): { message: string; hint: string } {
  const where = c.custom ? `the debugging service at ${DEBUG_ENDPOINT_ENV}` : `Amazon's skill debugging service (${c.region})`;
  const otherRegions = DEBUG_REGIONS.filter((r) => r !== c.region).join(' or ');
  const requirements = [
    `the access token (from ${c.credentials}) must belong to the Amazon developer account that owns skill ${c.skillId} (or is a member of its vendor)`,
    `and carry the scope ${DEBUG_SCOPE}: ASK CLI 2.13 and later ask for it in \`ask configure\` (run it again for an older profile); \`ask util generate-lwa-tokens\` only with --scopes "${DEBUG_SCOPE} …"`,
    'the skill must have a development stage (local debugging only serves it), deployed at least once',
    `the region must be your developer account's: try --region ${otherRegions}`,
  ];
  if (c.status === 401) {
    return {
      message: `${where} refused the access token (HTTP 401).`,
      hint: `It is expired, or lacks what local debugging needs. Check that:\n  - ${requirements.join('\n  - ')}`,
    };
  }
  if (c.status === 403) {
    return {
      message: `${where} refused access to skill ${c.skillId} (HTTP 403).`,
      hint: `Check that:\n  - ${requirements.join('\n  - ')}`,
    };
  }
  if (c.status === 404) {
    return {
      message: `${where} knows no development stage of skill ${c.skillId} (HTTP 404).`,
      hint: `Check the skill ID (--skill-id, or .ask/ask-states.json), that the skill was deployed, and the region (try --region ${otherRegions}).`,
    };
  }
  if (c.status === 409 || c.status === 429) {
    return {
      message: `${where} refused a new session (HTTP ${c.status}).`,
      hint: 'Only one debugging session may be open per skill and developer account: stop any other `ask run`, Alexa Skills Toolkit debug session or alexa-link watch for this skill, then try again.',
    };
  }
  return {
    message: `${where} answered HTTP ${c.status} instead of opening the WebSocket.`,
    hint: c.status >= 500 ? 'The service has a problem; alexa-link tries again with a pause.' : 'Check the skill ID, the region and the credentials.',
  };
}
