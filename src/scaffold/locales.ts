/**
 * The locales a custom skill can be published in, and the words the generated interaction model
 * and manifest use in each language. Pure data.
 */
export const ALEXA_LOCALES = [
  'ar-SA',
  'de-DE',
  'en-AU',
  'en-CA',
  'en-GB',
  'en-IN',
  'en-US',
  'es-ES',
  'es-MX',
  'es-US',
  'fr-CA',
  'fr-FR',
  'hi-IN',
  'it-IT',
  'ja-JP',
  'nl-NL',
  'pt-BR',
] as const;

export type AlexaLocale = (typeof ALEXA_LOCALES)[number];

/** "en-us", "en_US" → "en-US"; undefined when Alexa has no such locale. */
export function normalizeLocale(raw: string): AlexaLocale | undefined {
  const [lang = '', region = ''] = raw.trim().replace('_', '-').split('-');
  const candidate = `${lang.toLowerCase()}-${region.toUpperCase()}`;
  return (ALEXA_LOCALES as readonly string[]).includes(candidate) ? (candidate as AlexaLocale) : undefined;
}

export interface LanguageWords {
  /** Sample utterances for WhoAmIIntent. */
  whoAmI: string[];
  /** Example phrases for the manifest; `{invocation}` is replaced. */
  examplePhrases: string[];
}

const LANGUAGE_WORDS: Record<string, LanguageWords> = {
  en: {
    whoAmI: ['who am I', 'which account am I linked to', 'what is my name', 'tell me who I am', 'check my account'],
    examplePhrases: ['Alexa, open {invocation}', 'Alexa, ask {invocation} who am I'],
  },
  de: {
    whoAmI: ['wer bin ich', 'mit welchem konto bin ich verbunden', 'wie heiße ich', 'prüfe mein konto'],
    examplePhrases: ['Alexa, öffne {invocation}', 'Alexa, frage {invocation} wer bin ich'],
  },
  fr: {
    whoAmI: ['qui suis-je', 'quel compte est lié', 'comment je m\'appelle', 'vérifie mon compte'],
    examplePhrases: ['Alexa, ouvre {invocation}', 'Alexa, demande à {invocation} qui suis-je'],
  },
  es: {
    whoAmI: ['quién soy', 'qué cuenta está vinculada', 'cómo me llamo', 'comprueba mi cuenta'],
    examplePhrases: ['Alexa, abre {invocation}', 'Alexa, pregunta a {invocation} quién soy'],
  },
  it: {
    whoAmI: ['chi sono', 'quale account è collegato', 'come mi chiamo', 'controlla il mio account'],
    examplePhrases: ['Alexa, apri {invocation}', 'Alexa, chiedi a {invocation} chi sono'],
  },
  pt: {
    whoAmI: ['quem sou eu', 'qual conta está vinculada', 'qual é o meu nome', 'verifique minha conta'],
    examplePhrases: ['Alexa, abra {invocation}', 'Alexa, pergunte a {invocation} quem sou eu'],
  },
  nl: {
    whoAmI: ['wie ben ik', 'welk account is gekoppeld', 'hoe heet ik', 'controleer mijn account'],
    examplePhrases: ['Alexa, open {invocation}', 'Alexa, vraag {invocation} wie ik ben'],
  },
  ja: {
    whoAmI: ['私は誰', 'どのアカウントにリンクしている', '私の名前は', 'アカウントを確認して'],
    examplePhrases: ['アレクサ、{invocation}を開いて'],
  },
};

/** Words for a locale's language; `fallback` is true when English stands in for a missing language. */
export function wordsFor(locale: string): { words: LanguageWords; fallback: boolean } {
  const lang = locale.slice(0, 2).toLowerCase();
  const words = LANGUAGE_WORDS[lang];
  // hi-IN skills commonly take English (Latin script) utterances, so English is no fallback there.
  if (words) return { words, fallback: false };
  return { words: LANGUAGE_WORDS.en!, fallback: lang !== 'hi' };
}
