/**
 * A custom skill that handles account linking: it reads the linked account's access token where
 * the SDK does (context.System.user.accessToken), asks the user to link when there is none, and
 * greets a linked user by the name their provider knows them by.
 */
import * as Alexa from 'ask-sdk-core';
import type { Response, SessionEndedRequest } from 'ask-sdk-model';
import { loadConfig, type SkillConfig } from './config';
import { fetchUserinfo, pickDisplayName, pickUserId, type Profile } from './userinfo';

export const SPEECH = {
  linkAccount: 'To use this skill, please link your account. I sent a card to the Alexa app that takes you there.',
  relink:
    'Your account link has expired or was revoked. Please link your account again; I sent a card to the Alexa app that takes you there.',
  userinfoFailed: 'Your account is linked, but I could not reach your account provider just now. Please try again in a moment.',
  help: 'I can tell you which account you linked. Say: who am I?',
  goodbye: 'Goodbye!',
  fallback: "Sorry, I can't help with that. I can tell you which account you linked. Say: who am I?",
  error: 'Sorry, something went wrong. Please try again.',
} as const;

export interface Logger {
  log(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface SkillDeps {
  env?: NodeJS.ProcessEnv;
  fetchImpl?: typeof fetch;
  log?: Logger;
}

/** What a linked user hears; names are escaped so "Tom & Jerry" cannot break the SSML. */
function greeting(profile: Profile, config: SkillConfig): string {
  const name = pickDisplayName(profile, config.nameFields);
  if (name) return `Hello, ${Alexa.escapeXmlCharacters(name)}! Your account is linked.`;
  const id = pickUserId(profile);
  if (id) return `Hello! Your account is linked as user ${Alexa.escapeXmlCharacters(id)}.`;
  return 'Hello! Your account is linked.';
}

function askToLink(handlerInput: Alexa.HandlerInput, speech: string): Response {
  return handlerInput.responseBuilder.speak(speech).withLinkAccountCard().withShouldEndSession(true).getResponse();
}

function isIntent(handlerInput: Alexa.HandlerInput, ...names: string[]): boolean {
  const envelope = handlerInput.requestEnvelope;
  return Alexa.getRequestType(envelope) === 'IntentRequest' && names.includes(Alexa.getIntentName(envelope));
}

export function createSkill({ env = process.env, fetchImpl = globalThis.fetch, log = console }: SkillDeps = {}): Alexa.Skill {
  const GreetLinkedUserHandler: Alexa.RequestHandler = {
    canHandle(handlerInput) {
      return Alexa.getRequestType(handlerInput.requestEnvelope) === 'LaunchRequest' || isIntent(handlerInput, 'WhoAmIIntent');
    },
    async handle(handlerInput) {
      const config = loadConfig(env);
      const accessToken = Alexa.getAccountLinkingAccessToken(handlerInput.requestEnvelope);
      if (!accessToken) return askToLink(handlerInput, SPEECH.linkAccount);
      if (!config.userinfoUrl) {
        return handlerInput.responseBuilder.speak('Hello! Your account is linked.').withShouldEndSession(true).getResponse();
      }
      const result = await fetchUserinfo(config.userinfoUrl, accessToken, { timeoutMs: config.userinfoTimeoutMs, fetchImpl });
      if (result.status === 'unauthorized') {
        log.warn(`userinfo: ${result.reason}; asking the user to link again`);
        return askToLink(handlerInput, SPEECH.relink);
      }
      if (result.status === 'failed') {
        log.warn(`userinfo: ${result.reason}`);
        return handlerInput.responseBuilder.speak(SPEECH.userinfoFailed).withShouldEndSession(true).getResponse();
      }
      return handlerInput.responseBuilder.speak(greeting(result.profile, config)).withShouldEndSession(true).getResponse();
    },
  };

  const HelpHandler: Alexa.RequestHandler = {
    canHandle: (handlerInput) => isIntent(handlerInput, 'AMAZON.HelpIntent'),
    handle: (handlerInput) => handlerInput.responseBuilder.speak(SPEECH.help).reprompt(SPEECH.help).getResponse(),
  };

  const GoodbyeHandler: Alexa.RequestHandler = {
    canHandle: (handlerInput) => isIntent(handlerInput, 'AMAZON.CancelIntent', 'AMAZON.StopIntent', 'AMAZON.NavigateHomeIntent'),
    handle: (handlerInput) => handlerInput.responseBuilder.speak(SPEECH.goodbye).withShouldEndSession(true).getResponse(),
  };

  const FallbackHandler: Alexa.RequestHandler = {
    canHandle: (handlerInput) => isIntent(handlerInput, 'AMAZON.FallbackIntent'),
    handle: (handlerInput) => handlerInput.responseBuilder.speak(SPEECH.fallback).reprompt(SPEECH.help).getResponse(),
  };

  const SessionEndedHandler: Alexa.RequestHandler = {
    canHandle: (handlerInput) => Alexa.getRequestType(handlerInput.requestEnvelope) === 'SessionEndedRequest',
    handle(handlerInput) {
      const reason = (handlerInput.requestEnvelope.request as SessionEndedRequest).reason;
      log.log(`session ended: ${reason || 'no reason given'}`);
      return handlerInput.responseBuilder.getResponse();
    },
  };

  /**
   * Skill events (AlexaSkillEvent.SkillAccountLinked, SkillEnabled, SkillDisabled, …) arrive when
   * skill.json subscribes to them (manifest.events.subscriptions). Nobody hears the answer; a linked
   * account's token comes in the request body (never logged). SkillDisabled means Alexa deleted the
   * token: revoke it at your provider there if you keep it.
   */
  const SkillEventHandler: Alexa.RequestHandler = {
    canHandle: (handlerInput) => Alexa.getRequestType(handlerInput.requestEnvelope).startsWith('AlexaSkillEvent.'),
    handle(handlerInput) {
      log.log(`skill event: ${Alexa.getRequestType(handlerInput.requestEnvelope)}`);
      return handlerInput.responseBuilder.getResponse();
    },
  };

  const ErrorHandler: Alexa.ErrorHandler = {
    canHandle: () => true,
    handle(handlerInput, error) {
      // The message only: the request envelope carries the access token.
      log.error(`error handling ${Alexa.getRequestType(handlerInput.requestEnvelope)}: ${error.message}`);
      return handlerInput.responseBuilder.speak(SPEECH.error).getResponse();
    },
  };

  /** One line per request: what came in and whether a token came with it, never the token itself. */
  const LogRequestInterceptor: Alexa.RequestInterceptor = {
    process(handlerInput) {
      const envelope = handlerInput.requestEnvelope;
      const type = Alexa.getRequestType(envelope);
      const what = type === 'IntentRequest' ? `${type} ${Alexa.getIntentName(envelope)}` : type;
      const token = Alexa.getAccountLinkingAccessToken(envelope) ? 'present' : 'absent';
      log.log(`request: ${what}; account-linking token ${token}`);
    },
  };

  const builder = Alexa.SkillBuilders.custom()
    .addRequestHandlers(GreetLinkedUserHandler, HelpHandler, GoodbyeHandler, FallbackHandler, SessionEndedHandler, SkillEventHandler)
    .addRequestInterceptors(LogRequestInterceptor)
    .addErrorHandlers(ErrorHandler)
    .withCustomUserAgent('alexa-link-skill-template/1.0');
  const skillId = loadConfig(env).skillId;
  if (skillId) builder.withSkillId(skillId);
  return builder.create();
}
