// Lab A's invariant 5 (LABS.md): the cluster. With 3 brokers, one stopped → commands are still accepted and nothing is
// lost; with 2 brokers, one stopped → every command is answered within the API's ack timeout, 202 or 503 (never a 202
// for an event Kafka did not take), and every 202 is in MongoDB after recovery. Active: the check sends commands with
// the cluster whole, stops the node that leads the topic's partition 0 with the lab's own fault (the stack's stopNode:
// SIGTERM, a controlled shutdown), reads what the partitions' leaders and ISR and the controller quorum do, sends
// commands while the node is down, starts it again, waits until it is back in every ISR, then until every command
// answered 202 is readable in MongoDB at its version. The bad setup it catches: the topic made with replication factor
// 1 on three nodes, whose partitions on the stopped node have no other replica (their commands are answered 503).
import type { Kafka } from 'kafkajs';
import type { Evidence } from '../../../contract/console-api.js';
import type { Check, CheckOutcome } from '../../types.js';
import { API_KIND, PROJECTOR_KIND } from '../manifest.js';
import type { LabASettings } from '../settings.js';
import { command, newPresentation, plural, until, withStores, type ApiAnswer } from './support.js';
import { PRESENTATIONS_COLLECTION } from '../../../../../services/lab-a/schema.js';

import { CLUSTER_CHECK_ID } from './ids.js';

export { CLUSTER_CHECK_ID };

/** How much later than the ack timeout an answer may come (the API's own work, a loaded machine). */
export const ANSWER_MARGIN_MS = 3000;

export interface PartitionView {
  partition: number;
  leader: number;
  replicas: number[];
  isr: number[];
}

/** One command and how long its answer took. */
export interface Timed {
  answer: ApiAnswer;
  ms: number;
}

export interface ClusterRun {
  /** brokers in the cluster before the stop */
  nodes: number;
  /** the node stopped (`kafka-2`) */
  stopped: string;
  ackTimeoutMs: number;
  /** the topic's partitions before the stop, while it was down, and once it was back */
  /** `down`: the partitions while the node was down, or why the metadata could not be read (kafkajs refuses a topic's
   * metadata while one of its partitions has no leader) */
  partitions: { before: PartitionView[]; down: PartitionView[] | string };
  /** what a metadata change (a topic create) did while the node was down */
  quorum: string;
  /** commands answered 202 with the cluster whole */
  before: Timed[];
  /** commands sent while the node was down */
  during: Timed[];
  /** ms from the node's start until it was in every ISR again (null: not within the deadline) */
  rejoinMs: number | null;
  /** the 202s not readable in MongoDB at their version after recovery: the newest version seen (null: none) */
  lost: { answer: ApiAnswer; seen: number | null }[];
}

const isr = (parts: readonly PartitionView[]) =>
  parts.map((p) => `p${p.partition} leader ${p.leader < 0 ? 'none' : p.leader} ISR [${p.isr.join(',')}]`).join('; ');

/** The verdict on one run of the check. Pure. */
export function judgeCluster(run: ClusterRun): CheckOutcome {
  const { nodes, stopped, ackTimeoutMs, during } = run;
  const accepted = during.filter((t) => t.answer.status === 202);
  const refused = during.filter((t) => t.answer.status !== 202);
  const slow = during.filter((t) => t.ms > ackTimeoutMs + ANSWER_MARGIN_MS);
  const odd = refused.filter((t) => t.answer.status !== 503);
  const rf = run.partitions.before[0]?.replicas.length ?? 0;
  const down = run.partitions.down;
  const leaderless = typeof down === 'string' ? [] : down.filter((p) => p.leader < 0).map((p) => p.partition);
  const counts = {
    nodes,
    'replication factor': rf,
    'accepted before': run.before.length,
    'sent while down': during.length,
    'accepted while down': accepted.length,
    'refused while down': refused.length,
    'answered late': slow.length,
    'partitions without a leader': leaderless.length,
    lost: run.lost.length,
    'rejoined ms': run.rejoinMs ?? -1,
  };
  const evidence: Evidence[] = [
    { source: 'record', ref: 'before the stop', detail: isr(run.partitions.before) },
    {
      source: 'record',
      ref: `${stopped} stopped`,
      detail: typeof down === 'string' ? `the topic's metadata: ${down}` : isr(down),
    },
    { source: 'log', ref: 'controller quorum', detail: run.quorum },
  ];
  for (const l of run.lost.slice(0, 20))
    evidence.push({
      source: 'http',
      ref: `${l.answer.method} ${l.answer.path} → 202 version ${l.answer.version}`,
      detail: `not in MongoDB at that version after recovery (${l.seen === null ? 'no document' : `the document is at version ${l.seen}`})`,
      ...(l.answer.id === null ? {} : { entity: l.answer.id }),
    });
  for (const t of refused.slice(0, 20))
    evidence.push({
      source: 'http',
      ref: `${t.answer.method} ${t.answer.path} → ${t.answer.status || 'no answer'} in ${t.ms} ms`,
      detail: `refused while ${stopped} was down: ${t.answer.error ?? ''}`,
      ...(t.answer.id === null ? {} : { entity: t.answer.id }),
    });
  for (const t of slow.filter((x) => x.answer.status === 202).slice(0, 5))
    evidence.push({
      source: 'http',
      ref: `${t.answer.method} ${t.answer.path} → 202 in ${t.ms} ms`,
      detail: `answered later than the ack timeout (${ackTimeoutMs} ms) + ${ANSWER_MARGIN_MS} ms`,
    });
  const back =
    run.rejoinMs === null
      ? `${stopped} not back in every ISR within the deadline`
      : `${stopped} back in every ISR ${(run.rejoinMs / 1000).toFixed(1)} s after its start`;
  const what = `${nodes} nodes, RF ${rf}, ${stopped} stopped: ${accepted.length} of ${during.length} commands accepted, ${refused.length} refused`;
  const problems: string[] = [];
  if (run.lost.length > 0)
    problems.push(`${plural(run.lost.length, 'command')} answered 202 not in MongoDB after recovery`);
  if (nodes >= 3 && refused.length > 0)
    problems.push(
      `${refused.length} refused with ${nodes - 1} of ${nodes} nodes up${leaderless.length > 0 ? ` (partition${leaderless.length === 1 ? '' : 's'} ${leaderless.join(', ')} had no replica left to lead: replication factor ${rf})` : ''}`,
    );
  if (odd.length > 0)
    problems.push(
      `${plural(odd.length, 'command')} answered neither 202 nor 503 (${[...new Set(odd.map((t) => t.answer.status))].join(', ')})`,
    );
  if (slow.length > 0)
    problems.push(
      `${plural(slow.length, 'answer')} later than the ack timeout ${ackTimeoutMs} ms + ${ANSWER_MARGIN_MS} ms`,
    );
  if (problems.length > 0)
    return { status: 'FAIL', summary: `${what}: ${problems.join('; ')}; ${back}`, counts, evidence };
  if (run.rejoinMs === null)
    return { status: 'ERROR', summary: `${what}, nothing lost; but ${back}`, counts, evidence };
  const lesson =
    nodes >= 3
      ? 'the other nodes led on'
      : refused.length > 0
        ? `each refusal a 503 within ${ackTimeoutMs} ms`
        : `the node left leads every partition alone (the controlled shutdown moved the leaders while both voters ran), but has no controller quorum`;
  return {
    status: 'PASS',
    summary: `${what} (${lesson}); every one of ${plural(run.before.length + accepted.length, '202')} in MongoDB after recovery; ${back}`,
    counts,
    evidence,
  };
}

/** The topic's partitions as the cluster reports them now (an admin of its own: a node may be down). */
async function partitionsOf(kafka: Kafka, topic: string): Promise<PartitionView[]> {
  const admin = kafka.admin({ retry: { retries: 2 } });
  await admin.connect();
  try {
    const meta = await admin.fetchTopicMetadata({ topics: [topic] });
    return (meta.topics[0]?.partitions ?? [])
      .map((p) => ({ partition: p.partitionId, leader: p.leader, replicas: [...p.replicas], isr: [...p.isr] }))
      .sort((a, b) => a.partition - b.partition);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function brokerCount(kafka: Kafka): Promise<number> {
  const admin = kafka.admin({ retry: { retries: 2 } });
  await admin.connect();
  try {
    return (await admin.describeCluster()).brokers.length;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** Asks for a metadata change (a topic create, deleted again) within 5 s: what the controller quorum does now. */
async function quorumProbe(kafka: Kafka, topic: string): Promise<string> {
  const admin = kafka.admin({ retry: { retries: 0 } });
  const t0 = Date.now();
  const probe = `${topic}.quorum-probe-${t0}`;
  let timer: NodeJS.Timeout | undefined;
  try {
    await admin.connect();
    const answer = await Promise.race([
      admin
        .createTopics({
          topics: [{ topic: probe, numPartitions: 1, replicationFactor: 1 }],
          timeout: 4000,
          waitForLeaders: false,
        })
        .then(
          () => 'created',
          (err: unknown) => `refused (${err instanceof Error ? err.message : String(err)})`,
        ),
      new Promise<string>((resolve) => {
        timer = setTimeout(() => resolve('no answer'), 5000);
      }),
    ]);
    const s = ((Date.now() - t0) / 1000).toFixed(1);
    if (answer === 'created') {
      await admin.deleteTopics({ topics: [probe], timeout: 5000 }).catch(() => undefined);
      return `a topic create went through in ${s} s: the nodes left are a controller quorum`;
    }
    return `a topic create: ${answer} after ${s} s: no controller quorum, no metadata change goes through`;
  } catch (err) {
    return `a topic create could not be asked: ${err instanceof Error ? err.message : String(err)}`;
  } finally {
    clearTimeout(timer);
    await admin.disconnect().catch(() => undefined);
  }
}

async function timed(p: Promise<ApiAnswer>): Promise<Timed> {
  const t0 = Date.now();
  const answer = await p;
  return { answer, ms: answer.at - t0 };
}

/** Stopping and starting one node of the stack's Kafka (the console's stack control, as the lab's faults get it). */
export interface NodeControl {
  stopNode?(component: 'kafka', node: string): Promise<void>;
  startNode?(component: 'kafka', node: string): Promise<void>;
}

export interface ClusterCheckDeps {
  settings: LabASettings;
  topic: string;
  /**
   * The node control when the check's context has none: the lab context's (LabContext.stack, which the console gives
   * the module's env and faults), as the lab's own stop-kafka-node fault uses it.
   */
  nodeControl?: () => NodeControl | undefined;
  /** commands sent while the node is down: rounds of creates and updates, a round a second at most */
  rounds?: number;
}

export function clusterCheck(deps: ClusterCheckDeps): Check {
  const { settings, topic } = deps;
  const api = settings.apiUrl;
  const rounds = deps.rounds ?? 4;
  return {
    id: CLUSTER_CHECK_ID,
    timeoutMs: 180_000,
    async run(ctx) {
      const instances = ctx.services.list();
      const runs = (kind: string) => instances.some((i) => i.kind === kind && i.state === 'running');
      if (!runs(API_KIND) || !runs(PROJECTOR_KIND))
        return { status: 'SKIP', summary: `start ${API_KIND} and a ${PROJECTOR_KIND} first` };
      const own = ctx.stack as NodeControl;
      const stack = own.stopNode !== undefined ? own : (deps.nodeControl?.() ?? {});
      if (stack.stopNode === undefined || stack.startNode === undefined)
        return { status: 'SKIP', summary: 'this console has no stack control to stop and start a Kafka node' };
      const nodes = await brokerCount(ctx.kafka());
      if (nodes < 2)
        return {
          status: 'SKIP',
          summary: `the stack's Kafka is ${plural(nodes, 'broker')}: the cluster check needs 2 or 3 nodes (EVENTSCOPE_LAB_A_KAFKA_NODES=2 or 3 and a stack that runs the lab's cluster)`,
        };

      ctx.progress('commands with the cluster whole');
      const ok = (a: ApiAnswer) => a.status === 202 && a.id !== null;
      // each create retried until accepted: the API's first send on a loaded machine may outlast its ack timeout
      const created: Timed[] = [];
      for (const n of [0, 1, 2, 3, 4, 5]) {
        const t = await until(
          ctx,
          async () => {
            const x = await timed(command(api, 'POST', '/presentations', newPresentation(n)));
            return ok(x.answer) ? x : undefined;
          },
          30_000,
          250,
        );
        if (t === undefined) throw new Error('the API accepted no create within 30 s with the cluster whole');
        created.push(t);
      }
      const ids = created.map((t) => t.answer.id!);
      const before = [
        ...created,
        ...(await Promise.all(
          ids.map((id) => timed(command(api, 'PUT', `/presentations/${id}`, { duration_min: 45 }))),
        )),
      ];
      const refusedBefore = before.find((t) => !ok(t.answer));
      if (refusedBefore !== undefined)
        throw new Error(
          `the API refused an update with the cluster whole: ${refusedBefore.answer.status} ${refusedBefore.answer.error ?? ''}`,
        );
      const partsBefore = await until(
        ctx,
        async () => {
          const parts = await partitionsOf(ctx.kafka(), topic);
          return parts.length > 0 && parts.every((p) => p.leader >= 0 && p.isr.length === p.replicas.length)
            ? parts
            : undefined;
        },
        20_000,
        250,
      );
      if (partsBefore === undefined) throw new Error(`${topic}: not every partition led and in sync before the stop`);
      const stopped = `kafka-${partsBefore[0]!.leader}`;

      ctx.progress(`stopping ${stopped} (the leader of partition 0)`);
      let down = false;
      const during: Timed[] = [];
      let partsDown: PartitionView[] | string = 'not read';
      let quorum = '';
      let rejoinMs: number | null = null;
      try {
        down = true;
        await stack.stopNode('kafka', stopped);
        ctx.progress(`${stopped} stopped: commands while it is down`);
        const stopAt = Date.now();
        for (let r = 0; r < rounds; r++) {
          const due = stopAt + r * 1000;
          if (due > Date.now()) await new Promise((resolve) => setTimeout(resolve, due - Date.now()));
          ctx.signal.throwIfAborted();
          during.push(
            ...(await Promise.all([
              // new ids (random keys) on every partition, and updates of ids made before the stop
              ...[0, 1, 2, 3, 4, 5].map((k) =>
                timed(command(api, 'POST', '/presentations', newPresentation(100 + 10 * r + k))),
              ),
              ...ids
                .slice(0, 3)
                .map((id) => timed(command(api, 'PUT', `/presentations/${id}`, { duration_min: 50 + r }))),
            ])),
          );
        }
        partsDown = await partitionsOf(ctx.kafka(), topic).catch((err: unknown) =>
          err instanceof Error ? err.message : String(err),
        );
        quorum = await quorumProbe(ctx.kafka(), topic);
      } finally {
        if (down) {
          ctx.progress(`starting ${stopped} again`);
          const startAt = Date.now();
          await stack.startNode('kafka', stopped);
          const whole = await until(
            ctx,
            async () => {
              const parts = await partitionsOf(ctx.kafka(), topic);
              return parts.length > 0 && parts.every((p) => p.leader >= 0 && p.isr.length === p.replicas.length)
                ? true
                : undefined;
            },
            90_000,
            250,
          );
          rejoinMs = whole === true ? Date.now() - startAt : null;
        }
      }

      ctx.progress('waiting until every 202 is readable in MongoDB');
      const accepted = [...before, ...during].filter((t) => ok(t.answer) && t.answer.version !== null);
      const wanted = new Map<string, number>();
      for (const t of accepted) wanted.set(t.answer.id!, Math.max(wanted.get(t.answer.id!) ?? 0, t.answer.version!));
      const seen = new Map<string, number>();
      await withStores(ctx, async ({ mongo }) => {
        const col = mongo.db(settings.mongoDb).collection<{ id: string; version: number }>(PRESENTATIONS_COLLECTION);
        await until(
          ctx,
          async () => {
            const docs = await col
              .find({ id: { $in: [...wanted.keys()] } }, { projection: { _id: 0, id: 1, version: 1 } })
              .toArray();
            for (const d of docs) seen.set(d.id, Math.max(seen.get(d.id) ?? 0, d.version));
            return [...wanted].every(([id, v]) => (seen.get(id) ?? 0) >= v) ? true : undefined;
          },
          30_000,
          250,
        );
      });
      const lost = accepted
        .filter((t) => (seen.get(t.answer.id!) ?? 0) < t.answer.version!)
        .map((t) => ({ answer: t.answer, seen: seen.get(t.answer.id!) ?? null }));
      return judgeCluster({
        nodes,
        stopped,
        ackTimeoutMs: settings.ackTimeoutMs,
        partitions: { before: partsBefore, down: partsDown },
        quorum,
        before,
        during,
        rejoinMs,
        lost,
      });
    },
  };
}
