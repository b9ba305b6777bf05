// @vitest-environment jsdom
import { act, cleanup, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { EntityTimeline } from '../../../../main/console/contract/console-api';
import { ClientProvider } from '../../../lib/client-context';
import { createFakeClient, type FakeClient } from '../../../test/fake-client';
import { LAB_D, info, summary } from '../../../test/fixtures';
import { LAB_R, labRSnapshot, queue } from '../../../test/rabbit-fixtures';
import { useLabsStore } from '../../labs/store';
import { useTimelineStore } from '../../timeline/store';
import { useQueuesStore } from '../store';
import { QueuesView } from './queues-view';

const EMPTY = {
  node: null,
  endpoint: null,
  reachable: false,
  seq: null,
  needsResync: false,
  at: null,
  exchanges: {},
  queues: {},
  bindings: {},
  connections: {},
  channels: {},
  consumers: {},
  redeliveries: {},
  maxConsumers: {},
};

function renderView(client: FakeClient = createFakeClient()) {
  return render(
    <ClientProvider client={client}>
      <QueuesView />
    </ClientProvider>,
  );
}

beforeEach(() => useLabsStore.getState().applyInfo(info({ labs: [LAB_D, LAB_R], lab: 'lab-r' })));
afterEach(() => {
  cleanup();
  useQueuesStore.setState(EMPTY);
  useTimelineStore.getState().reset(null);
});

describe('QueuesView', () => {
  it('says to start the stack before a RabbitMQ is observed', () => {
    renderView();
    expect(screen.getByTestId('queues-empty').textContent).toMatch(/start local stack/i);
  });

  it('says to start the services when the broker has none of the lab’s queues', () => {
    useQueuesStore.getState().applySnapshot({ ...labRSnapshot(), queues: [], bindings: [], consumers: [] });
    renderView();
    const empty = screen.getByTestId('queues-empty');
    expect(empty.textContent).toMatch(/start all services/i);
    expect(empty.textContent).toContain('audit.auth');
  });

  it('says a lab without RabbitMQ has nothing here', () => {
    useLabsStore.getState().applyInfo(info());
    renderView();
    expect(screen.getByTestId('queues-empty').textContent).toMatch(/uses no RabbitMQ/);
  });

  it('lists each queue with its depths, consumers, rates and dead-letter exchange, live', () => {
    useQueuesStore.getState().applySnapshot(labRSnapshot());
    renderView();
    expect(screen.getByTestId('rabbitmq-source').textContent).toContain('rabbit@test');
    const row = screen.getByTestId('queue-row-jobs.work');
    expect(screen.getByTestId('queue-ready-jobs.work').textContent).toBe('7');
    expect(screen.getByTestId('queue-unacked-jobs.work').textContent).toBe('4');
    expect(screen.getByTestId('queue-consumers-jobs.work').textContent).toBe('2');
    expect(row.textContent).toContain('5.0/s');
    expect(row.textContent).toContain('dlx');
    expect(screen.queryByTestId('queue-row-other-run.queue')).toBeNull();
    // the graph's table: exchange → routing key → queue
    expect(screen.getByTestId('topology-graph-table').textContent).toContain('auth.login.failed');

    act(() =>
      useQueuesStore.getState().applyDiff({
        seq: 5,
        at: 9000,
        exchanges: { upsert: [], removed: [] },
        queues: { upsert: [queue('jobs.work', { consumers: 1, unacked: 4, redeliverRate: 3 })], removed: [] },
        bindings: { upsert: [], removed: [] },
        connections: { upsert: [], removed: ['c-w1'] },
        channels: { upsert: [], removed: ['c-w1 (1)'] },
        consumers: { upsert: [], removed: ['c-w1 (1)|ctag-jobs.work'] },
      }),
    );
    expect(screen.getByTestId('queue-consumers-jobs.work').textContent).toBe('1');
    expect(screen.getByTestId('queue-redeliver-jobs.work').textContent).toContain('3.0/s');
    // still a work queue, with one of its two consumers left, and the redelivery shown
    expect(screen.getByTestId('work-left-jobs.work').textContent).toMatch(/1 of the 2 consumers left/);
    expect(screen.queryByTestId('work-consumer-worker-1')).toBeNull();
    expect(screen.getByTestId('redelivered-jobs.work').textContent).toContain('3.0/s');
  });

  it('shows the fan-out next to the work queue, and which instance took each copy of the newest message', async () => {
    useQueuesStore.getState().applySnapshot(labRSnapshot());
    const timeline: EntityTimeline = {
      ...summary('req-1', { lab: 'lab-r', lastStatus: 'accepted', statuses: ['draft', 'accepted'] }),
      steps: [
        {
          step: 'sent',
          status: 'accepted',
          at: 1,
          actor: 'api',
          where: { kind: 'amqp', exchange: 'jobs', routingKey: 'job.accepted', queue: null, redelivered: null },
          latencyMs: null,
        },
        {
          step: 'delivered',
          status: 'accepted',
          at: 2,
          actor: 'worker-1',
          where: { kind: 'amqp', exchange: 'jobs', routingKey: 'job.accepted', queue: 'jobs.work', redelivered: false },
          latencyMs: null,
        },
        {
          step: 'delivered',
          status: 'accepted',
          at: 3,
          actor: 'worker-2',
          where: { kind: 'amqp', exchange: 'jobs', routingKey: 'job.accepted', queue: 'jobs.work', redelivered: true },
          latencyMs: null,
        },
        {
          step: 'acked',
          status: 'accepted',
          at: 4,
          actor: 'worker-2',
          where: { kind: 'amqp', exchange: 'jobs', routingKey: 'job.accepted', queue: 'jobs.work', redelivered: true },
          latencyMs: null,
        },
      ],
      flagReasons: [],
    };
    const client = createFakeClient({ 'timeline:get': () => ({ timeline }) });
    useTimelineStore.getState().reset('lab-r');
    useTimelineStore.getState().applySummaries([summary('req-1', { lab: 'lab-r', lastAt: 10 })]);
    renderView(client);

    const fanout = screen.getByTestId('fanout-auth.events');
    expect(fanout.textContent).toContain('auth.login.*');
    expect(fanout.textContent).toContain('security.failed');
    const work = screen.getByTestId('work-jobs.work');
    expect(within(work).getByTestId('work-consumer-worker-1').textContent).toMatch(/worker-1 holds 3 unacked/);
    expect(within(work).getByTestId('work-consumer-worker-2').textContent).toMatch(/worker-2 holds 1 unacked/);

    await waitFor(() => expect(screen.getByTestId('newest-message')).toBeTruthy(), { timeout: 3000 });
    expect(client.calls).toContainEqual({ name: 'timeline:get', req: { lab: 'lab-r', entity: 'req-1' } });
    expect(screen.getByTestId('newest-message').textContent).toContain('job.accepted');
    const copy = screen.getByTestId('copy-jobs.work');
    expect(copy.textContent).toContain('worker-1');
    expect(copy.textContent).toContain('worker-2');
    expect(copy.textContent).toContain('redelivered');
    expect(copy.textContent).toContain('delivered → acked');
  });
});
