import type { AccessTokenScheme } from './config.js';

/**
 * Provider presets for `init` and the provider-specific rules. Each knows its URLs, default scopes
 * (including what makes the provider issue refresh tokens), the usual client authentication
 * scheme and the domains its login page loads from. Source: reference §6.
 */
export type ProviderId = 'lwa' | 'auth0' | 'okta' | 'cognito' | 'google' | 'generic';

export interface ProviderUrls {
  authorizationUrl: string;
  tokenUrl: string;
  userinfoUrl: string;
}

export interface ProviderPreset {
  id: ProviderId;
  label: string;
  /** What --domain means for this provider, or undefined when it takes none. */
  domainHelp?: string;
  /** Example domain for prompts and messages. */
  domainExample?: string;
  urls(domain: string | undefined): ProviderUrls | undefined;
  scopes: string[];
  scheme: AccessTokenScheme;
  domains(domain: string | undefined): string[];
  /** How this provider is made to issue refresh tokens, for hints. */
  refreshHint: string;
  /** Field of the userinfo answer that holds a display name, in order of preference. */
  nameFields: string[];
  /** Where a developer registers the client (the app whose client ID and secret Alexa uses), one sentence. */
  clientSetup: string;
}

/** Strips a scheme and trailing slashes from a user-typed domain. */
export function normalizeDomain(domain: string): string {
  return domain.trim().replace(/^https?:\/\//i, '').replace(/\/+$/, '');
}

export const PROVIDERS: Record<ProviderId, ProviderPreset> = {
  lwa: {
    id: 'lwa',
    label: 'Login with Amazon',
    urls: () => ({
      authorizationUrl: 'https://www.amazon.com/ap/oa',
      tokenUrl: 'https://api.amazon.com/auth/o2/token',
      userinfoUrl: 'https://api.amazon.com/user/profile',
    }),
    scopes: ['profile'],
    scheme: 'HTTP_BASIC',
    domains: () => [],
    refreshHint: 'Login with Amazon issues a refresh token with every authorization-code grant.',
    nameFields: ['name'],
    clientSetup:
      "in the Amazon developer console (developer.amazon.com/loginwithamazon/console/site/lwa/overview.html), create a security profile; its Web Settings show the client ID and secret, and its Allowed Return URLs take Alexa's redirect URLs.",
  },
  auth0: {
    id: 'auth0',
    label: 'Auth0',
    domainHelp: 'your Auth0 tenant domain',
    domainExample: 'my-tenant.us.auth0.com',
    urls: (d) =>
      d
        ? {
            authorizationUrl: `https://${d}/authorize`,
            tokenUrl: `https://${d}/oauth/token`,
            userinfoUrl: `https://${d}/userinfo`,
          }
        : undefined,
    scopes: ['openid', 'profile', 'email', 'offline_access'],
    scheme: 'HTTP_BASIC',
    domains: () => [],
    refreshHint: 'Auth0 issues refresh tokens only for the offline_access scope, with "Allow Offline Access" enabled on the API.',
    nameFields: ['name', 'nickname', 'given_name'],
    clientSetup:
      "in the Auth0 dashboard (manage.auth0.com), Applications → Create Application → Regular Web Application; its Settings show the client ID and secret, and Allowed Callback URLs take Alexa's redirect URLs.",
  },
  okta: {
    id: 'okta',
    label: 'Okta',
    domainHelp: 'your Okta org domain',
    domainExample: 'dev-123456.okta.com',
    urls: (d) =>
      d
        ? {
            authorizationUrl: `https://${d}/oauth2/default/v1/authorize`,
            tokenUrl: `https://${d}/oauth2/default/v1/token`,
            userinfoUrl: `https://${d}/oauth2/default/v1/userinfo`,
          }
        : undefined,
    scopes: ['openid', 'profile', 'email', 'offline_access'],
    scheme: 'HTTP_BASIC',
    domains: () => [],
    refreshHint: 'Okta issues refresh tokens only for the offline_access scope, with the Refresh Token grant enabled on the app.',
    nameFields: ['name', 'given_name', 'preferred_username'],
    clientSetup:
      "in the Okta Admin Console, Applications → Create App Integration → OIDC, Web Application, with the Authorization Code and Refresh Token grants; Sign-in redirect URIs take Alexa's redirect URLs.",
  },
  cognito: {
    id: 'cognito',
    label: 'Amazon Cognito',
    domainHelp: 'your Cognito user pool domain',
    domainExample: 'my-app.auth.us-east-1.amazoncognito.com',
    urls: (d) =>
      d
        ? {
            authorizationUrl: `https://${d}/oauth2/authorize`,
            tokenUrl: `https://${d}/oauth2/token`,
            userinfoUrl: `https://${d}/oauth2/userInfo`,
          }
        : undefined,
    scopes: ['openid', 'email', 'profile'],
    scheme: 'HTTP_BASIC',
    domains: () => [],
    refreshHint: 'Cognito returns a refresh token with every authorization-code grant.',
    nameFields: ['name', 'given_name', 'username', 'email'],
    clientSetup:
      "in the AWS console, Amazon Cognito → your user pool → App integration → App clients → Create app client (a confidential client, with a client secret); its Allowed callback URLs take Alexa's redirect URLs.",
  },
  google: {
    id: 'google',
    label: 'Google',
    urls: () => ({
      authorizationUrl: 'https://accounts.google.com/o/oauth2/v2/auth?access_type=offline&prompt=consent',
      tokenUrl: 'https://oauth2.googleapis.com/token',
      userinfoUrl: 'https://openidconnect.googleapis.com/v1/userinfo',
    }),
    scopes: ['openid', 'profile', 'email'],
    scheme: 'HTTP_BASIC',
    domains: () => ['google.com', 'googleapis.com'],
    refreshHint: 'Google issues refresh tokens only with access_type=offline (and prompt=consent to get one every time) in the authorization URL.',
    nameFields: ['name', 'given_name'],
    clientSetup:
      "in the Google Cloud console (console.cloud.google.com/apis/credentials), Create credentials → OAuth client ID → Web application; Authorized redirect URIs take Alexa's redirect URLs.",
  },
  generic: {
    id: 'generic',
    label: 'Generic OAuth 2.0',
    urls: () => undefined,
    scopes: [],
    scheme: 'HTTP_BASIC',
    domains: () => [],
    refreshHint: 'Enable the refresh-token grant for this client at the provider; many issue one only for a scope such as offline_access.',
    nameFields: ['name', 'given_name', 'nickname', 'preferred_username', 'email'],
    clientSetup:
      "in your provider's admin console, register a web application (a confidential client) with the authorization code grant and refresh tokens; its redirect URLs take Alexa's.",
  },
};

export const PROVIDER_IDS = Object.keys(PROVIDERS) as ProviderId[];

/** Guesses the provider from the configured URLs, for provider-specific rules. */
export function detectProvider(authorizationUrl: string | undefined, tokenUrl?: string): ProviderId {
  const url = `${authorizationUrl ?? ''} ${tokenUrl ?? ''}`.toLowerCase();
  if (/\/\/www\.amazon\.[a-z.]+\/ap\/oa|api\.amazon\.[a-z.]+\/auth\/o2\/token/.test(url)) return 'lwa';
  if (/\.auth0\.com\//.test(url)) return 'auth0';
  if (/\.(okta|oktapreview|okta-emea)\.com\//.test(url)) return 'okta';
  if (/\.amazoncognito\.com\//.test(url)) return 'cognito';
  if (/accounts\.google\.com\/|oauth2\.googleapis\.com\//.test(url)) return 'google';
  return 'generic';
}
