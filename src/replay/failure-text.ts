import type { LogLine } from './evidence.js';

/**
 * Whether what a skill said or logged reads as a failure. A skill that catches every error and
 * speaks it ("Sorry, something went wrong", "getaddrinfo ENOTFOUND api.example.com", "Hello
 * undefined") answers with HTTP 200 and a normal-looking response: only its words show that it
 * failed. Pure, table-tested on both sides (test/unit/replay-failure-text.test.ts): a polite
 * reprompt such as "I'm sorry, I didn't catch that" is not an error.
 */
export interface FailureSign {
  /** Why it reads as a failure, to follow "it said “…”": "leaks a Node network error code". */
  why: string;
}

interface Rule {
  test: RegExp;
  why: string;
  /** Not applied to the answers of these intents (a fallback's "Sorry, I can't help with that" is its job). */
  notFor?: RegExp;
}

/** Internals that leaked into speech: values the code did not have, error codes, stack words. */
const LEAKS: Rule[] = [
  { test: /\[object Object\]/, why: 'speaks "[object Object]" (an object turned into text)' },
  {
    test: /\b(?:ENOTFOUND|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH|EPIPE|ESOCKETTIMEDOUT|CERT_HAS_EXPIRED|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|ERR_[A-Z][A-Z_]{2,})\b|getaddrinfo|socket hang up|fetch failed/,
    why: 'speaks a Node.js error (a network call that failed)',
  },
  { test: /status code [45]\d\d|\bHTTP(?:\/[\d.]+)? [45]\d\d\b|\b(?:401 Unauthorized|403 Forbidden|500 Internal Server Error|502 Bad Gateway|503 Service Unavailable)\b/i, why: 'speaks an HTTP error status' },
  {
    test: /\b(?:TypeError|ReferenceError|SyntaxError|RangeError)\b|Cannot read propert(?:y|ies) of|is not a function\b|is not defined\b|Unexpected token\b/,
    why: 'speaks a JavaScript error',
  },
  { test: /\bundefined\b/, why: 'speaks "undefined" (a value the code did not have)' },
  { test: /\bnull\b/, why: 'speaks "null" (a value the code did not have)' },
  { test: /\bNaN\b/, why: 'speaks "NaN" (a number computed from a missing value)' },
  { test: /\b(?:[A-Z][A-Za-z]*Error|Exception)\s*:/, why: 'speaks an error message' },
];

/** Words that say the skill failed. */
const FAILURE_WORDS: Rule[] = [
  { test: /problem with the (?:requested )?skill'?s? response/i, why: "is Alexa's own message for a failed skill" },
  { test: /(?:something|it) went wrong|\bwent wrong\b/i, why: 'says something went wrong' },
  {
    // An apology for a failure, not any apology: "Sorry, I couldn't find any events today" and
    // "Sorry, we are unable to deliver to your address" are answers that used the token.
    test: /\bsorry\b[^.!?]{0,80}?(?:\b(?:a|an|some)(?: (?:small|unexpected|internal|technical|temporary))? (?:problem|issue|error|glitch|hiccup)s?\b|\b(?:having|had|have|has|ran into|run into|running into|hit|encountered) (?:some |a )?(?:trouble|difficulty|difficulties|problems?|issues?)\b|\btechnical difficult(?:y|ies)\b|\btrouble (?:doing|processing|connecting|reaching|getting|accessing|with)\b|\b(?:failed|fails)\b|\b(?:isn'?t|is not|not) working\b|\btry again later\b|\b(?:couldn'?t|could not|can'?t|cannot|unable to|wasn'?t able to|was not able to|not able to) (?:process|complete|handle|fulfil+|understand) (?:your|that|the|this) (?:request|command)\b|\b(?:couldn'?t|could not|can'?t|cannot|unable to|not able to) (?:reach|connect to|contact) (?:the |our |my )?(?:server|service|backend|api|database)s?\b|\bcan'?t help (?:you )?with that\b)/i,
    why: "apologises for a failure (an error handler's answer)",
    notFor: /^AMAZON\.(?:FallbackIntent|HelpIntent)$/,
  },
  { test: /\b(?:an|the) error\b|\berror (?:occurred|happened|was)\b|\berrors? occurred\b|^\s*error\b/i, why: 'says an error happened' },
  { test: /\bexception\b/i, why: 'speaks of an exception' },
];

/**
 * Why `speech` reads as a failure, or undefined. `intent` is the IntentRequest's intent (fallback
 * and help answers may apologise without failing).
 */
export function speechFailure(speech: string | null | undefined, intent?: string): FailureSign | undefined {
  if (!speech) return undefined;
  for (const rule of [...LEAKS, ...FAILURE_WORDS]) {
    if (rule.notFor && intent && rule.notFor.test(intent)) continue;
    if (rule.test.test(speech)) return { why: rule.why };
  }
  return undefined;
}

const NODE_WARNING = /^\(node:\d+\) |\bDeprecationWarning\b|\bExperimentalWarning\b|^Warning:/;
const ERROR_IN_LOG =
  /\b(?:[A-Z][A-Za-z]*Error|Exception)\b|\berror\b|\bERR_[A-Z_]+|\bE(?:NOTFOUND|CONNREFUSED|CONNRESET|TIMEDOUT|AI_AGAIN|HOSTUNREACH|NETUNREACH)\b|getaddrinfo|Unhandled|status code [45]\d\d|^\s+at .+:\d+:\d+\)?$/i;

/** Whether a log line reports an error: console.error, or an error's words or stack in any other line. */
export function isErrorLog(line: LogLine): boolean {
  if (line.level === 'warn' || NODE_WARNING.test(line.text)) return false;
  if (line.level === 'error') return line.text.trim() !== '';
  return ERROR_IN_LOG.test(line.text);
}

/** The first line that reports an error, for quoting. */
export function firstErrorLog(lines: readonly LogLine[]): LogLine | undefined {
  return lines.find(isErrorLog);
}

const NETWORK = /\b(ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ESOCKETTIMEDOUT)\b|getaddrinfo|fetch failed|socket hang up/;
const NETWORK_CODE = /\b(?:ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ESOCKETTIMEDOUT)\b/;
const HOST = /(?:getaddrinfo \w+|connect \w+|request to https?:\/\/)\s*(\d{1,3}(?:\.\d{1,3}){3}|[A-Za-z0-9.-]+\.[A-Za-z]{2,}|\[[0-9a-f:.]+\])/;

/** A network failure in `text` (the skill's own outgoing call): its code, and the host when named. */
export function networkFailure(text: string | undefined): { code: string; host?: string } | undefined {
  if (!text) return undefined;
  const m = NETWORK.exec(text);
  if (!m) return undefined;
  const code = NETWORK_CODE.exec(text)?.[0] ?? m[0];
  const host = HOST.exec(text)?.[1];
  return { code, ...(host ? { host } : {}) };
}

const SKILL_ID_REJECTION = /Invalid Application ?Id|CustomSkill ID verification failed|applicationIds? (?:don'?t|do not) match|(?:skill|application) ?id (?:verification failed|mismatch|is not (?:valid|allowed))|request for (?:a |an )?(?:different|another|other) skill|not (?:the|this) skill'?s? (?:id|application id)/i;

/** Whether `text` says the skill refused the request's skill (application) ID. */
export function skillIdRejection(text: string | undefined): boolean {
  return Boolean(text && SKILL_ID_REJECTION.test(text));
}
