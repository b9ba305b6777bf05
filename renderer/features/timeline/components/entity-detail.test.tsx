// @vitest-environment jsdom
import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { EntityTimeline } from '../../../../main/console/contract/console-api';
import { ClientProvider } from '../../../lib/client-context';
import { createFakeClient } from '../../../test/fake-client';
import { LAB_D, LAB_X } from '../../../test/fixtures';
import { EntityDetail } from './entity-detail';

afterEach(cleanup);

const rec = (offset: string) => ({ kind: 'record' as const, topic: 'loms.order-events', partition: 1, offset });
const row = (id: string, sentAt: number | null) => ({ kind: 'row' as const, table: 'outbox', id, sentAt });

const timeline: EntityTimeline = {
  lab: 'lab-d',
  entity: '42',
  statuses: ['new', 'awaiting payment', 'paid'],
  lastStatus: 'paid',
  firstAt: 1000,
  lastAt: 1300,
  partition: 1,
  actors: ['notifier-2'],
  flags: [],
  flagReasons: [],
  steps: [
    { step: 'committed', status: 'new', at: 1000, actor: 'loms', where: row('1', 1010), latencyMs: null },
    { step: 'committed', status: 'awaiting payment', at: 1000, actor: 'loms', where: row('2', 1010), latencyMs: null },
    { step: 'published', status: 'new', at: 1012, actor: null, where: rec('7'), latencyMs: 12 },
    { step: 'published', status: 'awaiting payment', at: 1012, actor: null, where: rec('8'), latencyMs: 12 },
    { step: 'processed', status: 'new', at: 1020, actor: 'notifier-2', where: rec('7'), latencyMs: 20 },
    { step: 'processed', status: 'awaiting payment', at: 1021, actor: 'notifier-2', where: rec('8'), latencyMs: 21 },
    { step: 'committed', status: 'paid', at: 1200, actor: 'loms', where: row('3', null), latencyMs: null },
    { step: 'published', status: 'paid', at: 1212, actor: null, where: rec('9'), latencyMs: 12 },
    { step: 'processed', status: 'paid', at: 1300, actor: 'notifier-2', where: rec('9'), latencyMs: 100 },
  ],
};

describe('EntityDetail', () => {
  it('shows each status in order, a column per step of the lab, with where each fact happened and who did it', async () => {
    const client = createFakeClient({ 'timeline:get': () => ({ timeline }) });
    render(
      <ClientProvider client={client}>
        <EntityDetail entity="42" lab={LAB_D} />
      </ClientProvider>,
    );
    const rows = await screen.findAllByTestId('timeline-row');
    expect(client.calls.find((c) => c.name === 'timeline:get')?.req).toEqual({ lab: 'lab-d', entity: '42' });
    expect(rows.map((r) => r.getAttribute('data-status'))).toEqual(['new', 'awaiting payment', 'paid']);
    expect(screen.getAllByRole('columnheader').map((h) => h.textContent)).toEqual([
      'Status',
      '1. Committed in Postgres (outbox row)',
      '2. Published to Kafka',
      '3. Processed by a notifier',
    ]);
    const published = rows.map((r) => r.querySelector('[data-step="published"]') as HTMLElement);
    expect(published.map((c) => within(c).getByTestId('step-offset').textContent)).toEqual(['7', '8', '9']);
    expect(published.map((c) => within(c).getByTestId('step-partition').textContent)).toEqual(['p1', 'p1', 'p1']);
    const processed = rows.map((r) => r.querySelector('[data-step="processed"]') as HTMLElement);
    expect(processed.map((c) => within(c).getByTestId('step-actor').textContent)).toEqual([
      'notifier-2',
      'notifier-2',
      'notifier-2',
    ]);
    // the outbox row of `paid` was not sent yet when the console read it
    expect(rows[2]?.querySelector('[data-step="committed"]')?.textContent).toContain('pending');
    // status colours from the manifest's tones
    expect(screen.getAllByTestId('timeline-status').map((b) => b.className)).toEqual([
      'badge badge-info',
      'badge badge-warn',
      'badge badge-ok',
    ]);
  });

  it("says so in the lab's own words when the console never saw the entity", async () => {
    const client = createFakeClient({ 'timeline:get': () => ({ timeline: null }) });
    render(
      <ClientProvider client={client}>
        <EntityDetail entity="tlk-9" lab={LAB_X} />
      </ClientProvider>,
    );
    expect((await screen.findByTestId('timeline-not-found')).textContent).toMatch(/No presentation tlk-9 seen/);
  });
});
