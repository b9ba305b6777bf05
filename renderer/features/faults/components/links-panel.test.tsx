// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LinkView } from '../../../../main/console/contract/console-api';
import { ClientProvider } from '../../../lib/client-context';
import { createFakeClient } from '../../../test/fake-client';
import { info } from '../../../test/fixtures';
import { useLabsStore } from '../../labs/store';
import { LinksPanel, faultOf } from './links-panel';

const link = (id: string, patch: Partial<LinkView> = {}): LinkView => {
  const [instance, component] = id.split('/') as [string, LinkView['component']];
  return {
    id,
    instance,
    component,
    target: '127.0.0.1:5432',
    hops: [{ listen: '127.0.0.1:40001', target: '127.0.0.1:5432' }],
    state: 'up',
    delayMs: 0,
    jitterMs: 0,
    throttleBytesPerSec: null,
    open: 1,
    accepted: 1,
    refused: 0,
    bytesUp: 2048,
    bytesDown: 10,
    cuts: 0,
    inUse: true,
    changedAt: 0,
    ...patch,
  };
};

beforeEach(() => useLabsStore.getState().applyInfo(info()));
afterEach(cleanup);

describe('LinksPanel', () => {
  it('marks a cut and a delayed link, and cuts, delays and restores through the links requests', async () => {
    let links = [
      link('loms/postgres', { state: 'cut', refused: 3 }),
      link('notifier-2/kafka', { delayMs: 200, jitterMs: 50 }),
    ];
    const client = createFakeClient({
      'links:list': () => ({ links }),
      'links:restore': (req) => {
        const id = (req as { link: string }).link;
        links = links.map((l) => (l.id === id ? { ...l, state: 'up' as const } : l));
        return { link: links.find((l) => l.id === id)!, result: `restored ${id}` };
      },
      'links:delay': (req) => {
        const id = (req as { link: string }).link;
        return { link: links.find((l) => l.id === id)!, result: `delayed ${id}` };
      },
    });
    render(
      <ClientProvider client={client}>
        <LinksPanel />
      </ClientProvider>,
    );
    await waitFor(() => expect(screen.getByTestId('link-loms-postgres').dataset.state).toBe('cut'));
    expect(screen.getByTestId('link-loms-postgres').className).toContain('link-cut');
    expect(screen.getByTestId('link-notifier-2-kafka').className).toContain('link-slow');
    expect(screen.getByTestId('link-notifier-2-kafka-fault').textContent).toBe('+200±50 ms');
    expect(screen.getByTestId('link-loms-postgres').textContent).toContain('3 refused');

    fireEvent.change(screen.getByLabelText('Delay of notifier-2/kafka (ms)'), { target: { value: '300' } });
    fireEvent.change(screen.getByLabelText('Jitter of notifier-2/kafka (ms)'), { target: { value: '20' } });
    fireEvent.click(screen.getByRole('button', { name: 'Delay notifier-2/kafka' }));
    await waitFor(() =>
      expect(client.calls.find((c) => c.name === 'links:delay')?.req).toEqual({
        link: 'notifier-2/kafka',
        delayMs: 300,
        jitterMs: 20,
      }),
    );
    fireEvent.click(screen.getByRole('button', { name: 'Restore loms/postgres' }));
    await waitFor(() => expect(screen.getByTestId('link-loms-postgres').dataset.state).toBe('up'));
    expect(screen.getByTestId('link-loms-postgres-result').textContent).toBe('restored loms/postgres');
    expect(screen.getByRole('button', { name: 'Cut loms/postgres' })).toBeTruthy();
  });

  it('says what a link suffers in a word', () => {
    expect(faultOf(link('a/redis'))).toBeNull();
    expect(faultOf(link('a/redis', { state: 'cut' }))).toEqual({ word: 'cut', tone: 'bad' });
    expect(faultOf(link('a/redis', { throttleBytesPerSec: 65536 }))?.word).toBe('64.0 kB/s');
  });
});
