'use strict';

/**
 * Settings that `alexa-link init` wrote into skill-config.json. Environment variables override
 * them at run time, so the same code can talk to a local provider in tests and rehearsals:
 *   USERINFO_URL         the provider's userinfo endpoint
 *   USERINFO_TIMEOUT_MS  how long to wait for it (default 3000; Alexa gives a skill 8 s in all)
 *   SKILL_ID             when set, requests for any other skill ID are rejected
 *   ENDPOINT_PATH        the path the local server answers on besides / (default: the path of
 *                        the HTTPS endpoint URL given to init, e.g. /alexa)
 */
const defaults = require('./skill-config.json');

const DEFAULT_USERINFO_TIMEOUT_MS = 3000;

function loadConfig(env = process.env) {
  const timeout = Number(env.USERINFO_TIMEOUT_MS);
  return {
    skillName: defaults.skillName,
    userinfoUrl: env.USERINFO_URL || defaults.userinfoUrl || '',
    nameFields: Array.isArray(defaults.nameFields) ? defaults.nameFields : ['name'],
    userinfoTimeoutMs: Number.isFinite(timeout) && timeout > 0 ? timeout : DEFAULT_USERINFO_TIMEOUT_MS,
    skillId: env.SKILL_ID || '',
    endpointPath: normalizePath(env.ENDPOINT_PATH || defaults.endpointPath || '/'),
  };
}

/** "/alexa/" and "alexa" both mean "/alexa". */
function normalizePath(p) {
  const trimmed = String(p).trim().replace(/\/+$/, '');
  return trimmed === '' ? '/' : trimmed.startsWith('/') ? trimmed : `/${trimmed}`;
}

module.exports = { loadConfig, normalizePath, DEFAULT_USERINFO_TIMEOUT_MS };
