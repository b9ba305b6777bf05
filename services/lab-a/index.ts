// Lab A's services for the standalone runner and the console's supervisor: `npm run service -- lab-a/presentations-api`.
import type { ServiceEntries } from '../shared/service-entry.js';
import { createPresentationsApi } from './api.js';
import { apiConfigFromEnv, projectorConfigFromEnv } from './config.js';
import { createProjector } from './projector.js';

export { LAB_A_BROKEN_MODES } from './broken-modes.js';

export const services: ServiceEntries = {
  'presentations-api': {
    describe:
      'Lab A presentations API: commands → events on presentation.events (202 after the ack, 503 without); reads from MongoDB or Redis',
    create: (env, { logger }) => createPresentationsApi(apiConfigFromEnv(env), { logger }),
  },
  projector: {
    describe: 'Lab A projector: one member of presentation-projector, applies events to MongoDB by version',
    create: (env, { logger, onFatal }) => createProjector(projectorConfigFromEnv(env), { logger, onFatal }),
  },
};
