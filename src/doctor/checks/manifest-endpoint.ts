import { isLoopbackHost } from '../../linking/rules.js';
import type { SkillEndpoint } from '../../project/skill-project.js';
import type { DoctorContext } from '../context.js';
import type { Check, CheckOutcome, CheckStatus } from '../types.js';
import { worst } from '../types.js';

/**
 * Where Alexa sends requests: manifest.apis.custom.endpoint and each regional override must be a
 * Lambda ARN or an HTTPS URL on port 443 that Alexa can reach, with a certificate type.
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

/** Whether the project's deployment tool creates the function and writes its ARN into skill.json. */
function deploysLambda(ctx: DoctorContext): boolean {
  return ctx.project.ok && ctx.project.value.deploy === 'lambda';
}

export const manifestEndpoint: Check<DoctorContext> = {
  id: 'manifest-endpoint',
  title: 'Skill endpoint in skill.json',
  needs: ['manifest'],
  async run(ctx): Promise<CheckOutcome> {
    if (!ctx.manifest.ok) return { status: 'skip', detail: ctx.manifest.reason };
    const endpoints = ctx.manifest.value.endpoints;
    const deploy = ctx.project.ok ? ctx.project.value.deploy : 'unknown';
    if (endpoints.length === 0 && deploy === 'hosted') {
      return { status: 'pass', detail: 'Alexa-hosted skill: Amazon manages the endpoint (the hosted Lambda function); skill.json need not name one.' };
    }
    if (endpoints.length === 0 && (deploy === 'sam' || deploy === 'serverless')) {
      return {
        status: 'warn',
        detail: `skill.json has no endpoint; the code is deployed with ${deploy === 'sam' ? 'AWS SAM' : 'the Serverless Framework'}, which does not write the function ARN into skill.json.`,
        fix: 'Put the deployed function ARN at manifest.apis.custom.endpoint.uri (the stack outputs show it).',
      };
    }
    if (endpoints.length === 0 && deploysLambda(ctx)) {
      return {
        status: 'warn',
        detail: 'skill.json has no endpoint yet; the project deploys to Lambda, and ask deploy sets manifest.apis.custom.endpoint.uri to the function ARN.',
        fix: 'Run ask deploy (it creates the function and sets the endpoint).',
      };
    }
    if (endpoints.length === 0) {
      return { status: 'fail', detail: 'skill.json has no endpoint at manifest.apis.custom.endpoint: Alexa does not know where to send requests.', fix: 'Set manifest.apis.custom.endpoint.uri to your Lambda ARN or HTTPS URL (ask deploy fills it for Lambda).' };
    }
    if (!endpoints.some((e) => e.region === 'default')) {
      return { status: 'fail', detail: 'skill.json has regional endpoints but no default manifest.apis.custom.endpoint.', fix: 'Add the default endpoint; regions only override it.' };
    }
    const findings = endpoints.map(judgeEndpoint);
    const status = findings.reduce<CheckStatus>((s, f) => worst(s, f.status), 'pass');
    const fixes = findings.filter((f) => f.status !== 'pass' && f.fix).map((f) => f.fix!);
    return { status, detail: findings.map((f) => f.detail).join('\n'), ...(fixes.length ? { fix: [...new Set(fixes)].join('\n') } : {}) };
  },
};
