// @vitest-environment jsdom
import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { info, notifierGroup } from '../../../test/fixtures';
import { useLabsStore } from '../../labs/store';
import { useGroupsStore } from '../store';
import { GroupsView } from './groups-view';

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
});
