// @vitest-environment jsdom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { OrderTimeline } from '../../../../main/console/contract/console-api';
import { ClientProvider } from '../../../lib/client-context';
import { createFakeClient } from '../../../test/fake-client';
import { OrderDetail } from './order-detail';

afterEach(cleanup);

const timeline: OrderTimeline = {
  orderId: '42',
  statuses: ['new', 'awaiting payment', 'paid'],
  lastStatus: 'paid',
  firstAt: 1000,
  lastAt: 1300,
  partition: 1,
  instances: ['notifier-2'],
  flags: [],
  flagReasons: [],
  steps: [
    { kind: 'committed', status: 'new', at: 1000, outboxId: '1', sentAt: 1010 },
    { kind: 'committed', status: 'awaiting payment', at: 1000, outboxId: '2', sentAt: 1010 },
    { kind: 'published', status: 'new', at: 1012, topic: 'loms.order-events', partition: 1, offset: '7' },
    { kind: 'published', status: 'awaiting payment', at: 1012, topic: 'loms.order-events', partition: 1, offset: '8' },
    { kind: 'processed', status: 'new', at: 1020, instance: 'notifier-2', partition: 1, offset: '7', latencyMs: 20 },
    {
      kind: 'processed',
      status: 'awaiting payment',
      at: 1021,
      instance: 'notifier-2',
      partition: 1,
      offset: '8',
      latencyMs: 21,
    },
    { kind: 'committed', status: 'paid', at: 1200, outboxId: '3', sentAt: 1210 },
    { kind: 'published', status: 'paid', at: 1212, topic: 'loms.order-events', partition: 1, offset: '9' },
    { kind: 'processed', status: 'paid', at: 1300, instance: 'notifier-2', partition: 1, offset: '9', latencyMs: 100 },
  ],
};

describe('OrderDetail', () => {
  it('shows each status in order with its partition, offset and notifier', async () => {
    const client = createFakeClient({ 'timeline:get': () => ({ timeline }) });
    render(
      <ClientProvider client={client}>
        <OrderDetail orderId="42" />
      </ClientProvider>,
    );
    const rows = await screen.findAllByTestId('timeline-row');
    expect(rows.map((r) => r.getAttribute('data-status'))).toEqual(['new', 'awaiting payment', 'paid']);
    expect(screen.getAllByTestId('step-offset').map((e) => e.textContent)).toEqual(['7', '8', '9']);
    expect(screen.getAllByTestId('step-partition').map((e) => e.textContent)).toEqual(['p1', 'p1', 'p1']);
    expect(screen.getAllByTestId('step-instance').map((e) => e.textContent)).toEqual([
      'notifier-2',
      'notifier-2',
      'notifier-2',
    ]);
  });

  it('says so when the console never saw the order', async () => {
    const client = createFakeClient({ 'timeline:get': () => ({ timeline: null }) });
    render(
      <ClientProvider client={client}>
        <OrderDetail orderId="9" />
      </ClientProvider>,
    );
    expect((await screen.findByTestId('timeline-not-found')).textContent).toMatch(/No order 9 seen/);
  });
});
