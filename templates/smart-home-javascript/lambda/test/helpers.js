'use strict';

/** Directives as Alexa sends them, and small HTTP servers on 127.0.0.1 for the tests. */
const http = require('node:http');
const { randomUUID } = require('node:crypto');

const ENDPOINT_ID = 'virtual-switch-1';

/**
 * A Smart Home API v3 directive. The token goes where Alexa puts it for that directive:
 * payload.grantee (AcceptGrant), payload.scope (Discover), endpoint.scope (everything else);
 * `tokenAt` moves it elsewhere to test a skill that looks in the wrong place.
 */
function buildDirective({ namespace, name, token, endpointId = ENDPOINT_ID, correlationToken = `corr-${randomUUID()}`, code = 'grant-code-123', tokenAt, payloadVersion = '3' }) {
  const header = { namespace, name, messageId: randomUUID(), payloadVersion };
  const scope = token === undefined ? undefined : { type: 'BearerToken', token };
  const directive = { header, payload: {} };
  const place = tokenAt || (name === 'AcceptGrant' ? 'grantee' : name === 'Discover' ? 'payload' : 'endpoint');
  if (name === 'AcceptGrant') {
    directive.payload.grant = { type: 'OAuth2.AuthorizationCode', code };
    if (place === 'grantee' && scope) directive.payload.grantee = scope;
  } else if (name !== 'Discover') {
    header.correlationToken = correlationToken;
    directive.endpoint = { endpointId, cookie: {} };
  }
  if (scope && place === 'payload') directive.payload.scope = scope;
  if (scope && place === 'endpoint') directive.endpoint = { ...(directive.endpoint || { endpointId }), scope };
  return { directive };
}

const discover = (token, extra) => buildDirective({ namespace: 'Alexa.Discovery', name: 'Discover', token, ...extra });
const acceptGrant = (token, extra) => buildDirective({ namespace: 'Alexa.Authorization', name: 'AcceptGrant', token, ...extra });
const turnOn = (token, extra) => buildDirective({ namespace: 'Alexa.PowerController', name: 'TurnOn', token, ...extra });
const turnOff = (token, extra) => buildDirective({ namespace: 'Alexa.PowerController', name: 'TurnOff', token, ...extra });
const reportState = (token, extra) => buildDirective({ namespace: 'Alexa', name: 'ReportState', token, ...extra });

/** An HTTP server on 127.0.0.1: `respond(req, res, body)` answers; `requests` records what came. */
async function startServer(respond) {
  const requests = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      requests.push({ method: req.method, url: req.url, authorization: req.headers.authorization, contentType: req.headers['content-type'], body });
      respond(req, res, body);
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function json(res, status, body, headers = {}) {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

/** A console that records what the skill logs, to check that no token is ever written. */
function recordingLog() {
  const lines = [];
  const record = (...args) => lines.push(args.join(' '));
  return { lines, log: record, warn: record, error: record, info: record };
}

module.exports = { ENDPOINT_ID, buildDirective, discover, acceptGrant, turnOn, turnOff, reportState, startServer, json, recordingLog };
