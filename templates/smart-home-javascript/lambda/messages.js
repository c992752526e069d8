'use strict';

/**
 * The Smart Home API v3 messages this skill reads and writes, built by hand (no SDK): where the
 * access token travels in each directive, and the events the skill answers with.
 * Shapes follow Amazon's reference pages (Alexa.Discovery, Alexa.PowerController, Alexa,
 * Alexa.Authorization, Alexa.ErrorResponse) and the sample messages in github.com/alexa/alexa-smarthome.
 */
const { randomUUID } = require('node:crypto');

const PAYLOAD_VERSION = '3';

/**
 * Where Alexa puts the linked account's access token:
 *   AcceptGrant   directive.payload.grantee.token (with the grant code at directive.payload.grant.code)
 *   Discover      directive.payload.scope.token
 *   every other   directive.endpoint.scope.token (control directives, ReportState)
 */
function tokenField(header) {
  if (header.namespace === 'Alexa.Authorization' && header.name === 'AcceptGrant') return 'directive.payload.grantee.token';
  if (header.namespace === 'Alexa.Discovery' && header.name === 'Discover') return 'directive.payload.scope.token';
  return 'directive.endpoint.scope.token';
}

function readToken(directive) {
  const payload = directive.payload || {};
  const field = tokenField(directive.header);
  const holder =
    field === 'directive.payload.grantee.token' ? payload.grantee : field === 'directive.payload.scope.token' ? payload.scope : (directive.endpoint || {}).scope;
  const token = holder && holder.token;
  return typeof token === 'string' && token !== '' ? token : undefined;
}

function header(namespace, name, correlationToken) {
  return {
    namespace,
    name,
    messageId: randomUUID(),
    ...(typeof correlationToken === 'string' && correlationToken !== '' ? { correlationToken } : {}),
    payloadVersion: PAYLOAD_VERSION,
  };
}

/**
 * An Alexa.ErrorResponse (or Alexa.Authorization ErrorResponse for AcceptGrant). `type` is one of
 * INVALID_AUTHORIZATION_CREDENTIAL, EXPIRED_AUTHORIZATION_CREDENTIAL, NO_SUCH_ENDPOINT,
 * INVALID_DIRECTIVE, INTERNAL_ERROR, ... or ACCEPT_GRANT_FAILED; `message` is for logs (Alexa does
 * not read it to the user) and must never contain a token.
 */
function errorResponse(directive, type, message) {
  const h = (directive && directive.header) || {};
  const namespace = h.namespace === 'Alexa.Authorization' ? 'Alexa.Authorization' : 'Alexa';
  const endpointId = directive && directive.endpoint && directive.endpoint.endpointId;
  return {
    event: {
      header: header(namespace, 'ErrorResponse', h.correlationToken),
      ...(typeof endpointId === 'string' ? { endpoint: { endpointId } } : {}),
      payload: { type, message },
    },
  };
}

function acceptGrantResponse() {
  return { event: { header: header('Alexa.Authorization', 'AcceptGrant.Response'), payload: {} } };
}

function discoverResponse(directive, endpoints) {
  return { event: { header: header('Alexa.Discovery', 'Discover.Response', directive.header.correlationToken), payload: { endpoints } } };
}

/**
 * Alexa.Response (to a control directive) or StateReport (to ReportState): the same
 * correlationToken and endpoint as the directive, and the endpoint's current state in context.
 */
function stateResponse(directive, name, endpointId, properties) {
  return {
    event: {
      header: header('Alexa', name, directive.header.correlationToken),
      endpoint: { endpointId },
      payload: {},
    },
    context: { properties },
  };
}

module.exports = { PAYLOAD_VERSION, tokenField, readToken, errorResponse, acceptGrantResponse, discoverResponse, stateResponse };
