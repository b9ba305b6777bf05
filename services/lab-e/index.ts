// Lab E's services for the standalone runner and the console's supervisor: `npm run service -- lab-e/gateway`, one
// process per service (the lab's shape); `lab-e/all` runs the five in one process for convenience.
import type { Logger } from '../shared/logger.js';
import type { Runnable, ServiceEntries, ServiceEntry } from '../shared/service-entry.js';
import { labEConfigFromEnv } from './config.js';
import { createAccounting } from './services/accounting.js';
import { createAnalytics } from './services/analytics.js';
import { createAuth } from './services/auth.js';
import { createGateway } from './services/gateway.js';
import { createTasks } from './services/tasks.js';

export { BROKEN_MODES } from './broken-modes.js';

function entry(
  describe: string,
  make: (env: NodeJS.ProcessEnv, logger: Logger, onFatal: (e: Error) => void) => Runnable,
): ServiceEntry {
  return { describe, create: (env, { logger, onFatal }) => make(env, logger, onFatal) };
}

export function createAll(env: NodeJS.ProcessEnv, logger: Logger, onFatal: (e: Error) => void): Runnable {
  const c = labEConfigFromEnv(env);
  const deps = (name: string) => ({ logger: logger.child({ service: name }), onFatal });
  const backends = [
    createAuth(c.auth, deps('auth')),
    createTasks(c.tasks, deps('tasks')),
    createAccounting(c.accounting, deps('accounting')),
    createAnalytics(c.analytics, deps('analytics')),
  ];
  const gateway = createGateway(c.gateway, deps('gateway'));
  return {
    async start() {
      await Promise.all(backends.map((s) => s.start()));
      await gateway.start();
    },
    async stop() {
      await gateway.stop();
      await Promise.allSettled(backends.map((s) => s.stop()));
    },
  };
}

export const services: ServiceEntries = {
  gateway: entry(
    'Lab E gateway: checks the JWT (401/403 by role) and passes requests on to the services',
    (env, logger, onFatal) => createGateway(labEConfigFromEnv(env).gateway, { logger, onFatal }),
  ),
  auth: entry('Lab E auth: signup, login (JWT), role changes; Account* events', (env, logger, onFatal) =>
    createAuth(labEConfigFromEnv(env).auth, { logger, onFatal }),
  ),
  tasks: entry('Lab E tasks: the tracker (random worker, reshuffle, complete); Task* events', (env, logger, onFatal) =>
    createTasks(labEConfigFromEnv(env).tasks, { logger, onFatal }),
  ),
  accounting: entry(
    'Lab E accounting: prices, ledger, balances, day close; transactions events',
    (env, logger, onFatal) => createAccounting(labEConfigFromEnv(env).accounting, { logger, onFatal }),
  ),
  analytics: entry(
    'Lab E analytics: management income, negative balances, most expensive task',
    (env, logger, onFatal) => createAnalytics(labEConfigFromEnv(env).analytics, { logger, onFatal }),
  ),
  all: entry('Lab E: the five services in one process (convenience)', createAll),
};
