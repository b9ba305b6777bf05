// Standalone entry of the lab services: `npm run service -- loms|notifier` (= `tsx services/cli.ts …`).
// Config comes from env (see services/config.ts); SIGINT/SIGTERM stop the service gracefully; an unhandled rejection
// or a failed start exits non-zero.
import { createLogger } from './shared/logger.js';
import { toAppError } from './shared/app-error.js';
import { lomsConfigFromEnv, notifierConfigFromEnv } from './config.js';
import { createLoms } from './loms/service.js';
import { createNotifier } from './notifier/notifier.js';

const USAGE = 'usage: tsx services/cli.ts <loms|notifier>   (config from env: see services/config.ts)';
/** a stop that hangs longer than this exits 1 anyway */
const STOP_DEADLINE_MS = 10_000;

interface Runnable {
  start(): Promise<unknown>;
  stop(): Promise<void>;
}

async function main(): Promise<void> {
  const name = process.argv[2];
  const logger = createLogger({ name: name ?? 'service' });
  process.on('unhandledRejection', (reason) => {
    logger.fatal(
      { err: toAppError(reason).message, stack: (reason as Error | undefined)?.stack },
      'unhandled rejection',
    );
    process.exit(1);
  });

  let service: Runnable;
  try {
    if (name === 'loms') service = createLoms(lomsConfigFromEnv(), { logger });
    else if (name === 'notifier') {
      service = createNotifier(notifierConfigFromEnv(), {
        logger,
        onFatal: (err) => {
          // not the broker being away (that it waits out): bad configuration or a bug
          logger.fatal({ err: err.message }, 'consumer failed and will not restart');
          void service.stop().finally(() => process.exit(1));
        },
      });
    } else {
      process.stderr.write(`${USAGE}\n`);
      process.exit(2);
    }
  } catch (err) {
    process.stderr.write(`${name}: ${toAppError(err).message}\n`);
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
