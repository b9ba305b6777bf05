import { describe, expect, it } from 'vitest';
import { LAB_R, labRSnapshot } from '../../test/rabbit-fixtures';
import { createQueuesStore } from './store';
import {
  fanOuts,
  instanceOf,
  missingQueues,
  shownQueues,
  topologyGraph,
  workQueues,
  type RabbitView,
} from './topology';

const viewOf = (snap = labRSnapshot()): RabbitView => {
  const store = createQueuesStore();
  store.getState().applySnapshot(snap);
  return store.getState();
};

describe('Queues topology', () => {
  it("shows the lab's queues (by the manifest), or every queue", () => {
    const view = viewOf();
    expect(shownQueues(view, LAB_R, true).map((q) => q.name)).toEqual([
      'audit.auth',
      'dead',
      'jobs.work',
      'security.failed',
      'signup',
    ]);
    expect(shownQueues(view, LAB_R, false).map((q) => q.name)).toContain('other-run.queue');
  });

  it('draws exchange → routing key → queue → consumer instance, the default exchange only where nothing else feeds a queue', () => {
    const { nodes, edges } = topologyGraph(viewOf(), LAB_R, true);
    const label = (id: string) => nodes.find((n) => n.id === id)?.label;
    const edge = (s: string, t: string) => edges.find((e) => e.source === s && e.target === t);
    expect(edge('x:/|auth.events', 'q:/|audit.auth')?.label).toBe('auth.login.*');
    expect(edge('x:/|auth.events', 'q:/|security.failed')?.label).toBe('auth.login.failed');
    expect(edge('x:/|auth.events', 'q:/|audit.auth')?.figure).toBe('2.0/s');
    expect(edge('x:/|', 'q:/|signup')?.label).toBe('signup');
    expect(label('x:/|')).toBe('(default exchange)');
    expect(edge('x:/|', 'q:/|audit.auth')).toBeUndefined();
    expect(nodes.find((n) => n.id === 'x:/|amq.topic')).toBeUndefined();
    // the work queue's two instances, by the lab's instance names, with what each holds unacked
    expect(label('c:c-w1')).toBe('worker-1');
    expect(label('c:c-w2')).toBe('worker-2');
    expect(edge('q:/|jobs.work', 'c:c-w1')?.figure).toBe('unacked 3');
    expect(nodes.find((n) => n.id === 'c:c-w1')?.figures).toEqual([
      { label: 'holds unacked', value: '3', tone: 'warn' },
    ]);
    // one node per instance even when it consumes two queues
    expect(nodes.filter((n) => n.label === 'audit')).toHaveLength(1);
    // depths on the queue, a dead-letter edge to its exchange
    const work = nodes.find((n) => n.id === 'q:/|jobs.work');
    expect(work?.figures?.map((f) => `${f.label} ${f.value}`)).toEqual(['ready 7', 'unacked 4', 'consumers 2']);
    expect(edge('q:/|jobs.work', 'x:/|dlx')?.tone).toBe('idle');
    expect(edge('x:/|dlx', 'q:/|dead')?.label).toBe('(no key)');
  });

  it('finds the fan-out exchange (each bound queue its copy) and the work queue (two consumers)', () => {
    const view = viewOf();
    const f = fanOuts(view, LAB_R, true);
    expect(f.map((x) => x.exchange)).toEqual(['auth.events']);
    expect(f[0]?.copies.map((c) => `${c.routingKey}→${c.queue}`)).toEqual([
      'auth.login.*→audit.auth',
      'auth.login.failed→security.failed',
    ]);
    const w = workQueues(view, LAB_R, true);
    expect(w.map((x) => x.queue.name)).toEqual(['jobs.work']);
    expect(w[0]?.consumers.map((c) => `${c.instance}:${c.unacked}`)).toEqual(['worker-1:3', 'worker-2:1']);
  });

  it("names a connection by the lab's instance, its client name, or its peer", () => {
    const c = { id: 'c', vhost: '/', user: 'u', peer: '10.0.0.1:5', channels: 1, state: 'running' };
    expect(instanceOf({ ...c, clientName: 'lab-r/worker-2' }, ['worker-1', 'worker-2'])).toBe('worker-2');
    expect(instanceOf({ ...c, clientName: 'pika-script' }, ['worker-1'])).toBe('pika-script');
    expect(instanceOf({ ...c, clientName: null }, ['worker-1'])).toBe('10.0.0.1:5');
  });

  it('lists the queues the manifest names that the broker has not got', () => {
    const snap = labRSnapshot();
    const view = viewOf({ ...snap, queues: snap.queues.filter((q) => q.name !== 'dead') });
    expect(missingQueues(view, LAB_R)).toEqual(['dead']);
  });
});
