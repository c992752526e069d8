import { randomUUID } from 'node:crypto';
import { isObject } from '../../project/json-file.js';

/**
 * Smart home skills (and video skills, which share the message format and token places): Smart
 * Home API v3 directives, where each carries the account-linking token, the built-in directives,
 * what a good answer is, and the judge. The facts, with their sources, are in smart-home.md next
 * to this file; the short form:
 *
 *   AcceptGrant  directive.payload.grantee.token   → AcceptGrant.Response | Alexa.Authorization ErrorResponse ACCEPT_GRANT_FAILED
 *   Discover     directive.payload.scope.token     → Discover.Response with endpoints
 *   control      directive.endpoint.scope.token    → Alexa.Response (same correlationToken and endpoint)
 *   ReportState  directive.endpoint.scope.token    → StateReport (same correlationToken and endpoint)
 *   no token / a token the skill's cloud refuses   → Alexa.ErrorResponse INVALID_ or EXPIRED_AUTHORIZATION_CREDENTIAL
 *   Alexa waits 8 s.
 *
 * Everything here is pure apart from fresh message IDs.
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

function typeWord(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return `a ${typeof v}`;
}

/** Whether a document is a smart home directive ({"directive": {"header": …}}) rather than a custom-skill envelope. */
export function looksLikeDirective(doc: unknown): boolean {
  return isObject(doc) && isObject(doc.directive) && isObject(doc.directive.header);
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
  else if (isObject(holder) && holder.token !== undefined && typeof holder.token !== 'string') problems.push(`${tokenFieldOf(doc as Directive)} must be a string, not ${typeWord(holder.token)}`);
  return problems;
}

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
  const copy = structuredClone(d);
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
      d = { directive: { header: header('Alexa.Authorization', 'AcceptGrant', false), payload: { grant: { type: 'OAuth2.AuthorizationCode', code: 'alexa-link-doctor-made-up-grant-code' } } } };
      break;
    case 'Discover':
      d = { directive: { header: header('Alexa.Discovery', 'Discover', false), payload: {} } };
      break;
    case 'ReportState':
      d = { directive: { header: header('Alexa', 'ReportState', true), endpoint: { endpointId: opts.endpointId ?? PLACEHOLDER_ENDPOINT_ID, cookie: {} }, payload: {} } };
      break;
    case 'TurnOn':
      d = { directive: { header: header('Alexa.PowerController', 'TurnOn', true), endpoint: { endpointId: opts.endpointId ?? PLACEHOLDER_ENDPOINT_ID, cookie: {} }, payload: {} } };
      break;
  }
  return opts.token === undefined ? d : withDirectiveToken(d, opts.token);
}

/** What a smart home answer says, in a few fields (for the report and the judge). */
export interface SmartHomeAnswerSummary {
  /** "Alexa.Discovery Discover.Response", "Alexa ErrorResponse"; undefined when the answer is no event. */
  event?: string;
  errorType?: string;
  errorMessage?: string;
  /** Discover.Response: how many endpoints, and those missing a required field. */
  endpoints?: number;
  incompleteEndpoints?: string[];
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

export interface SmartHomeJudgement {
  verdict: 'pass' | 'warn' | 'fail';
  explanation: string;
  /** What to change, when something is wrong. */
  fix?: string;
}

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

  if (e.token !== 'sent') {
    if (credentialError) {
      if (slow) return { verdict: 'fail', explanation: `${what}: the skill answered ${a.errorType}, but too late.${late}`, fix: `Answer within ${SMART_HOME_DEADLINE_MS / 1000} s.` };
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
        fix: 'Answer Discover with {"event": {"header": {"namespace": "Alexa.Discovery", "name": "Discover.Response", …}, "payload": {"endpoints": […]}}}.',
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
  if (a.event !== expected) {
    if (a.errorType === 'NO_SUCH_ENDPOINT' && e.placeholderEndpoint) {
      return {
        verdict: 'warn',
        explanation: `${what}: the token arrived, and the skill answered NO_SUCH_ENDPOINT for alexa-link's placeholder endpoint (Discover supplied none).`,
        fix: 'Make Discover return an endpoint with the token, then doctor addresses it.',
      };
    }
    return {
      verdict: 'fail',
      explanation: `${what}: the skill answered ${answered(a)}, not ${expected.replace('Alexa ', '')}.${late}`,
      fix: `Answer ${e.name} with an ${expected.replace(' ', '.')} event that echoes the directive's correlationToken and endpoint.`,
    };
  }
  const mismatches: string[] = [];
  if (e.correlationToken !== undefined && a.correlationToken !== e.correlationToken) mismatches.push(`correlationToken ${a.correlationToken === undefined ? 'missing' : `"${clip(a.correlationToken)}"`} (sent "${clip(e.correlationToken)}")`);
  if (e.endpointId !== undefined && a.endpointId !== e.endpointId) mismatches.push(`event.endpoint.endpointId ${a.endpointId === undefined ? 'missing' : `"${a.endpointId}"`} (sent "${e.endpointId}")`);
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
