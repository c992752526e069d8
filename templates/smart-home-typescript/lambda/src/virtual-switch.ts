/**
 * The one device this skill offers: a switch that Alexa can discover, turn on and off, and ask
 * for its state.
 */
import type { DeviceConfig } from './config';
import type { StateProperty } from './messages';

export type PowerState = 'ON' | 'OFF';

export interface SwitchState {
  powerState: PowerState;
  timeOfSample: string;
}

/** The endpoint as Discover.Response describes it. */
export function describeSwitch(device: DeviceConfig) {
  return {
    endpointId: device.endpointId,
    manufacturerName: device.manufacturerName,
    friendlyName: device.friendlyName,
    description: device.description,
    displayCategories: ['SWITCH'],
    capabilities: [
      { type: 'AlexaInterface', interface: 'Alexa', version: '3' },
      {
        type: 'AlexaInterface',
        interface: 'Alexa.PowerController',
        version: '3',
        // proactivelyReported stays false until the skill sends ChangeReport events to the Alexa
        // event gateway (that needs "Send Alexa Events" and the token AcceptGrant brings).
        properties: { supported: [{ name: 'powerState' }], proactivelyReported: false, retrievable: true },
      },
      {
        type: 'AlexaInterface',
        interface: 'Alexa.EndpointHealth',
        version: '3',
        properties: { supported: [{ name: 'connectivity' }], proactivelyReported: false, retrievable: true },
      },
    ],
  };
}

export interface SwitchStore {
  get(userId: string, endpointId: string): SwitchState;
  set(userId: string, endpointId: string, powerState: PowerState): SwitchState;
}

/**
 * The switch's state, per linked user. It lives in this Lambda container's memory, so it resets
 * whenever AWS starts a new container. A real skill keeps state where the device is: ask your
 * device cloud with the user's token (or read a table such as DynamoDB keyed by user and
 * endpoint) instead of this Map.
 */
export function createSwitchStore(now: () => Date = () => new Date()): SwitchStore {
  const states = new Map<string, SwitchState>();
  const key = (userId: string, endpointId: string) => `${userId}\u0000${endpointId}`;
  return {
    get(userId, endpointId) {
      const k = key(userId, endpointId);
      let state = states.get(k);
      if (!state) {
        state = { powerState: 'OFF', timeOfSample: now().toISOString() };
        states.set(k, state);
      }
      return state;
    },
    set(userId, endpointId, powerState) {
      const state: SwitchState = { powerState, timeOfSample: now().toISOString() };
      states.set(key(userId, endpointId), state);
      return state;
    },
  };
}

/** The context properties that report a state: power and connectivity. */
export function stateProperties(state: SwitchState): StateProperty[] {
  return [
    { namespace: 'Alexa.PowerController', name: 'powerState', value: state.powerState, timeOfSample: state.timeOfSample, uncertaintyInMilliseconds: 0 },
    { namespace: 'Alexa.EndpointHealth', name: 'connectivity', value: { value: 'OK' }, timeOfSample: state.timeOfSample, uncertaintyInMilliseconds: 0 },
  ];
}
