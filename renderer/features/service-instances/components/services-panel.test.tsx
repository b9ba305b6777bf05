// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { ClientProvider } from '../../../lib/client-context';
import { createFakeClient } from '../../../test/fake-client';
import { instance } from '../../../test/fixtures';
import { useServicesStore } from '../store';
import { ServicesPanel } from './services-panel';

afterEach(() => {
  cleanup();
  useServicesStore.setState({ byName: {}, logs: {}, logSeq: null });
});

describe('ServicesPanel', () => {
  it('kills a notifier through the console and shows it died', async () => {
    const client = createFakeClient({
      'services:kill': () => ({
        instance: instance('notifier-1', { state: 'exited', exitSignal: 'SIGKILL', exitedAt: 5000, assignment: null }),
      }),
    });
    useServicesStore
      .getState()
      .applyList([
        instance('loms'),
        instance('notifier-1', { assignment: { 'loms.order-events': [0] } }),
        instance('notifier-2', { assignment: { 'loms.order-events': [1] } }),
        instance('notifier-3', { assignment: {} }),
      ]);
    render(
      <ClientProvider client={client}>
        <ServicesPanel onShowLogs={() => undefined} />
      </ClientProvider>,
    );
    expect(screen.getByTestId('service-partitions-notifier-1').textContent).toBe('p0');
    expect(screen.getByTestId('service-partitions-notifier-3').textContent).toBe('idle');
    fireEvent.click(screen.getByRole('button', { name: 'Kill notifier-1' }));
    await waitFor(() => expect(screen.getByTestId('service-state-notifier-1').textContent).toBe('exited'));
    expect(client.calls.filter((c) => c.name === 'services:kill')).toEqual([
      { name: 'services:kill', req: { instance: 'notifier-1' } },
    ]);
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Start notifier-1' }).disabled).toBe(false);
  });
});
