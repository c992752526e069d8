/**
 * Serves the skill over HTTP on this machine with ask-sdk-express-adapter, for an HTTPS endpoint
 * behind a reverse proxy or tunnel, and for local replay with `alexa-link doctor --endpoint`.
 *
 * Request signature and timestamp verification are ON by default, as Alexa requires of a web
 * service. Turn them off only for local replay of unsigned requests:
 *   SKIP_VERIFICATION=1 npm start      or      npm start -- --no-verify
 * PORT (default 3000) and HOST (default 127.0.0.1) choose where it listens; it answers on / and
 * on the path of the skill's HTTPS endpoint (skill-config.json endpointPath, or ENDPOINT_PATH).
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { ExpressAdapter } from 'ask-sdk-express-adapter';
import type { Skill } from 'ask-sdk-core';
import { createSkill, type Logger } from './skill';
import { loadConfig } from './config';

const DEFAULT_PORT = 3000;

export function verificationDisabled(argv: string[], env: NodeJS.ProcessEnv): boolean {
  return argv.includes('--no-verify') || /^(1|true|yes)$/i.test(env.SKIP_VERIFICATION || '');
}

export function createApp({ verify = true, skill = createSkill(), path = loadConfig().endpointPath }: { verify?: boolean; skill?: Skill; path?: string } = {}): express.Express {
  const app = express();
  // The adapter reads the raw body itself (to check the signature): no body parser before it.
  const handlers = new ExpressAdapter(skill, verify, verify).getRequestHandlers();
  app.post([...new Set(['/', path])], handlers);
  return app;
}

export const NO_VERIFY_BANNER = [
  '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
  '!!  REQUEST VERIFICATION IS OFF (SKIP_VERIFICATION=1 or --no-verify)',
  '!!  Anyone who reaches this port can call the skill as if they were Alexa.',
  '!!  Use this only for local replay; never expose it to a network.',
  '!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!',
].join('\n');

export function start({
  argv = process.argv.slice(2),
  env = process.env,
  log = console,
}: { argv?: string[]; env?: NodeJS.ProcessEnv; log?: Logger } = {}): Server {
  const verify = !verificationDisabled(argv, env);
  const port = env.PORT === undefined || env.PORT === '' ? DEFAULT_PORT : Number(env.PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`PORT must be a port number (0-65535), not "${env.PORT}"`);
  }
  const host = env.HOST || '127.0.0.1';
  if (!verify) log.warn(NO_VERIFY_BANNER);
  const { endpointPath } = loadConfig(env);
  const server = createApp({ verify, path: endpointPath }).listen(port, host, () => {
    const { port: actual } = server.address() as AddressInfo;
    const base = `http://${host}:${actual}`;
    log.log(`Skill listening on ${base}/${endpointPath === '/' ? '' : ` and ${base}${endpointPath}`} (request verification ${verify ? 'ON' : 'OFF'})`);
  });
  server.on('error', (err: NodeJS.ErrnoException) => {
    log.error(err.code === 'EADDRINUSE' ? `Port ${port} on ${host} is in use; set PORT to another port.` : `Server error: ${err.message}`);
    process.exitCode = 1;
  });
  return server;
}

if (require.main === module) start();
