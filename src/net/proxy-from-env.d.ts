// proxy-from-env ships no types: the one function alexa-link uses.
declare module 'proxy-from-env' {
  /** The proxy URL for a URL from the *_PROXY and NO_PROXY variables, or "" for none. */
  export function getProxyForUrl(url: string): string;
}
