// @vitest-environment jsdom
import { cleanup, render as renderBare, screen, waitFor, within } from '@testing-library/react';
import type { ReactElement } from 'react';
import { ClientProvider } from '../../../lib/client-context';
import { createFakeClient } from '../../../test/fake-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { info, notifierGroup } from '../../../test/fixtures';
import { useLabsStore } from '../../labs/store';
import { useGroupsStore } from '../store';
import { GroupsView } from './groups-view';

const history = {
  groupId: 'g',
  windowMs: 1_800_000,
  times: [1000, 2000],
  partitions: [{ topic: 'orders', partition: 0, lag: [3, 5], lagSeconds: [1, 2] }],
  rebalances: [{ at: 1500, generationId: 2, moves: 1 }],
};
let asked: unknown[] = [];
const render = (ui: ReactElement) =>
  renderBare(
    <ClientProvider
      client={createFakeClient({
        'groups:lag-history': (req) => {
          asked.push(req);
          return { ...history, groupId: (req as { groupId: string }).groupId };
        },
      })}
    >
      {ui}
    </ClientProvider>,
  );

beforeEach(() => {
  asked = [];
});
beforeEach(() => useLabsStore.getState().applyInfo(info()));
afterEach(() => {
  cleanup();
  useGroupsStore.setState({ byId: {}, seq: null, rebalances: [] });
});

describe('GroupsView', () => {
  it('explains what to do when no group exists yet', () => {
    render(<GroupsView />);
    expect(screen.getByTestId('groups-empty').textContent).toMatch(/start the lab's services/i);
  });

  it("shows who owns which partition and which member is idle, by the lab's instance names", () => {
    useGroupsStore.getState().applySnapshot({ seq: 1, groups: [notifierGroup({ '1': [0], '2': [1], '3': [] })] });
    render(<GroupsView />);
    const matrix = screen.getByTestId('assignment-matrix');
    expect(within(matrix).getByTestId('owns-notifier-1-p0')).toBeTruthy();
    expect(within(matrix).getByTestId('owns-notifier-2-p1')).toBeTruthy();
    expect(within(matrix).getByTestId('idle-notifier-3')).toBeTruthy();
    expect(screen.getByTestId('group-member-count').textContent).toBe('3');
    expect(screen.getByTestId('group-owning-count').textContent).toBe('2');
    expect(screen.getByTestId('group-idle-count').textContent).toBe('1');
    expect(screen.getByTestId('owner-p0').textContent).toBe('notifier-1');
    expect(screen.getByTestId('lag-value-p1').textContent).toBe('2');
  });

  it("charts the group's lag history, asked for the group, with its rebalances counted", async () => {
    const g = notifierGroup({ '1': [0], '2': [1], '3': [] });
    useGroupsStore.getState().applySnapshot({ seq: 1, groups: [g] });
    render(<GroupsView />);
    const chart = screen.getByTestId(`lag-chart-${g.groupId}`);
    await waitFor(() => expect(chart.getAttribute('data-samples')).toBe('2'));
    expect(asked[0]).toEqual({ groupId: g.groupId });
    expect(within(chart).getByTestId('lag-chart-rebalances').textContent).toBe('1');
  });
});
