// Polls Kafka's admin API: topics with per-partition leader, replicas, ISR (from the same metadata request as before),
// log-start/log-end offsets and messages/s; consumer groups with
// state, members and their decoded assignments, committed offsets and lag per partition; rebalance history (who moved).
// Pushes diffs (what changed since the last push), never whole snapshots; the snapshot is a request.
// On a big cluster (more than 2 000 partitions or 100 groups) not everything is polled every time: the topics and
// groups a view shows (`hot`: the lab's, the ones opened, the groups with members) at every poll, the whole cluster
// every `fullEvery`-th poll (10 s at the default 1 s); offsets and committed offsets are fetched 16 requests at a time.
// Topic offsets go through admin clients of their own (`offsetsAdmin`), the topics spread over up to 8 of them: kafkajs'
// admin adds each topic it is asked offsets of to its targets and then refreshes the metadata of all its targets, so
// one admin's first round over n topics is n metadata requests of up to n topics (16 s for 1 000 topics on the scale
// bench); 8 admins of 125 topics each make it an eighth of that.
import { AssignerProtocol, type Admin } from 'kafkajs';
import type { Logger } from '../../../services/shared/logger.js';
import { toAppError, type AppError } from '../../../services/shared/app-error.js';
import type { GroupMember, GroupPartitionLag, GroupState, PartitionState, Rebalance } from '../contract/console-api.js';
import { createPollLoop } from './poll-loop.js';
import type { RecordAt, RecordTimestamps } from './record-timestamps.js';

export interface KafkaObserverDeps {
  /** a kafkajs admin client; connected by the observer */
  admin: Admin;
  /**
   * a new kafkajs admin client for topic offsets (connected and disconnected by the observer); without it the offsets
   * are asked by `admin`
   */
  offsetsAdmin?: () => Admin;
  logger: Logger;
  pollIntervalMs: number;
  /** groups hidden from the UI (the console's own tail group) */
  hideGroup: (groupId: string) => boolean;
  /** the generation of a group's newest join when known (the notifiers report it) */
  generationFor?: (groupId: string) => number | null;
  /**
   * the timestamps of the records at given offsets: the lag in seconds of a hot group's partition is then the time since
   * its oldest unconsumed record (the one at its committed offset); without it, and for the other groups, it is the
   * lag over the partition's recent produce rate
   */
  recordTimestamps?: RecordTimestamps;
  /** distinct keys per partition as the tail saw them */
  keysSeen?: (topic: string, partition: number) => number;
  onPartitionsDiff: (seq: number, upsert: PartitionState[], removed: string[]) => void;
  onGroupsDiff: (seq: number, upsert: GroupState[], removed: string[], rebalances: Rebalance[]) => void;
  /** per group partition after each poll (the timeline's missing-step flag uses the notifier group) */
  onGroupProgress?: (groupId: string, lags: GroupPartitionLag[]) => void;
  /** reachability changes (an error while Kafka is down, undefined once it answers again) */
  onHealth?: (error: AppError | undefined) => void;
  /** the topics that exist now (the tail follows them); asked on full polls */
  onTopics?: (topics: string[]) => void;
  /** what the views show now (the lab's topics and groups, the ones opened): polled at every poll on a big cluster */
  hot?: () => { topics: readonly string[]; groups: readonly string[] };
  /** on a big cluster, every how many polls the whole cluster is polled (default 10) */
  fullEvery?: number;
  /** from how many partitions or groups a cluster is big (default 2 000 and 100) */
  bigCluster?: { partitions: number; groups: number };
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
/** topics per offsets admin client, and at most that many clients (see the head of the file) */
const TOPICS_PER_OFFSETS_ADMIN = 125;
const MAX_OFFSETS_ADMINS = 8;
/** requests in flight at once when the observer asks one per topic or per group */
const CONCURRENCY = 16;

/** `work` over `items`, at most `limit` at a time, results in the items' order. */
export async function mapLimited<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < items.length; i = next++) out[i] = await work(items[i]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

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

/** How many offsets admin clients `topics` topics are spread over. */
export function offsetsAdminCount(topics: number): number {
  return Math.min(MAX_OFFSETS_ADMINS, Math.max(1, Math.ceil(topics / TOPICS_PER_OFFSETS_ADMIN)));
}

/** Which of `count` offsets admin clients asks the offsets of `topic` (FNV-1a of its name: stable and spread). */
export function offsetsAdminOf(topic: string, count: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < topic.length; i++) h = Math.imul(h ^ topic.charCodeAt(i), 0x01000193);
  return (h >>> 0) % count;
}

interface OffsetsAdmin {
  admin: Admin;
  connected: Promise<void>;
  /** every topic it was asked offsets of (its kafkajs targets: they are never forgotten) */
  topics: Set<string>;
}

/**
 * The offsets admin clients: each topic's offsets asked by the same one, so that each keeps a fixed share of the
 * topics as its targets. A client one of whose topics was deleted is replaced (kafkajs would go on asking the
 * metadata of the deleted topic, and fail), and all are when the number of topics changes their count.
 */
function createOffsetsAdmins(create: () => Admin) {
  let list: (OffsetsAdmin | undefined)[] = [];
  const drop = (entry: OffsetsAdmin | undefined): Promise<void> =>
    entry === undefined
      ? Promise.resolve()
      : entry.connected.then(() => entry.admin.disconnect()).catch(() => undefined);
  return {
    /** at a full poll, with every topic that exists */
    arrange(topics: readonly string[]) {
      const count = offsetsAdminCount(topics.length);
      if (count !== list.length) {
        for (const entry of list) void drop(entry);
        list = new Array<OffsetsAdmin | undefined>(count).fill(undefined);
        return;
      }
      const exists = new Set(topics);
      list = list.map((entry) => {
        if (entry === undefined || [...entry.topics].every((t) => exists.has(t))) return entry;
        void drop(entry);
        return undefined;
      });
    },
    async fetchTopicOffsets(topic: string) {
      if (list.length === 0) list = [undefined];
      const i = offsetsAdminOf(topic, list.length);
      let entry = list[i];
      if (entry === undefined) {
        const admin = create();
        const made: OffsetsAdmin = { admin, connected: admin.connect(), topics: new Set() };
        // a client that could not connect (Kafka down) is made again at the next request
        made.connected.catch(() => {
          if (list[i] === made) list[i] = undefined;
        });
        entry = made;
        list[i] = entry;
      }
      await entry.connected;
      entry.topics.add(topic);
      return entry.admin.fetchTopicOffsets(topic);
    },
    async stop() {
      const all = list;
      list = [];
      await Promise.all(all.map(drop));
    },
  };
}

/**
 * Where a group's unconsumed records begin on a partition: its committed offset, or the log's first offset when it
 * committed nothing (-1) or the records there are gone (retention).
 */
export function unconsumedFrom(committed: string, part: { logStartOffset: string }): bigint {
  const start = BigInt(part.logStartOffset);
  const c = BigInt(committed);
  return c < 0n || c < start ? start : c;
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
  const offsetsAdmins = deps.offsetsAdmin === undefined ? undefined : createOffsetsAdmins(deps.offsetsAdmin);
  const fetchTopicOffsets = (topic: string) =>
    offsetsAdmins === undefined ? deps.admin.fetchTopicOffsets(topic) : offsetsAdmins.fetchTopicOffsets(topic);
  const fullEvery = Math.max(1, deps.fullEvery ?? 10);
  const bigAt = deps.bigCluster ?? { partitions: 2000, groups: 100 };
  /** polls since the start; the topics the last full poll listed; whether the cluster is big (set by full polls) */
  let polls = 0;
  let known: string[] = [];
  let big = false;
  /** groups that had members at their last poll: a view shows them, so they are hot */
  const active = new Set<string>();

  /** The hot topics that exist (the lab's, the opened ones, the ones a hot group reads). */
  const hotTopics = (): string[] => {
    const want = new Set(deps.hot?.().topics ?? []);
    for (const g of groups.values()) if (isHotGroup(g.groupId)) for (const p of g.partitions) want.add(p.topic);
    return known.filter((t) => want.has(t));
  };
  const isHotGroup = (groupId: string): boolean =>
    active.has(groupId) || (deps.hot?.().groups.includes(groupId) ?? false);

  const pollTopics = async (full: boolean): Promise<string[]> => {
    let topics: string[];
    if (full) {
      topics = (await deps.admin.listTopics()).filter((t) => !t.startsWith('__')).sort();
      known = topics;
      offsetsAdmins?.arrange(topics);
      deps.onTopics?.(topics);
    } else topics = hotTopics();
    const meta = topics.length > 0 ? await deps.admin.fetchTopicMetadata({ topics }) : { topics: [] };
    const placement = new Map<string, { leader: number | null; replicas: number[]; isr: number[] }>();
    for (const t of meta.topics)
      for (const p of t.partitions) placement.set(`${t.name}/${p.partitionId}`, placementOf(p));
    const at = now();
    const seen = new Set<string>();
    const upsert: PartitionState[] = [];
    const offsets = await mapLimited(topics, CONCURRENCY, async (topic) => ({
      topic,
      offsets: await fetchTopicOffsets(topic),
    }));
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
    // a partial poll sees only the hot topics: what is gone is known at the next full one
    const removed = full ? [...partitions.keys()].filter((id) => !seen.has(id)) : [];
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

  const pollGroups = async (full: boolean) => {
    const listed = (await deps.admin.listGroups()).groups
      .filter((g) => (g.protocolType === 'consumer' || g.protocolType === '') && !deps.hideGroup(g.groupId))
      .map((g) => g.groupId)
      .sort();
    // a partial poll describes the hot groups and the ones it has not seen yet (new ones show at once)
    const asked = full ? listed : listed.filter((id) => isHotGroup(id) || !groups.has(id));
    const described = asked.length > 0 ? (await deps.admin.describeGroups(asked)).groups : [];
    const committedOf = await mapLimited(described, CONCURRENCY, (g) =>
      deps.admin.fetchOffsets({ groupId: g.groupId }),
    );
    /** the partitions of each topic in partition order (one pass, not one per group and topic) */
    const byTopic = new Map<string, PartitionState[]>();
    for (const p of partitions.values()) {
      const list = byTopic.get(p.topic);
      if (list === undefined) byTopic.set(p.topic, [p]);
      else list.push(p);
    }
    for (const list of byTopic.values()) list.sort((a, b) => a.partition - b.partition);
    // the oldest unconsumed record of each lagging partition of a hot group (the one at the committed offset, or the
    // log's first when nothing was committed or it is gone)
    const oldest: RecordAt[] = [];
    /** the offset each partition's timestamp is asked at (one per partition: two hot groups at different offsets of
     * one partition, the second gets the estimate) */
    const askedAt = new Map<string, string>();
    if (deps.recordTimestamps !== undefined)
      for (const [gi, g] of described.entries()) {
        if (!isHotGroup(g.groupId) && g.members.length === 0) continue; // hot: a view shows it
        for (const c of committedOf[gi]!)
          for (const p of c.partitions) {
            const part = partitions.get(`${c.topic}/${p.partition}`);
            if (part === undefined) continue;
            const from = unconsumedFrom(p.offset, part);
            if (from < BigInt(part.logEndOffset) && !askedAt.has(part.id)) {
              askedAt.set(part.id, String(from));
              oldest.push({ topic: c.topic, partition: p.partition, offset: String(from) });
            }
          }
      }
    const stamps = oldest.length > 0 ? await deps.recordTimestamps!.at(oldest) : new Map<string, number>();
    const at = now();
    const upsert: GroupState[] = [];
    const rebalances: Rebalance[] = [];
    for (const [gi, g] of described.entries()) {
      if (g.members.length > 0) active.add(g.groupId);
      else active.delete(g.groupId);
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
      const committed = committedOf[gi]!;
      const isHot = isHotGroup(g.groupId) || g.members.length > 0;
      const topicsOfGroup = new Set<string>(committed.map((c) => c.topic));
      for (const m of members) for (const t of Object.keys(m.assignment)) topicsOfGroup.add(t);
      const lags: GroupPartitionLag[] = [];
      for (const topic of [...topicsOfGroup].sort()) {
        const commits = new Map<number, string>();
        for (const c of committed)
          if (c.topic === topic) for (const p of c.partitions) commits.set(p.partition, p.offset);
        for (const part of byTopic.get(topic) ?? []) {
          const c = commits.get(part.partition);
          const hasCommit = c !== undefined && Number(c) >= 0;
          const end = BigInt(part.logEndOffset);
          const from = hasCommit ? BigInt(c) : BigInt(part.logStartOffset);
          const lag = end > from ? Number(end - from) : 0;
          // the record's timestamp only for this group's own oldest unconsumed record
          const mine = askedAt.get(part.id) === String(unconsumedFrom(c ?? '-1', part)) && isHot;
          const stamp = lag === 0 || !mine ? undefined : stamps.get(part.id);
          lags.push({
            topic,
            partition: part.partition,
            committedOffset: hasCommit ? c : null,
            logEndOffset: part.logEndOffset,
            lag,
            lagSeconds:
              stamp !== undefined
                ? Math.round(Math.max(0, at - stamp) / 100) / 10
                : lag === 0 || part.msgsPerSec <= 0
                  ? null
                  : Math.round((lag / part.msgsPerSec) * 10) / 10,
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
    const present = new Set(listed);
    const removed = [...groups.keys()].filter((id) => !present.has(id));
    for (const id of removed) {
      groups.delete(id);
      groupsJson.delete(id);
      active.delete(id);
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
      const full = !big || polls % fullEvery === 0;
      polls += 1;
      await pollTopics(full);
      await pollGroups(full);
      if (full) big = partitions.size > bigAt.partitions || groups.size > bigAt.groups;
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
      await offsetsAdmins?.stop();
      await deps.recordTimestamps?.stop();
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
