// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClientProvider } from '../../../lib/client-context';
import { createFakeClient } from '../../../test/fake-client';
import { info } from '../../../test/fixtures';
import { useLabsStore } from '../../labs/store';
import { useStackStore } from '../store';
import { StackPanel } from './stack-panel';

beforeEach(() => useLabsStore.getState().applyInfo(info()));
afterEach(() => {
  cleanup();
  useStackStore.setState({ health: {} });
});

describe('StackPanel: a Kafka cluster', () => {
  it("lists each node's health under the Kafka row, and stops one node through stack:stop-node", async () => {
    useStackStore.getState().applyStatus({
      provider: 'local',
      health: [
        {
          name: 'kafka',
          state: 'unhealthy',
          endpoint: '127.0.0.1:9092,127.0.0.1:9094',
          detail: 'KRaft cluster of 2 nodes 3.9.1, kafka-2 down: 1 of 2 voters are no quorum',
          nodes: [
            { name: 'kafka-1', state: 'healthy', endpoint: '127.0.0.1:9092', detail: 'node 1' },
            { name: 'kafka-2', state: 'stopped', endpoint: '127.0.0.1:9094', detail: 'stopped' },
          ],
        },
      ],
    });
    const client = createFakeClient({ 'stack:stop-node': () => ({}) });
    render(
      <ClientProvider client={client}>
        <StackPanel onShowLogs={() => undefined} />
      </ClientProvider>,
    );
    expect(screen.getByTestId('health-kafka-1').textContent).toBe('healthy');
    expect(screen.getByTestId('health-kafka-2').textContent).toBe('stopped');
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Stop kafka-2' }).disabled).toBe(true);
    fireEvent.click(screen.getByRole('button', { name: 'Stop kafka-1' }));
    await waitFor(() =>
      expect(client.calls.find((c) => c.name === 'stack:stop-node')?.req).toEqual({
        component: 'kafka',
        node: 'kafka-1',
      }),
    );
  });
});
