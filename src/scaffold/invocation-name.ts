/**
 * Amazon's invocation-name requirements for custom skills, as rules with stable ids. Pure.
 *
 * Source: developer.amazon.com "Choose the Invocation Name for a Custom Skill" (Invocation Name
 * Requirements): lower-case letters, spaces between words, possessive apostrophes and periods in
 * abbreviations only (numbers spelled out); two or more words unless a brand (German skills: a
 * compound word); two-word names without an article or preposition; no wake words; no launch
 * phrases or connecting words. The 2–50 character limit is the developer console's.
 */
export type InvocationSeverity = 'error' | 'warning';

export interface InvocationProblem {
  rule: string;
  severity: InvocationSeverity;
  message: string;
}

export interface InvocationCheck {
  /** Trimmed, single-spaced, typographic apostrophes made plain. */
  normalized: string;
  problems: InvocationProblem[];
  ok: boolean;
}

export const INVOCATION_MIN_LENGTH = 2;
export const INVOCATION_MAX_LENGTH = 50;
export const WAKE_WORDS = ['alexa', 'amazon', 'echo', 'computer'];
export const LAUNCH_WORDS = ['launch', 'ask', 'tell', 'open', 'load', 'begin', 'enable'];
export const CONNECTING_WORDS = ['to', 'from', 'by', 'if', 'and', 'whether'];
/** Not allowed in a two-word name. */
export const TWO_WORD_FILLERS = ['the', 'a', 'an', 'for', 'to', 'of'];
/** Words Amazon's certification guidance asks to avoid. */
export const DISCOURAGED_WORDS = ['skill', 'app'];

export function normalizeInvocation(raw: string): string {
  return raw.replace(/[\u2018\u2019\u02bc]/g, "'").replace(/\s+/g, ' ').trim();
}

/** A letter that is lower case or has no case (Japanese, Devanagari, Arabic…), or a combining mark. */
const ALLOWED_CHAR = /^[\p{Ll}\p{Lo}\p{Lm}\p{M} '.]$/u;

function quoteList(words: string[]): string {
  return words.map((w) => `"${w}"`).join(', ');
}

/**
 * Checks an invocation name. `locales` decides the language-specific parts: the English word
 * lists apply when an English locale is present, and a one-word name is only a warning when every
 * locale is German (a compound such as "kaffeeroboter" is allowed there).
 */
export function checkInvocationName(raw: string, locales: string[] = ['en-US']): InvocationCheck {
  const name = normalizeInvocation(raw);
  const problems: InvocationProblem[] = [];
  const error = (rule: string, message: string) => problems.push({ rule, severity: 'error', message });
  const warning = (rule: string, message: string) => problems.push({ rule, severity: 'warning', message });

  const length = [...name].length;
  if (length < INVOCATION_MIN_LENGTH || length > INVOCATION_MAX_LENGTH) {
    error(
      'invocation-length',
      `must be ${INVOCATION_MIN_LENGTH} to ${INVOCATION_MAX_LENGTH} characters long (it has ${length}).`,
    );
  }
  if (name === '') return { normalized: name, problems, ok: false };

  if (/\p{Lu}|\p{Lt}/u.test(name)) {
    error('invocation-lowercase', `must be lower case: write "${name.toLocaleLowerCase()}".`);
  }
  const chars = [...new Set([...name].filter((c) => !ALLOWED_CHAR.test(c) && !/\p{Lu}|\p{Lt}/u.test(c)))];
  if (chars.some((c) => /\p{N}/u.test(c))) {
    error('invocation-no-digits', 'must not contain digits: spell numbers out (for example "twenty one").');
  }
  const others = chars.filter((c) => !/\p{N}/u.test(c));
  if (others.length) {
    error(
      'invocation-characters',
      `may contain only letters, spaces between words, possessive apostrophes and periods in abbreviations; remove ${others
        // An invisible character by its code point (remove "" would show nothing).
        .map((c) => (/[\p{Cf}\p{Cc}\p{Z}]/u.test(c) ? `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}` : JSON.stringify(c)))
        .join(' ')}.`,
    );
  }
  // Periods only end a letter, as in "a. b. c."; apostrophes only follow a letter, as in "sam's".
  if (/(^|[^\p{L}\p{M}])\./u.test(name) || /\.[^\s]/u.test(name)) {
    error('invocation-periods', 'may use periods only after letters of an abbreviation, as in "a. b. c.".');
  }
  if (/(^|[^\p{L}\p{M}])'/u.test(name)) {
    error('invocation-apostrophes', 'may use apostrophes only in possessives, as in "sam\'s trivia".');
  }

  const words = name
    .toLocaleLowerCase()
    .split(' ')
    .map((w) => w.replace(/^[.']+|[.']+$/g, '').replace(/'s$/, ''))
    .filter((w) => w !== '');
  const has = (list: string[]) => list.filter((w) => words.includes(w));
  const english = locales.length === 0 || locales.some((l) => l.toLowerCase().startsWith('en'));
  const allGerman = locales.length > 0 && locales.every((l) => l.toLowerCase().startsWith('de'));

  const rawWords = name.split(' ');
  if (rawWords.length === 1) {
    const message =
      'should have at least two words: one-word names are allowed only for a brand you own (with proof at certification)' +
      (allGerman ? ' or a German compound word.' : '.');
    if (allGerman) warning('invocation-two-words', message);
    else error('invocation-two-words', message);
  }
  if (rawWords.length === 2) {
    const fillers = has(TWO_WORD_FILLERS);
    if (fillers.length) {
      error('invocation-two-word-filler', `a two-word name must not use ${quoteList(fillers)}; add a word or choose another.`);
    }
  }
  const wake = has(WAKE_WORDS);
  if (wake.length) error('invocation-wake-word', `must not contain the wake word${wake.length > 1 ? 's' : ''} ${quoteList(wake)}.`);
  if (english) {
    const launch = has(LAUNCH_WORDS);
    if (launch.length) {
      error('invocation-launch-word', `must not contain launch phrases such as ${quoteList(launch)} (users say "Alexa, open <name>").`);
    }
    const connecting = has(CONNECTING_WORDS);
    if (connecting.length) {
      error('invocation-connecting-word', `must not contain connecting words such as ${quoteList(connecting)}.`);
    }
    const discouraged = has(DISCOURAGED_WORDS);
    if (discouraged.length) {
      warning(
        'invocation-discouraged-word',
        `contains ${quoteList(discouraged)}, which Amazon's invocation-name guidance asks to avoid; it works in development, but certification may ask you to change it.`,
      );
    }
  }
  return { normalized: name, problems, ok: !problems.some((p) => p.severity === 'error') };
}

/** One message listing the errors, for an InputError or an inline prompt validation. */
export function describeInvocationErrors(check: InvocationCheck): string {
  const errors = check.problems.filter((p) => p.severity === 'error');
  // One sentence about the name: "must be … [rule]; should have … [rule]."
  return errors.map((p) => `${p.message.replace(/\.$/, '')} [${p.rule}]`).join('; ') + '.';
}

/**
 * An invocation name derived from a skill name: lower case, dashes and underscores as spaces,
 * other characters dropped. May still break a rule (one word, a launch word); callers check it.
 */
export function invocationFromName(name: string): string {
  return normalizeInvocation(
    name
      .toLocaleLowerCase()
      .replace(/[-_/]+/g, ' ')
      .replace(/[^\p{Ll}\p{Lo}\p{Lm}\p{M}\s'.]/gu, ' '),
  );
}
