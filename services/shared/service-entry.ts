// The seam between a lab's services and the standalone runner (services/cli.ts) and the console's supervisor: each lab
// exports its services by name from services/<lab>/index.ts, and services/registry.ts lists the labs, one line each.
// An entry reads its own env config (zod) once and returns something to start and stop; cli.ts traps the signals.
import type { Logger } from './logger.js';

export interface Runnable {
  start(): Promise<unknown>;
  /** drains and disconnects; resolves when the service has let go of everything */
  stop(): Promise<void>;
}

export interface ServiceEntryDeps {
  logger: Logger;
  /** the service cannot go on (bad configuration, a bug; not a broker being away, which it waits out) */
  onFatal: (err: Error) => void;
}

export interface ServiceEntry {
  /** one line for `npm run service -- --list` */
  describe: string;
  create(env: NodeJS.ProcessEnv, deps: ServiceEntryDeps): Runnable;
}

/** service name → entry, e.g. { loms: …, notifier: … } */
export type ServiceEntries = Readonly<Record<string, ServiceEntry>>;
