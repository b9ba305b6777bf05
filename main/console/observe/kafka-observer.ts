// Polls Kafka's admin API: topics with per-partition leader, replicas, ISR (from the same metadata request as before),
// log-start/log-end offsets and messages/s; consumer groups with
// state, members and their decoded assignments, committed offsets and lag per partition; rebalance history (who moved).
// Pushes diffs (what changed since the last push), never whole snapshots; the snapshot is a request.
import { AssignerProtocol, type Admin } from 'kafkajs';
import type { Logger } from '../../../services/shared/logger.js';
import { toAppError, type AppError } from '../../../services/shared/app-error.js';
import type { GroupMember, GroupPartitionLag, GroupState, PartitionState, Rebalance } from '../contract/console-api.js';
import { createPollLoop } from './poll-loop.js';

export interface KafkaObserverDeps {
  /** a kafkajs admin client; connected by the observer */
  admin: Admin;
  logger: Logger;
  pollIntervalMs: number;
  /** groups hidden from the UI (the console's own tail group) */
  hideGroup: (groupId: string) => boolean;
  /** the generation of a group's newest join when known (the notifiers report it) */
  generationFor?: (groupId: string) => number | null;
  /** distinct keys per partition as the tail saw them */
  keysSeen?: (topic: string, partition: number) => number;
  onPartitionsDiff: (seq: number, upsert: PartitionState[], removed: string[]) => void;
  onGroupsDiff: (seq: number, upsert: GroupState[], removed: string[], rebalances: Rebalance[]) => void;
  /** per group partition after each poll (the timeline's missing-step flag uses the notifier group) */
  onGroupProgress?: (groupId: string, lags: GroupPartitionLag[]) => void;
  /** reachability changes (an error while Kafka is down, undefined once it answers again) */
  onHealth?: (error: AppError | undefined) => void;
  /** the topics that exist now (the tail follows them) */
  onTopics?: (topics: string[]) => void;
  now?: () => number;
}

export interface KafkaObserver {
  start(): void;
  stop(): Promise<void>;
  setPollInterval(ms: number): void;
  /** one poll now (tests, and right after a fault) */
  pollNow(): Promise<void>;
  partitionsSnapshot(): { seq: number; partitions: PartitionState[] };
  groupsSnapshot(): { seq: number; groups: GroupState[] };
  rebalances(groupId?: string, limit?: number): Rebalance[];
}

const REBALANCES_KEPT = 200;

export function decodeAssignment(buffer: Buffer | null | undefined): Record<string, number[]> {
  if (buffer === null || buffer === undefined || buffer.length === 0) return {};
  try {
    const decoded = AssignerProtocol.MemberAssignment.decode(buffer);
    if (decoded === null) return {};
    const out: Record<string, number[]> = {};
    for (const [topic, partitions] of Object.entries(decoded.assignment))
      out[topic] = [...partitions].sort((a, b) => a - b);
    return out;
  } catch {
    return {};
  }
}

/**
 * The generation shown on a rebalance row: the newest one the notifiers reported (`known`), but only when it is at least
 * `floor`, the lowest generation this rebalance can have. A notifier prints its `joined` line (with the generation) a
 * moment after the group settled; until it arrives, the newest reported generation is the previous rebalance's, and the
 * row says unknown (null) rather than a wrong number. Returns the floor for the next rebalance as well.
 */
export function rebalanceGeneration(
  known: number | null,
  floor: number,
): { generationId: number | null; nextFloor: number } {
  if (known !== null && known >= floor) return { generationId: known, nextFloor: known + 1 };
  // this rebalance's generation is at least max(floor, known + 1): the next one is above it
  return { generationId: null, nextFloor: Math.max(floor, (known ?? 0) + 1) + 1 };
}

/** LEADER_NOT_AVAILABLE: the partition's metadata names no live leader */
const LEADER_NOT_AVAILABLE = 5;

/**
 * Where one partition lives, from its metadata: the leader (null when there is none: -1 or LEADER_NOT_AVAILABLE, an
 * offline partition), the replicas and the in-sync replicas (sorted, so that a reordering is not a change).
 */
export function placementOf(p: { partitionErrorCode: number; leader: number; replicas: number[]; isr: number[] }): {
  leader: number | null;
  replicas: number[];
  isr: number[];
} {
  return {
    leader: p.leader >= 0 && p.partitionErrorCode !== LEADER_NOT_AVAILABLE ? p.leader : null,
    replicas: [...p.replicas].sort((a, b) => a - b),
    isr: [...p.isr].sort((a, b) => a - b),
  };
}

export function createKafkaObserver(deps: KafkaObserverDeps): KafkaObserver {
  const now = deps.now ?? Date.now;
  let connected = false;
  let healthy: boolean | undefined;

  let partitionsSeq = 0;
  let groupsSeq = 0;
  const partitions = new Map<string, PartitionState>();
  const partitionsJson = new Map<string, string>();
  const lastHigh = new Map<string, { high: bigint; at: number }>();
  const groups = new Map<string, GroupState>();
  const groupsJson = new Map<string, string>();
  /**
   * per group: who owned what when it last settled, the lowest generation its next rebalance can have, and the newest
   * rebalance row while its generation is still unknown (filled in and pushed again once the notifiers report it)
   */
  const owners = new Map<
    string,
    {
      members: string[];
      owner: Map<string, string>;
      generationFloor: number;
      unknown: { row: Rebalance; floor: number } | null;
    }
  >();
  const history = new Map<string, Rebalance[]>();

  const pollTopics = async (): Promise<string[]> => {
    const topics = (await deps.admin.listTopics()).filter((t) => !t.startsWith('__')).sort();
    deps.onTopics?.(topics);
    const meta = topics.length > 0 ? await deps.admin.fetchTopicMetadata({ topics }) : { topics: [] };
    const placement = new Map<string, { leader: number | null; replicas: number[]; isr: number[] }>();
    for (const t of meta.topics)
      for (const p of t.partitions) placement.set(`${t.name}/${p.partitionId}`, placementOf(p));
    const at = now();
    const seen = new Set<string>();
    const upsert: PartitionState[] = [];
    const offsets = await Promise.all(
      topics.map(async (topic) => ({ topic, offsets: await deps.admin.fetchTopicOffsets(topic) })),
    );
    for (const { topic, offsets: list } of offsets) {
      for (const o of list) {
        const id = `${topic}/${o.partition}`;
        seen.add(id);
        const high = BigInt(o.high);
        const prev = lastHigh.get(id);
        const dt = prev === undefined ? 0 : (at - prev.at) / 1000;
        const rate = prev === undefined || dt <= 0 ? 0 : Math.max(0, Number(high - prev.high) / dt);
        lastHigh.set(id, { high, at });
        const where = placement.get(id);
        const state: PartitionState = {
          id,
          topic,
          partition: o.partition,
          leader: where?.leader ?? null,
          replicas: where?.replicas ?? [],
          isr: where?.isr ?? [],
          logStartOffset: o.low,
          logEndOffset: o.high,
          msgsPerSec: Math.round(rate * 10) / 10,
          keysSeen: deps.keysSeen?.(topic, o.partition) ?? 0,
        };
        partitions.set(id, state);
        const json = JSON.stringify(state);
        if (partitionsJson.get(id) !== json) {
          partitionsJson.set(id, json);
          upsert.push(state);
        }
      }
    }
    const removed = [...partitions.keys()].filter((id) => !seen.has(id));
    for (const id of removed) {
      partitions.delete(id);
      partitionsJson.delete(id);
      lastHigh.delete(id);
    }
    if (upsert.length > 0 || removed.length > 0) {
      partitionsSeq += 1;
      deps.onPartitionsDiff(partitionsSeq, upsert, removed);
    }
    return topics;
  };

  const pollGroups = async () => {
    const listed = (await deps.admin.listGroups()).groups
      .filter((g) => (g.protocolType === 'consumer' || g.protocolType === '') && !deps.hideGroup(g.groupId))
      .map((g) => g.groupId)
      .sort();
    const described = listed.length > 0 ? (await deps.admin.describeGroups(listed)).groups : [];
    const at = now();
    const upsert: GroupState[] = [];
    const rebalances: Rebalance[] = [];
    for (const g of described) {
      const members: GroupMember[] = g.members
        .map((m) => ({
          memberId: m.memberId,
          clientId: m.clientId,
          clientHost: m.clientHost,
          assignment: decodeAssignment(m.memberAssignment),
        }))
        .sort((a, b) => a.clientId.localeCompare(b.clientId) || a.memberId.localeCompare(b.memberId));
      const ownerOf = new Map<string, string>();
      const nameOf = new Map<string, string>();
      for (const m of members) {
        nameOf.set(m.memberId, m.clientId || m.memberId);
        for (const [topic, ps] of Object.entries(m.assignment))
          for (const p of ps) ownerOf.set(`${topic}/${p}`, m.memberId);
      }
      const committed = await deps.admin.fetchOffsets({ groupId: g.groupId });
      const topicsOfGroup = new Set<string>(committed.map((c) => c.topic));
      for (const m of members) for (const t of Object.keys(m.assignment)) topicsOfGroup.add(t);
      const lags: GroupPartitionLag[] = [];
      for (const topic of [...topicsOfGroup].sort()) {
        const commits = new Map<number, string>();
        for (const c of committed)
          if (c.topic === topic) for (const p of c.partitions) commits.set(p.partition, p.offset);
        for (const part of [...partitions.values()]
          .filter((p) => p.topic === topic)
          .sort((a, b) => a.partition - b.partition)) {
          const c = commits.get(part.partition);
          const hasCommit = c !== undefined && Number(c) >= 0;
          const end = BigInt(part.logEndOffset);
          const from = hasCommit ? BigInt(c) : BigInt(part.logStartOffset);
          const lag = end > from ? Number(end - from) : 0;
          lags.push({
            topic,
            partition: part.partition,
            committedOffset: hasCommit ? c : null,
            logEndOffset: part.logEndOffset,
            lag,
            lagSeconds: lag === 0 || part.msgsPerSec <= 0 ? null : Math.round((lag / part.msgsPerSec) * 10) / 10,
            ownerMemberId: ownerOf.get(part.id) ?? null,
          });
        }
      }
      const state: GroupState = {
        groupId: g.groupId,
        state: g.state,
        protocol: g.protocol,
        members,
        partitions: lags,
        totalLag: lags.reduce((sum, l) => sum + l.lag, 0),
      };
      deps.onGroupProgress?.(g.groupId, lags);

      // Rebalance history: compare who owns what once the group is settled (Stable or Empty).
      if (g.state === 'Stable' || g.state === 'Empty') {
        const memberNames = members.map((m) => nameOf.get(m.memberId)!).sort();
        const owner = new Map<string, string>();
        for (const [tp, memberId] of ownerOf) owner.set(tp, nameOf.get(memberId) ?? memberId);
        const before = owners.get(g.groupId);
        const known = deps.generationFor?.(g.groupId) ?? null;
        // settled in a generation at least as new as the one reported: the next rebalance is above it
        let generationFloor = Math.max(before?.generationFloor ?? 0, (known ?? 0) + 1);
        let unknown = before?.unknown ?? null;
        if (before !== undefined) {
          const moves: Rebalance['moves'] = [];
          for (const tp of new Set([...before.owner.keys(), ...owner.keys()])) {
            const from = before.owner.get(tp) ?? null;
            const to = owner.get(tp) ?? null;
            if (from !== to) {
              const cut = tp.lastIndexOf('/');
              moves.push({ topic: tp.slice(0, cut), partition: Number(tp.slice(cut + 1)), from, to });
            }
          }
          const membersChanged = before.members.join('\n') !== memberNames.join('\n');
          if (moves.length > 0 || membersChanged) {
            const generation = rebalanceGeneration(known, before.generationFloor);
            generationFloor = generation.nextFloor;
            const r: Rebalance = {
              groupId: g.groupId,
              generationId: generation.generationId,
              at,
              membersBefore: before.members,
              membersAfter: memberNames,
              moves: moves.sort((a, b) => a.topic.localeCompare(b.topic) || a.partition - b.partition),
            };
            rebalances.push(r);
            const list = history.get(g.groupId) ?? [];
            list.unshift(r);
            if (list.length > REBALANCES_KEPT) list.length = REBALANCES_KEPT;
            history.set(g.groupId, list);
            unknown = r.generationId === null ? { row: r, floor: before.generationFloor } : null;
          } else if (unknown !== null && known !== null && known >= unknown.floor) {
            // the notifiers' joined lines arrived after the row was made: the same row again, now with its generation
            const filled: Rebalance = { ...unknown.row, generationId: known };
            const list = history.get(g.groupId) ?? [];
            const i = list.indexOf(unknown.row);
            if (i >= 0) list[i] = filled;
            rebalances.push(filled);
            unknown = null;
          }
        }
        owners.set(g.groupId, { members: memberNames, owner, generationFloor, unknown });
      }

      groups.set(g.groupId, state);
      const json = JSON.stringify(state);
      if (groupsJson.get(g.groupId) !== json) {
        groupsJson.set(g.groupId, json);
        upsert.push(state);
      }
    }
    const present = new Set(described.map((g) => g.groupId));
    const removed = [...groups.keys()].filter((id) => !present.has(id));
    for (const id of removed) {
      groups.delete(id);
      groupsJson.delete(id);
    }
    if (upsert.length > 0 || removed.length > 0 || rebalances.length > 0) {
      groupsSeq += 1;
      deps.onGroupsDiff(groupsSeq, upsert, removed, rebalances);
    }
  };

  const poll = async () => {
    try {
      if (!connected) {
        await deps.admin.connect();
        connected = true;
      }
      await pollTopics();
      await pollGroups();
      if (healthy !== true) {
        healthy = true;
        deps.onHealth?.(undefined);
      }
    } catch (err) {
      const e = toAppError(err, 'KAFKA_UNAVAILABLE');
      if (healthy !== false) {
        healthy = false;
        deps.logger.warn({ err: e.message }, 'kafka observer: poll failed');
        deps.onHealth?.(e);
      }
    }
  };

  const loop = createPollLoop(poll, deps.pollIntervalMs);

  return {
    start: () => loop.start(),
    async stop() {
      await loop.stop();
      if (connected) await deps.admin.disconnect().catch(() => undefined);
      connected = false;
    },
    setPollInterval: (ms) => loop.setInterval(ms),
    pollNow: () => loop.pollNow(),
    partitionsSnapshot: () => ({ seq: partitionsSeq, partitions: [...partitions.values()] }),
    groupsSnapshot: () => ({ seq: groupsSeq, groups: [...groups.values()] }),
    rebalances(groupId, limit = 50) {
      const lists = groupId === undefined ? [...history.values()] : [history.get(groupId) ?? []];
      return lists
        .flat()
        .sort((a, b) => b.at - a.at)
        .slice(0, limit);
    },
  };
}
