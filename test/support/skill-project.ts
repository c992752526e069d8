import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { MODEL_TEMPLATE } from '../../src/scaffold/project-files.js';
import type { SkillType } from '../../src/scaffold/init-options.js';
import { readTemplateDir, templateDirsFor, TEMPLATES_ROOT } from '../../src/scaffold/templates.js';

/**
 * Helpers for tests of generated skill projects: the file set a template must produce, the
 * repository's node_modules lent to a generated lambda/ (so nothing is installed from the
 * network), request envelopes, and small HTTP servers on 127.0.0.1.
 */
export const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const REPO_NODE_MODULES = path.join(REPO_ROOT, 'node_modules');

const created: string[] = [];

/** A fresh directory under the OS temp dir, removed by `removeTempDirs` (call it in afterAll). */
export async function tempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  created.push(dir);
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  // A lent node_modules is a symlink: rm removes the link, never the repository's packages.
  await Promise.all(created.splice(0).map((d) => rm(d, { recursive: true, force: true })));
}

/** The files a template set must produce: renamed dotfiles, one interaction model per locale. */
export async function expectedProjectFiles(language: 'javascript' | 'typescript', locales: string[], skillType: SkillType = 'custom'): Promise<string[]> {
  const dirs = templateDirsFor(skillType, language);
  const base = (await readTemplateDir(path.join(TEMPLATES_ROOT, dirs.base))).map((f) => f.path);
  const variant = (await readTemplateDir(path.join(TEMPLATES_ROOT, dirs.variant))).map((f) => f.path);
  return [...base, ...variant]
    .flatMap((p) => (p === MODEL_TEMPLATE ? locales.map((l) => p.replace('LOCALE', l)) : [p.replace(/(^|\/)_gitignore$/, '$1.gitignore')]))
    .sort();
}

/** Every file under dir, relative with forward slashes, sorted (node_modules not followed). */
export async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string) => {
    for (const e of await readdir(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) await walk(child);
      else if (e.isFile()) out.push(child);
    }
  };
  await walk('');
  return out.sort();
}

export async function readJson<T = Record<string, unknown>>(file: string): Promise<T> {
  return JSON.parse(await readFile(file, 'utf8')) as T;
}

/** lambda/node_modules → the repository's node_modules, which holds the skill's dependencies. */
export async function lendNodeModules(lambdaDir: string): Promise<void> {
  const link = path.join(lambdaDir, 'node_modules');
  if (!existsSync(link)) await symlink(REPO_NODE_MODULES, link, 'dir');
}

export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion with a deadline; never inherits a TTY. */
export function run(command: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv; timeoutMs?: number }): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: opts.cwd,
      env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} timed out after ${opts.timeoutMs ?? 60000} ms\n${stdout}\n${stderr}`));
    }, opts.timeoutMs ?? 60000);
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

export const TEST_SKILL_ID = 'amzn1.ask.skill.00000000-0000-0000-0000-000000000000';

export interface EnvelopeOptions {
  intent?: string;
  accessToken?: string;
  locale?: string;
}

/** A request envelope as Alexa sends it; the token goes into context.System.user and session.user. */
export function buildEnvelope({ intent, accessToken, locale = 'en-US' }: EnvelopeOptions = {}): Record<string, unknown> {
  const user = { userId: 'amzn1.ask.account.TEST', ...(accessToken ? { accessToken } : {}) };
  const application = { applicationId: TEST_SKILL_ID };
  return {
    version: '1.0',
    session: { new: true, sessionId: `amzn1.echo-api.session.${randomUUID()}`, application, user, attributes: {} },
    context: {
      System: {
        application,
        user,
        device: { deviceId: 'amzn1.ask.device.TEST', supportedInterfaces: {} },
        apiEndpoint: 'https://api.amazonalexa.com',
      },
    },
    request: {
      type: intent ? 'IntentRequest' : 'LaunchRequest',
      requestId: `amzn1.echo-api.request.${randomUUID()}`,
      timestamp: new Date().toISOString(),
      locale,
      ...(intent ? { intent: { name: intent, confirmationStatus: 'NONE', slots: {} } } : {}),
    },
  };
}

export interface SkillAnswer {
  speech: string;
  linkAccountCard: boolean;
}

/** The parts of a response envelope the tests look at. */
export function readAnswer(envelope: unknown): SkillAnswer {
  const response = (envelope as { response?: { outputSpeech?: { ssml?: string; text?: string }; card?: { type?: string } } }).response ?? {};
  return {
    speech: response.outputSpeech?.ssml ?? response.outputSpeech?.text ?? '',
    linkAccountCard: response.card?.type === 'LinkAccount',
  };
}

export interface LocalServer {
  url: string;
  requests: { authorization: string | undefined }[];
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 answering every request with `respond`. */
export async function startServer(respond: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<LocalServer> {
  const requests: LocalServer['requests'] = [];
  const server = http.createServer((req, res) => {
    requests.push({ authorization: req.headers.authorization });
    respond(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
