// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClientProvider } from '../../../lib/client-context';
import { createFakeClient } from '../../../test/fake-client';
import { LAB_X, info, instance, partition } from '../../../test/fixtures';
import { useLabsStore } from '../../labs/store';
import { useTopicsStore } from '../../topics/store';
import { useServicesStore } from '../store';
import { ServicesPanel } from './services-panel';

beforeEach(() => useLabsStore.getState().applyInfo(info()));
afterEach(() => {
  cleanup();
  useServicesStore.getState().reset(null);
  useTopicsStore.setState({ byId: {}, topics: [], partitionCount: 0, seq: null });
});

describe('ServicesPanel', () => {
  it("lists the selected lab's instances with their roles", () => {
    const { rerender } = render(
      <ClientProvider client={createFakeClient()}>
        <ServicesPanel onShowLogs={() => undefined} />
      </ClientProvider>,
    );
    expect(screen.getAllByRole('row').map((r) => r.getAttribute('data-testid'))).toEqual([
      null,
      'service-loms',
      'service-notifier-1',
      'service-notifier-2',
      'service-notifier-3',
    ]);
    expect(screen.getByTestId('service-loms').textContent).toContain('transactional outbox');
    act(() => useLabsStore.getState().applyInfo(info({ lab: LAB_X.id })));
    rerender(
      <ClientProvider client={createFakeClient()}>
        <ServicesPanel onShowLogs={() => undefined} />
      </ClientProvider>,
    );
    expect(screen.getByRole('heading', { name: 'Lab X · Talks services' })).toBeTruthy();
    expect(screen.queryByTestId('service-loms')).toBeNull();
    expect(screen.getByTestId('service-projector-b')).toBeTruthy();
  });

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
    expect(screen.getByTestId('service-partitions-loms').textContent).toBe('—');
    fireEvent.click(screen.getByRole('button', { name: 'Kill notifier-1' }));
    await waitFor(() => expect(screen.getByTestId('service-state-notifier-1').textContent).toBe('exited'));
    expect(client.calls.filter((c) => c.name === 'services:kill')).toEqual([
      { name: 'services:kill', req: { instance: 'notifier-1' } },
    ]);
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Start notifier-1' }).disabled).toBe(false);
  });

  it('marks an instance that runs in a broken mode, and starts one in the mode picked', async () => {
    const client = createFakeClient({
      'services:restart': (req) => ({
        instance: instance('loms', { brokenMode: (req as { brokenMode: string | null }).brokenMode, startedAt: 2000 }),
      }),
    });
    useServicesStore.getState().applyList([instance('loms'), instance('notifier-1')]);
    render(
      <ClientProvider client={client}>
        <ServicesPanel onShowLogs={() => undefined} />
      </ClientProvider>,
    );
    expect(screen.queryByTestId('service-broken-loms')).toBeNull();
    // only loms has a broken mode in the fixture
    expect(screen.queryByRole('combobox', { name: 'Mode of notifier-1' })).toBeNull();
    fireEvent.change(screen.getByRole('combobox', { name: 'Mode of loms' }), { target: { value: 'relay-gives-up' } });
    fireEvent.click(screen.getByRole('button', { name: 'Restart loms' }));
    await waitFor(() => expect(screen.getByTestId('service-broken-loms').textContent).toBe('broken: relay-gives-up'));
    expect(screen.getByTestId('service-broken-loms').className).toContain('badge-bad');
    expect(client.calls.find((c) => c.name === 'services:restart')?.req).toEqual({
      instance: 'loms',
      brokenMode: 'relay-gives-up',
    });
  });

  it('"Start all" starts the kinds in `after` order, once the lab\'s topics exist', async () => {
    const started: string[] = [];
    const client = createFakeClient({
      'services:start': (req) => {
        const name = (req as { instance: string }).instance;
        started.push(name);
        return { instance: instance(name, { state: 'running', startedAt: started.length }) };
      },
    });
    render(
      <ClientProvider client={client}>
        <ServicesPanel onShowLogs={() => undefined} />
      </ClientProvider>,
    );
    fireEvent.click(screen.getByRole('button', { name: 'Start all services' }));
    await waitFor(() => expect(screen.getByTestId('services-phase').textContent).toMatch(/loms to create/));
    expect(started).toEqual(['loms']);
    act(() => useTopicsStore.getState().applySnapshot({ seq: 1, partitions: [partition('loms.order-events', 0)] }));
    await waitFor(() => expect(started).toEqual(['loms', 'notifier-1', 'notifier-2', 'notifier-3']));
  });
});
