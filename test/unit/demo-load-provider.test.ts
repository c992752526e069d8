import { describe, expect, it } from 'vitest';
import { DEMO_WITH_NPX, loadOidcProvider } from '../../src/commands/demo.js';
import { AlexaLinkError } from '../../src/errors.js';

describe('demo without oidc-provider', () => {
  it('names the npx command that brings it along, and the other ways', async () => {
    const missing = () => Promise.reject(Object.assign(new Error("Cannot find package 'oidc-provider'"), { code: 'ERR_MODULE_NOT_FOUND' }));
    const err = await loadOidcProvider(missing).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(AlexaLinkError);
    expect((err as AlexaLinkError).code).toBe('E_DEMO_PROVIDER_MISSING');
    expect((err as AlexaLinkError).message).toMatch(/needs oidc-provider .* not installed next to alexa-link/);
    expect(DEMO_WITH_NPX).toBe('npx -p alexa-link -p oidc-provider@8 alexa-link demo');
    // The command on a line of its own, so wrapping never splits it.
    expect((err as AlexaLinkError).hint!.split('\n')).toContain(`    ${DEMO_WITH_NPX}`);
    expect((err as AlexaLinkError).hint).toContain('npm install oidc-provider@8');
  });
  it('loads the local provider when oidc-provider is there', async () => {
    const mod = await loadOidcProvider();
    expect(typeof mod.startLocalProvider).toBe('function');
  });
});
