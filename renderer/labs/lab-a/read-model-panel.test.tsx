// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ClientProvider } from '../../lib/client-context';
import { createFakeClient, type FakeClient } from '../../test/fake-client';
import { LAB_A_UI } from '.';
import { ReadModelPanel } from './read-model-panel';
import { useReadModelStore, type Compare, type Replay, type Windows } from './read-model-store';

const ID_SAME = '0197a3c2-5b1e-7c4d-8e2f-000000000001';
const ID_PHANTOM = '0197a3c2-5b1e-7c4d-8e2f-000000000002';

const windows: Windows = {
  count: 3,
  p50: 40,
  p99: 6200,
  max: 6200,
  boundMs: 5000,
  buckets: [
    { le: 50, count: 2 },
    { le: 5000, count: 0 },
    { le: 10_000, count: 1 },
    { le: null, count: 0 },
  ],
};
const doc = (id: string, version: number, title: string) => ({ id, version, title, deleted: false });
const compare: Compare = {
  rows: [
    {
      id: ID_PHANTOM,
      mongo: doc(ID_PHANTOM, 2, 'old'),
      mongoDocs: 1,
      redis: doc(ID_PHANTOM, 3, 'changed while Kafka was away'),
      same: false,
      kind: 'redis-newer',
      fields: [],
      detail: 'Redis has version 3, MongoDB 2: a change Kafka never had',
    },
    {
      id: ID_SAME,
      mongo: doc(ID_SAME, 1, 't'),
      mongoDocs: 1,
      redis: doc(ID_SAME, 1, 't'),
      same: true,
      kind: null,
      fields: [],
      detail: 'version 1 in both',
    },
  ],
  total: 2,
  differ: 1,
  writeThrough: true,
  at: 1,
};
const replay: Replay = {
  before: { count: 2, digest: 'a'.repeat(64) },
  after: { count: 4, digest: 'b'.repeat(64) },
  same: false,
  replayed: 6,
  ms: 1200,
  instances: ['projector-1'],
  changed: [],
  changedCount: 2,
  summary: 'replayed 6 record(s): 2 → 4 document(s)',
};

function renderPanel(client: FakeClient) {
  return render(
    <ClientProvider client={client}>
      <ReadModelPanel />
    </ClientProvider>,
  );
}

afterEach(() => {
  cleanup();
  useReadModelStore.getState().reset();
});

describe('Lab A Read model panel', () => {
  it('polls windows and the comparison while bound, and resets when unbound', async () => {
    const client = createFakeClient({ 'lab-a:windows': () => windows, 'lab-a:compare': () => compare });
    const stop = LAB_A_UI.bind!(client, {} as never);
    await waitFor(() => expect(useReadModelStore.getState().compare).toEqual(compare));
    expect(useReadModelStore.getState().windows).toEqual(windows);
    stop();
    expect(useReadModelStore.getState().compare).toBeNull();
  });

  it('says when the read model cannot be read', async () => {
    const client = createFakeClient({});
    const stop = LAB_A_UI.bind!(client, {} as never);
    await waitFor(() => expect(useReadModelStore.getState().problem).toMatch(/not readable/));
    stop();
  });

  it('shows the histogram with p50/p99/max, over-the-bound buckets marked', () => {
    act(() => useReadModelStore.getState().set({ windows, compare }));
    renderPanel(createFakeClient());
    expect(screen.getByTestId('window-stats').textContent).toBe('3 change(s): p50 40 ms, p99 6200 ms, max 6200 ms');
    const buckets = screen.getAllByTestId('window-bucket');
    expect(buckets).toHaveLength(4);
    expect(buckets[2]!.className).toBe('text-bad');
    expect(buckets[0]!.className).toBe('');
  });

  it('shows MongoDB and Redis side by side, the differing cells highlighted', () => {
    act(() => useReadModelStore.getState().set({ windows, compare }));
    renderPanel(createFakeClient());
    expect(screen.getByTestId('compare-state').textContent).toContain('1 differ');
    const [phantom, same] = screen.getAllByTestId('compare-row');
    expect(phantom!.getAttribute('data-same')).toBe('false');
    const diffs = [...phantom!.querySelectorAll('td[data-diff="true"]')].map((td) => td.textContent);
    expect(diffs).toEqual(['2', 'old', '3', 'changed while Kafka was away']);
    expect(phantom!.textContent).toContain('a change Kafka never had');
    expect(same!.querySelectorAll('td[data-diff="true"]')).toHaveLength(0);
  });

  it('Replay asks the console and shows the digests before and after', async () => {
    const client = createFakeClient({ 'lab-a:replay': () => replay, 'lab-a:compare': () => compare });
    renderPanel(client);
    fireEvent.click(screen.getByRole('button', { name: 'Replay' }));
    await waitFor(() => expect(screen.getByTestId('replay-state').textContent).toContain('digest changed'));
    expect(screen.getByTestId('replay-result').textContent).toContain('before aaaaaaaaaaaa, after bbbbbbbbbbbb');
    expect(client.calls.map((c) => c.name)).toEqual(['lab-a:replay', 'lab-a:compare']);
  });
});
