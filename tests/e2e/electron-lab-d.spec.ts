// The first steps of the Lab D walk-through in the Electron app (Playwright `_electron`): the window opens with the
// console connected through the preload, the stack starts, the services start. Skipped, with the reason printed, where
// no Electron binary exists (node_modules/electron/dist is absent when the download was not possible).
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { _electron as electron, expect, test } from '@playwright/test';
import { ConsoleApp } from './pages/console-app';
import { StackPage } from './pages/stack-page';

const ROOT = path.resolve(import.meta.dirname, '../..');

function electronBinary(): string | null {
  const pathFile = path.join(ROOT, 'node_modules/electron/path.txt');
  if (!existsSync(pathFile)) return null;
  const bin = path.join(ROOT, 'node_modules/electron/dist', readFileSync(pathFile, 'utf8').trim());
  return existsSync(bin) ? bin : null;
}

const bin = electronBinary();
const entry = path.join(ROOT, 'dist/electron/app.cjs');
const skipReason =
  bin === null
    ? 'no Electron binary (node_modules/electron/dist is absent: the Electron download was not possible here)'
    : !existsSync(entry)
      ? 'the Electron main bundle dist/electron/app.cjs is not built'
      : null;

test('Electron: the window opens connected, starts the stack and the services', async () => {
  if (skipReason !== null) console.log(`[electron e2e] skipped: ${skipReason}`);
  test.skip(skipReason !== null, skipReason ?? '');
  const app = await electron.launch({
    executablePath: bin ?? undefined,
    args: [entry],
    cwd: ROOT,
    env: { ...process.env, EVENTSCOPE_STACK: process.env.EVENTSCOPE_STACK ?? 'local' },
  });
  try {
    const page = await app.firstWindow();
    const console_ = new ConsoleApp(page);
    await expect(page.getByTestId('connection')).toHaveText('connected');
    const stack = new StackPage(page);
    await stack.startStack();
    await stack.startAllServices();
    await console_.screenshot('electron-stack');
  } finally {
    await app.close();
  }
});
