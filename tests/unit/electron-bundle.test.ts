// No Electron binary can be downloaded here, so this checks the built main process and preload the way Electron would
// load them, against a stand-in `electron` module: the bundle loads, the window is sandboxed and isolated, every contract
// request has an IPC handler, an untrusted sender is refused, the app scheme serves with a CSP, the preload exposes one
// function per request and nothing else.
// Then the services bundle as an installed app ships it: laid out from electron-builder.yml's extra resources in a
// folder with no node_modules and no source tree, it names every lab's services, refuses an unknown one, and the
// compose file there mounts it into the lab profile's containers.
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REQUEST_NAMES, ipcChannel } from '../../main/console/contract/console-api.js';
import {
  resolveComposeFile,
  resolveDockerDir,
  resolveServicesEntry,
  type ResourceLayout,
} from '../../main/console/config/resource-paths.js';
import { findTool } from '../../main/console/stack/local/process.js';
import { serviceNames } from '../../services/registry.js';

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
    // no OS keychain here: the profiles' secrets go to a 0600 file
    safeStorage: { isEncryptionAvailable: () => false },
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

/** An electron-builder file filter (`**\/*`, `!**\/*.map`) as a test on a path relative to the resource's folder. */
function filterOf(patterns: string[] | undefined): (rel: string) => boolean {
  const toRegExp = (glob: string) =>
    new RegExp(
      `^${glob
        .replace(/[.+^${}()|[\]\\]/g, '\\$&')
        .replace(/\*\*\//g, '(?:.*/)?')
        .replace(/\*/g, '[^/]*')}$`,
    );
  const include = (patterns ?? ['**/*']).filter((p) => !p.startsWith('!')).map(toRegExp);
  const exclude = (patterns ?? []).filter((p) => p.startsWith('!')).map((p) => toRegExp(p.slice(1)));
  return (rel) => include.some((r) => r.test(rel)) && !exclude.some((r) => r.test(rel));
}

function listFiles(dir: string, base = dir): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? listFiles(full, base) : [path.relative(base, full).split(path.sep).join('/')];
  });
}

describe('the services bundle in the packaged layout (electron-builder.yml extra resources)', () => {
  const tmp = mkdtempSync(path.join(tmpdir(), 'eventscope-packaged-'));
  const resourcesPath = path.join(tmp, 'resources');
  const layout: ResourceLayout = { packaged: true, resourcesPath, repoRoot: path.join(resourcesPath, 'app.asar') };
  const config = parse(readFileSync(path.join(root, 'electron-builder.yml'), 'utf8')) as {
    extraResources: { from: string; to: string; filter?: string[] }[];
  };
  /** node on the bundle, from the packaged folder, with nothing of the checkout's env (NODE_OPTIONS, NODE_PATH) */
  const runBundle = (args: string[]) =>
    spawnSync(process.execPath, [resolveServicesEntry(layout), ...args], {
      cwd: tmp,
      env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent' },
      encoding: 'utf8',
      timeout: 30_000,
    });

  beforeAll(() => {
    // after the build in the first beforeAll: copy what electron-builder would put into <resources>
    for (const { from, to, filter } of config.extraResources) {
      const keep = filterOf(filter);
      for (const rel of listFiles(path.join(root, from)).filter(keep))
        cpSync(path.join(root, from, rel), path.join(resourcesPath, to, rel));
    }
  });
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('has the bundle and the compose file where resource-paths.ts looks, with no dependency to resolve there', () => {
    expect(existsSync(resolveServicesEntry(layout))).toBe(true);
    expect(existsSync(resolveComposeFile(layout))).toBe(true);
    expect(existsSync(path.join(resolveDockerDir(layout), '.env'))).toBe(true);
    expect(listFiles(path.dirname(resolveServicesEntry(layout)))).toEqual(['cli.cjs']); // no source maps shipped
    // the test means something only if kafkajs & co. can not be found from there: the bundle must carry them
    for (const dep of ['kafkajs', 'pg', 'pino', 'fastify'])
      expect(() => createRequire(resolveServicesEntry(layout)).resolve(dep), dep).toThrow();
  });

  it("names every lab's services with --list (lab-d/loms and lab-d/notifier among them)", async () => {
    const res = runBundle(['--list']);
    expect(res.stderr).toBe('');
    expect(res.status).toBe(0);
    const listed = res.stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split('\t')[0]);
    expect(listed).toEqual(expect.arrayContaining(['lab-d/loms', 'lab-d/notifier']));
    expect(listed.sort()).toEqual((await serviceNames()).sort());
  });

  it('refuses an unknown service with exit code 2 and the usage', () => {
    const res = runBundle(['lab-d/bogus']);
    expect(res.status).toBe(2);
    expect(res.stderr).toContain('unknown service: lab-d/bogus');
    expect(res.stderr).toContain('lab-d/loms');
  });

  it("mounts that bundle into the lab profile's containers from the packaged compose file", () => {
    const tool = findTool('docker-compose');
    expect(tool, "docker-compose is missing: install Debian's docker-compose package (.ci/run does)").toBeDefined();
    const resolved = parse(
      execFileSync(tool ?? 'docker-compose', ['-f', 'compose.yml', '--profile', 'lab-d', 'config'], {
        cwd: resolveDockerDir(layout),
        encoding: 'utf8',
        stdio: 'pipe',
      }),
    ) as {
      services: Record<string, { command?: string[]; volumes?: { source?: string; target?: string }[] }>;
    };
    for (const name of ['loms', 'notifier']) {
      const service = resolved.services[name];
      const mount = service?.volumes?.[0];
      expect(mount?.source, name).toBe(path.dirname(resolveServicesEntry(layout)));
      expect(service?.command, name).toEqual(['node', `${mount?.target}/cli.cjs`, `lab-d/${name}`]);
    }
  });
});
