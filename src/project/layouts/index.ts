import { stat } from 'node:fs/promises';
import path from 'node:path';
import { askCliV1, askCliV1Clone } from './ask-cli-v1.js';
import { askCliV2 } from './ask-cli-v2.js';
import { plainLayout } from './plain.js';
import { samLayout } from './sam.js';
import { serverlessLayout } from './serverless.js';
import type { LayoutId, ProjectLayout, SkillProject } from './types.js';

/**
 * The layouts in the order they are tried in each folder, walking up from where the user is:
 * ASK CLI v2 (and Alexa-hosted), ASK CLI v1 with its .ask/config, AWS SAM, the Serverless
 * Framework, then an ASK CLI v1 clone without .ask/config (skill.json beside models/: SAM and
 * Serverless projects often have those too, so only a real .ask/config makes v1 win over them).
 * A plain folder of code is only recognised in the folder the user named, after nothing was
 * found above it.
 */
export const PROJECT_LAYOUTS: readonly ProjectLayout[] = [askCliV2, askCliV1, samLayout, serverlessLayout, askCliV1Clone];
export const PLAIN_LAYOUT = plainLayout;

const BY_ID: Record<LayoutId, ProjectLayout> = {
  'ask-cli-v2': askCliV2,
  'ask-cli-v2-hosted': askCliV2,
  'ask-cli-v1': askCliV1,
  sam: samLayout,
  serverless: serverlessLayout,
  plain: plainLayout,
};

export function layoutOf(id: LayoutId): ProjectLayout {
  return BY_ID[id];
}

export interface WalkOwner {
  /** The uid folders must belong to (the current user; root when running as root); undefined: no check (Windows). */
  uid: number | undefined;
}

export function currentOwner(): WalkOwner {
  return { uid: typeof process.getuid === 'function' ? process.getuid() : undefined };
}

export type FoundProject = { root: string; layout: ProjectLayout; stoppedAt?: { dir: string; uid: number } } | { root: undefined; stoppedAt?: { dir: string; uid: number } };

/**
 * Walks up from `start` to the first folder holding a project of a known layout. Like git's
 * safe.directory, it stops at the first parent folder that belongs to another user: a project
 * planted in a shared folder (/tmp) must not have its code run as you. The folder the user named
 * is always looked at.
 */
export async function findProject(start: string, owner: WalkOwner = currentOwner()): Promise<FoundProject> {
  let dir = path.resolve(start);
  let first = true;
  for (;;) {
    if (!first && owner.uid !== undefined) {
      let uid: number | undefined;
      try {
        uid = (await stat(dir)).uid;
      } catch {
        uid = undefined;
      }
      if (uid !== undefined && uid !== owner.uid) return { root: undefined, stoppedAt: { dir, uid } };
    }
    for (const layout of PROJECT_LAYOUTS) {
      if (await layout.detect(dir)) return { root: dir, layout };
    }
    first = false;
    const parent = path.dirname(dir);
    if (parent === dir) return { root: undefined };
    dir = parent;
  }
}

/**
 * The first of the project's identifying file (the layout's config or manifest) and its code
 * folder that belongs to another user than `owner`, or undefined. The folder holding them can be
 * ours while what is in it is not (a project planted in a shared folder such as /tmp/x, made by
 * root and written by everyone): its code would run as us.
 */
export async function foreignPart(project: SkillProject, owner: WalkOwner = currentOwner()): Promise<{ path: string; uid: number } | undefined> {
  if (owner.uid === undefined) return undefined;
  for (const p of [project.configPath ?? project.manifestPath, project.codeDir]) {
    if (!p) continue;
    const st = await stat(p).catch(() => undefined);
    if (st && st.uid !== owner.uid) return { path: p, uid: st.uid };
  }
  return undefined;
}
