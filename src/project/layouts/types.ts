import path from 'node:path';

/**
 * A project layout knows where one kind of skill project keeps its parts: the manifest, the
 * interaction models, the code and its handler, the skill ID, the linking configuration and the
 * Lambda settings. `loadProject` (src/project/skill-project.ts) asks each layout in order; commands
 * and doctor checks only see the SkillProject it returns, never a layout-specific file.
 */
export type LayoutId = 'ask-cli-v2' | 'ask-cli-v2-hosted' | 'ask-cli-v1' | 'sam' | 'serverless' | 'plain';

export const LINKING_FILE = 'accountLinking.json';

/** The Lambda function settings the layout states (any of them may be absent). */
export interface LambdaSettings {
  /** "index.handler": file (relative to the code folder, without extension) and export. */
  handler?: string;
  runtime?: string;
  /** AWS region of the function. */
  region?: string;
  /** MemorySize in MB. */
  memoryMB?: number;
  /** Where these were read, for messages ("ask-resources.json skillInfrastructure.userConfig"). */
  from?: string;
}

/** How the skill ID is found: read from a file, or why there is none. */
export interface SkillIdInfo {
  skillId?: string;
  /** Where it was read ("`.ask/ask-states.json` profiles.default.skillId"). */
  from?: string;
  /** Why there is none ("not deployed from this checkout: …"). */
  missing?: string;
  /** What to do about a missing one. */
  fix?: string;
}

export interface SkillProject {
  root: string;
  profile: string;
  layout: LayoutId;
  /** "ASK CLI v2 project", "AWS SAM project", … */
  layoutName: string;
  /** The file that identified the layout (absolute); undefined for a plain folder. */
  configPath: string | undefined;
  /** ask-resources.json for ASK CLI v2 projects (kept for callers that read it); else undefined. */
  resourcesPath: string | undefined;
  /** Absolute skill package folder (v2: skillMetadata.src), when the layout has one. */
  skillPackageDir: string | undefined;
  /** skill.json, when the layout has one (a plain folder has none). */
  manifestPath: string | undefined;
  /** The folder holding <locale>.json interaction models. */
  modelsDir: string | undefined;
  /** Absolute code folder of the default region, when known. */
  codeDir: string | undefined;
  /** Where codeDir came from, for messages. */
  codeFrom?: string;
  /** Why there is no codeDir, in the layout's own terms ("template.yaml has no AWS::Serverless::Function"). */
  codeMissing?: string;
  lambda: LambdaSettings;
  /** How the code is deployed, for messages and the endpoint check. */
  deploy: 'lambda' | 'hosted' | 'self-hosted' | 'sam' | 'serverless' | 'unknown';
  linkingPath: string;
  /** The file holding the skill ID (v2 .ask/ask-states.json, v1 .ask/config), when the layout has one. */
  statesPath: string | undefined;
  /**
   * A deploy tool that takes a bare Lambda function NAME at endpoint.uri and creates that function
   * (the ASK CLI v1: "uri": "ask-custom-<name>-default"), with the functions its deploy state
   * records so far (their ARNs). Absent for layouts where a bare name is simply wrong.
   */
  namedFunctions?: NamedFunctions;
  /** What the layout says of itself worth telling (Alexa-hosted: deploy by git push). */
  notes: string[];
  /** A parent folder where looking for the project stopped because another user owns it. */
  walkStoppedAt?: string;
}

export interface NamedFunctions {
  /** "ASK CLI v1" */
  tool: string;
  /** The command that creates them ("ask deploy (ASK CLI v1)"). */
  deployCommand: string;
  /** Where the deployed ones were read (".ask/config deploy_settings.default.resources.lambda"). */
  from: string;
  deployed: Array<{ name?: string; arn: string; usage: string[] }>;
  /** Why the deploy state could not be read (a clone without .ask/config): the function may exist, its ARN is just not known here. */
  stateMissing?: string;
}

export interface ProjectLayout {
  id: LayoutId;
  /** Whether `dir` is the root of a project of this layout (cheap: which files exist). */
  detect(dir: string): Promise<boolean>;
  /** Locates the parts; InputError when the layout's own file is malformed. */
  load(root: string, profile: string): Promise<SkillProject>;
  /** The skill ID, or why there is none; InputError when its file is malformed. */
  readSkillId(project: SkillProject): Promise<SkillIdInfo>;
}

/** A path relative to the project root, with forward slashes, for messages. */
export function relPath(root: string, p: string): string {
  return path.relative(root, p).split(path.sep).join('/') || '.';
}

export function baseProject(root: string, profile: string, over: Partial<SkillProject> & Pick<SkillProject, 'layout' | 'layoutName'>): SkillProject {
  return {
    root,
    profile,
    configPath: undefined,
    resourcesPath: undefined,
    skillPackageDir: undefined,
    manifestPath: undefined,
    modelsDir: undefined,
    codeDir: undefined,
    lambda: {},
    deploy: 'unknown',
    linkingPath: path.join(root, LINKING_FILE),
    statesPath: undefined,
    notes: [],
    ...over,
  };
}
