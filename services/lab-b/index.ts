// Lab B's services for the standalone runner and the console's supervisor: `npm run service -- lab-b/auth`. Each reads
// its env config once (services/lab-b/config.ts; an unknown LAB_BROKEN_MODE throws here, and the runner exits 2).
import type { ServiceEntries, ServiceEntry } from '../shared/service-entry.js';
import { createAudit } from './audit.js';
import { createAuth } from './auth.js';
import { labBConfigFromEnv, type LabBConfig } from './config.js';
import { createNotification } from './notification.js';
import { createReports } from './reports.js';
import type { LabBDeps, LabBHandle } from './runtime.js';
import type { LabBService } from './schema.js';
import { createUsers } from './users.js';
import { createVacation } from './vacation.js';

export const LAB_B_FACTORIES: Readonly<Record<LabBService, (cfg: LabBConfig, deps: LabBDeps) => LabBHandle>> = {
  auth: createAuth,
  users: createUsers,
  audit: createAudit,
  vacation: createVacation,
  notification: createNotification,
  reports: createReports,
};

function entry(service: LabBService, describe: string): ServiceEntry {
  return {
    describe,
    create: (env, { logger, onFatal }) =>
      LAB_B_FACTORIES[service](labBConfigFromEnv(service, env), { logger, onFatal }),
  };
}

export const services: ServiceEntries = {
  auth: entry(
    'auth',
    'auth (8101): register/login; user_registered on the default exchange, auth.login.* to auth.events',
  ),
  users: entry('users', 'users (8103): profiles from user_registered; PUT /users/{id}; user.* to users.events'),
  audit: entry('audit', 'audit: one row per login event from audit.auth; security.failed-logins (auth.login.failed)'),
  vacation: entry('vacation', 'vacation (8102): requests and their status machine; vacation.request.status_changed'),
  notification: entry(
    'notification',
    'notification: one of the work queue notification.vacation (INSTANCE=notification-1|2)',
  ),
  reports: entry(
    'reports',
    'reports (8104): logins per day and vacation requests by status, from copies of the events',
  ),
};
