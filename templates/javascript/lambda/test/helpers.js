'use strict';

/** Request envelopes and a userinfo endpoint for the tests, on 127.0.0.1 only. */
const http = require('node:http');
const { randomUUID } = require('node:crypto');

const SKILL_ID = 'amzn1.ask.skill.00000000-0000-0000-0000-000000000000';

/**
 * A request envelope as Alexa sends it. `accessToken` goes where Alexa puts the linked
 * account's token: context.System.user and session.user.
 */
function buildEnvelope({ intent, requestType = intent ? 'IntentRequest' : 'LaunchRequest', accessToken, locale = 'en-US' } = {}) {
  const user = { userId: 'amzn1.ask.account.TEST', ...(accessToken ? { accessToken } : {}) };
  const application = { applicationId: SKILL_ID };
  const request = { type: requestType, requestId: `amzn1.echo-api.request.${randomUUID()}`, timestamp: new Date().toISOString(), locale };
  if (requestType === 'IntentRequest') request.intent = { name: intent, confirmationStatus: 'NONE', slots: {} };
  if (requestType === 'SessionEndedRequest') request.reason = 'USER_INITIATED';
  return {
    version: '1.0',
    session: { new: true, sessionId: `amzn1.echo-api.session.${randomUUID()}`, application, user, attributes: {} },
    context: {
      System: {
        application,
        user,
        device: { deviceId: 'amzn1.ask.device.TEST', supportedInterfaces: {} },
        apiEndpoint: 'https://api.amazonalexa.com',
      },
    },
    request,
  };
}

/**
 * A userinfo endpoint: `respond(req, res)` answers each request; `requests` records the
 * Authorization headers it saw.
 */
async function startUserinfoServer(respond) {
  const requests = [];
  const server = http.createServer((req, res) => {
    requests.push({ method: req.method, url: req.url, authorization: req.headers.authorization });
    respond(req, res);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/userinfo`,
    requests,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function json(res, status, body) {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** A console that records what the skill logs, to check that no token is ever written. */
function recordingLog() {
  const lines = [];
  const record = (...args) => lines.push(args.join(' '));
  return { lines, log: record, warn: record, error: record, info: record };
}

function speechOf(responseEnvelope) {
  const speech = responseEnvelope.response.outputSpeech;
  return speech ? speech.ssml || speech.text || '' : '';
}

module.exports = { SKILL_ID, buildEnvelope, startUserinfoServer, json, recordingLog, speechOf };
