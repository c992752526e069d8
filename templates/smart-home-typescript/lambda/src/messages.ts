/**
 * The Smart Home API v3 messages this skill reads and writes, typed here and built by hand (no
 * SDK): where the access token travels in each directive, and the events the skill answers with.
 * Shapes follow Amazon's reference pages (Alexa.Discovery, Alexa.PowerController, Alexa,
 * Alexa.Authorization, Alexa.ErrorResponse) and the sample messages in github.com/alexa/alexa-smarthome.
 */
import { randomUUID } from 'node:crypto';

export const PAYLOAD_VERSION = '3';

export interface Scope {
  type?: string;
  token?: string;
}

export interface DirectiveHeader {
  namespace: string;
  name: string;
  messageId?: string;
  correlationToken?: string;
  payloadVersion?: string;
}

export interface Directive {
  header: DirectiveHeader;
  endpoint?: { endpointId?: string; scope?: Scope; cookie?: Record<string, unknown> };
  payload?: {
    scope?: Scope;
    grant?: { type?: string; code?: string };
    grantee?: Scope;
    [key: string]: unknown;
  };
}

export interface DirectiveEvent {
  directive?: Directive;
}

export interface StateProperty {
  namespace: string;
  name: string;
  value: unknown;
  timeOfSample: string;
  uncertaintyInMilliseconds: number;
}

export interface EventHeader {
  namespace: string;
  name: string;
  messageId: string;
  correlationToken?: string;
  payloadVersion: string;
}

export interface AlexaEvent {
  event: {
    header: EventHeader;
    endpoint?: { endpointId: string };
    payload: Record<string, unknown>;
  };
  context?: { properties: StateProperty[] };
}

export type TokenField = 'directive.payload.grantee.token' | 'directive.payload.scope.token' | 'directive.endpoint.scope.token';

/**
 * Where Alexa puts the linked account's access token:
 *   AcceptGrant   directive.payload.grantee.token (with the grant code at directive.payload.grant.code)
 *   Discover      directive.payload.scope.token
 *   every other   directive.endpoint.scope.token (control directives, ReportState)
 */
export function tokenField(header: DirectiveHeader): TokenField {
  if (header.namespace === 'Alexa.Authorization' && header.name === 'AcceptGrant') return 'directive.payload.grantee.token';
  if (header.namespace === 'Alexa.Discovery' && header.name === 'Discover') return 'directive.payload.scope.token';
  return 'directive.endpoint.scope.token';
}

export function readToken(directive: Directive): string | undefined {
  const field = tokenField(directive.header);
  const holder =
    field === 'directive.payload.grantee.token' ? directive.payload?.grantee : field === 'directive.payload.scope.token' ? directive.payload?.scope : directive.endpoint?.scope;
  const token = holder?.token;
  return typeof token === 'string' && token !== '' ? token : undefined;
}

function header(namespace: string, name: string, correlationToken?: string): EventHeader {
  return {
    namespace,
    name,
    messageId: randomUUID(),
    ...(typeof correlationToken === 'string' && correlationToken !== '' ? { correlationToken } : {}),
    payloadVersion: PAYLOAD_VERSION,
  };
}

export type ErrorType =
  | 'INVALID_AUTHORIZATION_CREDENTIAL'
  | 'EXPIRED_AUTHORIZATION_CREDENTIAL'
  | 'NO_SUCH_ENDPOINT'
  | 'INVALID_DIRECTIVE'
  | 'INTERNAL_ERROR'
  | 'ACCEPT_GRANT_FAILED';

/**
 * An Alexa.ErrorResponse (or Alexa.Authorization ErrorResponse for AcceptGrant). `message` is for
 * logs (Alexa does not read it to the user) and must never contain a token.
 */
export function errorResponse(directive: Directive | undefined, type: ErrorType, message: string): AlexaEvent {
  const h: Partial<DirectiveHeader> = directive?.header ?? {};
  const namespace = h.namespace === 'Alexa.Authorization' ? 'Alexa.Authorization' : 'Alexa';
  const endpointId = directive?.endpoint?.endpointId;
  return {
    event: {
      header: header(namespace, 'ErrorResponse', h.correlationToken),
      ...(typeof endpointId === 'string' ? { endpoint: { endpointId } } : {}),
      payload: { type, message },
    },
  };
}

export function acceptGrantResponse(): AlexaEvent {
  return { event: { header: header('Alexa.Authorization', 'AcceptGrant.Response'), payload: {} } };
}

export function discoverResponse(directive: Directive, endpoints: unknown[]): AlexaEvent {
  return { event: { header: header('Alexa.Discovery', 'Discover.Response', directive.header.correlationToken), payload: { endpoints } } };
}

/**
 * Alexa.Response (to a control directive) or StateReport (to ReportState): the same
 * correlationToken and endpoint as the directive, and the endpoint's current state in context.
 */
export function stateResponse(directive: Directive, name: 'Response' | 'StateReport', endpointId: string, properties: StateProperty[]): AlexaEvent {
  return {
    event: {
      header: header('Alexa', name, directive.header.correlationToken),
      endpoint: { endpointId },
      payload: {},
    },
    context: { properties },
  };
}
