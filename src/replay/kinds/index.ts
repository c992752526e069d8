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

/** The kinds a manifest declares (manifest.apis keys), in KINDS order: a skill can have several. */
export function kindsForManifestApis(apis: readonly string[]): SkillKind[] {
  return KINDS.filter((k) => apis.includes(k.manifestApi));
}

/** The first kind a manifest declares (the report's flow); custom when none is known. */
export function kindForManifestApis(apis: readonly string[]): SkillKind {
  return kindsForManifestApis(apis)[0] ?? KINDS[0]!;
}

/** The kind whose built-in requests include a --request name. */
export function kindOfRequestName(name: string): SkillKind | undefined {
  return KINDS.find((k) => k.builtinNames.includes(name));
}

/**
 * Manifest APIs that alexa-link has no built-in requests for, with what to say instead. Video
 * skills share smart home's message format, but their directives (Alexa.Launcher,
 * Alexa.RemoteVideoPlayer, Alexa.VideoContent…) are not made up here: captured ones replay fine.
 */
export const APIS_WITHOUT_BUILTINS: Readonly<Record<string, string>> = {
  video: 'video skills: alexa-link has no built-in directives; replay captured directives with --envelopes',
};

/** The built-in requests a run replays: per kind, the --request names for it (empty: the kind's defaults). */
export interface BuiltinPlan {
  groups: Array<{ kind: SkillKind; requests: string[] }>;
  /** What has no built-ins (a video skill), said in the replays check. */
  notes: string[];
}

/**
 * Which kinds' built-ins to replay, from the manifest's APIs (empty: no manifest) and the --request
 * names (with "intent" for --intent). A name picks its kind; with a manifest, that kind must be
 * one the manifest declares. Without names: the built-ins of each kind the manifest declares (a
 * plain folder: the custom skill's). An error is a usage error naming the flag, the value and the
 * names that would do.
 */
export function planBuiltins(apis: readonly string[], requests: readonly string[], intentFlag?: string): BuiltinPlan | { error: string; hint: string } {
  const declared = kindsForManifestApis(apis);
  const notes = apis.filter((a) => APIS_WITHOUT_BUILTINS[a] !== undefined).map((a) => APIS_WITHOUT_BUILTINS[a]!);
  if (!requests.length) {
    if (declared.length) return { groups: declared.map((kind) => ({ kind, requests: [] })), notes };
    return { groups: notes.length ? [] : [{ kind: KINDS[0]!, requests: [] }], notes };
  }
  const groups: BuiltinPlan['groups'] = [];
  const valid = (declared.length ? declared : apis.length ? [] : KINDS).flatMap((k) => k.builtinNames);
  for (const name of requests) {
    const kind = kindOfRequestName(name);
    if (!kind) {
      return { error: `--request: "${name}" is not a built-in request of any skill kind.`, hint: `Valid names: ${builtinRequestNames().join(', ')}.` };
    }
    if (apis.length && !declared.includes(kind)) {
      const apiWords = apis.map((a) => `apis.${a}`).join(', ');
      // "intent" that only --intent asked for: the flag named is --intent.
      const given = name === 'intent' && intentFlag !== undefined ? `--intent: ${intentFlag} makes an IntentRequest, a ${kind.title} request,` : `--request: "${name}" is a ${kind.title} request,`;
      return {
        error: `${given} but skill.json declares ${apiWords} and no apis.${kind.manifestApi}.`,
        hint: valid.length
          ? `Valid names for this skill: ${valid.join(', ')}.`
          : `${notes.length ? `${capitalFirst(notes.join('; '))}.` : 'This skill has no built-in requests; replay captured ones with --envelopes.'}`,
      };
    }
    const group = groups.find((g) => g.kind === kind);
    if (group) {
      if (!group.requests.includes(name)) group.requests.push(name);
    } else groups.push({ kind, requests: [name] });
  }
  return { groups, notes: [] };
}

function capitalFirst(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Every --request name any kind accepts, for the flag's help and its check. */
export function builtinRequestNames(): string[] {
  return [...new Set(KINDS.flatMap((k) => k.builtinNames))];
}

/** "a custom skill request", "a custom skill or smart home skill request". */
export function kindsWords(): string {
  return KINDS.map((k) => k.title).join(' or ');
}
