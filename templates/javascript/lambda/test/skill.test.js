'use strict';

const { describe, it, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { createSkill, SPEECH } = require('../skill');
const { buildEnvelope, startUserinfoServer, json, recordingLog, speechOf, SKILL_ID } = require('./helpers');

const TOKEN = 'test-access-token-0123456789abcdef';

describe('the skill', () => {
  let userinfo;
  let behaviour;
  before(async () => {
    userinfo = await startUserinfoServer((req, res) => behaviour(req, res));
  });
  after(() => userinfo.close());

  function skillWith(env = {}) {
    const logger = recordingLog();
    const skill = createSkill({ env: { USERINFO_URL: userinfo.url, USERINFO_TIMEOUT_MS: '300', ...env }, log: logger });
    return { skill, logger };
  }

  it('asks to link, with a LinkAccount card, when the request has no token', async () => {
    behaviour = () => assert.fail('userinfo must not be called without a token');
    const { skill } = skillWith();
    const res = await skill.invoke(buildEnvelope());
    assert.deepEqual(res.response.card, { type: 'LinkAccount' });
    assert.match(speechOf(res), /link your account/);
    assert.equal(res.response.shouldEndSession, true);
  });

  for (const request of [{ label: 'LaunchRequest' }, { label: 'WhoAmIIntent', intent: 'WhoAmIIntent' }]) {
    it(`greets a linked user by name on ${request.label}, sending the token as a bearer header`, async () => {
      behaviour = (req, res) => json(res, 200, { sub: 'user-1', name: 'Ada Lovelace', email: 'ada@example.com' });
      const before = userinfo.requests.length;
      const { skill, logger } = skillWith();
      const res = await skill.invoke(buildEnvelope({ intent: request.intent, accessToken: TOKEN }));
      assert.match(speechOf(res), /Hello, Ada Lovelace!/);
      assert.equal(res.response.card, undefined);
      assert.equal(userinfo.requests[before].authorization, `Bearer ${TOKEN}`);
      assert.ok(!logger.lines.join('\n').includes(TOKEN), 'the token must never be logged');
    });
  }

  it('falls back to the e-mail address, then the user ID, when the provider gives no name', async () => {
    const { skill } = skillWith();
    behaviour = (req, res) => json(res, 200, { sub: 'user-1', email: 'ada@example.com' });
    assert.match(speechOf(await skill.invoke(buildEnvelope({ accessToken: TOKEN }))), /Hello, ada@example.com!/);
    behaviour = (req, res) => json(res, 200, { user_id: 'amzn1.account.ABC' });
    assert.match(speechOf(await skill.invoke(buildEnvelope({ accessToken: TOKEN }))), /linked as user amzn1.account.ABC/);
  });

  it('escapes a name so the speech stays valid SSML', async () => {
    behaviour = (req, res) => json(res, 200, { name: 'Tom & Jerry <3' });
    const { skill } = skillWith();
    assert.match(speechOf(await skill.invoke(buildEnvelope({ accessToken: TOKEN }))), /Hello, Tom &amp; Jerry &lt;3!/);
  });

  it('treats a 401 from userinfo as a revoked token and asks to link again', async () => {
    behaviour = (req, res) => json(res, 401, { error: 'invalid_token' });
    const { skill, logger } = skillWith();
    const res = await skill.invoke(buildEnvelope({ intent: 'WhoAmIIntent', accessToken: TOKEN }));
    assert.deepEqual(res.response.card, { type: 'LinkAccount' });
    assert.equal(speechOf(res), `<speak>${SPEECH.relink}</speak>`);
    assert.ok(!logger.lines.join('\n').includes(TOKEN));
  });

  const failures = [
    { label: 'a 500', respond: (req, res) => json(res, 500, { error: 'server_error' }), logged: /HTTP 500/ },
    { label: 'an answer that is not JSON', respond: (req, res) => res.end('<html>oops</html>'), logged: /not answer with JSON/ },
    { label: 'a JSON answer that is not an object', respond: (req, res) => json(res, 200, ['a']), logged: /not answer with a JSON object/ },
    { label: 'no answer in time', respond: () => {}, logged: /did not answer within 300 ms/ },
  ];
  for (const failure of failures) {
    it(`says so, without crashing, on ${failure.label} from userinfo`, async () => {
      behaviour = failure.respond;
      const { skill, logger } = skillWith();
      const res = await skill.invoke(buildEnvelope({ accessToken: TOKEN }));
      assert.equal(speechOf(res), `<speak>${SPEECH.userinfoFailed}</speak>`);
      assert.equal(res.response.card, undefined);
      assert.match(logger.lines.join('\n'), failure.logged);
      assert.ok(!logger.lines.join('\n').includes(TOKEN));
    });
  }

  it('says so when the userinfo endpoint cannot be reached', async () => {
    const logger = recordingLog();
    const skill = createSkill({ env: { USERINFO_URL: 'http://127.0.0.1:1/userinfo' }, log: logger });
    const res = await skill.invoke(buildEnvelope({ accessToken: TOKEN }));
    assert.equal(speechOf(res), `<speak>${SPEECH.userinfoFailed}</speak>`);
    assert.match(logger.lines.join('\n'), /could not be reached/);
  });

  it('answers help, stop, cancel, fallback and session end', async () => {
    const { skill } = skillWith();
    assert.equal(speechOf(await skill.invoke(buildEnvelope({ intent: 'AMAZON.HelpIntent' }))), `<speak>${SPEECH.help}</speak>`);
    for (const intent of ['AMAZON.StopIntent', 'AMAZON.CancelIntent', 'AMAZON.NavigateHomeIntent']) {
      const res = await skill.invoke(buildEnvelope({ intent }));
      assert.equal(speechOf(res), `<speak>${SPEECH.goodbye}</speak>`);
      assert.equal(res.response.shouldEndSession, true);
    }
    assert.equal(speechOf(await skill.invoke(buildEnvelope({ intent: 'AMAZON.FallbackIntent' }))), `<speak>${SPEECH.fallback}</speak>`);
    const ended = await skill.invoke(buildEnvelope({ requestType: 'SessionEndedRequest' }));
    assert.equal(ended.response.outputSpeech, undefined);
  });

  it('answers skill events (SkillAccountLinked) with an empty response, not the error speech', async () => {
    const { skill } = skillWith();
    for (const requestType of ['AlexaSkillEvent.SkillAccountLinked', 'AlexaSkillEvent.SkillDisabled']) {
      const res = await skill.invoke(buildEnvelope({ requestType, accessToken: 'linked-token' }));
      assert.equal(res.response.outputSpeech, undefined);
    }
  });

  it('rejects requests for another skill when SKILL_ID is set', async () => {
    const { skill } = skillWith({ SKILL_ID: 'amzn1.ask.skill.someone-else' });
    await assert.rejects(skill.invoke(buildEnvelope()), /ID verification failed/);
    const { skill: ours } = skillWith({ SKILL_ID });
    assert.deepEqual((await ours.invoke(buildEnvelope())).response.card, { type: 'LinkAccount' });
  });

  it('exports a Lambda handler that reads USERINFO_URL at run time', async () => {
    behaviour = (req, res) => json(res, 200, { name: 'Grace Hopper' });
    const saved = process.env.USERINFO_URL;
    process.env.USERINFO_URL = userinfo.url;
    try {
      const { handler } = require('../index');
      assert.match(speechOf(await handler(buildEnvelope({ accessToken: TOKEN }), {})), /Hello, Grace Hopper!/);
      assert.deepEqual((await handler(buildEnvelope(), {})).response.card, { type: 'LinkAccount' });
    } finally {
      if (saved === undefined) delete process.env.USERINFO_URL;
      else process.env.USERINFO_URL = saved;
    }
  });
});
