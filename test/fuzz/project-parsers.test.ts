import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { parseJsonText } from '../../src/project/json-file.js';
import { parseAccountLinkingDocument } from '../../src/linking/config.js';
import { checkLinkingConfig } from '../../src/linking/rules.js';
import { parseAskResources, parseAskStates, parseManifest } from '../../src/project/skill-project.js';
import { RUNS, fuzzParser, jsonishText, mutated, printFuzzReport } from './support.js';

const linking = {
  accountLinkingRequest: {
    type: 'AUTH_CODE',
    authorizationUrl: 'https://auth.example.com/authorize?access_type=offline',
    accessTokenUrl: 'https://auth.example.com/token',
    clientId: 'abc',
    scopes: ['openid', 'profile'],
    domains: ['cdn.example.com'],
    accessTokenScheme: 'HTTP_BASIC',
    defaultTokenExpirationInSeconds: 3600,
    skipOnEnablement: false,
    authorizationUrlsByPlatform: [{ platformType: 'iOS', platformAuthorizationUrl: 'https://a.example.com' }],
  },
};
const resources = {
  askcliResourcesVersion: '2020-03-31',
  profiles: { default: { skillMetadata: { src: './skill-package' }, code: { default: { src: './lambda' } } } },
};
const states = { askcliStatesVersion: '2020-03-31', profiles: { default: { skillId: 'amzn1.ask.skill.1234-abcd' } } };
const manifest = {
  manifest: {
    publishingInformation: { locales: { 'en-US': { name: 'x' } } },
    apis: { custom: { endpoint: { uri: 'https://a.example.com', sslCertificateType: 'Trusted' }, regions: { EU: { endpoint: { uri: 'https://eu.example.com' } } } } },
  },
};

/** Parse text then the document, as the CLI does with a file. */
const fromText = (label: string, parse: (doc: unknown) => unknown) => (text: string) => parse(parseJsonText(text, label));

afterAll(() => printFuzzReport('Project and linking parsers'));

describe(`fuzz: project and linking parsers (${RUNS} inputs per generator)`, () => {
  it('JSON text', () => {
    fuzzParser('JSON text (parseJsonText)', fc.string({ unit: 'binary', maxLength: 400 }), (t) => parseJsonText(t, 'file.json'), 'file.json');
    fuzzParser('JSON text (parseJsonText)', jsonishText(linking), (t) => parseJsonText(t, 'file.json'), 'file.json');
  });

  it('accountLinking.json (document and rules)', () => {
    const parse = (doc: unknown) => checkLinkingConfig(parseAccountLinkingDocument(doc, 'accountLinking.json') as never, { fromFile: true });
    const rejected = fuzzParser('accountLinking.json', mutated(linking), parse, 'accountLinking.json');
    expect(rejected).toBeGreaterThan(0); // the generator does reach the rejection paths
    fuzzParser('accountLinking.json', jsonishText(linking), fromText('accountLinking.json', parse), 'accountLinking.json');
    fuzzParser('accountLinking.json', fc.jsonValue(), parse, 'accountLinking.json');
  });

  it('ask-resources.json', () => {
    const parse = (doc: unknown) => parseAskResources(doc, 'ask-resources.json', 'default');
    fuzzParser('ask-resources.json', mutated(resources), parse, 'ask-resources.json');
    fuzzParser('ask-resources.json', jsonishText(resources), fromText('ask-resources.json', parse), 'ask-resources.json');
    fuzzParser('ask-resources.json', fc.jsonValue(), (d) => parseAskResources(d, 'ask-resources.json', '__proto__'), 'ask-resources.json');
  });

  it('.ask/ask-states.json', () => {
    const parse = (doc: unknown) => parseAskStates(doc, '.ask/ask-states.json', 'default');
    fuzzParser('.ask/ask-states.json', mutated(states), parse, '.ask/ask-states.json');
    fuzzParser('.ask/ask-states.json', jsonishText(states), fromText('.ask/ask-states.json', parse), '.ask/ask-states.json');
  });

  it('skill.json', () => {
    const parse = (doc: unknown) => parseManifest(doc, 'skill-package/skill.json');
    fuzzParser('skill.json', mutated(manifest), parse, 'skill-package/skill.json');
    fuzzParser('skill.json', jsonishText(manifest), fromText('skill-package/skill.json', parse), 'skill-package/skill.json');
  });
});
