import { describe, expect, it } from 'vitest';
import { checkInvocationName, describeInvocationErrors, invocationFromName, normalizeInvocation } from '../../src/scaffold/invocation-name.js';

const errorsOf = (name: string, locales?: string[]) =>
  checkInvocationName(name, locales)
    .problems.filter((p) => p.severity === 'error')
    .map((p) => p.rule);
const warningsOf = (name: string, locales?: string[]) =>
  checkInvocationName(name, locales)
    .problems.filter((p) => p.severity === 'warning')
    .map((p) => p.rule);

describe('checkInvocationName', () => {
  it.each([
    ['daily horoscopes'],
    ["sam's science trivia"],
    ['a. b. c. radio'],
    ['coffee robot'],
    ['my account helper'],
    ['café crème helper'],
  ])('accepts %j', (name) => {
    const check = checkInvocationName(name);
    expect(check.ok).toBe(true);
    expect(errorsOf(name)).toEqual([]);
  });

  it.each([
    ['x', 'invocation-length'],
    ['a'.repeat(25) + ' ' + 'b'.repeat(25), 'invocation-length'],
    ['My Skill Name', 'invocation-lowercase'],
    ['trivia 42 quiz', 'invocation-no-digits'],
    ['trivia-quiz master', 'invocation-characters'],
    ['trivia! quiz', 'invocation-characters'],
    ['trivia.quiz master', 'invocation-periods'],
    ["'trivia quiz", 'invocation-apostrophes'],
    ['horoscopes', 'invocation-two-words'],
    ['the bicycle', 'invocation-two-word-filler'],
    ['for fun', 'invocation-two-word-filler'],
    ['alexa helper tool', 'invocation-wake-word'],
    ['my echo buddy', 'invocation-wake-word'],
    ['computer pal friend', 'invocation-wake-word'],
    ['open my account', 'invocation-launch-word'],
    ['ask the oracle', 'invocation-launch-word'],
    ['talk to trivia', 'invocation-connecting-word'],
    ['salt and pepper', 'invocation-connecting-word'],
    ['', 'invocation-length'],
  ])('rejects %j with %s', (name, rule) => {
    const check = checkInvocationName(name);
    expect(check.ok).toBe(false);
    expect(errorsOf(name)).toContain(rule);
  });

  it('names the rule and the fix in its messages', () => {
    const check = checkInvocationName('My Trivia');
    expect(check.problems[0]!.message).toContain('write "my trivia"');
    expect(checkInvocationName('quiz 2 go').problems.map((p) => p.message).join(' ')).toContain('spell numbers out');
  });

  it('warns, without rejecting, about "skill" and "app"', () => {
    expect(checkInvocationName('my linked skill').ok).toBe(true);
    expect(warningsOf('my linked skill')).toEqual(['invocation-discouraged-word']);
    expect(warningsOf('recipe app helper')).toEqual(['invocation-discouraged-word']);
  });

  it('allows one-word German compounds with a warning, and only for German skills', () => {
    expect(checkInvocationName('kaffeeroboter', ['de-DE']).ok).toBe(true);
    expect(warningsOf('kaffeeroboter', ['de-DE'])).toEqual(['invocation-two-words']);
    expect(errorsOf('kaffeeroboter', ['de-DE', 'en-US'])).toEqual(['invocation-two-words']);
  });

  it('applies the English word lists only to English skills, but wake words everywhere', () => {
    expect(checkInvocationName('mein konto and mehr', ['de-DE']).ok).toBe(true);
    expect(errorsOf('mein alexa konto', ['de-DE'])).toEqual(['invocation-wake-word']);
  });

  it('accepts lower-case letters of other scripts', () => {
    expect(checkInvocationName('ハローワールド', ['ja-JP']).problems.filter((p) => p.rule !== 'invocation-two-words')).toEqual([]);
    expect(checkInvocationName('नमस्ते दुनिया', ['hi-IN']).ok).toBe(true);
    expect(checkInvocationName('grüße aus köln', ['de-DE']).ok).toBe(true);
  });

  it('normalizes spaces and typographic apostrophes', () => {
    expect(normalizeInvocation('  sam’s   science trivia ')).toBe("sam's science trivia");
    expect(checkInvocationName('  sam’s   science trivia ').normalized).toBe("sam's science trivia");
  });
});

describe('invocationFromName', () => {
  it.each([
    ['My Linked Skill', 'my linked skill'],
    ['my-cool_helper', 'my cool helper'],
    ['Café & Crème!', 'café crème'],
    ['  Recipe   Finder ', 'recipe finder'],
  ])('%j → %j', (name, expected) => {
    expect(invocationFromName(name)).toBe(expected);
  });
});

describe('describeInvocationErrors', () => {
  it('joins several errors into one sentence, each with its rule', () => {
    expect(describeInvocationErrors(checkInvocationName('x'))).toBe(
      'must be 2 to 50 characters long (it has 1) [invocation-length]; should have at least two words: one-word names are allowed only for a brand you own (with proof at certification) [invocation-two-words].',
    );
  });

  it('keeps a quotation that ends the message', () => {
    expect(describeInvocationErrors(checkInvocationName('.ab cd'))).toBe(
      'may use periods only after letters of an abbreviation, as in "a. b. c." [invocation-periods].',
    );
  });
});
