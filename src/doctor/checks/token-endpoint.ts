import type { AccessTokenScheme } from '../../linking/config.js';
import { alexaRedirectUrl } from '../../linking/redirect-urls.js';
import { header, request, type HttpRequest } from '../../net/http.js';
import { cleartextSecretProblem, postTokenRequest, type TokenEndpointConfig, type TokenPostOutcome } from '../../oauth/token-exchange.js';
import { probeReciprocalUrl } from '../../oauth/reciprocal.js';
import type { DoctorContext } from '../context.js';
import { fold, isLoopbackUrl, judgeScheme, probeTls, type Finding } from '../probe.js';
import type { Check, CheckOutcome, CheckRunInfo } from '../types.js';
import { excerpt as cutRedacted } from '../../ui/redact.js';

/**
 * The provider's token endpoint as Alexa meets it: reachable, a trusted certificate (one from
 * Let's Encrypt is a warning: Amazon's requirements exclude it), an answer within 4.5 s, and a
 * made-up authorization code refused with an OAuth error in JSON (invalid_grant). HTML, an empty
 * body or a 5xx there is what users see as "We were unable to link at this time". A
 * reciprocalAccessTokenUrl is held to the same endpoint rules (oauth/reciprocal.ts).
 */
export const ALEXA_TOKEN_DEADLINE_MS = 4500;
export const BOGUS_CODE = 'alexa-link-doctor-made-up-code';

/** A body for a detail line: tags and white space out, redacted before it is cut. */
function excerpt(body: string, n = 160): string {
  return cutRedacted(body.replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ').replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ').trim(), n);
}

export function oauthError(outcome: TokenPostOutcome): { error: string; description?: string } | undefined {
  if (!outcome.ok || typeof outcome.json !== 'object' || outcome.json === null) return undefined;
  const j = outcome.json as Record<string, unknown>;
  if (typeof j.error !== 'string') return undefined;
  return typeof j.error_description === 'string' ? { error: j.error, description: j.error_description } : { error: j.error };
}

/** Whether the answer says the client could not be authenticated. */
export function clientRejected(outcome: TokenPostOutcome): boolean {
  if (!outcome.ok) return false;
  const e = oauthError(outcome);
  if (e) return e.error === 'invalid_client' || e.error === 'unauthorized_client';
  return outcome.status === 401;
}

/** What the answer to a made-up code says about the endpoint. Pure. */
export function judgeBogusCodeAnswer(outcome: TokenPostOutcome, opts: { latencyLimitMs?: number } = {}): Finding[] {
  const limit = opts.latencyLimitMs ?? ALEXA_TOKEN_DEADLINE_MS;
  if (!outcome.ok) return [{ status: 'fail', detail: `POST accessTokenUrl: ${outcome.message}`, ...(outcome.hint ? { fix: outcome.hint } : {}) }];
  const findings: Finding[] = [];
  if (outcome.ms > limit) {
    findings.push({ status: 'fail', detail: `It answered in ${outcome.ms} ms; Alexa gives up after ${limit / 1000} s and the user sees "unable to link".`, fix: 'Make the token endpoint answer faster (cold starts, slow database or upstream calls).' });
  }
  const type = header(outcome, 'content-type') ?? '';
  const e = oauthError(outcome);
  if (outcome.status >= 500) {
    findings.push({ status: 'fail', detail: `A made-up code made it fail with HTTP ${outcome.status}${outcome.body.trim() ? `: "${excerpt(outcome.body)}"` : ''}.`, fix: 'A bad code must be refused with HTTP 400 and {"error": "invalid_grant"}; look at the token endpoint logs.' });
  } else if (outcome.status >= 300 && outcome.status < 400) {
    findings.push({ status: 'fail', detail: `It answered a token request with a redirect (HTTP ${outcome.status} to ${header(outcome, 'location') ?? '?'}).`, fix: 'accessTokenUrl must be the token endpoint itself (POST, JSON answers), not a page that redirects; check the URL.' });
  } else if (outcome.json === undefined) {
    const what = /html/i.test(type) || /^\s*</.test(outcome.body) ? 'HTML' : outcome.body.trim() ? `"${type || 'no content type'}" that is not JSON` : 'an empty body';
    findings.push({ status: 'fail', detail: `It answered HTTP ${outcome.status} with ${what}${outcome.body.trim() ? ` ("${excerpt(outcome.body, 100)}")` : ''}; Alexa needs JSON.`, fix: 'Check that accessTokenUrl is the OAuth token endpoint (not the login page) and that it answers errors as JSON: {"error": "invalid_grant"}.' });
  } else if (outcome.status === 200 && typeof (outcome.json as Record<string, unknown>).access_token === 'string') {
    findings.push({ status: 'fail', detail: 'It issued an access token for a made-up authorization code!', fix: 'The token endpoint must verify authorization codes; this is a security hole.' });
  } else if (e) {
    const desc = e.description ? ` (${e.description})` : '';
    switch (e.error) {
      case 'invalid_grant':
        findings.push({ status: 'pass', detail: `A made-up code is refused with HTTP ${outcome.status} {"error": "invalid_grant"}${desc} in JSON, as it should be (${outcome.ms} ms).` });
        break;
      case 'invalid_client':
      case 'unauthorized_client':
        findings.push({ status: 'pass', detail: `It answers in JSON (${outcome.ms} ms): {"error": "${e.error}"}${desc}; the client authentication is judged by token-endpoint-scheme.` });
        break;
      case 'unsupported_grant_type':
        findings.push({ status: 'fail', detail: `It refuses grant_type=authorization_code: {"error": "unsupported_grant_type"}${desc}.`, fix: 'Enable the authorization code grant for this client, and accept application/x-www-form-urlencoded POSTs (Alexa sends form-encoded requests).' });
        break;
      case 'invalid_request':
        findings.push({ status: 'warn', detail: `It answers in JSON but calls Alexa's request malformed: {"error": "invalid_request"}${desc}.`, fix: 'Alexa sends grant_type, code, redirect_uri and the client credentials form-encoded (plus code_verifier with PKCE); make sure the endpoint needs nothing else.' });
        break;
      default:
        findings.push({ status: 'warn', detail: `It answers a made-up code with {"error": "${e.error}"}${desc} (expected invalid_grant).`, fix: 'Refuse unknown codes with {"error": "invalid_grant"} (RFC 6749 §5.2).' });
    }
  } else if (outcome.status >= 400) {
    findings.push({ status: 'warn', detail: `It answers HTTP ${outcome.status} with JSON but without an OAuth "error" field.`, fix: 'Answer errors as RFC 6749 §5.2 describes: {"error": "invalid_grant", "error_description": "…"}.' });
  } else {
    findings.push({ status: 'fail', detail: `It answered HTTP ${outcome.status} with JSON that is neither a token nor an OAuth error.`, fix: 'Check that accessTokenUrl is the OAuth token endpoint.' });
  }
  return findings;
}

/** The redirect_uri Alexa would send: its NA redirect URL for the vendor, else login's loopback URL. */
export async function tokenRedirectUri(ctx: DoctorContext): Promise<string> {
  const vendor = await ctx.vendor();
  return vendor ? alexaRedirectUrl(vendor, 'NA') : 'http://127.0.0.1:9876/callback';
}

/**
 * POSTs a made-up code with the given scheme (and the client secret when known and the URL may
 * carry it: see cleartextSecretProblem). In a local rehearsal an untrusted certificate is reported
 * and the request sent again without checking it.
 */
export async function postBogusCode(ctx: DoctorContext, scheme: AccessTokenScheme, info: CheckRunInfo, insecure = false): Promise<TokenPostOutcome> {
  const p = ctx.linking.ok ? ctx.linking.value : {};
  const http = ctx.deps.http ?? request;
  const tokenUrl = p.accessTokenUrl ?? '';
  const cfg: TokenEndpointConfig = {
    tokenUrl,
    clientId: p.clientId ?? '',
    clientSecret: cleartextSecretProblem(tokenUrl) ? '' : (ctx.clientSecret ?? ''),
    scheme,
    timeoutMs: Math.min(info.timeoutMs, 10_000),
    signal: info.signal,
    send: (req: HttpRequest) => http(insecure ? { ...req, insecure: true } : req),
    ...(ctx.deps.ca ? { ca: ctx.deps.ca } : {}),
    ...(ctx.deps.debug ? { trace: ctx.deps.debug } : {}),
  };
  return postTokenRequest(cfg, { grant_type: 'authorization_code', code: BOGUS_CODE, redirect_uri: await tokenRedirectUri(ctx) });
}

export const tokenEndpoint: Check<DoctorContext> = {
  id: 'token-endpoint',
  title: 'Token endpoint',
  needsNetwork: true,
  needs: ['linking'],
  async run(ctx, info): Promise<CheckOutcome> {
    if (!ctx.linking.ok) return { status: 'skip', detail: ctx.linking.reason };
    const p = ctx.linking.value;
    if (p.type === 'IMPLICIT') return { status: 'skip', detail: 'The IMPLICIT grant has no token endpoint.' };
    if (!p.accessTokenUrl) return { status: 'skip', detail: 'accountLinking.json has no accessTokenUrl (see linking-config).' };
    const findings: Finding[] = [];
    const label = 'accessTokenUrl';
    const reciprocal = p.reciprocalAccessTokenUrl
      ? probeReciprocalUrl(p.reciprocalAccessTokenUrl, {
          timeoutMs: Math.min(info.timeoutMs, 10_000),
          signal: info.signal,
          ...(ctx.deps.http ? { send: ctx.deps.http } : {}),
          ...(ctx.deps.ca ? { ca: ctx.deps.ca } : {}),
          ...(ctx.deps.debug ? { trace: ctx.deps.debug } : {}),
        }).then((s): Finding => ({ status: s.status, detail: `reciprocalAccessTokenUrl: ${s.detail}`, ...(s.fix ? { fix: s.fix } : {}) }))
      : undefined;
    const withReciprocal = async (): Promise<Finding[]> => (reciprocal ? [...findings, await reciprocal] : findings);
    const scheme = judgeScheme(p.accessTokenUrl, { rehearsal: ctx.rehearsal, label });
    if (scheme) findings.push(scheme);
    const tls = await probeTls(p.accessTokenUrl, { rehearsal: ctx.rehearsal, now: ctx.now(), label, timeoutMs: info.timeoutMs, ...(ctx.deps.ca ? { ca: ctx.deps.ca } : {}) });
    if (tls) findings.push(tls);
    // Unreachable, or a certificate Alexa would refuse: the POST cannot tell more.
    if (tls && tls.status === 'fail') return fold(await withReciprocal());
    // A loopback rehearsal with a test certificate: reported above, then looked past.
    const insecure = tls !== undefined && tls.status === 'warn' && ctx.rehearsal && isLoopbackUrl(p.accessTokenUrl);
    const outcome = await postBogusCode(ctx, p.accessTokenScheme ?? 'HTTP_BASIC', info, insecure);
    const answerFindings = judgeBogusCodeAnswer(outcome);
    findings.push(...answerFindings);
    // The endpoint was reached but answered wrongly or slowly: the way back to Alexa breaks.
    const answerFailed = outcome.ok && answerFindings.some((f) => f.status === 'fail');
    if (!ctx.clientSecret) findings.push({ status: 'pass', detail: `(Sent without the client secret: set ${ctx.options.clientSecretEnv} to let token-endpoint-scheme check the client authentication.)` });
    else if (cleartextSecretProblem(p.accessTokenUrl)) findings.push({ status: 'pass', detail: '(Sent without the client secret: it never goes over plain http to a host that is not a loopback address.)' });
    const folded = fold(await withReciprocal());
    if (answerFailed) folded.hop = 4;
    return folded;
  },
};
