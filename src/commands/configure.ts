import type { CommandModule } from '../context.js';
import { AlexaLinkError } from '../errors.js';

export const command: CommandModule = {
  define() {},
  async run() {
    throw new AlexaLinkError('alexa-link configure is not yet available in this build.', { code: 'E_NOT_AVAILABLE' });
  },
};
