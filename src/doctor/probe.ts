import { isLoopbackHost } from '../linking/rules.js';
import { HttpError, inspectTls, tlsProblem, type TlsInfo } from '../net/http.js';
import { issuedByLetsEncrypt, letsEncryptWarning } from '../oauth/certificate-authority.js';
import type { CheckOutcome, CheckStatus } from './types.js';
import { worst } from './types.js';

/**
 * Shared pieces of the network checks: TLS certificate judgement (with the local-rehearsal rule:
 * on a loopback host the rules only a public host can meet are warnings), and folding several
 * findings into one outcome.
 */
export interface Finding {
  status: CheckStatus;
  detail: string;
  fix?: string;
}

/** Certificates that expire within this many days are worth a warning. */
export const EXPIRY_WARNING_DAYS = 14;

export function isLoopbackUrl(url: string): boolean {
  try {
    return isLoopbackHost(new URL(url).hostname);
  } catch {
    return false;
  }
}

/** Judges what inspectTls saw: trusted and unexpired, not from Let's Encrypt (a warning), else why not. */
export function judgeTls(url: string, info: TlsInfo, opts: { rehearsal: boolean; now: Date; label: string }): Finding {
  const problem = tlsProblem(url, info);
  const local = opts.rehearsal && isLoopbackUrl(url);
  if (problem) {
    return {
      status: local ? 'warn' : 'fail',
      detail: `${opts.label}: ${problem.message}${local ? ' (a loopback address: fine for a local rehearsal, Alexa needs a publicly trusted certificate)' : ''}`,
      ...(problem.hint ? { fix: problem.hint } : {}),
    };
  }
  if (issuedByLetsEncrypt(info)) {
    const w = letsEncryptWarning(opts.label, info);
    return { status: 'warn', detail: w.detail, fix: w.fix };
  }
  if (info.validTo) {
    const days = Math.floor((Date.parse(info.validTo) - opts.now.getTime()) / 86_400_000);
    if (Number.isFinite(days) && days < EXPIRY_WARNING_DAYS) {
      return { status: 'warn', detail: `${opts.label}: the TLS certificate expires in ${days} day(s) (${info.validTo}).`, fix: 'Renew the certificate before it expires; Alexa stops linking and refreshing the day it does.' };
    }
  }
  return { status: 'pass', detail: `${opts.label}: TLS certificate trusted${info.issuer ? ` (issued by ${info.issuer})` : ''}${info.validTo ? `, valid until ${info.validTo}` : ''}.` };
}

/** The scheme rule for a provider URL: HTTPS required, except in a local rehearsal. */
export function judgeScheme(url: string, opts: { rehearsal: boolean; label: string }): Finding | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { status: 'fail', detail: `${opts.label} "${url}" is not a URL.`, fix: 'Fix it in accountLinking.json.' };
  }
  if (u.protocol === 'https:') return undefined;
  if (opts.rehearsal && isLoopbackHost(u.hostname)) {
    return { status: 'warn', detail: `${opts.label} is plain HTTP on a loopback address: a local rehearsal only; Alexa needs HTTPS on port 443.` };
  }
  return { status: 'fail', detail: `${opts.label} uses ${u.protocol.replace(':', '')}; Alexa only uses HTTPS.`, fix: 'Serve it over HTTPS on port 443.' };
}

/** Inspects the certificate of an https URL and judges it; network failures become findings. */
export async function probeTls(url: string, opts: { rehearsal: boolean; now: Date; label: string; timeoutMs: number; ca?: string }): Promise<Finding | undefined> {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'https:') return undefined;
  try {
    const info = await inspectTls(url, { timeoutMs: opts.timeoutMs, ...(opts.ca ? { ca: opts.ca } : {}) });
    return judgeTls(url, info, opts);
  } catch (err) {
    if (err instanceof HttpError) return { status: 'fail', detail: `${opts.label}: ${err.message}`, ...(err.hint ? { fix: err.hint } : {}) };
    throw err;
  }
}

/** One outcome from several findings: the worst status, every detail, the fixes of the non-passing ones. */
export function fold(findings: Finding[]): CheckOutcome {
  const status = findings.reduce<CheckStatus>((s, f) => worst(s, f.status), 'pass');
  const fixes = [...new Set(findings.filter((f) => f.status !== 'pass' && f.fix).map((f) => f.fix!))];
  return { status, detail: findings.map((f) => f.detail).join('\n'), ...(fixes.length ? { fix: fixes.join('\n') } : {}) };
}
