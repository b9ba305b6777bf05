// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ClientProvider } from '../../lib/client-context';
import { createFakeClient, type FakeClient } from '../../test/fake-client';
import { partition } from '../../test/fixtures';
import { useTopicsStore } from '../../features/topics/store';
import { SchemasPanel } from './schemas-panel';
import { useLabEStore, type Registry, type SchemaStats } from './store';

const data1 = {
  type: 'object',
  required: ['public_id', 'title'],
  properties: { public_id: { type: 'string' }, title: { type: 'string', minLength: 1 } },
};
const data2 = {
  type: 'object',
  required: ['public_id', 'title'],
  properties: {
    public_id: { type: 'string' },
    title: { type: 'string', minLength: 1, pattern: '^[^\\[\\]]*$' },
    jira_id: { type: 'string' },
  },
};
const version = (v: number, data: Record<string, unknown>) => ({
  version: v,
  file: `tasks/TaskCreated/${v}.json`,
  title: `TaskCreated v${v}`,
  description: '',
  data,
});
const REGISTRY: Registry = {
  events: [
    {
      domain: 'accounts',
      event: 'AccountCreated',
      topic: 'accounts-stream',
      versions: [{ ...version(1, data1), file: 'accounts/AccountCreated/1.json' }],
    },
    { domain: 'tasks', event: 'TaskCreated', topic: 'tasks-stream', versions: [version(1, data1), version(2, data2)] },
  ],
  compat: [],
};
const BREAKING = {
  event: 'TaskCreated',
  from: 1,
  to: 2,
  compatible: false,
  changes: [
    {
      path: 'data.title',
      kind: 'constraint-tightened',
      breaking: true,
      message: 'data.title: pattern "^[^\\[\\]]*$" added: a value the previous version accepted may be refused',
    },
    { path: 'data.jira_id', kind: 'field-added', breaking: false, message: 'data.jira_id: optional field added' },
  ],
};
const topicStats = (topic: string, over: Partial<SchemaStats['topics'][number]> = {}) => ({
  topic,
  dlqTopic: `${topic}.dlq`,
  produced: 0,
  refused: 0,
  consumed: {},
  duplicates: 0,
  deadLettered: {},
  byEvent: {},
  failures: [],
  ...over,
});
const STATS: SchemaStats = {
  since: Date.UTC(2026, 0, 1),
  topics: [
    topicStats('tasks-stream', { produced: 12, consumed: { accounting: 12, analytics: 12 } }),
    topicStats('tasks-lifecycle', {
      produced: 30,
      consumed: { accounting: 30 },
      deadLettered: { accounting: 1 },
      failures: [
        {
          at: Date.UTC(2026, 0, 1, 0, 0, 5),
          service: 'accounting',
          kind: 'dead-lettered',
          reason: 'invalid',
          eventName: 'TaskAssigned',
          eventVersion: 1,
          entity: '0198f3a2-5c1e-7d40-9a6b-2f3e4d5c6b7a',
          errors: [
            {
              field: 'data.assignee_public_id',
              message: "must have required property 'assignee_public_id'",
              keyword: 'required',
            },
          ],
          record: { topic: 'tasks-lifecycle', partition: 2, offset: '41' },
          dlq: { topic: 'tasks-lifecycle.dlq', partition: 0, offset: '3' },
        },
      ],
    }),
  ],
};

let client: FakeClient;
function show() {
  render(
    <ClientProvider client={client}>
      <SchemasPanel />
    </ClientProvider>,
  );
}

beforeEach(() => {
  useLabEStore.getState().reset();
  useTopicsStore.getState().applySnapshot({
    seq: 1,
    partitions: [partition('tasks-lifecycle.dlq', 0, { logStartOffset: '0', logEndOffset: '4' })],
  });
  client = createFakeClient({
    'lab-e:schemas': () => REGISTRY,
    'lab-e:schema-stats': () => STATS,
    'lab-e:schema-diff': (req) => {
      const { from, to } = req as { from: number; to: number };
      return { ...BREAKING, from, to };
    },
  });
});
afterEach(() => cleanup());

describe("Lab E's Schemas panel", () => {
  it('lists domains and events with their versions, and opens on the event that has two', async () => {
    show();
    const registry = await screen.findByRole('table', { name: 'Schema registry' });
    expect(within(registry).getByRole('columnheader', { name: 'tasks' })).toBeTruthy();
    const row = within(registry).getByTestId('schema-event-TaskCreated');
    expect(row.textContent).toContain('v1 v2');
    expect(within(row).getByRole('button', { name: 'TaskCreated' }).getAttribute('aria-pressed')).toBe('true');
  });

  it("diffs v1 and v2 side by side with check-compat's verdict and what breaks", async () => {
    show();
    const verdict = await screen.findByTestId('diff-verdict');
    expect(verdict.textContent).toBe('breaking');
    expect(client.calls.find((c) => c.name === 'lab-e:schema-diff')?.req).toEqual({
      event: 'TaskCreated',
      from: 1,
      to: 2,
    });
    const changes = screen.getByTestId('diff-changes');
    expect(changes.textContent).toContain('data.title: pattern');
    expect(changes.textContent).toContain('(breaking)');
    expect(changes.textContent).toContain('data.jira_id: optional field added');
    const sbs = screen.getByRole('table', { name: 'TaskCreated v1 and v2' });
    expect(sbs.textContent).toContain('tasks/TaskCreated/1.json');
    expect(sbs.textContent).toContain('tasks/TaskCreated/2.json');
    const added = sbs.querySelectorAll('.schemas-sbs-row.added, .schemas-sbs-row.changed');
    expect([...added].map((r) => r.textContent).join('\n')).toContain('jira_id');
  });

  it('asks again when another pair is picked, and says so when both are the same', async () => {
    show();
    await screen.findByTestId('diff-verdict');
    fireEvent.change(screen.getByRole('combobox', { name: 'From version' }), { target: { value: '2' } });
    expect(await screen.findByText('pick two different versions')).toBeTruthy();
    fireEvent.change(screen.getByRole('combobox', { name: 'To version' }), { target: { value: '1' } });
    await waitFor(() =>
      expect(client.calls.filter((c) => c.name === 'lab-e:schema-diff').at(-1)?.req).toEqual({
        event: 'TaskCreated',
        from: 2,
        to: 1,
      }),
    );
  });

  it('shows an event of one version without a diff', async () => {
    show();
    fireEvent.click(await screen.findByRole('button', { name: 'AccountCreated' }));
    expect(await screen.findByText(/Only v1 so far/)).toBeTruthy();
    expect(screen.queryByTestId('diff-verdict')).toBeNull();
  });

  it('counts per topic, with the DLQ topic as the broker says, and lists the failures with their errors', async () => {
    show();
    const row = await screen.findByTestId('schema-stats-tasks-lifecycle');
    const cells = within(row)
      .getAllByRole('cell')
      .map((c) => c.textContent);
    expect(cells).toEqual(['30', '0', 'accounting 30', '0', '1', '4']);
    expect(within(screen.getByTestId('schema-stats-tasks-stream')).getAllByRole('cell').at(-1)?.textContent).toBe('—');
    const failures = screen.getByTestId('schema-failures');
    expect(failures.textContent).toContain('dead-lettered (invalid)');
    expect(failures.textContent).toContain("data.assignee_public_id: must have required property 'assignee_public_id'");
    expect(failures.textContent).toContain('tasks-lifecycle p2@41');
    expect(failures.textContent).toContain('→ tasks-lifecycle.dlq p0@3');
  });
});
