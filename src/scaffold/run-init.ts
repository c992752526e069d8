import { spawn } from 'node:child_process';
import path from 'node:path';
import { AlexaLinkError, InputError, describeError } from '../errors.js';
import { checkLinkingConfig } from '../linking/rules.js';
import { readTextFileBounded } from '../project/json-file.js';
import { LINKING_FILE } from '../project/skill-project.js';
import { onCleanup } from '../ui/lifecycle.js';
import { filesToReplace, inspectTarget, writeProjectAtomically, type TargetState } from './atomic-write.js';
import { checkTargetDir, resolveInitOptions, type InitAnswers, type InitOptions } from './init-options.js';
import { buildProjectFiles, type NextStep, type ScaffoldFile } from './project-files.js';
import { readTemplateSet, TEMPLATES_ROOT } from './templates.js';

/**
 * `alexa-link init` without prompts: answers in, a project on disk out. The command calls it
 * after the wizard; `demo` and the benchmark call it directly with an answers object.
 */
export interface InitDeps {
  /** Where relative directories resolve and `cd` in the next steps starts (default process.cwd()). */
  cwd?: string;
  templatesRoot?: string;
  /** Runs `npm install` in lambda/ (default: spawns npm, its output to `progress`). */
  installDependencies?: (lambdaDir: string) => Promise<void>;
  /** Progress lines (stderr in the CLI). */
  progress?: (line: string) => void;
  registerCleanup?: typeof onCleanup;
  /** Fault injection for tests only: moves one file into place. */
  placeFile?: (from: string, to: string) => void;
  /** With --force in a terminal: shown the files that would be replaced, says whether to go on. */
  confirmReplace?: (files: string[]) => Promise<boolean>;
}

export type InstallStatus = 'skipped' | 'installed' | 'failed';

export interface InitResult {
  options: InitOptions;
  /** Absolute project directory. */
  dir: string;
  /** Files written, relative to dir, with forward slashes, sorted. */
  files: string[];
  /** Files that existed and were replaced (--force). */
  overwritten: string[];
  /** Where copies of the replaced files were kept (project-relative), when any were replaced. */
  replacedBackup?: string;
  warnings: string[];
  next: NextStep[];
  install: InstallStatus;
  /** Why npm install failed, when it did. */
  installError?: string;
}

/** Everything init will do, decided and checked, before anything is written. */
export interface InitPlan {
  options: InitOptions;
  /** The files to write, relative to the project directory. */
  files: ScaffoldFile[];
  next: NextStep[];
  warnings: string[];
  /** What is in the target directory now. */
  target: TargetState;
  /** Files that exist and would be replaced (--force into a folder that is not empty). */
  replacing: string[];
}

/** Maps a linking-rule field (accountLinkingRequest.accessTokenUrl) to the flag that answers it. */
const FLAG_OF_LINKING_FIELD: Record<string, string> = {
  authorizationUrl: '--authorization-url',
  accessTokenUrl: '--token-url',
  scopes: '--scope',
  accessTokenScheme: '--scheme',
  clientId: '--client-id',
  domains: '--domain',
};

/**
 * The user's .gitignore with the template's lines it lacks appended (their lines and order kept,
 * byte for byte); undefined when it already has every one. Comments and blank lines of the
 * template are not lines to add. Pure.
 */
export function mergeGitignore(user: string, template: string): string | undefined {
  const have = new Set(user.split(/\r?\n/).map((l) => l.trim()));
  const missing = template
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#') && !have.has(l) && !have.has(l.replace(/\/$/, '')) && !have.has(`/${l}`));
  if (!missing.length) return undefined;
  const sep = user === '' || user.endsWith('\n') ? '' : '\n';
  return `${user}${sep}${user.trim() === '' ? '' : '\n'}# Added by alexa-link init\n${missing.join('\n')}\n`;
}

/** --force into a folder with a .gitignore: theirs is kept and gets the template's missing lines, not replaced. */
async function mergeExistingGitignore(dir: string, files: ScaffoldFile[]): Promise<ScaffoldFile[]> {
  const i = files.findIndex((f) => f.path === '.gitignore');
  if (i < 0) return files;
  let user: string;
  try {
    user = await readTextFileBounded(path.join(dir, '.gitignore'), '.gitignore');
  } catch (err) {
    if (err instanceof InputError && err.code === 'E_INPUT_MISSING') return files;
    throw err;
  }
  const merged = mergeGitignore(user, files[i]!.content);
  // Nothing to add: the file is left as it is (not rewritten, not counted as replaced).
  if (merged === undefined) return files.filter((_, j) => j !== i);
  return files.map((f, j) => (j === i ? { ...f, content: merged } : f));
}

/**
 * Resolves and checks the answers without writing: the options, the files, the linking rules, and
 * whether the folder can be created and written (init's wizard shows this plan and asks once).
 * Every problem is an InputError (or UsageError) naming the flag that answers it.
 */
export async function planInit(answers: InitAnswers, deps: Pick<InitDeps, 'cwd' | 'templatesRoot'> = {}): Promise<InitPlan> {
  const cwd = deps.cwd ?? process.cwd();
  const warnings: string[] = [];
  const options = resolveInitOptions(answers, cwd, warnings);
  const templates = await readTemplateSet(options.language, deps.templatesRoot ?? TEMPLATES_ROOT, options.skillType);
  const relativeDir = path.relative(cwd, options.dir);
  const built = buildProjectFiles(options, templates, { relativeDir, install: options.install });
  warnings.push(...built.warnings);

  // The linking configuration must pass the same rules `configure` and `doctor` apply.
  const linking = built.files.find((f) => f.path === LINKING_FILE);
  if (!linking) throw new Error(`Template bug: no ${LINKING_FILE} was generated.`);
  const payload = (JSON.parse(linking.content) as { accountLinkingRequest: Parameters<typeof checkLinkingConfig>[0] }).accountLinkingRequest;
  const findings = checkLinkingConfig(payload, { fromFile: true, allowLocal: options.allowLocal, skillTypes: [options.skillType === 'smart-home' ? 'smartHome' : 'custom'] });
  // A placeholder client ID is the wizard's own choice (said in a warning), not an error here.
  const errors = findings.filter((f) => f.severity === 'error' && f.rule !== 'client-id-placeholder');
  if (errors.length) {
    const field = errors[0]!.field.replace(/^accountLinkingRequest\./, '').replace(/\[.*$/, '');
    throw new InputError(
      `The account-linking configuration would be rejected:\n${errors.map((f) => `  - ${f.field}: ${f.message} ${f.fix}`).join('\n')}`,
      { source: FLAG_OF_LINKING_FIELD[field] ?? LINKING_FILE, code: 'E_LINKING_RULES', hint: 'Fix the provider flags (--provider, --domain, --authorization-url, --token-url, --scope, --scheme) and run init again.' },
    );
  }
  for (const f of findings) if (f.rule !== 'client-id-placeholder') warnings.push(`${LINKING_FILE}: ${f.message} ${f.fix}`);

  // A folder that cannot be created there is said before anything is written (exit 2).
  await checkTargetDir(options.dir);
  const target = await inspectTarget(options.dir);
  const files = target.kind === 'not-empty' ? await mergeExistingGitignore(options.dir, built.files) : built.files;
  const replacing = target.kind === 'not-empty' ? await filesToReplace(options.dir, files) : [];
  return { options, files, next: built.next, warnings, target, replacing };
}

export async function runInit(answers: InitAnswers, deps: InitDeps = {}): Promise<InitResult> {
  return writeInit(await planInit(answers, deps), deps);
}

/** Writes a plan (atomically), then runs npm install when asked. */
export async function writeInit(plan: InitPlan, deps: InitDeps = {}): Promise<InitResult> {
  const { options } = plan;
  const warnings = [...plan.warnings];
  const built = { files: plan.files, next: plan.next };
  const { overwritten, backupDir } = await writeProjectAtomically(options.dir, built.files, {
    force: options.force,
    ...(deps.confirmReplace ? { confirmReplace: deps.confirmReplace } : {}),
    onStart: () => deps.progress?.(`Writing ${built.files.length} files to ${options.dir}`),
    ...(deps.registerCleanup ? { registerCleanup: deps.registerCleanup } : {}),
    ...(deps.placeFile ? { placeFile: deps.placeFile } : {}),
  });
  if (overwritten.length) {
    warnings.push(`Replaced ${overwritten.length} existing file${overwritten.length === 1 ? '' : 's'}: ${overwritten.join(', ')}${backupDir ? ` (the old ones are kept in ${backupDir}/)` : ''}`);
  }

  const result: InitResult = {
    options,
    dir: options.dir,
    files: built.files.map((f) => f.path),
    overwritten,
    ...(backupDir ? { replacedBackup: backupDir } : {}),
    warnings,
    next: built.next,
    install: 'skipped',
  };
  if (options.install) {
    const lambdaDir = path.join(options.dir, 'lambda');
    deps.progress?.('Running npm install in lambda/ …');
    try {
      await (deps.installDependencies ?? npmInstaller(deps.progress, deps.registerCleanup ?? onCleanup))(lambdaDir);
      result.install = 'installed';
    } catch (err) {
      result.install = 'failed';
      result.installError = describeError(err);
    }
  }
  return result;
}

/** `npm install` in a directory, its output passed on line by line; rejects on a non-zero exit. */
export function npmInstaller(progress: ((line: string) => void) | undefined, registerCleanup: typeof onCleanup) {
  return (dir: string) =>
    new Promise<void>((resolve, reject) => {
      const child = spawn('npm', ['install', '--no-audit', '--no-fund'], {
        cwd: dir,
        stdio: ['ignore', 'pipe', 'pipe'],
        shell: process.platform === 'win32',
      });
      const dispose = registerCleanup(() => {
        child.kill('SIGTERM');
      });
      let tail = '';
      const pass = (chunk: Buffer) => {
        const text = chunk.toString('utf8');
        tail = (tail + text).slice(-2000);
        for (const line of text.split(/\r?\n/)) if (line.trim()) progress?.(`  npm: ${line}`);
      };
      child.stdout.on('data', pass);
      child.stderr.on('data', pass);
      child.on('error', (err) => {
        void dispose();
        reject(new AlexaLinkError(`could not start npm: ${err.message}`));
      });
      child.on('close', (code, signal) => {
        void dispose();
        if (code === 0) resolve();
        else reject(new AlexaLinkError(`npm install exited with ${signal ?? `code ${code}`}${tail.trim() ? `: ${tail.trim().split('\n').pop()}` : ''}`));
      });
    });
}
