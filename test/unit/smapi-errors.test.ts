import { describe, expect, it } from 'vitest';
import { SmapiError, toSmapiError } from '../../src/smapi/errors.js';

/** An SMAPI SDK ServiceError as ask-sdk-model-runtime throws it. */
function serviceError(statusCode: number, response: unknown): Error {
  return Object.assign(new Error('Bad Request'), { name: 'ServiceError', statusCode, headers: [], response });
}

describe('toSmapiError on Login with Amazon OAuth errors', () => {
  it.each([
    ['a string description', { error: 'invalid_grant', error_description: 'expired' }, /invalid_grant: expired/],
    // Found by the fuzz suite (seed 58086423): an object whose toString is not a function threw a
    // TypeError while the message was built.
    ['an object with a toString that is not a function', { error: 'invalid_grant', error_description: { toString: 1 } }, /\(HTTP 400 invalid_grant\)\./],
    ['an array', { error: 'invalid_client', error_description: ['a', 'b'] }, /\(HTTP 400 invalid_client\)\./],
    ['a number', { error: 'invalid_grant', error_description: 7 }, /\(HTTP 400 invalid_grant\)\./],
  ])('%s', (_label, body, message) => {
    const err = toSmapiError(serviceError(400, body), { action: 'read the account-linking configuration' });
    expect(err).toBeInstanceOf(SmapiError);
    expect(err.message).toMatch(message);
    expect(err.code).toBe('E_LWA_REFRESH');
  });
});
