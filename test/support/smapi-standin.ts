import { randomBytes, randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { request as httpRequest } from '../../src/net/http.js';
import { SmapiSpec, SPEC_PATH, SPEC_PATH_1_24, type SpecOperation } from './smapi-spec.js';

/**
 * A stateful stand-in for the parts of Amazon's Skill Management API that alexa-link calls, plus a
 * Login with Amazon token endpoint, on 127.0.0.1. Every request is checked against Amazon's own
 * SMAPI Swagger spec (see smapi-spec.ts), in both versions the project carries (ask-smapi-model
 * 1.23.0 and 1.24.0); departures are recorded as violations, answered with a 400 in SMAPI's error
 * shape, and tests assert `violations()` is empty. Every answer the stand-in gives to a SMAPI
 * operation is checked the same way against the operation's documented responses (status and body
 * schema), so the stand-in cannot answer what Amazon's spec does not allow without the tests
 * failing. Only deliberate faults with a raw (non-JSON) body are exempt: they play a proxy's error
 * page, not SMAPI.
 *
 * Behaviour follows the spec and the reference (§1.2–§1.4, §2.2): GET account linking answers the
 * spec's AccountLinkingResponse, flat, with an ETag header, and only the fields that schema has:
 * the write-only fields of the request (clientSecret, skipOnEnablement, reciprocalAccessTokenUrl)
 * never come back. `getShape: 'wrapped'` answers the documentation's example form
 * {"accountLinkingResponse": …} instead (its inner object is checked against the same schema).
 * PUT needs the wrapper, only the development stage, and answers 412 when If-Match differs from
 * the current ETag; PUT replaces the whole configuration. `linkingExtensions` plays a SMAPI "of
 * tomorrow" that has published fields the installed spec lacks (accepted on PUT; returned on GET
 * when readable). Simulations run asynchronously: the stand-in builds a request envelope for the
 * utterance (with the linked user's token when one is set), POSTs it to the skill endpoint given
 * by the test, and answers IN_PROGRESS once before SUCCESSFUL. Invocations forward
 * skillRequest.body to that endpoint.
 *
 * Faults: `fault(operation, …)` queues answers per operation (x-operation-name, e.g.
 * "updateAccountLinkingInfoV1", or "lwaToken"): a status with a body and headers, a delay, or a
 * raw non-JSON body. Each queued fault answers one request.
 */
export type Stage = 'development' | 'certified' | 'live';

export interface LinkingPayload {
  [field: string]: unknown;
}

export interface StandinSkillOptions {
  skillId: string;
  vendorId?: string;
  /** The skill package manifest, {"manifest": …}. */
  manifest?: unknown;
  /** Account linking per stage, including clientSecret if the test wants one stored. */
  linking?: Partial<Record<Stage, LinkingPayload>>;
  /** Stages enabled for testing. */
  enabled?: Stage[];
  /** Where simulations and invocations send requests (http://127.0.0.1:… in tests). */
  skillEndpoint?: string;
  /** The linked user's account-linking token that simulated requests carry. */
  userAccessToken?: string;
  /** Lower-cased utterance → intent name for simulations (others become AMAZON.FallbackIntent). */
  utteranceIntents?: Record<string, string>;
  /**
   * The skill's Alexa client (skill messaging) credentials that getSkillCredentialsV1 returns; made
   * up when not given, as every skill has them; null answers without skillMessagingCredentials.
   */
  messagingCredentials?: { clientId: string; clientSecret: string } | null;
}

export interface LwaClientOptions {
  clientId: string;
  clientSecret: string;
  refreshTokens: string[];
}

export interface StandinOptions {
  /** Bearer tokens SMAPI accepts (tokens issued by the LWA endpoint are added). */
  accessTokens?: string[];
  lwaClients?: LwaClientOptions[];
  vendors?: Array<{ id: string; name?: string }>;
  skills?: StandinSkillOptions[];
  /**
   * GET account linking body: the spec's flat AccountLinkingResponse (default) or the
   * documentation example's wrapped form {"accountLinkingResponse": …}.
   */
  getShape?: 'wrapped' | 'flat';
  /**
   * Account-linking fields Amazon has published since the installed spec: accepted in the PUT
   * payload, and returned by GET when `readable`.
   */
  linkingExtensions?: Array<{ field: string; schema?: Record<string, unknown>; readable?: boolean }>;
  lwaTokenLifetimeSeconds?: number;
  strictUnknownFields?: boolean;
  /** SMAPI's skill endpoint timeout is 10 s. */
  invocationTimeoutMs?: number;
}

export interface RecordedRequest {
  method: string;
  path: string;
  query: Record<string, string[]>;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** x-operation-name, "lwaToken", or undefined for unknown paths. */
  operation: string | undefined;
  status: number;
  at: number;
}

export interface Fault {
  status?: number;
  /** JSON body (serialised) … */
  body?: unknown;
  /** … or a raw body sent as is (e.g. an HTML error page). */
  rawBody?: string;
  contentType?: string;
  headers?: Record<string, string>;
  /** Wait this long before answering (with `status`, or normally without it). */
  delayMs?: number;
}

interface SkillState {
  skillId: string;
  vendorId: string;
  manifest: unknown;
  manifestEtag: string;
  linking: Map<Stage, { payload: LinkingPayload; etag: string }>;
  enabled: Set<string>;
  skillEndpoint: string | undefined;
  userAccessToken: string | undefined;
  utteranceIntents: Record<string, string>;
  messagingCredentials: { clientId: string; clientSecret: string } | null;
}

export interface SimulationRecord {
  id: string;
  skillId: string;
  stage: string;
  request: unknown;
  polls: number;
  done: boolean;
  status: 'IN_PROGRESS' | 'SUCCESSFUL' | 'FAILED';
  result: unknown;
  /** The envelope the stand-in sent to the skill endpoint. */
  envelope: unknown;
}

export interface SmapiStandin {
  /** Base URL for both ASK_SMAPI_SERVER_BASE_URL and ASK_LWA_TOKEN_HOST. */
  url: string;
  /** Environment for a spawned CLI: the endpoint variables. */
  env(): Record<string, string>;
  requests(operation?: string): RecordedRequest[];
  violations(): string[];
  fault(operation: string, fault: Fault): void;
  /** The stored configuration (with the client secret) and its ETag. */
  linking(skillId: string, stage?: Stage): { payload: LinkingPayload; etag: string } | undefined;
  setLinking(skillId: string, stage: Stage, payload: LinkingPayload | undefined): string | undefined;
  addSkill(skill: StandinSkillOptions): void;
  setSkill(skillId: string, patch: Partial<Omit<StandinSkillOptions, 'skillId' | 'linking'>>): void;
  isEnabled(skillId: string, stage: Stage): boolean;
  simulations(): SimulationRecord[];
  /** Issues and accepts a fresh SMAPI access token. */
  issueAccessToken(): string;
  revokeAccessToken(token: string): void;
  close(): Promise<void>;
}

const MAX_BODY = 2 * 1024 * 1024;

function etag(): string {
  return randomBytes(8).toString('hex');
}

/** Per answer: checks what is sent against the spec before it goes out (set by the request handler). */
const answerCheckers = new WeakMap<http.ServerResponse, (status: number, contentType: string | undefined, body: string) => void>();

function sendJson(res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (status === 204 || body === undefined) {
    answerCheckers.get(res)?.(status, undefined, '');
    res.writeHead(status, headers);
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  answerCheckers.get(res)?.(status, 'application/json', text);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(text)), ...headers });
  res.end(text);
}

/** SMAPI's error bodies: {message, violations[]} (v1.BadRequestError / StandardizedError). */
function smapiError(message: string, violations: string[] = []): unknown {
  return violations.length ? { message, violations: violations.map((m) => ({ code: 'INVALID_REQUEST_PARAMETER', message: m })) } : { message };
}

/** What GET can show of a stored configuration: the fields of the response schema only. */
function readableOnly(payload: LinkingPayload, readable: ReadonlySet<string>): LinkingPayload {
  const out: LinkingPayload = {};
  for (const [k, v] of Object.entries(payload)) if (readable.has(k)) out[k] = v;
  return out;
}

/** What SMAPI checks semantically on PUT (besides the schema): the reference's 400 causes. */
function linkingViolations(p: LinkingPayload): string[] {
  const out: string[] = [];
  const url = (field: string) => {
    const v = p[field];
    if (v === undefined) return;
    try {
      const u = new URL(String(v));
      if (u.protocol !== 'https:') out.push(`${field} must be an HTTPS URL.`);
    } catch {
      out.push(`${field} is not a valid URL.`);
    }
  };
  if (!p.type) out.push('type is required.');
  if (!p.authorizationUrl) out.push('authorizationUrl is required.');
  if (!p.clientId) out.push('clientId is required.');
  url('authorizationUrl');
  if (p.type === 'AUTH_CODE') {
    if (!p.accessTokenUrl) out.push('accessTokenUrl is required for AUTH_CODE.');
    if (!p.accessTokenScheme) out.push('accessTokenScheme is required for AUTH_CODE.');
    if (!p.clientSecret) out.push('clientSecret is required for AUTH_CODE.');
    url('accessTokenUrl');
  }
  if (Array.isArray(p.domains) && p.domains.length > 15) out.push('domains can have at most 15 entries.');
  if (Array.isArray(p.scopes) && p.scopes.length > 15) out.push('scopes can have at most 15 entries.');
  return out;
}

function speechOf(response: unknown): string | undefined {
  const os = (response as { response?: { outputSpeech?: { ssml?: string; text?: string } } } | undefined)?.response?.outputSpeech;
  if (!os) return undefined;
  if (typeof os.text === 'string') return os.text;
  if (typeof os.ssml === 'string') return os.ssml.replace(/<[^>]+>/g, '').trim();
  return undefined;
}

/** The request envelope Alexa would send for an utterance in a new session. */
export function buildSimulatedEnvelope(opts: {
  skillId: string;
  utterance: string;
  locale: string;
  userAccessToken?: string | undefined;
  intents?: Record<string, string>;
}): Record<string, unknown> {
  const user: Record<string, unknown> = { userId: 'amzn1.ask.account.STANDIN' };
  if (opts.userAccessToken) user.accessToken = opts.userAccessToken;
  const application = { applicationId: opts.skillId };
  const u = opts.utterance.trim().toLowerCase();
  const launch = /^(open|launch|start|begin|run|load|play)\b/.test(u) || /^(ask|tell)\s+\S+(\s+\S+)?$/.test(u);
  const request: Record<string, unknown> = {
    type: launch ? 'LaunchRequest' : 'IntentRequest',
    requestId: `amzn1.echo-api.request.${randomUUID()}`,
    timestamp: new Date().toISOString(),
    locale: opts.locale,
  };
  if (!launch) request.intent = { name: opts.intents?.[u] ?? 'AMAZON.FallbackIntent', confirmationStatus: 'NONE', slots: {} };
  return {
    version: '1.0',
    session: { new: true, sessionId: `amzn1.echo-api.session.${randomUUID()}`, application, user: { ...user }, attributes: {} },
    context: {
      System: {
        application,
        user: { ...user },
        device: { deviceId: 'amzn1.ask.device.STANDIN', supportedInterfaces: {} },
        apiEndpoint: 'https://api.amazonalexa.com',
        apiAccessToken: 'standin-api-access-token',
      },
    },
    request,
  };
}

export async function startSmapiStandin(opts: StandinOptions = {}): Promise<SmapiStandin> {
  const REQUEST_DEF = 'v1.skill.accountLinking.AccountLinkingRequestPayload';
  const RESPONSE_DEF = 'v1.skill.accountLinking.AccountLinkingResponse';
  const extensions: Record<string, Record<string, Record<string, unknown>>> = { [REQUEST_DEF]: {}, [RESPONSE_DEF]: {} };
  for (const x of opts.linkingExtensions ?? []) {
    extensions[REQUEST_DEF]![x.field] = x.schema ?? {};
    if (x.readable) extensions[RESPONSE_DEF]![x.field] = x.schema ?? {};
  }
  // Both published specs: a call or an answer one of them refuses is a violation.
  const specs = [SPEC_PATH, SPEC_PATH_1_24].map((specPath) => new SmapiSpec({ specPath, strictUnknownFields: opts.strictUnknownFields !== false, extensions }));
  const spec = specs[0]!;
  const merge = (perSpec: string[][]): string[] => {
    const seen = new Map<string, string[]>();
    perSpec.forEach((list, i) => {
      for (const v of new Set(list)) seen.set(v, [...(seen.get(v) ?? []), specs[i]!.version]);
    });
    return [...seen].map(([v, versions]) => (versions.length === specs.length ? v : `${v} [ask-smapi-model ${versions.join(', ')} only]`));
  };
  // The fields GET can show: those every spec's AccountLinkingResponse has.
  const readable = new Set(specs.map((s) => s.definitionProperties.get(RESPONSE_DEF) ?? []).reduce((a, b) => a.filter((x) => b.includes(x))));
  const accessTokens = new Set(opts.accessTokens ?? []);
  const lwaClients = new Map((opts.lwaClients ?? []).map((c) => [c.clientId, { secret: c.clientSecret, refreshTokens: new Set(c.refreshTokens) }]));
  const vendors = opts.vendors ?? [{ id: 'M2STANDIN0VENDOR', name: 'Stand-in Vendor' }];
  const skills = new Map<string, SkillState>();
  const faults = new Map<string, Fault[]>();
  const recorded: RecordedRequest[] = [];
  const violations: string[] = [];
  const simulations = new Map<string, SimulationRecord>();
  const lifetime = opts.lwaTokenLifetimeSeconds ?? 3600;
  const invocationTimeoutMs = opts.invocationTimeoutMs ?? 10_000;
  const pending = new Set<Promise<unknown>>();

  const addSkill = (s: StandinSkillOptions) => {
    const linking = new Map<Stage, { payload: LinkingPayload; etag: string }>();
    for (const [stage, payload] of Object.entries(s.linking ?? {})) if (payload) linking.set(stage as Stage, { payload: { ...payload }, etag: etag() });
    skills.set(s.skillId, {
      skillId: s.skillId,
      vendorId: s.vendorId ?? vendors[0]!.id,
      manifest: s.manifest,
      manifestEtag: etag(),
      linking,
      enabled: new Set(s.enabled ?? []),
      skillEndpoint: s.skillEndpoint,
      userAccessToken: s.userAccessToken,
      utteranceIntents: s.utteranceIntents ?? {},
      messagingCredentials:
        s.messagingCredentials === undefined
          ? { clientId: `amzn1.application-oa2-client.${randomBytes(16).toString('hex')}`, clientSecret: `amzn1.oa2-cs.v1.${randomBytes(32).toString('hex')}` }
          : s.messagingCredentials,
    });
  };
  for (const s of opts.skills ?? []) addSkill(s);

  const endpointOf = (skill: SkillState): string | undefined => {
    if (skill.skillEndpoint) return skill.skillEndpoint;
    const uri = (skill.manifest as { manifest?: { apis?: { custom?: { endpoint?: { uri?: unknown } } } } } | undefined)?.manifest?.apis?.custom?.endpoint?.uri;
    return typeof uri === 'string' && /^https?:\/\//.test(uri) ? uri : undefined;
  };

  const callSkill = async (skill: SkillState, envelope: unknown): Promise<{ endpoint: string; ok: true; body: unknown; ms: number } | { endpoint: string | undefined; ok: false; error: string; ms: number }> => {
    const endpoint = endpointOf(skill);
    const started = Date.now();
    if (!endpoint) return { endpoint, ok: false, error: 'The skill has no endpoint the stand-in can call.', ms: 0 };
    try {
      const res = await httpRequest({ url: endpoint, method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(envelope), timeoutMs: invocationTimeoutMs });
      const ms = Date.now() - started;
      if (res.status < 200 || res.status >= 300) return { endpoint, ok: false, error: `Skill endpoint answered HTTP ${res.status}: ${res.body.slice(0, 200)}`, ms };
      try {
        return { endpoint, ok: true, body: JSON.parse(res.body), ms };
      } catch {
        return { endpoint, ok: false, error: 'Skill endpoint answered with a body that is not JSON.', ms };
      }
    } catch (err) {
      return { endpoint, ok: false, error: `Skill endpoint could not be reached: ${(err as Error).message}`, ms: Date.now() - started };
    }
  };

  const track = <T>(p: Promise<T>): Promise<T> => {
    pending.add(p);
    void p.finally(() => pending.delete(p));
    return p;
  };

  const runSimulation = async (sim: SimulationRecord, skill: SkillState, utterance: string, locale: string) => {
    const envelope = buildSimulatedEnvelope({ skillId: skill.skillId, utterance, locale, userAccessToken: skill.userAccessToken, intents: skill.utteranceIntents });
    sim.envelope = envelope;
    const out = await callSkill(skill, envelope);
    const invocation: Record<string, unknown> = { invocationRequest: { endpoint: out.endpoint ?? 'unknown', body: envelope }, metrics: { skillExecutionTimeInMilliseconds: out.ms } };
    if (out.ok) invocation.invocationResponse = { body: out.body };
    const caption = out.ok ? speechOf(out.body) : "There was a problem with the requested skill's response";
    sim.status = 'SUCCESSFUL';
    sim.result = {
      skillExecutionInfo: { invocations: [invocation] },
      alexaExecutionInfo: { alexaResponses: caption === undefined ? [] : [{ type: 'Speech', content: { caption } }], consideredIntents: [] },
      ...(out.ok ? {} : { error: { message: out.error } }),
    };
    sim.done = true;
  };

  type Handler = (ctx: { op: SpecOperation; params: Record<string, string>; json: unknown; headers: http.IncomingHttpHeaders; res: http.ServerResponse }) => void | Promise<void>;

  const skillOr404 = (skillId: string, res: http.ServerResponse): SkillState | undefined => {
    const skill = skills.get(skillId);
    if (!skill) sendJson(res, 404, smapiError(`Skill with id ${skillId} not found.`));
    return skill;
  };

  const handlers: Record<string, Handler> = {
    getAccountLinkingInfoV1: ({ params, res }) => {
      const skill = skillOr404(params.skillId!, res);
      if (!skill) return;
      const entry = skill.linking.get(params.stageV2 as Stage);
      if (!entry) return sendJson(res, 404, smapiError('AccountLinking is not present for given skillId'));
      const inner = readableOnly(entry.payload, readable);
      if (opts.getShape === 'wrapped') {
        // The documentation's form: the spec does not have the wrapper, so the answer checker would
        // refuse it; the object inside is checked against the spec's schema instead.
        answerCheckers.delete(res);
        violations.push(...merge(specs.map((s) => s.checkDefinition(RESPONSE_DEF, inner, 'getAccountLinkingInfoV1 answer body/accountLinkingResponse'))));
        return sendJson(res, 200, { accountLinkingResponse: inner }, { etag: entry.etag });
      }
      sendJson(res, 200, inner, { etag: entry.etag });
    },
    updateAccountLinkingInfoV1: ({ params, json, headers, res }) => {
      const skill = skillOr404(params.skillId!, res);
      if (!skill) return;
      const stage = params.stageV2 as Stage;
      if (stage !== 'development') return sendJson(res, 400, smapiError('Account linking information is not valid.', [`Stage "${stage}" cannot be updated; accepted value is development.`]));
      const current = skill.linking.get(stage);
      const ifMatch = headers['if-match'];
      if (ifMatch !== undefined && ifMatch !== current?.etag) return sendJson(res, 412, smapiError('Precondition failed.'));
      const payload = (json as { accountLinkingRequest?: LinkingPayload } | undefined)?.accountLinkingRequest;
      if (!payload || Object.keys(payload).length === 0) {
        return sendJson(res, 400, smapiError('Account linking information is not valid.', ['Parsing error due to empty body.']));
      }
      const problems = linkingViolations(payload);
      if (problems.length) return sendJson(res, 400, smapiError('Account linking information is not valid.', problems));
      const tag = etag();
      skill.linking.set(stage, { payload: { ...payload }, etag: tag });
      sendJson(res, 204, undefined, { etag: tag });
    },
    deleteAccountLinkingInfoV1: ({ params, res }) => {
      const skill = skillOr404(params.skillId!, res);
      if (!skill) return;
      if (!skill.linking.delete(params.stageV2 as Stage)) return sendJson(res, 404, smapiError('AccountLinking is not present for given skillId'));
      sendJson(res, 204, undefined);
    },
    getSkillManifestV1: ({ params, res }) => {
      const skill = skillOr404(params.skillId!, res);
      if (!skill) return;
      if (skill.manifest === undefined) return sendJson(res, 404, smapiError(`No manifest for skill ${skill.skillId} in stage ${params.stageV2}.`));
      sendJson(res, 200, skill.manifest, { etag: skill.manifestEtag });
    },
    getSkillCredentialsV1: ({ params, res }) => {
      const skill = skillOr404(params.skillId!, res);
      if (!skill) return;
      sendJson(res, 200, skill.messagingCredentials ? { skillMessagingCredentials: { ...skill.messagingCredentials } } : {});
    },
    getVendorListV1: ({ res }) => {
      sendJson(res, 200, { vendors: vendors.map((v) => ({ id: v.id, name: v.name ?? v.id, roles: ['ROLE_ADMINISTRATOR'] })) });
    },
    setSkillEnablementV1: ({ params, res }) => {
      const skill = skillOr404(params.skillId!, res);
      if (!skill) return;
      skill.enabled.add(params.stage!);
      sendJson(res, 204, undefined);
    },
    getSkillEnablementStatusV1: ({ params, res }) => {
      const skill = skillOr404(params.skillId!, res);
      if (!skill) return;
      if (!skill.enabled.has(params.stage!)) return sendJson(res, 404, smapiError(`Enablement for skill ${skill.skillId} in stage ${params.stage} not found.`));
      sendJson(res, 204, undefined);
    },
    deleteSkillEnablementV1: ({ params, res }) => {
      const skill = skillOr404(params.skillId!, res);
      if (!skill) return;
      if (!skill.enabled.delete(params.stage!)) return sendJson(res, 404, smapiError(`Enablement for skill ${skill.skillId} in stage ${params.stage} not found.`));
      sendJson(res, 204, undefined);
    },
    simulateSkillV2: ({ params, json, res }) => {
      const skill = skillOr404(params.skillId!, res);
      if (!skill) return;
      if (!skill.enabled.has(params.stage!)) {
        return sendJson(res, 403, smapiError(`The skill ${skill.skillId} is not enabled for testing in stage ${params.stage}; enable it first.`));
      }
      const busy = [...simulations.values()].some((s) => s.status === 'IN_PROGRESS' && s.skillId === skill.skillId);
      if (busy) return sendJson(res, 409, smapiError('This requests conflicts with another one currently being processed.'));
      const body = json as { input: { content: string }; device: { locale: string } };
      const sim: SimulationRecord = { id: randomUUID(), skillId: skill.skillId, stage: params.stage!, request: json, polls: 0, done: false, status: 'IN_PROGRESS', result: undefined, envelope: undefined };
      simulations.set(sim.id, sim);
      void track(runSimulation(sim, skill, body.input.content, body.device.locale));
      sendJson(res, 200, { id: sim.id, status: 'IN_PROGRESS' }, { location: `/v2/skills/${encodeURIComponent(skill.skillId)}/stages/${params.stage}/simulations/${sim.id}` });
    },
    getSkillSimulationV2: ({ params, res }) => {
      const sim = simulations.get(params.simulationId!);
      if (!sim || sim.skillId !== params.skillId || sim.stage !== params.stage) return sendJson(res, 404, smapiError(`Simulation ${params.simulationId} not found.`));
      sim.polls++;
      if (sim.polls === 1 || !sim.done) return sendJson(res, 200, { id: sim.id, status: 'IN_PROGRESS' });
      sendJson(res, 200, { id: sim.id, status: sim.status, result: sim.result });
    },
    invokeSkillEndPointV2: async ({ params, json, res }) => {
      const skill = skillOr404(params.skillId!, res);
      if (!skill) return;
      if (!skill.enabled.has(params.stage!)) {
        return sendJson(res, 403, smapiError(`The skill ${skill.skillId} is not enabled for testing in stage ${params.stage}; enable it first.`));
      }
      const envelope = (json as { skillRequest: { body: unknown } }).skillRequest.body;
      const out = await callSkill(skill, envelope);
      if (!out.ok) return sendJson(res, 200, { status: 'FAILED', result: { error: { message: out.error } } });
      sendJson(res, 200, {
        status: 'SUCCESSFUL',
        result: {
          skillExecutionInfo: {
            invocationRequest: { endpoint: out.endpoint, body: envelope },
            invocationResponse: { body: out.body },
            metrics: { skillExecutionTimeInMilliseconds: out.ms },
          },
        },
      });
    },
  };

  const lwaToken = (req: http.IncomingMessage, body: string, res: http.ServerResponse): { violations: string[] } => {
    const problems: string[] = [];
    const lwaError = (status: number, error: string, description: string) => sendJson(res, status, { error, error_description: description });
    if (req.method !== 'POST') {
      problems.push(`lwaToken: ${req.method} instead of POST`);
      lwaError(405, 'invalid_request', 'Only POST is supported.');
      return { violations: problems };
    }
    const ct = String(req.headers['content-type'] ?? '');
    let params: Record<string, string>;
    if (/^application\/x-www-form-urlencoded\b/i.test(ct)) {
      params = Object.fromEntries(new URLSearchParams(body));
    } else if (/^application\/json\b/i.test(ct)) {
      try {
        params = JSON.parse(body) as Record<string, string>;
      } catch {
        problems.push('lwaToken: JSON body does not parse');
        lwaError(400, 'invalid_request', 'Malformed request body.');
        return { violations: problems };
      }
    } else {
      problems.push(`lwaToken: Content-Type "${ct}" is neither form-encoded nor JSON`);
      lwaError(400, 'invalid_request', 'Unsupported content type.');
      return { violations: problems };
    }
    let clientId = params.client_id;
    let clientSecret = params.client_secret;
    const basic = /^Basic (.+)$/i.exec(String(req.headers.authorization ?? ''));
    if (basic) {
      const [id, ...rest] = Buffer.from(basic[1]!, 'base64').toString('utf8').split(':');
      clientId = decodeURIComponent(id ?? '');
      clientSecret = decodeURIComponent(rest.join(':'));
    }
    if (params.grant_type !== 'refresh_token') {
      lwaError(400, 'unsupported_grant_type', `The grant type ${params.grant_type ?? '(none)'} is not supported here.`);
      return { violations: problems };
    }
    const client = clientId ? lwaClients.get(clientId) : undefined;
    if (!client || client.secret !== clientSecret) {
      lwaError(401, 'invalid_client', 'Client authentication failed');
      return { violations: problems };
    }
    if (!params.refresh_token || !client.refreshTokens.has(params.refresh_token)) {
      lwaError(400, 'invalid_grant', 'The request has an invalid grant parameter : refresh_token');
      return { violations: problems };
    }
    const token = `Atza|standin-${randomBytes(24).toString('base64url')}`;
    accessTokens.add(token);
    sendJson(res, 200, { access_token: token, refresh_token: params.refresh_token, token_type: 'bearer', expires_in: lifetime });
    return { violations: problems };
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY) chunks.push(c);
    });
    req.on('end', () => {
      void handle(req, Buffer.concat(chunks).toString('utf8'), res).catch((err: unknown) => {
        violations.push(`stand-in crashed on ${req.method} ${req.url}: ${(err as Error).stack ?? String(err)}`);
        if (!res.headersSent) sendJson(res, 500, smapiError('stand-in internal error'));
        else res.destroy();
      });
    });
  });

  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  async function handle(req: http.IncomingMessage, body: string, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const method = (req.method ?? 'GET').toUpperCase();
    const query: Record<string, string[]> = {};
    for (const key of new Set(url.searchParams.keys())) query[key] = url.searchParams.getAll(key);
    const record: RecordedRequest = { method, path: url.pathname, query, headers: req.headers, body, operation: undefined, status: 0, at: Date.now() };
    recorded.push(record);
    res.on('finish', () => {
      record.status = res.statusCode;
    });
    if (Buffer.byteLength(body) >= MAX_BODY) {
      violations.push(`${method} ${url.pathname}: body larger than ${MAX_BODY} bytes`);
      return sendJson(res, 413, smapiError('Request entity too large.'));
    }

    const isLwa = /^\/auth\/o2\/token\/?$/i.test(url.pathname);
    const operation = isLwa ? 'lwaToken' : spec.find(method, url.pathname)?.op.name;
    record.operation = operation;

    // Faults first (after recording), so tests can make any route slow or fail.
    const queue = operation ? faults.get(operation) : undefined;
    const fault = queue?.shift();
    if (fault?.delayMs) await sleep(fault.delayMs);
    if (res.destroyed || req.socket.destroyed) return;

    if (isLwa) {
      if (fault?.status !== undefined) return answerFault(res, fault);
      const r = lwaToken(req, body, res);
      violations.push(...r.violations);
      return;
    }

    const call = { method, pathname: url.pathname, query: url.searchParams, headers: req.headers, body };
    const checkedAll = specs.map((s) => s.check(call));
    const checked = checkedAll[0]!;
    const requestViolations = merge(checkedAll.map((c) => c.violations));
    violations.push(...requestViolations);
    if (!checked.op) return sendJson(res, 404, smapiError(`No API at ${method} ${url.pathname}.`));
    const op = checked.op;
    answerCheckers.set(res, (status, contentType, text) => {
      violations.push(...merge(specs.map((s) => s.checkResponse(s.find(op.method, url.pathname)?.op ?? op, status, contentType, text))));
    });
    if (fault?.status !== undefined) {
      if (!spec.documents(checked.op, fault.status)) violations.push(`stand-in fault: ${checked.op.name} does not document HTTP ${fault.status} in SMAPI's spec`);
      return answerFault(res, fault);
    }
    if (requestViolations.length) return sendJson(res, 400, smapiError('Server cannot process the request due to a client error.', requestViolations));
    const bearer = /^Bearer (\S+)$/.exec(String(req.headers.authorization ?? ''))?.[1];
    if (!bearer || !accessTokens.has(bearer)) return sendJson(res, 401, smapiError('Token is invalid/expired'));
    const handler = handlers[checked.op.name];
    if (!handler) {
      violations.push(`stand-in: ${checked.op.name} (${checked.op.method} ${checked.op.template}) is not implemented`);
      return sendJson(res, 500, smapiError(`The stand-in does not implement ${checked.op.name}.`));
    }
    const matched = checked as { pathParams: Record<string, string>; json: unknown };
    await handler({ op: checked.op, params: matched.pathParams, json: matched.json, headers: req.headers, res });
  }

  function answerFault(res: http.ServerResponse, fault: Fault): void {
    const status = fault.status!;
    const headers = { ...(fault.headers ?? {}) };
    if (fault.rawBody !== undefined) {
      // A proxy's or gateway's error page, not an answer of SMAPI's: deliberately off-spec.
      answerCheckers.delete(res);
      res.writeHead(status, { 'content-type': fault.contentType ?? 'text/html', 'content-length': String(Buffer.byteLength(fault.rawBody)), ...headers });
      res.end(fault.rawBody);
      return;
    }
    const body = fault.body ?? (status === 204 ? undefined : smapiError(http.STATUS_CODES[status] ?? 'Error'));
    sendJson(res, status, body, headers);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;

  return {
    url: base,
    env: () => ({ ASK_SMAPI_SERVER_BASE_URL: base, ASK_LWA_TOKEN_HOST: base }),
    requests: (operation) => (operation ? recorded.filter((r) => r.operation === operation) : [...recorded]),
    violations: () => [...violations],
    fault(operation, fault) {
      const q = faults.get(operation) ?? [];
      q.push(fault);
      faults.set(operation, q);
    },
    linking(skillId, stage = 'development') {
      const e = skills.get(skillId)?.linking.get(stage);
      return e ? { payload: { ...e.payload }, etag: e.etag } : undefined;
    },
    setLinking(skillId, stage, payload) {
      const skill = skills.get(skillId);
      if (!skill) throw new Error(`stand-in: no skill ${skillId}`);
      if (!payload) {
        skill.linking.delete(stage);
        return undefined;
      }
      const tag = etag();
      skill.linking.set(stage, { payload: { ...payload }, etag: tag });
      return tag;
    },
    addSkill,
    setSkill(skillId, patch) {
      const skill = skills.get(skillId);
      if (!skill) throw new Error(`stand-in: no skill ${skillId}`);
      if (patch.manifest !== undefined) skill.manifest = patch.manifest;
      if (patch.vendorId !== undefined) skill.vendorId = patch.vendorId;
      if (patch.enabled !== undefined) skill.enabled = new Set(patch.enabled);
      if (patch.skillEndpoint !== undefined) skill.skillEndpoint = patch.skillEndpoint;
      if (patch.userAccessToken !== undefined) skill.userAccessToken = patch.userAccessToken;
      if (patch.utteranceIntents !== undefined) skill.utteranceIntents = patch.utteranceIntents;
      if (patch.messagingCredentials !== undefined) skill.messagingCredentials = patch.messagingCredentials;
    },
    isEnabled: (skillId, stage) => skills.get(skillId)?.enabled.has(stage) ?? false,
    simulations: () => [...simulations.values()],
    issueAccessToken() {
      const token = `Atza|standin-${randomBytes(24).toString('base64url')}`;
      accessTokens.add(token);
      return token;
    },
    revokeAccessToken(token) {
      accessTokens.delete(token);
    },
    async close() {
      await Promise.allSettled([...pending]);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
