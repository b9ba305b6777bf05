// The Electron composition root: load config once, build the console once, bind it to IPC, open the window.
// Built to dist/electron/app.cjs (see main/electron/build.mjs); `npm start` runs it where an Electron binary exists.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { app, BrowserWindow, safeStorage } from 'electron';
import { createLogger } from '../../services/shared/logger.js';
import { toAppError } from '../../services/shared/app-error.js';
import { loadConsoleConfig } from '../console/config/console-config.js';
import { resolveDockerDir, resolveRendererDir, resolveServicesEntry } from '../console/config/resource-paths.js';
import { providerForHost } from '../console/config/provider-for-host.js';
import { createProfileStore, plainSecretBox, type SecretBox } from '../console/config/profile-store.js';
import { defaultLabs } from '../console/labs/registry.js';
import { createConsole, type Console } from '../console/create-console.js';
import { bindIpc } from './ipc-binding.js';
import { APP_ORIGIN, createMainWindow, hardenSession, isAppUrl, registerAppScheme, serveRenderer } from './window.js';

// dev: <repo>/dist/electron/app.cjs → <repo>; packaged: <resources>/app.asar
const APP_ROOT = app.isPackaged ? app.getAppPath() : path.resolve(__dirname, '..', '..');

async function main(): Promise<void> {
  const logger = createLogger({ name: 'eventscope' });
  if (!app.requestSingleInstanceLock()) {
    app.quit();
    return;
  }
  app.enableSandbox();
  registerAppScheme();
  if (app.isPackaged && (process.env.EVENTSCOPE_HOME ?? '') === '') {
    // the stack's generated files can not live inside app.asar
    process.env.EVENTSCOPE_HOME = path.join(app.getPath('userData'), 'stack-home');
  }
  const config = loadConsoleConfig(APP_ROOT);
  const version = (JSON.parse(readFileSync(path.join(APP_ROOT, 'package.json'), 'utf8')) as { version: string })
    .version;
  const dockerDir = resolveDockerDir({
    packaged: app.isPackaged,
    resourcesPath: process.resourcesPath,
    repoRoot: APP_ROOT,
  });
  const bundledServices = resolveServicesEntry({
    packaged: app.isPackaged,
    resourcesPath: process.resourcesPath,
    repoRoot: APP_ROOT,
  });

  await app.whenReady();
  hardenSession();
  serveRenderer(resolveRendererDir({ appRoot: APP_ROOT }));

  const { provider, reason } = await providerForHost({ dockerDir });
  logger.info({ provider: provider.kind, reason }, 'stack provider chosen');
  const console_: Console = createConsole({
    config,
    provider,
    logger,
    mode: 'electron',
    version,
    labs: defaultLabs(process.env),
    // connection profiles in userData; secrets sealed with safeStorage where the OS offers it, else a 0600 file
    profiles: createProfileStore({ dir: path.join(app.getPath('userData'), 'profiles'), box: safeStorageBox() }),
    // packaged: tsx (a dev dependency) is not shipped; the services run from their bundle
    ...(app.isPackaged && existsSync(bundledServices)
      ? { serviceArgs: (service: string) => [bundledServices, service], serviceCwd: path.dirname(bundledServices) }
      : {}),
  });

  let win: BrowserWindow | undefined;
  const unbind = bindIpc({
    dispatch: console_.dispatch,
    subscribe: console_.subscribe,
    trustedUrl: isAppUrl,
    contents: () => (win === undefined || win.isDestroyed() ? undefined : win.webContents),
    logger,
  });
  const open = () => {
    win = createMainWindow(path.join(__dirname, 'preload.cjs'));
    void win.loadURL(`${APP_ORIGIN}/index.html`);
  };
  open();
  void console_.start();

  app.on('second-instance', () => win?.focus());
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) open();
  });
  app.on('window-all-closed', () => app.quit());
  let stopped = false;
  app.on('before-quit', (event) => {
    if (stopped) return;
    event.preventDefault();
    stopped = true;
    unbind();
    // the embedded services stop with the app; the stack keeps running (stop it from the UI)
    void console_.stop().finally(() => app.quit());
  });
}

/** Electron's safeStorage (the OS keychain) as the profiles' secret box, where it can encrypt. */
function safeStorageBox(): SecretBox {
  if (!safeStorage.isEncryptionAvailable()) return plainSecretBox;
  return {
    kind: 'safeStorage',
    seal: (plain) => safeStorage.encryptString(plain).toString('base64'),
    open: (sealed) => safeStorage.decryptString(Buffer.from(sealed, 'base64')),
  };
}

main().catch((err: unknown) => {
  const e = toAppError(err);
  process.stderr.write(`eventscope: ${e.code}: ${e.message}\n`);
  app.exit(1);
});
