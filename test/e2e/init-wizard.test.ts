import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readLinkingFile } from '../../src/project/skill-project.js';
import { BIN } from '../support/cli.js';
import { readJson, removeTempDirs, tempDir } from '../support/skill-project.js';

/**
 * The wizard in a real terminal: util-linux `script` gives the CLI a pseudo-terminal, so stdin is
 * a TTY and inquirer reads keys from it. Each step waits for a question, then types.
 */
type Step = [question: RegExp, keys: string];

const ENTER = '\r';
const DOWN = '\x1b[B';
const CTRL_C = '\x03';
/** Clears the line typed so far (readline's kill-line), to type an answer again. */
const CTRL_U = '\x15';

async function driveWizard(cwd: string, args: string[], steps: Step[], colour = false): Promise<{ code: number | null; screen: string; raw: string }> {
  const command = [process.execPath, '--', BIN, 'init', ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  // NO_COLOR=1 unless a test looks at colour (then a terminal that shows it).
  const env: NodeJS.ProcessEnv = colour ? { ...process.env, TERM: 'xterm-256color' } : { ...process.env, NO_COLOR: '1' };
  if (colour) delete env.NO_COLOR;
  delete env.FORCE_COLOR;
  // A wide terminal, so a question and its default stay on one line.
  const child = spawn('script', ['-qefc', `stty cols 200 rows 50; exec ${command}`, '/dev/null'], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
  let raw = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (raw += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (raw += c));
  // What a user reads: cursor movements and colours removed.
  const text = () => raw.replace(/\x1b\[[0-9;?]*[a-zA-Z]/g, '');
  const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
  let seen = 0;
  for (const [question, keys] of steps) {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const at = text().slice(seen).search(question);
      if (at >= 0) {
        seen += at + 1;
        break;
      }
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`the wizard never asked ${question}; screen:\n${text()}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    await new Promise((r) => setTimeout(r, 150)); // let the prompt finish drawing before typing
    child.stdin.write(keys);
  }
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const code = await closed;
  clearTimeout(timer);
  return { code, screen: text(), raw };
}

afterAll(removeTempDirs);

describe('alexa-link init wizard (in a pseudo-terminal)', () => {
  it('asks every question with its default and scaffolds from the answers', async () => {
    const cwd = await tempDir('al-wizard-');
    const { code, screen } = await driveWizard(cwd, [], [
      [/Skill type/, ENTER], // custom
      [/Skill name/, 'Recipe Finder' + ENTER],
      [/Project directory: \(recipe-finder\)/, ENTER],
      [/Locales/, ENTER],
      [/Invocation name.*\(recipe finder\)/, ENTER],
      [/OAuth provider/, DOWN + ENTER], // Auth0
      [/Auth0 domain/, 'https://my-tenant.us.auth0.com/' + ENTER],
      [/Userinfo URL.*\(https:\/\/my-tenant\.us\.auth0\.com\/userinfo\)/, ENTER],
      [/Client ID/, 'client-abc' + ENTER],
      [/Scopes.*\(openid profile email offline_access\)/, ENTER],
      [/How Alexa authenticates/, ENTER],
      [/Skill code language/, DOWN + ENTER], // TypeScript
      [/Where the skill code runs/, ENTER],
      [/Run npm install/, 'n' + ENTER],
      [/Create the project with these answers\?/, ENTER],
    ]);
    expect(code, screen).toBe(0);
    expect(screen).toMatch(/Summary:\r?\n {2}Skill type +custom\r?\n {2}Skill name +Recipe Finder\r?\n/);
    expect(screen).toMatch(/Files to write in recipe-finder \(\d+\):/);
    expect(screen).toContain('Created "Recipe Finder"');
    const dir = path.join(cwd, 'recipe-finder');
    expect(await readLinkingFile(path.join(dir, 'accountLinking.json'))).toMatchObject({
      authorizationUrl: 'https://my-tenant.us.auth0.com/authorize',
      clientId: 'client-abc',
      scopes: ['openid', 'profile', 'email', 'offline_access'],
    });
    const resources = await readJson<{ profiles: { default: { skillInfrastructure: { userConfig: { handler: string } } } } }>(path.join(dir, 'ask-resources.json'));
    expect(resources.profiles.default.skillInfrastructure.userConfig.handler).toBe('dist/src/index.handler');
  }, 60_000);

  it('a smart home skill: asks no invocation name and no endpoint, and scaffolds the smart home template', async () => {
    const cwd = await tempDir('al-wizard-smart-home-');
    const { code, screen } = await driveWizard(cwd, [], [
      [/Skill type/, DOWN + ENTER], // smart home
      [/Skill name/, 'Porch Light' + ENTER],
      [/Project directory: \(porch-light\)/, ENTER],
      [/Locales/, ENTER],
      [/OAuth provider/, ENTER], // Login with Amazon
      [/Userinfo URL \(the skill checks every access token here\).*\(https:\/\/api\.amazon\.com\/user\/profile\)/, ENTER],
      [/Client ID/, 'amzn1.application-oa2-client.abc' + ENTER],
      [/Scopes.*\(profile\)/, ENTER],
      [/How Alexa authenticates/, ENTER],
      [/Skill code language/, ENTER],
      [/Run npm install/, 'n' + ENTER],
      [/Create the project with these answers\?/, ENTER],
    ]);
    expect(code, screen).toBe(0);
    expect(screen).toMatch(/Summary:\r?\n {2}Skill type +smart home/);
    expect(screen).toContain('Created "Porch Light" (smart home skill)');
    expect(screen).not.toMatch(/Invocation name|Where the skill code runs/);
    const dir = path.join(cwd, 'porch-light');
    const manifest = await readJson<{ manifest: { apis: Record<string, unknown> } }>(path.join(dir, 'skill-package', 'skill.json'));
    expect(manifest.manifest.apis).toEqual({ smartHome: { protocolVersion: '3' } });
    expect(await readLinkingFile(path.join(dir, 'accountLinking.json'))).toMatchObject({ type: 'AUTH_CODE', scopes: ['profile'], clientId: 'amzn1.application-oa2-client.abc' });
  }, 60_000);

  it('re-asks an http token URL with the rule it breaks, then shows the summary and writes after one confirmation', async () => {
    const cwd = await tempDir('al-wizard-url-');
    const { code, screen } = await driveWizard(cwd, ['ops-helper', '--type', 'custom', '--name', 'Ops Helper', '--provider', 'generic', '--no-install', '--language', 'javascript', '--endpoint', 'lambda', '--locale', 'en-US', '--invocation', 'ops helper'], [
      [/Authorization URL/, 'https://id.example.com/authorize' + ENTER],
      [/Token URL/, 'http://id.example.com/token' + ENTER],
      [/accessTokenUrl uses http; Alexa only uses HTTPS/, CTRL_U + 'https://id.example.com/token' + ENTER],
      [/Userinfo URL/, ENTER],
      [/Client ID/, ENTER],
      [/Scopes/, 'openid offline_access' + ENTER],
      [/How Alexa authenticates/, ENTER],
      [/Create the project with these answers\?/, 'y' + ENTER],
    ]);
    expect(code, screen).toBe(0);
    expect(screen).toMatch(/Serve accessTokenUrl over HTTPS on port 443/);
    // The empty client ID: a placeholder, and where to create a client.
    expect(screen).toMatch(/No client ID yet: accountLinking\.json gets the placeholder REPLACE_WITH_YOUR_CLIENT_ID/);
    expect(screen).toMatch(/Token URL +https:\/\/id\.example\.com\/token/);
    expect(screen).toMatch(/Client ID +REPLACE_WITH_YOUR_CLIENT_ID/);
    expect(screen.indexOf('Summary:')).toBeLessThan(screen.indexOf('Create the project with these answers?'));
    expect(await readLinkingFile(path.join(cwd, 'ops-helper', 'accountLinking.json'))).toMatchObject({
      accessTokenUrl: 'https://id.example.com/token',
      clientId: 'REPLACE_WITH_YOUR_CLIENT_ID',
      scopes: ['openid', 'offline_access'],
    });
  }, 60_000);

  it('saying no to the summary writes nothing (exit 1)', async () => {
    const cwd = await tempDir('al-wizard-no-');
    const { code, screen } = await driveWizard(cwd, ['linked-helper', '--type', 'custom', '--client-id', 'c', '--provider', 'lwa', '--locale', 'en-US', '--scheme', 'HTTP_BASIC', '--language', 'javascript', '--endpoint', 'lambda', '--no-install', '--scope', 'profile', '--userinfo-url', 'https://api.amazon.com/user/profile', '--name', 'Linked Helper', '--invocation', 'linked helper'], [
      [/Create the project with these answers\?/, 'n' + ENTER],
    ]);
    expect(code, screen).toBe(1);
    expect(screen).toContain('Cancelled; nothing was written.');
    expect(await readdir(cwd)).toEqual([]);
  }, 60_000);

  it('re-asks an invocation name that breaks a rule, saying which', async () => {
    const cwd = await tempDir('al-wizard-invocation-');
    const { code, screen } = await driveWizard(cwd, ['linked-helper', '--type', 'custom', '--client-id', 'c', '--provider', 'lwa', '--locale', 'en-US', '--scheme', 'HTTP_BASIC', '--language', 'javascript', '--endpoint', 'lambda', '--no-install', '--scope', 'profile', '--userinfo-url', 'https://api.amazon.com/user/profile', '--name', 'Weather'], [
      [/Invocation name/, 'Open Weather' + ENTER],
      [/must be lower case/, CTRL_C],
    ]);
    expect(screen).toMatch(/launch phrases such as "open"/);
    expect(code).toBe(130);
    expect(await readdir(cwd)).toEqual([]);
  }, 60_000);

  it('in a folder named recipe-finder-skill it offers "Recipe Finder" and "recipe finder" (no "skill" for the rules to warn about); --no-color draws no colour', async () => {
    const steps: Step[] = [
      [/Skill type/, ENTER],
      [/Skill name \(shown in the Alexa app\): \(Recipe Finder\)/, ENTER],
      [/Locales/, ENTER],
      [/Invocation name.*\(recipe finder\)/, ENTER],
      [/OAuth provider/, CTRL_C],
    ];
    const cwd = await tempDir('al-wizard-defaults-');
    const plain = await driveWizard(cwd, ['--no-color', 'recipe-finder-skill'], steps, true);
    expect(plain.code, plain.screen).toBe(130);
    expect(plain.screen).not.toMatch(/[Ss]kill" \(|discouraged|certification may ask/);
    expect(plain.raw.match(/\x1b\[[0-9;]*m/g) ?? []).toEqual([]);
    // The same terminal without --no-color is coloured: the test can see colour.
    const coloured = await driveWizard(cwd, ['recipe-finder-skill'], steps, true);
    expect(coloured.raw).toMatch(/\x1b\[[0-9;]*m/);
  }, 60_000);

  it('Ctrl-C cancels cleanly: exit 130, "Cancelled", nothing written', async () => {
    const cwd = await tempDir('al-wizard-cancel-');
    const { code, screen } = await driveWizard(cwd, ['my-skill'], [
      [/Skill type/, ENTER],
      [/Skill name/, ENTER],
      [/Locales/, ENTER],
      [/Invocation name/, ENTER],
      [/OAuth provider/, CTRL_C],
    ]);
    expect(code).toBe(130);
    expect(screen).toContain('Cancelled.');
    expect(screen).not.toMatch(/at .*\.js:\d+/);
    expect(await readdir(cwd)).toEqual([]);
  }, 60_000);
});
