/**
 * A smart home skill with account linking, as a plain Lambda handler: one virtual switch.
 *
 * Every directive carries the linked account's access token, in a place that depends on the
 * directive (see messages.ts). The skill checks it at the provider's userinfo endpoint before
 * doing anything: no token or a token the provider refuses is answered with an
 * Alexa.ErrorResponse of type INVALID_AUTHORIZATION_CREDENTIAL (or EXPIRED_AUTHORIZATION_CREDENTIAL),
 * which tells Alexa the link is broken. It never logs a token.
 */
import { loadConfig, type SkillConfig } from './config';
import { fetchUserinfo } from './userinfo';
import {
  acceptGrantResponse,
  discoverResponse,
  errorResponse,
  readToken,
  stateResponse,
  tokenField,
  type AlexaEvent,
  type Directive,
  type DirectiveEvent,
} from './messages';
import { createSwitchStore, describeSwitch, stateProperties, type PowerState, type SwitchStore } from './virtual-switch';
import { createGrantStore, exchangeGrantCode, grantShapeProblem, type GrantStore } from './accept-grant';

export interface Logger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface HandlerDeps {
  env?: NodeJS.ProcessEnv;
  fetchImpl?: typeof fetch;
  log?: Logger;
  switches?: SwitchStore;
  grants?: GrantStore;
}

export type Handler = (event: DirectiveEvent, context?: unknown) => Promise<AlexaEvent>;

type Authenticated = { userId: string; error?: undefined } | { error: AlexaEvent };

export function createHandler(deps: HandlerDeps = {}): Handler {
  const { env = process.env, fetchImpl = globalThis.fetch, log = console, switches = createSwitchStore(), grants = createGrantStore() } = deps;

  /** Who the token belongs to, or the ErrorResponse that says why it is not accepted. */
  async function authenticate(directive: Directive, config: SkillConfig): Promise<Authenticated> {
    const field = tokenField(directive.header);
    const token = readToken(directive);
    if (!token) {
      return { error: errorResponse(directive, 'INVALID_AUTHORIZATION_CREDENTIAL', `No access token at ${field}: the user has not linked an account, or Alexa could not refresh the token.`) };
    }
    if (!config.userinfoUrl) {
      log.error('no userinfo URL is configured (USERINFO_URL or skill-config.json): tokens cannot be checked');
      return { error: errorResponse(directive, 'INTERNAL_ERROR', 'The skill cannot check access tokens: no userinfo URL is configured.') };
    }
    const result = await fetchUserinfo(config.userinfoUrl, token, { timeoutMs: config.userinfoTimeoutMs, fetchImpl });
    if (result.status === 'unauthorized') {
      log.warn(`userinfo: ${result.reason} (token from ${field})`);
      const type = result.expired ? 'EXPIRED_AUTHORIZATION_CREDENTIAL' : 'INVALID_AUTHORIZATION_CREDENTIAL';
      return { error: errorResponse(directive, type, `The provider does not accept the access token at ${field}.`) };
    }
    if (result.status === 'failed') {
      log.warn(`userinfo: ${result.reason}`);
      return { error: errorResponse(directive, 'INTERNAL_ERROR', 'The account provider could not be reached to check the access token.') };
    }
    return { userId: result.userId };
  }

  async function acceptGrant(directive: Directive, config: SkillConfig): Promise<AlexaEvent> {
    const problem = grantShapeProblem(directive.payload);
    if (problem) {
      log.warn(`AcceptGrant: ${problem}`);
      return errorResponse(directive, 'ACCEPT_GRANT_FAILED', `Malformed AcceptGrant: ${problem}.`);
    }
    const who = await authenticate(directive, config);
    if (who.error) {
      return errorResponse(directive, 'ACCEPT_GRANT_FAILED', `The grantee token was not accepted: ${String(who.error.event.payload.message)}`);
    }
    if (config.alexaClientId || config.alexaClientSecret) {
      // OPTIONAL STEP, active only with ALEXA_CLIENT_ID and ALEXA_CLIENT_SECRET set: get this
      // user's Alexa event gateway tokens. When LWA refuses, linking fails with ACCEPT_GRANT_FAILED
      // and the user can try again; without the variables the skill accepts the grant and simply
      // cannot send events yet.
      if (!config.alexaClientId || !config.alexaClientSecret) {
        log.error('AcceptGrant: set both ALEXA_CLIENT_ID and ALEXA_CLIENT_SECRET, or neither');
        return errorResponse(directive, 'ACCEPT_GRANT_FAILED', 'The skill has only one of ALEXA_CLIENT_ID and ALEXA_CLIENT_SECRET.');
      }
      const exchanged = await exchangeGrantCode(directive.payload!.grant!.code!, config, { fetchImpl });
      if (exchanged.status !== 'ok') {
        log.warn(`AcceptGrant: ${exchanged.reason}`);
        return errorResponse(directive, 'ACCEPT_GRANT_FAILED', exchanged.reason);
      }
      grants.save(who.userId, exchanged.tokens);
      log.log('AcceptGrant: event gateway tokens stored for the user');
    }
    return acceptGrantResponse();
  }

  async function discover(directive: Directive, config: SkillConfig): Promise<AlexaEvent> {
    const who = await authenticate(directive, config);
    if (who.error) return who.error;
    return discoverResponse(directive, [describeSwitch(config.device)]);
  }

  async function control(directive: Directive, config: SkillConfig, powerState: PowerState | undefined): Promise<AlexaEvent> {
    const who = await authenticate(directive, config);
    if (who.error) return who.error;
    const endpointId = directive.endpoint?.endpointId;
    if (endpointId !== config.device.endpointId) {
      return errorResponse(directive, 'NO_SUCH_ENDPOINT', `There is no endpoint ${JSON.stringify(endpointId)} for this user.`);
    }
    const state = powerState ? switches.set(who.userId, endpointId, powerState) : switches.get(who.userId, endpointId);
    return stateResponse(directive, powerState ? 'Response' : 'StateReport', endpointId, stateProperties(state));
  }

  return async function handler(event: DirectiveEvent): Promise<AlexaEvent> {
    const directive = event?.directive;
    const header = directive?.header;
    if (!directive || !header || typeof header.namespace !== 'string' || typeof header.name !== 'string') {
      log.warn('not a smart home directive: event.directive.header.namespace and .name are missing');
      return errorResponse(undefined, 'INVALID_DIRECTIVE', 'Expected a smart home directive (event.directive.header with namespace and name).');
    }
    const what = `${header.namespace}.${header.name}`;
    // One line per directive: what came and whether a token came with it, never the token itself.
    log.log(`directive: ${what}; access token ${readToken(directive) ? 'present' : 'absent'} at ${tokenField(header)}`);
    if (header.payloadVersion !== '3') {
      return errorResponse(directive, 'INVALID_DIRECTIVE', `payloadVersion ${JSON.stringify(header.payloadVersion)} is not supported; this skill speaks version 3.`);
    }
    const config = loadConfig(env);
    try {
      switch (what) {
        case 'Alexa.Authorization.AcceptGrant':
          return await acceptGrant(directive, config);
        case 'Alexa.Discovery.Discover':
          return await discover(directive, config);
        case 'Alexa.PowerController.TurnOn':
          return await control(directive, config, 'ON');
        case 'Alexa.PowerController.TurnOff':
          return await control(directive, config, 'OFF');
        case 'Alexa.ReportState':
          return await control(directive, config, undefined);
        default:
          return errorResponse(directive, 'INVALID_DIRECTIVE', `${what} is not supported by this skill.`);
      }
    } catch (err) {
      // The message only: the directive carries the access token.
      log.error(`error handling ${what}: ${err instanceof Error ? err.message : String(err)}`);
      const type = what === 'Alexa.Authorization.AcceptGrant' ? 'ACCEPT_GRANT_FAILED' : 'INTERNAL_ERROR';
      return errorResponse(directive, type, `The skill failed while handling ${what}.`);
    }
  };
}
