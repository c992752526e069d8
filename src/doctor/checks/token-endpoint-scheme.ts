import type { AccessTokenScheme } from '../../linking/config.js';
import { cleartextSecretProblem, otherScheme, type TokenPostOutcome } from '../../oauth/token-exchange.js';
import type { DoctorContext } from '../context.js';
import { isLoopbackUrl } from '../probe.js';
import type { Check, CheckOutcome } from '../types.js';
import { clientRejected, oauthError, postBogusCode } from './token-endpoint.js';

/**
 * Whether the token endpoint accepts the client authentication accountLinking.json configures
 * (HTTP_BASIC or REQUEST_BODY_CREDENTIALS). A refused one is tried the other way to say which
 * works: the most common cause of "unable to link" after a correct login. Needs the client secret.
 */
const WORDS: Record<AccessTokenScheme, string> = {
  HTTP_BASIC: 'HTTP_BASIC (credentials in an HTTP Basic authorization header)',
  REQUEST_BODY_CREDENTIALS: 'REQUEST_BODY_CREDENTIALS (client_id and client_secret in the form body)',
};

function answerWords(o: TokenPostOutcome): string {
  if (!o.ok) return o.message;
  const e = oauthError(o);
  return e ? `HTTP ${o.status} {"error": "${e.error}"}${e.description ? ` (${e.description})` : ''}` : `HTTP ${o.status}`;
}

export const tokenEndpointScheme: Check<DoctorContext> = {
  id: 'token-endpoint-scheme',
  title: 'Client authentication: as accessTokenScheme says',
  needsNetwork: true,
  needs: ['linking', 'token-endpoint'],
  async run(ctx, info): Promise<CheckOutcome> {
    if (!ctx.linking.ok) return { status: 'skip', detail: ctx.linking.reason };
    const p = ctx.linking.value;
    if (p.type === 'IMPLICIT' || !p.accessTokenUrl) return { status: 'skip', detail: 'No token endpoint to authenticate at.' };
    if (!ctx.clientSecret) {
      return {
        status: 'skip',
        detail: `Skipped: no client secret in ${ctx.options.clientSecretEnv}, so the client authentication cannot be tried.`,
        fix: `Set ${ctx.options.clientSecretEnv} (or name another variable with --client-secret-env) to check which accessTokenScheme the provider accepts.`,
      };
    }
    const cleartext = cleartextSecretProblem(p.accessTokenUrl);
    if (cleartext) {
      return {
        status: 'skip',
        detail: `Not tried: ${cleartext.replace('alexa-link did not send the request: ', '')} (token-endpoint and linking-config report the URL).`,
        fix: 'Serve the token endpoint over HTTPS on port 443; Alexa never calls plain http.',
      };
    }
    const configured = p.accessTokenScheme ?? 'HTTP_BASIC';
    const insecure = ctx.rehearsal && isLoopbackUrl(p.accessTokenUrl);
    const first = await postBogusCode(ctx, configured, info, insecure);
    if (!first.ok) return { status: 'fail', detail: `POST accessTokenUrl: ${first.message}`, ...(first.hint ? { fix: first.hint } : {}) };
    if (!clientRejected(first)) {
      return { status: 'pass', detail: `The client authenticates with ${WORDS[configured]}: a made-up code was refused for the code, not the client (${answerWords(first)}).` };
    }
    const other = otherScheme(configured);
    const second = await postBogusCode(ctx, other, info, insecure);
    if (second.ok && !clientRejected(second)) {
      return {
        status: 'fail',
        detail: `The token endpoint refuses ${WORDS[configured]} (${answerWords(first)}) but accepts ${WORDS[other]} (${answerWords(second)}): Alexa's code exchange fails and users see "unable to link".`,
        fix: `Set "accessTokenScheme": "${other}" in accountLinking.json and push it with alexa-link configure (or change the client's authentication method at the provider).`,
        ...(ctx.linkingSource.kind === 'remote' ? {} : { edits: [{ by: 'token-endpoint-scheme', edit: { kind: 'set' as const, field: 'accessTokenScheme' as const, value: other } }] }),
      };
    }
    return {
      status: 'fail',
      detail: `The token endpoint refuses the client with both schemes (${configured}: ${answerWords(first)}; ${other}: ${answerWords(second)}).`,
      fix: `The client ID or secret is wrong: compare accountLinkingRequest.clientId and the value of ${ctx.options.clientSecretEnv} with the client registered at the provider.`,
    };
  },
};
