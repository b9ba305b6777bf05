// @vitest-environment jsdom
// The evidence links in the whole app: a record opens the Topics view at that record, an entity its timeline.
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { App } from '../../../app';
import { ClientProvider } from '../../../lib/client-context';
import { createFakeClient } from '../../../test/fake-client';
import { LAB_D_WITH_CHECKS, checkInfo, checkResult, info } from '../../../test/fixtures';
import { useLabsStore } from '../../labs/store';
import { useChecksStore } from '../store';

beforeEach(() => {
  useLabsStore.getState().applyInfo(info({ labs: [LAB_D_WITH_CHECKS] }));
  useChecksStore.getState().reset('lab-d');
  useChecksStore.getState().applyList([
    checkInfo('per-order-ordering', {
      last: checkResult('per-order-ordering', {
        status: 'FAIL',
        evidence: [
          {
            source: 'record',
            ref: 'loms.order-events p1@73',
            detail: 'order 1042: cancelled follows new',
            entity: '1042',
            record: { topic: 'loms.order-events', partition: 1, offset: '73' },
          },
        ],
      }),
    }),
  ]);
});
afterEach(() => {
  cleanup();
  useChecksStore.getState().reset(null);
  useLabsStore.setState({ labs: [], lab: null });
});

// records 60..79 of partition 1, as topics:browse gives them
const p1 = Array.from({ length: 20 }, (_, i) => ({
  topic: 'loms.order-events',
  partition: 1,
  offset: String(60 + i),
  timestamp: 1_000_000 + i,
  key: String(1000 + i),
  value: { base64: btoa(JSON.stringify({ orderId: 1000 + i })), size: 20, truncated: false },
  headers: {},
}));

describe('evidence links', () => {
  it('opens the Topics view at the record, among its neighbours on the partition', async () => {
    const client = createFakeClient({
      'faults:list': () => ({ faults: [] }),
      'topics:browse': (req) => {
        const { from, limit } = req as { from: { offset: string }; limit: number };
        const records = p1.filter((r) => Number(r.offset) >= Number(from.offset)).slice(0, limit);
        return {
          records,
          cost: { scanned: records.length, bytes: 0, ms: 1, ranges: [], complete: true, note: null },
        };
      },
    });
    render(
      <ClientProvider client={client}>
        <App initialView="checks" />
      </ClientProvider>,
    );
    expect(screen.getByRole('tab', { name: /^Checks/ }).getAttribute('aria-selected')).toBe('true');
    expect(screen.getByRole('tab', { name: /^Checks/ }).textContent).toContain('1 failing');
    fireEvent.click(screen.getByRole('button', { name: 'record p1@73' }));
    const focus = await screen.findByTestId('record-focus');
    expect(screen.getByRole('tab', { name: /^Topics/ }).getAttribute('aria-selected')).toBe('true');
    await waitFor(() => expect(within(focus).getByTestId('record-focus-target').textContent).toContain('73'));
    const offsets = within(focus)
      .getAllByRole('row')
      .slice(1)
      .map((r) => r.querySelector('td')?.textContent);
    expect(offsets).toEqual(['70', '71', '72', '73', '74', '75', '76']);
    const reads = client.calls.filter((c) => c.name === 'topics:browse');
    expect(reads.map((p) => p.req)).toEqual([
      { topic: 'loms.order-events', partition: 1, from: { kind: 'offset', offset: '70' }, limit: 7 },
    ]);
    // the menu opens the view as usual, without the record
    fireEvent.click(screen.getByRole('tab', { name: /^Topics/ }));
    expect(screen.queryByTestId('record-focus')).toBeNull();
  });

  it("opens the entity's timeline", async () => {
    const client = createFakeClient({
      'faults:list': () => ({ faults: [] }),
      'timeline:get': () => ({ timeline: null }),
    });
    render(
      <ClientProvider client={client}>
        <App initialView="checks" />
      </ClientProvider>,
    );
    fireEvent.click(screen.getByRole('button', { name: 'timeline of order 1042' }));
    expect(screen.getByRole<HTMLInputElement>('searchbox', { name: 'Order id' }).value).toBe('1042');
    await waitFor(() =>
      expect(client.calls.filter((c) => c.name === 'timeline:get')).toContainEqual({
        name: 'timeline:get',
        req: { lab: 'lab-d', entity: '1042' },
      }),
    );
  });
});
