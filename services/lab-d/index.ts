// Lab D's services for the standalone runner and the console's supervisor: `npm run service -- lab-d/loms`.
import { lomsConfigFromEnv, notifierConfigFromEnv } from './config.js';
import { createLoms } from './loms/service.js';
import { createNotifier } from './notifier/notifier.js';
import type { ServiceEntries } from '../shared/service-entry.js';

export const services: ServiceEntries = {
  loms: {
    describe: 'LOMS: the order HTTP API (route256 contract), its Postgres tables and the outbox relay to Kafka',
    create: (env, { logger }) => createLoms(lomsConfigFromEnv(env), { logger }),
  },
  notifier: {
    describe: 'notifier: one member of the notifier consumer group; one JSON line per event on stdout',
    create: (env, { logger, onFatal }) => createNotifier(notifierConfigFromEnv(env), { logger, onFatal }),
  },
};
