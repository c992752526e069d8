// Preloaded into a spawned CLI (NODE_OPTIONS=--import=<this file>) by tests that need a host name
// that is NOT a loopback address as far as alexa-link's rules can tell, yet reaches a test server on
// 127.0.0.1 (nothing may leave the machine): every name under .alexa-link.test resolves to
// 127.0.0.1, the way an /etc/hosts entry or a corporate DNS would. Only name resolution changes;
// the CLI's code and its HTTP client run as they do for a user.
import dns from 'node:dns';

const original = dns.lookup;
dns.lookup = function lookup(hostname, options, callback) {
  const cb = typeof options === 'function' ? options : callback;
  const opts = typeof options === 'function' || options === undefined ? {} : typeof options === 'number' ? { family: options } : options;
  if (typeof hostname === 'string' && hostname.toLowerCase().endsWith('.alexa-link.test')) {
    process.nextTick(() => (opts.all ? cb(null, [{ address: '127.0.0.1', family: 4 }]) : cb(null, '127.0.0.1', 4)));
    return {};
  }
  return original.call(this, hostname, options, callback);
};
