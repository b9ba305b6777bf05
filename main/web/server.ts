// Web mode's composition root: load config once, build the console once, bind it to a WebSocket on 127.0.0.1 and
// serve the built renderer. `npm run start:web` (or `npm start` where no Electron binary exists).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger } from '../../services/shared/logger.js';
import { toAppError } from '../../services/shared/app-error.js';
import { loadConsoleConfig } from '../console/config/console-config.js';
import { resolveDockerDir, resolveRendererDir } from '../console/config/resource-paths.js';
import { providerForHost } from '../console/config/provider-for-host.js';
import { createProfileStore, profilesDir } from '../console/config/profile-store.js';
import { defaultLabs } from '../console/labs/registry.js';
import { createConsole } from '../console/create-console.js';
import { startWebHost } from './web-host.js';

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

async function main(): Promise<void> {
  const logger = createLogger({ name: 'eventscope-web' });
  const config = loadConsoleConfig(REPO_ROOT);
  const version = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string })
    .version;
  const { provider, reason } = await providerForHost({
    dockerDir: resolveDockerDir({ packaged: false, repoRoot: REPO_ROOT }),
  });
  logger.info({ provider: provider.kind, reason }, 'stack provider chosen');
  const console_ = createConsole({
    config,
    provider,
    logger,
    mode: 'web',
    version,
    labs: defaultLabs(process.env),
    // connection profiles under EVENTSCOPE_HOME (or ~/.eventscope): secrets in a file only this user can read
    profiles: createProfileStore({ dir: profilesDir() }),
  });
  const host = await startWebHost({
    dispatch: console_.dispatch,
    subscribe: console_.subscribe,
    logger,
    rendererDir: resolveRendererDir({ appRoot: REPO_ROOT }),
    port: config.webPort,
  });
  process.stdout.write(`Eventscope (web mode) is listening on 127.0.0.1:${host.port}\nOpen ${host.url}\n`);
  void console_.start();

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal }, 'stopping (the stack keeps running; stop it from the UI or with `npm run stack -- down`)');
    setTimeout(() => process.exit(1), 20_000).unref();
    Promise.allSettled([host.close(), console_.stop()]).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
}

main().catch((err: unknown) => {
  const e = toAppError(err);
  process.stderr.write(`eventscope: ${e.code}: ${e.message}\n`);
  process.exit(1);
});
