import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { InputError } from '../errors.js';

/**
 * The environment the skill's handler runs in: what Lambda gives a function, and nothing of the
 * developer's. doctor's own environment holds credentials (ASK_* for SMAPI, the OAuth client
 * secret, AWS keys) that skill code must never see; the child gets only the variables Lambda
 * sets, PATH and HOME, NODE_OPTIONS when the user set it, the locale, and the skill's own
 * settings from --env-file.
 */
export interface LambdaSettings {
  /** AWS_REGION: --region, else the project's Lambda region, else us-east-1. */
  region: string;
  functionName: string;
  memoryMb: number;
  /** LAMBDA_TASK_ROOT: the code folder. */
  taskRoot: string;
  /** The Lambda runtime the project names (nodejs18.x), for AWS_EXECUTION_ENV. */
  runtime?: string;
}

export const DEFAULT_REGION = 'us-east-1';

/** Variables Lambda sets itself: --env-file may not set them (use --region / --memory). */
export const RESERVED = new Set([
  'AWS_REGION',
  'AWS_DEFAULT_REGION',
  'AWS_EXECUTION_ENV',
  'AWS_LAMBDA_FUNCTION_NAME',
  'AWS_LAMBDA_FUNCTION_VERSION',
  'AWS_LAMBDA_FUNCTION_MEMORY_SIZE',
  'AWS_LAMBDA_LOG_GROUP_NAME',
  'AWS_LAMBDA_LOG_STREAM_NAME',
  'AWS_LAMBDA_INITIALIZATION_TYPE',
  'LAMBDA_TASK_ROOT',
  'LAMBDA_RUNTIME_DIR',
]);

/**
 * The developer's own credentials: SMAPI / Login with Amazon (ASK_*) and alexa-link's (the OAuth
 * client secret, ALEXA_LINK_*). An --env-file is the skill's settings, so these are refused there
 * too: a project's .env that also feeds alexa-link must not become a way to hand them to skill
 * code (issue 15). AWS_* keys are allowed: they are what a Lambda function's own configuration
 * holds (a DynamoDB table's credentials for local runs), written there by the developer on purpose.
 */
export const DEVELOPER_CREDENTIAL = /^(?:ASK_|ALEXA_LINK_)/;

/** Passed through from doctor's environment (nothing else is). */
const PASSED = /^(?:PATH|HOME|LANG|LANGUAGE|TZ|LC_[A-Z_]+)$/;

export function lambdaEnvironment(parent: NodeJS.ProcessEnv, s: LambdaSettings, skillEnv: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(parent)) if (v !== undefined && PASSED.test(k)) env[k] = v;
  if (parent.NODE_OPTIONS) env.NODE_OPTIONS = parent.NODE_OPTIONS;
  const runtime = s.runtime && /^nodejs\d+\.x$/.test(s.runtime) ? s.runtime : `nodejs${process.versions.node.split('.')[0]}.x`;
  Object.assign(env, {
    AWS_REGION: s.region,
    AWS_DEFAULT_REGION: s.region,
    AWS_EXECUTION_ENV: `AWS_Lambda_${runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: s.functionName,
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(s.memoryMb),
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${s.functionName}`,
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    LAMBDA_TASK_ROOT: s.taskRoot,
  });
  for (const [k, v] of Object.entries(skillEnv)) if (!RESERVED.has(k)) env[k] = v;
  return env;
}

const MAX_ENV_FILE_BYTES = 1024 * 1024;
const KEY = /^[A-Za-z_][A-Za-z0-9_]*$/;

function bad(label: string, line: number, what: string, hint = 'One KEY=value per line; # starts a comment; values may be quoted ("…" with \\n escapes, or \'…\' taken literally).'): never {
  throw new InputError(`--env-file ${label}:${line}: ${what}.`, { source: `${label}:${line}`, code: 'E_INPUT_ENV_FILE', hint });
}

/**
 * Parses a dotenv file strictly: KEY=value lines (optionally `export KEY=value`), blank lines and
 * # comments; a value unquoted (trimmed, ` #` starts a comment), in double quotes (\n, \r, \t, \",
 * \\ escapes) or in single quotes (literal). Anything else is an error naming the line.
 */
export function parseEnvFile(text: string, label: string, secretEnv?: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, i) => {
    const n = i + 1;
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const body = line.replace(/^export\s+/, '');
    const eq = body.indexOf('=');
    if (eq <= 0) bad(label, n, `expected KEY=value, found ${JSON.stringify(line.length > 40 ? `${line.slice(0, 40)}…` : line)}`);
    const key = body.slice(0, eq).trim();
    if (!KEY.test(key)) bad(label, n, `${JSON.stringify(key)} is not a variable name (letters, digits and _, not starting with a digit)`);
    if (RESERVED.has(key)) bad(label, n, `${key} is set by the Lambda runtime, not by the function's configuration${key.includes('REGION') ? ' (use --region)' : key.includes('MEMORY') ? ' (use --memory)' : ''}`);
    if (DEVELOPER_CREDENTIAL.test(key) || key === secretEnv)
      bad(label, n, `${key} is ${key === secretEnv ? 'the variable --client-secret-env names' : "one of the developer's credentials (SMAPI, Login with Amazon, alexa-link's client secret)"}; skill code never gets it`, 'Keep developer credentials in the shell (or a file alexa-link does not hand to the skill); --env-file holds only what the Lambda function itself is configured with.');
    let rest = body.slice(eq + 1).trim();
    let value: string;
    if (rest.startsWith('"')) {
      let j = 1;
      value = '';
      for (; j < rest.length; j++) {
        const c = rest[j]!;
        if (c === '\\') {
          const e = rest[j + 1];
          const map: Record<string, string> = { n: '\n', r: '\r', t: '\t', '"': '"', '\\': '\\' };
          if (e === undefined || !(e in map)) bad(label, n, `unknown escape \\${e ?? ''} in a double-quoted value`);
          value += map[e!];
          j++;
        } else if (c === '"') break;
        else value += c;
      }
      if (j >= rest.length) bad(label, n, 'the double-quoted value is not closed on this line');
      rest = rest.slice(j + 1).trim();
      if (rest && !rest.startsWith('#')) bad(label, n, `unexpected text after the closing quote: ${JSON.stringify(rest)}`);
    } else if (rest.startsWith("'")) {
      const close = rest.indexOf("'", 1);
      if (close < 0) bad(label, n, 'the single-quoted value is not closed on this line');
      value = rest.slice(1, close);
      rest = rest.slice(close + 1).trim();
      if (rest && !rest.startsWith('#')) bad(label, n, `unexpected text after the closing quote: ${JSON.stringify(rest)}`);
    } else {
      const hash = rest.search(/\s#/);
      value = (hash >= 0 ? rest.slice(0, hash) : rest).trim();
      if (/["']/.test(value[0] ?? '')) bad(label, n, 'unbalanced quote');
    }
    if (/[\u0000]/.test(value)) bad(label, n, 'the value holds a NUL character');
    out[key] = value;
  });
  return out;
}

/** Reads and parses --env-file: a regular file of at most 1 MB (a FIFO or /dev/zero is refused, not read forever). */
export async function readEnvFile(file: string, cwd: string, secretEnv?: string): Promise<Record<string, string>> {
  const abs = path.resolve(cwd, file);
  // stat first: opening a FIFO would wait for a writer forever.
  const st = await stat(abs).catch(() => undefined);
  if (!st) throw new InputError(`--env-file: ${file} not found.`, { source: file, code: 'E_INPUT_MISSING', hint: 'Pass a dotenv file with the settings the skill reads from process.env (KEY=value lines).' });
  if (!st.isFile()) throw new InputError(`--env-file: ${file} is not a regular file.`, { source: file, code: 'E_INPUT_ENV_FILE' });
  const handle = await open(abs, 'r');
  try {
    const buf = Buffer.alloc(MAX_ENV_FILE_BYTES + 1);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    if (bytesRead > MAX_ENV_FILE_BYTES) throw new InputError(`--env-file: ${file} is larger than 1 MB; that is not a settings file.`, { source: file, code: 'E_INPUT_ENV_FILE' });
    const text = buf.subarray(0, bytesRead).toString('utf8');
    if (text.includes('\u0000')) throw new InputError(`--env-file: ${file} is binary, not KEY=value text.`, { source: file, code: 'E_INPUT_ENV_FILE' });
    return parseEnvFile(text, file, secretEnv);
  } finally {
    await handle.close();
  }
}
