import type { v1 } from 'ask-smapi-model';
import { normalizeRemote, type AccountLinkingPayload } from '../linking/config.js';
import type { Smapi } from './client.js';
import { SmapiError } from './errors.js';

/**
 * The account-linking configuration of a skill stage through SMAPI. GET's body is documented
 * wrapped ({"accountLinkingResponse": …}) while the typings say flat: both are accepted. PUT's body
 * must be wrapped ({"accountLinkingRequest": …}) and only the development stage accepts it.
 */
export type Stage = 'development' | 'certified' | 'live';
export const STAGES: readonly Stage[] = ['development', 'certified', 'live'];
/** The only stage SMAPI accepts account-linking updates for. */
export const WRITABLE_STAGE: Stage = 'development';

export interface RemoteLinking {
  /** undefined when the stage has no account linking yet (GET answered 404). */
  payload: AccountLinkingPayload | undefined;
  /** For If-Match on the next PUT. */
  etag: string | undefined;
}

const NOT_CONFIGURED = 'no account linking is configured for this skill stage yet';

export async function getAccountLinking(smapi: Smapi, skillId: string, stage: Stage): Promise<RemoteLinking> {
  try {
    const res = await smapi.call({ action: 'read the account-linking configuration', skillId, stage, notFound: NOT_CONFIGURED }, (c) =>
      c.callGetAccountLinkingInfoV1(skillId, stage),
    );
    return { payload: normalizeRemote(res.body), etag: smapi.header(res.headers, 'etag') };
  } catch (err) {
    if (err instanceof SmapiError && err.status === 404) return { payload: undefined, etag: undefined };
    throw err;
  }
}

/** PUT {"accountLinkingRequest": payload} with If-Match when an ETag is known. Returns the new ETag if SMAPI sends one. */
export async function putAccountLinking(smapi: Smapi, skillId: string, stage: Stage, payload: AccountLinkingPayload, etag?: string): Promise<string | undefined> {
  // Our payload model is SMAPI's AccountLinkingRequestPayload field for field.
  const body: v1.skill.accountLinking.AccountLinkingRequest = { accountLinkingRequest: payload as v1.skill.accountLinking.AccountLinkingRequestPayload };
  const res = await smapi.call({ action: 'update the account-linking configuration', skillId, stage }, (c) =>
    c.callUpdateAccountLinkingInfoV1(skillId, stage, body, etag),
  );
  return smapi.header(res.headers, 'etag');
}

export async function deleteAccountLinking(smapi: Smapi, skillId: string, stage: Stage): Promise<void> {
  await smapi.call({ action: 'delete the account-linking configuration', skillId, stage, notFound: NOT_CONFIGURED }, (c) =>
    c.callDeleteAccountLinkingInfoV1(skillId, stage),
  );
}
