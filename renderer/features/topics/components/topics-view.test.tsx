// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClientProvider } from '../../../lib/client-context';
import { createFakeClient } from '../../../test/fake-client';
import { info, partition } from '../../../test/fixtures';
import { layoutFromStyle } from '../../../test/layout';
import { useLabsStore } from '../../labs/store';
import { replicationOf, useTopicsStore } from '../store';
import { TopicsView } from './topics-view';

/** a topic of no lab here (the lab is Lab D): it is a row of the other topics' table, opened by a click */
const TOPIC = 'presentation.events';

layoutFromStyle();

/** the view in the app's client context (its browser panel asks the console) */
function renderView() {
  return render(
    <ClientProvider client={createFakeClient()}>
      <TopicsView />
    </ClientProvider>,
  );
}

beforeEach(() => useLabsStore.getState().applyInfo(info()));
afterEach(() => {
  cleanup();
  useTopicsStore.setState({ byId: {}, topics: [], partitionCount: 0, seq: null, needsResync: false });
});

describe('replicationOf', () => {
  it('is offline without a leader, under-replicated with ISR < replicas, else ok', () => {
    expect(replicationOf({ leader: null, replicas: [1, 2], isr: [] })).toBe('offline');
    expect(replicationOf({ leader: 1, replicas: [1, 2], isr: [1] })).toBe('under-replicated');
    expect(replicationOf({ leader: 2, replicas: [1, 2, 3], isr: [1, 2, 3] })).toBe('ok');
  });
});

describe('TopicsView replication', () => {
  it('shows leader, replicas and ISR per partition and highlights under-replicated and offline partitions', () => {
    useTopicsStore.getState().applySnapshot({
      seq: 1,
      partitions: [
        partition(TOPIC, 0, { leader: 1, replicas: [1, 2, 3], isr: [1, 2, 3] }),
        partition(TOPIC, 1, { leader: 3, replicas: [1, 2, 3], isr: [1, 3] }),
        partition(TOPIC, 2, { leader: null, replicas: [2], isr: [] }),
      ],
    });
    renderView();
    expect(screen.getByTestId('other-topics-table-count').textContent).toBe('1');
    fireEvent.click(screen.getByRole('button', { name: new RegExp(TOPIC) }));
    expect(screen.getByTestId(`partition-${TOPIC}-0`).dataset.replication).toBe('ok');
    expect(screen.getByTestId(`partition-${TOPIC}-1`).dataset.replication).toBe('under-replicated');
    expect(screen.getByTestId(`partition-${TOPIC}-1`).className).toBe('partition-under-replicated');
    expect(screen.getByTestId(`isr-${TOPIC}-1`).textContent).toBe('1, 3 (2 of 3 in sync)');
    expect(screen.getByTestId(`partition-${TOPIC}-2`).dataset.replication).toBe('offline');
    expect(screen.getByTestId(`leader-${TOPIC}-2`).textContent).toBe('none: offline');
    expect(screen.getByTestId(`replication-alert-${TOPIC}`).textContent).toBe(' 1 offline 1 under-replicated');
  });

  it('says nothing about replication when every partition is in sync', () => {
    useTopicsStore.getState().applySnapshot({
      seq: 1,
      partitions: [partition(TOPIC, 0, { replicas: [1, 2], isr: [2, 1] })],
    });
    renderView();
    fireEvent.click(screen.getByRole('button', { name: new RegExp(TOPIC) }));
    expect(screen.queryByTestId(`replication-alert-${TOPIC}`)).toBeNull();
    expect(screen.getByTestId(`isr-${TOPIC}-0`).textContent).toBe('2, 1');
  });
});
