/**
 * Alexa's three regions and their AWS regions. A skill is called in the region of the user's
 * account; a Lambda-backed skill needs its function in that region's AWS region (ask-cli maps NA,
 * EU, FE to us-east-1, eu-west-1, us-west-2), and a smart home skill whose function is elsewhere
 * finds no devices there (developer.amazon.com blog "How to troubleshoot smart home device
 * discovery issues", 2023; troubleshoot-smart-home-skill-failures.html).
 */
export type AlexaRegion = 'NA' | 'EU' | 'FE';

export const AWS_REGION_OF: Record<AlexaRegion, string> = { NA: 'us-east-1', EU: 'eu-west-1', FE: 'us-west-2' };

export const ALEXA_REGION_NAMES: Record<AlexaRegion, string> = { NA: 'North America', EU: 'Europe and India', FE: 'Far East' };

/** The AWS region closest to a locale's Alexa region (NA, EU, FE), for the Lambda function. */
export function awsRegionFor(locale: string): string {
  if (['ja-JP', 'en-AU'].includes(locale)) return 'us-west-2';
  if (['en-US', 'en-CA', 'es-MX', 'es-US', 'fr-CA', 'pt-BR'].includes(locale)) return 'us-east-1';
  return 'eu-west-1';
}

/** The Alexa region whose users speak a locale. */
export function alexaRegionFor(locale: string): AlexaRegion {
  const aws = awsRegionFor(locale);
  return aws === 'us-east-1' ? 'NA' : aws === 'us-west-2' ? 'FE' : 'EU';
}

export function isAlexaRegion(r: string): r is AlexaRegion {
  return r === 'NA' || r === 'EU' || r === 'FE';
}
