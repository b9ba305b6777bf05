import { describe, expect, it } from 'vitest';
import {
  EVENTS,
  EVENT_NAMES,
  REQUESTS,
  REQUEST_NAMES,
  WsClientMessage,
  isEventName,
  isRequestName,
} from './console-api.js';

describe('console contract', () => {
  it('names every request domain:verb and every event domain:event, with no overlap', () => {
    for (const name of [...REQUEST_NAMES, ...EVENT_NAMES]) expect(name).toMatch(/^[a-z]+(-[a-z])?:[a-z-]+$/);
    expect(REQUEST_NAMES.filter((n) => (EVENT_NAMES as string[]).includes(n))).toEqual([]);
    expect(isRequestName('stack:up')).toBe(true);
    expect(isRequestName('toString')).toBe(false);
    expect(isRequestName('stack:health')).toBe(false);
    expect(isEventName('stack:health')).toBe(true);
  });

  it('accepts good requests', () => {
    expect(REQUESTS['services:kill'].request.safeParse({ instance: 'notifier-2' }).success).toBe(true);
    expect(REQUESTS['stack:up'].request.safeParse({}).success).toBe(true);
    expect(
      REQUESTS['kafka:produce-raw'].request.safeParse({ kind: 'poison', topic: 'loms.order-events' }).success,
    ).toBe(true);
    expect(
      REQUESTS['kafka:produce-raw'].request.safeParse({
        kind: 'duplicate',
        topic: 'loms.order-events',
        source: { partition: 1, offset: '42' },
      }).success,
    ).toBe(true);
    expect(
      REQUESTS['load:start'].request.safeParse({
        lab: 'lab-d',
        rate: 10,
        count: 50,
        mix: { pay: 1, cancel: 1, failed: 1, none: 0 },
      }).success,
    ).toBe(true);
    expect(REQUESTS['timeline:get'].request.safeParse({ lab: 'lab-d', entity: '123' }).success).toBe(true);
    expect(
      REQUESTS['services:start'].request.safeParse({ instance: 'loms', brokenMode: 'relay-gives-up' }).success,
    ).toBe(true);
  });

  it('refuses bad requests', () => {
    const bad: [keyof typeof REQUESTS, unknown][] = [
      ['services:kill', { instance: 'Notifier 4; rm' }],
      ['services:start', { instance: 'loms', brokenMode: 'Bad Mode' }],
      ['labs:select', { lab: '../etc' }],
      ['faults:run', { fault: 'x', args: { a: { nested: 1 } } }],
      ['services:kill', { instance: 'loms', extra: true }],
      ['services:kill', {}],
      ['stack:up', { force: true }],
      ['stack:up', null],
      ['kafka:produce-raw', { kind: 'poison', topic: 'bad topic name' }],
      ['kafka:produce-raw', { kind: 'evil', topic: 't' }],
      ['load:start', { lab: 'lab-d', rate: 10_000, count: 5 }],
      ['load:start', { lab: 'lab-d', rate: 10, count: 1e9 }],
      ['load:start', { rate: 10, count: 5 }],
      ['timeline:get', { lab: 'lab-d', entity: '' }],
      ['timeline:get', { orderId: '1' }],
      ['stack:logs', { component: 'zookeeper' }],
      ['observe:set-interval', { pollIntervalMs: 1 }],
    ];
    for (const [name, request] of bad)
      expect(REQUESTS[name].request.safeParse(request).success, `${name} ${JSON.stringify(request)}`).toBe(false);
  });

  it('validates event payloads', () => {
    expect(EVENTS['load:progress'].payload.safeParse({ progress: { runId: 'x' } }).success).toBe(false);
    expect(EVENTS['tail:batch'].payload.safeParse({ seq: 1, records: [], dropped: 0 }).success).toBe(true);
  });

  it('frames WebSocket client messages', () => {
    expect(WsClientMessage.safeParse({ type: 'auth', token: 'abc' }).success).toBe(true);
    expect(WsClientMessage.safeParse({ type: 'request', id: 1, name: 'stack:up', request: {} }).success).toBe(true);
    expect(WsClientMessage.safeParse({ type: 'exec', cmd: 'rm' }).success).toBe(false);
  });
});

describe('outbox contract with several outboxes', () => {
  const state = {
    reachable: true,
    pending: 2,
    oldestPendingAgeMs: 120,
    sentPerSec: 1.5,
    sentTotal: 10,
    at: 1000,
    detail: '2 committed row(s) wait for the relay',
  };

  it('keeps the one-outbox snapshot, diff and history valid', () => {
    expect(REQUESTS['outbox:snapshot'].response.safeParse({ seq: 3, state }).success).toBe(true);
    expect(REQUESTS['outbox:snapshot'].response.safeParse({ seq: 0, state: null }).success).toBe(true);
    expect(EVENTS['outbox:diff'].payload.safeParse({ seq: 4, changes: { at: 2000, pending: 0 } }).success).toBe(true);
    expect(REQUESTS['outbox:history'].request.safeParse({}).success).toBe(true);
    expect(REQUESTS['outbox:history'].request.safeParse({ sinceMs: 5 }).success).toBe(true);
  });

  it('names every outbox in the snapshot, the diff and the history request', () => {
    const snapshot = {
      seq: 3,
      state,
      outboxes: [
        { name: 'orders', table: 'orders_outbox', seq: 3, state },
        { name: 'payments', table: 'payments_outbox', seq: 0, state: null },
      ],
    };
    expect(REQUESTS['outbox:snapshot'].response.parse(snapshot)).toEqual(snapshot);
    expect(EVENTS['outbox:diff'].payload.safeParse({ seq: 1, changes: { at: 2000 }, outbox: 'payments' }).success).toBe(
      true,
    );
    expect(REQUESTS['outbox:history'].request.safeParse({ name: 'payments', sinceMs: 0 }).success).toBe(true);
  });

  it('refuses an outbox without a name or table, an empty name and unknown history fields', () => {
    const bad = { seq: 1, state: null, outboxes: [{ name: '', table: 'orders_outbox', seq: 0, state: null }] };
    expect(REQUESTS['outbox:snapshot'].response.safeParse(bad).success).toBe(false);
    expect(
      REQUESTS['outbox:snapshot'].response.safeParse({ seq: 1, state: null, outboxes: [{ name: 'orders', seq: 0 }] })
        .success,
    ).toBe(false);
    expect(EVENTS['outbox:diff'].payload.safeParse({ seq: 1, changes: { at: 1 }, outbox: '' }).success).toBe(false);
    expect(REQUESTS['outbox:history'].request.safeParse({ name: 'orders', table: 'x' }).success).toBe(false);
    expect(REQUESTS['outbox:history'].request.safeParse({ name: 7 }).success).toBe(false);
  });
});
