import type { AccountLinkingDocument } from '../linking/config.js';
import { PROVIDERS } from '../linking/providers.js';
import { LINKING_FILE, RESOURCES_FILE } from '../project/skill-project.js';
import { alexaRegionFor, awsRegionFor, type AlexaRegion } from '../project/alexa-regions.js';
import { slugify, type InitOptions } from './init-options.js';

export { alexaRegionFor, awsRegionFor } from '../project/alexa-regions.js';
import { wordsFor } from './locales.js';

/**
 * Turns the template files and the answers into the project's files. Pure: templates in, files
 * out. Values are set by structured edits (parse JSON, set fields, write
 * `JSON.stringify(x, null, 2) + '\n'`); README.md alone gets `{{name}}` replacements from a known
 * list; no template engine.
 */
export interface TemplateFile {
  /** Path relative to the template root, with forward slashes, as stored (`_gitignore`). */
  path: string;
  content: string;
  /** 0o755 for scripts, else 0o644. */
  mode: number;
}

export type ScaffoldFile = TemplateFile;

/** Template names that npm would drop or that must not act inside this repository. */
export const RENAMED_FILES: Record<string, string> = { _gitignore: '.gitignore' };

/** The interaction-model template, written once per locale as `<locale>.json`. */
export const MODEL_TEMPLATE = 'skill-package/interactionModels/custom/LOCALE.json';

export const LAMBDA_RUNTIME = 'nodejs20.x';

/** The Lambda handler per language, relative to lambda/ (ask-resources.json `handler`). */
export const HANDLER_FOR = { javascript: 'index.handler', typescript: 'dist/src/index.handler' } as const;

/** Dependencies only the local HTTP runner needs: dev-only for Lambda, runtime for an HTTPS endpoint. */
export const RUNNER_DEPENDENCIES = ['ask-sdk-express-adapter', 'express'];

/**
 * The Alexa regions besides the first locale's that need a Lambda function of their own. A smart
 * home skill is called only in the region of the user's account, so each region its locales
 * belong to gets a `code.<region>` entry in ask-resources.json, and `ask deploy` a function there.
 */
export function extraCodeRegions(o: InitOptions): AlexaRegion[] {
  if (o.skillType !== 'smart-home') return [];
  const first = alexaRegionFor(o.locales[0]!);
  return [...new Set(o.locales.map(alexaRegionFor))].filter((r) => r !== first);
}

/** Example phrases for a smart home skill's store page; the device is the template's switch. */
export const SMART_HOME_EXAMPLE_PHRASES = ['Alexa, discover my devices', 'Alexa, turn on {device}', 'Alexa, turn off {device}'];

/** Tokens README.md may use. Anything else in double braces is a template bug (a unit test checks). */
export const README_TOKENS = [
  'name',
  'invocation',
  'locales',
  'providerLabel',
  'languageLabel',
  'userinfoUrl',
  'endpointDescription',
  'nextSteps',
] as const;
export type ReadmeToken = (typeof README_TOKENS)[number];

export function fillTokens(text: string, values: Record<ReadmeToken, string>): string {
  return text.replace(/\{\{(\w+)\}\}/g, (m, key: string) =>
    (README_TOKENS as readonly string[]).includes(key) ? values[key as ReadmeToken] : m,
  );
}

function parse(file: TemplateFile): Record<string, unknown> {
  return JSON.parse(file.content) as Record<string, unknown>;
}

function json(value: unknown): string {
  return JSON.stringify(value, null, 2) + '\n';
}

/** A string with shell metacharacters quoted, for the commands shown in next steps. */
export function shellQuote(s: string): string {
  return /^[\w./:@%+=-]+$/u.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The accountLinking.json document for the answers (never a client secret). */
export function buildLinkingDocument(o: InitOptions, template?: TemplateFile): AccountLinkingDocument {
  const base = template ? ((parse(template).accountLinkingRequest ?? {}) as Record<string, unknown>) : {};
  const payload: Record<string, unknown> = {
    ...base,
    type: 'AUTH_CODE',
    authorizationUrl: o.authorizationUrl,
    accessTokenUrl: o.tokenUrl,
    clientId: o.clientId,
    scopes: o.scopes,
    accessTokenScheme: o.scheme,
    domains: PROVIDERS[o.provider].domains(o.domain),
  };
  delete payload.clientSecret;
  return { accountLinkingRequest: payload };
}

export interface NextStep {
  /** A shell command, run from where the previous step left off. */
  command: string;
  /** Why, for README.md. */
  note: string;
}

/** The steps after init. README.md shows them with notes; `--json` lists the commands. */
export function nextSteps(o: InitOptions, opts: { relativeDir: string; installed: boolean }): NextStep[] {
  const steps: NextStep[] = [];
  if (opts.relativeDir !== '' && opts.relativeDir !== '.') steps.push({ command: `cd ${shellQuote(opts.relativeDir)}`, note: 'go to the project' });
  steps.push(
    opts.installed
      ? { command: '(cd lambda && npm test)', note: "the skill's own tests" }
      : { command: '(cd lambda && npm install && npm test)', note: "install the skill's dependencies and run its tests" },
  );
  if (o.endpoint === 'https') {
    steps.push({
      command: '(cd lambda && npm start)',
      note: `serve the skill on 127.0.0.1:3000 and put an HTTPS reverse proxy or tunnel in front of it at ${o.endpointUrl}`,
    });
  }
  steps.push({ command: 'ask deploy', note: o.endpoint === 'lambda' ? 'create the skill and its Lambda function' : 'create the skill with your HTTPS endpoint' });
  steps.push({ command: 'export ALEXA_LINK_CLIENT_SECRET=<client secret>', note: 'put the client secret from your provider in the environment (it never goes into a file)' });
  steps.push({ command: 'npx alexa-link configure', note: 'push accountLinking.json to the skill (ask deploy never does) and list the redirect URLs to allow at your provider' });
  steps.push({ command: 'npx alexa-link login', note: 'log in at your provider the way Alexa will, and check the tokens it issues' });
  steps.push({
    command: 'npx alexa-link doctor --token session',
    note:
      o.skillType === 'smart-home'
        ? 'replay Discover and TurnOn with that token, and without it, and see the switch answer'
        : 'replay requests with that token and see the skill greet you',
  });
  return steps;
}

export interface BuildOptions {
  /** The project directory relative to where the user ran init, for `cd` in next steps. */
  relativeDir: string;
  /** Whether npm install will run, for the next steps. */
  install: boolean;
}

export interface BuildResult {
  files: ScaffoldFile[];
  warnings: string[];
  next: NextStep[];
}

export function buildProjectFiles(o: InitOptions, templates: TemplateFile[], opts: BuildOptions): BuildResult {
  const warnings: string[] = [];
  const preset = PROVIDERS[o.provider];
  const next = nextSteps(o, { relativeDir: opts.relativeDir, installed: opts.install });
  const files: ScaffoldFile[] = [];
  const add = (path: string, content: string, mode = 0o644) => files.push({ path, content, mode });

  for (const t of templates) {
    const renamed = RENAMED_FILES[t.path.split('/').pop()!];
    const outPath = renamed ? t.path.replace(/[^/]+$/, renamed) : t.path;
    switch (t.path) {
      case RESOURCES_FILE: {
        const doc = parse(t);
        const profile = ((doc.profiles as Record<string, Record<string, unknown>>).default ??= {});
        if (o.endpoint === 'https') {
          // Self-hosted: ask deploy uploads the skill package; the code runs wherever the endpoint points.
          delete profile.skillInfrastructure;
        } else {
          const infra = (profile.skillInfrastructure ??= { type: '@ask-cli/lambda-deployer' }) as Record<string, unknown>;
          infra.userConfig = {
            ...(infra.userConfig as Record<string, unknown> | undefined),
            runtime: LAMBDA_RUNTIME,
            handler: HANDLER_FOR[o.language],
            awsRegion: awsRegionFor(o.locales[0]!),
          };
          const code = (profile.code ??= {}) as Record<string, unknown>;
          for (const region of extraCodeRegions(o)) code[region] = { src: './lambda' };
        }
        add(outPath, json(doc), t.mode);
        break;
      }
      case 'skill-package/skill.json': {
        const doc = parse(t);
        if (o.skillType === 'smart-home') {
          setSmartHomeManifest(o, doc, templates, warnings);
          add(outPath, json(doc), t.mode);
          break;
        }
        const manifest = doc.manifest as Record<string, Record<string, unknown>>;
        const locales: Record<string, unknown> = {};
        for (const locale of o.locales) {
          const { words } = wordsFor(locale);
          locales[locale] = {
            name: o.name,
            summary: `${o.name} greets you by the name of the account you linked.`,
            description: `${o.name} shows account linking with ${preset.label} at work: link your account in the Alexa app, then ask who you are.`,
            examplePhrases: words.examplePhrases.map((p) => p.replace('{invocation}', o.invocation)),
            keywords: [],
          };
        }
        manifest.publishingInformation = { ...manifest.publishingInformation, locales };
        const apis = (manifest.apis ??= {}) as Record<string, Record<string, unknown>>;
        const custom = (apis.custom ??= {});
        if (o.endpoint === 'https') custom.endpoint = { uri: o.endpointUrl, sslCertificateType: 'Trusted' };
        add(outPath, json(doc), t.mode);
        break;
      }
      case MODEL_TEMPLATE: {
        for (const locale of o.locales) {
          const doc = parse(t);
          const model = (doc.interactionModel as Record<string, Record<string, unknown>>).languageModel!;
          model.invocationName = o.invocation;
          const { words, fallback } = wordsFor(locale);
          if (fallback) warnings.push(`No ${locale} sample utterances are built in: ${locale}.json has English ones; translate them before you build the model.`);
          for (const intent of model.intents as Record<string, unknown>[]) {
            if (intent.name === 'WhoAmIIntent') intent.samples = words.whoAmI;
          }
          add(t.path.replace('LOCALE.json', `${locale}.json`), json(doc), t.mode);
        }
        break;
      }
      case LINKING_FILE:
        add(outPath, json(buildLinkingDocument(o, t)), t.mode);
        break;
      case 'lambda/package.json': {
        const doc = parse(t);
        doc.name = slugify(o.name);
        doc.description = `Skill code for ${o.name} (account linking with ${preset.label})`;
        if (o.endpoint === 'https') {
          const deps = (doc.dependencies ??= {}) as Record<string, string>;
          const dev = (doc.devDependencies ??= {}) as Record<string, string>;
          for (const name of RUNNER_DEPENDENCIES) {
            if (dev[name]) {
              deps[name] = dev[name];
              delete dev[name];
            }
          }
          doc.dependencies = sortKeys(deps);
        }
        add(outPath, json(doc), t.mode);
        break;
      }
      case 'lambda/skill-config.json': {
        const doc = parse(t);
        doc.skillName = o.name;
        doc.provider = o.provider;
        doc.userinfoUrl = o.userinfoUrl;
        // The smart home skill only checks tokens and runs on Lambda; the custom skill greets the user
        // by name, and its local server answers where the HTTPS endpoint URL points (https://example.com/alexa → /alexa).
        if (o.skillType !== 'smart-home') {
          doc.nameFields = preset.nameFields;
          doc.endpointPath = o.endpoint === 'https' && o.endpointUrl ? new URL(o.endpointUrl).pathname.replace(/\/+$/, '') || '/' : '/';
        }
        add(outPath, json(doc), t.mode);
        break;
      }
      case 'README.md':
        // README.md lives in the project, so its steps start there and always include npm install.
        add(outPath, fillTokens(t.content, readmeValues(o, nextSteps(o, { relativeDir: '', installed: false }))), t.mode);
        break;
      default:
        add(outPath, t.content, t.mode);
    }
  }
  files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, warnings, next };
}

/** A smart home manifest: store texts per locale; apis.smartHome stays without an endpoint until `ask deploy`. */
function setSmartHomeManifest(o: InitOptions, doc: Record<string, unknown>, templates: TemplateFile[], warnings: string[]): void {
  const manifest = doc.manifest as Record<string, Record<string, unknown>>;
  const config = templates.find((f) => f.path === 'lambda/skill-config.json');
  const device = ((config ? parse(config).device : undefined) ?? {}) as { friendlyName?: string };
  const deviceName = device.friendlyName ?? 'Virtual Switch';
  const label = PROVIDERS[o.provider].label;
  const locales: Record<string, unknown> = {};
  for (const locale of o.locales) {
    locales[locale] = {
      name: o.name,
      summary: `${o.name} controls a ${deviceName.toLowerCase()} for the account you linked.`,
      description: `${o.name} shows account linking with ${label} in a smart home skill: link your account in the Alexa app, discover devices, then turn the ${deviceName.toLowerCase()} on and off.`,
      examplePhrases: SMART_HOME_EXAMPLE_PHRASES.map((p) => p.replace('{device}', deviceName.toLowerCase())),
      keywords: [],
    };
  }
  const foreign = o.locales.filter((l) => !l.startsWith('en-'));
  if (foreign.length) warnings.push(`The example phrases in skill.json are English; translate them for ${foreign.join(', ')} before you submit the skill.`);
  manifest.publishingInformation = { ...manifest.publishingInformation, locales };
  const apis = (manifest.apis ??= {}) as Record<string, Record<string, unknown>>;
  apis.smartHome = { protocolVersion: '3', ...apis.smartHome };
}

function sortKeys(o: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : 1)));
}

function readmeValues(o: InitOptions, next: NextStep[]): Record<ReadmeToken, string> {
  const ts = o.language === 'typescript';
  const regions = extraCodeRegions(o);
  const endpointDescription =
    o.skillType === 'smart-home'
      ? `AWS Lambda, where smart home skills run: \`ask deploy\` creates the function with the \`@ask-cli/lambda-deployer\` (runtime \`${LAMBDA_RUNTIME}\`, handler \`${HANDLER_FOR[o.language]}\`, region \`${awsRegionFor(o.locales[0]!)}\`) and writes its ARN into \`skill.json\` (\`apis.smartHome.endpoint\`), so the manifest has no endpoint until then.` +
        (regions.length
          ? ` Your locales also belong to the Alexa region${regions.length === 1 ? '' : 's'} ${regions.join(', ')}, so \`ask-resources.json\` has a \`code\` entry for ${regions.length === 1 ? 'it' : 'each'} and \`ask deploy\` creates a function there too (\`apis.smartHome.regions\`).`
          : '') +
        (ts ? ' During the build, `hooks/build.sh` (or `hooks/build.ps1` on Windows) compiles the TypeScript; it needs the `zip` command.' : '')
      : o.endpoint === 'lambda'
      ? `AWS Lambda: \`ask deploy\` creates the function with the \`@ask-cli/lambda-deployer\` (runtime \`${LAMBDA_RUNTIME}\`, handler \`${HANDLER_FOR[o.language]}\`, region \`${awsRegionFor(o.locales[0]!)}\`) and writes its ARN into \`skill.json\`, so the manifest has no endpoint until then.` +
        (ts ? ' During the build, `hooks/build.sh` (or `hooks/build.ps1` on Windows) compiles the TypeScript; it needs the `zip` command.' : '')
      : `your own HTTPS endpoint, ${o.endpointUrl} (in \`skill.json\` with \`sslCertificateType\` \`Trusted\`; use \`Wildcard\` or \`SelfSigned\` if your certificate is one). Run \`lambda/\` there with \`npm start\` behind a reverse proxy or tunnel that terminates HTTPS on port 443. \`ask-resources.json\` has no \`skillInfrastructure\`, so \`ask deploy\` uploads the skill package and deploys no code.`;
  return {
    name: o.name,
    invocation: o.invocation,
    locales: o.locales.join(', '),
    providerLabel: PROVIDERS[o.provider].label,
    languageLabel: ts ? 'TypeScript' : 'JavaScript',
    userinfoUrl: o.userinfoUrl ? `\`${o.userinfoUrl}\`` : 'the userinfo URL in `lambda/skill-config.json` (none was given)',
    endpointDescription,
    nextSteps: next.map((s, i) => `${i + 1}. ${s.note[0]!.toUpperCase()}${s.note.slice(1)}:\n\n   \`\`\`sh\n   ${s.command}\n   \`\`\``).join('\n\n'),
  };
}
