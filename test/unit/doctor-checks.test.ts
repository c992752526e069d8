import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { judgeAuthorizeAnswer } from '../../src/oauth/authorize-probe.js';
import { linkingConfig } from '../../src/doctor/checks/linking-config.js';
import { judgeEndpoint, manifestEndpoint } from '../../src/doctor/checks/manifest-endpoint.js';
import { projectFiles } from '../../src/doctor/checks/project-files.js';
import { replaysCheck } from '../../src/doctor/checks/replays.js';
import { judgeSavedSession } from '../../src/doctor/checks/session-tokens.js';
import { judgeSimulation } from '../../src/doctor/checks/simulation.js';
import { judgeBogusCodeAnswer } from '../../src/doctor/checks/token-endpoint.js';
import type { DoctorContext } from '../../src/doctor/context.js';
import { missing, ok, type CheckOutcome, type CheckRunInfo } from '../../src/doctor/types.js';
import type { AccountLinkingPayload } from '../../src/linking/config.js';
import type { LoginSession } from '../../src/oauth/session.js';
import type { TokenHttpAnswer, TokenPostOutcome } from '../../src/oauth/token-exchange.js';
import type { SkillEndpoint, SkillProject } from '../../src/project/skill-project.js';
import type { SimulationOutcome } from '../../src/smapi/simulation.js';

/** A doctor context written out literally: every part given, nothing loaded from disk. */
function literalContext(over: Partial<DoctorContext> = {}): DoctorContext {
  const none = missing<never>('not part of this test');
  return {
    options: {
      cwd: '/p',
      profile: undefined,
      skillId: undefined,
      target: { kind: 'default' },
      envelopes: [],
      token: { kind: 'keep' },
      simulate: undefined,
      offline: false,
      only: undefined,
      timeoutMs: 2000,
      concurrency: 2,
      clientSecretEnv: 'ALEXA_LINK_CLIENT_SECRET',
      stage: 'development',
      verbose: false,
    },
    deps: { env: {} },
    env: {},
    now: () => new Date('2030-01-01T00:00:00Z'),
    project: none,
    projectAbsent: false,
    linkingSource: { kind: 'file' },
    manifest: none,
    linking: none,
    skillId: none,
    interactionModels: none,
    clientSecret: undefined,
    rehearsal: false,
    envelopePlan: { cwd: '/', labels: [] },
    skillEnv: {},
    replayToken: { change: { kind: 'keep' }, mode: { kind: 'keep' }, why: '--token keep' },
    replays: [],
    credentials: async () => missing('no SMAPI credentials: none in this test'),
    smapi: async () => missing('no SMAPI credentials: none in this test'),
    vendor: async () => undefined,
    ...over,
  };
}

const info: CheckRunInfo = { results: new Map(), signal: new AbortController().signal, timeoutMs: 2000 };
const temps: string[] = [];
afterAll(async () => {
  for (const t of temps) await rm(t, { recursive: true, force: true });
});

function project(root: string, over: Partial<SkillProject> = {}): SkillProject {
  return {
    root,
    profile: 'default',
    layout: 'ask-cli-v2',
    layoutName: 'ASK CLI v2 project',
    configPath: path.join(root, 'ask-resources.json'),
    resourcesPath: path.join(root, 'ask-resources.json'),
    skillPackageDir: path.join(root, 'skill-package'),
    manifestPath: path.join(root, 'skill-package', 'skill.json'),
    modelsDir: path.join(root, 'skill-package', 'interactionModels', 'custom'),
    codeDir: path.join(root, 'lambda'),
    lambda: {},
    deploy: 'self-hosted',
    linkingPath: path.join(root, 'accountLinking.json'),
    statesPath: path.join(root, '.ask', 'ask-states.json'),
    notes: [],
    ...over,
  };
}

const goodLinking: AccountLinkingPayload = {
  type: 'AUTH_CODE',
  authorizationUrl: 'https://auth.example.com/authorize',
  accessTokenUrl: 'https://auth.example.com/oauth/token',
  clientId: 'abc',
  accessTokenScheme: 'HTTP_BASIC',
  scopes: ['profile'],
};

const manifestWith = (endpoints: SkillEndpoint[], locales = ['en-US'], skillTypes = ['custom']) => ok({ manifest: {}, endpoints, locales, skillTypes });
const model = (locale: string) => ({ locale, label: `skill-package/interactionModels/custom/${locale}.json`, model: { interactionModel: { languageModel: { invocationName: 'my skill', intents: [] } } } });

describe('project-files', () => {
  it.each<[string, () => Promise<Partial<DoctorContext>>, CheckOutcome['status'], RegExp]>([
    ['no project at all', async () => ({ project: missing('No ask-resources.json in /x or any parent directory.') }), 'fail', /No ask-resources\.json/],
    [
      'a broken skill.json',
      async () => ({ project: ok(project(await tempRoot())), manifest: missing('skill-package/skill.json is not valid JSON at line 3, column 1: unexpected "}".'), linking: ok(goodLinking), skillId: ok('amzn1.ask.skill.1'), interactionModels: ok([model('en-US')]) }),
      'fail',
      /skill\.json is not valid JSON at line 3/,
    ],
    [
      'everything there',
      async () => ({ project: ok(project(await tempRoot())), manifest: manifestWith([]), linking: ok(goodLinking), skillId: ok('amzn1.ask.skill.1'), interactionModels: ok([model('en-US')]) }),
      'pass',
      /ASK CLI v2 project \(profile default\): found ask-resources\.json, skill-package\/skill\.json, accountLinking\.json, skill-package\/interactionModels\/custom\/en-US\.json/,
    ],
    [
      'not deployed yet, and a locale without a model',
      async () => ({ project: ok(project(await tempRoot())), manifest: manifestWith([], ['en-US', 'de-DE']), linking: ok(goodLinking), skillId: missing('no skill ID yet'), interactionModels: ok([model('en-US')]) }),
      'warn',
      /No interaction model for de-DE[\s\S]*no skill ID yet/,
    ],
    [
      'a smart home skill without interaction models (it has none)',
      async () => ({ project: ok(project(await tempRoot())), manifest: manifestWith([], ['en-US', 'de-DE'], ['smartHome', 'householdList']), linking: ok(goodLinking), skillId: ok('amzn1.ask.skill.1'), interactionModels: ok([]) }),
      'pass',
      /skill types: smartHome, householdList \(householdList not checked\)[\s\S]*interaction models: none \(not a custom skill: Alexa brings the interaction model\)/,
    ],
    [
      'a model without an invocation name',
      async () => ({ project: ok(project(await tempRoot())), manifest: manifestWith([]), linking: ok(goodLinking), skillId: ok('amzn1.ask.skill.1'), interactionModels: ok([{ locale: 'en-US', label: 'm.json', model: { interactionModel: { languageModel: {} } } }]) }),
      'fail',
      /m\.json: interactionModel\.languageModel\.invocationName is missing/,
    ],
  ])('%s', async (_name, make, status, detail) => {
    const r = await projectFiles.run(literalContext(await make()), info);
    expect(r.status).toBe(status);
    expect(r.detail).toMatch(detail);
  });

  it('warns when saved tokens are readable by others or not git-ignored', async () => {
    const root = await tempRoot();
    await mkdir(path.join(root, '.alexa-link'));
    await writeFile(path.join(root, '.alexa-link', 'session.json'), '{}');
    await chmod(path.join(root, '.alexa-link', 'session.json'), 0o644);
    const parts = { project: ok(project(root)), manifest: manifestWith([]), linking: ok(goodLinking), skillId: ok('amzn1.ask.skill.1'), interactionModels: ok([model('en-US')]) };
    const r = await projectFiles.run(literalContext(parts), info);
    expect(r.status).toBe('warn');
    expect(r.detail).toMatch(/readable by others \(mode 0644\)/);
    expect(r.detail).toMatch(/not in \.gitignore/);
    await chmod(path.join(root, '.alexa-link', 'session.json'), 0o600);
    await writeFile(path.join(root, '.gitignore'), 'node_modules/\n.alexa-link/\n');
    expect((await projectFiles.run(literalContext(parts), info)).status).toBe('pass');
  });
});

async function tempRoot(): Promise<string> {
  const d = await mkdtemp(path.join(os.tmpdir(), 'al-doc-'));
  temps.push(d);
  return d;
}

describe('manifest-endpoint', () => {
  const ep = (uri: string, sslCertificateType?: string): SkillEndpoint => ({ api: 'custom', region: 'default', uri, field: 'manifest.apis.custom.endpoint', ...(sslCertificateType ? { sslCertificateType } : {}) });
  it.each<[string, SkillEndpoint, CheckOutcome['status'], RegExp]>([
    ['a Lambda ARN', ep('arn:aws:lambda:us-east-1:210987654321:function:my-skill'), 'pass', /Lambda my-skill in us-east-1/],
    ['a Lambda ARN with an alias', ep('arn:aws:lambda:eu-west-1:210987654321:function:my-skill:live'), 'pass', /eu-west-1/],
    ['a placeholder ARN', ep('arn:aws:lambda:us-east-1:123456789012:function:REPLACE_ME'), 'warn', /placeholder/],
    ['a malformed ARN', ep('arn:aws:lambda:us-east-1:function:x'), 'fail', /not a Lambda function ARN/],
    ['HTTPS with a trusted certificate', ep('https://skill.example.com/alexa', 'Trusted'), 'pass', /skill\.example\.com over HTTPS/],
    ['HTTPS on port 8443', ep('https://skill.example.com:8443/alexa', 'Trusted'), 'fail', /port 8443; Alexa only connects to port 443/],
    ['plain HTTP', ep('http://skill.example.com/alexa', 'Trusted'), 'fail', /uses http; Alexa only calls HTTPS/],
    ['a loopback host', ep('https://127.0.0.1/alexa', 'Trusted'), 'fail', /Alexa cannot reach/],
    ['no certificate type', ep('https://skill.example.com/alexa'), 'warn', /no sslCertificateType/],
    ['a self-signed certificate', ep('https://skill.example.com/alexa', 'SelfSigned'), 'warn', /development only/],
    ['an unknown certificate type', ep('https://skill.example.com/alexa', 'trusted'), 'fail', /not Trusted, Wildcard or SelfSigned/],
    ['neither', ep('my-function'), 'fail', /neither a Lambda ARN nor a URL/],
  ])('%s', (_name, endpoint, status, detail) => {
    const f = judgeEndpoint(endpoint);
    expect(f.status).toBe(status);
    expect(f.detail).toMatch(detail);
  });

  it.each<[string, Partial<DoctorContext>, CheckOutcome['status'], RegExp]>([
    ['no endpoint, deployed by ask deploy to Lambda', { project: ok(project('/p', { deploy: 'lambda' })), manifest: manifestWith([]) }, 'warn', /ask deploy sets/],
    ['no endpoint, self-hosted', { project: ok(project('/p')), manifest: manifestWith([]) }, 'fail', /no endpoint/],
    ['a regional endpoint without the default', { manifest: manifestWith([{ api: 'custom', region: 'EU', uri: 'https://eu.example.com/', sslCertificateType: 'Trusted', field: 'manifest.apis.custom.regions.EU.endpoint' }]) }, 'fail', /no default/],
    [
      'a good default and a bad regional one',
      {
        manifest: manifestWith([
          { api: 'custom', region: 'default', uri: 'https://skill.example.com/', sslCertificateType: 'Trusted', field: 'manifest.apis.custom.endpoint' },
          { api: 'custom', region: 'FE', uri: 'http://fe.example.com/', field: 'manifest.apis.custom.regions.FE.endpoint' },
        ]),
      },
      'fail',
      /regions\.FE\.endpoint\.uri uses http/,
    ],
  ])('%s', async (_name, parts, status, detail) => {
    const r = await manifestEndpoint.run(literalContext(parts), info);
    expect(r.status).toBe(status);
    expect(r.detail).toMatch(detail);
  });

  it('no endpoint yet: "restore the states file first" only when it is missing (a fresh clone, where ask deploy would create a second skill)', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'al-endpoint-states-'));
    try {
      const states = path.join(root, '.ask', 'ask-states.json');
      const parts = { project: ok(project(root, { deploy: 'lambda', statesPath: states })), manifest: manifestWith([]) };
      const clone = await manifestEndpoint.run(literalContext(parts), info);
      expect(clone.fix).toBe('Run ask deploy (it creates the function and sets the endpoint); in a fresh clone of a deployed skill, restore .ask/ask-states.json first.');
      await mkdir(path.dirname(states));
      await writeFile(states, '{}');
      const here = await manifestEndpoint.run(literalContext(parts), info);
      expect(here.fix).toBe('Run ask deploy (it creates the function and sets the endpoint).');
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  // ASK CLI v1 writes the function NAME at endpoint.uri; its ARN is in .ask/config after ask deploy.
  const v1Named = (deployed: Array<{ name?: string; arn: string; usage: string[] }>) =>
    project('/p', { layout: 'ask-cli-v1', deploy: 'lambda', namedFunctions: { tool: 'ASK CLI v1', deployCommand: 'ask deploy (ASK CLI v1)', from: '.ask/config deploy_settings.default.resources.lambda', deployed } });
  it.each<[string, Partial<DoctorContext>, CheckOutcome['status'], RegExp, RegExp?]>([
    [
      'v1: a function name whose ARN .ask/config records',
      { project: ok(v1Named([{ name: 'ask-custom-x-default', arn: 'arn:aws:lambda:us-east-1:210987654321:function:ask-custom-x-default', usage: ['custom/default'] }])), manifest: manifestWith([ep('ask-custom-x-default')]) },
      'pass',
      /Lambda ask-custom-x-default in us-east-1 \(manifest\.apis\.custom\.endpoint\.uri names function ask-custom-x-default; its ARN .* is from \.ask\/config deploy_settings\.default\.resources\.lambda/,
    ],
    [
      'v1: a function name, not deployed yet',
      { project: ok(v1Named([])), manifest: manifestWith([ep('ask-custom-x-default')]) },
      'warn',
      /names a Lambda function that is not deployed yet: ask deploy \(ASK CLI v1\) creates function ask-custom-x-default/,
      /Run ask deploy \(ASK CLI v1\)/,
    ],
    [
      'v1 clone without .ask/config: a function name that could not be checked',
      { project: ok(project('/p', { layout: 'ask-cli-v1', deploy: 'lambda', namedFunctions: { tool: 'ASK CLI v1', deployCommand: 'ask deploy (ASK CLI v1)', from: '.ask/config deploy_settings.default.resources.lambda', deployed: [], stateMissing: '.ask/config is missing (not deployed from this checkout)' } })), manifest: manifestWith([ep('ask-custom-x-default')]) },
      'warn',
      /names a Lambda function whose ARN ASK CLI v1 records on deploy, but \.ask\/config is missing \(not deployed from this checkout\): it could not be checked/,
      /Restore \.ask\/config from the checkout that deployed the skill/,
    ],
    ['a function name in another layout stays a fail', { project: ok(project('/p', { deploy: 'lambda' })), manifest: manifestWith([ep('ask-custom-x-default')]) }, 'fail', /neither a Lambda ARN nor a URL/],
  ])('%s', async (_name, parts, status, detail, fix) => {
    const r = await manifestEndpoint.run(literalContext(parts), info);
    expect(r.status, r.detail).toBe(status);
    expect(r.detail).toMatch(detail);
    if (fix) expect(r.fix).toMatch(fix);
  });

  const sh = (region: string, uri: string, api: 'smartHome' | 'video' = 'smartHome'): SkillEndpoint => ({
    api,
    region,
    uri,
    field: region === 'default' ? `manifest.apis.${api}.endpoint` : `manifest.apis.${api}.regions.${region}.endpoint`,
  });
  const NA_ARN = 'arn:aws:lambda:us-east-1:210987654321:function:home';
  const EU_ARN = 'arn:aws:lambda:eu-west-1:210987654321:function:home';
  it.each<[string, Partial<DoctorContext>, CheckOutcome['status'], RegExp, RegExp?]>([
    ['smart home: a Lambda ARN', { manifest: manifestWith([sh('default', NA_ARN)], ['en-US'], ['smartHome']) }, 'pass', /Lambda home in us-east-1/],
    [
      'smart home: an HTTPS URL',
      { manifest: manifestWith([sh('default', 'https://home.example.com/alexa')], ['en-US'], ['smartHome']) },
      'fail',
      /manifest\.apis\.smartHome\.endpoint\.uri "https:\/\/home\.example\.com\/alexa" is not a Lambda function ARN: Alexa sends smart home skill directives only to AWS Lambda/,
    ],
    ['video: an HTTPS URL', { manifest: manifestWith([sh('default', 'https://tv.example.com/', 'video')], ['en-US'], ['video']) }, 'fail', /video skill directives only to AWS Lambda/],
    [
      'smart home: a regional function in the wrong AWS region',
      { manifest: manifestWith([sh('default', NA_ARN), sh('EU', NA_ARN)], ['en-US', 'de-DE'], ['smartHome']) },
      'fail',
      /regions\.EU\.endpoint: the function is in us-east-1, but Alexa's Europe and India region \(EU\) needs it in eu-west-1/,
      /eu-west-1/,
    ],
    ['smart home: each region with its own function', { manifest: manifestWith([sh('default', NA_ARN), sh('EU', EU_ARN)], ['en-US', 'de-DE'], ['smartHome']) }, 'pass', /eu-west-1/],
    [
      'smart home: a locale of another region without a function there',
      { manifest: manifestWith([sh('default', NA_ARN)], ['en-US', 'de-DE', 'en-GB'], ['smartHome']) },
      'warn',
      /de-DE, en-GB belong to Alexa's Europe and India region \(EU\), which has no endpoint of its own; the default function is in us-east-1/,
      /regions\.EU\.endpoint\.uri/,
    ],
    ['smart home: no endpoint, deployed by ask deploy', { project: ok(project('/p', { deploy: 'lambda' })), manifest: manifestWith([], ['en-US'], ['smartHome']) }, 'warn', /ask deploy sets manifest\.apis\.smartHome\.endpoint\.uri/],
    ['smart home: no endpoint, nothing deploys it', { project: ok(project('/p')), manifest: manifestWith([], ['en-US'], ['smartHome']) }, 'fail', /which Lambda function gets the smart home skill directives/],
    [
      'custom and smart home at once, and a type not checked',
      { manifest: manifestWith([{ ...ep('https://skill.example.com/alexa', 'Trusted') }, sh('default', 'https://home.example.com/')], ['en-US'], ['custom', 'smartHome', 'householdList']) },
      'fail',
      /^custom: manifest\.apis\.custom\.endpoint: skill\.example\.com over HTTPS[\s\S]*\nsmartHome: manifest\.apis\.smartHome\.endpoint\.uri "https:\/\/home\.example\.com\/" is not a Lambda[\s\S]*\nhouseholdList: not checked/,
    ],
    ['only a type alexa-link does not check', { manifest: manifestWith([], ['en-US'], ['householdList']) }, 'skip', /householdList: not checked/],
  ])('%s', async (_name, parts, status, detail, fix) => {
    const r = await manifestEndpoint.run(literalContext(parts), info);
    expect(r.status).toBe(status);
    expect(r.detail).toMatch(detail);
    if (fix) expect(r.fix).toMatch(fix);
  });
});

describe('linking-config', () => {
  it.each<[string, AccountLinkingPayload, boolean, CheckOutcome['status'], RegExp]>([
    ['a good configuration', goodLinking, false, 'pass', /AUTH_CODE with HTTP_BASIC, 1 scope\(s\): every rule passes/],
    ['HTTP token URL', { ...goodLinking, accessTokenUrl: 'http://auth.example.com/token' }, false, 'fail', /accessTokenUrl uses http/],
    ['a loopback rehearsal', { ...goodLinking, authorizationUrl: 'http://127.0.0.1:4000/auth', accessTokenUrl: 'http://127.0.0.1:4000/token' }, true, 'warn', /local rehearsal/],
    ['the secret in the file', { ...goodLinking, clientSecret: 's3cret-value' }, false, 'fail', /clientSecret is written in the file/],
    ['Auth0 without offline_access', { ...goodLinking, authorizationUrl: 'https://t.auth0.com/authorize', accessTokenUrl: 'https://t.auth0.com/oauth/token' }, false, 'warn', /offline_access/],
  ])('%s', async (_name, payload, rehearsal, status, detail) => {
    const r = await linkingConfig.run(literalContext({ linking: ok(payload), rehearsal }), info);
    expect(r.status).toBe(status);
    expect(r.detail).toMatch(detail);
    if (status !== 'pass') expect(r.fix).toBeTruthy();
  });
});

describe('authorization endpoint answers', () => {
  const redirect = 'https://pitangui.amazon.com/api/skill/link/M2VENDOR';
  it.each<[string, { status: number; headers: Record<string, string>; body: string }, string, RegExp]>([
    ['a sign-in page', { status: 200, headers: {}, body: '<html><title>Sign in</title><form>…</form></html>' }, 'accepted', /showed a page \(HTTP 200: "Sign in"\)/],
    ['a redirect to the sign-in page', { status: 302, headers: { location: '/u/login?state=x' }, body: '' }, 'accepted', /redirected to its sign-in page/],
    ['oidc-provider refusing the redirect_uri', { status: 400, headers: {}, body: '<h1>Sign-in error</h1><span>invalid_redirect_uri</span> redirect_uri did not match any of the client&#39;s registered redirect_uris' }, 'redirect-rejected', /refused the redirect_uri/],
    ['Google refusing the redirect_uri', { status: 400, headers: {}, body: '<p>Error 400: redirect_uri_mismatch</p>' }, 'redirect-rejected', /redirect_uri_mismatch/],
    ['Auth0 callback mismatch page', { status: 200, headers: {}, body: '<h2>Callback URL mismatch.</h2> The provided redirect_uri is not in the list of allowed callback URLs.' }, 'redirect-rejected', /Callback URL mismatch/],
    ['an unknown client', { status: 400, headers: {}, body: '<span>invalid_client</span> client is invalid' }, 'client-rejected', /refused the client ID/],
    ['an error sent back to Alexa', { status: 302, headers: { location: `${redirect}?error=invalid_scope&error_description=scope%20x%20unknown&state=s` }, body: '' }, 'error-redirect', /error=invalid_scope \(scope x unknown\)/],
    ['a 500', { status: 500, headers: {}, body: 'Internal Server Error' }, 'server-error', /HTTP 500/],
    ['oidc-provider requiring PKCE (error sent back)', { status: 303, headers: { location: `${redirect}?error=invalid_request&error_description=Authorization%20Server%20policy%20requires%20PKCE%20to%20be%20used%20for%20this%20request&state=s` }, body: '' }, 'pkce-required', /^requires PKCE: sent the user back with error=invalid_request \(Authorization Server policy requires PKCE/],
    ['an error page asking for a code_challenge', { status: 400, headers: {}, body: '<h1>Error</h1><p>invalid_request: code_challenge is required</p>' }, 'pkce-required', /^requires PKCE: showed an error page \(HTTP 400/],
  ])('%s', (_name, res, verdict, detail) => {
    const j = judgeAuthorizeAnswer(res, redirect);
    expect(j.verdict).toBe(verdict);
    expect(j.detail).toMatch(detail);
  });
});

describe('token endpoint answers to a made-up code', () => {
  const answer = (status: number, body: string, contentType = 'application/json', ms = 40): TokenHttpAnswer => {
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      json = undefined;
    }
    return { ok: true, scheme: 'HTTP_BASIC', status, headers: { 'content-type': contentType }, body, ms, ...(json === undefined ? {} : { json }) };
  };
  it.each<[string, TokenPostOutcome, CheckOutcome['status'], RegExp]>([
    ['invalid_grant in JSON', answer(400, '{"error":"invalid_grant"}'), 'pass', /refused with HTTP 400 \{"error": "invalid_grant"\}/],
    ['invalid_client in JSON', answer(401, '{"error":"invalid_client"}'), 'pass', /judged by token-endpoint-scheme/],
    ['an HTML page', answer(200, '<html><body>Please sign in</body></html>', 'text/html'), 'fail', /HTML[\s\S]*Alexa needs JSON/],
    ['an empty 400', answer(400, '', 'text/plain'), 'fail', /an empty body/],
    ['a 500', answer(500, '{"message":"boom"}'), 'fail', /HTTP 500/],
    ['slow', answer(400, '{"error":"invalid_grant"}', 'application/json', 5200), 'fail', /5200 ms; Alexa gives up after 4\.5 s/],
    ['unsupported_grant_type', answer(400, '{"error":"unsupported_grant_type"}'), 'fail', /refuses grant_type=authorization_code/],
    ['invalid_request', answer(400, '{"error":"invalid_request","error_description":"code_verifier required"}'), 'warn', /code_verifier required/],
    ['a token for a made-up code', answer(200, '{"access_token":"x","token_type":"bearer"}'), 'fail', /issued an access token for a made-up/],
    ['a redirect', { ...answer(302, ''), headers: { location: 'https://login.example.com/' } }, 'fail', /redirect/],
    [
      'unreachable',
      { ok: false, scheme: 'HTTP_BASIC', kind: 'refused', message: 'Connection refused by 127.0.0.1:9: nothing is listening there.', hint: 'Check the host and port.', ms: 2, error: new Error('x') as never },
      'fail',
      /Connection refused/,
    ],
  ])('%s', (_name, outcome, status, detail) => {
    const findings = judgeBogusCodeAnswer(outcome);
    const worst = findings.some((f) => f.status === 'fail') ? 'fail' : findings.some((f) => f.status === 'warn') ? 'warn' : 'pass';
    expect(worst).toBe(status);
    expect(findings.map((f) => f.detail).join('\n')).toMatch(detail);
  });
});

describe('saved session', () => {
  const session = (tokens: Partial<LoginSession['tokens']>, refreshOk = true): LoginSession => ({
    version: 1,
    createdAt: '2029-12-31T23:00:00Z',
    provider: { authorizationUrl: 'https://a/auth', tokenUrl: 'https://a/token', clientId: 'abc', accessTokenScheme: 'HTTP_BASIC', scopes: [] },
    redirectUri: 'http://127.0.0.1:9876/callback',
    tokens: { accessToken: 'Atza|x', tokenType: 'bearer', expiresIn: 3600, expiresAt: '2030-01-01T01:00:00Z', refreshToken: 'Atzr|y', ...tokens },
    refresh: { ok: refreshOk, at: '2029-12-31T23:00:01Z' },
  });
  const worst = (s: LoginSession, linking?: { clientId?: string; accessTokenUrl?: string }) => {
    const f = judgeSavedSession(s, { now: new Date('2030-01-01T00:00:00Z'), ...(linking ? { linking } : {}) });
    return { status: f.some((x) => x.status === 'fail') ? 'fail' : f.some((x) => x.status === 'warn') ? 'warn' : 'pass', detail: f.map((x) => x.detail).join('\n') };
  };
  it.each<[string, LoginSession, string, RegExp, { clientId?: string; accessTokenUrl?: string }?]>([
    ['good tokens', session({}), 'pass', /lifetime 3600 s[\s\S]*refresh token was issued/],
    ['a 300 s access token', session({ expiresIn: 300 }), 'fail', /lives 300 s; Alexa requires at least 360 s/],
    ['no refresh token', session({ refreshToken: undefined }), 'fail', /no refresh token: Alexa unlinks users/],
    ['the refresh at login failed', session({}, false), 'fail', /refresh during alexa-link login .* did not pass Alexa's rules/],
    ['expired', session({ expiresAt: '2029-12-31T23:59:00Z' }), 'warn', /expired 60 s ago/],
    ['made with another client', session({}), 'warn', /The session is stale: it was made with abc/, { clientId: 'other', accessTokenUrl: 'https://a/token' }],
  ])('%s', (_name, s, status, detail, linking) => {
    const r = worst(s, linking);
    expect(r.status).toBe(status);
    expect(r.detail).toMatch(detail);
  });
});

describe('simulation results', () => {
  const request = (token?: string) => ({
    version: '1.0',
    session: { user: { userId: 'u', ...(token ? { accessToken: token } : {}) } },
    context: { System: { user: { userId: 'u', ...(token ? { accessToken: token } : {}) } } },
    request: { type: 'LaunchRequest' },
  });
  const sim = (invocations: SimulationOutcome['invocations'], extra: Partial<SimulationOutcome> = {}): SimulationOutcome => ({ id: 's', status: 'SUCCESSFUL', invocations, alexaResponses: [], consideredIntents: [], error: undefined, polls: 1, ...extra });
  const greeting = { version: '1.0', response: { outputSpeech: { type: 'PlainText', text: 'Hello Ada' } } };
  const card = { version: '1.0', response: { outputSpeech: { type: 'PlainText', text: 'Please link' }, card: { type: 'LinkAccount' } } };
  it.each<[string, SimulationOutcome, CheckOutcome['status'], RegExp]>([
    ['token sent, skill greets', sim([{ endpoint: 'e', request: request('Atza|t'), response: greeting, skillExecutionTimeMs: 5 }]), 'pass', /sent an accessToken \(in context\.System\.user and session\.user\)[\s\S]*"Hello Ada"/],
    ['no token sent', sim([{ endpoint: 'e', request: request(), response: card, skillExecutionTimeMs: 5 }]), 'fail', /NO accessToken/],
    ['token sent, skill asks to link', sim([{ endpoint: 'e', request: request('Atza|t'), response: card, skillExecutionTimeMs: 5 }]), 'fail', /reads or validates the token wrongly/],
    ['Alexa never called the skill', sim([], { alexaResponses: [{ type: 'Speech', caption: "I don't know that" }], consideredIntents: ['AMAZON.FallbackIntent'] }), 'fail', /did not call the skill[\s\S]*I don't know that[\s\S]*FallbackIntent/],
  ])('%s', (_name, s, status, detail) => {
    const r = judgeSimulation('open my skill', s);
    expect(r.status).toBe(status);
    expect(r.detail).toMatch(detail);
  });
});

describe('replays target', () => {
  it('--smapi without a skill ID or without credentials fails (asked for by flag), naming what is missing', async () => {
    const base = literalContext().options;
    const noId = await replaysCheck({ kind: 'keep' }).run(literalContext({ options: { ...base, target: { kind: 'smapi' } }, skillId: missing('no skill ID yet') }), info);
    expect(noId).toMatchObject({ status: 'fail', detail: 'No replays: --smapi needs the skill ID: no skill ID yet.' });
    const noCredentials = await replaysCheck({ kind: 'keep' }).run(literalContext({ options: { ...base, target: { kind: 'smapi' } }, skillId: ok('amzn1.ask.skill.1') }), info);
    expect(noCredentials).toMatchObject({ status: 'fail', detail: 'No replays: --smapi: no SMAPI credentials: none in this test.' });
  });

  it('the default target without a project is skipped, not failed', async () => {
    const outcome = await replaysCheck({ kind: 'keep' }).run(literalContext({ project: missing('no ask-resources.json') }), info);
    expect(outcome.status).toBe('skip');
  });
});

describe('the light check list (doctor --help, completion) and the registry', () => {
  it('name the same checks, with the same titles, in the same order', async () => {
    const { CHECK_LIST } = await import('../../src/doctor/check-list.js');
    const { doctorChecks } = await import('../../src/doctor/checks/index.js');
    expect(CHECK_LIST.map((c) => ({ id: c.id, title: c.title }))).toEqual(doctorChecks().map((c) => ({ id: c.id, title: c.title })));
  });
});
