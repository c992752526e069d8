import { alexaRedirectUrl, ALEXA_REGIONS, type AlexaRegion } from '../../linking/redirect-urls.js';
import { HttpError, request } from '../../net/http.js';
import { buildAuthorizationUrl, newState } from '../../oauth/authorize-url.js';
import { fetchAuthorize, judgeAuthorizeAnswer, type AuthorizeJudgement } from '../../oauth/authorize-probe.js';
import { pkceFromConfig } from '../../linking/pkce-config.js';
import { fetchDiscovery, judgeDiscovery } from '../../oauth/discovery.js';
import { pkceRequiredExplanation } from '../../oauth/login-pkce.js';
import { newPkce } from '../../oauth/pkce.js';
import type { DoctorContext } from '../context.js';
import { fold, isLoopbackUrl, judgeScheme, probeTls, type Finding } from '../probe.js';
import type { Check, CheckOutcome } from '../types.js';

/**
 * The provider's authorization endpoint as the Alexa app meets it: reachable, a trusted and
 * unexpired certificate (Let's Encrypt: a warning), and what it does with Alexa's redirect_uri. The
 * URL is built exactly as Alexa builds it (with PKCE when accountLinking.json enables it), once per
 * Alexa redirect URL of the vendor (NA, EU, FE); a provider that refuses one of them breaks
 * linking for the users of that region, one that refuses it for lack of PKCE needs PKCE enabled for
 * the skill. Then the provider's discovery document, when there is one (oauth/discovery.ts): PKCE
 * support, the token endpoint's client authentication methods against accessTokenScheme, and the
 * configured URLs against the published ones.
 */
export const authorizationEndpoint: Check<DoctorContext> = {
  id: 'authorization-endpoint',
  title: 'Authorization endpoint',
  needsNetwork: true,
  needs: ['linking'],
  async run(ctx, info): Promise<CheckOutcome> {
    if (!ctx.linking.ok) return { status: 'skip', detail: ctx.linking.reason };
    const p = ctx.linking.value;
    if (!p.authorizationUrl || !p.clientId) return { status: 'skip', detail: 'accountLinking.json has no authorizationUrl or clientId (see linking-config).' };
    const findings: Finding[] = [];
    const label = 'authorizationUrl';
    const scheme = judgeScheme(p.authorizationUrl, { rehearsal: ctx.rehearsal, label });
    if (scheme) findings.push(scheme);
    const tls = await probeTls(p.authorizationUrl, { rehearsal: ctx.rehearsal, now: ctx.now(), label, timeoutMs: info.timeoutMs, ...(ctx.deps.ca ? { ca: ctx.deps.ca } : {}) });
    if (tls) findings.push(tls);
    // Unreachable, or a certificate Alexa would refuse: the sign-in page cannot tell more.
    if (tls && tls.status === 'fail') return fold(findings);
    // A loopback rehearsal with a test certificate: reported above, then looked past.
    const insecure = tls !== undefined && tls.status === 'warn' && ctx.rehearsal && isLoopbackUrl(p.authorizationUrl);

    const vendorId = await ctx.vendor();
    const targets: Array<{ region: AlexaRegion | 'loopback'; redirectUri: string }> = vendorId
      ? ALEXA_REGIONS.map((region) => ({ region, redirectUri: alexaRedirectUrl(vendorId, region) }))
      : [{ region: 'loopback', redirectUri: 'http://127.0.0.1:9876/callback' }];
    const http = ctx.deps.http ?? request;
    const pkceOn = pkceFromConfig(p)?.enabled === true;
    const answers = await Promise.all(
      targets.map(async (t) => {
        const pkce = pkceOn ? newPkce() : undefined;
        const { url } = buildAuthorizationUrl({
          authorizationUrl: p.authorizationUrl!,
          clientId: p.clientId!,
          redirectUri: t.redirectUri,
          state: newState(),
          scopes: p.scopes ?? [],
          ...(pkce ? { pkce: { challenge: pkce.challenge, method: pkce.method } } : {}),
        });
        try {
          const res = await fetchAuthorize(url, t.redirectUri, { timeoutMs: info.timeoutMs, insecure, http, signal: info.signal, ...(ctx.deps.ca ? { ca: ctx.deps.ca } : {}) });
          return { ...t, judged: judgeAuthorizeAnswer(res, t.redirectUri), ms: res.ms };
        } catch (err) {
          if (err instanceof HttpError) return { ...t, error: err };
          throw err;
        }
      }),
    );

    const failed = answers.find((a) => 'error' in a && a.error);
    if (failed && 'error' in failed && failed.error) {
      const rehearsalCert = ctx.rehearsal && failed.error.kind.startsWith('tls-');
      findings.push({ status: rehearsalCert ? 'warn' : 'fail', detail: `GET authorizationUrl: ${failed.error.message}`, ...(failed.error.hint ? { fix: failed.error.hint } : {}) });
      return fold(findings);
    }
    const judged = answers as Array<(typeof targets)[number] & { judged: AuthorizeJudgement; ms: number }>;
    const rejected = judged.filter((a) => a.judged.verdict === 'redirect-rejected');
    const vendorNote = vendorId ? '' : ' (no vendor ID: set ASK_VENDOR_ID, or configure SMAPI credentials, to test Alexa\'s own redirect URLs; the loopback URL of alexa-link login was used)';
    if (rejected.length) {
      const urls = vendorId ? ALEXA_REGIONS.map((r) => alexaRedirectUrl(vendorId, r)) : ['https://pitangui.amazon.com/api/skill/link/<vendorId>', 'https://layla.amazon.com/api/skill/link/<vendorId>', 'https://alexa.amazon.co.jp/api/skill/link/<vendorId>'];
      findings.push({
        status: 'fail',
        detail: rejected.map((a) => `With redirect_uri=${a.redirectUri} the provider ${a.judged.detail}.`).join('\n') + vendorNote,
        fix: `Allow all three Alexa redirect URLs in the provider's client settings (allowed callback / redirect URIs):\n${urls.map((u) => `  ${u}`).join('\n')}`,
      });
    }
    const pkceRefused = judged.find((a) => a.judged.verdict === 'pkce-required');
    if (pkceRefused) {
      const { detail, fix } = pkceRequiredExplanation(`asked as Alexa asks${pkceOn ? ' (with PKCE)' : ' without PKCE'}, it ${pkceRefused.judged.detail.replace(/^requires PKCE: /, '')}`);
      findings.push({ status: 'fail', detail, fix: fix.replace('then rerun with PKCE: alexa-link login --pkce', 'then test it with alexa-link login --pkce') });
    }
    for (const a of judged) {
      if (a.judged.verdict === 'client-rejected') findings.push({ status: 'fail', detail: `The provider ${a.judged.detail}.`, fix: 'Check accountLinkingRequest.clientId against the client registered at the provider.' });
      else if (a.judged.verdict === 'error-redirect') findings.push({ status: 'fail', detail: `With redirect_uri=${a.redirectUri} the provider ${a.judged.detail}.`, fix: 'Check the scopes and the client settings at the provider (allowed grant: authorization code).' });
      else if (a.judged.verdict === 'server-error' || a.judged.verdict === 'unexpected') findings.push({ status: 'fail', detail: `GET authorizationUrl ${a.judged.detail}.`, fix: 'Open the authorization URL in a browser and look at the provider logs.' });
    }
    const accepted = judged.filter((a) => a.judged.verdict === 'accepted');
    if (accepted.length === judged.length) {
      const slowest = Math.max(...accepted.map((a) => a.ms));
      findings.push({ status: 'pass', detail: `The provider ${accepted[0]!.judged.detail} for ${vendorId ? `all ${accepted.length} Alexa redirect URLs` : 'the loopback redirect URL'}${pkceOn ? ' (with PKCE, as Alexa sends it)' : ''} (${slowest} ms).${vendorNote}` });
    }
    // The provider's discovery document, when it publishes one: PKCE, client authentication, URLs.
    // Not worth asking a provider whose authorization endpoint itself fails.
    const endpointBroken = judged.some((a) => a.judged.verdict === 'server-error' || a.judged.verdict === 'unexpected');
    if (!info.signal.aborted && !endpointBroken) {
      const found = await fetchDiscovery(p.authorizationUrl, { http, timeoutMs: Math.min(info.timeoutMs, 5000), insecure, signal: info.signal, ...(ctx.deps.ca ? { ca: ctx.deps.ca } : {}) });
      if (found.doc) {
        findings.push(...judgeDiscovery(found.doc, { authorizationUrl: p.authorizationUrl, ...(p.accessTokenUrl ? { accessTokenUrl: p.accessTokenUrl } : {}), ...(p.type !== 'IMPLICIT' && p.accessTokenScheme ? { accessTokenScheme: p.accessTokenScheme } : {}), pkceOn }));
      } else if (found.tried.length) {
        findings.push({ status: 'pass', detail: `No OAuth/OIDC discovery document (looked at ${found.tried.join(', ')}): PKCE support and client authentication methods cannot be read from the provider.` });
      }
    }
    const outcome = fold(findings);
    // A refused redirect_uri breaks the way back to Alexa, not the way in.
    if (judged.some((a) => a.judged.verdict === 'redirect-rejected' || a.judged.verdict === 'error-redirect')) outcome.hop = 2;
    return outcome;
  },
};
