import { randomUUID } from 'node:crypto';

/**
 * Smart Home API v3 directives as Alexa sends them, for tests of smart home skills (fixtures,
 * the generated skill). Shapes from github.com/alexa/alexa-smarthome sample_messages and the
 * Alexa.Discovery, Alexa.PowerController, Alexa and Alexa.Authorization reference pages.
 */
export type DirectiveName = 'AcceptGrant' | 'Discover' | 'TurnOn' | 'TurnOff' | 'ReportState';

const NAMESPACE: Record<DirectiveName, string> = {
  AcceptGrant: 'Alexa.Authorization',
  Discover: 'Alexa.Discovery',
  TurnOn: 'Alexa.PowerController',
  TurnOff: 'Alexa.PowerController',
  ReportState: 'Alexa',
};

export interface DirectiveOptions {
  token?: string;
  endpointId?: string;
  correlationToken?: string;
  code?: string;
}

export function buildDirective(name: DirectiveName, o: DirectiveOptions = {}): Record<string, unknown> {
  const header: Record<string, unknown> = { namespace: NAMESPACE[name], name, messageId: randomUUID(), payloadVersion: '3' };
  const scope = o.token === undefined ? undefined : { type: 'BearerToken', token: o.token };
  if (name === 'AcceptGrant') {
    return { directive: { header, payload: { grant: { type: 'OAuth2.AuthorizationCode', code: o.code ?? 'grant-code-from-alexa' }, ...(scope ? { grantee: scope } : {}) } } };
  }
  if (name === 'Discover') return { directive: { header, payload: scope ? { scope } : {} } };
  header.correlationToken = o.correlationToken ?? `corr-${randomUUID()}`;
  return { directive: { header, endpoint: { endpointId: o.endpointId ?? 'virtual-switch-1', cookie: {}, ...(scope ? { scope } : {}) }, payload: {} } };
}

/** The parts of a smart home answer the tests look at. */
export interface SmartHomeAnswer {
  namespace?: string;
  name?: string;
  correlationToken?: string;
  endpointId?: string;
  errorType?: string;
  endpoints: { endpointId?: string; friendlyName?: string; capabilities?: unknown[] }[];
  powerState?: unknown;
}

export function readSmartHomeAnswer(answer: unknown): SmartHomeAnswer {
  const a = (answer ?? {}) as {
    event?: { header?: Record<string, string>; endpoint?: { endpointId?: string }; payload?: { type?: string; endpoints?: SmartHomeAnswer['endpoints'] } };
    context?: { properties?: { name?: string; value?: unknown }[] };
  };
  const h = a.event?.header ?? {};
  return {
    namespace: h.namespace,
    name: h.name,
    correlationToken: h.correlationToken,
    endpointId: a.event?.endpoint?.endpointId,
    errorType: h.name === 'ErrorResponse' ? a.event?.payload?.type : undefined,
    endpoints: a.event?.payload?.endpoints ?? [],
    powerState: a.context?.properties?.find((p) => p.name === 'powerState')?.value,
  };
}
