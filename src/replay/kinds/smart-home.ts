import { randomUUID } from 'node:crypto';
import type { Attempt, ReplayEvidence } from '../evidence.js';
import { joinFix, loggedError, quote, withCommonHints, worse } from '../verdict.js';
import { isObject, jsonClone, madeUpToken, objectAt, text, typeWord } from './common.js';
import type { AnswerSummary, BuiltinInput, BuiltinRequest, CodeInfo, FlowHop, Judgement, ProbeMode, ProbeSpec, RequestDocument, RequestFacts, SkillKind, TokenPlace, TokenPresence } from './types.js';

/**
 * Smart home skills: Smart Home API v3 directives ({"directive": {"header", "endpoint"?,
 * "payload"}}), where each carries the account-linking token, the built-in directives, what a
 * good answer is, and the judge. The facts, with their sources, are in smart-home.md next to this
 * file; the short form:
 *
 *   AcceptGrant  directive.payload.grantee.token   → AcceptGrant.Response | Alexa.Authorization ErrorResponse ACCEPT_GRANT_FAILED
 *   Discover     directive.payload.scope.token     → Discover.Response with endpoints
 *   control      directive.endpoint.scope.token    → Alexa.Response (same correlationToken and endpoint), or
 *                                                    Alexa.DeferredResponse (same correlationToken; the Response goes to the event gateway)
 *   ReportState  directive.endpoint.scope.token    → StateReport (same correlationToken and endpoint)
 *   no token / a token the skill's cloud refuses   → Alexa.ErrorResponse INVALID_ or EXPIRED_AUTHORIZATION_CREDENTIAL
 *                                                    (echoing correlationToken and endpoint, as every synchronous answer)
 *   Alexa waits 8 s.
 *
 * Video skills share the message format and the token places; they are not a kind of their own yet.
 */

export type Directive = Record<string, unknown> & {
  directive: Record<string, unknown> & {
    header: Record<string, unknown> & { namespace: string; name: string };
  };
};

export type TokenField = 'directive.payload.grantee.token' | 'directive.payload.scope.token' | 'directive.endpoint.scope.token';

/** The two credential error types: Alexa learns from them that the user must link again. */
export const CREDENTIAL_ERROR_TYPES = ['INVALID_AUTHORIZATION_CREDENTIAL', 'EXPIRED_AUTHORIZATION_CREDENTIAL'] as const;

/** Alexa waits this long for a smart home skill (troubleshooting-guide: SKILL_RESPONSE_TIMEOUT_EXCEPTION). */
export const SMART_HOME_DEADLINE_MS = 8000;

/** The endpoint ID the built-in control directives use when Discover supplied none. */
export const PLACEHOLDER_ENDPOINT_ID = 'alexa-link-placeholder-endpoint';

/** Whether a document is a smart home directive ({"directive": …}) rather than a custom-skill envelope; a broken one too, so its problems can be listed. */
export function looksLikeDirective(doc: unknown): boolean {
  return isObject(doc) && 'directive' in doc;
}

/** What makes `doc` unusable as a directive to replay, as `field: what is wrong` lines. */
export function directiveProblems(doc: unknown): string[] {
  if (!isObject(doc) || !isObject(doc.directive)) return [`expected a smart home directive ({"directive": {"header": …, "payload": …}}), found ${typeWord(doc)}`];
  const d = doc.directive;
  const problems: string[] = [];
  if (!isObject(d.header)) problems.push(`directive.header must be an object, not ${d.header === undefined ? 'missing' : typeWord(d.header)}`);
  else {
    const h = d.header;
    if (typeof h.namespace !== 'string' || h.namespace === '') problems.push(`directive.header.namespace must be a string such as "Alexa.Discovery", not ${h.namespace === undefined ? 'missing' : typeWord(h.namespace)}`);
    if (typeof h.name !== 'string' || h.name === '') problems.push(`directive.header.name must be a string such as "Discover", not ${h.name === undefined ? 'missing' : typeWord(h.name)}`);
    if (h.payloadVersion !== undefined && typeof h.payloadVersion !== 'string') problems.push(`directive.header.payloadVersion must be the string "3", not ${typeWord(h.payloadVersion)}`);
    if (h.messageId !== undefined && typeof h.messageId !== 'string') problems.push(`directive.header.messageId must be a string, not ${typeWord(h.messageId)}`);
    if (h.correlationToken !== undefined && typeof h.correlationToken !== 'string') problems.push(`directive.header.correlationToken must be a string, not ${typeWord(h.correlationToken)}`);
  }
  if (d.payload !== undefined && !isObject(d.payload)) problems.push(`directive.payload must be an object, not ${typeWord(d.payload)}`);
  if (d.endpoint !== undefined && !isObject(d.endpoint)) problems.push(`directive.endpoint must be an object, not ${typeWord(d.endpoint)}`);
  const headerOk = isObject(d.header) && typeof d.header.namespace === 'string' && typeof d.header.name === 'string';
  const containersOk = (d.payload === undefined || isObject(d.payload)) && (d.endpoint === undefined || isObject(d.endpoint));
  const holder = headerOk && containersOk ? tokenHolder(doc as Directive) : undefined;
  if (holder !== undefined && !isObject(holder)) problems.push(`${tokenFieldOf(doc as Directive).replace(/\.token$/, '')} must be an object, not ${typeWord(holder)}`);
  // A null token is how some tools write "no token": accepted as absent (normalise drops it).
  else if (isObject(holder) && holder.token !== undefined && holder.token !== null && typeof holder.token !== 'string') problems.push(`${tokenFieldOf(doc as Directive)} must be a string, not ${typeWord(holder.token)}`);
  return problems;
}

/**
 * Whether a document is a Smart Home API v2 message ({"header": {"namespace":
 * "Alexa.ConnectedHome.Discovery", "payloadVersion": "2", …}, "payload": {"accessToken": …}}), which
 * Alexa retired: said as such instead of "not a request envelope". The words, or undefined.
 */
export function smartHomeV2Message(doc: unknown): string | undefined {
  const header = objectAt(doc, ['header']) ?? objectAt(doc, ['directive', 'header']);
  const namespace = text(header?.namespace);
  if (!header || !namespace?.startsWith('Alexa.ConnectedHome.')) return undefined;
  const version = header.payloadVersion === undefined ? '' : `, payloadVersion ${JSON.stringify(header.payloadVersion)}`;
  return `a Smart Home API v2 message (header.namespace "${namespace}"${version}${text(header.name) ? `, name "${text(header.name)}"` : ''}). Alexa retired Smart Home API v2 and sends only v3 directives ({"directive": {"header": {"namespace": "Alexa.Discovery", "payloadVersion": "3", …}, …}})`;
}

/** What to do about a Smart Home API v2 message. */
export const SMART_HOME_V2_HINT =
  'Migrate the skill to Smart Home API v3 (Alexa.Discovery Discover, Alexa.PowerController…, the token at directive.payload.scope.token or directive.endpoint.scope.token), then replay v3 directives: alexa-link doctor --request discover, or captured v3 directives with --envelopes.';

export function directiveName(d: Directive): string {
  return `${d.directive.header.namespace}.${d.directive.header.name}`;
}

/** A short label: "Discover", "TurnOn", "ReportState", "AcceptGrant", "BrightnessController.SetBrightness". */
export function directiveLabel(d: Directive): string {
  const { namespace, name } = d.directive.header;
  if (['Alexa', 'Alexa.Discovery', 'Alexa.Authorization', 'Alexa.PowerController'].includes(namespace)) return name;
  return `${namespace.replace(/^Alexa\./, '')}.${name}`;
}

/** Where Alexa puts the token in this directive. */
export function tokenFieldFor(namespace: string, name: string): TokenField {
  if (namespace === 'Alexa.Authorization' && name === 'AcceptGrant') return 'directive.payload.grantee.token';
  if (namespace === 'Alexa.Discovery' && name === 'Discover') return 'directive.payload.scope.token';
  return 'directive.endpoint.scope.token';
}

export function tokenFieldOf(d: Directive): TokenField {
  return tokenFieldFor(d.directive.header.namespace, d.directive.header.name);
}

function tokenHolder(d: Directive): unknown {
  const field = tokenFieldOf(d);
  const payload = isObject(d.directive.payload) ? d.directive.payload : {};
  if (field === 'directive.payload.grantee.token') return payload.grantee;
  if (field === 'directive.payload.scope.token') return payload.scope;
  return isObject(d.directive.endpoint) ? d.directive.endpoint.scope : undefined;
}

/** The token the directive carries at its place, if any. */
export function directiveToken(d: Directive): string | undefined {
  const holder = tokenHolder(d);
  const token = isObject(holder) ? holder.token : undefined;
  return typeof token === 'string' && token !== '' ? token : undefined;
}

/**
 * A copy with the token set at the directive's place (a BearerToken scope or grantee), or removed
 * (undefined): the scope or grantee object goes, as in a directive for a user without a link.
 */
export function withDirectiveToken(d: Directive, token: string | undefined): Directive {
  const copy = jsonClone(d);
  const dir = copy.directive;
  const field = tokenFieldOf(copy);
  const bearer = token === undefined ? undefined : { type: 'BearerToken', token };
  if (field === 'directive.endpoint.scope.token') {
    const endpoint: Record<string, unknown> = isObject(dir.endpoint) ? dir.endpoint : {};
    if (bearer) {
      endpoint.scope = bearer;
      dir.endpoint = endpoint;
    } else if (isObject(dir.endpoint)) delete dir.endpoint.scope;
    return copy;
  }
  const payload: Record<string, unknown> = isObject(dir.payload) ? dir.payload : {};
  dir.payload = payload;
  const key = field === 'directive.payload.grantee.token' ? 'grantee' : 'scope';
  if (bearer) payload[key] = bearer;
  else delete payload[key];
  return copy;
}

/** A fresh messageId (mutates; call on a copy). The correlationToken stays: the answer must echo it. */
export function refreshDirective(d: Directive): Directive {
  d.directive.header.messageId = randomUUID();
  return d;
}

export interface DiscoveredEndpoint {
  endpointId: string;
  friendlyName?: string;
  /** The interfaces of its capabilities, e.g. "Alexa.PowerController". */
  interfaces: string[];
}

/** The endpoints of a Discover.Response, in order (those without an endpointId left out). */
export function discoveredEndpoints(answer: unknown): DiscoveredEndpoint[] {
  const event = isObject(answer) && isObject(answer.event) ? answer.event : undefined;
  const endpoints = event && isObject(event.payload) && Array.isArray(event.payload.endpoints) ? event.payload.endpoints : [];
  return endpoints
    .filter((e): e is Record<string, unknown> & { endpointId: string } => isObject(e) && typeof e.endpointId === 'string' && e.endpointId !== '')
    .map((e) => ({
      endpointId: e.endpointId,
      ...(typeof e.friendlyName === 'string' ? { friendlyName: e.friendlyName } : {}),
      interfaces: Array.isArray(e.capabilities) ? e.capabilities.filter(isObject).map((c) => c.interface).filter((i): i is string => typeof i === 'string') : [],
    }));
}

/** The endpoint the built-in TurnOn and ReportState address: the first that can be switched, else the first. */
export function pickControlEndpoint(endpoints: DiscoveredEndpoint[]): DiscoveredEndpoint | undefined {
  return endpoints.find((e) => e.interfaces.includes('Alexa.PowerController')) ?? endpoints[0];
}

export type BuiltinDirective = 'AcceptGrant' | 'Discover' | 'ReportState' | 'TurnOn';

/** A built-in directive as Alexa sends it, with `token` at its place (none when undefined). */
/** A built-in directive; without a token its scope still has Alexa's shape ({"type": "BearerToken"}). */
export function buildDirective(which: BuiltinDirective, opts: { token?: string; endpointId?: string } = {}): Directive {
  const header = (namespace: string, name: string, correlated: boolean) => ({
    namespace,
    name,
    messageId: randomUUID(),
    ...(correlated ? { correlationToken: `alexa-link-${randomUUID()}` } : {}),
    payloadVersion: '3',
  });
  let d: Directive;
  switch (which) {
    case 'AcceptGrant':
      // A made-up grant code: exchanging it at Login with Amazon must fail, and the skill must say so.
      d = { directive: { header: header('Alexa.Authorization', 'AcceptGrant', false), payload: { grant: { type: 'OAuth2.AuthorizationCode', code: 'alexa-link-doctor-made-up-grant-code' }, grantee: { type: 'BearerToken' } } } };
      break;
    case 'Discover':
      d = { directive: { header: header('Alexa.Discovery', 'Discover', false), payload: { scope: { type: 'BearerToken' } } } };
      break;
    case 'ReportState':
      d = { directive: { header: header('Alexa', 'ReportState', true), endpoint: { scope: { type: 'BearerToken' }, endpointId: opts.endpointId ?? PLACEHOLDER_ENDPOINT_ID, cookie: {} }, payload: {} } };
      break;
    case 'TurnOn':
      d = { directive: { header: header('Alexa.PowerController', 'TurnOn', true), endpoint: { scope: { type: 'BearerToken' }, endpointId: opts.endpointId ?? PLACEHOLDER_ENDPOINT_ID, cookie: {} }, payload: {} } };
      break;
  }
  return opts.token === undefined ? d : withDirectiveToken(d, opts.token);
}

/** What a smart home answer says, in a few fields (for the report and the judge): small, JSON-able, no secrets. */
export interface SmartHomeAnswerSummary extends AnswerSummary {
  /** "Alexa.Discovery Discover.Response", "Alexa ErrorResponse"; undefined when the answer is no event. */
  event?: string;
  errorType?: string;
  errorMessage?: string;
  /** Discover.Response: how many endpoints, and those missing a required field. */
  endpoints?: number;
  incompleteEndpoints?: string[];
  /** Discover.Response: the first endpoint IDs, and those with Alexa.PowerController (for the built-in TurnOn). */
  endpointIds?: string[];
  switchable?: string[];
  correlationToken?: string;
  endpointId?: string;
  /** Context properties reported, as "Alexa.PowerController.powerState=ON". */
  properties?: string[];
  payloadVersion?: string;
  messageId?: boolean;
}

const MAX_TEXT = 200;

function clip(s: string): string {
  return s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT)}…` : s;
}

export function summarizeSmartHomeAnswer(answer: unknown): SmartHomeAnswerSummary {
  const event = isObject(answer) && isObject(answer.event) ? answer.event : undefined;
  const header = event && isObject(event.header) ? event.header : undefined;
  if (!header || typeof header.namespace !== 'string' || typeof header.name !== 'string') return {};
  const out: SmartHomeAnswerSummary = { event: `${header.namespace} ${header.name}` };
  if (typeof header.payloadVersion === 'string') out.payloadVersion = header.payloadVersion;
  out.messageId = typeof header.messageId === 'string' && header.messageId !== '';
  if (typeof header.correlationToken === 'string') out.correlationToken = header.correlationToken;
  const payload = isObject(event!.payload) ? event!.payload : {};
  if (header.name === 'ErrorResponse') {
    if (typeof payload.type === 'string') out.errorType = payload.type;
    if (typeof payload.message === 'string') out.errorMessage = clip(payload.message);
  }
  if (header.name === 'Discover.Response') {
    const endpoints = Array.isArray(payload.endpoints) ? payload.endpoints : [];
    out.endpoints = endpoints.length;
    out.incompleteEndpoints = endpoints.flatMap((e, i) => {
      const missing = !isObject(e)
        ? ['endpointId', 'friendlyName', 'capabilities']
        : [
            ...(typeof e.endpointId === 'string' && e.endpointId !== '' ? [] : ['endpointId']),
            ...(typeof e.friendlyName === 'string' && e.friendlyName !== '' ? [] : ['friendlyName']),
            ...(Array.isArray(e.capabilities) && e.capabilities.length > 0 ? [] : ['capabilities']),
          ];
      const name = isObject(e) && typeof e.endpointId === 'string' ? e.endpointId : `#${i + 1}`;
      return missing.length ? [`${name} (no ${missing.join(', ')})`] : [];
    });
    const found = discoveredEndpoints(answer);
    if (found.length) {
      out.endpointIds = found.slice(0, 10).map((e) => clip(e.endpointId));
      out.switchable = found.filter((e) => e.interfaces.includes('Alexa.PowerController')).slice(0, 10).map((e) => clip(e.endpointId));
    }
  }
  if (isObject(event!.endpoint) && typeof event!.endpoint.endpointId === 'string') out.endpointId = event!.endpoint.endpointId;
  const props = isObject(answer) && isObject(answer.context) && Array.isArray(answer.context.properties) ? answer.context.properties : [];
  const shown = props
    .filter(isObject)
    .filter((p) => typeof p.namespace === 'string' && typeof p.name === 'string')
    .map((p) => `${String(p.namespace)}.${String(p.name)}=${typeof p.value === 'string' ? p.value : JSON.stringify(p.value)}`);
  if (shown.length) out.properties = shown.map(clip);
  return out;
}

/** How the token was handled in the replayed directive. */
export type TokenCase = 'sent' | 'none' | 'made-up';

/** Everything the judge looks at: what was sent, and what came back. */
export interface SmartHomeEvidence {
  /** directive.header.namespace and name of the directive sent. */
  namespace: string;
  name: string;
  token: TokenCase;
  /** The correlationToken and endpointId sent (control directives and ReportState). */
  correlationToken?: string;
  endpointId?: string;
  /** The built-in addressed a placeholder endpoint (Discover supplied none). */
  placeholderEndpoint?: boolean;
  /** HTTP status (endpoint, SMAPI), 200 when a handler returned, null when nothing came back. */
  status: number | null;
  latencyMs: number;
  /** The skill's answer, summarised (absent when it threw or nothing came back). */
  answer?: SmartHomeAnswerSummary;
  /** The failure, when the target reports one (threw, crash, timeout, network, not JSON…). */
  error?: { kind: string; message: string; hint?: string };
  /** The target's words for itself: "the handler", "the endpoint". */
  targetName: string;
}

export type SmartHomeJudgement = Judgement;

const CREDENTIAL = new Set<string>(CREDENTIAL_ERROR_TYPES);

function endSentence(s: string): string {
  return /[.!?]$/.test(s.trimEnd()) ? s.trimEnd() : `${s.trimEnd()}.`;
}

function answered(a: SmartHomeAnswerSummary): string {
  if (!a.event) return 'no smart home event';
  return a.errorType ? `${a.event} ${a.errorType}${a.errorMessage ? ` ("${a.errorMessage}")` : ''}` : a.event;
}

function tokenWords(e: SmartHomeEvidence, field: TokenField): string {
  if (e.token === 'sent') return `with the token at ${field}`;
  if (e.token === 'none') return `without a token (nothing at ${field})`;
  return `with a made-up token at ${field}`;
}

/**
 * The verdict on one replayed directive: a pure function of the evidence. Each explanation names
 * the directive and the token field.
 */
export function judgeSmartHome(e: SmartHomeEvidence): SmartHomeJudgement {
  const field = tokenFieldFor(e.namespace, e.name);
  const what = `${e.name} ${tokenWords(e, field)}`;
  const isAcceptGrant = e.namespace === 'Alexa.Authorization' && e.name === 'AcceptGrant';
  const isDiscover = e.namespace === 'Alexa.Discovery' && e.name === 'Discover';
  const isReportState = e.namespace === 'Alexa' && e.name === 'ReportState';

  if (e.error?.kind === 'load') {
    // The handler never loaded (a missing module, a syntax error): every directive fails alike, so
    // one explanation for all of them (the report shows them as one problem), and the load's own
    // hint as the fix, not advice about answering directives.
    const cause = endSentence(e.error.message);
    return {
      verdict: 'fail',
      explanation: `${cause} No directive gets an answer: Alexa finds no devices, and AcceptGrant fails while "Send Alexa Events" is on.${e.error.hint ? ` ${e.error.hint}` : ''}`,
      ...(e.error.hint ? { fix: e.error.hint } : {}),
    };
  }
  if (e.error) {
    const cause = endSentence(e.error.message);
    const base = `${what}: ${cause}`;
    const consequence = isAcceptGrant
      ? ' Alexa gets no answer to AcceptGrant, so linking fails for every user while "Send Alexa Events" is on.'
      : isDiscover
        ? ' Alexa finds no devices ("no new devices found").'
        : ' Alexa tells the user the device is not responding.';
    const fix = isAcceptGrant
      ? 'Answer AcceptGrant with an AcceptGrant.Response, or with an Alexa.Authorization ErrorResponse of type ACCEPT_GRANT_FAILED when the grant cannot be used; never let the handler throw.'
      : e.error.kind === 'timeout'
        ? `Answer within ${SMART_HOME_DEADLINE_MS / 1000} s: look at what the handler waits for (the provider, your device cloud).`
        : `Catch the failure and answer with an Alexa.ErrorResponse (INVALID_AUTHORIZATION_CREDENTIAL when the token at ${field} is missing or refused, INTERNAL_ERROR otherwise).`;
    return { verdict: 'fail', explanation: `${base}${consequence}${e.error.hint ? ` ${e.error.hint}` : ''}`, fix };
  }
  if (e.status !== null && (e.status < 200 || e.status >= 300)) {
    return { verdict: 'fail', explanation: `${what}: ${e.targetName} answered HTTP ${e.status}.`, fix: 'A smart home skill runs on Lambda; look at its logs for the failure.' };
  }
  const a = e.answer ?? {};
  if (!a.event) {
    return {
      verdict: 'fail',
      explanation: `${what}: ${e.targetName} did not answer with a smart home event (expected {"event": {"header": {"namespace", "name", …}, "payload": …}}).`,
      fix: 'Answer every directive with an event: Discover.Response, Alexa.Response, StateReport, AcceptGrant.Response or an ErrorResponse.',
    };
  }
  const slow = e.latencyMs > SMART_HOME_DEADLINE_MS;
  const late = slow ? ` It took ${e.latencyMs} ms; Alexa gives up after ${SMART_HOME_DEADLINE_MS / 1000} s.` : '';
  const lateFix = slow ? ` Answer within ${SMART_HOME_DEADLINE_MS / 1000} s.` : '';
  const format = formatWarnings(a);

  if (isAcceptGrant) {
    const ok = a.event === 'Alexa.Authorization AcceptGrant.Response' || (a.event === 'Alexa.Authorization ErrorResponse' && a.errorType === 'ACCEPT_GRANT_FAILED');
    if (!ok) {
      return {
        verdict: 'fail',
        explanation: `${what}: the skill answered ${answered(a)}.${late} Alexa accepts only AcceptGrant.Response or an Alexa.Authorization ErrorResponse of type ACCEPT_GRANT_FAILED; anything else fails linking while "Send Alexa Events" is on.`,
        fix: 'Answer AcceptGrant with {"event": {"header": {"namespace": "Alexa.Authorization", "name": "AcceptGrant.Response", …}, "payload": {}}}, or with an Alexa.Authorization ErrorResponse of type ACCEPT_GRANT_FAILED.',
      };
    }
    if (slow) return { verdict: 'fail', explanation: `${what}: the skill answered ${answered(a)}, but too late.${late}`, fix: `Answer AcceptGrant within ${SMART_HOME_DEADLINE_MS / 1000} s (exchange the grant code with a short timeout).` };
    const how = a.errorType ? 'refused the grant with ACCEPT_GRANT_FAILED (the user sees linking fail and can retry)' : 'accepted the grant';
    return withFormat({ verdict: 'pass', explanation: `${what}: the skill ${how}, as Alexa expects.` }, format);
  }

  const credentialError = a.event === 'Alexa ErrorResponse' && a.errorType !== undefined && CREDENTIAL.has(a.errorType);
  // What the answer fails to echo: a synchronous answer carries the directive's correlationToken
  // and, when the directive named an endpoint, its endpointId (alexa-errorresponse.html, alexa-response.html).
  const mismatches = echoMismatches(e, a);

  if (e.token !== 'sent') {
    if (credentialError) {
      if (slow) return { verdict: 'fail', explanation: `${what}: the skill answered ${a.errorType}, but too late.${late}`, fix: `Answer within ${SMART_HOME_DEADLINE_MS / 1000} s.` };
      if (mismatches.length) {
        return {
          verdict: 'fail',
          explanation: `${what}: the skill answered ${a.errorType}, but the answer has ${mismatches.join(' and ')}. Alexa cannot match the answer to the directive, so it does not learn that the link is broken.`,
          fix: 'Copy directive.header.correlationToken into event.header.correlationToken, and directive.endpoint.endpointId into event.endpoint.endpointId, in ErrorResponses too.',
        };
      }
      return withFormat({ verdict: 'pass', explanation: `${what}: the skill answered ${a.errorType}, so Alexa knows the link is broken and asks the user to link again.` }, format);
    }
    if (a.event === 'Alexa ErrorResponse' || a.event?.endsWith(' ErrorResponse')) {
      return {
        verdict: 'fail',
        explanation: `${what}: the skill answered ${answered(a)} instead of a credential error.${late} Alexa then tells the user the device is not responding, instead of asking them to link again.`,
        fix: `Check the token at ${field}; when it is missing or your provider refuses it, answer an Alexa.ErrorResponse of type INVALID_AUTHORIZATION_CREDENTIAL (EXPIRED_AUTHORIZATION_CREDENTIAL when it expired).${lateFix}`,
      };
    }
    return {
      verdict: 'fail',
      explanation: `${what}: the skill answered ${answered(a)}, as if the user were linked.${late} ${isDiscover ? 'It hands out the device list' : 'It acts on the device'} without a valid token.`,
      fix: `Read the token at ${field} and check it at your provider before answering; answer an Alexa.ErrorResponse of type INVALID_AUTHORIZATION_CREDENTIAL when it is missing or refused.`,
    };
  }

  // A token was sent (kept from the envelope, the session's or an environment variable's).
  if (credentialError) {
    return {
      verdict: 'fail',
      explanation: `${what}: the skill answered ${answered(a)}: it did not find or did not accept the token.${late} ${
        isDiscover ? 'Discover carries the token at directive.payload.scope.token.' : 'Control directives and ReportState carry the token at directive.endpoint.scope.token, not at directive.payload.scope.token like Discover.'
      }`,
      fix: `Read the token at ${field}; if it is read there, check how the skill validates it (a provider answering 401 means the token is expired or revoked: run alexa-link login again).`,
    };
  }
  if (isDiscover) {
    if (a.event !== 'Alexa.Discovery Discover.Response') {
      return {
        verdict: 'fail',
        explanation: `${what}: the skill answered ${answered(a)}, not Discover.Response.${late} Alexa finds no devices.`,
        fix: a.errorType
          ? `Find out why the skill answered ${a.errorType} (its logs; the call to your provider or device cloud): with a valid token it should answer Discover.Response with the user's endpoints.`
          : 'Answer Discover with {"event": {"header": {"namespace": "Alexa.Discovery", "name": "Discover.Response", …}, "payload": {"endpoints": […]}}}.',
      };
    }
    if (!a.endpoints) {
      return {
        verdict: 'fail',
        explanation: `${what}: Discover.Response has no endpoints.${late} The user hears "no new devices found".`,
        fix: 'Return the linked user\'s devices in payload.endpoints; an empty list means the token\'s account has none, or the skill looked them up for the wrong account.',
      };
    }
    if (a.incompleteEndpoints?.length) {
      return {
        verdict: 'fail',
        explanation: `${what}: Discover.Response has ${a.endpoints} endpoint${a.endpoints === 1 ? '' : 's'}, but ${a.incompleteEndpoints.join('; ')}.${late} Alexa drops such endpoints.`,
        fix: 'Give every endpoint an endpointId, a friendlyName and capabilities (with the Alexa interface and one per controller).',
      };
    }
    if (slow) return { verdict: 'fail', explanation: `${what}: Discover.Response came too late.${late}`, fix: `Answer Discover within ${SMART_HOME_DEADLINE_MS / 1000} s.` };
    return withFormat({ verdict: 'pass', explanation: `${what}: the token arrived and the skill discovered ${a.endpoints} endpoint${a.endpoints === 1 ? '' : 's'}.` }, format);
  }

  const expected = isReportState ? 'Alexa StateReport' : 'Alexa Response';
  if (a.event === 'Alexa DeferredResponse') {
    // Devices that take longer than 8 s may answer a control directive with a DeferredResponse and send
    // the Alexa.Response to the event gateway later (alexa-response.html, "Types of responses").
    // ReportState asks for the state, it changes nothing: its answer is a StateReport.
    if (isReportState) {
      return {
        verdict: 'fail',
        explanation: `${what}: the skill answered DeferredResponse.${late} A DeferredResponse is for directives that make a physical change taking longer than 8 s; Alexa expects ReportState to be answered with a StateReport (or an ErrorResponse).`,
        fix: 'Answer ReportState with an Alexa.StateReport event that echoes the directive\'s correlationToken and endpoint, with the endpoint\'s properties in context.properties.',
      };
    }
    const deferredMismatch = mismatches.filter((m) => m.startsWith('correlationToken'));
    if (deferredMismatch.length) {
      return {
        verdict: 'fail',
        explanation: `${what}: the token arrived and the skill answered DeferredResponse, but with ${deferredMismatch.join(' and ')}.${late} Alexa cannot match it to the directive.`,
        fix: 'Copy directive.header.correlationToken into the DeferredResponse\'s event.header.correlationToken (and into the Alexa.Response sent to the event gateway).',
      };
    }
    if (slow) return { verdict: 'fail', explanation: `${what}: the DeferredResponse came too late.${late}`, fix: `Send the DeferredResponse within ${SMART_HOME_DEADLINE_MS / 1000} s.` };
    return withFormat(
      {
        verdict: 'pass',
        explanation: `${what}: the token arrived and the skill answered DeferredResponse for the same correlationToken, as a device that takes longer than 8 s may. Alexa then waits for the Alexa.Response the skill sends to the event gateway; alexa-link does not see that one, so it is not checked.`,
      },
      format,
    );
  }
  if (a.event !== expected) {
    if (a.errorType === 'NO_SUCH_ENDPOINT' && e.placeholderEndpoint) {
      return {
        verdict: 'warn',
        explanation: `${what}: the token arrived, and the skill answered NO_SUCH_ENDPOINT for alexa-link's placeholder endpoint (Discover supplied none).`,
        fix: 'Make Discover return an endpoint with the token, then doctor addresses it.',
      };
    }
    if (a.errorType) {
      return {
        verdict: 'fail',
        explanation: `${what}: the skill answered ${answered(a)} instead of ${expected.replace('Alexa ', '')}.${late} Alexa tells the user the device is not responding.`,
        fix: `Find out why the skill answered ${a.errorType} (its logs; the call to your provider or device cloud): with a valid token it should answer ${e.name} with an ${expected.replace(' ', '.')} event that echoes the directive's correlationToken and endpoint.`,
      };
    }
    return {
      verdict: 'fail',
      explanation: `${what}: the skill answered ${answered(a)}, not ${expected.replace('Alexa ', '')}.${late}`,
      fix: `Answer ${e.name} with an ${expected.replace(' ', '.')} event that echoes the directive's correlationToken and endpoint.`,
    };
  }
  if (mismatches.length) {
    return {
      verdict: 'fail',
      explanation: `${what}: the token arrived, but the answer has ${mismatches.join(' and ')}.${late} Alexa cannot match the answer to the directive.`,
      fix: 'Copy directive.header.correlationToken into event.header.correlationToken, and directive.endpoint.endpointId into event.endpoint.endpointId.',
    };
  }
  if (slow) return { verdict: 'fail', explanation: `${what}: the answer came too late.${late}`, fix: `Answer within ${SMART_HOME_DEADLINE_MS / 1000} s.` };
  const state = a.properties?.length ? ` (${a.properties.join(', ')})` : '';
  return withFormat({ verdict: 'pass', explanation: `${what}: the token arrived and the skill answered ${expected.replace('Alexa ', '')}${state} for the same correlationToken and endpoint.` }, format);
}

/** What an answer fails to echo of the directive: its correlationToken, its endpointId. */
function echoMismatches(e: SmartHomeEvidence, a: SmartHomeAnswerSummary): string[] {
  const mismatches: string[] = [];
  if (e.correlationToken !== undefined && a.correlationToken !== e.correlationToken) mismatches.push(`correlationToken ${a.correlationToken === undefined ? 'missing' : `"${clip(a.correlationToken)}"`} (sent "${clip(e.correlationToken)}")`);
  if (e.endpointId !== undefined && a.endpointId !== e.endpointId) mismatches.push(`event.endpoint.endpointId ${a.endpointId === undefined ? 'missing' : `"${a.endpointId}"`} (sent "${e.endpointId}")`);
  return mismatches;
}

function formatWarnings(a: SmartHomeAnswerSummary): string[] {
  const w: string[] = [];
  if (a.payloadVersion !== '3') w.push(`event.header.payloadVersion is ${a.payloadVersion === undefined ? 'missing' : `"${a.payloadVersion}"`}, not "3"`);
  if (a.messageId === false) w.push('event.header.messageId is missing');
  return w;
}

function withFormat(j: SmartHomeJudgement, warnings: string[]): SmartHomeJudgement {
  if (!warnings.length) return j;
  return {
    verdict: 'warn',
    explanation: `${j.explanation} But ${warnings.join(' and ')}.`,
    fix: 'Set event.header.payloadVersion to "3" and a fresh messageId (a UUID) in every answer.',
  };
}

// ─── The kind ─────────────────────────────────────────────────────────────────────────────────

/** The kind's token places; a directive carries its token in one of them (tokenFieldFor). */
export const SMART_HOME_TOKEN_PLACES: readonly TokenPlace[] = [
  { id: 'grantee', field: 'directive.payload.grantee.token' },
  { id: 'scope', field: 'directive.payload.scope.token' },
  { id: 'endpoint', field: 'directive.endpoint.scope.token' },
];

const PLACE_OF_FIELD: Record<TokenField, string> = {
  'directive.payload.grantee.token': 'grantee',
  'directive.payload.scope.token': 'scope',
  'directive.endpoint.scope.token': 'endpoint',
};

/** The token holder object at a place ({type, token}), if any. */
function holderAt(doc: RequestDocument, place: string): Record<string, unknown> | undefined {
  if (place === 'grantee') return objectAt(doc, ['directive', 'payload', 'grantee']);
  if (place === 'scope') return objectAt(doc, ['directive', 'payload', 'scope']);
  if (place === 'endpoint') return objectAt(doc, ['directive', 'endpoint', 'scope']);
  return undefined;
}

function readTokenAt(doc: RequestDocument, place: string): string | undefined {
  return text(holderAt(doc, place)?.token);
}

/** The directive's own token place (where Alexa puts the token for it). */
function ownPlace(doc: RequestDocument): string {
  return PLACE_OF_FIELD[tokenFieldOf(doc as Directive)];
}

/**
 * Where the document holds a token: its own place always (true or false), and any other place that
 * holds one too (a misplaced token shows).
 */
function tokenIn(doc: RequestDocument): TokenPresence {
  const own = ownPlace(doc);
  const out: TokenPresence = { [own]: readTokenAt(doc, own) !== undefined };
  for (const p of SMART_HOME_TOKEN_PLACES) if (p.id !== own && readTokenAt(doc, p.id) !== undefined) out[p.id] = true;
  return out;
}

/**
 * Sets the token at a place, or removes it. A removed token leaves the holder's shape
 * ({"type": "BearerToken"}) in place: Alexa never sends a directive without its scope, so a probe
 * without a token asks what the skill does with a missing token, not with a malformed directive.
 */
function setAt(doc: RequestDocument, place: string, token: string | undefined): void {
  const dir = doc.directive as Record<string, unknown>;
  const holder = (parent: Record<string, unknown>, key: string) => {
    const old = parent[key];
    const next: Record<string, unknown> = isObject(old) ? { ...old } : {};
    next.type ??= 'BearerToken';
    if (token === undefined) delete next.token;
    else next.token = token;
    parent[key] = next;
  };
  if (place === 'endpoint') {
    if (token === undefined && !isObject(dir.endpoint)) return;
    holder(isObject(dir.endpoint) ? dir.endpoint : (dir.endpoint = {}), 'scope');
    return;
  }
  const key = place === 'grantee' ? 'grantee' : 'scope';
  if (token === undefined && !isObject(dir.payload)) return;
  holder(isObject(dir.payload) ? dir.payload : (dir.payload = {}), key);
}

function withToken(doc: RequestDocument, token: string | undefined, places?: readonly string[]): RequestDocument {
  const copy = jsonClone(doc);
  const wanted = new Set(places ?? [ownPlace(copy)]);
  for (const p of SMART_HOME_TOKEN_PLACES) {
    const here = token !== undefined && wanted.has(p.id);
    // Only touch places the directive has or is given a token in: a Discover keeps no endpoint.
    if (here || holderAt(copy, p.id)) setAt(copy, p.id, here ? token : undefined);
  }
  return copy;
}

function normalise(doc: RequestDocument): RequestDocument {
  const nulls = SMART_HOME_TOKEN_PLACES.some((p) => {
    const h = holderAt(doc, p.id);
    return h !== undefined && h.token === null;
  });
  if (!nulls) return doc;
  const copy = jsonClone(doc);
  for (const p of SMART_HOME_TOKEN_PLACES) {
    const h = holderAt(copy, p.id);
    if (h && h.token === null) setAt(copy, p.id, undefined);
  }
  return copy;
}

function notes(doc: RequestDocument): string[] {
  const v = objectAt(doc, ['directive', 'header'])?.payloadVersion;
  if (v !== undefined && v !== '3') return [`This directive has payloadVersion ${JSON.stringify(v)}: Alexa sends version 3 directives today (version 2 is retired).`];
  return [];
}

/** The facts of a directive, with what a smart home answer must echo (correlationToken, endpoint). */
export interface SmartHomeFacts extends RequestFacts {
  correlationToken?: string;
  endpointId?: string;
  /** The built-in addressed alexa-link's placeholder endpoint (Discover supplied none). */
  placeholderEndpoint?: boolean;
}

function facts(doc: RequestDocument): SmartHomeFacts {
  const header = objectAt(doc, ['directive', 'header']) ?? {};
  const type = `${text(header.namespace) ?? '?'}.${text(header.name) ?? '?'}`;
  const endpointId = text(objectAt(doc, ['directive', 'endpoint'])?.endpointId);
  const correlationToken = text(header.correlationToken);
  return {
    type,
    label: type,
    answerOptional: false,
    needsNoAccount: false,
    placeholderSkillId: false,
    ...(correlationToken ? { correlationToken } : {}),
    ...(endpointId ? { endpointId } : {}),
    ...(endpointId === PLACEHOLDER_ENDPOINT_ID ? { placeholderEndpoint: true } : {}),
  };
}

function secrets(doc: RequestDocument): string[] {
  const values = [...SMART_HOME_TOKEN_PLACES.map((p) => readTokenAt(doc, p.id)), text(objectAt(doc, ['directive', 'payload', 'grant'])?.code)];
  return [...new Set(values.filter((v): v is string => v !== undefined))];
}

/** --request names and the built-ins they make, in the order they run. */
export const SMART_HOME_BUILTINS = ['accept-grant', 'discover', 'report-state', 'turn-on'] as const;

const BUILTIN_OF: Record<(typeof SMART_HOME_BUILTINS)[number], BuiltinDirective> = {
  'accept-grant': 'AcceptGrant',
  discover: 'Discover',
  'report-state': 'ReportState',
  'turn-on': 'TurnOn',
};

/**
 * AcceptGrant, Discover, ReportState and TurnOn by default. ReportState and TurnOn address the
 * first endpoint Discover answers with (the first that can be switched), so they wait for that
 * answer; without one (no token, a failed Discover) they address a placeholder endpoint.
 */
function builtins(input: BuiltinInput): BuiltinRequest[] {
  const wanted = (input.requests.length ? input.requests : SMART_HOME_BUILTINS).filter((n): n is (typeof SMART_HOME_BUILTINS)[number] => (SMART_HOME_BUILTINS as readonly string[]).includes(n));
  const discovers = wanted.includes('discover');
  return wanted.map((name) => {
    const which = BUILTIN_OF[name];
    const source = `builtin:${name}`;
    const document = buildDirective(which);
    if ((which === 'ReportState' || which === 'TurnOn') && discovers) {
      return {
        source,
        document,
        after: {
          source: 'builtin:discover',
          make(answer) {
            const a = answer as SmartHomeAnswerSummary | undefined;
            const endpointId = a?.switchable?.[0] ?? a?.endpointIds?.[0];
            return endpointId ? buildDirective(which, { endpointId }) : document;
          },
        },
      };
    }
    return { source, document };
  });
}

function isResponse(response: unknown): boolean {
  return isObject(response) && isObject(response.event);
}

function style(code: CodeInfo | undefined): string {
  if (!code) return 'unknown';
  return code.requires.some((m) => m === 'ask-sdk-core' || m === 'ask-sdk') ? 'ask-sdk-v2' : 'raw';
}

function probes(doc: RequestDocument, mode: ProbeMode): ProbeSpec[] {
  if (mode !== 'all') return [];
  const own = ownPlace(doc);
  const token = readTokenAt(doc, own);
  if (!token) return [];
  const fake = madeUpToken(token);
  return [
    { id: 'no-token', title: 'no token', make: (d) => withToken(d, undefined) },
    { id: 'made-up-token', title: 'a made-up token of the same shape', make: (d) => withToken(d, fake, [own]) },
  ];
}

/** The evidence of one attempt (the directive as given, or a probe) in the judge's terms. */
function evidenceOf(e: ReplayEvidence<SmartHomeAnswerSummary>, a: Attempt<SmartHomeAnswerSummary>, token: TokenCase): SmartHomeEvidence {
  const [namespace, name] = splitType(e.request.type);
  const f = e.request as SmartHomeFacts;
  const error = a.error ?? (a.thrown ? { kind: 'threw', message: `${a.thrown.name}: ${a.thrown.message}` } : undefined);
  let withLog = error;
  const logged = loggedError(a);
  if (error && (error.kind === 'threw' || error.kind === 'crash') && logged && !error.message.includes(logged.slice(0, 60))) {
    withLog = { ...error, message: `${error.message.replace(/[.\s]+$/, '')}. It logged: ${quote(logged)}` };
  }
  return {
    namespace,
    name,
    token,
    ...(f.correlationToken ? { correlationToken: f.correlationToken } : {}),
    ...(f.endpointId ? { endpointId: f.endpointId } : {}),
    ...(f.placeholderEndpoint ? { placeholderEndpoint: true } : {}),
    status: a.status,
    latencyMs: a.latencyMs,
    ...(a.notAResponse || a.answer === undefined ? {} : { answer: a.answer }),
    ...(withLog ? { error: withLog } : {}),
    targetName: e.targetName,
  };
}

function splitType(type: string): [string, string] {
  const dot = type.lastIndexOf('.');
  return dot < 0 ? [type, ''] : [type.slice(0, dot), type.slice(dot + 1)];
}

function judge(e: ReplayEvidence<SmartHomeAnswerSummary>): Judgement {
  const own = PLACE_OF_FIELD[tokenFieldFor(...splitType(e.request.type))];
  const sent = Boolean(e.tokenIn[own]);
  const main = judgeSmartHome(evidenceOf(e, e, sent ? 'sent' : 'none'));
  let verdict = main.verdict;
  let explanation = main.explanation;
  let fix = main.fix;
  if (!sent && Object.entries(e.tokenIn).some(([place, has]) => has && place !== own)) {
    const where = Object.entries(e.tokenIn).filter(([place, has]) => has && place !== own).map(([place]) => SMART_HOME_TOKEN_PLACES.find((p) => p.id === place)!.field);
    explanation += ` This directive carries a token at ${where.join(' and ')}, where Alexa never puts it for ${splitType(e.request.type)[1]}.`;
  }
  const passed: string[] = [];
  const sameFailure: string[] = [];
  for (const p of e.probes) {
    const j = judgeSmartHome(evidenceOf(e, p, p.id === 'no-token' ? 'none' : 'made-up'));
    if (j.verdict === 'pass') {
      passed.push(`${p.title} → ${p.answer?.errorType ?? p.answer?.event ?? 'answered'}`);
      continue;
    }
    verdict = worse(verdict, j.verdict);
    fix = joinFix(fix, j.fix);
    // The same failure again (the handler throws whatever the token): said once.
    if (e.error && p.error && p.error.message === e.error.message) sameFailure.push(p.id === 'no-token' ? 'without a token' : 'with a made-up token');
    else explanation += ` ${j.explanation}`;
  }
  if (sameFailure.length) explanation += ` It failed the same way ${sameFailure.join(' and ')}.`;
  if (passed.length) explanation += ` Probes: ${passed.join('; ')}.`;
  if (verdict === 'pass') fix = undefined;
  return withCommonHints(fix ? { verdict, explanation, fix } : { verdict, explanation }, e);
}

function describe(a: SmartHomeAnswerSummary): string {
  if (!a.event) return 'no smart home event';
  const name = a.event.split(' ').pop()!;
  if (a.errorType) return `${name} ${a.errorType}`;
  if (a.endpoints !== undefined) return `${name}, ${a.endpoints} endpoint${a.endpoints === 1 ? '' : 's'}`;
  const state = a.properties?.find((p) => p.startsWith('Alexa.PowerController.powerState='));
  return state ? `${name} (powerState ${state.split('=')[1]})` : name;
}

/** The hops between Alexa and a smart home skill in the report's diagram. */
export const SMART_HOME_FLOW: readonly FlowHop[] = [
  { id: 7, from: 2, to: 4, label: 'AcceptGrant: grant code, token at payload.grantee (Send Alexa Events on)', requestTypes: ['Alexa.Authorization.AcceptGrant'] },
  { id: 5, from: 2, to: 4, label: 'Discover after linking (payload.scope.token), then directives (endpoint.scope.token)' },
  { id: 6, from: 4, to: 2, label: 'answer: Discover.Response, Alexa.Response; a credential ErrorResponse without a good token' },
];

export const smartHomeKind: SkillKind<SmartHomeAnswerSummary> = {
  id: 'smart-home',
  title: 'smart home skill',
  manifestApi: 'smartHome',
  builtinNames: SMART_HOME_BUILTINS,
  recognises: looksLikeDirective,
  problems: directiveProblems,
  normalise,
  notes,
  tokenPlaces: SMART_HOME_TOKEN_PLACES,
  tokenIn,
  readToken: readTokenAt,
  withToken,
  refresh: (doc) => refreshDirective(doc as Directive),
  facts,
  secrets,
  builtins,
  summarize: summarizeSmartHomeAnswer,
  isResponse,
  style,
  probes,
  judge,
  describe,
  flow: SMART_HOME_FLOW,
  notThroughSmapi:
    'alexa-link replays smart home directives against the skill\'s Lambda handler (the default, --handler) or an endpoint, not through SMAPI skill invocation. To test with Alexa itself, link the skill in the Alexa app and say "discover my devices".',
};
