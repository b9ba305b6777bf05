// A sticky partition assigner for kafkajs. kafkajs ships only round-robin, which reshuffles every partition on each
// rebalance: after a notifier dies the idle one gets *a* partition and a surviving member may move. The lab wants to show
// "the idle one takes the dead one's partition", so members keep what they own (up to a fair share) and only freed
// partitions move, to the least loaded members (an idle one first). Each member sends what it owns as userData.
import { AssignerProtocol, type PartitionAssigner } from 'kafkajs';

export type TopicPartitions = Record<string, number[]>;

export interface MemberState {
  memberId: string;
  /** what the member owned before this rebalance (from its userData) */
  owned: TopicPartitions;
}

/** Pure: the new assignment per member. Every partition is assigned once; members own at most ceil(P/M) per topic. */
export function assignSticky(
  members: readonly MemberState[],
  partitionsByTopic: TopicPartitions,
): Record<string, TopicPartitions> {
  const sorted = [...members].sort((a, b) => (a.memberId < b.memberId ? -1 : a.memberId > b.memberId ? 1 : 0));
  const result: Record<string, TopicPartitions> = Object.fromEntries(sorted.map((m) => [m.memberId, {}]));
  if (sorted.length === 0) return result;
  for (const [topic, partitions] of Object.entries(partitionsByTopic)) {
    const quota = Math.ceil(partitions.length / sorted.length);
    const valid = new Set(partitions);
    const taken = new Set<number>();
    const load = new Map(sorted.map((m) => [m.memberId, [] as number[]]));
    for (const m of sorted) {
      for (const p of [...(m.owned[topic] ?? [])].sort((a, b) => a - b)) {
        const mine = load.get(m.memberId) as number[];
        if (valid.has(p) && !taken.has(p) && mine.length < quota) {
          mine.push(p);
          taken.add(p);
        }
      }
    }
    for (const p of [...partitions].sort((a, b) => a - b)) {
      if (taken.has(p)) continue;
      let best = sorted[0] as MemberState;
      for (const m of sorted)
        if ((load.get(m.memberId) as number[]).length < (load.get(best.memberId) as number[]).length) best = m;
      (load.get(best.memberId) as number[]).push(p);
      taken.add(p);
    }
    for (const [memberId, list] of load)
      if (list.length > 0) (result[memberId] as TopicPartitions)[topic] = list.sort((a, b) => a - b);
  }
  return result;
}

/** The kafkajs assigner; `owned()` tells what this member owns now (updated by the notifier on every join). */
export function stickyAssigner(owned: () => TopicPartitions): PartitionAssigner {
  return ({ cluster }) => ({
    name: 'EventscopeStickyAssigner',
    version: 0,
    assign({ members, topics }) {
      const states = members.map(({ memberId, memberMetadata }): MemberState => {
        let prev: TopicPartitions = {};
        try {
          const userData = AssignerProtocol.MemberMetadata.decode(memberMetadata)?.userData;
          if (userData && userData.length > 0) prev = JSON.parse(userData.toString('utf8')) as TopicPartitions;
        } catch {
          prev = {};
        }
        return { memberId, owned: prev };
      });
      const partitions: TopicPartitions = Object.fromEntries(
        topics.map((t) => [t, cluster.findTopicPartitionMetadata(t).map((m) => m.partitionId)]),
      );
      const assignment = assignSticky(states, partitions);
      return Promise.resolve(
        Object.entries(assignment).map(([memberId, a]) => ({
          memberId,
          memberAssignment: AssignerProtocol.MemberAssignment.encode({
            version: 0,
            assignment: a,
            userData: Buffer.alloc(0),
          }),
        })),
      );
    },
    protocol({ topics }) {
      return {
        name: 'EventscopeStickyAssigner',
        metadata: AssignerProtocol.MemberMetadata.encode({
          version: 0,
          topics,
          userData: Buffer.from(JSON.stringify(owned())),
        }),
      };
    },
  });
}
