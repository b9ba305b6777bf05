// The verdict of Lab A's cluster check (invariant 5) on made-up runs: 3 nodes must accept while one is down, 2 nodes
// may refuse but only with a 503 within the ack timeout, and a 202 missing from MongoDB after recovery fails either.
import { describe, expect, it } from 'vitest';
import type { ApiAnswer } from './support.js';
import { judgeCluster, type ClusterRun, type Timed } from './cluster-check.js';

const answer = (status: number, version: number | null, ms: number, id = 'p1'): Timed => ({
  answer: {
    method: 'PUT',
    path: `/presentations/${id}`,
    status,
    at: 0,
    id,
    version,
    error: status === 202 ? null : 'Kafka did not acknowledge',
  } satisfies ApiAnswer,
  ms,
});

const part = (partition: number, leader: number, replicas: number[], isr: number[]) => ({
  partition,
  leader,
  replicas,
  isr,
});

const run = (over: Partial<ClusterRun>): ClusterRun => ({
  nodes: 3,
  stopped: 'kafka-1',
  ackTimeoutMs: 2000,
  partitions: { before: [part(0, 1, [1, 2], [1, 2])], down: [part(0, 2, [1, 2], [2])] },
  quorum: 'a topic create went through in 0.1 s',
  before: [answer(202, 1, 20)],
  during: [answer(202, 2, 30), answer(202, 3, 25)],
  rejoinMs: 4000,
  lost: [],
  ...over,
});

describe('judgeCluster', () => {
  it('3 nodes, every command accepted and projected: PASS with the ISR as evidence', () => {
    const o = judgeCluster(run({}));
    expect(o.status).toBe('PASS');
    expect(o.counts?.['accepted while down']).toBe(2);
    expect(o.evidence?.[1]?.detail).toBe('p0 leader 2 ISR [2]');
  });

  it("3 nodes with RF 1: the stopped node's partition has no leader and its commands are refused: FAIL", () => {
    const o = judgeCluster(
      run({
        partitions: { before: [part(0, 1, [1], [1])], down: [part(0, -1, [1], [])] },
        during: [answer(503, 2, 2100), answer(202, 1, 20, 'p2')],
      }),
    );
    expect(o.status).toBe('FAIL');
    expect(o.summary).toMatch(
      /1 refused with 2 of 3 nodes up \(partition 0 had no replica left to lead: replication factor 1\)/,
    );
    expect(o.evidence?.some((e) => e.ref.startsWith('PUT /presentations/p1 → 503'))).toBe(true);
  });

  it('2 nodes: 503s within the ack timeout are the lesson, not a failure; a late answer or a lost 202 is', () => {
    expect(judgeCluster(run({ nodes: 2, during: [answer(503, 2, 2100)] })).status).toBe('PASS');
    const late = judgeCluster(run({ nodes: 2, during: [answer(503, 2, 9000)] }));
    expect(late.status).toBe('FAIL');
    expect(late.summary).toMatch(/later than the ack timeout 2000 ms/);
    const lost = judgeCluster(run({ nodes: 2, lost: [{ answer: answer(202, 3, 20).answer, seen: 2 }] }));
    expect(lost.status).toBe('FAIL');
    expect(lost.evidence?.some((e) => e.detail.includes('the document is at version 2'))).toBe(true);
    expect(judgeCluster(run({ nodes: 2, during: [answer(500, null, 10)] })).summary).toMatch(
      /neither 202 nor 503 \(500\)/,
    );
  });

  it('a node that did not rejoin is an ERROR when nothing else failed', () => {
    expect(judgeCluster(run({ rejoinMs: null })).status).toBe('ERROR');
  });
});
