import { customKind } from './custom.js';
import { smartHomeKind } from './smart-home.js';
import type { AnswerSummary, SkillKind } from './types.js';

/**
 * The skill kinds alexa-link knows, in the order they are asked whether a document is theirs.
 * A new kind is one module (kinds/<kind>.ts) added to this list.
 */
export const KINDS: readonly SkillKind[] = [customKind as unknown as SkillKind, smartHomeKind as unknown as SkillKind];

export type { SkillKind, AnswerSummary };

/** The kind a parsed document is a request of, or undefined when no kind recognises it. */
export function kindOf(doc: unknown): SkillKind | undefined {
  return KINDS.find((k) => k.recognises(doc));
}

export function kindById(id: string): SkillKind | undefined {
  return KINDS.find((k) => k.id === id);
}

/** The kind of a skill from the APIs its manifest declares (manifest.apis keys); custom when none is known. */
export function kindForManifestApis(apis: readonly string[]): SkillKind {
  return KINDS.find((k) => apis.includes(k.manifestApi)) ?? KINDS[0]!;
}

/** Every --request name any kind accepts, for the flag's help and its check. */
export function builtinRequestNames(): string[] {
  return [...new Set(KINDS.flatMap((k) => k.builtinNames))];
}

/** "a custom skill request", "a custom skill or smart home skill request". */
export function kindsWords(): string {
  return KINDS.map((k) => k.title).join(' or ');
}
