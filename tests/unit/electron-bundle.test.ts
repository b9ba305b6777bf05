// No Electron binary can be downloaded here, so this checks the built main process and preload the way Electron would
// load them, against a stand-in `electron` module: the bundle loads, the window is sandboxed and isolated, every contract
// request has an IPC handler, an untrusted sender is refused, the app scheme serves with a CSP, the preload exposes one
// function per request and nothing else.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { REQUEST_NAMES, ipcChannel } from '../../main/console/contract/console-api.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require_ = createRequire(import.meta.url);

type Handler = (event: unknown, request: unknown) => Promise<unknown>;
interface Recorded {
  windows: { webPreferences: Record<string, unknown> }[];
  loaded: string[];
  handlers: Map<string, Handler>;
  exposed: Map<string, { request: Record<string, unknown>; subscribe: unknown }>;
  protocol?: (req: Request) => Promise<Response>;
  sandbox?: boolean;
  contents?: unknown;
}

function fakeElectron(rec: Recorded) {
  class WebContents {
    on() {}
    setWindowOpenHandler() {}
    send() {}
    getURL() {
      return 'eventscope://app/index.html';
    }
    isDestroyed() {
      return false;
    }
  }
  class BrowserWindow {
    webContents = new WebContents();
    constructor(options: { webPreferences: Record<string, unknown> }) {
      rec.windows.push(options);
      rec.contents = this.webContents;
    }
    once() {}
    loadURL(url: string) {
      rec.loaded.push(url);
      return Promise.resolve();
    }
    isDestroyed() {
      return false;
    }
    focus() {}
    static getAllWindows() {
      return [];
    }
  }
  return {
    app: {
      isPackaged: false,
      requestSingleInstanceLock: () => true,
      enableSandbox: () => (rec.sandbox = true),
      whenReady: () => Promise.resolve(),
      on: () => undefined,
      getAppPath: () => root,
      getPath: () => '/tmp',
      quit: () => undefined,
      exit: () => undefined,
    },
    BrowserWindow,
    protocol: {
      registerSchemesAsPrivileged: () => undefined,
      handle: (_s: string, f: (req: Request) => Promise<Response>) => (rec.protocol = f),
    },
    session: {
      defaultSession: { setPermissionRequestHandler: () => undefined, setPermissionCheckHandler: () => undefined },
    },
    shell: { openExternal: () => Promise.resolve() },
    ipcMain: { handle: (ch: string, f: Handler) => rec.handlers.set(ch, f), removeHandler: () => undefined },
    contextBridge: {
      exposeInMainWorld: (k: string, v: { request: Record<string, unknown>; subscribe: unknown }) =>
        rec.exposed.set(k, v),
    },
    ipcRenderer: { on: () => undefined, invoke: (ch: string) => Promise.resolve({ ok: true, response: ch }) },
  };
}

const rec: Recorded = { windows: [], loaded: [], handlers: new Map(), exposed: new Map() };

beforeAll(async () => {
  execFileSync(process.execPath, [path.join(root, 'main/electron/build.mjs')], { cwd: root, stdio: 'pipe' });
  const Module = require_('node:module') as { _load: (req: string, ...rest: unknown[]) => unknown };
  const load = Module._load;
  const fake = fakeElectron(rec);
  Module._load = function (req: string, ...rest: unknown[]) {
    return req === 'electron' ? fake : load.call(this, req, ...rest);
  };
  // an external stack that does not answer: the console starts without observers
  Object.assign(process.env, {
    EVENTSCOPE_STACK: 'external',
    EVENTSCOPE_KAFKA_BROKERS: '127.0.0.1:1',
    EVENTSCOPE_POSTGRES_URL: 'postgres://x@127.0.0.1:1/x',
    EVENTSCOPE_RABBITMQ_URL: 'amqp://127.0.0.1:1',
    EVENTSCOPE_MONGODB_URL: 'mongodb://127.0.0.1:1',
    EVENTSCOPE_REDIS_URL: 'redis://127.0.0.1:1',
    LOG_LEVEL: 'silent',
  });
  try {
    require_(path.join(root, 'dist/electron/preload.cjs'));
    require_(path.join(root, 'dist/electron/app.cjs'));
    const deadline = Date.now() + 20_000;
    while (rec.loaded.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  } finally {
    Module._load = load;
  }
}, 60_000);

describe('the built Electron main process and preload', () => {
  it('open one sandboxed, isolated window on the app scheme', () => {
    expect(rec.sandbox).toBe(true);
    expect(rec.windows).toHaveLength(1);
    expect(rec.windows[0]!.webPreferences).toMatchObject({
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      webviewTag: false,
    });
    expect(rec.windows[0]!.webPreferences.preload).toBe(path.join(root, 'dist/electron/preload.cjs'));
    expect(rec.loaded).toEqual(['eventscope://app/index.html']);
  });

  it('handle every contract request over IPC and refuse an untrusted sender', async () => {
    expect([...rec.handlers.keys()].sort()).toEqual(REQUEST_NAMES.map((n) => ipcChannel.request(n)).sort());
    const handler = rec.handlers.get(ipcChannel.request('services:list'))!;
    expect(
      await handler({ sender: {}, senderFrame: { url: 'eventscope://app/index.html', parent: null } }, {}),
    ).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    expect(
      await handler({ sender: rec.contents, senderFrame: { url: 'https://evil.example/', parent: null } }, {}),
    ).toMatchObject({ ok: false, error: { code: 'UNAUTHORIZED' } });
    expect(
      await handler({ sender: rec.contents, senderFrame: { url: 'eventscope://app/index.html', parent: null } }, {}),
    ).toMatchObject({ ok: true });
    expect(
      await handler(
        { sender: rec.contents, senderFrame: { url: 'eventscope://app/index.html', parent: null } },
        { extra: 1 },
      ),
    ).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
  });

  it('serve the renderer with a Content-Security-Policy and nothing outside it', async () => {
    const res = await rec.protocol!(new Request('eventscope://app/index.html'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect((await rec.protocol!(new Request('eventscope://app/../../package.json'))).status).not.toBe(200);
  });

  it('expose a narrow named API: one function per request and subscribe', () => {
    const bridge = rec.exposed.get('eventscope')!;
    expect(Object.keys(bridge.request).sort()).toEqual([...REQUEST_NAMES].sort());
    expect(typeof bridge.subscribe).toBe('function');
    expect([...rec.exposed.keys()]).toEqual(['eventscope']);
  });
});
