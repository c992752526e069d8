import { isLoopbackHost } from '../linking/rules.js';

/**
 * Opening an address in the user's browser. The system opener (xdg-open, `open`, `start`) opens
 * whatever it is given with whatever application claims it: a file: address in an editor, a
 * custom scheme in any installed handler. The addresses alexa-link opens come from files it did
 * not write (accountLinking.json), so only web pages are opened: https:, and http: on a loopback
 * address (a local rehearsal). Anything else is printed for the user to judge.
 */
export type BrowserSafety = { ok: true } | { ok: false; reason: string };

export interface OpenResult {
  opened: boolean;
  reason?: string;
}

export function browserSafety(url: string): BrowserSafety {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { ok: false, reason: 'it is not an absolute address' };
  }
  if (u.protocol === 'https:') return { ok: true };
  if (u.protocol === 'http:') {
    if (isLoopbackHost(u.hostname)) return { ok: true };
    return { ok: false, reason: `it is plain http: to ${u.hostname}, not https: (http: is only opened on a loopback address)` };
  }
  return { ok: false, reason: `it is a ${u.protocol} address, and only https: pages (or http: on a loopback address) are opened` };
}

/**
 * Opens a web page with the `open` package (loaded on demand); says why when it does not. Refuses
 * addresses `browserSafety` refuses, whoever calls it.
 */
export async function openInBrowser(url: string, env: Record<string, string | undefined> = process.env): Promise<OpenResult> {
  const safe = browserSafety(url);
  if (!safe.ok) return { opened: false, reason: `not opened: ${safe.reason}` };
  if (process.platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY) return { opened: false, reason: 'no display (DISPLAY and WAYLAND_DISPLAY are unset)' };
  try {
    const { default: open } = await import('open');
    const child = await open(url);
    return await new Promise<OpenResult>((resolve) => {
      const timer = setTimeout(() => resolve({ opened: true }), 1500);
      timer.unref();
      child.once('error', (err) => {
        clearTimeout(timer);
        resolve({ opened: false, reason: err.message });
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        resolve(code === 0 || code === null ? { opened: true } : { opened: false, reason: `the opener exited with code ${code}` });
      });
    });
  } catch (err) {
    return { opened: false, reason: err instanceof Error ? err.message : String(err) };
  }
}
