// One Lab E service as a child process of the checks tests' console: what services/cli.ts does for `lab-e/<service>`
// (env config, SIGTERM/SIGINT stop it gracefully, a failed start exits 1), loading Lab E's services only. The full
// registry (every lab's services) costs each child about two more seconds of start on a busy machine, and the matrix
// starts and restarts Lab E's children fourteen times. services/cli.ts itself runs in tests/integration/console-lab-e.
import { createLogger } from '../../../services/shared/logger.js';
import { toAppError } from '../../../services/shared/app-error.js';
import { services } from '../../../services/lab-e/index.js';

const kind = process.argv[2] ?? '';
const entry = services[kind];
if (entry === undefined) {
  process.stderr.write(`unknown Lab E service: ${kind} (one of: ${Object.keys(services).join(', ')})\n`);
  process.exit(2);
}
const logger = createLogger({ name: `lab-e/${kind}` });
process.on('unhandledRejection', (reason) => {
  logger.fatal({ err: toAppError(reason).message }, 'unhandled rejection');
  process.exit(1);
});
const service = entry.create(process.env, {
  logger,
  onFatal: (err) => {
    logger.fatal({ err: err.message }, 'service failed and will not restart');
    void service.stop().finally(() => process.exit(1));
  },
});
let stopping = false;
const shutdown = (): void => {
  if (stopping) process.exit(1);
  stopping = true;
  setTimeout(() => process.exit(1), 10_000).unref();
  service.stop().then(
    () => process.exit(0),
    () => process.exit(1),
  );
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
service.start().catch(async (err: unknown) => {
  if (stopping) return;
  logger.fatal({ err: toAppError(err).message }, 'start failed');
  await service.stop().catch(() => undefined);
  process.exit(1);
});
