/**
 * Every doctor check's id and title, in report order, without the checks' code: `doctor --help`
 * and shell completion list them without loading the checks (help stays fast). The registry
 * (src/doctor/checks/index.ts) holds the checks themselves; a unit test keeps the two the same.
 */
export interface CheckListEntry {
  readonly id: string;
  readonly title: string;
}

export const CHECK_LIST: readonly CheckListEntry[] = [
  { id: 'project-files', title: 'Project files: found and valid' },
  { id: 'manifest-endpoint', title: 'Skill endpoint: HTTPS on port 443 or a Lambda ARN' },
  { id: 'linking-config', title: "Linking configuration: Alexa's rules" },
  { id: 'linking-remote-drift', title: 'Remote configuration: same as the local file' },
  { id: 'authorization-endpoint', title: 'Authorization endpoint' },
  { id: 'token-endpoint', title: 'Token endpoint' },
  { id: 'token-endpoint-scheme', title: 'Client authentication: as accessTokenScheme says' },
  { id: 'session-tokens', title: 'Saved login tokens: valid and refreshable' },
  { id: 'alexa-client-credentials', title: 'Alexa client credentials: set for AcceptGrant (smart home, SMAPI)' },
  { id: 'replays', title: 'Replays: does the token arrive, and what does the skill do with it' },
  { id: 'simulation', title: 'Alexa simulation: does Alexa itself send the token' },
];

/** The checks for `doctor --help`: one line each, the id and its title. */
export function checkListHelp(): string {
  const col = Math.max(...CHECK_LIST.map((c) => c.id.length));
  return CHECK_LIST.map((c) => `  ${c.id.padEnd(col)}  ${c.title}`).join('\n');
}
