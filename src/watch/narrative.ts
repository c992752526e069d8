/**
 * The linking story as requests arrive: a user without a link gets a LinkAccount card, links in the
 * Alexa app (a SkillAccountLinked event, when the skill subscribes to it), and the next request
 * carries the token. This module only names those moments; the verdict on each request comes from
 * doctor's engine. Pure: state in, state and marks out.
 */
export interface NarrativeState {
  /** A request without a token got a LinkAccount card, and no request with a token came since. */
  awaitingToken: boolean;
}

export const INITIAL_NARRATIVE: NarrativeState = { awaitingToken: false };

export interface NarrativeInput {
  /** request.type, or namespace.name of a smart home directive. */
  requestType: string;
  /** A token was in the request (context.System.user or session.user). */
  tokenSent: boolean;
  /** The skill answered with a LinkAccount card. */
  linkAccountCard: boolean;
}

export type MarkKind = 'skill-event' | 'asked-to-link' | 'token-arrived' | 'classic-bug';

export interface Mark {
  kind: MarkKind;
  text: string;
}

const SKILL_EVENT_PREFIX = 'AlexaSkillEvent.';

/** What each skill event means, in the words a developer looks for. */
const SKILL_EVENTS: Record<string, string> = {
  SkillAccountLinked: 'the user linked their account in the Alexa app',
  SkillEnabled: 'the user enabled the skill',
  SkillDisabled: 'the user disabled the skill (Alexa drops the account link with it)',
  SkillPermissionAccepted: 'the user granted permissions to the skill',
  SkillPermissionChanged: "the user changed the skill's permissions",
  ProactiveSubscriptionChanged: "the user's proactive event subscriptions changed",
};

export function isSkillEvent(requestType: string): boolean {
  return requestType.startsWith(SKILL_EVENT_PREFIX);
}

/** "skill event SkillAccountLinked: the user linked their account in the Alexa app". */
export function describeSkillEvent(requestType: string): string {
  const name = requestType.slice(SKILL_EVENT_PREFIX.length);
  const meaning = SKILL_EVENTS[name];
  return `skill event ${name}${meaning ? `: ${meaning}` : ''}`;
}

export function narrate(state: NarrativeState, input: NarrativeInput): { state: NarrativeState; marks: Mark[] } {
  if (isSkillEvent(input.requestType)) {
    const marks: Mark[] = [{ kind: 'skill-event', text: describeSkillEvent(input.requestType) }];
    const name = input.requestType.slice(SKILL_EVENT_PREFIX.length);
    if (name === 'SkillAccountLinked') {
      marks[0]!.text += input.tokenSent ? '; the event carries the token, and the next request should too' : '; the next request should carry the token';
    }
    // A skill event is not the user talking to the skill: the story waits for the next request.
    return { state, marks };
  }
  if (input.tokenSent && input.linkAccountCard) {
    return {
      state: { awaitingToken: false },
      marks: [{ kind: 'classic-bug', text: 'classic bug: the token arrived and the skill still asks to link' }],
    };
  }
  if (input.tokenSent) {
    return state.awaitingToken ? { state: { awaitingToken: false }, marks: [{ kind: 'token-arrived', text: 'linked: the token arrived' }] } : { state, marks: [] };
  }
  if (input.linkAccountCard) {
    return {
      state: { awaitingToken: true },
      marks: [{ kind: 'asked-to-link', text: 'not linked yet: the skill asked to link; link the account in the Alexa app, then talk to the skill again' }],
    };
  }
  return { state, marks: [] };
}
