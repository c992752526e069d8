import type { CommandModule } from '../context.js';

/** The command table. Each module is imported only when its command runs. */
export interface CommandEntry {
  name: string;
  args?: string;
  summary: string;
  load(): Promise<CommandModule>;
}

export const COMMANDS: CommandEntry[] = [
  {
    name: 'init',
    args: '[dir]',
    summary: 'scaffold a custom skill that handles account linking correctly',
    load: async () => (await import('./init.js')).command,
  },
  {
    name: 'configure',
    summary: "push accountLinking.json to the skill through Amazon's Skill Management API",
    load: async () => (await import('./configure.js')).command,
  },
  {
    name: 'login',
    summary: "run a real test login at your OAuth provider, playing Alexa's side of the exchange",
    load: async () => (await import('./login.js')).command,
  },
  {
    name: 'doctor',
    summary: 'diagnose the linking chain and replay requests to see whether accessToken arrives',
    load: async () => (await import('./doctor.js')).command,
  },
  {
    name: 'watch',
    summary: "route your own Alexa traffic to the local skill and judge each request as it arrives",
    load: async () => (await import('./watch.js')).command,
  },
  {
    name: 'completion',
    args: '<shell>',
    summary: 'print a shell completion script (bash, zsh or fish) for commands, flags and their values',
    load: async () => (await import('./completion.js')).command,
  },
  {
    name: 'demo',
    summary: 'run the whole linking chain locally with a demo OAuth provider and skill',
    load: async () => (await import('./demo.js')).command,
  },
];
