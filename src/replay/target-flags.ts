import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { InputError, UsageError } from '../errors.js';

/**
 * The flags that choose where requests go, shared by doctor and watch: `--endpoint <url>` (an
 * http or https URL) and `--handler <file[#export]>` (a file that exists). Each problem is a usage
 * or input error naming the flag (exit 2).
 */
export function parseEndpointFlag(value: string, example: string): { kind: 'endpoint'; url: string } {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new UsageError(`--endpoint: "${value}" is not a URL.`, { hint: `Give ${example}.` });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UsageError(`--endpoint: "${value}" must be an http:// or https:// URL.`);
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
