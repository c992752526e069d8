import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { InputError, UsageError } from '../errors.js';
import { isLoopbackHostname } from '../net/http.js';

/**
 * The flags that choose where requests go, shared by doctor and watch: `--endpoint <url>` (an
 * http or https URL) and `--handler <file[#export]>` (a file that exists). Each problem is a usage
 * or input error naming the flag (exit 2).
 */
export function parseEndpointFlag(value: string, example: string, opts: { loopbackOnly?: boolean } = {}): { kind: 'endpoint'; url: string } {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new UsageError(`--endpoint: "${value}" is not a URL.`, { hint: `Give ${example}.` });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UsageError(`--endpoint: "${value}" must be an http:// or https:// URL.`);
  // watch sends live users' requests, tokens included: they must not leave this machine.
  if (opts.loopbackOnly && !isLoopbackHostname(u.hostname)) {
    throw new UsageError(`--endpoint: "${value}" is not on this machine; watch sends the live requests, with the linked users' tokens, only to a skill server on a loopback address (127.0.0.1, localhost, [::1]).`, {
      hint: `Give ${example}; to replay saved requests against a remote endpoint, use alexa-link doctor --endpoint.`,
    });
  }
  return { kind: 'endpoint', url: u.href };
}

export function parseHandlerFlag(value: string, cwd: string): { kind: 'handler'; spec: string } {
  const hash = value.lastIndexOf('#');
  const file = hash > 0 ? value.slice(0, hash) : value;
  const abs = path.resolve(cwd, file);
  if (!existsSync(abs) || !statSync(abs).isFile()) {
    throw new InputError(`--handler: ${file} not found.`, { source: '--handler', hint: 'Pass the Lambda handler file, optionally with its export: lambda/index.js#handler.' });
  }
  return { kind: 'handler', spec: value };
}
