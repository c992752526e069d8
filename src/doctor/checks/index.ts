import type { TokenChange } from '../../replay/envelopes.js';
import type { DoctorContext } from '../context.js';
import type { Check } from '../types.js';
import { alexaClientCredentials } from './alexa-client-credentials.js';
import { authorizationEndpoint } from './authorization-endpoint.js';
import { linkingConfig } from './linking-config.js';
import { linkingRemoteDrift } from './linking-remote-drift.js';
import { manifestEndpoint } from './manifest-endpoint.js';
import { projectFiles } from './project-files.js';
import { replaysCheck } from './replays.js';
import { sessionTokens } from './session-tokens.js';
import { simulation } from './simulation.js';
import { tokenEndpoint } from './token-endpoint.js';
import { tokenEndpointScheme } from './token-endpoint-scheme.js';

/** Every doctor check, in report order (the order of the linking chain). */
export function doctorChecks(token: TokenChange = { kind: 'keep' }): Check<DoctorContext>[] {
  return [projectFiles, manifestEndpoint, linkingConfig, linkingRemoteDrift, authorizationEndpoint, tokenEndpoint, tokenEndpointScheme, sessionTokens, alexaClientCredentials, replaysCheck(token), simulation];
}

export const CHECK_IDS: readonly string[] = doctorChecks().map((c) => c.id);
