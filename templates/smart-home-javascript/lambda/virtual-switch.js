'use strict';

/**
 * The one device this skill offers: a switch that Alexa can discover, turn on and off, and ask
 * for its state.
 */

/** The endpoint as Discover.Response describes it. */
function describeSwitch(device) {
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

/**
 * The switch's state, per linked user. It lives in this Lambda container's memory, so it resets
 * whenever AWS starts a new container. A real skill keeps state where the device is: ask your
 * device cloud with the user's token (or read a table such as DynamoDB keyed by user and
 * endpoint) instead of this Map.
 */
function createSwitchStore(now = () => new Date()) {
  const states = new Map();
  const key = (userId, endpointId) => `${userId}\u0000${endpointId}`;
  return {
    get(userId, endpointId) {
      const k = key(userId, endpointId);
      if (!states.has(k)) states.set(k, { powerState: 'OFF', timeOfSample: now().toISOString() });
      return states.get(k);
    },
    set(userId, endpointId, powerState) {
      const state = { powerState, timeOfSample: now().toISOString() };
      states.set(key(userId, endpointId), state);
      return state;
    },
  };
}

/** The context properties that report a state: power and connectivity. */
function stateProperties(state) {
  return [
    { namespace: 'Alexa.PowerController', name: 'powerState', value: state.powerState, timeOfSample: state.timeOfSample, uncertaintyInMilliseconds: 0 },
    { namespace: 'Alexa.EndpointHealth', name: 'connectivity', value: { value: 'OK' }, timeOfSample: state.timeOfSample, uncertaintyInMilliseconds: 0 },
  ];
}

module.exports = { describeSwitch, createSwitchStore, stateProperties };
