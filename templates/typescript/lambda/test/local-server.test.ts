import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type express from 'express';
import { createApp, verificationDisabled } from '../src/local-server';
import { createSkill } from '../src/skill';
import { buildEnvelope, recordingLog } from './helpers';

async function post(app: express.Express, body: unknown, path = '/'): Promise<{ status: number; text: string }> {
  const server = await new Promise<Server>((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  try {
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return { status: res.status, text: await res.text() };
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('the local runner', () => {
  const skill = createSkill({ env: {}, log: recordingLog() });

  it('rejects an unsigned request with 400 while verification is on (the default)', async () => {
    const res = await post(createApp({ skill }), buildEnvelope());
    assert.equal(res.status, 400);
    assert.match(res.text, /Missing Certificate/);
  });

  it('answers an unsigned request with 200 when verification is off', async () => {
    const res = await post(createApp({ skill, verify: false }), buildEnvelope());
    assert.equal(res.status, 200);
    assert.deepEqual(JSON.parse(res.text).response.card, { type: 'LinkAccount' });
  });

  it('answers on the path of the HTTPS endpoint URL as well as on /', async () => {
    const app = createApp({ skill, verify: false, path: '/alexa' });
    for (const where of ['/alexa', '/']) {
      const res = await post(app, buildEnvelope(), where);
      assert.equal(res.status, 200, where);
      assert.deepEqual(JSON.parse(res.text).response.card, { type: 'LinkAccount' });
    }
    assert.equal((await post(app, buildEnvelope(), '/elsewhere')).status, 404);
  });

  it('turns verification off only when asked explicitly', () => {
    assert.equal(verificationDisabled([], {}), false);
    assert.equal(verificationDisabled([], { SKIP_VERIFICATION: '0' }), false);
    assert.equal(verificationDisabled([], { SKIP_VERIFICATION: '1' }), true);
    assert.equal(verificationDisabled([], { SKIP_VERIFICATION: 'true' }), true);
    assert.equal(verificationDisabled(['--no-verify'], {}), true);
  });
});
