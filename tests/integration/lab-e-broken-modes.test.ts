// Lab E broken modes that the services must really have (the checks matrix judges them all; here, that the branch is
// there): not-idempotent and any-assignee in one stack, v1-only and skip-validation in another.
import { afterAll, describe, expect, it } from 'vitest';
import { rawEvent, startLabE, waitFor, type LabE } from './lab-e/harness.js';

const stacks: LabE[] = [];
afterAll(async () => {
  await Promise.allSettled(stacks.map((s) => s.stop()));
});

async function knownToTasks(lab: LabE, ids: string[]): Promise<void> {
  await waitFor(
    async () =>
      (await lab.query('tasks', 'SELECT 1 FROM accounts WHERE public_id = ANY($1::uuid[])', [ids])).length ===
      ids.length,
    { what: 'tasks to learn the accounts' },
  );
}

describe('Lab E broken modes', () => {
  it('not-idempotent charges a replayed TaskAssigned again; any-assignee gives a task to a manager', async () => {
    const lab = await startLabE({ brokenModes: { accounting: 'not-idempotent', tasks: 'any-assignee' } });
    stacks.push(lab);
    const worker = await lab.signup('worker');
    const manager = await lab.signup('manager');
    await knownToTasks(lab, [worker.public_id, manager.public_id]);
    const all = await lab.query<{ public_id: string }>('tasks', 'SELECT public_id FROM accounts ORDER BY public_id');
    lab.assigneeRandom.value = (all.findIndex((a) => a.public_id === manager.public_id) + 0.5) / all.length;
    const res = await lab.call<{ public_id: string; assignee_public_id: string }>('POST', '/tasks', {
      token: manager.token,
      body: { title: 'who gets it', description: '' },
    });
    expect(res.status).toBe(201);
    expect(res.body.assignee_public_id).toBe(manager.public_id); // invariant 8 broken

    const task = res.body.public_id;
    await waitFor(() => lab.linesOf('ledger', (l) => l.task === task && l.kind === 'fee')[0], { what: 'the fee' });
    const [row] = await lab.query<{ value: unknown }>(
      'tasks',
      "SELECT value FROM outbox WHERE event_name = 'TaskAssigned'",
    );
    await lab.produce('tasksLifecycle', task, row!.value);
    await waitFor(() => lab.linesOf('ledger', (l) => l.task === task && l.kind === 'fee')[1], {
      what: 'the fee charged again',
    });
    expect(lab.linesOf('duplicate')).toEqual([]); // invariant 5 broken
  });

  it('v1-only dead-letters TaskCreated v2 as unsupported; skip-validation puts a malformed TaskAssigned on the topic', async () => {
    const lab = await startLabE({ brokenModes: { accounting: 'v1-only', tasks: 'skip-validation' } });
    stacks.push(lab);
    const worker = await lab.signup('worker');
    await knownToTasks(lab, [worker.public_id]);
    const res = await lab.call<{ public_id: string }>('POST', '/tasks', {
      token: worker.token,
      body: { title: 'v2 task', description: '' },
    });
    expect(res.status).toBe(201);
    const task = res.body.public_id;
    const v2 = await lab.waitLine(
      'dead_lettered',
      (l) => l.entity === task && l.event_name === 'TaskCreated',
      'v2 dead-lettered',
    );
    expect(v2).toMatchObject({ reason: 'unsupported', event_version: 2, errors: [{ field: 'event_version' }] }); // 6
    const malformed = await lab.waitLine(
      'dead_lettered',
      (l) => l.entity === task && l.event_name === 'TaskAssigned',
      'TaskAssigned',
    );
    expect(malformed.reason).toBe('invalid'); // invariant 1 broken: the producer sent it
    expect(malformed.errors.map((e) => e.field)).toContain('data.assignee_public_id');
    expect(lab.linesOf('produced', (l) => l.entity === task && l.event_name === 'TaskAssigned')).toHaveLength(1);
    expect(lab.linesOf('refused')).toEqual([]);
    // a v1 event still goes through
    const v1 = rawEvent('TaskCreated', 1, { public_id: crypto.randomUUID(), title: 'v1 task', description: '' });
    await lab.produce('tasksStream', v1.data.public_id, v1);
    await lab.waitLine('consumed', (l) => l.event_id === v1.event_id && l.service === 'accounting', 'v1 consumed');
  });
});
