// Standalone entry of the lab services: `npm run service -- <lab>/<service>` (= `tsx services/cli.ts …`), e.g.
// `lab-d/loms`; `--list` prints every lab's services. Config comes from env (each lab's config module);
// SIGINT/SIGTERM stop the service gracefully; an unhandled rejection or a failed start exits non-zero.
import { createLogger } from './shared/logger.js';
import { toAppError } from './shared/app-error.js';
import type { Runnable } from './shared/service-entry.js';
import { allServices, resolveService, serviceNames } from './registry.js';

const usage = async () => `usage: tsx services/cli.ts <lab>/<service>   (one of: ${(await serviceNames()).join(', ')})`;
/** a stop that hangs longer than this exits 1 anyway */
const STOP_DEADLINE_MS = 10_000;

async function main(): Promise<void> {
  const arg = process.argv[2];
  if (arg === '--list') {
    for (const [name, entry] of await allServices()) process.stdout.write(`${name}\t${entry.describe}\n`);
    return;
  }
  const resolved = arg === undefined ? undefined : await resolveService(arg);
  if (resolved === undefined) {
    process.stderr.write(`${arg === undefined ? '' : `unknown service: ${arg}\n`}${await usage()}\n`);
    process.exit(2);
  }
  const name = resolved.service;
  const logger = createLogger({ name });
  process.on('unhandledRejection', (reason) => {
    logger.fatal(
      { err: toAppError(reason).message, stack: (reason as Error | undefined)?.stack },
      'unhandled rejection',
    );
    process.exit(1);
  });

  let service: Runnable;
  try {
    service = resolved.entry.create(process.env, {
      logger,
      onFatal: (err) => {
        // not the broker being away (that it waits out): bad configuration or a bug
        logger.fatal({ err: err.message }, 'service failed and will not restart');
        void service.stop().finally(() => process.exit(1));
      },
    });
  } catch (err) {
    process.stderr.write(`${arg}: ${toAppError(err).message}\n`);
    process.exit(2);
  }

  let stopping = false;
  const shutdown = (signal: string): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'stopping');
    setTimeout(() => {
      logger.error('stop did not finish in time');
      process.exit(1);
    }, STOP_DEADLINE_MS).unref();
    service.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err: toAppError(err).message }, 'stop failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));

  try {
    await service.start();
  } catch (err) {
    if (stopping) return; // a signal arrived during start: shutdown() exits
    logger.fatal({ err: toAppError(err).message }, 'start failed');
    await service.stop().catch(() => undefined);
    process.exit(1);
  }
}

void main();
