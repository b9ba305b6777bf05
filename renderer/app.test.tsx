// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ViewId } from '../main/console/contract/console-api';
import { App } from './app';
import { useConsoleStore } from './features/console/store';
import { useLabsStore } from './features/labs/store';
import { ClientProvider } from './lib/client-context';
import { createFakeClient } from './test/fake-client';
import { LAB_X, info } from './test/fixtures';

const tabs = () => screen.getAllByRole('tab').map((t) => t.id.replace(/^tab-/, ''));

beforeEach(() => useLabsStore.getState().applyInfo(info()));
afterEach(() => {
  cleanup();
  useLabsStore.setState({ labs: [], lab: null });
});

describe('App', () => {
  it("offers the selected lab's views, in its order, and only those the renderer has", () => {
    const client = createFakeClient({ 'faults:list': () => ({ faults: [] }) });
    render(
      <ClientProvider client={client}>
        <App />
      </ClientProvider>,
    );
    // a lab with broken modes (or checks) has the Checks view even where its views do not name it
    // every lab has the System view, after the Stack view
    expect(tabs()).toEqual(['stack', 'system', 'topics', 'groups', 'outbox', 'timeline', 'checks']);
    expect(screen.getByTestId('lab-hint').textContent).toContain('Create orders');
    // a view id the renderer has no component for (one of a newer console) is not offered
    const unknown = 'future' as ViewId;
    act(() =>
      useLabsStore
        .getState()
        .applyInfo(
          info({ lab: LAB_X.id, labs: [{ ...LAB_X, views: [unknown, 'queues', 'checks', 'timeline', 'stack'] }] }),
        ),
    );
    expect(tabs()).toEqual(['system', 'queues', 'checks', 'timeline', 'stack']);
    act(() => useLabsStore.getState().applyInfo(info({ lab: LAB_X.id, labs: [LAB_X] })));
    expect(tabs()).toEqual(['stack', 'system', 'timeline']);
  });

  it('keeps what a view holds when the first lab arrives, and starts it afresh when the lab is switched', () => {
    useLabsStore.setState({ labs: [], lab: null }); // console:info has not come yet
    const client = createFakeClient({
      'faults:list': () => ({ faults: [] }),
      'profiles:list': () => ({ profiles: [], connected: null, secretStore: 'file' }),
    });
    render(
      <ClientProvider client={client}>
        <App />
      </ClientProvider>,
    );
    fireEvent.click(screen.getByRole('button', { name: 'Connect…' }));
    expect(screen.getByRole('dialog', { name: 'Connect to a cluster' })).toBeTruthy();
    act(() => useLabsStore.getState().applyInfo(info()));
    expect(screen.getByTestId('lab-summary').textContent).toBe('orders, outbox, notifiers');
    expect(screen.getByRole('dialog', { name: 'Connect to a cluster' })).toBeTruthy();
    act(() => useLabsStore.getState().applySelected(LAB_X.id));
    expect(screen.getByTestId('view-stack')).toBeTruthy();
    expect(screen.queryByRole('dialog', { name: 'Connect to a cluster' })).toBeNull();
  });

  it('switches the lab from the picker with labs:select, and falls back to a view the new lab offers', async () => {
    const client = createFakeClient({
      'faults:list': () => ({ faults: [] }),
      'labs:select': (req) => info({ lab: (req as { lab: string }).lab }),
    });
    render(
      <ClientProvider client={client}>
        <App />
      </ClientProvider>,
    );
    fireEvent.click(screen.getByRole('tab', { name: /Outbox/ }));
    expect(screen.getByTestId('view-outbox')).toBeTruthy();
    const picker = screen.getByRole<HTMLSelectElement>('combobox', { name: 'Lab' });
    expect([...picker.options].map((o) => o.textContent)).toEqual(['Lab D · LOMS', 'Lab X · Talks']);
    expect(screen.getByTestId('lab-summary').textContent).toBe('orders, outbox, notifiers');
    fireEvent.change(picker, { target: { value: LAB_X.id } });
    await waitFor(() => expect(useLabsStore.getState().lab).toBe(LAB_X.id));
    expect(client.calls.filter((c) => c.name === 'labs:select')).toEqual([
      { name: 'labs:select', req: { lab: LAB_X.id } },
    ]);
    expect(useConsoleStore.getState().info?.lab).toBe(LAB_X.id);
    expect(screen.getByTestId('lab-summary').textContent).toBe('presentations, a queue, a projector');
    expect(tabs()).toEqual(['stack', 'system', 'timeline']);
    // the outbox view is gone: the first view of the new lab shows
    expect(screen.getByTestId('view-stack')).toBeTruthy();
    fireEvent.click(screen.getByRole('tab', { name: /Timeline/ }));
    expect(screen.getByRole('searchbox', { name: 'Presentation id' }).getAttribute('placeholder')).toBe('e.g. tlk-7');
  });
});
