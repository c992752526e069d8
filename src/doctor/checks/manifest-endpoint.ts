import { isLoopbackHost } from '../../linking/rules.js';
import { ALEXA_REGION_NAMES, alexaRegionFor, AWS_REGION_OF, isAlexaRegion, type AlexaRegion } from '../../project/alexa-regions.js';
import { isCheckedSkillType, type CheckedSkillType, type SkillEndpoint } from '../../project/skill-project.js';
import type { NamedFunctions } from '../../project/layouts/types.js';
import { isFile } from '../../project/layouts/fs-probe.js';
import { relPath } from '../../project/layouts/types.js';
import type { DoctorContext } from '../context.js';
import type { Check, CheckOutcome, CheckStatus } from '../types.js';
import { worst } from '../types.js';

/**
 * Where Alexa sends requests, per skill type in the manifest: a custom skill's
 * manifest.apis.custom.endpoint and each regional override must be a Lambda ARN or an HTTPS URL on
 * port 443 that Alexa can reach, with a certificate type; a smart home or video skill's must be
 * Lambda ARNs, a regional one in its region's AWS region. Other skill types are named as not checked.
 */
const LAMBDA_ARN = /^arn:aws:lambda:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):function:([A-Za-z0-9_-]{1,140})(?::([A-Za-z0-9_$-]{1,128}))?$/;
const SSL_TYPES = ['Trusted', 'Wildcard', 'SelfSigned'];
/** What scaffolds and tutorials leave in place of a real function. */
const PLACEHOLDER = /REPLACE|PLACEHOLDER|YOUR[_-]|<[^>]*>|\{\{|000000000000|123456789012|xxxxxxxx/i;

interface Finding {
  status: CheckStatus;
  detail: string;
  fix?: string;
}

export function judgeEndpoint(ep: SkillEndpoint): Finding {
  const where = ep.field;
  const uri = ep.uri.trim();
  if (uri === '') return { status: 'fail', detail: `${where}.uri is empty.`, fix: 'Set it to your Lambda function ARN, or the HTTPS URL of your skill service.' };
  if (uri.startsWith('arn:')) {
    const m = LAMBDA_ARN.exec(uri);
    if (!m) return { status: 'fail', detail: `${where}.uri "${uri}" is not a Lambda function ARN (arn:aws:lambda:<region>:<account>:function:<name>).`, fix: 'Copy the function ARN from the Lambda console, or let ask deploy set it.' };
    if (PLACEHOLDER.test(uri)) return { status: 'warn', detail: `${where}.uri is still a placeholder (${uri}).`, fix: 'Deploy the code (ask deploy) or put your function ARN there.' };
    return { status: 'pass', detail: `${where}: Lambda ${m[3]} in ${m[1]}.` };
  }
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return { status: 'fail', detail: `${where}.uri "${uri}" is neither a Lambda ARN nor a URL.`, fix: 'Use a Lambda function ARN or an https:// URL.' };
  }
  if (PLACEHOLDER.test(uri)) return { status: 'warn', detail: `${where}.uri is still a placeholder (${uri}).`, fix: 'Put the HTTPS URL of your skill service there.' };
  if (u.protocol !== 'https:') return { status: 'fail', detail: `${where}.uri uses ${u.protocol.replace(':', '')}; Alexa only calls HTTPS endpoints.`, fix: 'Serve the skill over HTTPS on port 443 (a reverse proxy or tunnel in front of the local server works).' };
  if (u.port && u.port !== '443') return { status: 'fail', detail: `${where}.uri uses port ${u.port}; Alexa only connects to port 443.`, fix: `Serve it on 443 and drop ":${u.port}".` };
  if (isLoopbackHost(u.hostname)) return { status: 'fail', detail: `${where}.uri points at ${u.hostname}, which Alexa cannot reach.`, fix: 'Use a public host name (for local development, a tunnel to your machine).' };
  if (!ep.sslCertificateType) return { status: 'warn', detail: `${where} has no sslCertificateType.`, fix: 'Set sslCertificateType to "Trusted" (a public CA), "Wildcard", or "SelfSigned" (development only).' };
  if (!SSL_TYPES.includes(ep.sslCertificateType)) return { status: 'fail', detail: `${where}.sslCertificateType "${ep.sslCertificateType}" is not Trusted, Wildcard or SelfSigned.`, fix: 'Use one of Trusted, Wildcard, SelfSigned (exact case).' };
  if (ep.sslCertificateType === 'SelfSigned') return { status: 'warn', detail: `${where}: ${u.host} with a self-signed certificate (development only; certification needs a trusted one).`, fix: 'Use a certificate from a trusted CA and set sslCertificateType to "Trusted" before certification.' };
  return { status: 'pass', detail: `${where}: ${u.host} over HTTPS (${ep.sslCertificateType} certificate).` };
}

/** A Lambda function name (optionally with :alias), as the ASK CLI v1 writes at endpoint.uri before it knows the ARN. */
const BARE_FUNCTION = /^([A-Za-z0-9_-]{1,140})(?::[A-Za-z0-9_$-]{1,128})?$/;

/**
 * An endpoint.uri that names a function (the ASK CLI v1's "ask-custom-<name>-default") in a project
 * whose deploy tool creates it: judged by the ARN its deploy state records, or "not deployed yet".
 * Undefined when the uri is no bare name or the layout has no such tool (then it is judged as is,
 * and fails). Pure.
 */
export function judgeNamedFunction(ep: SkillEndpoint, named: NamedFunctions | undefined, judge: (ep: SkillEndpoint) => Finding = judgeEndpoint): Finding | undefined {
  const uri = ep.uri.trim();
  const m = BARE_FUNCTION.exec(uri);
  if (!named || !m) return undefined;
  const name = m[1]!;
  const fn = named.deployed.find((d) => d.name === name || LAMBDA_ARN.exec(d.arn)?.[3] === name);
  if (!fn && named.stateMissing) {
    return {
      status: 'warn',
      detail: `${ep.field}.uri "${uri}" names a Lambda function whose ARN ${named.tool} records on deploy, but ${named.stateMissing}: it could not be checked.`,
      fix: `Restore ${named.from.split(' ')[0]} from the checkout that deployed the skill, or put the function's ARN at ${ep.field}.uri; ${named.deployCommand} creates the function only if it does not exist yet.`,
    };
  }
  if (!fn) {
    return {
      status: 'warn',
      detail: `${ep.field}.uri "${uri}" names a Lambda function that is not deployed yet: ${named.deployCommand} creates function ${name} (${named.from} has no ARN for it).`,
      fix: `Run ${named.deployCommand}: it creates the function and records its ARN in ${named.from.split(' ')[0]}.`,
    };
  }
  const judged = judge({ ...ep, uri: fn.arn });
  return { ...judged, detail: `${judged.detail.replace(/\.$/, '')} (${ep.field}.uri names function ${name}; its ARN ${fn.arn} is from ${named.from}).` };
}

/** Whether the project's deployment tool creates the function and writes its ARN into skill.json. */
function deploysLambda(ctx: DoctorContext): boolean {
  return ctx.project.ok && ctx.project.value.deploy === 'lambda';
}

const TYPE_WORDS: Record<CheckedSkillType, string> = { custom: 'custom skill', smartHome: 'smart home skill', video: 'video skill' };

/**
 * A smart home or video endpoint: Alexa sends those directives only to an AWS Lambda function,
 * and a regional one must be in its region's AWS region (NA us-east-1, EU eu-west-1, FE us-west-2),
 * or users of that region find no devices.
 */
export function judgeLambdaOnlyEndpoint(ep: SkillEndpoint): Finding {
  const where = ep.field;
  const uri = ep.uri.trim();
  if (!uri.startsWith('arn:')) {
    if (uri === '') return { status: 'fail', detail: `${where}.uri is empty.`, fix: 'Set it to your Lambda function ARN (ask deploy sets it).' };
    return {
      status: 'fail',
      detail: `${where}.uri "${uri}" is not a Lambda function ARN: Alexa sends ${TYPE_WORDS[ep.api]} directives only to AWS Lambda, never to an HTTPS endpoint.`,
      fix: 'Deploy the skill code as a Lambda function (ask deploy does) and put its ARN there.',
    };
  }
  const judged = judgeEndpoint(ep);
  if (judged.status !== 'pass') return judged;
  const awsRegion = LAMBDA_ARN.exec(uri)![1]!;
  if (isAlexaRegion(ep.region) && AWS_REGION_OF[ep.region] !== awsRegion) {
    return {
      status: 'fail',
      detail: `${where}: the function is in ${awsRegion}, but Alexa's ${ALEXA_REGION_NAMES[ep.region]} region (${ep.region}) needs it in ${AWS_REGION_OF[ep.region]}; discovery finds no devices for those users.`,
      fix: `Deploy a copy of the function in ${AWS_REGION_OF[ep.region]} and put that ARN there.`,
    };
  }
  return judged;
}

/** Locales whose Alexa region has no function in its AWS region (only the default endpoint, elsewhere). */
function uncoveredLocales(endpoints: SkillEndpoint[], locales: string[]): { region: AlexaRegion; locales: string[]; defaultRegion: string }[] {
  const def = endpoints.find((e) => e.region === 'default');
  const defRegion = def ? LAMBDA_ARN.exec(def.uri.trim())?.[1] : undefined;
  if (!defRegion) return [];
  const byRegion = new Map<AlexaRegion, string[]>();
  for (const l of locales) {
    const r = alexaRegionFor(l);
    if (endpoints.some((e) => e.region === r) || AWS_REGION_OF[r] === defRegion) continue;
    byRegion.set(r, [...(byRegion.get(r) ?? []), l]);
  }
  return [...byRegion].map(([region, ls]) => ({ region, locales: ls, defaultRegion: defRegion }));
}

/** One skill type's endpoints: the default, the regions, and for smart home and video the Lambda rules. */
function judgeType(api: CheckedSkillType, endpoints: SkillEndpoint[], locales: string[], ctx: DoctorContext, statesMissing: string | undefined): CheckOutcome {
  const field = `manifest.apis.${api}.endpoint`;
  const deploy = ctx.project.ok ? ctx.project.value.deploy : 'unknown';
  const lambdaOnly = api !== 'custom';
  if (endpoints.length === 0 && deploy === 'hosted' && api === 'custom') {
    return { status: 'pass', detail: 'Alexa-hosted skill: Amazon manages the endpoint (the hosted Lambda function); skill.json need not name one.' };
  }
  if (endpoints.length === 0 && (deploy === 'sam' || deploy === 'serverless')) {
    return {
      status: 'warn',
      detail: `skill.json has no endpoint; the code is deployed with ${deploy === 'sam' ? 'AWS SAM' : 'the Serverless Framework'}, which does not write the function ARN into skill.json.`,
      fix: `Put the deployed function ARN at ${field}.uri (the stack outputs show it).`,
    };
  }
  if (endpoints.length === 0 && deploysLambda(ctx)) {
    return {
      status: 'warn',
      detail: `skill.json has no endpoint yet; the project deploys to Lambda, and ask deploy sets ${field}.uri to the function ARN.`,
      // In a fresh clone of a deployed skill the states file is missing, and ask deploy would make a second skill.
      fix: `Run ask deploy (it creates the function and sets the endpoint)${statesMissing ? `; in a fresh clone of a deployed skill, restore ${statesMissing} first` : ''}.`,
    };
  }
  if (endpoints.length === 0) {
    return lambdaOnly
      ? { status: 'fail', detail: `skill.json has no endpoint at ${field}: Alexa does not know which Lambda function gets the ${TYPE_WORDS[api]} directives.`, fix: `Set ${field}.uri to your Lambda function ARN (ask deploy fills it).` }
      : { status: 'fail', detail: `skill.json has no endpoint at ${field}: Alexa does not know where to send requests.`, fix: `Set ${field}.uri to your Lambda ARN or HTTPS URL (ask deploy fills it for Lambda).` };
  }
  if (!endpoints.some((e) => e.region === 'default')) {
    return { status: 'fail', detail: `skill.json has regional endpoints but no default ${field}.`, fix: 'Add the default endpoint; regions only override it.' };
  }
  const judge = lambdaOnly ? judgeLambdaOnlyEndpoint : judgeEndpoint;
  const named = ctx.project.ok ? ctx.project.value.namedFunctions : undefined;
  const findings = endpoints.map((ep) => judgeNamedFunction(ep, named, judge) ?? judge(ep));
  if (lambdaOnly) {
    for (const gap of uncoveredLocales(endpoints, locales)) {
      findings.push({
        status: 'warn',
        detail: `${gap.locales.join(', ')} ${gap.locales.length === 1 ? 'belongs' : 'belong'} to Alexa's ${ALEXA_REGION_NAMES[gap.region]} region (${gap.region}), which has no endpoint of its own; the default function is in ${gap.defaultRegion}, so discovery finds no devices for those users.`,
        fix: `Deploy the function in ${AWS_REGION_OF[gap.region]} too and set manifest.apis.${api}.regions.${gap.region}.endpoint.uri (with the ASK CLI: a code.${gap.region} entry in ask-resources.json).`,
      });
    }
  }
  const status = findings.reduce<CheckStatus>((st, f) => worst(st, f.status), 'pass');
  const fixes = findings.filter((f) => f.status !== 'pass' && f.fix).map((f) => f.fix!);
  return { status, detail: findings.map((f) => f.detail).join('\n'), ...(fixes.length ? { fix: [...new Set(fixes)].join('\n') } : {}) };
}

export const manifestEndpoint: Check<DoctorContext> = {
  id: 'manifest-endpoint',
  title: 'Skill endpoint: HTTPS on port 443 or a Lambda ARN',
  needs: ['manifest'],
  async run(ctx): Promise<CheckOutcome> {
    if (!ctx.manifest.ok) return { status: 'skip', detail: ctx.manifest.reason };
    const { endpoints, skillTypes, locales } = ctx.manifest.value;
    const checked = skillTypes.filter(isCheckedSkillType);
    const unchecked = skillTypes.filter((t) => !isCheckedSkillType(t));
    const notChecked = unchecked.length ? `${unchecked.join(', ')}: not checked (alexa-link checks custom, smartHome and video skills).` : '';
    if (checked.length === 0) {
      if (unchecked.length) return { status: 'skip', detail: notChecked };
      // No apis at all: judged as the custom skill it most likely is.
      checked.push('custom');
    }
    // The deploy state file (ask-states.json, .ask/config) missing: a fresh clone, where ask deploy would create a second skill.
    const states = ctx.project.ok ? ctx.project.value.statesPath : undefined;
    const statesMissing = states && ctx.project.ok && !(await isFile(states)) ? relPath(ctx.project.value.root, states) : undefined;
    const outcomes = checked.map((api) => ({ api, outcome: judgeType(api, endpoints.filter((e) => e.api === api), locales, ctx, statesMissing) }));
    if (outcomes.length === 1 && !notChecked) return outcomes[0]!.outcome;
    const status = outcomes.reduce<CheckStatus>((st, o) => worst(st, o.outcome.status), 'pass');
    const detail = [...outcomes.map((o) => `${o.api}: ${o.outcome.detail.split('\n').join(`\n${o.api}: `)}`), ...(notChecked ? [notChecked] : [])].join('\n');
    const fixes = outcomes.map((o) => o.outcome.fix).filter((f): f is string => Boolean(f));
    return { status, detail, ...(fixes.length ? { fix: [...new Set(fixes)].join('\n') } : {}) };
  },
};
