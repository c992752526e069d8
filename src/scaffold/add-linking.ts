import path from 'node:path';
import { AlexaLinkError, InputError } from '../errors.js';
import { checkLinkingConfig } from '../linking/rules.js';
import { isObject, readJsonFile, readTextFileBounded } from '../project/json-file.js';
import { LINKING_FILE, loadProject, readSkillTypes, type SkillProject } from '../project/skill-project.js';
import { appendUserFile, writeUserFile } from '../project/user-files.js';
import { resolveProfile } from '../smapi/credentials.js';
import { DEFAULT_SKILL_NAME, resolveInitOptions, type InitAnswers, type InitOptions } from './init-options.js';
import { buildLinkingDocument } from './project-files.js';
import { readTemplateDir, TEMPLATES_ROOT } from './templates.js';

/**
 * `alexa-link init --add [dir]`: account linking for a project that exists, of any layout. It
 * writes accountLinking.json (from the same provider answers as init) and adds .alexa-link/ to
 * .gitignore (created or appended, never replaced), and nothing else: the user's code is theirs.
 * What to change in the handler is printed, for the SDK style their code uses.
 */
export type SdkStyle = 'ask-sdk-v2' | 'ask-sdk-v2-typescript' | 'alexa-sdk-v1' | 'python-ask-sdk' | 'raw';

export const SDK_LABELS: Record<SdkStyle, string> = {
  'ask-sdk-v2': 'ASK SDK v2 for Node.js (ask-sdk-core)',
  'ask-sdk-v2-typescript': 'ASK SDK v2 for Node.js (ask-sdk-core), TypeScript',
  'alexa-sdk-v1': 'the Alexa Skills Kit SDK v1 (alexa-sdk)',
  'python-ask-sdk': 'the ASK SDK for Python (ask_sdk_core)',
  raw: 'a raw Lambda handler (no SDK)',
};

/** Which SDK style code is written in, from its text and package.json dependencies. Pure. */
export function detectSdkStyle(code: string, deps: string[], file: string): SdkStyle {
  if (/\.py$/.test(file) || /\bask_sdk_core\b/.test(code)) return 'python-ask-sdk';
  const usesV2 = /['"]ask-sdk(?:-core)?['"]/.test(code) || deps.includes('ask-sdk-core') || deps.includes('ask-sdk');
  if (usesV2) return /\.(c|m)?ts$/.test(file) || /^\s*import\s/m.test(code) ? 'ask-sdk-v2-typescript' : 'ask-sdk-v2';
  if (/['"]alexa-sdk['"]/.test(code) || deps.includes('alexa-sdk')) return 'alexa-sdk-v1';
  return 'raw';
}

const SPEECH = 'Please link your account in the Alexa app to use this skill.';

/** The exact change to make in the handler: read the token where Alexa puts it; without one, speech and a LinkAccount card. Pure. */
export function handlerSnippet(style: SdkStyle): string {
  switch (style) {
    case 'ask-sdk-v2':
    case 'ask-sdk-v2-typescript': {
      const imp = style === 'ask-sdk-v2' ? "const Alexa = require('ask-sdk-core');" : "import * as Alexa from 'ask-sdk-core';";
      return [
        imp,
        '',
        '// In handle(handlerInput) of each handler that needs the linked account:',
        'const accessToken = Alexa.getAccountLinkingAccessToken(handlerInput.requestEnvelope);',
        'if (!accessToken) {',
        '  return handlerInput.responseBuilder',
        `    .speak('${SPEECH}')`,
        '    .withLinkAccountCard()',
        '    .getResponse();',
        '}',
        '// Call your API with the header  Authorization: Bearer <accessToken>; on a 401 answer as above.',
      ].join('\n');
    }
    case 'alexa-sdk-v1':
      return [
        '// In each intent handler (alexa-sdk v1, `this` is the handler context):',
        'const accessToken = this.event.context.System.user.accessToken;',
        'if (!accessToken) {',
        `  this.emit(':tellWithLinkAccountCard', '${SPEECH}');`,
        '  return;',
        '}',
        '// Call your API with the header  Authorization: Bearer <accessToken>.',
      ].join('\n');
    case 'python-ask-sdk':
      return [
        'from ask_sdk_model.ui import LinkAccountCard',
        '',
        '# In handle(self, handler_input) of each handler that needs the linked account:',
        'access_token = handler_input.request_envelope.context.system.user.access_token',
        'if access_token is None:',
        '    return (handler_input.response_builder',
        `            .speak("${SPEECH}")`,
        '            .set_card(LinkAccountCard())',
        '            .response)',
        '# Call your API with the header  Authorization: Bearer <access_token>.',
      ].join('\n');
    case 'raw':
      return [
        '// At the top of the handler (event is the request envelope):',
        'const accessToken = event.context && event.context.System.user.accessToken;',
        'if (!accessToken) {',
        '  return {',
        "    version: '1.0',",
        '    response: {',
        `      outputSpeech: { type: 'PlainText', text: '${SPEECH}' },`,
        "      card: { type: 'LinkAccount' },",
        '      shouldEndSession: true,',
        '    },',
        '  };',
        '}',
        '// Call your API with the header  Authorization: Bearer <accessToken>.',
      ].join('\n');
  }
}

/** The handler file of a project (from the layout's handler setting, package.json main, or index.*). */
async function handlerFile(project: SkillProject): Promise<string | undefined> {
  const dir = project.codeDir;
  if (!dir) return undefined;
  const candidates: string[] = [];
  if (project.lambda.handler) {
    const h = project.lambda.handler;
    const base = h.slice(0, h.lastIndexOf('.') > 0 ? h.lastIndexOf('.') : h.length);
    for (const ext of ['.js', '.mjs', '.cjs', '.ts', '.py']) candidates.push(path.join(dir, base + ext), path.join(dir, 'src', base + ext));
  }
  try {
    const pkg = await readJsonFile(path.join(dir, 'package.json'), 'package.json', 1024 * 1024);
    if (isObject(pkg) && typeof pkg.main === 'string') candidates.push(path.join(dir, pkg.main), path.join(dir, `${pkg.main}.js`));
  } catch {
    /* none */
  }
  for (const n of ['index.js', 'index.mjs', 'index.cjs', 'src/index.ts', 'index.ts', 'lambda_function.py', 'app.py']) candidates.push(path.join(dir, n));
  for (const c of candidates) {
    try {
      await readTextFileBounded(c, c, 4 * 1024 * 1024);
      return c;
    } catch {
      /* next */
    }
  }
  return undefined;
}

/** The SDK style of the project's code, and the file it was seen in. */
export async function detectProjectSdk(project: SkillProject): Promise<{ style: SdkStyle; file?: string }> {
  const file = await handlerFile(project);
  let deps: string[] = [];
  if (project.codeDir) {
    try {
      const pkg = await readJsonFile(path.join(project.codeDir, 'package.json'), 'package.json', 1024 * 1024);
      if (isObject(pkg)) deps = [...Object.keys(isObject(pkg.dependencies) ? pkg.dependencies : {}), ...Object.keys(isObject(pkg.devDependencies) ? pkg.devDependencies : {})];
    } catch {
      /* none */
    }
  }
  const code = file ? await readTextFileBounded(file, file, 4 * 1024 * 1024).catch(() => '') : '';
  return { style: detectSdkStyle(code, deps, file ?? ''), ...(file ? { file } : {}) };
}

export interface AddLinkingResult {
  project: SkillProject;
  options: InitOptions;
  /** Project-relative files written or changed. */
  files: string[];
  gitignore: 'created' | 'appended' | 'unchanged';
  sdk: SdkStyle;
  /** Project-relative handler file the style was read from. */
  handlerFile?: string;
  snippet: string;
  warnings: string[];
}

const IGNORE_LINE = /^\/?\.alexa-link\/?(\*\*?)?$/;

export interface AddLinkingDeps {
  cwd: string;
  /** --profile (undefined: ASK_DEFAULT_PROFILE, else "default"), for projects that keep settings per profile. */
  profile?: string | undefined;
  env?: Record<string, string | undefined>;
}

export async function runAddLinking(answers: InitAnswers, deps: AddLinkingDeps): Promise<AddLinkingResult> {
  const start = answers.dir !== undefined && answers.dir !== '' ? path.resolve(deps.cwd, answers.dir) : deps.cwd;
  const project = await loadProject(start, resolveProfile(deps.profile, deps.env ?? {}));
  const rel = (p: string) => path.relative(project.root, p).split(path.sep).join('/') || '.';
  const linkingRel = rel(project.linkingPath);
  try {
    await readTextFileBounded(project.linkingPath, linkingRel);
    throw new AlexaLinkError(`${linkingRel} already exists in ${project.root}; init --add writes a new one only where there is none, and changes nothing.`, {
      code: 'E_LINKING_EXISTS',
      hint: 'Edit it by hand, or replace it with the configuration Alexa has: alexa-link configure --pull --force (the old file is backed up first).',
    });
  } catch (err) {
    if (!(err instanceof InputError && err.code === 'E_INPUT_MISSING')) throw err;
  }

  const warnings: string[] = [];
  // The same answers as init; the skill-code answers init also takes do not matter here.
  // The skill name (and the invocation name made from it) only matter for a new project: a fixed valid one.
  const options = resolveInitOptions({ ...answers, dir: project.root, name: DEFAULT_SKILL_NAME, invocation: undefined }, deps.cwd, warnings);
  const relevant = warnings.filter((w) => !/^No userinfo URL|^Invocation name/.test(w));
  const template = (await readTemplateDir(path.join(TEMPLATES_ROOT, 'base'))).find((f) => f.path === LINKING_FILE);
  const doc = buildLinkingDocument(options, template);
  const skillTypes = await readSkillTypes(project);
  const findings = checkLinkingConfig(doc.accountLinkingRequest, { fromFile: true, allowLocal: options.allowLocal, ...(skillTypes ? { skillTypes } : {}) });
  // A placeholder client ID is the asker's own choice (said in a warning), as in init.
  const errors = findings.filter((f) => f.severity === 'error' && f.rule !== 'client-id-placeholder');
  if (errors.length) {
    throw new InputError(`The account-linking configuration would be rejected:\n${errors.map((f) => `  - ${f.field}: ${f.message} ${f.fix}`).join('\n')}`, {
      source: LINKING_FILE,
      code: 'E_LINKING_RULES',
      hint: 'Fix the provider flags (--provider, --domain, --authorization-url, --token-url, --scope, --scheme) and run again. Nothing was written.',
    });
  }
  for (const f of findings) if (f.rule !== 'client-id-placeholder') relevant.push(`${LINKING_FILE}: ${f.message} ${f.fix}`);

  const sdk = await detectProjectSdk(project);
  await writeUserFile(project.root, linkingRel, JSON.stringify(doc, null, 2) + '\n', { kind: 'generated', existing: 'refuse' });
  const files = [linkingRel];

  let gitignore: AddLinkingResult['gitignore'] = 'unchanged';
  let current: string | undefined;
  try {
    current = await readTextFileBounded(path.join(project.root, '.gitignore'), '.gitignore');
  } catch (err) {
    if (!(err instanceof InputError && err.code === 'E_INPUT_MISSING')) throw err;
  }
  if (current === undefined || !current.split(/\r?\n/).some((l) => IGNORE_LINE.test(l.trim()))) {
    const sep = current !== undefined && current !== '' && !current.endsWith('\n') ? '\n' : '';
    gitignore = await appendUserFile(project.root, '.gitignore', `${sep}# alexa-link: login tokens and backups\n.alexa-link/\n`);
    files.push('.gitignore');
  }
  return {
    project,
    options,
    files,
    gitignore,
    sdk: sdk.style,
    ...(sdk.file ? { handlerFile: rel(sdk.file) } : {}),
    snippet: handlerSnippet(sdk.style),
    warnings: relevant,
  };
}
