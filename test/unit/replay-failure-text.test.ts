import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { isErrorLog, networkFailure, skillIdRejection, speechFailure } from '../../src/replay/failure-text.js';
import { madeUpToken } from '../../src/replay/kinds/common.js';
import { lambdaEnvironment, parseEnvFile } from '../../src/replay/lambda-env.js';
import { neutralizeControl } from '../../src/ui/text.js';

describe('speech that reads as a failure', () => {
  it.each<[string, RegExp]>([
    ['Sorry, something went wrong: getaddrinfo ENOTFOUND api.amazon.com', /Node\.js error/],
    ['Hello undefined', /undefined/],
    ['Hello, null.', /null/],
    ['You have NaN points.', /NaN/],
    ['Your orders are [object Object]', /object Object/],
    ['connect ECONNREFUSED 127.0.0.1:443', /Node\.js error/],
    ['Request failed with status code 500', /HTTP error status/],
    ['Error: Request failed with status code 401', /HTTP error status/],
    ["TypeError: Cannot read properties of undefined (reading 'name')", /JavaScript error/],
    ['Sorry, I had trouble doing what you asked. Please try again.', /apologises/],
    ["Sorry, I can't understand that request.", /apologises/],
    ['Sorry, an error occurred.', /apologises|error happened/],
    ["There was a problem with the requested skill's response", /Alexa's own message/],
    ['Oops, something went wrong.', /went wrong/],
    ['An error occurred while fetching your data.', /error happened/],
    ['We hit an exception.', /exception/],
    ['Sorry, I had trouble processing your request. Please try again.', /apologises/],
    ["Sorry, I can't understand the command. Please say again.", /apologises/],
    ["Sorry, I'm having trouble reaching your account right now.", /apologises/],
    ['Sorry, there was a problem getting your events.', /apologises/],
    ["Sorry, I couldn't process your request. Please try again later.", /apologises/],
    ['Sorry, our service is not working at the moment.', /apologises/],
    ['Sorry, I was unable to connect to the server.', /apologises/],
    ['Sorry, there was an issue with your request.', /apologises/],
    ['Sorry, we are experiencing technical difficulties.', /apologises/],
  ])('%s', (speech, why) => {
    expect(speechFailure(speech)?.why).toMatch(why);
  });

  it.each<[string, string | undefined]>([
    ["I'm sorry, I didn't catch that. What would you like?", undefined],
    ["Sorry, I didn't get that.", undefined],
    ['Hello, Ada Lovelace! Your account is linked.', undefined],
    ['Welcome back. You have 3 new messages.', undefined],
    ['You can ask me who you are. What would you like?', undefined],
    ['Your order of nullable widgets has shipped.', undefined],
    ["Sorry, I can't help with that. You can ask who am I.", 'AMAZON.FallbackIntent'],
    ['Goodbye!', 'AMAZON.StopIntent'],
    ['Please link your account in the Alexa app.', undefined],
    ["Sorry, I couldn't find any events on your calendar today.", undefined],
    ['Sorry, we are unable to deliver to your address.', undefined],
    ["Sorry, I can't find an order with that number.", undefined],
    ["Sorry, I couldn't find a restaurant near you that is open now.", undefined],
    ['Sorry, that store is unable to take orders on Sundays.', undefined],
    ["Sorry, you can't order more than ten items at once.", undefined],
    ["Sorry, I can't access your calendar until you link your account.", undefined],
    ['Sorry, the new issue of your magazine is not out yet.', undefined],
  ])('not a failure: %s', (speech, intent) => {
    expect(speechFailure(speech, intent)).toBeUndefined();
  });

  it('a fallback apology is a failure elsewhere', () => {
    expect(speechFailure("Sorry, I can't help with that.", 'WhoAmIIntent')).toBeDefined();
    expect(speechFailure("Sorry, I can't help with that.")).toBeDefined();
  });
});

describe('log lines that report an error', () => {
  it.each<[string, string, boolean]>([
    ['error', 'anything at all', true],
    ['log', '~~~~ Error handled: getaddrinfo ENOTFOUND x', true],
    ['log', 'TypeError: x is not a function', true],
    ['stderr', '    at handle (/var/task/index.js:10:5)', true],
    ['log', 'Request failed with status code 503', true],
    ['log', 'handling LaunchRequest', false],
    ['info', 'user 42 linked', false],
    ['warn', 'Error-prone option is deprecated', false],
    ['stderr', '(node:123) [DEP0005] DeprecationWarning: Buffer() is deprecated', false],
    ['log', 'Warning: Application ID is not set', false],
    ['error', '   ', false],
  ])('%s %s → %s', (level, text, expected) => {
    expect(isErrorLog({ level, text })).toBe(expected);
  });
});

describe('the skill’s own network failures and refused skill IDs', () => {
  it.each<[string, { code: string; host?: string } | undefined]>([
    ['getaddrinfo ENOTFOUND api.example.com', { code: 'ENOTFOUND', host: 'api.example.com' }],
    ['connect ECONNREFUSED 127.0.0.1:9', { code: 'ECONNREFUSED', host: '127.0.0.1' }],
    ['request to https://auth.example.org/userinfo failed, reason: getaddrinfo EAI_AGAIN auth.example.org', { code: 'EAI_AGAIN', host: 'auth.example.org' }],
    ['TypeError: fetch failed', { code: 'fetch failed' }],
    ['Hello', undefined],
  ])('%s', (text, expected) => {
    expect(networkFailure(text)).toEqual(expected);
  });

  it.each<[string, boolean]>([
    ['Invalid ApplicationId: amzn1.ask.skill.1', true],
    ['Invalid Application ID', true],
    ['AskSdk.CustomSkill Error: CustomSkill ID verification failed!', true],
    ["The applicationIds don't match: a and b", true],
    ['database down', false],
  ])('%s → %s', (text, expected) => {
    expect(skillIdRejection(text)).toBe(expected);
  });
});


describe('a made-up token of the same shape', () => {
  it.each(['Atza|IwEBIJ0123456789abcdefABCDEF', 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIn0.c2lnbmF0dXJl', 'opaque-token_42', 'x'])('%s', (real) => {
    const fake = madeUpToken(real);
    expect(fake).not.toBe(real);
    expect(fake.length).toBe(real.length);
    const shape = (t: string) => t.replace(/[a-z]/g, 'a').replace(/[A-Z]/g, 'A').replace(/\d/g, '0');
    if (real !== 'x') expect(shape(fake)).toBe(shape(real));
    if (real.startsWith('Atza|')) expect(fake.startsWith('Atza|')).toBe(true);
    if (real.startsWith('eyJ')) expect(fake.split('.')[0]).toBe(real.split('.')[0]);
  });
});

describe('--env-file (dotenv, strict)', () => {
  it('parses KEY=value lines, export, comments, quotes and escapes', () => {
    const text = ['# settings', '', 'export USERINFO_URL=https://auth.example.com/userinfo # the provider', "SINGLE='a #literal $x'", 'DOUBLE="line\\nbreak \\"q\\""', 'EMPTY=', 'SPACED =  value  '].join('\n');
    expect(parseEnvFile(text, '.env')).toEqual({
      USERINFO_URL: 'https://auth.example.com/userinfo',
      SINGLE: 'a #literal $x',
      DOUBLE: 'line\nbreak "q"',
      EMPTY: '',
      SPACED: 'value',
    });
  });

  it.each<[string, RegExp]>([
    ['JUST_A_WORD', /\.env:1: expected KEY=value/],
    ['OK=1\n1BAD=x', /\.env:2: "1BAD" is not a variable name/],
    ['A="open', /\.env:1: the double-quoted value is not closed/],
    ["A='open", /\.env:1: the single-quoted value is not closed/],
    ['A="x" trailing', /\.env:1: unexpected text after the closing quote/],
    ['A="\\q"', /\.env:1: unknown escape \\q/],
    ['AWS_REGION=eu-west-1', /\.env:1: AWS_REGION is set by the Lambda runtime.*--region/],
  ])('%j', (text, message) => {
    expect(() => parseEnvFile(text, '.env')).toThrow(InputError);
    expect(() => parseEnvFile(text, '.env')).toThrow(message);
  });
});

describe("the handler child's environment", () => {
  it("is Lambda's plus PATH, HOME, NODE_OPTIONS, the locale and the skill's own; never doctor's credentials", () => {
    const env = lambdaEnvironment(
      {
        PATH: '/usr/bin',
        HOME: '/home/dev',
        LANG: 'C.UTF-8',
        LC_ALL: 'C',
        TZ: 'Europe/Paris',
        NODE_OPTIONS: '--enable-source-maps',
        ASK_ACCESS_TOKEN: 'a',
        ASK_REFRESH_TOKEN: 'b',
        ASK_LWA_CLIENT_CONFIRMATION: 'c',
        ALEXA_LINK_CLIENT_SECRET: 'd',
        MY_CLIENT_SECRET: 'e',
        AWS_ACCESS_KEY_ID: 'f',
        AWS_SECRET_ACCESS_KEY: 'g',
        AWS_SESSION_TOKEN: 'h',
        AWS_PROFILE: 'i',
        npm_config_token: 'j',
      },
      { region: 'eu-west-1', functionName: 'skill', memoryMb: 256, taskRoot: '/p/lambda', runtime: 'nodejs18.x' },
      { USERINFO_URL: 'https://x', AWS_REGION: 'ignored' },
    );
    expect(env).toEqual({
      PATH: '/usr/bin',
      HOME: '/home/dev',
      LANG: 'C.UTF-8',
      LC_ALL: 'C',
      TZ: 'Europe/Paris',
      NODE_OPTIONS: '--enable-source-maps',
      AWS_REGION: 'eu-west-1',
      AWS_DEFAULT_REGION: 'eu-west-1',
      AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs18.x',
      AWS_LAMBDA_FUNCTION_NAME: 'skill',
      AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
      AWS_LAMBDA_FUNCTION_MEMORY_SIZE: '256',
      AWS_LAMBDA_LOG_GROUP_NAME: '/aws/lambda/skill',
      AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
      LAMBDA_TASK_ROOT: '/p/lambda',
      USERINFO_URL: 'https://x',
    });
  });
});
