// The web bridge: a connection without the token (or with a wrong one) is refused; a request that fails the contract
// gets INVALID_INPUT and changes nothing; a good request is answered.
import { defaultLabs } from '../../main/console/labs/registry.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createMemoryLogger } from '../../services/shared/logger.js';
import { waitFor } from '../../services/shared/wait.js';
import type { ComponentHealth, StackEndpoints, StackProvider } from '../../main/console/stack/types.js';
import { createConsole, type Console } from '../../main/console/create-console.js';
import { loadConsoleConfig } from '../../main/console/config/console-config.js';
import { startWebHost, type WebHost } from '../../main/web/web-host.js';
import { WS_CLOSE_UNAUTHORIZED, type WsServerMessage } from '../../main/console/contract/console-api.js';
import { REPO_ROOT } from './lab-d/harness.js';

/** A provider with nothing running: the bridge is tested without brokers. */
function idleProvider(): StackProvider {
  const endpoints: StackEndpoints = {
    kafka: { brokers: ['127.0.0.1:1'] },
    postgres: { url: 'postgres://x@127.0.0.1:1/x' },
    rabbitmq: { url: 'amqp://127.0.0.1:1' },
    mongodb: { url: 'mongodb://127.0.0.1:1' },
    redis: { url: 'redis://127.0.0.1:1' },
  };
  const stopped = (name: ComponentHealth['name']): ComponentHealth => ({
    name,
    state: 'stopped',
    endpoint: '127.0.0.1:1',
    detail: 'not started',
  });
  return {
    kind: 'external',
    up: () => Promise.reject(new Error('not in this test')),
    down: () => Promise.resolve(),
    status: () => Promise.resolve([stopped('kafka'), stopped('postgres')]),
    logs: () => Promise.resolve([]),
    onHealth: () => () => undefined,
    endpoints: () => endpoints,
    stopComponent: () => Promise.resolve(),
    startComponent: () => Promise.resolve(),
  };
}

let console_: Console;
let host: WebHost;

beforeAll(async () => {
  const { logger } = createMemoryLogger('bridge');
  console_ = createConsole({
    config: loadConsoleConfig(REPO_ROOT, {}),
    provider: idleProvider(),
    logger,
    mode: 'web',
    version: 'test',
    labs: defaultLabs({}),
  });
  host = await startWebHost({
    dispatch: console_.dispatch,
    subscribe: console_.subscribe,
    logger,
    rendererDir: '/nonexistent',
    port: 0,
    authTimeoutMs: 1000,
  });
});
afterAll(async () => {
  await host.close();
  await console_.stop();
});

/** Opens a socket and collects what happens: the HTTP status of a refused upgrade, the close code, messages. */
function open(url: string, origin?: string) {
  const ws = new WebSocket(url, {
    headers: { host: `127.0.0.1:${host.port}`, ...(origin === undefined ? {} : { origin }) },
  });
  const seen: { status?: number; closeCode?: number; messages: WsServerMessage[]; opened: boolean } = {
    messages: [],
    opened: false,
  };
  ws.on('open', () => (seen.opened = true));
  ws.on('unexpected-response', (_req, res) => {
    seen.status = res.statusCode;
    ws.terminate();
  });
  ws.on('message', (data: Buffer) => seen.messages.push(JSON.parse(data.toString('utf8')) as WsServerMessage));
  ws.on('close', (code) => (seen.closeCode = code));
  ws.on('error', () => undefined);
  return { ws, seen };
}

function ask(ws: WebSocket, seen: { messages: WsServerMessage[] }, id: number, name: unknown, request: unknown) {
  ws.send(JSON.stringify({ type: 'request', id, name, request }));
  return waitFor(() => seen.messages.find((m) => m.type === 'response' && m.id === id), {
    timeoutMs: 10_000,
    what: `response ${id}`,
  });
}

describe('web bridge', () => {
  it('refuses a wrong token at the upgrade (HTTP 401)', async () => {
    const { seen } = open(`${host.wsUrl}?token=not-the-token`);
    await waitFor(() => seen.status, { timeoutMs: 10_000, what: 'the refusal' });
    expect(seen.status).toBe(401);
    expect(seen.opened).toBe(false);
  });

  it('closes a connection without a token that sends a request instead of authenticating, answering nothing', async () => {
    const { ws, seen } = open(host.wsUrl);
    await waitFor(() => seen.opened, { what: 'open' });
    ws.send(JSON.stringify({ type: 'request', id: 1, name: 'services:start', request: { instance: 'loms' } }));
    await waitFor(() => seen.closeCode, { timeoutMs: 10_000, what: 'close' });
    expect(seen.closeCode).toBe(WS_CLOSE_UNAUTHORIZED);
    expect(seen.messages).toEqual([]);
    expect(console_.handlers['services:list']).toBeDefined();
    const list = await console_.dispatch('services:list', {});
    expect(
      list.ok && (list.response as { instances: { state: string }[] }).instances.every((i) => i.state === 'stopped'),
    ).toBe(true);
  });

  it('closes a connection that never authenticates', async () => {
    const { seen } = open(host.wsUrl);
    await waitFor(() => seen.closeCode, { timeoutMs: 10_000, what: 'close after the auth timeout' });
    expect(seen.closeCode).toBe(WS_CLOSE_UNAUTHORIZED);
  });

  it('accepts the token as the first message, answers good requests, refuses requests outside the contract', async () => {
    const { ws, seen } = open(host.wsUrl);
    await waitFor(() => seen.opened, { what: 'open' });
    ws.send(JSON.stringify({ type: 'auth', token: host.token }));
    await waitFor(() => seen.messages.find((m) => m.type === 'ready'), { what: 'ready' });

    const good = await ask(ws, seen, 1, 'services:list', {});
    expect(good).toMatchObject({ ok: true });

    for (const [id, name, request] of [
      [2, 'services:explode', {}],
      [3, 'services:start', { instance: 'rm -rf /' }],
      [4, 'services:start', { instance: 'loms', env: { PATH: '/tmp' } }],
      [5, 'load:start', { rate: 1e6, count: 1 }],
      // names the contract's shapes allow but the selected lab does not declare
      [7, 'services:start', { instance: 'notifier-9' }],
      [8, 'services:start', { instance: 'notifier-1', brokenMode: 'no-such-mode' }],
      [9, 'labs:select', { lab: 'lab-z' }],
      [10, 'faults:run', { fault: 'melt-the-broker' }],
      [11, 'timeline:get', { lab: 'lab-z', entity: '1' }],
      [12, 'timeline:get', { lab: 'lab-d', entity: 'not-an-order-id' }],
      [13, 'load:start', { lab: 'lab-z', rate: 1, count: 1 }],
      [14, 'load:start', { lab: 'lab-d', rate: 1, count: 1, mix: { explode: 1 } }],
    ] as const) {
      expect(await ask(ws, seen, id, name, request)).toMatchObject({
        type: 'response',
        id,
        ok: false,
        error: { code: 'INVALID_INPUT' },
      });
    }
    ws.send('not json at all');
    await waitFor(() => seen.messages.find((m) => m.type === 'response' && m.id === -1), {
      what: 'answer to a non-JSON frame',
    });
    // nothing changed: no service was started
    const after = await ask(ws, seen, 6, 'services:list', {});
    expect(
      after.type === 'response' &&
        after.ok &&
        (after.response as { instances: { state: string }[] }).instances.map((i) => i.state),
    ).toEqual(['stopped', 'stopped', 'stopped', 'stopped']);
    ws.close();
  });

  it('refuses a page on another origin even with the token (HTTP 403) and accepts its own page', async () => {
    const foreign = open(`${host.wsUrl}?token=${host.token}`, 'http://evil.example:8080');
    await waitFor(() => foreign.seen.status, { timeoutMs: 10_000, what: 'the refusal' });
    expect(foreign.seen.status).toBe(403);
    expect(foreign.seen.opened).toBe(false);
    const own = open(`${host.wsUrl}?token=${host.token}`, `http://127.0.0.1:${host.port}`);
    await waitFor(() => own.seen.messages.find((m) => m.type === 'ready'), { what: 'ready' });
    own.ws.close();
  });

  it('accepts the token in the URL', async () => {
    const { ws, seen } = open(`${host.wsUrl}?token=${host.token}`);
    await waitFor(() => seen.messages.find((m) => m.type === 'ready'), { what: 'ready' });
    expect(await ask(ws, seen, 1, 'console:info', {})).toMatchObject({
      ok: true,
      response: { mode: 'web', version: 'test' },
    });
    ws.close();
  });

  it('serves a how-to-build page while the renderer is not built, with a CSP', async () => {
    const res = await fetch(`http://127.0.0.1:${host.port}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await res.text()).toContain('npm run build');
  });
});
